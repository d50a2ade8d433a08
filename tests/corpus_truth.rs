//! The true findings of the real-world corpus (`../shared/corpus`) are kept: every wildcard and
//! every literal foreign account in a key policy there, listed by hand in
//! `testdata/corpus/true-findings.json` (file relative to the corpus, resource, statement,
//! principal, and the rule that must report it now: KMS001/KMS002, or KMS000/KMS016 when the
//! policy cannot be read or AWS would reject it). Run as the README says, `kmslint --isolated
//! --format json ../shared/corpus` from the repository root: with no trust configured every
//! literal account is foreign. Also the other way round: every KMS001 and KMS002 there is one of
//! these facts, so noise cannot come back unnoticed. Skips when `../shared` is absent.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use serde_json::Value;

fn s<'a>(v: &'a Value, k: &str) -> &'a str {
    v[k].as_str().unwrap_or("")
}

/// Whether `f` reports the fact `t` (its file made relative to the corpus).
fn reports(f: &Value, t: &Value) -> bool {
    let file = s(f, "file");
    let file = file.strip_prefix("../shared/corpus/").unwrap_or(file);
    if file != s(t, "file") || s(f, "rule") != s(t, "reported_as") {
        return false;
    }
    match s(t, "reported_as") {
        // A file or policy that cannot be read: KMS000 names no resource.
        "KMS000" => true,
        "KMS016" => s(f, "resource") == s(t, "resource"),
        _ => {
            s(f, "resource") == s(t, "resource")
                && s(f, "statement") == s(t, "statement")
                && f["principals"]
                    .as_array()
                    .is_some_and(|ps| ps.iter().any(|p| p.as_str() == t["principal"].as_str()))
        }
    }
}

#[test]
fn every_true_finding_of_the_corpus_is_kept_and_nothing_else_is_called_public_or_foreign() {
    let Some(_) = common::shared_path("corpus") else {
        return;
    };
    let facts: Vec<Value> = serde_json::from_str(
        &std::fs::read_to_string(common::testdata("corpus/true-findings.json")).unwrap(),
    )
    .unwrap();
    assert!(facts.len() >= 113, "{}", facts.len());
    let mut cmd = common::kmslint();
    cmd.current_dir(common::root())
        .args(["--isolated", "--format", "json", "../shared/corpus"]);
    let (code, report, err) = common::run_json(&mut cmd);
    assert_eq!(code, 1, "{err}");
    let findings = common::findings(&report);
    let lost: Vec<String> = facts
        .iter()
        .filter(|t| !findings.iter().any(|f| reports(f, t)))
        .map(|t| t.to_string())
        .collect();
    assert!(
        lost.is_empty(),
        "{} true finding(s) lost:\n{}",
        lost.len(),
        lost.join("\n")
    );
    // Every principal a KMS001/KMS002 names is one of the facts.
    let mut extra = Vec::new();
    for f in findings
        .iter()
        .filter(|f| matches!(s(f, "rule"), "KMS001" | "KMS002"))
    {
        for p in f["principals"].as_array().unwrap() {
            let fact = facts.iter().any(|t| {
                s(t, "reported_as") == s(f, "rule")
                    && t["principal"].as_str() == p.as_str()
                    && reports(f, t)
            });
            if !fact {
                extra.push(format!("{} {} {}", s(f, "rule"), s(f, "file"), p));
            }
        }
    }
    assert!(
        extra.is_empty(),
        "KMS001/KMS002 on what is not a listed fact:\n{}",
        extra.join("\n")
    );
}
