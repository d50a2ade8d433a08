//! The scans that skip work before parsing (the byte scan over whole files, and the block and
//! resource scans that keep unrelated Terraform blocks and CloudFormation resources out of the
//! parse) never hide a finding: on the whole real-world corpus and on a generated one, findings
//! with and without them are identical. Skips cleanly without ../shared.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use kmslint::Config;
use kmslint::Registry;
use kmslint::{scan, Options};
use std::path::Path;

#[test]
fn prefilter_never_hides_a_finding_on_the_corpus() {
    let Some(corpus) = common::shared_path("corpus") else {
        return;
    };
    same_findings_with_and_without_skipping(&corpus, 100);
}

/// The generated corpus is mostly unrelated resources around each key: the case the block and
/// resource scans exist for.
#[test]
fn prefilter_never_hides_a_finding_on_a_synthetic_corpus() {
    let Some(generator) = common::shared_path("bench/make_synthetic.py") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("synth");
    let made = std::process::Command::new("python3")
        .arg(&generator)
        .arg(&out)
        .args(["-n", "1500", "--labels"])
        .arg(tmp.path().join("labels.jsonl"))
        .output();
    match made {
        Ok(o) if o.status.success() => {}
        other => {
            eprintln!(
                "skipped: cannot run python3 {}: {other:?}",
                generator.display()
            );
            return;
        }
    }
    same_findings_with_and_without_skipping(&out, 500);
}

fn same_findings_with_and_without_skipping(corpus: &Path, min_policies: usize) {
    let corpus = corpus.to_path_buf();
    let reg = Registry::builtin().unwrap();
    let cfg = Config::default();
    let run = |no_prefilter: bool| {
        let opts = Options {
            paths: vec![corpus.clone()],
            no_prefilter,
            ..Options::default()
        };
        let report = scan(&opts, &cfg, &reg).unwrap();
        let mut v: Vec<String> = report
            .findings
            .iter()
            .map(|f| {
                let ((l, c), _) = f.start_end();
                format!(
                    "{} {}:{}:{} {}",
                    f.rule,
                    f.file.path.display(),
                    l,
                    c,
                    f.message
                )
            })
            .collect();
        v.sort();
        (v, report.totals.files, report.totals.policies)
    };
    let (fast, files, policies) = run(false);
    let (full, full_files, full_policies) = run(true);
    assert_eq!(files, full_files);
    assert!(
        policies > min_policies,
        "the corpus holds key policies: {policies}"
    );
    assert_eq!(
        policies, full_policies,
        "policies found with and without the byte scan"
    );
    // A full parse may add KMS000 for broken files that hold no key at all; nothing else.
    let extra: Vec<&String> = full.iter().filter(|f| !fast.contains(f)).collect();
    assert!(extra.iter().all(|f| f.starts_with("KMS000")), "{extra:#?}");
    let missing: Vec<&String> = fast.iter().filter(|f| !full.contains(f)).collect();
    assert!(missing.is_empty(), "{missing:#?}");
}

/// Every parser decodes escapes, so a key type spelled with them (JSON `\u003a`, YAML `\x3A` or
/// an escaped line break, `\u005f` in a Terraform label or `.tf.json` key) is a key: the byte
/// scans must not skip the file, the resource or the module that holds it. Each file here also
/// holds resources no key policy needs, which the resource and block scans leave out.
#[test]
fn escaped_type_names_are_never_skipped() {
    const STATEMENT: &str =
        r#"{"Effect": "Allow", "Principal": "*", "Action": "kms:Decrypt", "Resource": "*"}"#;
    let yaml_key = |ty: &str| {
        format!(
            "AWSTemplateFormatVersion: \"2010-09-09\"\nResources:\n  Bucket:\n    Type: AWS::S3::Bucket\n  K:\n    Type: {ty}\n    Properties:\n      KeyPolicy:\n        Statement:\n          - {STATEMENT}\n  Queue:\n    Type: AWS::SQS::Queue\n"
        )
    };
    let files: Vec<(&str, String)> = vec![
        (
            "cfn-json/key.json",
            format!(
                "{{\"Resources\": {{\"B\": {{\"Type\": \"AWS::S3::Bucket\"}}, \"K\": {{\"Type\": \"AWS::KMS\\u003a:Key\", \"Properties\": {{\"KeyPolicy\": {{\"Statement\": [{STATEMENT}]}}}}}}}}}}"
            ),
        ),
        ("cfn-yaml/key.yaml", yaml_key("\"AWS\\x3A\\x3AKMS\\x3A\\x3AKey\"")),
        ("cfn-yaml-break/key.yaml", yaml_key("\"AWS::KM\\\n      S::Key\"")),
        (
            "tf-json/main.tf.json",
            format!(
                "{{\"resource\": {{\"aws_s3_bucket\": {{\"b\": {{}}}}, \"aws_kms\\u005fkey\": {{\"k\": {{\"policy\": {}}}}}}}}}",
                serde_json::to_string(&format!("{{\"Statement\": [{STATEMENT}]}}")).unwrap()
            ),
        ),
        (
            "tf-hcl/main.tf",
            format!(
                "resource \"aws_s3_bucket\" \"b\" {{}}\nresource \"aws_kms\\u005fkey\" \"k\" {{\n  policy = <<EOT\n{{\"Statement\": [{STATEMENT}]}}\nEOT\n}}\n"
            ),
        ),
    ];
    let tmp = tempfile::tempdir().unwrap();
    for (name, text) in &files {
        let p = tmp.path().join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    let reg = Registry::builtin().unwrap();
    let cfg = Config::default();
    for no_prefilter in [false, true] {
        let opts = Options {
            paths: vec![tmp.path().to_path_buf()],
            no_prefilter,
            ..Options::default()
        };
        let report = scan(&opts, &cfg, &reg).unwrap();
        let mut dirs: Vec<String> = report
            .findings
            .iter()
            .filter(|f| f.rule == "KMS001")
            .map(|f| {
                let p = f.file.path.strip_prefix(tmp.path()).unwrap();
                p.components()
                    .next()
                    .unwrap()
                    .as_os_str()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        dirs.sort();
        assert_eq!(
            dirs,
            [
                "cfn-json",
                "cfn-yaml",
                "cfn-yaml-break",
                "tf-hcl",
                "tf-json"
            ],
            "no_prefilter = {no_prefilter}: {:#?}",
            report.findings
        );
    }
}
