//! Helpers shared by the integration tests: the real binary and its output, the JSON report,
//! the repository's test data and `../shared`; and trees of files to run kmslint in, checking
//! that a run leaves every input exactly as it was.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::Value;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Stdio;

/// The real binary, with plain, fixed-width output.
pub fn kmslint() -> assert_cmd::Command {
    let mut c = assert_cmd::Command::cargo_bin("kmslint").unwrap();
    c.env("NO_COLOR", "1")
        .env("COLUMNS", "100")
        .env_remove("GITHUB_STEP_SUMMARY");
    c
}

/// Runs a command: (exit status, stdout, stderr).
pub fn run(cmd: &mut assert_cmd::Command) -> (i32, String, String) {
    let out = cmd.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Runs a command that prints the JSON report: (exit status, report, stderr). The report is
/// `Null` when stdout is not JSON.
pub fn run_json(cmd: &mut assert_cmd::Command) -> (i32, serde_json::Value, String) {
    let (code, out, err) = run(cmd);
    let v = serde_json::from_str(&out).unwrap_or(serde_json::Value::Null);
    (code, v, err)
}

/// The findings of a JSON report.
pub fn findings(report: &serde_json::Value) -> Vec<serde_json::Value> {
    report["findings"].as_array().cloned().unwrap_or_default()
}

/// The repository's root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A path under `testdata/`.
pub fn testdata(rel: &str) -> PathBuf {
    root().join("testdata").join(rel)
}

/// `../shared` beside the repository (or `$KMSLINT_SHARED`), when present: the real-world corpus,
/// the benchmark scripts and the SARIF schema. A user's clone has none; tests that need it skip.
pub fn shared() -> Option<PathBuf> {
    let dir =
        std::env::var_os("KMSLINT_SHARED").map_or_else(|| root().join("../shared"), PathBuf::from);
    dir.is_dir().then_some(dir)
}

/// A path under `../shared`, or None (with a message) when it is absent.
pub fn shared_path(rel: &str) -> Option<PathBuf> {
    let p = shared().map(|s| s.join(rel));
    match p {
        Some(p) if p.exists() => Some(p),
        _ => {
            eprintln!("skipped: ../shared/{rel} is absent");
            None
        }
    }
}

/// CI sets `KMSLINT_CI_TOOLS=1`: then a test whose tool is missing fails instead of skipping.
pub fn ci_tools() -> bool {
    std::env::var("KMSLINT_CI_TOOLS").is_ok_and(|v| v == "1")
}

/// Skips (returns false) with a message, or fails under CI.
pub fn require(ok: bool, what: &str) -> bool {
    if !ok {
        assert!(!ci_tools(), "KMSLINT_CI_TOOLS=1 but {what}");
        eprintln!("skipped: {what}");
    }
    ok
}

/// Writes files (relative path, contents) under `dir`, creating folders.
pub fn write_files(dir: &Path, files: &[(&str, &str)]) {
    for (rel, text) in files {
        let p = dir.join(rel);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(p, text).unwrap();
    }
}

/// A cloudformation template whose key anyone can use (KMS001).
pub const PUBLIC_YAML: &str = r#"AWSTemplateFormatVersion: "2010-09-09"
Resources:
  PublicKey:
    Type: AWS::KMS::Key
    Properties:
      KeyPolicy:
        Version: "2012-10-17"
        Statement:
          - Sid: Public
            Effect: Allow
            Principal: "*"
            Action: ["kms:Decrypt", "kms:GenerateDataKey*"]
            Resource: "*"
"#;

/// A key policy as `aws kms get-key-policy --query Policy --output text` prints it.
pub const PUBLIC_POLICY: &str = r#"{"Version": "2012-10-17", "Statement": [{"Sid": "Public", "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "kms:Decrypt", "Resource": "*"}]}"#;

/// A directory of files for one test.
pub struct Tree {
    pub dir: tempfile::TempDir,
}

/// What one run gave.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub out: String,
    pub err: String,
    pub stdout: Vec<u8>,
}

