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

/// `kmslint .` (the default path) lists module directories as `./kms`: a module a root calls is
/// still checked once, as its instance, not a second time alone with its defaults.
/// A module whose local source lies outside the path scanned (an environment directory scanned
/// alone, or named file by file as pre-commit does) is not read: the call is a KMS005 that says
/// so, whatever its arguments (`readers = ["*"]` passed unseen, exit 0, "0 key policies"). The
/// module named too is checked alone, not skipped as "called" by a caller that cannot read it.
#[test]
fn a_module_outside_the_scanned_path_is_reported_and_checked_alone() {
    let tmp = tempfile::tempdir().unwrap();
    write(
        tmp.path(),
        "envs/prod/main.tf",
        "module \"logs\" {\n  source  = \"../../modules/key\"\n  readers = [\"*\"]\n}\n",
    );
    write(
        tmp.path(),
        "modules/key/main.tf",
        "variable \"readers\" {\n  type    = list(string)\n  default = [\"arn:aws:iam::111122223333:root\"]\n}\nresource \"aws_kms_key\" \"k\" {\n  policy = jsonencode({Statement = [{Effect = \"Allow\", Principal = { AWS = var.readers }, Action = \"kms:Decrypt\", Resource = \"*\"}]})\n}\n",
    );
    let run = |paths: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_kmslint"))
            .args(["--isolated", "--format", "json"])
            .args(paths)
            .current_dir(tmp.path())
            .output()
            .unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let mut got: Vec<(String, String)> = v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                let r = |k: &str| f[k].as_str().unwrap_or_default().to_string();
                (r("rule"), r("resource"))
            })
            .collect();
        got.sort();
        let outside = v["findings"].as_array().unwrap().iter().any(|f| {
            f["message"]
                .as_str()
                .is_some_and(|m| m.contains("outside the scanned path"))
        });
        (got, outside)
    };
    let call = ("KMS005".to_string(), "module.logs".to_string());
    // The module alone: its default reader is another account.
    let alone = ("KMS002".to_string(), "aws_kms_key.k".to_string());
    assert_eq!(run(&["envs/prod"]), (vec![call.clone()], true));
    assert_eq!(run(&["envs/prod/main.tf"]), (vec![call.clone()], true));
    assert_eq!(
        run(&["envs/prod/main.tf", "modules/key/main.tf"]),
        (vec![alone, call], true)
    );
    // Scanned from a directory holding both, the call is evaluated with its argument.
    let (got, _) = run(&["."]);
    assert_eq!(
        got,
        [(
            "KMS001".to_string(),
            "module.logs.aws_kms_key.k".to_string()
        )]
    );
}

#[test]
fn a_called_module_is_checked_once_when_the_current_directory_is_scanned() {
    let tmp = tempfile::tempdir().unwrap();
    write(
        tmp.path(),
        "main.tf",
        "module \"kms\" {\n  source = \"./kms\"\n}\n",
    );
    write(
        tmp.path(),
        "kms/main.tf",
        "resource \"aws_kms_key\" \"k\" {\n  policy = jsonencode({Statement = [{Effect = \"Allow\", Principal = \"*\", Action = \"kms:Decrypt\", Resource = \"*\"}]})\n}\n",
    );
    for path in [".", "./"] {
        let out = Command::new(env!("CARGO_BIN_EXE_kmslint"))
            .args(["--isolated", "--format", "json", path])
            .current_dir(tmp.path())
            .output()
            .unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let resources: Vec<&str> = v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["resource"].as_str().unwrap())
            .collect();
        assert_eq!(resources, ["module.kms.aws_kms_key.k"], "{path}");
    }
}

