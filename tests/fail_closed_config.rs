//! Fail closed, configs and suppressions: a config reaches only its own directory tree and a
//! config below another cannot loosen it; a suppression covers one key policy's findings at the
//! place it annotates; a parse error cannot be silenced; a policy kmslint cannot evaluate is an
//! error. Each test runs the real binary and checks the exit status, the findings and that
//! every input is unchanged.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{Tree, PUBLIC_YAML};

const BUCKET: &str =
    "AWSTemplateFormatVersion: \"2010-09-09\"\nResources:\n  B:\n    Type: AWS::S3::Bucket\n";

#[test]
fn each_file_gets_the_config_of_its_own_directory() {
    let t = Tree::new(&[
        ("aaa/kmslint.toml", "[rules]\nKMS001 = \"off\"\n"),
        ("aaa/x.yaml", BUCKET),
        ("aaa/public.yaml", PUBLIC_YAML),
        ("infra/bad.yaml", PUBLIC_YAML),
    ]);
    let r = t.run(&[
        "--format",
        "json",
        "aaa/x.yaml",
        "aaa/public.yaml",
        "infra/bad.yaml",
    ]);
    assert_eq!(r.code, 1, "{}", r.out);
    let files: Vec<String> = r
        .findings()
        .iter()
        .map(|f| {
            format!(
                "{} {}",
                f["file"].as_str().unwrap(),
                f["rule"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(files, ["infra/bad.yaml KMS001"], "{}", r.out);
    // The summary names the config and what it turns off.
    let configs = &r.json()["summary"]["configs"];
    assert_eq!(configs[0]["files"][0], "aaa/kmslint.toml", "{configs}");
    assert_eq!(configs[0]["loosened"][0], "KMS001 off", "{configs}");
    let human = t.run(&["aaa", "infra"]);
    assert!(
        human
            .out
            .contains("kmslint: config: aaa/kmslint.toml (turns KMS001 off)"),
        "{}",
        human.out
    );
    // --config governs every file instead.
    let r = t.run(&["--config", "aaa/kmslint.toml", "--format", "json", "."]);
    assert_eq!(r.code, 0, "{}", r.out);
}

#[test]
fn a_config_below_another_may_only_make_the_check_stricter() {
    let t = Tree::new(&[
        (
            "kmslint.toml",
            "[trust]\nown_accounts = [\"111122223333\"]\n[rules]\nKMS009 = \"off\"\n",
        ),
        ("infra/payments/key.yaml", PUBLIC_YAML),
    ]);
    std::fs::create_dir(t.path(".git")).unwrap();
    for (loosening, needle) in [
        ("[scan]\nexclude = [\"payments/**\"]\n", "payments/**"),
        ("[rules]\nKMS001 = \"off\"\n", "KMS001"),
        ("[rules]\nKMS002 = \"note\"\n", "KMS002"),
        ("[trust]\naccounts = [\"999988887777\"]\n", "999988887777"),
        ("[scan]\nmax_file_size = 999999999999\n", "max_file_size"),
        ("[suppressions]\nmax_days = 99999\n", "max_days"),
    ] {
        t.write("infra/.kmslint.toml", loosening.as_bytes());
        let r = t.run(&["--format", "json", "infra"]);
        assert_eq!(r.code, 2, "{loosening}: {}", r.out);
        assert!(r.out.is_empty(), "nothing written: {}", r.out);
        let err = common::flat(&r.err);
        assert!(
            err.contains("may only make the check stricter") && err.contains(needle),
            "{loosening}: {err}"
        );
    }
    // Stricter is fine (KMS012, off by default, now an error there), and both configs are
    // named.
    t.write("infra/.kmslint.toml", b"[rules]\nKMS012 = \"error\"\n");
    let r = t.run(&["--format", "json", "infra"]);
    assert_eq!(r.code, 1, "{}", r.err);
    assert_eq!(r.rules(), ["KMS012", "KMS001"]);
    let configs = &r.json()["summary"]["configs"];
    assert_eq!(
        configs[1]["files"],
        serde_json::json!(["kmslint.toml", "infra/.kmslint.toml"]),
        "{configs}"
    );
    assert_eq!(configs[1]["loosened"], serde_json::json!(["KMS009 off"]));
    // Two configs in one directory: which one governs must not depend on a name.
    t.write("infra/kmslint.toml", b"");
    let r = t.run(&["infra"]);
    assert_eq!(r.code, 2);
    assert!(
        common::flat(&r.err).contains("two config files in one directory"),
        "{}",
        r.err
    );
}

#[test]
fn kms000_cannot_be_turned_off_or_down() {
    let broken =
        "Resources:\n  K:\n    Type: AWS::KMS::Key\n    Properties: {KeyPolicy: {Statement: [\n";
    let t = Tree::new(&[("key.yaml", broken)]);
    for level in ["off", "note", "warning"] {
        t.write(
            "kmslint.toml",
            format!("[rules]\nKMS000 = \"{level}\"\n").as_bytes(),
        );
        let r = t.run(&["."]);
        assert_eq!(r.code, 2, "{level}");
        assert!(r.out.is_empty());
        let err = common::flat(&r.err);
        assert!(err.contains("KMS000 (parse-error) cannot be set"), "{err}");
        assert!(err.contains("[scan] exclude"), "{err}");
    }
    // The way to skip a broken file is an explicit exclude, which the summary reports.
    t.write("kmslint.toml", b"[scan]\nexclude = [\"key.yaml\"]\n");
    let r = t.run(&["--format", "json", "."]);
    assert_eq!(r.code, 0);
    assert_eq!(r.json()["summary"]["excluded"], 1);
    assert_eq!(r.json()["summary"]["configs"][0]["excludes"][0], "key.yaml");
    let r = t.run(&["--format", "json", "key.yaml"]);
    assert_eq!(r.code, 0, "an exclude covers a named file too");
    assert_eq!(r.json()["summary"]["excluded"], 1);
}

#[test]
fn kms000_cannot_be_suppressed_inline() {
    let t = Tree::new(&[(
        "key.yaml",
        r#"Resources:
  PublicKey:
    Type: AWS::KMS::Key
    Properties:
      KeyPolicy:
        Statement:
          - Effect: Allow
            Principal: {AWS: arn:aws:iam::111122223333:root
            # kmslint:ignore KMS000 reason="generated by the vendor tool"
            Action: kms:Decrypt
"#,
    )]);
    let r = t.run(&["--isolated", "--format", "json", "."]);
    assert_eq!(r.code, 1);
    let rules = r.rules();
    assert!(rules.contains(&"KMS000".to_string()), "{rules:?}");
    // A Metadata entry naming KMS000 is reported too (the template parses; the rule cannot be
    // accepted anyway).
    let t = Tree::new(&[(
        "key.yaml",
        "Resources:\n  K:\n    Type: AWS::KMS::Key\n    Metadata:\n      kmslint:\n        ignore:\n          - {rule: KMS000, reason: \"fine\"}\n",
    )]);
    let r = t.run(&["--isolated", "--format", "json", "."]);
    assert_eq!(r.code, 1);
    let f = r.findings();
    assert_eq!(f[0]["rule"], "KMS011");
    assert!(
        f[0]["message"]
            .as_str()
            .unwrap()
            .contains("KMS000 cannot be suppressed"),
        "{f:?}"
    );
}

#[test]
fn an_until_past_max_days_is_invalid() {
    let far = PUBLIC_YAML.replace(
        "            Principal: \"*\"",
        "            # kmslint:ignore KMS001 reason=\"temporary\" until=9999-12-31\n            Principal: \"*\"",
    );
    let t = Tree::new(&[("key.yaml", &far)]);
    let r = t.run(&["--isolated", "--format", "json", "."]);
    assert_eq!(r.code, 1);
    assert_eq!(r.rules(), ["KMS011", "KMS001"]);
    assert!(r.findings()[0]["message"]
        .as_str()
        .unwrap()
        .contains("more than 365 days ahead"));
    // Within a year: honoured; a team may shorten the horizon.
    let soon = kmslint::Date::today().plus_days(60).to_string();
    t.write("key.yaml", far.replace("9999-12-31", &soon).as_bytes());
    let r = t.run(&["--isolated", "--format", "json", "."]);
    assert_eq!(r.code, 0, "{}", r.out);
    t.write("kmslint.toml", b"[suppressions]\nmax_days = 30\n");
    let r = t.run(&["--format", "json", "."]);
    assert_eq!(r.rules(), ["KMS011", "KMS001"]);
}

#[test]
fn a_suppression_above_a_shared_local_covers_no_key_in_another_file() {
    let key = |name: &str, sid: &str| {
        format!(
            "resource \"aws_kms_key\" \"{name}\" {{\n  policy = jsonencode({{\n    Statement = [{{\n      Sid = \"{sid}\"\n      Effect = \"Allow\"\n      Principal = {{ AWS = local.share_principal }}\n      Action = \"kms:Decrypt\"\n      Resource = \"*\"\n    }}]\n  }})\n}}\n"
        )
    };
    let t = Tree::new(&[
        (
            "infra/locals.tf",
            "locals {\n  # kmslint:ignore KMS001 reason=\"partner share, SEC-42\"\n  share_principal = \"*\"\n}\n",
        ),
        ("infra/partner.tf", &key("partner_share", "PartnerShare")),
        ("infra/payroll.tf", &key("payroll", "Readers")),
    ]);
    let r = t.run(&["--isolated", "--format", "json", "infra"]);
    assert_eq!(r.code, 1);
    let resources: Vec<String> = r
        .findings()
        .iter()
        .filter(|f| f["rule"] == "KMS001")
        .map(|f| f["resource"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        resources,
        ["aws_kms_key.partner_share", "aws_kms_key.payroll"],
        "{}",
        r.out
    );
    assert!(r.rules().contains(&"KMS014".to_string()), "{:?}", r.rules());
    // Where the reviewer accepts the partner key, at its statement, only that key is covered.
    t.write(
        "infra/locals.tf",
        b"locals {\n  share_principal = \"*\"\n}\n",
    );
    let partner = key("partner_share", "PartnerShare").replace(
        "    Statement = [{",
        "    # kmslint:ignore KMS001 reason=\"partner share, SEC-42\"\n    Statement = [{",
    );
    t.write("infra/partner.tf", partner.as_bytes());
    let r = t.run(&["--isolated", "--format", "json", "infra"]);
    assert_eq!(r.code, 1);
    let open: Vec<String> = r
        .findings()
        .iter()
        .map(|f| {
            format!(
                "{} {}",
                f["rule"].as_str().unwrap(),
                f["resource"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(open, ["KMS001 aws_kms_key.payroll"], "{}", r.out);
}

#[test]
fn a_marker_inside_a_string_is_not_a_comment() {
    let t = Tree::new(&[
        (
            "key.yaml",
            r#"Resources:
  PublicKey:
    Type: AWS::KMS::Key
    Properties:
      KeyPolicy:
        Statement:
          - Sid: 'Allow use of the key
              # kmslint:ignore KMS001 reason=approved'
            Principal: "*"
            Effect: Allow
            Action: ["kms:Decrypt"]
            Resource: "*"
"#,
        ),
        (
            "key.tf",
            "resource \"aws_kms_key\" \"k\" {\n  policy = jsonencode({\n    Statement = [{ Effect = \"Allow\", Action = \"kms:Decrypt\", Resource = \"*\", Principal = \"*\", Sid = \"x # kmslint:ignore KMS001 reason=approved\"\n    }]\n  })\n}\n",
        ),
        (
            "heredoc.tf",
            "resource \"aws_kms_key\" \"h\" {\n  policy = <<EOT\n{\"Statement\": [{\"Effect\": \"Allow\",\n\"Principal\": \"*\", \"Sid\": \"a # kmslint:ignore KMS001 reason=approved\",\n\"Action\": \"kms:Decrypt\", \"Resource\": \"*\"}]}\nEOT\n}\n",
        ),
    ]);
    let r = t.run(&[
        "--isolated",
        "--format",
        "json",
        "key.yaml",
        "key.tf",
        "heredoc.tf",
    ]);
    assert_eq!(r.code, 1);
    let n = r.rules().iter().filter(|x| *x == "KMS001").count();
    assert_eq!(n, 3, "{}", r.out);
}

#[test]
fn the_discarded_copy_of_a_duplicate_logical_id_suppresses_nothing() {
    // CloudFormation keeps the last `AppKey`; only its Metadata may suppress its findings.
    // (Which copy is deployed, and the duplicate itself as a finding, belong to the
    // CloudFormation front end: here, each copy's findings answer to its own Metadata.)
    let t = Tree::new(&[(
        "template.json",
        r#"{
  "AWSTemplateFormatVersion": "2010-09-09",
  "Resources": {
    "AppKey": {
      "Type": "AWS::KMS::Key",
      "Metadata": {"kmslint": {"ignore": [{"rule": "KMS001", "reason": "org-wide key (SEC-7)"}]}},
      "Properties": {"KeyPolicy": {"Statement": [
        {"Sid": "OrgUse", "Effect": "Allow", "Principal": "*", "Action": "kms:Decrypt", "Resource": "*",
         "Condition": {"StringEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}}}]}}
    },
    "AppKey": {
      "Type": "AWS::KMS::Key",
      "Properties": {"KeyPolicy": {"Statement": [
        {"Sid": "Public", "Effect": "Allow", "Principal": "*", "Action": "kms:Decrypt", "Resource": "*"}]}}
    }
  }
}
"#,
    )]);
    let r = t.run(&["--isolated", "--format", "json", "."]);
    assert_eq!(r.code, 1);
    let open: Vec<(String, String)> = r
        .findings()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["statement"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    assert!(
        open.contains(&("KMS001".to_string(), "Public".to_string())),
        "{}",
        r.out
    );
}

#[test]
fn a_suppression_covers_one_target_unless_it_names_what_it_accepts() {
    let one_line = r#"resource "aws_kms_key" "shared" {
  # kmslint:ignore KMS002 reason="vendor X contract, SEC-123"
  policy = "{\"Statement\":[{\"Sid\":\"VendorX\",\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::444455556666:role/VendorXRead\"},\"Action\":\"kms:Decrypt\",\"Resource\":\"*\"},{\"Sid\":\"Added\",\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::999988887777:role/Anything\"},\"Action\":\"kms:Decrypt\",\"Resource\":\"*\"}]}"
}
"#;
    let metadata = r#"Resources:
  SharedKey:
    Type: AWS::KMS::Key
    Metadata:
      kmslint:
        ignore:
          - rule: KMS002
            reason: "vendor X contract, SEC-123"
    Properties:
      KeyPolicy:
        Statement:
          - Sid: VendorX
            Effect: Allow
            Principal: {AWS: "arn:aws:iam::444455556666:role/VendorXRead"}
            Action: kms:Decrypt
            Resource: "*"
          - Sid: AddedLater
            Effect: Allow
            Principal: {AWS: "arn:aws:iam::999988887777:role/Anything"}
            Action: kms:Decrypt
            Resource: "*"
"#;
    let t = Tree::new(&[("main.tf", one_line), ("template.yaml", metadata)]);
    let accounts = |r: &common::Run| -> Vec<String> {
        r.findings()
            .iter()
            .filter(|f| f["rule"] == "KMS002")
            .map(|f| {
                format!(
                    "{} {}",
                    f["file"].as_str().unwrap(),
                    f["account"].as_str().unwrap()
                )
            })
            .collect()
    };
    // Two foreign accounts at the place each suppression annotates: it covers neither, and
    // says which to name.
    let r = t.run(&["--isolated", "--format", "json", "main.tf", "template.yaml"]);
    assert_eq!(r.code, 1);
    assert_eq!(
        accounts(&r),
        [
            "main.tf 444455556666",
            "main.tf 999988887777",
            "template.yaml 444455556666",
            "template.yaml 999988887777"
        ]
    );
    let ambiguous: Vec<&serde_json::Value> = Vec::new();
    let f = r.findings();
    let kms011: Vec<&serde_json::Value> = f
        .iter()
        .filter(|f| f["rule"] == "KMS011")
        .chain(ambiguous)
        .collect();
    assert_eq!(kms011.len(), 2, "{}", r.out);
    assert!(kms011[0]["message"].as_str().unwrap().contains("sid="));
    // Naming the reviewed account (or Sid) covers it, and only it.
    t.write(
        "main.tf",
        one_line
            .replace("SEC-123\"", "SEC-123\" account=444455556666")
            .as_bytes(),
    );
    t.write(
        "template.yaml",
        metadata
            .replace("SEC-123\"", "SEC-123\"\n            sid: VendorX")
            .as_bytes(),
    );
    let r = t.run(&["--isolated", "--format", "json", "main.tf", "template.yaml"]);
    assert_eq!(r.code, 1);
    assert_eq!(
        accounts(&r),
        ["main.tf 999988887777", "template.yaml 999988887777"],
        "{}",
        r.out
    );
    assert!(
        !r.rules().contains(&"KMS011".to_string()),
        "{:?}",
        r.rules()
    );
}

#[test]
fn a_policy_kmslint_does_not_evaluate_is_an_error() {
    let t = Tree::new(&[(
        "main.tf",
        "resource \"aws_kms_key\" \"k\" {\n  policy = ephemeralasnull(jsonencode({Statement = [{Effect = \"Allow\", Principal = { AWS = \"*\" }, Action = \"kms:Decrypt\", Resource = \"*\"}]}))\n}\n",
    )]);
    let r = t.run(&["--isolated", "--format", "json", "."]);
    assert_eq!(r.code, 1, "{}", r.out);
    assert_eq!(r.rules(), ["KMS018"], "{}", r.out);
    let f = &r.findings()[0];
    assert_eq!(f["severity"], "error");
    assert!(
        f["message"].as_str().unwrap().contains("ephemeralasnull("),
        "names the expression: {}",
        f["message"]
    );
}

#[test]
fn what_only_a_deployment_supplies_and_unknown_parts_stay_warnings() {
    let t = Tree::new(&[
        (
            "input/main.tf",
            "variable \"policy\" {\n  type = string\n}\nresource \"aws_kms_key\" \"k\" {\n  policy = var.policy\n}\n",
        ),
        (
            "part/main.tf",
            "variable \"reader\" {\n  type = string\n}\nresource \"aws_kms_key\" \"k\" {\n  policy = jsonencode({Statement = [{Effect = \"Allow\", Principal = { AWS = var.reader }, Action = \"kms:Decrypt\", Resource = \"*\"}]})\n}\n",
        ),
    ]);
    for dir in ["input", "part"] {
        let r = t.run(&["--isolated", "--format", "json", dir]);
        assert_eq!(r.code, 0, "{dir}: {}", r.out);
        assert_eq!(r.rules(), ["KMS005"], "{dir}: {}", r.out);
        assert_eq!(r.findings()[0]["severity"], "warning");
    }
}
