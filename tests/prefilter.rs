//! The byte scan that skips files before parsing never hides a finding: on the whole real-world
//! corpus, findings with and without it are identical. Skips cleanly without ../shared/corpus.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use kmslint::config::Config;
use kmslint::rules::registry::Registry;
use kmslint::{scan, Options};
use std::path::Path;

#[test]
fn prefilter_never_hides_a_finding_on_the_corpus() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    if !corpus.is_dir() {
        eprintln!("skipped: {} is absent", corpus.display());
        return;
    }
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
    assert!(policies > 100, "the corpus holds key policies: {policies}");
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
