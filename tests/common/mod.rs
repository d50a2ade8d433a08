//! Shared helpers for tests that run the real binary on a tree of files: write the tree, run
//! kmslint in it, and check that the run left every input exactly as it was.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::Value;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

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

    pub fn command(&self) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_kmslint"));
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
