//! Terraform module instances through the real binary: findings inside a module point at the
//! module's statement and at the caller's argument, suppressions work at either, missing module
//! sources and oversized `for_each` are reported, `--var` is applied, `file()` never hangs on a
//! named pipe.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::process::Command;

fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

fn kmslint(dir: &Path, args: &[&str]) -> (i32, serde_json::Value) {
    let out = Command::new(env!("CARGO_BIN_EXE_kmslint"))
        .args(["--isolated", "--format", "sarif"])
        .args(args)
        .arg(dir)
        .output()
        .unwrap();
    let v = serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null);
    (out.status.code().unwrap_or(-1), v)
}

fn results(v: &serde_json::Value) -> Vec<serde_json::Value> {
    v["runs"][0]["results"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn unsuppressed(v: &serde_json::Value, rule: &str) -> usize {
    results(v)
        .iter()
        .filter(|r| {
            r["ruleId"] == rule && r["suppressions"].as_array().is_none_or(|s| s.is_empty())
        })
        .count()
}

const CHILD: &str = r#"variable "readers" {
  type    = string
  default = "arn:aws:iam::111122223333:role/Reader"
}
resource "aws_kms_key" "this" {
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "Readers"
      Effect    = "Allow"
      Principal = { AWS = var.readers }
      Action    = ["kms:Decrypt"]
      Resource  = "*"
    }]
  })
}
"#;

fn root(comment: &str) -> String {
    format!("module \"key\" {{\n  source  = \"./modules/key\"\n{comment}  readers = \"*\"\n}}\n")
}

#[test]
fn a_caller_argument_reaches_the_module_and_is_a_related_location() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "main.tf", &root(""));
    write(dir.path(), "modules/key/main.tf", CHILD);
    let (code, v) = kmslint(dir.path(), &[]);
    assert_eq!(code, 1, "{v}");
    let r = results(&v);
    let f = r.iter().find(|r| r["ruleId"] == "KMS001").expect("KMS001");
    let loc = &f["locations"][0]["physicalLocation"];
    assert!(loc["artifactLocation"]["uri"]
        .as_str()
        .unwrap()
        .ends_with("modules/key/main.tf"));
    assert_eq!(loc["region"]["startLine"], 11);
    let related = f["relatedLocations"].as_array().unwrap();
    assert!(
        related.iter().any(|l| {
            l["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
                .ends_with("/main.tf")
                && l["physicalLocation"]["region"]["startLine"] == 3
        }),
        "{related:?}"
    );
}

#[test]
fn a_suppression_works_at_the_caller_or_in_the_module() {
    let dir = tempfile::tempdir().unwrap();
    let ignore = "  # kmslint:ignore KMS001 reason=\"public on purpose\"\n";
    write(dir.path(), "main.tf", &root(ignore));
    write(dir.path(), "modules/key/main.tf", CHILD);
    let (code, v) = kmslint(dir.path(), &[]);
    assert_eq!(unsuppressed(&v, "KMS001"), 0, "{v}");
    assert_eq!(unsuppressed(&v, "KMS014"), 0, "{v}");
    assert_eq!(code, 0);

    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "main.tf", &root(""));
    let child = CHILD.replace(
        "      Principal = { AWS = var.readers }",
        "      # kmslint:ignore KMS001 reason=\"callers choose\"\n      Principal = { AWS = var.readers }",
    );
    write(dir.path(), "modules/key/main.tf", &child);
    let (_, v) = kmslint(dir.path(), &[]);
    assert_eq!(unsuppressed(&v, "KMS001"), 0, "{v}");
}

#[test]
fn a_module_that_is_not_on_disk_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "main.tf",
        "module \"kms\" {\n  source = \"git::https://example.com/kms.git\"\n  key_users = [\"*\"]\n}\n",
    );
    let (_, v) = kmslint(dir.path(), &[]);
    let r = results(&v);
    let f = r.iter().find(|r| r["ruleId"] == "KMS005").expect("KMS005");
    assert!(
        f["message"]["text"]
            .as_str()
            .unwrap()
            .contains("terraform init"),
        "{f}"
    );
}

#[test]
fn the_registry_kms_module_is_checked_from_its_bundled_source() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "main.tf",
        "module \"kms\" {\n  source  = \"terraform-aws-modules/kms/aws\"\n  version = \"~> 4.0\"\n  key_users = [\"*\"]\n}\n",
    );
    let (code, v) = kmslint(dir.path(), &[]);
    assert_eq!(code, 1, "{v}");
    let r = results(&v);
    let f = r.iter().find(|r| r["ruleId"] == "KMS001").expect("KMS001");
    assert_eq!(
        f["locations"][0]["physicalLocation"]["region"]["startLine"],
        4
    );
    let notes: Vec<&str> = f["relatedLocations"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|l| l["message"]["text"].as_str())
        .collect();
    assert!(
        notes.iter().any(|n| n.contains("version 4.2.0")),
        "{notes:?}"
    );
}

#[test]
fn a_for_each_over_ten_thousand_elements_names_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "main.tf",
        "resource \"aws_kms_key\" \"k\" {\n  for_each = toset([for i in range(10000) : tostring(i)])\n  policy = jsonencode({Version = \"2012-10-17\", Statement = [{Effect = \"Allow\", Principal = \"*\", Action = \"kms:*\", Resource = \"*\"}]})\n}\n",
    );
    let (code, v) = kmslint(dir.path(), &[]);
    assert_eq!(code, 1);
    let r = results(&v);
    assert!(
        r.iter()
            .any(|r| r["ruleId"] == "KMS000"
                && r["message"]["text"].as_str().unwrap().contains("limit")),
        "{v}"
    );
}

#[test]
fn var_on_the_command_line_is_applied() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "main.tf", &CHILD.replace("modules", ""));
    let (code, _) = kmslint(dir.path(), &[]);
    assert_eq!(
        code, 1,
        "a root variable may be changed by -var: still checked as written"
    );
    let (_, v) = kmslint(dir.path(), &["--var", "readers=*"]);
    assert_eq!(unsuppressed(&v, "KMS001"), 1, "{v}");
}

#[cfg(unix)]
#[test]
fn file_on_a_named_pipe_is_an_error_not_a_hang() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "main.tf",
        "resource \"aws_kms_key\" \"k\" {\n  policy = file(\"${path.module}/policy.json\")\n}\n",
    );
    let fifo = dir.path().join("policy.json");
    let ok = Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        return;
    }
    let (code, v) = kmslint(dir.path(), &[]);
    assert_eq!(code, 1);
    assert!(results(&v).iter().any(|r| r["ruleId"] == "KMS000"), "{v}");
}
