//! `--format github`: GitHub Actions workflow commands, so findings show inline on the pull
//! request (`::error file=…,line=…,col=…,endLine=…,endColumn=…,title=…::message`), and a
//! Markdown job summary for `$GITHUB_STEP_SUMMARY`.

use crate::check::Report;
use crate::config::{Config, Severity};
use std::collections::BTreeMap;
use std::io::Write;

/// Escapes a workflow command's message (the part after `::`).
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a workflow command property value (`file=`, `title=`).
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

fn command(sev: Severity) -> &'static str {
    match sev {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "notice",
    }
}

/// One annotation per unsuppressed finding, then the summary line.
pub fn write(report: &Report, out: &mut dyn Write) -> std::io::Result<()> {
    for f in report.findings.iter().filter(|f| !f.suppressed) {
        let ((line, col), (end_line, end_col)) = f.start_end();
        let mut message = f.message.clone();
        if let Some(res) = &f.resource {
            message.push_str(&format!("\nresource: {res}"));
        }
        message.push_str(&format!(
            "\nhelp: {}\nmore: kmslint explain {}",
            f.help, f.rule
        ));
        writeln!(
            out,
            "::{} file={},line={line},col={col},endLine={end_line},endColumn={end_col},title={}::{}",
            command(f.severity),
            escape_property(&super::shown_path(&f.file.path)),
            escape_property(&format!("{} {}", f.rule, f.name)),
            escape_data(&message)
        )?;
    }
    writeln!(out, "kmslint: {}", super::summary_line(report))
}

/// Markdown for a table cell: no line breaks, no column separators.
fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace(['\n', '\r'], " ")
}

/// The job summary: totals, findings by rule, and the external accounts the policies name.
pub fn summary_markdown(report: &Report, cfg: &Config) -> String {
    let mut md = String::from("## kmslint\n\n");
    let (e, w, n) = super::counts(report);
    let suppressed = report.findings.iter().filter(|f| f.suppressed).count();
    md.push_str("| keys scanned | files | errors | warnings | notes | suppressed |\n");
    md.push_str("|---:|---:|---:|---:|---:|---:|\n");
    md.push_str(&format!(
        "| {} | {} | {e} | {w} | {n} | {suppressed} |\n\n",
        report.policies, report.files
    ));
    let mut by_rule: BTreeMap<(&str, &str), (Severity, usize, usize)> = BTreeMap::new();
    for f in &report.findings {
        let entry = by_rule
            .entry((f.rule.as_str(), f.name.as_str()))
            .or_insert((f.severity, 0, 0));
        entry.0 = entry.0.max(f.severity);
        if f.suppressed {
            entry.2 += 1;
        } else {
            entry.1 += 1;
        }
    }
    if by_rule.is_empty() {
        md.push_str("No findings.\n\n");
    } else {
        md.push_str("### Findings by rule\n\n| rule | name | severity | findings | suppressed |\n|---|---|---|---:|---:|\n");
        for ((id, name), (sev, open, supp)) in &by_rule {
            md.push_str(&format!(
                "| {id} | {name} | {} | {open} | {supp} |\n",
                sev.as_str()
            ));
        }
        md.push('\n');
    }
    // External accounts, from the inventory of every key: (name, trust as the model saw it).
    let mut accounts: BTreeMap<&str, (Option<&str>, &str)> = BTreeMap::new();
    for a in report.keys.iter().flat_map(|k| &k.external_access) {
        let Some(id) = a.account.as_deref() else {
            continue;
        };
        let entry = accounts
            .entry(id)
            .or_insert((a.name.as_deref(), a.trust.as_str()));
        if a.trust != "trusted" {
            // Worst wins: one trusted role does not make the whole account trusted.
            entry.1 = a.trust.as_str();
        }
    }
    if !accounts.is_empty() {
        md.push_str("### External accounts seen\n\n| account | name | trust | findings |\n|---|---|---|---:|\n");
        for (id, (name, trust)) in &accounts {
            let trust = if cfg.trust.own_accounts.contains(*id) {
                "own account"
            } else {
                match *trust {
                    "trusted" => "trusted",
                    "untrusted" => "**not trusted**",
                    other => other,
                }
            };
            let count = report
                .findings
                .iter()
                .filter(|f| !f.suppressed && f.account.as_deref() == Some(*id))
                .count();
            let name = name.or_else(|| cfg.account_name(id)).unwrap_or("");
            md.push_str(&format!(
                "| `{id}` | {} | {trust} | {count} |\n",
                cell(name)
            ));
        }
        md.push('\n');
    }
    md.push_str(&format!("kmslint: {}\n", super::summary_line(report)));
    md
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_follows_the_runner() {
        assert_eq!(escape_data("50% a\r\nb"), "50%25 a%0D%0Ab");
        assert_eq!(escape_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
        // Data keeps `:` and `,`: only properties need them escaped.
        assert_eq!(escape_data("a:b,c"), "a:b,c");
    }

    #[test]
    fn empty_report_summary() {
        let md = summary_markdown(&Report::default(), &Config::default());
        assert!(md.contains("No findings."), "{md}");
        assert!(md.contains("| 0 | 0 | 0 | 0 | 0 | 0 |"), "{md}");
    }
}