impl Run {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.out)
            .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}\n{}", self.out, self.err))
    }

    /// The rule of every unsuppressed finding of a `--format json` run, in order.
    pub fn rules(&self) -> Vec<String> {
        self.json()["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["suppressed"] == false)
            .map(|f| f["rule"].as_str().unwrap().to_string())
            .collect()
    }

    /// Unsuppressed findings of a `--format json` run.
    pub fn findings(&self) -> Vec<Value> {
        self.json()["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["suppressed"] == false)
            .cloned()
            .collect()
    }
}

impl Tree {
    pub fn new(files: &[(&str, &str)]) -> Tree {
        let t = Tree {
            dir: tempfile::tempdir().unwrap(),
        };
        for (name, text) in files {
            t.write(name, text.as_bytes());
        }
        t
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    pub fn write(&self, rel: &str, bytes: &[u8]) {
        let p = self.path(rel);
        if let Some(d) = p.parent() {
            std::fs::create_dir_all(d).unwrap();
        }
        std::fs::write(p, bytes).unwrap();
    }

    /// Every regular file below the tree and its bytes.
    pub fn snapshot(&self) -> BTreeMap<PathBuf, Vec<u8>> {
        fn walk(dir: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
            for e in std::fs::read_dir(dir).unwrap() {
                let e = e.unwrap();
                let t = e.file_type().unwrap();
                if t.is_dir() {
                    walk(&e.path(), out);
                } else if t.is_file() {
                    out.insert(e.path(), std::fs::read(e.path()).unwrap());
                }
            }
        }
        let mut out = BTreeMap::new();
        walk(self.dir.path(), &mut out);
        out
    }

    pub fn command(&self) -> std::process::Command {
        let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_kmslint"));
        c.current_dir(self.dir.path())
            .env("NO_COLOR", "1")
            .env("COLUMNS", "100")
            .env_remove("GITHUB_STEP_SUMMARY");
        c
    }

    /// Runs kmslint in the tree with `args` (and `stdin`), and checks that no file that existed
    /// before was changed.
    pub fn run_with(&self, args: &[&str], stdin: Option<&[u8]>) -> Run {
        let before = self.snapshot();
        let mut cmd = self.command();
        cmd.args(args)
            .stdin(if stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().unwrap();
        if let Some(input) = stdin {
            let mut pipe = child.stdin.take().unwrap();
            let input = input.to_vec();
            std::thread::spawn(move || {
                let _ = pipe.write_all(&input);
            });
        }
        let out = child.wait_with_output().unwrap();
        let after = self.snapshot();
        for (path, bytes) in &before {
            assert!(
                after.get(path) == Some(bytes),
                "the run changed an input: {}",
                path.display()
            );
        }
        let code = out.status.code().unwrap_or(-1);
        let err = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(
            !err.contains("panicked") && code != 101,
            "kmslint panicked:\n{err}"
        );
        Run {
            code,
            out: String::from_utf8_lossy(&out.stdout).into_owned(),
            err,
            stdout: out.stdout,
        }
    }

    pub fn run(&self, args: &[&str]) -> Run {
        self.run_with(args, None)
    }
}

/// A git index (version 2) listing `paths` as tracked, for a work tree without running git.
pub fn git_index(paths: &[&str]) -> Vec<u8> {
    let mut b = b"DIRC".to_vec();
    b.extend_from_slice(&2u32.to_be_bytes());
    b.extend_from_slice(&(paths.len() as u32).to_be_bytes());
    let mut sorted = paths.to_vec();
    sorted.sort_unstable();
    for p in sorted {
        let start = b.len();
        b.extend_from_slice(&[0; 24]);
        b.extend_from_slice(&0o100644u32.to_be_bytes());
        b.extend_from_slice(&[0; 12]);
        b.extend_from_slice(&[0; 20]);
        b.extend_from_slice(&(p.len() as u16).to_be_bytes());
        b.extend_from_slice(p.as_bytes());
        let padded = (b.len() - start + 8) / 8 * 8;
        b.resize(start + padded, 0);
    }
    b.extend_from_slice(&[0; 20]);
    b
}

/// A miette report as one line: the box drawing and the wrapping removed.
pub fn flat(report: &str) -> String {
    report
        .replace(['│', '×', '╭', '╰', '─', '·', '┬', '▶', '├'], " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}
