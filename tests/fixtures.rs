//! Fixture tests: every input under `testdata/cloudformation/` (and every module directory under
//! `testdata/terraform/`) is scanned with the real pipeline, and its findings must equal the
//! `.findings` file beside it: one `RULE file:line:col` per line, file relative to that folder.
//! A fixture's own `<name>.toml` (else the folder's `kmslint.toml`) is its config.
//!
//! These are pipeline tests (each input format read end to end), written for the rules in
//! `PIPELINE_RULES`; every other rule is off here. A rule added later is tested by its own
//! fixtures (`testdata/rules/<ID>/`, tests/rules.rs), so adding one edits nothing here.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use kmslint::Config;
use kmslint::Registry;
use kmslint::{scan, Options};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata")
}

/// The rules these fixtures' expectations cover.
const PIPELINE_RULES: &[&str] = &[
    "KMS000", "KMS001", "KMS002", "KMS003", "KMS004", "KMS005", "KMS006", "KMS007", "KMS008",
    "KMS009", "KMS010", "KMS011", "KMS012", "KMS013", "KMS014",
];

fn config_for(dir: &Path, own: &Path, reg: &Registry) -> Config {
    let ids = reg.ids();
    let mut cfg = [own.to_path_buf(), dir.join("kmslint.toml")]
        .into_iter()
        .find(|c| c.is_file())
        .map_or_else(Config::default, |c| {
            Config::load(&c, &ids).unwrap_or_else(|e| panic!("{e}"))
        });
    for rule in &reg.rules {
        if !PIPELINE_RULES.contains(&rule.def.id.as_str()) {
            cfg.rule_levels
                .insert(rule.def.id.clone(), kmslint::RuleLevel::Off);
        }
    }
    cfg
}

fn expected(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut v: Vec<String> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect();
    v.sort();
    v
}

/// `{name}` left in a message means the rule used a placeholder its subject lacks.
fn has_placeholder(s: &str) -> bool {
    s.split('{').skip(1).any(|rest| {
        rest.split_once('}').is_some_and(|(name, _)| {
            !name.is_empty() && name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
        })
    })
}

/// Runs one fixture; returns a description of the mismatch, if any.
fn run(
    target: &Path,
    base: &Path,
    config: &Config,
    reg: &Registry,
    findings_file: &Path,
) -> Option<String> {
    let opts = Options {
        paths: vec![target.to_path_buf()],
        jobs: 1,
        ..Options::default()
    };
    let report = scan(&opts, config, reg).unwrap_or_else(|e| panic!("{}: {e}", target.display()));
    let mut got: Vec<String> = report
        .findings
        .iter()
        .map(|f| {
            let ((l, c), _) = f.start_end();
            let rel = f.file.path.strip_prefix(base).unwrap_or(&f.file.path);
            assert!(
                !f.message.is_empty() && !f.help.is_empty(),
                "{} has no text",
                f.rule
            );
            assert!(
                !has_placeholder(&f.message),
                "unfilled placeholder: {}",
                f.message
            );
            format!("{} {}:{}:{}", f.rule, rel.display(), l, c)
        })
        .collect();
    got.sort();
    let want = expected(findings_file);
    (got != want).then(|| {
        let details: Vec<String> = report
            .findings
            .iter()
            .map(|f| {
                let ((l, c), _) = f.start_end();
                format!("    {} {}:{}  {}", f.rule, l, c, f.message)
            })
            .collect();
        format!(
            "{}\n  expected: {want:?}\n  got:      {got:?}\n{}",
            target.display(),
            details.join("\n")
        )
    })
}

#[test]
fn cloudformation_fixtures() {
    let reg = Registry::builtin().unwrap();
    let dir = root().join("cloudformation");
    let mut failures = Vec::new();
    let mut count = 0;
    let mut entries: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .filter(|p| {
            !p.extension()
                .is_some_and(|e| e == "findings" || e == "toml")
        })
        .collect();
    entries.sort();
    for input in entries {
        let findings = PathBuf::from(format!("{}.findings", input.display()));
        assert!(
            findings.is_file(),
            "{} has no .findings file",
            input.display()
        );
        let own = input.with_extension("toml");
        let cfg = config_for(&dir, &own, &reg);
        count += 1;
        if let Some(f) = run(&input, &dir, &cfg, &reg, &findings) {
            failures.push(f);
        }
    }
    assert!(count >= 10, "only {count} CloudFormation fixtures");
    assert!(
        failures.is_empty(),
        "{} fixture(s) differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn terraform_fixtures() {
    let reg = Registry::builtin().unwrap();
    let dir = root().join("terraform");
    if !dir.is_dir() {
        return;
    }
    let mut failures = Vec::new();
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("expected.findings").is_file())
        .collect();
    cases.sort();
    for case in cases {
        let cfg = config_for(&case, &case.join("kmslint.toml"), &reg);
        if let Some(f) = run(&case, &case, &cfg, &reg, &case.join("expected.findings")) {
            failures.push(f);
        }
    }
    assert!(
        failures.is_empty(),
        "{} fixture(s) differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
