//! `--format json`: the stable, versioned object described in DESIGN.md ("Output contract").

use crate::check::Report;
use serde::Serialize;
use std::io::Write;

#[derive(Serialize)]
struct JsonReport<'a> {
    version: u32,
    findings: Vec<JsonFinding<'a>>,
    summary: Summary,
}

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
    principal: Option<&'a str>,
    account: Option<&'a str>,
    suppressed: bool,
    /// Why it is suppressed: `{"reason", "until", "kind"}`, when it is.
    #[serde(skip_serializing_if = "Option::is_none")]
    suppression: Option<JsonSuppression<'a>>,
    help: &'a str,
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

pub fn write(report: &Report, out: &mut dyn Write) -> std::io::Result<()> {
    let (errors, warnings, notes) = super::counts(report);
    let doc = JsonReport {
        version: 1,
        findings: report
            .findings
            .iter()
            .map(|f| {
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
                    suppressed: f.suppressed,
                    suppression: f.suppression.as_ref().map(|s| JsonSuppression {
                        reason: &s.reason,
                        until: s.until.map(|d| d.to_string()),
                        kind: s.kind,
                    }),
                    help: &f.help,
                }
            })
            .collect(),
        summary: Summary {
            files: report.files,
            policies: report.policies,
            findings: report.findings.iter().filter(|f| !f.suppressed).count(),
            errors,
            warnings,
            notes,
            suppressed: report.findings.iter().filter(|f| f.suppressed).count(),
        },
    };
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}
