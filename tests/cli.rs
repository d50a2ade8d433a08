//! CLI tests: the real binary, its exit codes, both output formats, config handling and stdin.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{kmslint, run as stdout_of};

use std::path::{Path, PathBuf};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/cloudformation")
        .join(name)
}

#[test]
fn help_documents_exit_codes() {
    let (code, out, _) = stdout_of(kmslint().arg("--help"));
    assert_eq!(code, 0);
    assert!(out.contains("Exit status"));
    assert!(out.contains("--format"));
    assert!(out.contains("--trusted-account"));
}

#[test]
fn clean_template_exits_0_with_a_summary_only() {
    let (code, out, _) = stdout_of(
        kmslint()
            .arg("--isolated")
            .args([
                "--trusted-account",
                "222222222222",
                "--trusted-org",
                "o-a1b2c3d4e5",
            ])
            .arg(fixture("clean.yaml")),
    );
    assert_eq!(code, 0, "{out}");
    assert_eq!(out.lines().count(), 1, "{out}");
    assert!(
        out.starts_with("kmslint: no findings in 1 file, 1 key policy checked"),
        "{out}"
    );
}

#[test]
fn findings_exit_1_and_render_on_the_span() {
    let (code, out, _) = stdout_of(
        kmslint()
            .arg("--isolated")
            .arg(fixture("no-version-header.yaml")),
    );
    assert_eq!(code, 1);
    assert!(out.contains("KMS001 wildcard-principal"), "{out}");
    assert!(out.contains("no-version-header.yaml:9:30"), "{out}");
    assert!(out.contains("help:"), "{out}");
    assert!(out.contains("kmslint explain KMS001"), "{out}");
    assert!(
        !out.contains("\u{1b}["),
        "colour escape codes without a terminal"
    );
}

#[test]
fn json_output_follows_the_contract() {
    let (code, out, _) = stdout_of(
        kmslint()
            .args(["--format", "json", "--config"])
            .arg(fixture("kmslint.toml"))
            .arg(fixture("replica-and-default.template")),
    );
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["version"], 1);
    let f = &v["findings"][0];
    assert_eq!(f["rule"], "KMS002");
    assert_eq!(f["name"], "untrusted-account");
    assert_eq!(f["severity"], "error");
    assert_eq!(f["line"], 18);
    assert_eq!(f["column"], 20);
    assert_eq!(f["end_line"], 18);
    assert_eq!(f["resource"], "Replica");
    assert_eq!(f["statement"], "DR account");
    assert_eq!(
        f["principal"],
        "arn:aws:iam::444455556666:role/DisasterRecovery"
    );
    assert_eq!(f["account"], "444455556666");
    assert_eq!(f["suppressed"], false);
    assert!(f["file"]
        .as_str()
        .unwrap()
        .ends_with("replica-and-default.template"));
    assert_eq!(v["summary"]["files"], 1);
    assert_eq!(v["summary"]["policies"], 2);
    assert_eq!(v["summary"]["findings"], 1);
}

#[test]
fn trusted_account_flag_clears_the_finding() {
    let (code, _, _) = stdout_of(
        kmslint()
            .arg("--isolated")
            .args(["--trusted-account", "444455556666"])
            .arg(fixture("replica-and-default.template")),
    );
    assert_eq!(code, 0);
}

#[test]
fn fail_on_controls_the_exit_code() {
    // KMS009 is a note: it fails only with --fail-on note.
    let dir = tempfile::tempdir().unwrap();
    let t = dir.path().join("t.yaml");
    std::fs::write(
        &t,
        "Resources:\n  K:\n    Type: AWS::KMS::Key\n    Properties:\n      KeyPolicy:\n        Statement:\n          - Effect: Allow\n            Principal: {AWS: '222222222222'}\n            Action: kms:Decrypt\n            Resource: '*'\n",
    )
    .unwrap();
    let base = || {
        let mut c = kmslint();
        c.arg("--isolated")
            .args(["--trusted-account", "222222222222"])
            .arg(&t);
        c
    };
    assert_eq!(stdout_of(&mut base()).0, 0);
    assert_eq!(stdout_of(base().args(["--fail-on", "note"])).0, 1);
    assert_eq!(stdout_of(base().args(["--fail-on", "never"])).0, 0);
}

#[test]
fn parse_error_is_a_finding_and_other_files_still_run() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        fixture("trailing-comma.json"),
        dir.path().join("a-broken.json"),
    )
    .unwrap();
    std::fs::copy(
        fixture("replica-and-default.template"),
        dir.path().join("b.template"),
    )
    .unwrap();
    let (code, out, _) = stdout_of(
        kmslint()
            .args(["--isolated", "--format", "json"])
            .arg(dir.path()),
    );
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let rules: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert_eq!(rules, vec!["KMS000", "KMS002"]);
    assert_eq!(v["findings"][0]["line"], 9);
    assert_eq!(v["findings"][0]["column"], 85);
    assert_eq!(v["summary"]["files"], 2);
}

#[test]
fn missing_path_is_a_usage_error() {
    let (code, _, err) = stdout_of(kmslint().arg("--isolated").arg("does/not/exist.yaml"));
    assert_eq!(code, 2);
    assert!(err.contains("does/not/exist.yaml"), "{err}");
}

