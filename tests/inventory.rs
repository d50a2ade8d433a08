//! `kmslint inventory` on a mixed CloudFormation + Terraform repository, checked field by field.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use serde_json::Value;
use std::path::Path;

fn repo() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/inventory/repo")
}

fn inventory(format: &str) -> (i32, String) {
    let out = common::kmslint()
        .current_dir(repo())
        .args(["inventory", "--format", format, "."])
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

fn key<'a>(v: &'a Value, resource: &str) -> &'a Value {
    let all: Vec<&Value> = v["keys"]
        .as_array()
        .unwrap()
        .iter()
        .chain(v["grants"].as_array().unwrap())
        .collect();
    all.into_iter()
        .find(|k| k["resource"] == resource)
        .unwrap_or_else(|| panic!("{resource} not in inventory"))
}

#[test]
fn json_inventory_field_by_field() {
    let (code, out) = inventory("json");
    assert_eq!(code, 0, "the inventory reports, it does not fail");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["version"], 1);
    assert_eq!(v["keys"].as_array().unwrap().len(), 4);
    assert_eq!(v["grants"].as_array().unwrap().len(), 1);

    let logs = key(&v, "LogsKey");
    assert_eq!(logs["file"], "cfn/logs-key.yaml");
    assert_eq!(logs["line"], 3);
    assert_eq!(logs["resource_type"], "AWS::KMS::Key");
    assert_eq!(logs["aliases"], serde_json::json!(["alias/logs"]));
    assert_eq!(logs["key_account"], "self");
    assert_eq!(logs["owner"], "platform-security");
    assert_eq!(logs["justification"], "log archive reads CloudTrail");
    assert_eq!(logs["errors"], 0);
    let access = logs["external_access"].as_array().unwrap();
    assert_eq!(access.len(), 2, "the own-account root is not external");
    assert_eq!(
        access[0]["principal"],
        "arn:aws:iam::222222222222:role/LogReader"
    );
    assert_eq!(access[0]["account"], "222222222222");
    assert_eq!(access[0]["name"], "log-archive");
    assert_eq!(access[0]["trust"], "trusted");
    assert_eq!(access[0]["via"], "principal");
    // The statement as findings name it (their `statement` field): the Sid, unquoted.
    assert_eq!(access[0]["statement"], "LogArchive");
    assert_eq!(
        access[0]["actions"],
        serde_json::json!(["kms:Decrypt", "kms:DescribeKey"])
    );
    assert_eq!(access[1]["principal"], "*");
    assert_eq!(access[1]["organization"], "o-a1b2c3d4e5");
    assert_eq!(access[1]["trust"], "trusted");
    assert_eq!(access[1]["via"], "condition");
    assert_eq!(
        access[1]["conditions"],
        serde_json::json!(["StringEquals aws:PrincipalOrgID o-a1b2c3d4e5"])
    );

    let vendor = key(&v, "VendorKey");
    assert_eq!(vendor["owner"], "data-team");
    assert_eq!(vendor["justification"], Value::Null);
    assert_eq!(vendor["errors"], 1, "KMS002");
    assert_eq!(vendor["warnings"], 1, "KMS012, turned on in the config");
    let a = &vendor["external_access"][0];
    assert_eq!(
        (a["account"].as_str(), a["trust"].as_str()),
        (Some("444455556666"), Some("untrusted"))
    );
    assert_eq!(
        a["conditions"],
        serde_json::json!(["StringEquals kms:ViaService s3.us-east-1.amazonaws.com"])
    );

    let app = key(&v, "aws_kms_key.app");
    assert_eq!(app["file"], "tf/main.tf");
    assert_eq!(app["aliases"], serde_json::json!(["alias/app"]));
    assert_eq!(app["external_access"][0]["trust"], "any");
    assert_eq!(app["errors"], 1, "KMS001");

    let internal = key(&v, "aws_kms_key.internal");
    assert_eq!(internal["default_policy"], true);
    assert_eq!(internal["owner"], "app-team");
    assert_eq!(internal["external_access"], serde_json::json!([]));

    let grant = key(&v, "aws_kms_grant.partner");
    assert_eq!(grant["external_access"][0]["via"], "grant");
    assert_eq!(grant["external_access"][0]["account"], "777777777777");
    assert_eq!(
        grant["external_access"][0]["actions"],
        serde_json::json!(["Decrypt", "DescribeKey"])
    );

    let t = &v["totals"];
    assert_eq!(t["keys"], 4);
    assert_eq!(t["grants"], 1);
    assert_eq!(t["keys_with_external_access"], 3);
    assert_eq!(
        t["external_accounts"]["trusted"],
        serde_json::json!(["222222222222"])
    );
    assert_eq!(
        t["external_accounts"]["untrusted"],
        serde_json::json!(["444455556666", "777777777777"])
    );
    assert_eq!(t["external_accounts"]["unknown"], serde_json::json!([]));
    assert_eq!(
        t["external_accounts"]["organizations"],
        serde_json::json!(["o-a1b2c3d4e5"])
    );
    assert_eq!(t["external_accounts"]["anyone"], 1);
    assert_eq!(t["noncompliant_keys"], 2);
    assert_eq!(t["noncompliant_share"], 0.5);
    assert_eq!(t["keys_with_owner_tag"], 3);
    assert_eq!(t["owner_tag_share"], 0.75);
    assert_eq!(t["cross_account_keys_with_justification"], 1);
    assert_eq!(t["justification_share"], 0.333);
}

#[test]
fn markdown_and_text_inventories() {
    let (code, md) = inventory("markdown");
    assert_eq!(code, 0);
    assert!(md.starts_with("## KMS key trust inventory"), "{md}");
    assert!(md.contains("| Keys with external access | 3 |"), "{md}");
    assert!(md.contains("| LogsKey (AWS::KMS::Key) alias/logs | cfn/logs-key.yaml:3 | `arn:aws:iam::222222222222:role/LogReader` | 222222222222 (log-archive) | trusted |"), "{md}");
    let (_, text) = inventory("text");
    assert!(text.contains("unique external accounts: 1 trusted, 2 untrusted, 0 unknown; organizations: 1; open to any account: 1"), "{text}");
    assert!(
        text.contains("default key policy: own account only"),
        "{text}"
    );
}

#[test]
fn justification_rule_is_off_by_default() {
    let out = common::kmslint()
        .args([
            "--isolated",
            "--format",
            "json",
            "--trusted-account",
            "444455556666",
        ])
        .arg(repo().join("cfn/vendor.json"))
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let rules: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert!(!rules.contains(&"KMS012"), "{rules:?}");
}
