//! Report stage: findings -> human (miette), JSON, SARIF and GitHub output. Only this stage
//! formats output; it writes to any `io::Write` and never exits.

pub mod github;
pub mod human;
pub mod inventory;
pub mod json;
pub mod sarif;

use crate::check::Report;
use crate::config::Severity;
use std::path::{Component, Path};

/// A rule's documentation as Markdown: what `kmslint explain` prints, `docs/rules/<ID>.md`
/// holds and SARIF's `help.markdown` carries.
pub fn rule_markdown(def: &crate::rules::schema::RuleDef) -> String {
    format!(
        "# {} {}\n\n{}\n\nDefault severity: {}\n\n{}\n\n## Help\n\n{}\n",
        def.id,
        def.name,
        def.summary,
        if def.default_off {
            "off"
        } else {
            def.severity.as_str()
        },
        def.docs.trim(),
        def.help.trim()
    )
}

/// A path as shown in messages and reports: relative to the current directory when it is below
/// it, with `/` separators, without `./`.
pub fn shown_path(path: &Path) -> String {
    let cwd = std::env::current_dir().ok();
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
