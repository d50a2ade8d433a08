//! CLI tests for rule configuration: the team's own rule files (`[custom_rules] dirs`), rules
//! turned off, and severities changed in `[rules]`, seen in the JSON report and the exit code.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{kmslint, run};

use std::path::Path;

const TEMPLATE: &str = r#"AWSTemplateFormatVersion: '2010-09-09'
Resources:
  Key:
    Type: AWS::KMS::Key
    Properties:
      KeyPolicy:
        Version: '2012-10-17'
        Statement:
          - Sid: Root
            Effect: Allow
            Principal:
              AWS: !Sub 'arn:${AWS::Partition}:iam::${AWS::AccountId}:root'
            Action: 'kms:*'
            Resource: '*'
          - Sid: Logs
            Effect: Allow
            Principal:
              Service: logs.amazonaws.com
            Action: kms:Encrypt*
            Resource: '*'
          - Sid: Everyone
            Effect: Allow
            Principal: '*'
            Action: kms:Decrypt
            Resource: '*'
            Condition:
              Bool:
                aws:SecureTransport: 'true'
"#;

const ORG_RULE: &str = r#"
id = "ORG-001"
name = "service-principal-needs-source"
severity = "error"
subject = ["principal"]
summary = "Every service principal must be scoped to our source account or resource"
message = "statement {statement} lets service `{principal}` use the key for {account}: our policy requires aws:SourceAccount or aws:SourceArn"
label = "unscoped service principal"
help = "Add `aws:SourceAccount` with our account id."
docs = """
## Why this matters
Team policy: a service principal acts for whoever asks it.

## Bad
```json
{"Effect": "Allow", "Principal": {"Service": "logs.amazonaws.com"}, "Action": "kms:Encrypt*", "Resource": "*"}
```

## Good
```json
{"Effect": "Allow", "Principal": {"Service": "logs.amazonaws.com"}, "Action": "kms:Encrypt*", "Resource": "*",
 "Condition": {"StringEquals": {"aws:SourceAccount": "111111111111"}}}
```

## How to fix
Add the condition.
"""
[when]
effect = "allow"
element = "principal"
kind = "service"
service_scoped = false
"#;

/// A scratch repository: the template, a config and (optionally) a rule folder.
fn repo(config: &str, rule: Option<&str>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    std::fs::write(dir.path().join("key.yaml"), TEMPLATE).unwrap();
    std::fs::write(dir.path().join("kmslint.toml"), config).unwrap();
    if let Some(r) = rule {
        std::fs::create_dir(dir.path().join("team-rules")).unwrap();
        std::fs::write(dir.path().join("team-rules/ORG-001.toml"), r).unwrap();
    }
    dir
}

fn json_findings(dir: &Path, extra: &[&str]) -> (i32, Vec<serde_json::Value>, String) {
    let (code, out, err) = run(kmslint()
        .current_dir(dir)
        .args(["--format", "json"])
        .args(extra)
        .arg("key.yaml"));
    let v: serde_json::Value =
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: stdout {out:?} stderr {err:?}"));
    (
        code,
        v["findings"].as_array().cloned().unwrap_or_default(),
        err,
    )
}

