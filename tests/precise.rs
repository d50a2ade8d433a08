//! Precise, quiet findings, through the real binary with every default rule on: each folder of
//! `testdata/precise/` is checked (with its `kmslint.toml`, else `--isolated`) and its JSON
//! report (without the rules' help text) and human report are insta snapshots beside it, so the
//! exact findings, their count, messages, principals and labels are reviewed together.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use serde_json::Value;
use std::path::Path;

fn dir() -> std::path::PathBuf {
    common::testdata("precise")
}

/// The arguments that pick a case's configuration.
fn config_args(case: &str) -> Vec<String> {
    let toml = dir().join(case).join("kmslint.toml");
    if toml.is_file() {
        vec!["--config".into(), format!("{case}/kmslint.toml")]
    } else {
        vec!["--isolated".into()]
    }
}

fn run(case: &str, extra: &[&str]) -> (i32, String) {
    let mut cmd = common::kmslint();
    cmd.current_dir(dir())
        .args(config_args(case))
        .args(extra)
        .arg(case);
    let (code, out, err) = common::run(&mut cmd);
    assert!(err.is_empty() || !err.contains("panicked"), "{err}");
    (code, out)
}

/// The findings of a JSON report, without the help text every finding of a rule shares.
fn json_findings(out: &str) -> Value {
    let mut v: Value = serde_json::from_str(out).unwrap_or_else(|e| panic!("{e}: {out}"));
    for f in v["findings"].as_array_mut().unwrap() {
        f.as_object_mut().unwrap().remove("help");
    }
    v
}

fn snapshot(case: &str) {
    let (code, out) = run(case, &["--format", "json"]);
    let report = json_findings(&out);
    let errors = report["summary"]["errors"].as_u64().unwrap();
    assert_eq!(code, i32::from(errors > 0), "{case}: exit status");
    let (_, human) = run(case, &[]);
    insta::with_settings!({
        snapshot_path => dir().join("snapshots"),
        prepend_module_to_snapshot => false,
        omit_expression => true,
    }, {
        insta::assert_json_snapshot!(format!("{case}.json"), report);
        insta::assert_snapshot!(format!("{case}.human"), human);
    });
}

fn findings(case: &str) -> Vec<Value> {
    let (_, out) = run(case, &["--format", "json"]);
    common::findings(&json_findings(&out))
}

fn rules(fs: &[Value]) -> Vec<&str> {
    fs.iter().map(|f| f["rule"].as_str().unwrap()).collect()
}

#[test]
fn one_finding_per_statement_and_rule() {
    snapshot("one_per_statement");
    let fs = findings("one_per_statement");
    assert_eq!(rules(&fs), ["KMS003", "KMS008", "KMS002", "KMS005"]);
    let kms003 = &fs[0];
    assert_eq!(kms003["principals"].as_array().unwrap().len(), 3);
    assert_eq!(
        kms003["principal"], "111122223333",
        "the first stays in `principal`"
    );
    // NotPrincipal key + the two other principals.
    assert_eq!(kms003["related"].as_array().unwrap().len(), 3);
    assert_eq!(fs[1]["principals"].as_array().unwrap().len(), 6);
    assert!(fs[2]["message"]
        .as_str()
        .unwrap()
        .contains("including key administration (kms:*)"));
}

#[test]
fn unknown_is_not_external() {
    snapshot("unknown_not_external");
    let fs = findings("unknown_not_external");
    assert!(fs.iter().all(|f| f["rule"] == "KMS005"), "{fs:#?}");
    assert_eq!(
        fs.len(),
        3,
        "Admins, Partner (CloudFormation), Admins (Terraform)"
    );
    for f in &fs {
        let m = f["message"].as_str().unwrap();
        assert!(!m.contains("${?}"), "{m}");
    }
}

