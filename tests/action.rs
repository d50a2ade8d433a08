//! The GitHub Action (action.yml) run locally by tests/action/run_action.py with a fake GITHUB_*
//! environment and the binary built for these tests: annotations, job summary, SARIF upload,
//! outputs and the job's status.
//!
//! Needs python3 with PyYAML; skips with a message when absent, unless `KMSLINT_CI_TOOLS=1`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

const BAD: &str = r#"Resources:
  Key:
    Type: AWS::KMS::Key
    Properties:
      KeyPolicy:
        Statement:
          - Effect: Allow
            Principal: "*"
            Action: kms:Decrypt
            Resource: "*"
"#;

const GOOD: &str = r#"Resources:
  Key:
    Type: AWS::KMS::Key
    Properties:
      KeyPolicy:
        Statement:
          - Effect: Allow
            Principal: {AWS: "arn:aws:iam::444455556666:role/Reader"}
            Action: kms:Decrypt
            Resource: "*"
"#;

fn python_ready() -> bool {
    let ok = Command::new("python3")
        .args(["-c", "import yaml"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        let ci = std::env::var("KMSLINT_CI_TOOLS").is_ok_and(|v| v == "1");
        assert!(!ci, "KMSLINT_CI_TOOLS=1 but python3 with PyYAML is missing");
        eprintln!("skipped: python3 with PyYAML is not installed (pip install pyyaml)");
    }
    ok
}

fn workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("infra")).unwrap();
    std::fs::write(dir.path().join("infra/bad.template"), BAD).unwrap();
    std::fs::write(dir.path().join("infra/good.yaml"), GOOD).unwrap();
    std::fs::write(
        dir.path().join("kmslint.toml"),
        "[trust]\naccounts = [\"444455556666\"]\n[trust.names]\n\"444455556666\" = \"analytics\"\n",
    )
    .unwrap();
    dir
}

/// Runs the action; returns (runner exit status, result JSON).
fn run_action(ws: &Path, inputs: &[(&str, &str)]) -> (i32, Value) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let result: PathBuf = ws.join("result.json");
    let mut cmd = Command::new("python3");
    cmd.arg(root.join("tests/action/run_action.py"))
        .arg("--action-dir")
        .arg(root)
        .arg("--workspace")
        .arg(ws)
        .arg("--bin")
        .arg(env!("CARGO_BIN_EXE_kmslint"))
        .arg("--result")
        .arg(&result);
    for (k, v) in inputs {
        cmd.arg("--input").arg(format!("{k}={v}"));
    }
    let out = cmd.output().unwrap();
    let log = String::from_utf8_lossy(&out.stdout);
    let err = String::from_utf8_lossy(&out.stderr);
    let code = out.status.code().unwrap_or(-1);
    assert!(
        code == 0 || code == 1,
        "runner failed ({code}):\n{log}\n{err}"
    );
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&result).unwrap()).unwrap();
    (code, v)
}

fn commands(v: &Value) -> Vec<String> {
    v["commands"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_string())
        .collect()
}

fn step<'a>(v: &'a Value, name: &str) -> &'a Value {
    v["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == name)
        .unwrap_or_else(|| panic!("no step {name}"))
}

#[test]
fn findings_annotate_summarise_upload_sarif_and_fail_the_job() {
    if !python_ready() {
        return;
    }
    let ws = workspace();
    let (code, v) = run_action(
        ws.path(),
        &[("paths", "infra"), ("sarif-file", "results/kmslint.sarif")],
    );
    assert_eq!(code, 1, "{}", v["log"]);
    assert_eq!(v["status"], "failure");
    assert_eq!(v["outputs"]["exit-code"], "1");
    assert_eq!(v["outputs"]["sarif-file"], "results/kmslint.sarif");
    let cmds = commands(&v);
    assert!(
        cmds[0].starts_with(
            "::error file=infra/bad.template,line=8,col=24,endLine=8,endColumn=27,title=KMS001 wildcard-principal::"
        ),
        "{cmds:?}"
    );
    assert!(!cmds.iter().any(|c| c.contains("good.yaml")), "{cmds:?}");
    assert!(cmds
        .last()
        .unwrap()
        .starts_with("::error title=kmslint::kmslint found"));
    let summary = v["summary"].as_str().unwrap();
    assert!(summary.starts_with("## kmslint"), "{summary}");
    assert!(summary.contains("| 2 | 2 | 1 | 0 | 0 | 0 |"), "{summary}");
    assert!(
        summary.contains("| KMS001 | wildcard-principal | error | 1 | 0 |"),
        "{summary}"
    );
    assert!(
        summary.contains("| `444455556666` | analytics | trusted |"),
        "{summary}"
    );
    assert_eq!(v["uploads"][0]["sarif_file"], "results/kmslint.sarif");
    assert_eq!(v["uploads"][0]["category"], "kmslint");
    assert_eq!(v["uploads"][0]["results"], 1);
    assert_eq!(step(&v, "Build kmslint")["outcome"], "skipped");
    assert_eq!(step(&v, "Fail on findings")["outcome"], "failure");
}

