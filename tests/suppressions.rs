//! Suppression expiry through the library with an injected "today": a suppression holds through
//! its `until` day and stops the day after.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use kmslint::Config;
use kmslint::Date;
use kmslint::Registry;
use kmslint::{scan, Options};

const TEMPLATE: &str = r#"Resources:
  Key:
    Type: AWS::KMS::Key
    Properties:
      KeyPolicy:
        Statement:
          - Effect: Allow
            # kmslint:ignore KMS002 reason="DR drill" until=2027-03-31
            Principal: {AWS: "arn:aws:iam::444455556666:role/R"}
            Action: kms:Decrypt
            Resource: "*"
"#;

fn findings_on(today: &str) -> Vec<(String, bool)> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("k.yaml");
    std::fs::write(&path, TEMPLATE).unwrap();
    let opts = Options {
        paths: vec![path],
        jobs: 1,
        today: Date::parse(today),
        ..Options::default()
    };
    let reg = Registry::builtin().unwrap();
    let report = scan(&opts, &Config::default(), &reg).unwrap();
    report
        .findings
        .iter()
        .map(|f| (f.rule.clone(), f.suppressed))
        .collect()
}

#[test]
fn a_suppression_holds_through_its_until_day() {
    assert_eq!(findings_on("2027-03-31"), [("KMS002".to_string(), true)]);
}

#[test]
fn a_suppression_expires_the_day_after() {
    assert_eq!(
        findings_on("2027-04-01"),
        [("KMS013".to_string(), false), ("KMS002".to_string(), false)]
    );
}

#[test]
fn a_suppression_for_a_rule_that_is_off_is_not_reported_as_unused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("k.yaml");
    let text = TEMPLATE.replace(
        "# kmslint:ignore KMS002 reason=\"DR drill\" until=2027-03-31",
        "# kmslint:ignore KMS002,KMS009 reason=\"DR drill\"",
    );
    std::fs::write(&path, text).unwrap();
    let reg = Registry::builtin().unwrap();
    let ids = reg.ids();
    let run = |toml: &str| -> Vec<String> {
        let cfg = Config::from_toml(std::path::Path::new("kmslint.toml"), toml, &ids).unwrap();
        let opts = Options {
            paths: vec![path.clone()],
            jobs: 1,
            ..Options::default()
        };
        let report = scan(&opts, &cfg, &reg).unwrap();
        report
            .findings
            .iter()
            .filter(|f| !f.suppressed)
            .map(|f| f.rule.clone())
            .collect()
    };
    // KMS009 (a whole-account root) has no finding here: with the rule on, that is stale.
    assert_eq!(run(""), ["KMS014"]);
    assert_eq!(run("[rules]\nKMS009 = \"off\"\n"), Vec::<String>::new());
}
