//! Per-rule fixtures: `testdata/rules/<ID>/` holds `fail_*` and `pass_*` inputs (a file, or a
//! directory for a Terraform module) checked by the real pipeline with only rule `<ID>` enabled
//! (a folder's `kmslint.toml` adds trust, and may turn on other rules a fixture needs, e.g. the
//! rule a suppression names). Every `fail_*` gives at least one finding of the rule and every
//! `pass_*` none; each fixture's findings of the rule (message, label, position) are an insta
//! snapshot beside it, and the first `fail_*` of every rule is also snapshotted as the human
//! report draws it. Every rule has at least one of each.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use kmslint::report::human::{render_finding, Style};
use kmslint::{scan, Config, Date, Finding, Options, Registry, RuleLevel};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Suppression fixtures are judged on a fixed day, so `until=` dates do not age.
const TODAY: &str = "2026-06-01";

fn fixtures(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name.starts_with("fail_") || name.starts_with("pass_")) && !name.ends_with(".snap")
        })
        .collect();
    out.sort();
    out
}

/// The config a rule's fixtures run under: only that rule on (at its default severity, even if
/// it is off by default), plus what the folder's `kmslint.toml` says.
fn config(reg: &Registry, id: &str, dir: &Path) -> Config {
    let toml = dir.join("kmslint.toml");
    let mut cfg = if toml.is_file() {
        Config::load(&toml, &reg.ids()).unwrap_or_else(|e| panic!("{e:?}"))
    } else {
        Config::default()
    };
    let configured = cfg.rule_levels.clone();
    for rule in &reg.rules {
        let level = if rule.def.id == id {
            RuleLevel::On(rule.def.severity)
        } else {
            RuleLevel::Off
        };
        cfg.rule_levels.insert(rule.def.id.clone(), level);
    }
    for (other, level) in configured {
        if other != id {
            cfg.rule_levels.insert(other, level);
        }
    }
    cfg
}

fn findings_of(path: &Path, cfg: &Config, reg: &Registry, id: &str) -> Vec<Finding> {
    let opts = Options {
        paths: vec![path.to_path_buf()],
        today: Date::parse(TODAY),
        ..Options::default()
    };
    let report = scan(&opts, cfg, reg).unwrap();
    report
        .findings
        .into_iter()
        .filter(|f| f.rule == id)
        .collect()
}

/// A finding as the snapshot shows it: where, how serious, what it says.
fn describe(f: &Finding) -> BTreeMap<&'static str, String> {
    let ((l1, c1), (l2, c2)) = f.start_end();
    let name = f.file.path().file_name().unwrap().to_string_lossy();
    let mut m = BTreeMap::new();
    m.insert("at", format!("{name}:{l1}:{c1}-{l2}:{c2}"));
    m.insert("severity", f.severity.as_str().to_string());
    m.insert("message", f.message.clone());
    m.insert("label", f.label.clone());
    if !f.related.is_empty() {
        let related: Vec<String> = f
            .related
            .iter()
            .map(|r| {
                let (l, c) = r.file.line_col(r.span.start);
                format!("{l}:{c} {}", r.message)
            })
            .collect();
        m.insert("related", related.join(" | "));
    }
    if f.suppressed {
        m.insert("suppressed", "true".into());
    }
    m
}

#[test]
fn every_rule_has_fixtures_that_pass_and_fail() {
    let reg = Registry::builtin().unwrap();
    let root = common::testdata("rules");
    let mut problems = Vec::new();
    for rule in &reg.rules {
        let id = &rule.def.id;
        let dir = root.join(id);
        if !dir.is_dir() {
            problems.push(format!("{id}: no testdata/rules/{id}/"));
            continue;
        }
        let names: Vec<String> = fixtures(&dir)
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        for prefix in ["fail_", "pass_"] {
            if !names.iter().any(|n| n.starts_with(prefix)) {
                problems.push(format!("{id}: no {prefix}* fixture"));
            }
        }
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

#[test]
fn rule_fixtures() {
    let reg = Registry::builtin().unwrap();
    let root = common::testdata("rules");
    let mut problems = Vec::new();
    for rule in &reg.rules {
        let id = rule.def.id.as_str();
        let dir = root.join(id);
        if !dir.is_dir() {
            continue;
        }
        let cfg = config(&reg, id, &dir);
        let mut drawn = false;
        for fixture in fixtures(&dir) {
            let name = fixture.file_stem().unwrap().to_string_lossy().into_owned();
            let found = findings_of(&fixture, &cfg, &reg, id);
            let open = found.iter().filter(|f| !f.suppressed).count();
            if name.starts_with("fail_") && open == 0 {
                problems.push(format!("{id}/{name}: expected a {id} finding, got none"));
            }
            if name.starts_with("pass_") && open > 0 {
                problems.push(format!(
                    "{id}/{name}: expected no {id} finding, got: {}",
                    found
                        .iter()
                        .map(|f| f.message.as_str())
                        .collect::<Vec<_>>()
                        .join("; ")
                ));
            }
            for f in &found {
                assert_eq!(f.severity, rule.def.severity, "{id}/{name}");
                if let Some(p) = unfilled_placeholder(&f.message) {
                    problems.push(format!("{id}/{name}: `{{{p}}}` left in: {}", f.message));
                }
            }
            let described: Vec<_> = found.iter().map(describe).collect();
            insta::with_settings!({
                snapshot_path => dir.join("snapshots"),
                prepend_module_to_snapshot => false,
                omit_expression => true,
            }, {
                insta::assert_json_snapshot!(name.clone(), described);
            });
            if !drawn && name.starts_with("fail_") {
                drawn = true;
                let text: String = found
                    .iter()
                    .map(|f| render_finding(f, Style::plain(80)))
                    .collect();
                insta::with_settings!({
                    snapshot_path => dir.join("snapshots"),
                    prepend_module_to_snapshot => false,
                    omit_expression => true,
                }, {
                    insta::assert_snapshot!(format!("{name}.human"), text);
                });
            }
        }
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

/// `{name}` left in a message: a placeholder the rule's subject does not fill.
fn unfilled_placeholder(s: &str) -> Option<&str> {
    s.split('{').skip(1).find_map(|rest| {
        let (name, _) = rest.split_once('}')?;
        (!name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b == b'_' || b == b'.'))
        .then_some(name)
    })
}
