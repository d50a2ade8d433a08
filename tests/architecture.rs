//! The layout tells the architecture: the modules of `src/` form layers, and a module may import
//! (`crate::…`) only the layers below it. A backward import, a cycle, or a source file grown past
//! 1,000 lines before its tests fails here, naming the file.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Bottom first. `lib.rs` and `main.rs` sit on top of everything.
const LAYERS: &[&str] = &[
    "base",
    "parse",
    "ir",
    "discover",
    "frontend",
    "model",
    "inventory",
    "rules",
    "suppress",
    "config",
    "check",
    "report",
];

/// Longest a source file may be before its `#[cfg(test)]` module.
const MAX_CODE_LINES: usize = 1_000;

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            sources(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The top-level module a file belongs to (`src/frontend/terraform/eval.rs` -> `frontend`).
fn module_of(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).unwrap();
    let first = rel
        .components()
        .next()
        .unwrap()
        .as_os_str()
        .to_string_lossy();
    first.trim_end_matches(".rs").to_string()
}

/// Every `crate::<module>` a file names, comments left out.
fn imports(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for line in text.lines() {
        let code = line.split("//").next().unwrap_or("");
        let mut rest = code;
        while let Some(at) = rest.find("crate::") {
            let after = &rest[at + "crate::".len()..];
            let name: String = after
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                out.insert(name);
            }
            rest = after;
        }
    }
    out
}

#[test]
fn no_module_imports_a_later_layer() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    files.sort();
    let rank = |m: &str| LAYERS.iter().position(|l| *l == m);
    let mut problems = Vec::new();
    for f in &files {
        let module = module_of(&src, f);
        if module == "lib" || module == "main" {
            continue;
        }
        let Some(own) = rank(&module) else {
            problems.push(format!(
                "{}: module `{module}` is not in LAYERS (tests/architecture.rs): place it",
                f.display()
            ));
            continue;
        };
        let text = std::fs::read_to_string(f).unwrap();
        for m in imports(&text) {
            match rank(&m) {
                Some(r) if r > own => problems.push(format!(
                    "{}: `{module}` imports `{m}`, a later stage",
                    f.display()
                )),
                _ => {}
            }
        }
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

#[test]
fn every_top_level_module_has_a_layer() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let lib = std::fs::read_to_string(src.join("lib.rs")).unwrap();
    for line in lib.lines() {
        let t = line.trim();
        let Some(decl) = t
            .strip_prefix("pub mod ")
            .or_else(|| t.strip_prefix("mod "))
        else {
            continue;
        };
        let Some(name) = decl.strip_suffix(';') else {
            continue;
        };
        assert!(LAYERS.contains(&name), "module `{name}` has no layer");
    }
}

#[test]
fn no_source_file_is_over_a_thousand_lines_of_code() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    let mut long = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        let code = text
            .lines()
            .take_while(|l| !l.starts_with("#[cfg(test)]"))
            .count();
        if code > MAX_CODE_LINES {
            long.push(format!("{}: {code} lines before its tests", f.display()));
        }
    }
    assert!(long.is_empty(), "split along a seam:\n{}", long.join("\n"));
}