/// An IAM role is the key's own account when a policy names it; only the IAM blocks a policy
/// can name are parsed, and that includes a policy in a `.tf.json` file of the module.
#[test]
fn an_iam_role_named_by_a_policy_is_the_own_account_in_either_syntax() {
    let role = "resource \"aws_iam_role\" \"app\" {\n  name = \"app\"\n  assume_role_policy = \"{}\"\n}\nresource \"aws_iam_role\" \"unused\" {\n  name = \"unused\"\n  assume_role_policy = \"{}\"\n}\n";
    let policy = |principal: &str| {
        format!(
            r#"{{"Version": "2012-10-17", "Statement": [{{"Effect": "Allow", "Principal": {{"AWS": {principal}}}, "Action": "kms:Decrypt", "Resource": "*"}}]}}"#
        )
    };
    let hcl = tempfile::tempdir().unwrap();
    write(hcl.path(), "iam.tf", role);
    write(
        hcl.path(),
        "key.tf",
        &format!(
            "resource \"aws_kms_key\" \"k\" {{\n  policy = jsonencode({})\n}}\n",
            policy("aws_iam_role.app.arn").replace("\": ", "\" = ")
        ),
    );
    let json = tempfile::tempdir().unwrap();
    write(json.path(), "iam.tf", role);
    let key = serde_json::json!({"resource": {"aws_kms_key": {"k": {
        "policy": format!("${{jsonencode({})}}", policy("aws_iam_role.app.arn").replace("\": ", "\" = "))
    }}}});
    write(json.path(), "key.tf.json", &key.to_string());
    for dir in [hcl.path(), json.path()] {
        let (code, v) = kmslint(dir, &[]);
        assert_eq!(code, 0, "{v}");
        assert_eq!(unsuppressed(&v, "KMS005"), 0, "{v}");
    }
    // A role of another module is not the own account: the unknown is reported.
    write(
        json.path(),
        "key.tf.json",
        &key.to_string()
            .replace("aws_iam_role.app.arn", "aws_iam_role.elsewhere.arn"),
    );
    let (_, v) = kmslint(json.path(), &[]);
    assert_eq!(unsuppressed(&v, "KMS005"), 1, "{v}");
}

/// A stack whose template a variable chooses may deploy either: both are checked.
#[test]
fn a_stack_template_chosen_by_a_variable_is_checked_both_ways() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "main.tf",
        r#"variable "prod" {
  type    = bool
  default = false
}
locals {
  open = jsonencode({ Resources = { Key = { Type = "AWS::KMS::Key", Properties = { KeyPolicy = { Statement = [{ Effect = "Allow", Principal = "*", Action = "kms:Decrypt", Resource = "*" }] } } } } })
  safe = jsonencode({ Resources = { Key = { Type = "AWS::KMS::Key" } } })
}
resource "aws_cloudformation_stack" "s" {
  name          = "s"
  template_body = var.prod ? local.open : local.safe
}
"#,
    );
    let (code, v) = kmslint(dir.path(), &[]);
    assert_eq!(code, 1, "{v}");
    assert_eq!(unsuppressed(&v, "KMS001"), 1, "{v}");
}

/// Outputs that feed each other in a loop (Terraform rejects it): the value is unknown and named,
/// never a pass by omission and never a hang.
#[test]
fn outputs_in_a_loop_are_an_unknown_named_by_the_output() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "m/main.tf",
        "variable \"peer\" {}\noutput \"o\" { value = var.peer }\n",
    );
    write(
        dir.path(),
        "main.tf",
        r#"module "a" {
  source = "./m"
  peer   = module.b.o
}
module "b" {
  source = "./m"
  peer   = module.a.o
}
resource "aws_kms_key" "k" {
  policy = jsonencode({ Statement = [{ Effect = "Allow", Principal = { AWS = module.a.o }, Action = "kms:*", Resource = "*" }] })
}
"#,
    );
    let (_, v) = kmslint(dir.path(), &[]);
    let r = results(&v);
    assert_eq!(r.len(), 1, "{v}");
    assert_eq!(r[0]["ruleId"], "KMS005");
    let text = r[0]["message"]["text"].as_str().unwrap_or("");
    assert!(text.contains("`module.a.o` is reached again"), "{text}");
}

