//! Report stage: findings -> human (miette), JSON, SARIF and GitHub output. Only this stage
//! formats output; it writes to any `io::Write` and never exits.

pub mod excerpt;
pub mod github;
pub mod human;
pub mod inventory;
pub mod json;
pub mod sarif;

use crate::check::{Report, Totals};
use crate::inventory::KeyRecord;
use crate::rules::Finding;
use std::io::{self, Write};
use std::path::{Component, Path};

/// A report written while the scan runs: findings arrive in output order and are written at
/// once, so memory holds one batch of files, never the whole repository's findings.
pub trait Sink {
    fn finding(&mut self, f: &Finding) -> io::Result<()>;
    /// A key or grant the scan saw (for summaries that name accounts).
    fn key(&mut self, _k: &KeyRecord) {}
    /// Every unit is in: the summary, the closing brackets, the flush.
    fn finish(&mut self, totals: &Totals) -> io::Result<()>;
}

/// Runs a collected report through a sink.
pub fn write_report(report: &Report, sink: &mut dyn Sink) -> io::Result<()> {
    for k in &report.keys {
        sink.key(k);
    }
    for f in &report.findings {
        sink.finding(f)?;
    }
    sink.finish(&report.totals)
}

/// A JSON array streamed into a larger document, item by item, pretty-printed exactly as
/// serde_json prints the whole document: each item on its own lines at `indent` spaces, the
/// closing bracket two spaces less.
struct PrettyArray {
    indent: usize,
    written: usize,
}

impl PrettyArray {
    fn new(indent: usize) -> Self {
        PrettyArray { indent, written: 0 }
    }

    /// Writes one item (the `[` is already written).
    fn item(&mut self, out: &mut dyn Write, value: &impl serde::Serialize) -> io::Result<()> {
        let text = serde_json::to_string_pretty(value)?;
        out.write_all(if self.written == 0 { b"\n" } else { b",\n" })?;
        let pad = " ".repeat(self.indent);
        // JSON strings never hold a raw newline: splitting on lines is safe.
        for (i, line) in text.split('\n').enumerate() {
            if i > 0 {
                out.write_all(b"\n")?;
            }
            out.write_all(pad.as_bytes())?;
            out.write_all(line.as_bytes())?;
        }
        self.written += 1;
        Ok(())
    }

    /// Writes the line break and indentation before the `]` (none for an empty array).
    fn close(&self, out: &mut dyn Write) -> io::Result<()> {
        if self.written > 0 {
            out.write_all(b"\n")?;
            out.write_all(" ".repeat(self.indent.saturating_sub(2)).as_bytes())?;
        }
        Ok(())
    }
}

/// A rule's documentation as Markdown: what `kmslint explain` prints, `docs/rules/<ID>.md`
/// holds and SARIF's `help.markdown` carries.
pub fn rule_markdown(def: &crate::rules::schema::RuleDef) -> String {
    format!(
        "# {} {}\n\n{}\n\nDefault severity: {}\n\n{}\n\n## Help\n\n{}\n",
        def.id,
        def.name,
        def.summary,
        def.default_level(),
        def.docs.trim(),
        def.help.trim()
    )
}

