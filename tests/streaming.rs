//! The check streams: units are checked in fixed batches and written as each batch is done, so
//! memory holds one batch, not the repository. These tests cross several batch boundaries and
//! prove the output does not depend on the thread count, that a sink can stop the scan early,
//! and that a closed standard output still leaves every other output complete.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::kmslint;

use kmslint::Config;
use kmslint::Registry;
use kmslint::{Options, Scan};
use serde_json::Value;
use std::ops::ControlFlow;
use std::path::Path;

/// Templates and Terraform modules, interleaved by name, each with one wildcard principal.
const UNITS: usize = 700;

fn repository(dir: &Path) {
    for i in 0..UNITS {
        if i % 2 == 0 {
            let yaml = format!(
                "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  Key{i}:\n    Type: AWS::KMS::Key\n    Properties:\n      KeyPolicy:\n        Version: '2012-10-17'\n        Statement:\n          - Effect: Allow\n            Principal: '*'\n            Action: kms:Decrypt\n            Resource: '*'\n"
            );
            std::fs::write(dir.join(format!("u{i:04}.yaml")), yaml).unwrap();
        } else {
            let module = dir.join(format!("u{i:04}"));
            std::fs::create_dir_all(&module).unwrap();
            let tf = format!(
                "resource \"aws_kms_key\" \"k{i}\" {{\n  policy = jsonencode({{\n    Version = \"2012-10-17\"\n    Statement = [{{\n      Effect    = \"Allow\"\n      Principal = \"*\"\n      Action    = \"kms:Decrypt\"\n      Resource  = \"*\"\n    }}]\n  }})\n}}\n"
            );
            std::fs::write(module.join("main.tf"), tf).unwrap();
        }
    }
}

#[test]
fn output_across_many_batches_is_identical_whatever_the_thread_count() {
    let tmp = tempfile::tempdir().unwrap();
    repository(tmp.path());
    for format in ["json", "sarif", "human", "github"] {
        let run = |jobs: &str| {
            let out = kmslint()
                .args(["--isolated", "--format", format, "--jobs", jobs, "."])
                .current_dir(tmp.path())
                .output()
                .unwrap();
            assert_eq!(out.status.code(), Some(1), "{format}");
            String::from_utf8(out.stdout).unwrap()
        };
        let one = run("1");
        assert_eq!(one, run("2"), "{format}: --jobs 1 and 2 differ");
        assert_eq!(one, run("8"), "{format}: --jobs 1 and 8 differ");
        if format == "json" {
            let v: Value = serde_json::from_str(&one).unwrap();
            let findings = v["findings"].as_array().unwrap();
            let files: Vec<&str> = findings
                .iter()
                .filter(|f| f["rule"] == "KMS001")
                .map(|f| f["file"].as_str().unwrap())
                .collect();
            assert_eq!(files.len(), UNITS, "one wildcard finding per unit");
            let mut sorted = files.clone();
            sorted.sort_unstable();
            assert_eq!(files, sorted, "findings come in path order");
            assert_eq!(v["summary"]["files"], UNITS);
            assert_eq!(v["summary"]["policies"], UNITS);
        }
        if format == "sarif" {
            let v: Value = serde_json::from_str(&one).unwrap();
            let results = v["runs"][0]["results"].as_array().unwrap();
            assert!(results.len() >= UNITS);
            assert_eq!(v["runs"][0]["columnKind"], "unicodeCodePoints");
        }
    }
}

#[test]
fn a_sink_can_stop_the_scan_after_the_first_batch() {
    let tmp = tempfile::tempdir().unwrap();
    repository(tmp.path());
    let reg = Registry::builtin().unwrap();
    let opts = Options {
        paths: vec![tmp.path().to_path_buf()],
        ..Options::default()
    };
    let mut units = 0;
    let cfg = Config::default();
    let totals = Scan::prepare(&opts, &cfg, &reg).unwrap().run(&mut |unit| {
        units += 1;
        assert!(!unit.findings.is_empty());
        ControlFlow::Break(())
    });
    assert_eq!(units, 1, "the sink saw one unit, then the scan stopped");
    assert!(
        totals.files > 0 && totals.files < UNITS,
        "only the first batch was checked: {totals:?}"
    );
}

#[test]
fn a_closed_standard_output_still_completes_the_other_outputs() {
    let tmp = tempfile::tempdir().unwrap();
    repository(tmp.path());
    let bin = assert_cmd::cargo::cargo_bin("kmslint");
    // `head` closes the pipe after a few bytes; the JSON file must still hold every finding,
    // and the exit status is still the findings' (pipefail passes kmslint's status on).
    let out = std::process::Command::new("bash")
        .arg("-c")
        .arg(format!(
            "set -o pipefail; '{}' --isolated --output json=out.json . | head -c 100 > /dev/null",
            bin.display()
        ))
        .current_dir(tmp.path())
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(tmp.path().join("out.json")).unwrap();
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["summary"]["files"], UNITS);
    let wildcard = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "KMS001")
        .count();
    assert_eq!(wildcard, UNITS);
}

#[test]
fn a_usage_error_writes_no_report() {
    let tmp = tempfile::tempdir().unwrap();
    let out = kmslint()
        .args([
            "--format",
            "json",
            "--output",
            "sarif=out.sarif",
            "no-such-dir",
        ])
        .current_dir(tmp.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        out.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("no-such-dir"));
    assert!(!tmp.path().join("out.sarif").exists());
}

#[test]
fn a_collected_report_writes_the_same_bytes_as_the_streamed_one() {
    let tmp = tempfile::tempdir().unwrap();
    repository(tmp.path());
    let streamed = kmslint()
        .args(["--isolated", "--format", "json"])
        .arg(tmp.path())
        .output()
        .unwrap()
        .stdout;
    // The same scan through the library: collected first, then written through the same sink.
    let reg = Registry::builtin().unwrap();
    let opts = Options {
        paths: vec![tmp.path().to_path_buf()],
        ..Options::default()
    };
    let report = kmslint::scan(&opts, &Config::default(), &reg).unwrap();
    assert_eq!(report.totals.files, UNITS);
    let mut collected = Vec::new();
    let mut writer = kmslint::report::json::Writer::new(&mut collected).unwrap();
    kmslint::report::write_report(&report, &mut writer).unwrap();
    assert_eq!(
        String::from_utf8_lossy(&collected),
        String::from_utf8_lossy(&streamed)
    );
}