/// Each module call evaluates its arguments for its own `providers` map, whatever call comes
/// before it (each used to get the previous call's provider, the first the default).
#[test]
fn each_module_call_uses_its_own_providers_map() {
    let tmp = tempfile::tempdir().unwrap();
    let call = |name: &str, providers: &str| {
        format!(
            "module \"{name}\" {{\n  source = \"./key\"\n{providers}  reader = \"arn:aws:iam::${{data.aws_caller_identity.root.account_id}}:role/reader\"\n}}\n"
        )
    };
    let main = format!(
        "data \"aws_caller_identity\" \"root\" {{}}\n{}{}{}",
        call("ka", "  providers = { aws = aws.a }\n"),
        call("kb", "  providers = { aws = aws.b }\n"),
        call("kc", ""),
    );
    write(tmp.path(), "main.tf", &main);
    write(
        tmp.path(),
        "providers.tf",
        "provider \"aws\" {}\nprovider \"aws\" {\n  alias = \"a\"\n  allowed_account_ids = [\"222222222222\"]\n}\nprovider \"aws\" {\n  alias = \"b\"\n}\n",
    );
    write(
        tmp.path(),
        "key/main.tf",
        "variable \"reader\" { type = string }\nresource \"aws_kms_key\" \"k\" {\n  policy = jsonencode({Statement = [{Effect = \"Allow\", Principal = {AWS = var.reader}, Action = \"kms:Decrypt\", Resource = \"*\"}]})\n}\n",
    );
    let out = Command::new(env!("CARGO_BIN_EXE_kmslint"))
        .args(["--isolated", "--format", "json", "."])
        .current_dir(tmp.path())
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut got: Vec<(String, String)> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let r = f["resource"].as_str().unwrap().to_string();
            (r, f["rule"].as_str().unwrap().to_string())
        })
        .collect();
    got.sort();
    // ka and kb: the caller identity is the default provider's, whose account nothing states;
    // kc uses the default provider: its own account.
    let want = [
        ("module.ka.aws_kms_key.k", "KMS005"),
        ("module.kb.aws_kms_key.k", "KMS005"),
    ];
    let want: Vec<(String, String)> = want
        .iter()
        .map(|(r, k)| (r.to_string(), k.to_string()))
        .collect();
    assert_eq!(got, want, "{v}");
    for (module, provider) in [("ka", "`aws.a`"), ("kb", "`aws.b`")] {
        let f = v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["resource"] == format!("module.{module}.aws_kms_key.k").as_str())
            .unwrap();
        assert!(f["message"].as_str().unwrap().contains(provider), "{f}");
    }
}

/// A root variable given with `--var` is what the plan uses: a conditional on it is decided. A
/// conditional on a default is checked both ways, each finding naming the condition that
/// deploys it; a `Condition = … : null` alternative is said to have no Condition.
#[test]
fn var_on_the_command_line_decides_a_conditional_and_alternatives_are_named() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "main.tf",
        r#"variable "org_id" {
  type    = string
  default = ""
}
variable "restrict" {
  type    = bool
  default = false
}
variable "open" {
  type    = bool
  default = false
}
resource "aws_kms_key" "k" {
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [merge(
      { Sid = "OrgRead", Effect = "Allow", Principal = { AWS = "*" }, Action = "kms:Decrypt", Resource = "*" },
      var.org_id != "" ? { Condition = { StringEquals = { "aws:PrincipalOrgID" = var.org_id } } } : {}
    ), { Sid = "Nul", Effect = "Allow", Principal = "*", Action = "kms:Decrypt", Resource = "*",
      Condition = var.restrict ? { StringEquals = { "kms:CallerAccount" = "111111111111" } } : null },
      { Sid = "Open", Effect = "Allow", Action = "kms:Decrypt", Resource = "*",
        Principal = { AWS = var.open ? "*" : "arn:aws:iam::111111111111:root" } }]
  })
}
"#,
    );
    let (_, v) = kmslint(dir.path(), &[]);
    assert_eq!(unsuppressed(&v, "KMS001"), 3, "{v}");
    let text = v.to_string();
    assert!(
        text.contains("deployed only when `var.open` is true (with the values given it is false)"),
        "{text}"
    );
    assert!(
        text.contains("one alternative has no Condition at all"),
        "{text}"
    );
    assert!(!text.contains("is not an organization id"), "{text}");
    let (_, v) = kmslint(
        dir.path(),
        &[
            "--var",
            "org_id=o-abc123defg",
            "--trusted-org",
            "o-abc123defg",
            "--var",
            "restrict=true",
            "--var",
            "open=false",
            "--trusted-account",
            "111111111111",
        ],
    );
    for rule in ["KMS001", "KMS002", "KMS005"] {
        assert_eq!(unsuppressed(&v, rule), 0, "{rule}: {v}");
    }
}
