//! `--format github`: GitHub Actions workflow commands, so findings show inline on the pull
//! request (`::error file=…,line=…,col=…,endLine=…,endColumn=…,title=…::message`), and a
//! Markdown job summary for `$GITHUB_STEP_SUMMARY`.

use super::{escape, Sink};
use crate::base::severity::Severity;
use crate::base::trust::{Trust, TrustConfig};
use crate::check::Totals;
use crate::inventory::KeyRecord;
use crate::rules::Finding;
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

/// Input text for one annotation property: visible controls, no `##[`.
fn safe(s: &str) -> String {
    escape::no_v1_command(&escape::text(s)).into_owned()
}

fn command(sev: Severity) -> &'static str {
    match sev {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "notice",
    }
}

/// One annotation per unsuppressed finding, then the summary line.
pub struct Writer<W: Write> {
    out: W,
}

impl<W: Write> Writer<W> {
    pub fn new(out: W) -> Self {
        Writer { out }
    }
}

impl<W: Write> Sink for Writer<W> {
    fn finding(&mut self, f: &Finding) -> std::io::Result<()> {
        if f.suppressed {
            return Ok(());
        }
        let ((line, col), (end_line, end_col)) = f.start_end();
        // Input-controlled text is made visible first: its own line breaks must not become the
        // annotation's, and ESC never reaches the log.
        let mut message = escape::text(&f.message).into_owned();
        if let Some(res) = &f.resource {
            message.push_str(&format!("\nresource: {}", escape::text(res)));
        }
        message.push_str(&format!(
            "\nhelp: {}\nmore: kmslint explain {}",
            escape::lines(&f.help),
            escape::text(&f.rule)
        ));
        writeln!(
            self.out,
            "::{} file={},line={line},col={col},endLine={end_line},endColumn={end_col},title={}::{}",
            command(f.severity),
            escape_property(&safe(&super::shown_path(&f.file.path))),
            escape_property(&safe(&format!("{} {}", f.rule, f.name))),
            escape_data(&escape::no_v1_command(&message))
        )
    }

    fn finish(&mut self, totals: &Totals) -> std::io::Result<()> {
        writeln!(self.out, "kmslint: {}", super::summary_line(totals))?;
        for line in super::summary_details(totals) {
            writeln!(self.out, "kmslint: {}", escape::log_line(&line))?;
        }
        self.out.flush()
    }
}

/// Markdown for a table cell: no line breaks, no markup, no HTML.
fn cell(s: &str) -> String {
    escape::markdown(s)
}

/// An external account the policies name: its stated name and the worst trust the model gave it.
struct AccountSeen {
    name: Option<String>,
    trust: Trust,
}

/// The job summary: totals, findings by rule, and the external accounts the policies name.
/// Gathered as the scan streams past (counts per rule and per account only), appended to
/// `$GITHUB_STEP_SUMMARY` at the end.
pub struct Summary<'c, W: Write> {
    out: W,
    trust: &'c TrustConfig,
    by_rule: BTreeMap<(String, String), (Severity, usize, usize)>,
    accounts: BTreeMap<String, AccountSeen>,
    /// Unsuppressed findings per account, including accounts no key's access names.
    account_findings: BTreeMap<String, usize>,
}

impl<'c, W: Write> Summary<'c, W> {
    pub fn new(out: W, trust: &'c TrustConfig) -> Self {
        Summary {
            out,
            trust,
            by_rule: BTreeMap::new(),
            accounts: BTreeMap::new(),
            account_findings: BTreeMap::new(),
        }
    }

    pub fn markdown(&self, totals: &Totals) -> String {
        let mut md = String::from("## kmslint\n\n");
        md.push_str("| keys scanned | files | errors | warnings | notes | suppressed |\n");
        md.push_str("|---:|---:|---:|---:|---:|---:|\n");
        md.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} |\n\n",
            totals.policies,
            totals.files,
            totals.errors,
            totals.warnings,
            totals.notes,
            totals.suppressed
        ));
        if self.by_rule.is_empty() {
            md.push_str("No findings.\n\n");
        } else {
            md.push_str("### Findings by rule\n\n| rule | name | severity | findings | suppressed |\n|---|---|---|---:|---:|\n");
            for ((id, name), (sev, open, supp)) in &self.by_rule {
                md.push_str(&format!(
                    "| {} | {} | {} | {open} | {supp} |\n",
                    cell(id),
                    cell(name),
                    sev.as_str()
                ));
            }
            md.push('\n');
        }
        if !self.accounts.is_empty() {
            md.push_str("### External accounts seen\n\n| account | name | trust | findings |\n|---|---|---|---:|\n");
            for (id, seen) in &self.accounts {
                let trust = if self.trust.own_accounts.contains(id) {
                    "own account"
                } else {
                    match seen.trust {
                        Trust::Untrusted => "**not trusted**",
                        ref other => other.as_str(),
                    }
                };
                let count = self.account_findings.get(id).copied().unwrap_or(0);
                let name = seen
                    .name
                    .as_deref()
                    .or_else(|| self.trust.account_name(id))
                    .unwrap_or("");
                md.push_str(&format!(
                    "| `{}` | {} | {trust} | {count} |\n",
                    escape::markdown_code(id),
                    cell(name)
                ));
            }
            md.push('\n');
        }
        let details = super::summary_details(totals);
        if !details.is_empty() {
            md.push_str("### Not checked and configs\n\n");
            for line in details {
                md.push_str(&format!("- {}\n", cell(&line)));
            }
            md.push('\n');
        }
        md.push_str(&format!("kmslint: {}\n", super::summary_line(totals)));
        md
    }
}

impl<W: Write> Sink for Summary<'_, W> {
    fn finding(&mut self, f: &Finding) -> std::io::Result<()> {
        let entry = self
            .by_rule
            .entry((f.rule.clone(), f.name.clone()))
            .or_insert((f.severity, 0, 0));
        entry.0 = entry.0.max(f.severity);
        if f.suppressed {
            entry.2 += 1;
        } else {
            entry.1 += 1;
            if let Some(a) = &f.account {
                *self.account_findings.entry(a.clone()).or_insert(0) += 1;
            }
        }
        Ok(())
    }

    fn key(&mut self, k: &KeyRecord) {
        for a in &k.external_access {
            let Some(id) = a.account.as_deref() else {
                continue;
            };
            let seen = self
                .accounts
                .entry(id.to_string())
                .or_insert_with(|| AccountSeen {
                    name: a.name.clone(),
                    trust: a.trust.clone(),
                });
            if a.trust != Trust::Trusted {
                // Worst wins: one trusted role does not make the whole account trusted.
                seen.trust.clone_from(&a.trust);
            }
        }
    }

    fn finish(&mut self, totals: &Totals) -> std::io::Result<()> {
        let md = self.markdown(totals);
        self.out.write_all(md.as_bytes())?;
        self.out.flush()
    }
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
        let trust = TrustConfig::default();
        let md = Summary::new(Vec::new(), &trust).markdown(&Totals::default());
        assert!(md.contains("No findings."), "{md}");
        assert!(md.contains("| 0 | 0 | 0 | 0 | 0 | 0 |"), "{md}");
    }
}
