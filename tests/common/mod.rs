//! Helpers shared by the integration tests: the real binary, capturing its output, the JSON
//! report, the repository's test data and `../shared`.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use assert_cmd::Command;
use std::path::{Path, PathBuf};

/// The real binary, with plain, fixed-width output.
pub fn kmslint() -> Command {
    let mut c = Command::cargo_bin("kmslint").unwrap();
    c.env("NO_COLOR", "1").env("COLUMNS", "100");
    c
}

/// Runs a command: (exit status, stdout, stderr).
pub fn run(cmd: &mut Command) -> (i32, String, String) {
    let out = cmd.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Runs a command that prints the JSON report: (exit status, report, stderr). The report is
/// `Null` when stdout is not JSON.
pub fn run_json(cmd: &mut Command) -> (i32, serde_json::Value, String) {
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
