//! Every input that once crashed, hung or misplaced a span (found by the fuzzers in `fuzz/` or
//! the property tests in `never_panics.rs`) is kept in `testdata/fuzz/<target>/` and run here
//! through the same entry point as that fuzz target, so the bug stays fixed.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use kmslint::fuzzing::{self as kf, Unit};
use kmslint::fuzzing::{hcl, json, yaml, Node};
use kmslint::fuzzing::{FileId, SourceFile, Span};
use kmslint::Config;
use kmslint::Registry;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

fn inputs(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/fuzz")
        .join(target);
    let mut out: Vec<(PathBuf, Vec<u8>)> = std::fs::read_dir(&dir)
        .map(|rd| {
            rd.filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.is_file())
                .map(|p| {
                    let b = std::fs::read(&p).unwrap();
                    (p, b)
                })
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

fn in_file(span: Span, len: usize, what: &Path) {
    assert!(
        span.start <= span.end && span.end <= len,
        "{}: span {span:?} outside a {len}-byte file",
        what.display()
    );
}

/// Each input must also finish quickly (a hang is a bug too).
fn timed(p: &Path, f: impl FnOnce()) {
    let started = Instant::now();
    f();
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "{} took {:?}",
        p.display(),
        started.elapsed()
    );
}

fn node_spans(n: &Node, len: usize, p: &Path) {
    in_file(n.span, len, p);
    for e in n.entries() {
        in_file(e.key_span, len, p);
        node_spans(&e.value, len, p);
    }
    n.items().iter().for_each(|i| node_spans(i, len, p));
}

#[test]
fn parse_json_regressions() {
    for (p, bytes) in inputs("parse_json") {
        timed(&p, || {
            let Ok(text) = std::str::from_utf8(&bytes) else {
                return;
            };
            if let Ok(n) = json::parse_json(text) {
                node_spans(&n, text.len(), &p);
            }
            let _ = json::parse_json_in_string(text, 7);
        });
    }
}

#[test]
fn parse_yaml_regressions() {
    for (p, bytes) in inputs("parse_yaml") {
        timed(&p, || {
            let Ok(text) = std::str::from_utf8(&bytes) else {
                return;
            };
            match yaml::parse_yaml(text) {
                Ok(n) => node_spans(&n, text.len(), &p),
                Err(e) => in_file(e.span, text.len(), &p),
            }
        });
    }
}

#[test]
fn parse_hcl_regressions() {
    for (p, bytes) in inputs("parse_hcl") {
        timed(&p, || {
            let Ok(text) = std::str::from_utf8(&bytes) else {
                return;
            };
            if let Err(e) = hcl::parse_hcl(text) {
                in_file(e.span, text.len(), &p);
            }
            let _ = hcl::parse_template(text);
            let mut unit = Unit::single(SourceFile::new("main.tf", text));
            let out = kf::extract_module(&mut unit, Path::new(""), &[]);
            for e in &out.errors {
                let len = unit.file(e.file).map_or(0, |f| f.text.len());
                in_file(e.span, len, &p);
            }
        });
    }
}

/// The first byte is the selector, as in the fuzz target.
#[test]
fn skip_noise_regressions() {
    let all = inputs("skip_noise");
    assert!(!all.is_empty());
    for (p, bytes) in all {
        timed(&p, || {
            let Some((&selector, rest)) = bytes.split_first() else {
                return;
            };
            let Ok(text) = std::str::from_utf8(rest) else {
                return;
            };
            if let Err(e) = kmslint::fuzzing::differential::check_reduced_parse(selector, text) {
                panic!("{}: {e}", p.display());
            }
        });
    }
}

#[test]
fn parse_plan_regressions() {
    for (p, bytes) in inputs("parse_plan") {
        timed(&p, || {
            let Ok(text) = std::str::from_utf8(&bytes) else {
                return;
            };
            let Ok(node) = json::parse_json(text) else {
                return;
            };
            let out = kf::extract_plan(FileId(0), text, &node);
            for e in &out.errors {
                in_file(e.span, text.len(), &p);
            }
        });
    }
}

/// Pipeline inputs are checked under their own file name (its extension picks the format), and
/// templates are also checked at the extraction stage, before the reporters' clamping.
#[test]
fn pipeline_regressions() {
    let reg = Registry::builtin().unwrap();
    let cfg = Config::default();
    let all = inputs("pipeline");
    assert!(!all.is_empty());
    for (p, bytes) in all {
        timed(&p, || {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap();
            for f in kmslint::check_bytes(name, &bytes, &cfg, &reg) {
                in_file(f.span, f.file.text.len(), &p);
            }
            let Ok(text) = std::str::from_utf8(&bytes) else {
                return;
            };
            let is_json = name.ends_with(".json");
            let parsed = if is_json {
                json::parse_json(text)
            } else {
                yaml::parse_yaml(text)
            };
            if let Ok(root) = parsed {
                if kf::is_template(&root) {
                    let out = kf::extract_template(FileId(0), text, &root, is_json);
                    for e in &out.errors {
                        in_file(e.span, text.len(), &p);
                    }
                    for s in &out.sites {
                        in_file(s.loc.span, text.len(), &p);
                    }
                }
            }
        });
    }
}