/// The rules' vocabulary as Markdown, for docs/custom-rules.md: per subject, the facts a `when`
/// can test (with their type) and the placeholders a message can use.
pub fn rule_vocabulary() -> String {
    use crate::rules::facts::{FactType, SubjectKind, FACTS};
    let mut out = String::from("| subject | facts | placeholders |\n|---|---|---|\n");
    let subjects = [
        SubjectKind::Principal,
        SubjectKind::ConditionValue,
        SubjectKind::Grant,
        SubjectKind::Policy,
        SubjectKind::Duplicate,
        SubjectKind::ParseError,
        SubjectKind::Suppression,
    ];
    for kind in subjects {
        let facts: Vec<String> = kind.facts().map(|d| format!("`{}`", d.name)).collect();
        let vars: Vec<String> = kind
            .vars()
            .map(|d| format!("`{{{}}}`", d.name))
            .chain(["`{resource}`".to_string()])
            .collect();
        out.push_str(&format!(
            "| `{}` | {} | {} |\n",
            kind.as_str(),
            if facts.is_empty() {
                "—".to_string()
            } else {
                facts.join(", ")
            },
            vars.join(", ")
        ));
    }
    out.push_str("\n| fact | type | tests | meaning |\n|---|---|---|---|\n");
    for d in FACTS {
        let (ty, tests) = match d.ty {
            FactType::Bool => ("yes/no".to_string(), "`true`, `false`"),
            FactType::Word([]) => ("word".to_string(), "a word, a list, `{ in = [...] }`"),
            FactType::Word(words) => (
                words
                    .iter()
                    .map(|w| format!("`{w}`"))
                    .collect::<Vec<_>>()
                    .join(", "),
                "a word, a list, `{ in = [...] }`",
            ),
            FactType::List => (
                "list".to_string(),
                "`{ contains = \"…\" }`, `{ contains_any = [...] }`, `{ empty = … }`",
            ),
            FactType::Actions => (
                "actions".to_string(),
                "`{ allows_any = [...] }`, `{ empty = … }`",
            ),
        };
        out.push_str(&format!("| `{}` | {ty} | {tests} | {} |\n", d.name, d.doc));
    }
    out
}

/// A path as shown in messages and reports: relative to the current directory when it is below
/// it, with `/` separators, without `./`.
pub fn shown_path(path: &Path) -> String {
    // Asked once: kmslint never changes directory, and reports show paths for every finding.
    static CWD: std::sync::OnceLock<Option<std::path::PathBuf>> = std::sync::OnceLock::new();
    let cwd = CWD.get_or_init(|| std::env::current_dir().ok());
    shown_path_from(path, cwd.as_deref())
}

/// `shown_path` against an explicit current directory (for tests).
pub fn shown_path_from(path: &Path, cwd: Option<&Path>) -> String {
    let rel = match cwd {
        Some(cwd) if path.is_absolute() => path.strip_prefix(cwd).unwrap_or(path),
        _ => path,
    };
    let mut parts: Vec<String> = Vec::new();
    let mut absolute = false;
    for c in rel.components() {
        match c {
            Component::CurDir => {}
            Component::RootDir => absolute = true,
            Component::Prefix(p) => parts.push(p.as_os_str().to_string_lossy().into_owned()),
            other => parts.push(other.as_os_str().to_string_lossy().into_owned()),
        }
    }
    let joined = parts.join("/");
    if absolute {
        format!("/{joined}")
    } else {
        joined
    }
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// One line: `3 findings (2 errors, 1 warning) in 10 files, 4 key policies checked`.
pub fn summary_line(totals: &Totals) -> String {
    let (e, w, n) = (totals.errors, totals.warnings, totals.notes);
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
    let suppressed = totals.suppressed;
    let mut line = if total == 0 {
        "no findings".to_string()
    } else {
        format!("{} ({})", plural(total, "finding"), parts.join(", "))
    };
    line.push_str(&format!(
        " in {}, {} checked",
        plural(totals.files, "file"),
        plural(totals.policies, "key policy").replace("policys", "policies")
    ));
    if suppressed > 0 {
        line.push_str(&format!(", {suppressed} suppressed"));
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shown_paths_are_relative_to_the_current_directory() {
        let cwd = Path::new("/repo");
        assert_eq!(
            shown_path_from(Path::new("/repo/infra/k.yaml"), Some(cwd)),
            "infra/k.yaml"
        );
        assert_eq!(
            shown_path_from(Path::new("./infra/k.yaml"), Some(cwd)),
            "infra/k.yaml"
        );
        assert_eq!(
            shown_path_from(Path::new("/elsewhere/k.yaml"), Some(cwd)),
            "/elsewhere/k.yaml"
        );
        assert_eq!(
            shown_path_from(Path::new("../x/k.yaml"), Some(cwd)),
            "../x/k.yaml"
        );
    }
}
