//! `docs/rules/<ID>.md` is generated from `rules/*.toml` (the same Markdown `kmslint explain`
//! prints; SARIF's `helpUri` points at it) and checked in. This test regenerates it and fails if
//! a file differs or is missing; `KMSLINT_BLESS=1 cargo test --test rule_docs` rewrites them.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use kmslint::report::rule_markdown;
use kmslint::Registry;
use std::path::Path;

#[test]
fn rule_docs_are_generated_and_checked_in() {
    let reg = Registry::builtin().unwrap();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/rules");
    let bless = std::env::var("KMSLINT_BLESS").is_ok_and(|v| v == "1");
    let mut stale = Vec::new();
    let mut index = String::from("# Rules\n\nGenerated from `rules/*.toml` by `tests/rule_docs.rs`; do not edit.\n\n| id | name | default | summary |\n|---|---|---|---|\n");
    for r in &reg.rules {
        let d = &r.def;
        let sev = d.default_level();
        index.push_str(&format!(
            "| [{id}]({id}.md) | {} | {sev} | {} |\n",
            d.name,
            d.summary.replace('|', "\\|"),
            id = d.id
        ));
    }
    let mut files: Vec<(String, String)> = reg
        .rules
        .iter()
        .map(|r| (format!("{}.md", r.def.id), rule_markdown(&r.def)))
        .collect();
    files.push(("README.md".into(), index));
    for (name, text) in files {
        let path = dir.join(&name);
        if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
            if bless {
                std::fs::create_dir_all(&dir).unwrap();
                std::fs::write(&path, text).unwrap();
            } else {
                stale.push(name);
            }
        }
    }
    assert!(
        stale.is_empty(),
        "docs/rules is out of date ({}): run KMSLINT_BLESS=1 cargo test --test rule_docs",
        stale.join(", ")
    );
}

/// docs/custom-rules.md lists the facts and placeholders rules can use, generated from the one
/// vocabulary table; `KMSLINT_BLESS=1` rewrites the generated part.
#[test]
fn the_vocabulary_in_the_custom_rules_guide_is_current() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/custom-rules.md");
    let text = std::fs::read_to_string(&path).unwrap();
    let (start, end) = ("<!-- vocabulary:start -->\n", "<!-- vocabulary:end -->");
    let a = text.find(start).expect("start marker") + start.len();
    let b = text.find(end).expect("end marker");
    let generated = kmslint::report::rule_vocabulary();
    if text[a..b] != generated {
        let bless = std::env::var("KMSLINT_BLESS").is_ok_and(|v| v == "1");
        assert!(
            bless,
            "docs/custom-rules.md is out of date: run KMSLINT_BLESS=1 cargo test --test rule_docs"
        );
        std::fs::write(&path, format!("{}{generated}{}", &text[..a], &text[b..])).unwrap();
    }
}