fn rules_of(findings: &[serde_json::Value]) -> Vec<(String, String)> {
    findings
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["severity"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn default_levels() {
    let dir = repo("[trust]\nown_accounts = [\"111111111111\"]\n", None);
    let (code, f, _) = json_findings(dir.path(), &[]);
    assert_eq!(code, 1);
    let r = rules_of(&f);
    assert!(r.contains(&("KMS001".into(), "error".into())), "{r:?}");
    assert!(r.contains(&("KMS008".into(), "warning".into())), "{r:?}");
}

#[test]
fn a_custom_rule_from_config_reports_at_its_severity() {
    let dir = repo(
        "[custom_rules]\ndirs = [\"team-rules\"]\n[rules]\nKMS001 = \"off\"\nKMS008 = \"off\"\n",
        Some(ORG_RULE),
    );
    let (code, f, _) = json_findings(dir.path(), &[]);
    assert_eq!(
        rules_of(&f),
        vec![("ORG-001".to_string(), "error".to_string())]
    );
    assert_eq!(code, 1, "an error-level custom finding fails the run");
    let msg = f[0]["message"].as_str().unwrap();
    assert!(
        msg.contains("\"Logs\"") && msg.contains("logs.amazonaws.com"),
        "{msg}"
    );

    // `kmslint rules` and `kmslint explain` show it too.
    let (code, out, _) = run(kmslint().current_dir(dir.path()).arg("rules"));
    assert_eq!(code, 0);
    assert!(out.contains("ORG-001") && out.contains("KMS001"), "{out}");
    let (code, out, _) = run(kmslint()
        .current_dir(dir.path())
        .args(["explain", "ORG-001"]));
    assert_eq!(code, 0);
    assert!(out.contains("## Bad") && out.contains("## Good"), "{out}");
}

#[test]
fn a_custom_rule_level_can_be_changed_too() {
    let dir = repo(
        "[custom_rules]\ndirs = [\"team-rules\"]\n[rules]\nORG-001 = \"note\"\nKMS001 = \"off\"\nKMS008 = \"off\"\n",
        Some(ORG_RULE),
    );
    let (code, f, _) = json_findings(dir.path(), &[]);
    assert_eq!(
        rules_of(&f),
        vec![("ORG-001".to_string(), "note".to_string())]
    );
    assert_eq!(code, 0);
}

#[test]
fn an_invalid_custom_rule_is_a_config_error_naming_the_file() {
    let bad = ORG_RULE.replace("service_scoped = false", "colour = \"red\"");
    let dir = repo("[custom_rules]\ndirs = [\"team-rules\"]\n", Some(&bad));
    let (code, out, err) = run(kmslint().current_dir(dir.path()).arg("key.yaml"));
    assert_eq!(code, 2, "{out}");
    assert!(err.contains("001.toml"), "{err}");
    assert!(err.contains("colour"), "{err}");
    // A missing folder too.
    let dir = repo("[custom_rules]\ndirs = [\"nowhere\"]\n", None);
    let (code, _, err) = run(kmslint().current_dir(dir.path()).arg("key.yaml"));
    assert_eq!(code, 2);
    assert!(err.contains("nowhere"), "{err}");
}

#[test]
fn a_custom_rule_cannot_reuse_a_builtin_id() {
    let dup = ORG_RULE.replace("ORG-001", "KMS001");
    let dir = repo("[custom_rules]\ndirs = [\"team-rules\"]\n", Some(&dup));
    let (code, _, err) = run(kmslint().current_dir(dir.path()).arg("key.yaml"));
    assert_eq!(code, 2);
    assert!(err.contains("KMS001") && err.contains("built-in"), "{err}");
}

#[test]
fn a_rule_turned_off_disappears() {
    let dir = repo("[rules]\nKMS001 = \"off\"\n", None);
    let (code, f, _) = json_findings(dir.path(), &[]);
    let r = rules_of(&f);
    assert!(!r.iter().any(|(id, _)| id == "KMS001"), "{r:?}");
    assert_eq!(r, vec![("KMS008".to_string(), "warning".to_string())]);
    assert_eq!(code, 0, "only a warning is left");
}

#[test]
fn a_severity_change_shows_in_json_and_exit_code() {
    let dir = repo("[rules]\nKMS001 = \"warning\"\n", None);
    let (code, f, _) = json_findings(dir.path(), &[]);
    let r = rules_of(&f);
    assert!(r.contains(&("KMS001".into(), "warning".into())), "{r:?}");
    assert_eq!(code, 0, "no finding at error level any more");
    let (code, _, _) = json_findings(dir.path(), &["--fail-on", "warning"]);
    assert_eq!(code, 1);

    let dir = repo("[rules]\nKMS008 = \"error\"\nKMS001 = \"off\"\n", None);
    let (code, f, _) = json_findings(dir.path(), &[]);
    assert_eq!(
        rules_of(&f),
        vec![("KMS008".to_string(), "error".to_string())]
    );
    assert_eq!(code, 1, "raised to error, so the run fails");
}
