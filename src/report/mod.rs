//! Report stage: findings -> human (miette), JSON, SARIF and GitHub output. Only this stage
//! formats output; it writes to any `io::Write` and never exits.

pub mod human;
pub mod inventory;
pub mod json;

use crate::check::Report;
use crate::config::Severity;

/// Counts by severity, for summaries: (errors, warnings, notes), suppressed excluded.
pub fn counts(report: &Report) -> (usize, usize, usize) {
    let mut c = (0, 0, 0);
    for f in report.findings.iter().filter(|f| !f.suppressed) {
        match f.severity {
            Severity::Error => c.0 += 1,
            Severity::Warning => c.1 += 1,
            Severity::Note => c.2 += 1,
        }
    }
    c
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// One line: `3 findings (2 errors, 1 warning) in 10 files, 4 key policies checked`.
pub fn summary_line(report: &Report) -> String {
    let (e, w, n) = counts(report);
    let total = e + w + n;
    let mut parts = Vec::new();
    if e > 0 {
        parts.push(plural(e, "error"));
    }
    if w > 0 {
        parts.push(plural(w, "warning"));
    }
    if n > 0 {
        parts.push(plural(n, "note"));
    }
    let suppressed = report.findings.iter().filter(|f| f.suppressed).count();
    let mut line = if total == 0 {
        "no findings".to_string()
    } else {
        format!("{} ({})", plural(total, "finding"), parts.join(", "))
    };
    line.push_str(&format!(
        " in {}, {} checked",
        plural(report.files, "file"),
        plural(report.policies, "key policy").replace("policys", "policies")
    ));
    if suppressed > 0 {
        line.push_str(&format!(", {suppressed} suppressed"));
    }
    line
}
