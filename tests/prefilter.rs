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
