//! Hostile and broken input: every bad file is a clear KMS000 finding that names the file, the
//! other files are still checked, and nothing panics.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use assert_cmd::Command;
use std::path::Path;

const BAD_TEMPLATE: &str = "Resources:\n  K:\n    Type: AWS::KMS::Key\n    Properties:\n      KeyPolicy:\n        Statement:\n          - Effect: Allow\n            Principal: '*'\n            Action: kms:Decrypt\n            Resource: '*'\n";

fn run(dir: &Path) -> (i32, serde_json::Value, String) {
    let out = Command::cargo_bin("kmslint")
        .unwrap()
        .args(["--isolated", "--format", "json"])
        .arg(dir)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let v = serde_json::from_str(&stdout).unwrap_or(serde_json::Value::Null);
    (
        out.status.code().unwrap_or(-1),
        v,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn findings(v: &serde_json::Value) -> Vec<(String, String, i64, i64, String)> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                Path::new(f["file"].as_str().unwrap())
                    .file_name()
                    .unwrap()
                    .to_string_lossy()
                    .into_owned(),
                f["line"].as_i64().unwrap(),
                f["column"].as_i64().unwrap(),
                f["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn invalid_utf8_is_a_located_parse_error() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = b"Resources:\n  K:\n    Type: AWS::KMS::Key\n    Description: caf".to_vec();
    bytes.extend([0xff, 0xfe, b'\n']);
    std::fs::write(dir.path().join("latin1.yaml"), bytes).unwrap();
    std::fs::write(dir.path().join("ok.yaml"), BAD_TEMPLATE).unwrap();
    let (code, v, _) = run(dir.path());
    assert_eq!(code, 1);
    let f = findings(&v);
    assert_eq!(f.len(), 2, "{f:?}");
    assert_eq!(
        (f[0].0.as_str(), f[0].1.as_str(), f[0].2, f[0].3),
        ("KMS000", "latin1.yaml", 4, 21)
    );
    assert!(f[0].4.contains("UTF-8"), "{}", f[0].4);
    assert_eq!(f[1].0, "KMS001");
}

#[test]
fn bom_and_crlf_keep_spans_right() {
    let dir = tempfile::tempdir().unwrap();
    let crlf = format!("\u{feff}{}", BAD_TEMPLATE.replace('\n', "\r\n"));
    std::fs::write(dir.path().join("crlf.yaml"), crlf).unwrap();
    let json = "\u{feff}{\r\n  \"Resources\": {\"K\": {\"Type\": \"AWS::KMS::Key\", \"Properties\": {\"KeyPolicy\": {\r\n    \"Statement\": [{\"Effect\": \"Allow\", \"Principal\": \"*\", \"Action\": \"kms:Decrypt\", \"Resource\": \"*\"}]}}}}\r\n}\r\n";
    std::fs::write(dir.path().join("crlf.json"), json).unwrap();
    let (_, v, _) = run(dir.path());
    let f = findings(&v);
    assert_eq!(f.len(), 2, "{f:?}");
    assert_eq!(
        (f[0].0.as_str(), f[0].1.as_str(), f[0].2, f[0].3),
        ("KMS001", "crlf.json", 3, 52)
    );
    assert_eq!(
        (f[1].0.as_str(), f[1].1.as_str(), f[1].2, f[1].3),
        ("KMS001", "crlf.yaml", 8, 24)
    );
}

#[test]
fn empty_and_binary_files_do_not_break_the_run() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("empty.yaml"), "").unwrap();
    std::fs::write(dir.path().join("empty.json"), "").unwrap();
    std::fs::write(dir.path().join("empty.tf"), "").unwrap();
    let mut bin: Vec<u8> = (0..=255u8).cycle().take(4096).collect();
    bin.extend_from_slice(b"AWS::KMS::Key");
    std::fs::write(dir.path().join("blob.json"), &bin).unwrap();
    std::fs::write(dir.path().join("ok.yaml"), BAD_TEMPLATE).unwrap();
    let (code, v, _) = run(dir.path());
    assert_eq!(code, 1);
    let f = findings(&v);
    let rules: Vec<(&str, &str)> = f.iter().map(|x| (x.0.as_str(), x.1.as_str())).collect();
    assert_eq!(rules, vec![("KMS000", "blob.json"), ("KMS001", "ok.yaml")]);
}

#[cfg(unix)]
#[test]
fn unreadable_file_and_symlink_loop_are_reported_by_name() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let secret = dir.path().join("secret.yaml");
    std::fs::write(&secret, BAD_TEMPLATE).unwrap();
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o000)).unwrap();
    let readable_as_root = std::fs::read(&secret).is_ok();
    std::os::unix::fs::symlink(dir.path(), dir.path().join("loop")).unwrap();
    std::fs::write(dir.path().join("ok.yaml"), BAD_TEMPLATE).unwrap();
    let (code, v, _) = run(dir.path());
    assert_eq!(code, 1);
    let f = findings(&v);
    assert!(
        f.iter().any(|x| x.0 == "KMS000" && x.4.contains("loop")),
        "{f:?}"
    );
    assert!(
        f.iter().any(|x| x.0 == "KMS001" && x.1 == "ok.yaml"),
        "{f:?}"
    );
    if !readable_as_root {
        assert!(
            f.iter()
                .any(|x| x.0 == "KMS000" && x.1 == "secret.yaml" && x.4.contains("ermission")),
            "{f:?}"
        );
    }
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o644)).unwrap();
}

#[test]
fn oversized_file_is_a_finding_not_a_skip() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("kmslint.toml"),
        "[scan]\nmax_file_size = 64\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("big.yaml"), BAD_TEMPLATE).unwrap();
    let out = Command::cargo_bin("kmslint")
        .unwrap()
        .args(["--format", "json"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let f = findings(&v);
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0].0, "KMS000");
    assert!(f[0].4.contains("limit"), "{}", f[0].4);
}

#[test]
fn alias_bomb_finishes_fast_and_small() {
    let dir = tempfile::tempdir().unwrap();
    let mut y = String::from("AWSTemplateFormatVersion: '2010-09-09'\nx0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for i in 1..40 {
        y.push_str(&format!(
            "x{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n",
            p = i - 1
        ));
    }
    y.push_str("Resources:\n  K:\n    Type: AWS::KMS::Key\n    Properties:\n      KeyPolicy:\n        Statement: *a39\n");
    std::fs::write(dir.path().join("bomb.yaml"), y).unwrap();
    let (code, v, _) = run(dir.path());
    // The statements are an alias CloudFormation would have to expand: not known statically.
    assert_eq!(code, 0, "{v}");
    let f = findings(&v);
    assert!(f.iter().all(|x| x.0 == "KMS005"), "{f:?}");
}

#[test]
fn deep_nesting_is_a_parse_error() {
    let dir = tempfile::tempdir().unwrap();
    let deep = format!(
        "{{\"AWSTemplateFormatVersion\": \"2010-09-09\", \"Resources\": {{\"K\": {{\"Type\": \"AWS::KMS::Key\", \"Properties\": {{\"KeyPolicy\": {}{}}}}}}}}}",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    std::fs::write(dir.path().join("deep.json"), deep).unwrap();
    let (code, v, _) = run(dir.path());
    assert_eq!(code, 1);
    let f = findings(&v);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].0, "KMS000");
    assert!(f[0].4.contains("nesting"), "{}", f[0].4);
}
