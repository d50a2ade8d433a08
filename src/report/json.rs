//! `--format json`: the stable, versioned object described in DESIGN.md ("Output contract").

use super::{PrettyArray, Sink};
use crate::check::Totals;
use crate::rules::Finding;
use serde::Serialize;
use std::io::Write;

#[derive(Serialize)]
struct JsonFinding<'a> {
    rule: &'a str,
    name: &'a str,
    severity: &'a str,
    message: &'a str,
    file: String,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    /// Byte offsets of the span in the file.
    offset: usize,
    length: usize,
    resource: Option<&'a str>,
    statement: Option<&'a str>,
    /// The first of `principals` (version 1 had one principal per finding).
    principal: Option<&'a str>,
    /// The account of the first principal.
    account: Option<&'a str>,
    /// Every principal of the statement the finding is about (one finding per statement and
    /// rule), in document order.
    principals: &'a [String],
    /// Every account those principals (or conditions) name.
    accounts: &'a [String],
    /// The other places the finding points at: each further principal, a duplicate's first
    /// occurrence, a `NotPrincipal` key.
    related: Vec<JsonRelated<'a>>,
    suppressed: bool,
    /// Why it is suppressed: `{"reason", "until", "kind"}`, when it is.
    #[serde(skip_serializing_if = "Option::is_none")]
    suppression: Option<JsonSuppression<'a>>,
    help: &'a str,
}

#[derive(Serialize)]
struct JsonRelated<'a> {
    message: &'a str,
    file: String,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
}

#[derive(Serialize)]
struct JsonSuppression<'a> {
    reason: &'a str,
    until: Option<String>,
    kind: &'a str,
}

#[derive(Serialize)]
struct Summary {
    files: usize,
    policies: usize,
    findings: usize,
    errors: usize,
    warnings: usize,
    notes: usize,
    suppressed: usize,
}

/// Streams the report: `{"version": 1, "findings": [...], "summary": {...}}`, pretty-printed
/// exactly as serde_json would print the whole object.
pub struct Writer<W: Write> {
    out: W,
    findings: PrettyArray,
}

impl<W: Write> Writer<W> {
    pub fn new(mut out: W) -> std::io::Result<Self> {
        out.write_all(b"{\n  \"version\": 1,\n  \"findings\": [")?;
        Ok(Writer {
            out,
            findings: PrettyArray::new(4),
        })
    }
}

fn json_finding(f: &Finding) -> JsonFinding<'_> {
    let ((line, column), (end_line, end_column)) = f.start_end();
    JsonFinding {
        rule: &f.rule,
        name: &f.name,
        severity: f.severity.as_str(),
        message: &f.message,
        file: f.file.path.display().to_string(),
        line,
        column,
        end_line,
        end_column,
        offset: f.span.start,
        length: f.span.len(),
        resource: f.resource.as_deref(),
        statement: f.statement.as_deref(),
        principal: f.principal.as_deref(),
        account: f.account.as_deref(),
        principals: &f.principals,
        accounts: &f.accounts,
        related: f
            .related
            .iter()
            .map(|r| {
                let (line, column) = r.file.line_col(r.span.start);
                let (end_line, end_column) = r.file.line_col(r.span.end);
                JsonRelated {
                    message: &r.message,
                    file: r.file.path.display().to_string(),
                    line,
                    column,
                    end_line,
                    end_column,
                }
            })
            .collect(),
        suppressed: f.suppressed,
        suppression: f.suppression.as_ref().map(|s| JsonSuppression {
            reason: &s.reason,
            until: s.until.map(|d| d.to_string()),
            kind: s.kind,
        }),
        help: &f.help,
    }
}

impl<W: Write> Sink for Writer<W> {
    fn finding(&mut self, f: &Finding) -> std::io::Result<()> {
        self.findings.item(&mut self.out, &json_finding(f))
    }

    fn finish(&mut self, totals: &Totals) -> std::io::Result<()> {
        self.findings.close(&mut self.out)?;
        let summary = Summary {
            files: totals.files,
            policies: totals.policies,
            findings: totals.findings(),
            errors: totals.errors,
            warnings: totals.warnings,
            notes: totals.notes,
            suppressed: totals.suppressed,
        };
        // The summary's own lines are indented as the object's second member.
        let summary = serde_json::to_string_pretty(&summary)?.replace('\n', "\n  ");
        self.out.write_all(b"],\n  \"summary\": ")?;
        self.out.write_all(summary.as_bytes())?;
        self.out.write_all(b"\n}\n")?;
        self.out.flush()
    }
}