#[test]
fn unknown_config_key_points_at_the_key() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("kmslint.toml"),
        "[trust]\naccounts = []\ntrusted = [\"1\"]\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("t.yaml"), "x: 1\n").unwrap();
    let (code, _, err) = stdout_of(kmslint().arg(dir.path()));
    assert_eq!(code, 2);
    assert!(err.contains("unknown field `trusted`"), "{err}");
    assert!(err.contains("kmslint.toml:3:1"), "{err}");
}

#[test]
fn config_is_discovered_upward_from_the_path() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    std::fs::write(
        dir.path().join("kmslint.toml"),
        "[trust]\naccounts = [\"444455556666\"]\n",
    )
    .unwrap();
    let sub = dir.path().join("infra/kms");
    std::fs::create_dir_all(&sub).unwrap();
    std::fs::copy(
        fixture("replica-and-default.template"),
        sub.join("k.template"),
    )
    .unwrap();
    let (code, out, _) = stdout_of(kmslint().arg(&sub));
    assert_eq!(code, 0, "{out}");
    // --isolated ignores it.
    assert_eq!(stdout_of(kmslint().arg("--isolated").arg(&sub)).0, 1);
}

#[test]
fn bad_trusted_account_is_a_usage_error() {
    let (code, _, err) = stdout_of(
        kmslint()
            .args(["--isolated", "--trusted-account", "12345"])
            .arg(fixture("clean.yaml")),
    );
    assert_eq!(code, 2);
    assert!(err.contains("12345"), "{err}");
}

#[test]
fn stdin_policy_gives_the_same_findings_as_the_file() {
    let path = fixture("seed-get-key-policy-fixed.json");
    let text = std::fs::read(&path).unwrap();
    let from_file = stdout_of(
        kmslint()
            .args([
                "--isolated",
                "--key-account",
                "123456789012",
                "--format",
                "json",
            ])
            .arg(&path),
    );
    let from_stdin = stdout_of(
        kmslint()
            .args([
                "--isolated",
                "--key-account",
                "123456789012",
                "--format",
                "json",
                "-",
            ])
            .write_stdin(text),
    );
    assert_eq!(from_file.0, 1);
    assert_eq!(from_stdin.0, 1);
    let strip = |s: &str| -> Vec<(String, i64, i64)> {
        let v: serde_json::Value = serde_json::from_str(s).unwrap();
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f["rule"].as_str().unwrap().to_string(),
                    f["line"].as_i64().unwrap(),
                    f["column"].as_i64().unwrap(),
                )
            })
            .collect()
    };
    assert_eq!(strip(&from_file.1), strip(&from_stdin.1));
    // The untrusted account 123412341234, in both of its statements.
    let rules: Vec<String> = strip(&from_file.1).into_iter().map(|f| f.0).collect();
    assert_eq!(
        rules.iter().filter(|r| *r == "KMS002").count(),
        2,
        "{rules:?}"
    );
}

#[test]
fn rules_and_explain() {
    let (code, out, _) = stdout_of(kmslint().arg("rules"));
    assert_eq!(code, 0);
    for id in [
        "KMS000", "KMS001", "KMS002", "KMS003", "KMS005", "KMS006", "KMS010",
    ] {
        assert!(out.contains(id), "{id} missing from `kmslint rules`");
    }
    let (code, out, _) = stdout_of(kmslint().args(["explain", "kms001"]));
    assert_eq!(code, 0);
    assert!(out.contains("## Bad") && out.contains("## Good"), "{out}");
    let (code, _, err) = stdout_of(kmslint().args(["explain", "KMS999"]));
    assert_eq!(code, 2);
    assert!(err.contains("KMS999"));
}

#[test]
fn human_report_snapshot() {
    let (code, out, _) = stdout_of(
        kmslint()
            .env("COLUMNS", "80")
            .current_dir(fixture(""))
            .args(["--config", "kmslint.toml", "seed-template-fixed.yaml"]),
    );
    assert_eq!(code, 1);
    insta::assert_snapshot!(out);
}

#[test]
fn gitignored_and_hidden_files_are_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let bad = std::fs::read(fixture("no-version-header.yaml")).unwrap();
    std::fs::write(dir.path().join(".gitignore"), "generated/\n").unwrap();
    for sub in ["generated", ".terraform", "src"] {
        std::fs::create_dir(dir.path().join(sub)).unwrap();
        std::fs::write(dir.path().join(sub).join("key.yaml"), &bad).unwrap();
    }
    let (code, out, _) = stdout_of(
        kmslint()
            .args(["--isolated", "--format", "json"])
            .arg(dir.path()),
    );
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let files: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["file"].as_str().unwrap())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    assert!(files[0].ends_with("src/key.yaml"), "{files:?}");
}

#[test]
fn output_is_identical_whatever_the_thread_count() {
    let dir = fixture("");
    let run = |jobs: &str| {
        stdout_of(
            kmslint()
                .args([
                    "--config",
                    "kmslint.toml",
                    "--format",
                    "json",
                    "--jobs",
                    jobs,
                    ".",
                ])
                .current_dir(&dir),
        )
        .1
    };
    let one = run("1");
    assert!(one.contains("KMS001"));
    assert_eq!(one, run("2"));
    assert_eq!(one, run("8"));
}
