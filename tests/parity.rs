//! Parity across front ends: the same key policy written as a CloudFormation JSON template, a
//! CloudFormation YAML template, a Terraform module (HCL), a `.tf.json` module, a plan
//! (`terraform show -json`) and a bare policy (`aws kms get-key-policy`) gives the same findings:
//! the same rules, for the same statements, accounts and principals.
//!
//! Each policy is written once, as JSON, with `OWN` where the key's own account goes; the test
//! writes it in every form (`${AWS::AccountId}` in CloudFormation, `aws_caller_identity` in
//! Terraform, the literal account in a plan and a bare policy, whose key account is given).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use kmslint::{scan, Config, Options, Registry};
use serde_json::Value as Json;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

const OWN: &str = "111111111111";

const CONFIG: &str = r#"
[trust]
own_accounts = ["111111111111"]
accounts = ["222222222222"]
organizations = ["o-a1b2c3d4e5"]
"#;

/// (name, policy with `OWN`, expected (rule, statement, account or "-", principal)).
type Case = (
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str, &'static str, &'static str)],
);

const CASES: &[Case] = &[
    (
        "partner-and-via-service",
        r#"{"Version": "2012-10-17", "Statement": [
            {"Sid": "Root", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::OWN:root"}, "Action": "kms:*", "Resource": "*"},
            {"Sid": "Partner", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::444455556666:role/Reader"}, "Action": ["kms:Decrypt", "kms:DescribeKey"], "Resource": "*"},
            {"Sid": "ViaS3", "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "kms:Decrypt", "Resource": "*",
             "Condition": {"StringEquals": {"kms:ViaService": "s3.eu-west-1.amazonaws.com"}}},
            {"Sid": "Org", "Effect": "Allow", "Principal": "*", "Action": "kms:Decrypt", "Resource": "*",
             "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}}]}"#,
        &[
            (
                "KMS002",
                "Partner",
                "444455556666",
                "arn:aws:iam::444455556666:role/Reader",
            ),
            ("KMS001", "ViaS3", "-", "*"),
        ],
    ),
    (
        "external-admin-root",
        r#"{"Version": "2012-10-17", "Statement": [
            {"Sid": "Root", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::OWN:root"}, "Action": "kms:*", "Resource": "*"},
            {"Sid": "VendorAdmin", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::444455556666:root"}, "Action": ["kms:PutKeyPolicy", "kms:Decrypt"], "Resource": "*"},
            {"Sid": "Archive", "Effect": "Allow", "Principal": {"AWS": "222222222222"}, "Action": "kms:Decrypt", "Resource": "*"}]}"#,
        &[
            (
                "KMS002",
                "VendorAdmin",
                "444455556666",
                "arn:aws:iam::444455556666:root",
            ),
            // One KMS002 (which says it includes key administration); KMS009 is for the
            // trusted account's root.
            ("KMS009", "Archive", "222222222222", "222222222222"),
        ],
    ),
    (
        "not-principal-and-condition-account",
        r#"{"Version": "2012-10-17", "Statement": [
            {"Sid": "Root", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::OWN:root"}, "Action": "kms:*", "Resource": "*"},
            {"Sid": "Everyone", "Effect": "Allow", "NotPrincipal": {"AWS": "arn:aws:iam::OWN:root"}, "Action": "kms:Decrypt", "Resource": "*"},
            {"Sid": "Callers", "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "kms:Encrypt", "Resource": "*",
             "Condition": {"StringEquals": {"kms:CallerAccount": ["OWN", "121212121212"]}}}]}"#,
        &[
            ("KMS003", "Everyone", "-", "arn:aws:iam::111111111111:root"),
            ("KMS002", "Callers", "121212121212", "*"),
        ],
    ),
    (
        "service-and-network",
        r#"{"Version": "2012-10-17", "Statement": [
            {"Sid": "Root", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::OWN:root"}, "Action": "kms:*", "Resource": "*"},
            {"Sid": "Logs", "Effect": "Allow", "Principal": {"Service": "logs.amazonaws.com"}, "Action": ["kms:Encrypt", "kms:Decrypt"], "Resource": "*"},
            {"Sid": "Vpc", "Effect": "Allow", "Principal": "*", "Action": "kms:Decrypt", "Resource": "*",
             "Condition": {"StringEquals": {"aws:SourceVpc": "vpc-0a1b2c3d"}}}]}"#,
        &[
            ("KMS008", "Logs", "-", "logs.amazonaws.com"),
            ("KMS010", "Vpc", "-", "*"),
        ],
    ),
];

/// The policy with the own account written by each form.
fn with_own(policy: &str, own: &str) -> String {
    policy.replace("OWN", own)
}

fn json(policy: &str) -> Json {
    serde_json::from_str(policy).unwrap()
}

/// CloudFormation JSON: the own account through `Fn::Sub`.
fn cfn_json(policy: &str) -> String {
    fn own_sub(v: &Json) -> Json {
        match v {
            Json::String(s) if s.contains("OWN") => {
                serde_json::json!({"Fn::Sub": s.replace("OWN", "${AWS::AccountId}")})
            }
            Json::Array(a) => Json::Array(a.iter().map(own_sub).collect()),
            Json::Object(o) => {
                Json::Object(o.iter().map(|(k, v)| (k.clone(), own_sub(v))).collect())
            }
            other => other.clone(),
        }
    }
    let t = serde_json::json!({
        "AWSTemplateFormatVersion": "2010-09-09",
        "Resources": {"ParityKey": {"Type": "AWS::KMS::Key", "Properties": {"KeyPolicy": own_sub(&json(policy))}}}
    });
    serde_json::to_string_pretty(&t).unwrap()
}

/// CloudFormation YAML, block style, the own account through `!Sub`.
fn cfn_yaml(policy: &str) -> String {
    fn scalar(s: &str) -> String {
        if s.contains("OWN") {
            format!("!Sub '{}'", s.replace("OWN", "${AWS::AccountId}"))
        } else {
            format!("'{}'", s.replace('\'', "''"))
        }
    }
    fn emit(v: &Json, indent: usize, out: &mut String) {
        let pad = " ".repeat(indent);
        match v {
            Json::Object(o) => {
                for (k, v) in o {
                    match v {
                        Json::Object(_) | Json::Array(_) => {
                            out.push_str(&format!("{pad}{k}:\n"));
                            emit(v, indent + 2, out);
                        }
                        _ => out.push_str(&format!("{pad}{k}: {}\n", scalar(v.as_str().unwrap()))),
                    }
                }
            }
            Json::Array(a) => {
                for item in a {
                    match item {
                        Json::Object(_) => {
                            let mut inner = String::new();
                            emit(item, indent + 2, &mut inner);
                            out.push_str(&format!("{pad}- {}", &inner[indent + 2..]));
                        }
                        _ => out.push_str(&format!("{pad}- {}\n", scalar(item.as_str().unwrap()))),
                    }
                }
            }
            _ => out.push_str(&format!("{pad}{}\n", scalar(v.as_str().unwrap()))),
        }
    }
    let mut out = String::from(
        "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  ParityKey:\n    Type: AWS::KMS::Key\n    Properties:\n      KeyPolicy:\n",
    );
    emit(&json(policy), 8, &mut out);
    out
}

const CALLER: &str = "${data.aws_caller_identity.current.account_id}";

/// Terraform HCL: `jsonencode` of the policy written as an HCL object (JSON's syntax is an HCL
/// object constructor), the own account from `aws_caller_identity`.
fn tf_hcl(policy: &str) -> String {
    format!(
        "data \"aws_caller_identity\" \"current\" {{}}\n\nresource \"aws_kms_key\" \"parity\" {{\n  policy = jsonencode({})\n}}\n",
        with_own(policy, CALLER)
    )
}

/// Terraform JSON: the policy as a JSON string with an interpolation.
fn tf_json(policy: &str) -> String {
    let text = serde_json::to_string_pretty(&json(policy)).unwrap();
    let t = serde_json::json!({
        "data": {"aws_caller_identity": {"current": {}}},
        "resource": {"aws_kms_key": {"parity": {"policy": with_own(&text, CALLER)}}}
    });
    serde_json::to_string_pretty(&t).unwrap()
}

/// A plan: the rendered policy, the own account literal.
fn plan(policy: &str) -> String {
    let rendered = serde_json::to_string(&json(&with_own(policy, OWN))).unwrap();
    let t = serde_json::json!({
        "format_version": "1.2",
        "terraform_version": "1.11.4",
        "planned_values": {"root_module": {"resources": [{
            "address": "aws_kms_key.parity", "mode": "managed", "type": "aws_kms_key", "name": "parity",
            "provider_name": "registry.terraform.io/hashicorp/aws", "schema_version": 0,
            "values": {"policy": rendered}, "sensitive_values": {}
        }]}}
    });
    serde_json::to_string_pretty(&t).unwrap()
}

/// A bare key policy, as `aws kms get-key-policy --query Policy --output text` saves it.
fn bare(policy: &str) -> String {
    serde_json::to_string_pretty(&json(&with_own(policy, OWN))).unwrap()
}

type Seen = BTreeSet<(String, String, String, String)>;

fn findings(path: &Path, cfg: &Config, reg: &Registry) -> Seen {
    let opts = Options {
        paths: vec![path.to_path_buf()],
        key_account: Some(OWN.to_string()),
        jobs: 1,
        ..Options::default()
    };
    let report = scan(&opts, cfg, reg).unwrap();
    report
        .findings
        .iter()
        .map(|f| {
            // The own account is symbolic where the input says `AWS::AccountId` or
            // `aws_caller_identity`, literal where it says `111111111111` (a plan, a bare policy
            // with `--key-account`): the same account, written two ways.
            let account = f.account.clone().filter(|a| a != OWN);
            (
                f.rule.clone(),
                f.statement.clone().unwrap_or_default(),
                account.unwrap_or_else(|| "-".into()),
                f.principal
                    .clone()
                    .unwrap_or_default()
                    .replace("${AWS::AccountId}", OWN)
                    .replace("<the key's own account>", OWN),
            )
        })
        .collect()
}

#[test]
fn every_form_gives_the_same_findings() {
    let reg = Registry::builtin().unwrap();
    let cfg = Config::from_toml(Path::new("kmslint.toml"), CONFIG, &reg.ids()).unwrap();
    let mut failures = Vec::new();
    for (name, policy, expect) in CASES {
        let want: Seen = expect
            .iter()
            .map(|(r, s, a, p)| (r.to_string(), s.to_string(), a.to_string(), p.to_string()))
            .collect();
        let dir = tempfile::tempdir().unwrap();
        let forms: [(&str, &str, String); 6] = [
            ("cloudformation-json", "template.json", cfn_json(policy)),
            ("cloudformation-yaml", "template.yaml", cfn_yaml(policy)),
            ("terraform-hcl", "main.tf", tf_hcl(policy)),
            ("terraform-json", "main.tf.json", tf_json(policy)),
            ("plan", "plan.json", plan(policy)),
            ("bare-policy", "policy.json", bare(policy)),
        ];
        for (form, file, text) in forms {
            let sub: PathBuf = dir.path().join(form);
            std::fs::create_dir_all(&sub).unwrap();
            std::fs::write(sub.join(file), &text).unwrap();
            // A bare policy is read only when named; every other form is found by a walk.
            let target = if form == "bare-policy" {
                sub.join(file)
            } else {
                sub.clone()
            };
            let got = findings(&target, &cfg, &reg);
            if got != want {
                failures.push(format!(
                    "{name} as {form}:\n  expected {want:?}\n  got      {got:?}\n{text}"
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