#[test]
fn a_clean_run_passes_without_sarif() {
    if !python_ready() {
        return;
    }
    let ws = workspace();
    let (code, v) = run_action(ws.path(), &[("paths", "infra/good.yaml\n")]);
    assert_eq!(code, 0, "{}", v["log"]);
    assert_eq!(v["status"], "success");
    assert_eq!(v["outputs"]["exit-code"], "0");
    assert_eq!(v["outputs"]["sarif-file"], "");
    assert!(v["uploads"].as_array().unwrap().is_empty());
    assert_eq!(
        step(&v, "Upload SARIF to code scanning")["outcome"],
        "skipped"
    );
    assert_eq!(step(&v, "Fail on findings")["outcome"], "skipped");
    assert!(v["summary"].as_str().unwrap().contains("No findings."));
}

#[test]
fn fail_on_never_reports_but_passes_and_annotations_can_be_off() {
    if !python_ready() {
        return;
    }
    let ws = workspace();
    let (code, v) = run_action(ws.path(), &[("paths", "infra"), ("fail-on", "never")]);
    assert_eq!(code, 0, "{}", v["log"]);
    assert_eq!(v["outputs"]["exit-code"], "0");
    assert!(commands(&v)[0].starts_with("::error file=infra/bad.template"));

    let (code, v) = run_action(ws.path(), &[("paths", "infra"), ("annotations", "false")]);
    assert_eq!(code, 1);
    assert!(
        !commands(&v).iter().any(|c| c.starts_with("::error file=")),
        "{:?}",
        commands(&v)
    );
    let log = v["log"].as_str().unwrap();
    assert!(log.contains("KMS001 wildcard-principal"), "{log}");
    assert!(v["summary"].as_str().unwrap().contains("| KMS001 |"));
}

#[test]
fn config_input_and_usage_errors() {
    if !python_ready() {
        return;
    }
    let ws = workspace();
    std::fs::write(ws.path().join("strict.toml"), "[trust]\naccounts = []\n").unwrap();
    let (code, v) = run_action(
        ws.path(),
        &[("paths", "infra/good.yaml"), ("config", "strict.toml")],
    );
    assert_eq!(code, 1);
    assert!(commands(&v)[0].contains("title=KMS002 untrusted-account"));
    // A bad fail-on value is a usage error (exit 2): the step fails, nothing is uploaded.
    let (code, v) = run_action(
        ws.path(),
        &[
            ("paths", "infra"),
            ("fail-on", "sometimes"),
            ("sarif-file", "x.sarif"),
        ],
    );
    assert_eq!(code, 1);
    assert_eq!(step(&v, "Run kmslint")["outcome"], "failure");
    assert_eq!(
        step(&v, "Upload SARIF to code scanning")["outcome"],
        "skipped"
    );
}

#[test]
fn inputs_are_not_executed() {
    if !python_ready() {
        return;
    }
    let ws = workspace();
    let (code, v) = run_action(
        ws.path(),
        &[
            ("paths", "infra/good.yaml $(touch pwned) `touch pwned2` *"),
            ("config", "$(touch pwned3)"),
        ],
    );
    assert_eq!(code, 1);
    for f in ["pwned", "pwned2", "pwned3"] {
        assert!(!ws.path().join(f).exists(), "input executed: {f}");
    }
    assert_eq!(v["outputs"]["exit-code"], "2");
}

#[test]
fn a_sarif_file_with_a_line_break_adds_no_output() {
    if !python_ready() {
        return;
    }
    let ws = workspace();
    let (code, v) = run_action(
        ws.path(),
        &[("paths", "infra"), ("sarif-file", "x.sarif\nexit-code=0")],
    );
    // Refused before kmslint runs: the step fails, and no output line was forged.
    assert_eq!(code, 1, "{}", v["log"]);
    assert_eq!(step(&v, "Run kmslint")["outcome"], "failure");
    assert_ne!(v["outputs"]["exit-code"], "0", "{}", v["outputs"]);
    assert!(
        v["outputs"]["sarif-file"].as_str().unwrap_or("").is_empty(),
        "{}",
        v["outputs"]
    );
    assert!(v["uploads"].as_array().unwrap().is_empty());
}

#[test]
fn paths_one_per_line_may_hold_spaces() {
    if !python_ready() {
        return;
    }
    let ws = workspace();
    std::fs::create_dir(ws.path().join("infra/my keys")).unwrap();
    std::fs::write(ws.path().join("infra/my keys/bad.template"), BAD).unwrap();
    let (code, v) = run_action(
        ws.path(),
        &[(
            "paths",
            "infra/my keys/bad.template\r\n  infra/good.yaml\n\n",
        )],
    );
    assert_eq!(code, 1, "{}", v["log"]);
    assert_eq!(v["outputs"]["exit-code"], "1");
    let cmds = commands(&v);
    assert!(
        cmds[0].starts_with("::error file=infra/my keys/bad.template,line=8,"),
        "{cmds:?}"
    );
    assert!(
        v["summary"].as_str().unwrap().contains("| 2 | 2 | 1 |"),
        "{}",
        v["summary"]
    );
}