#[test]
fn invalid_policies_are_one_finding() {
    snapshot("invalid_policy");
    let fs = findings("invalid_policy");
    assert_eq!(rules(&fs), ["KMS016", "KMS016", "KMS001", "KMS016"]);
}

#[test]
fn messages_say_what_is_there() {
    snapshot("messages_cloudformation");
    snapshot("messages_terraform");
    let fs = findings("messages_terraform");
    for f in &fs {
        let m = f["message"].as_str().unwrap();
        assert!(!m.contains("AWS::AccountId") && !m.contains("${?}"), "{m}");
    }
    assert!(fs.iter().any(|f| f["rule"] == "KMS000"
        && f["message"]
            .as_str()
            .unwrap()
            .starts_with("templatefile() names a file that does not exist")));
}

#[test]
fn yaml_spans_stop_at_the_value() {
    snapshot("yaml_comment_span");
    let fs = findings("yaml_comment_span");
    assert_eq!(fs.len(), 1);
    let text = std::fs::read_to_string(dir().join("yaml_comment_span/template.yaml")).unwrap();
    let (o, n) = (
        fs[0]["offset"].as_u64().unwrap(),
        fs[0]["length"].as_u64().unwrap(),
    );
    assert_eq!(&text[o as usize..(o + n) as usize], "'*'");
}

#[test]
fn a_plan_finding_is_readable() {
    snapshot("plan_one_line");
    let (_, human) = run("plan_one_line", &[]);
    assert!(
        human.contains(
            "planned_values.root_module.resources[0].values.policy → Statement[1].Principal"
        ),
        "{human}"
    );
    assert!(human.lines().all(|l| l.chars().count() < 200), "{human}");
}

#[test]
fn inventory_names_accounts_by_their_source() {
    snapshot("inventory_names");
    let mut cmd = common::kmslint();
    cmd.current_dir(dir()).args([
        "inventory",
        "--isolated",
        "--format",
        "json",
        "inventory_names",
    ]);
    let (_, out, _) = common::run(&mut cmd);
    let inv: Value = serde_json::from_str(&out).unwrap();
    let access = inv["keys"][0]["external_access"].as_array().unwrap();
    let accounts: Vec<&Value> = access.iter().map(|a| &a["account"]).collect();
    assert_eq!(
        accounts,
        [
            &Value::from("param:VendorAccount"),
            &Value::Null,
            &Value::Null,
            &Value::from("unique-id:AROAEXAMPLEID1234567")
        ]
    );
    assert_eq!(access[0]["statement"], "Vendor");
    let t = &inv["totals"]["external_accounts"];
    assert_eq!(t["anyone"], 1, "one statement open to any account");
    assert_eq!(
        t["unknown"],
        serde_json::json!(["param:VendorAccount", "unique-id:AROAEXAMPLEID1234567"])
    );
    let mut cmd = common::kmslint();
    cmd.current_dir(dir())
        .args(["inventory", "--isolated", "inventory_names"]);
    let (_, text, _) = common::run(&mut cmd);
    insta::with_settings!({
        snapshot_path => dir().join("snapshots"),
        prepend_module_to_snapshot => false,
        omit_expression => true,
    }, {
        insta::assert_snapshot!("inventory_names.inventory", text);
    });
    assert!(text.contains("in \"Vendor\""), "{text}");
}

#[test]
fn every_case_is_tested() {
    let mut cases: Vec<String> = std::fs::read_dir(dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir() && !p.ends_with("snapshots"))
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    cases.sort();
    let this = std::fs::read_to_string(Path::new(file!())).unwrap_or_default();
    for case in cases {
        assert!(
            this.contains(&format!("snapshot(\"{case}\")")),
            "testdata/precise/{case} has no test"
        );
    }
}

fn sarif(dir: &Path, file: &str) -> Value {
    let mut cmd = common::kmslint();
    cmd.current_dir(dir)
        .args(["--isolated", "--format", "sarif", file]);
    let (_, out, _) = common::run(&mut cmd);
    serde_json::from_str(&out).unwrap()
}

/// (rule, fingerprint, related locations) of every SARIF result.
fn results(sarif: &Value) -> Vec<(String, String, usize)> {
    sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["ruleId"].as_str().unwrap().to_string(),
                r["partialFingerprints"]["kmslint/v1"]
                    .as_str()
                    .unwrap()
                    .to_string(),
                r["relatedLocations"].as_array().map_or(0, Vec::len),
            )
        })
        .collect()
}

/// One SARIF result per statement and rule, its other principals as related locations; the
/// fingerprint survives lines added above and changes when a principal joins the statement (so a
/// dismissed alert never hides a new principal).
#[test]
fn sarif_results_per_statement_with_stable_fingerprints() {
    let tmp = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(dir().join("one_per_statement/template.yaml")).unwrap();
    std::fs::write(tmp.path().join("t.yaml"), &text).unwrap();
    let a = results(&sarif(tmp.path(), "t.yaml"));
    let rules: Vec<&str> = a.iter().map(|r| r.0.as_str()).collect();
    assert_eq!(rules, ["KMS003", "KMS008", "KMS002", "KMS005"]);
    assert_eq!(a[0].2, 3, "NotPrincipal key and two more principals");
    assert_eq!(a[1].2, 5, "five more service principals");
    let moved = text.replacen("Resources:", "Description: moved\nResources:", 1);
    std::fs::write(tmp.path().join("t.yaml"), moved).unwrap();
    assert_eq!(
        results(&sarif(tmp.path(), "t.yaml")),
        a,
        "lines added above"
    );
    let more = text.replace(
        "- guardduty.me-central-1.amazonaws.com",
        "- guardduty.me-central-1.amazonaws.com\n                - guardduty.il-central-1.amazonaws.com",
    );
    std::fs::write(tmp.path().join("t.yaml"), more).unwrap();
    let b = results(&sarif(tmp.path(), "t.yaml"));
    assert_ne!(a[1].1, b[1].1, "a new principal is a new alert");
    assert_eq!((&a[0].1, &a[2].1, &a[3].1), (&b[0].1, &b[2].1, &b[3].1));
}

/// Merging runs after suppressions: a suppression on one principal's line covers that principal
/// only, never the others of the statement (nor one added later next to it).
#[test]
fn a_suppressed_principal_stays_its_own_finding() {
    let tmp = tempfile::tempdir().unwrap();
    let text = "Resources:\n  Key:\n    Type: AWS::KMS::Key\n    Properties:\n      KeyPolicy:\n        Statement:\n          - Sid: Vendors\n            Effect: Allow\n            Principal:\n              AWS:\n                - arn:aws:iam::444455556666:root\n                # kmslint:ignore KMS002 reason=\"vendor B log shipping\"\n                - arn:aws:iam::555566667777:root\n                - arn:aws:iam::666677778888:root\n            Action: kms:Decrypt\n            Resource: \"*\"\n";
    std::fs::write(tmp.path().join("t.yaml"), text).unwrap();
    let mut cmd = common::kmslint();
    cmd.current_dir(tmp.path())
        .args(["--isolated", "--format", "json", "t.yaml"]);
    let (code, report, _) = common::run_json(&mut cmd);
    assert_eq!(code, 1);
    let fs = common::findings(&report);
    let shown: Vec<(bool, Vec<&str>)> = fs
        .iter()
        .map(|f| {
            (
                f["suppressed"].as_bool().unwrap(),
                f["principals"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|p| p.as_str().unwrap())
                    .collect(),
            )
        })
        .collect();
    assert_eq!(
        shown,
        [
            (
                false,
                vec![
                    "arn:aws:iam::444455556666:root",
                    "arn:aws:iam::666677778888:root"
                ]
            ),
            (true, vec!["arn:aws:iam::555566667777:root"]),
        ]
    );
}
