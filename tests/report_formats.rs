//! The real binary's SARIF, GitHub and multi-output reports, and suppressions.
//!
//! SARIF is validated against the official schema (tests/schemas/) with Python `jsonschema`; when
//! it is not installed the check is skipped with a message, unless `KMSLINT_CI_TOOLS=1` (set by
//! `.ci/run`) makes that a failure. The real-world corpus (`../shared/corpus`, or
//! `$KMSLINT_SHARED/corpus`) is data, not a tool: without it that test is skipped with a message.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{kmslint, require, run, shared_path};

use serde_json::Value;
use std::path::{Path, PathBuf};

const SUPPRESSED_YAML: &str = r#"Resources:
  LogsKey:
    Type: AWS::KMS::Key
    Properties:
      KeyPolicy:
        Statement:
          - Sid: Vendor
            Effect: Allow
            # kmslint:ignore KMS002 reason="vendor X contract, SEC-123" until=2999-03-31
            Principal: {AWS: "arn:aws:iam::444455556666:role/R"}
            Action: kms:Decrypt
            Resource: "*"
          - Sid: Old
            Effect: Allow
            Principal: {AWS: "arn:aws:iam::555566667777:role/R"} # kmslint:ignore KMS002 reason="migration" until=2020-01-01
            Action: kms:Decrypt
            Resource: "*"
          - Sid: NoReason
            Effect: Allow
            # kmslint:ignore KMS002
            Principal: {AWS: "arn:aws:iam::666677778888:role/R"}
            Action: kms:Decrypt
            Resource: "*"
          - Sid: Typo
            Effect: Allow
            # kmslint:ignore KMS02 reason="typo in the id"
            Principal: {AWS: "arn:aws:iam::777788889999:role/R"}
            Action: kms:Decrypt
            Resource: "*"
          # kmslint:ignore KMS001 reason="stale"
          - Sid: Unused
            Effect: Allow
            Principal: {AWS: "arn:aws:iam::222233334444:role/R"}
            Action: kms:Decrypt
            Resource: "*"
"#;

fn json_findings(out: &str) -> Vec<Value> {
    let v: Value = serde_json::from_str(out).unwrap_or_else(|e| panic!("{e}: {out}"));
    v["findings"].as_array().unwrap().clone()
}

#[test]
fn yaml_comment_suppressions_reason_expiry_typos_and_unused() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("t.yaml"), SUPPRESSED_YAML).unwrap();
    let (code, out, err) =
        run(kmslint()
            .current_dir(dir.path())
            .args(["--isolated", "--format", "json", "t.yaml"]));
    assert_eq!(code, 1, "{err}");
    let f = json_findings(&out);
    let brief: Vec<(String, i64, bool)> = f
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["line"].as_i64().unwrap(),
                f["suppressed"].as_bool().unwrap(),
            )
        })
        .collect();
    let want = [
        ("KMS002", 10, true),  // suppressed by the comment above, with its reason
        ("KMS002", 15, false), // its suppression expired: reported again
        ("KMS013", 15, false), // ... and the expired suppression names the date
        ("KMS011", 20, false), // no reason
        ("KMS002", 21, false), // so it suppresses nothing
        ("KMS011", 26, false), // unknown rule id
        ("KMS002", 27, false), // so it suppresses nothing
        ("KMS014", 30, false), // matches nothing
        ("KMS002", 33, false),
    ];
    let want: Vec<(String, i64, bool)> = want
        .iter()
        .map(|(r, l, s)| ((*r).to_string(), *l, *s))
        .collect();
    assert_eq!(brief, want);
    assert_eq!(f[0]["suppression"]["reason"], "vendor X contract, SEC-123");
    assert_eq!(f[0]["suppression"]["until"], "2999-03-31");
    assert!(f[2]["message"].as_str().unwrap().contains("2020-01-01"));
    assert!(f[5]["message"].as_str().unwrap().contains("`KMS02`"));
    // The human report hides suppressed findings unless asked, and counts them.
    let human = |extra: &[&str]| {
        run(kmslint()
            .current_dir(dir.path())
            .args(["--isolated", "t.yaml"])
            .args(extra))
        .1
    };
    let plain = human(&[]);
    assert!(!plain.contains("statement \"Vendor\""), "{plain}");
    assert!(plain.contains(", 1 suppressed"), "{plain}");
    let shown = human(&["--show-suppressed"]);
    assert!(
        shown.contains("suppressed (comment): vendor X contract")
            && shown.contains("until 2999-03-31"),
        "{shown}"
    );
}

#[test]
fn cloudformation_json_metadata_suppressions() {
    let dir = tempfile::tempdir().unwrap();
    let template = |entry: &str| {
        format!(
            r#"{{"Resources": {{"Shared": {{"Type": "AWS::KMS::Key",
  "Metadata": {{"kmslint": {{"ignore": [{entry}]}}}},
  "Properties": {{"KeyPolicy": {{"Statement": [
    {{"Effect": "Allow", "Principal": {{"AWS": "arn:aws:iam::444455556666:role/R"}}, "Action": "kms:Decrypt", "Resource": "*"}},
    {{"Effect": "Allow", "Principal": {{"AWS": "arn:aws:iam::555566667777:role/R"}}, "Action": "kms:Decrypt", "Resource": "*"}}]}}}}}}}}}}"#
        )
    };
    let check = |entry: &str| {
        std::fs::write(dir.path().join("k.json"), template(entry)).unwrap();
        let (code, out, err) = run(kmslint().current_dir(dir.path()).args([
            "--isolated",
            "--format",
            "json",
            "k.json",
        ]));
        assert!(code == 0 || code == 1, "{err}");
        (code, json_findings(&out))
    };
    // One entry covers every finding of the resource.
    let (code, f) = check(r#"{"rule": "KMS002", "reason": "DR accounts", "until": "2999-01-01"}"#);
    assert_eq!(code, 0);
    assert_eq!(f.len(), 2);
    assert!(f.iter().all(|f| f["suppressed"] == true));
    assert_eq!(f[0]["suppression"]["kind"], "metadata");
    // By rule name too.
    let (code, _) = check(r#"{"rule": "untrusted-account", "reason": "DR accounts"}"#);
    assert_eq!(code, 0);
    // No reason: suppresses nothing and is a finding on the entry.
    let (code, f) = check(r#"{"rule": "KMS002"}"#);
    assert_eq!(code, 1);
    let rules: Vec<&str> = f.iter().map(|f| f["rule"].as_str().unwrap()).collect();
    assert_eq!(rules, ["KMS011", "KMS002", "KMS002"]);
    assert_eq!(f[0]["line"], 2);
    assert_eq!(f[0]["resource"], "Shared");
    // Expired.
    let (code, f) = check(r#"{"rule": "KMS002", "reason": "r", "until": "2001-02-03"}"#);
    assert_eq!(code, 1);
    assert!(f
        .iter()
        .any(|f| f["rule"] == "KMS013" && f["message"].as_str().unwrap().contains("2001-02-03")));
}

#[test]
fn github_annotations_and_step_summary() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("t.yaml"), SUPPRESSED_YAML).unwrap();
    std::fs::write(
        dir.path().join("kmslint.toml"),
        "[trust]\naccounts = [\"222233334444\"]\n[trust.names]\n\"222233334444\" = \"log-archive\"\n",
    )
    .unwrap();
    let summary = dir.path().join("summary.md");
    std::fs::write(&summary, "earlier step\n").unwrap();
    let (code, out, err) = run(kmslint()
        .current_dir(dir.path())
        .env("GITHUB_STEP_SUMMARY", &summary)
        .args(["--format", "github", "t.yaml"]));
    assert_eq!(code, 1, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert!(
        lines[0].starts_with(
            "::error file=t.yaml,line=15,col=30,endLine=15,endColumn=64,title=KMS002 untrusted-account::statement \"Old\" grants"
        ),
        "{out}"
    );
    // Messages are one line: newlines escaped; no suppressed finding is annotated.
    assert!(lines[0].contains("%0Ahelp: "), "{}", lines[0]);
    assert!(!out.contains("line=10,"), "{out}");
    assert!(out.contains("::warning file=t.yaml,line=30,"), "{out}");
    assert!(lines
        .last()
        .unwrap()
        .starts_with("kmslint: 7 findings (6 errors, 1 warning)"));
    let md = std::fs::read_to_string(&summary).unwrap();
    assert!(md.starts_with("earlier step\n## kmslint"), "{md}");
    assert!(md.contains("| 1 | 1 | 6 | 1 | 0 | 1 |"), "{md}");
    assert!(
        md.contains("| KMS002 | untrusted-account | error | 3 | 1 |"),
        "{md}"
    );
    assert!(
        md.contains("| `222233334444` | log-archive | trusted | 0 |"),
        "{md}"
    );
    assert!(
        md.contains("| `555566667777` |  | **not trusted** | 1 |"),
        "{md}"
    );
    // Without --format github the summary file is left alone.
    let before = std::fs::read_to_string(&summary).unwrap();
    run(kmslint()
        .current_dir(dir.path())
        .env("GITHUB_STEP_SUMMARY", &summary)
        .args(["--format", "json", "t.yaml"]));
    assert_eq!(std::fs::read_to_string(&summary).unwrap(), before);
}

#[test]
fn annotation_properties_are_escaped() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a,b:c%.yaml"), SUPPRESSED_YAML).unwrap();
    let (_, out, _) = run(kmslint().current_dir(dir.path()).args([
        "--isolated",
        "--format",
        "github",
        "a,b:c%.yaml",
    ]));
    assert!(
        out.starts_with("::error file=a%2Cb%3Ac%25.yaml,line=15,"),
        "{out}"
    );
}

#[test]
fn several_outputs_in_one_run() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("t.yaml"), SUPPRESSED_YAML).unwrap();
    let (code, out, err) = run(kmslint().current_dir(dir.path()).args([
        "--isolated",
        "--output",
        "sarif=reports/kmslint.sarif",
        "-o",
        "reports/findings.json",
        "-o",
        "reports/a.sarif.json",
        "-o",
        "github=reports/annotations.txt",
        "-o",
        "reports/human.txt",
        "t.yaml",
    ]));
    assert_eq!(code, 1, "{err}");
    assert!(
        out.contains("× statement \"Old\""),
        "human on stdout: {out}"
    );
    let read = |p: &str| std::fs::read_to_string(dir.path().join("reports").join(p)).unwrap();
    let sarif: Value = serde_json::from_str(&read("kmslint.sarif")).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    let sarif2: Value = serde_json::from_str(&read("a.sarif.json")).unwrap();
    assert_eq!(sarif2["version"], "2.1.0");
    let json: Value = serde_json::from_str(&read("findings.json")).unwrap();
    assert_eq!(json["version"], 1);
    assert!(read("annotations.txt").starts_with("::error file=t.yaml"));
    let human = read("human.txt");
    assert!(human.contains("× statement \"Old\"") && !human.contains('\u{1b}'));
    // A bad --output is a usage error.
    let (code, _, err) = run(kmslint().args(["--isolated", "--output", "sarif=", "."]));
    assert_eq!(code, 2, "{err}");
}

#[test]
fn absolute_paths_below_the_current_directory_are_shown_relative() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("infra")).unwrap();
    let file = dir.path().join("infra/t.yaml");
    std::fs::write(&file, SUPPRESSED_YAML).unwrap();
    let (_, out, _) = run(kmslint()
        .current_dir(dir.path())
        .args(["--isolated", "--format", "github"])
        .arg(&file));
    assert!(out.starts_with("::error file=infra/t.yaml,"), "{out}");
    let (_, out, _) = run(kmslint()
        .current_dir(dir.path())
        .arg("--isolated")
        .arg(&file));
    assert!(out.contains("╭─[infra/t.yaml:15:30]"), "{out}");
}

fn sarif_of(dir: &Path, args: &[&str]) -> Value {
    let (code, out, err) = run(kmslint()
        .current_dir(dir)
        .args(["--format", "sarif"])
        .args(args));
    assert!(code == 0 || code == 1, "exit {code}: {err}");
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"))
}

fn fingerprints(sarif: &Value) -> Vec<(String, String)> {
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
            )
        })
        .collect()
}

#[test]
fn sarif_rules_locations_and_suppressions() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("infra")).unwrap();
    std::fs::write(dir.path().join("infra/t.yaml"), SUPPRESSED_YAML).unwrap();
    let sarif = sarif_of(dir.path(), &["--isolated", "infra"]);
    let run0 = &sarif["runs"][0];
    let rules = run0["tool"]["driver"]["rules"].as_array().unwrap();
    let (code, list, _) = run(kmslint().arg("rules"));
    assert_eq!(code, 0);
    assert_eq!(rules.len(), list.lines().count(), "every rule is listed");
    for r in rules {
        for key in ["id", "name", "helpUri"] {
            assert!(r[key].is_string(), "{key} in {r}");
        }
        assert!(r["shortDescription"]["text"].is_string());
        assert!(r["fullDescription"]["text"].is_string());
        assert!(r["help"]["text"].is_string());
        assert!(r["help"]["markdown"].as_str().unwrap().contains("## Bad"));
        let sev: f64 = r["properties"]["security-severity"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((0.0..=10.0).contains(&sev));
        assert!(r["properties"]["tags"].as_array().unwrap().len() >= 2);
    }
    let results = run0["results"].as_array().unwrap();
    for r in results {
        let idx = usize::try_from(r["ruleIndex"].as_u64().unwrap()).unwrap();
        assert_eq!(rules[idx]["id"], r["ruleId"]);
        let loc = &r["locations"][0]["physicalLocation"];
        assert_eq!(loc["artifactLocation"]["uri"], "infra/t.yaml");
        assert_eq!(loc["artifactLocation"]["uriBaseId"], "%SRCROOT%");
        for k in ["startLine", "startColumn", "endLine", "endColumn"] {
            assert!(loc["region"][k].as_u64().unwrap() >= 1, "{k}");
        }
    }
    let first = &results[0];
    assert_eq!(first["ruleId"], "KMS002");
    assert_eq!(first["level"], "error");
    assert_eq!(
        first["locations"][0]["physicalLocation"]["region"],
        serde_json::json!({"startLine": 10, "startColumn": 30, "endLine": 10, "endColumn": 64})
    );
    assert_eq!(first["suppressions"][0]["kind"], "inSource");
    assert_eq!(
        first["suppressions"][0]["justification"],
        "vendor X contract, SEC-123 (until 2999-03-31)"
    );
    assert!(results[1].get("suppressions").is_none());
    // Fingerprints are unique within a run.
    let fps = fingerprints(&sarif);
    let unique: std::collections::BTreeSet<&String> = fps.iter().map(|(_, f)| f).collect();
    assert_eq!(unique.len(), fps.len());
}

#[test]
fn sarif_related_locations() {
    let sarif = sarif_of(
        Path::new(env!("CARGO_MANIFEST_DIR")),
        &[
            "--config",
            "testdata/cloudformation/seed-template-fixed.toml",
            "testdata/cloudformation/seed-template-fixed.json",
        ],
    );
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let dup = results
        .iter()
        .find(|r| r["ruleId"] == "KMS006")
        .expect("a duplicate-key finding");
    let rel = &dup["relatedLocations"][0];
    assert_eq!(rel["id"], 1);
    assert!(rel["message"]["text"]
        .as_str()
        .unwrap()
        .contains("first defined here"));
    assert_eq!(
        rel["physicalLocation"]["artifactLocation"]["uri"],
        "testdata/cloudformation/seed-template-fixed.json"
    );
}

#[test]
fn sarif_fingerprints_survive_reruns_and_lines_added_above() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("t.yaml"), SUPPRESSED_YAML).unwrap();
    let a = fingerprints(&sarif_of(dir.path(), &["--isolated", "t.yaml"]));
    let b = fingerprints(&sarif_of(dir.path(), &["--isolated", "t.yaml"]));
    assert_eq!(a, b, "two runs");
    // An unrelated line (and a re-indented policy line) above every finding.
    let edited = SUPPRESSED_YAML.replacen(
        "Resources:\n",
        "Description: a key for logs\nResources:\n",
        1,
    );
    std::fs::write(dir.path().join("t.yaml"), edited).unwrap();
    let c = fingerprints(&sarif_of(dir.path(), &["--isolated", "t.yaml"]));
    assert_eq!(a, c, "after a line was added above");
    // A real change (another account) changes that finding's identity only.
    let changed = SUPPRESSED_YAML.replace("555566667777", "555566667778");
    std::fs::write(dir.path().join("t.yaml"), changed).unwrap();
    let d = fingerprints(&sarif_of(dir.path(), &["--isolated", "t.yaml"]));
    let differing = a.iter().zip(&d).filter(|(x, y)| x != y).count();
    assert_eq!(differing, 1, "{a:?}\n{d:?}");
}

/// Copies the text files under `from` to `to`, passing each (path relative to `from`, with `/`)
/// through `edit`.
fn copy_tree(from: &Path, to: &Path, edit: &mut dyn FnMut(&str, String) -> String) {
    let mut stack = vec![PathBuf::new()];
    while let Some(rel) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(from.join(&rel)) else {
            continue;
        };
        for e in entries.flatten() {
            let r = rel.join(e.file_name());
            let path = from.join(&r);
            if path.is_dir() {
                stack.push(r);
                continue;
            }
            let Ok(text) = std::fs::read_to_string(&path) else {
                continue; // a binary file
            };
            let target = to.join(&r);
            std::fs::create_dir_all(target.parent().unwrap()).unwrap();
            let shown = r.to_string_lossy().replace('\\', "/");
            std::fs::write(&target, edit(&shown, text)).unwrap();
        }
    }
}

/// Validates SARIF files with Python jsonschema's Draft7Validator against the official schema.
/// Returns false (skipped) when Python or jsonschema is missing.
fn validate_sarif(files: &[PathBuf]) -> bool {
    let schema =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/schemas/sarif-2.1.0.schema.json");
    let probe = std::process::Command::new("python3")
        .args(["-c", "import jsonschema"])
        .output();
    if !require(
        probe.is_ok_and(|o| o.status.success()),
        "python3 with the jsonschema module is not installed (pip install jsonschema)",
    ) {
        return false;
    }
    let script = r#"
import json, sys, jsonschema
schema = json.load(open(sys.argv[1], encoding="utf-8"))
v = jsonschema.Draft7Validator(schema)
bad = 0
for path in sys.argv[2:]:
    doc = json.load(open(path, encoding="utf-8"))
    for e in v.iter_errors(doc):
        bad += 1
        print(f"{path}: {'/'.join(map(str, e.absolute_path))}: {e.message}"[:500])
    print(f"{path}: {len(doc['runs'][0]['results'])} results checked")
sys.exit(1 if bad else 0)
"#;
    let out = std::process::Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(&schema)
        .args(files)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "SARIF does not validate:\n{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    eprint!("{text}");
    true
}

#[test]
fn sarif_validates_against_the_official_schema() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("t.yaml"), SUPPRESSED_YAML).unwrap();
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for (i, (cwd, args)) in [
        (dir.path().to_path_buf(), vec!["--isolated", "t.yaml"]),
        (
            manifest.to_path_buf(),
            vec![
                "--config",
                "testdata/cloudformation/kmslint.toml",
                "testdata",
            ],
        ),
        (manifest.to_path_buf(), vec!["--isolated", "tests"]), // no findings
    ]
    .into_iter()
    .enumerate()
    {
        let sarif = sarif_of(&cwd, &args);
        let p = dir.path().join(format!("{i}.sarif"));
        std::fs::write(&p, serde_json::to_string(&sarif).unwrap()).unwrap();
        files.push(p);
    }
    validate_sarif(&files);
}

#[test]
fn sarif_over_the_real_world_corpus_validates() {
    let Some(corpus) = shared_path("corpus") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("corpus.sarif");
    let (code, _, err) = run(kmslint()
        .current_dir(&corpus)
        .args(["--isolated", "--format", "github", "--output"])
        .arg(format!("sarif={}", out.display()))
        .arg("."));
    assert!(code == 0 || code == 1, "exit {code}: {err}");
    let sarif: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert!(results.len() > 50, "only {} results", results.len());
    for r in results {
        let uri = r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .unwrap();
        assert!(!uri.starts_with('/') && !uri.starts_with("file:"), "{uri}");
    }
    let fps = fingerprints(&sarif);
    let unique: std::collections::BTreeSet<&String> = fps.iter().map(|(_, f)| f).collect();
    assert_eq!(unique.len(), fps.len(), "fingerprints are unique");
    validate_sarif(&[out]);
    // Identical on a second run.
    let again = sarif_of(&corpus, &["--isolated", "."]);
    assert_eq!(
        fingerprints(&again),
        fps,
        "fingerprints differ between two runs"
    );
    // And after a line is added at the top of every file that has a finding (a copy of them).
    let copy = dir.path().join("copy");
    let mut files: Vec<String> = results
        .iter()
        .map(|r| {
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    files.sort();
    files.dedup();
    // The whole corpus, so a Terraform module keeps its variables, locals and the modules it
    // calls; only the files with a finding are edited.
    copy_tree(&corpus, &copy, &mut |rel, text| {
        if !files.contains(&rel.to_string()) {
            text // unchanged: no finding in it
        } else if text.trim_start().starts_with('{') {
            format!("\n{text}") // JSON: a blank line
        } else {
            format!("# reviewed\n{text}")
        }
    });
    let before: std::collections::BTreeSet<String> =
        fingerprints(&sarif_of(&corpus, &["--isolated", "."]))
            .into_iter()
            .filter(|_| true)
            .map(|(_, f)| f)
            .collect();
    let after = fingerprints(&sarif_of(&copy, &["--isolated", "."]));
    assert!(after.len() > 50);
    let moved: Vec<&(String, String)> = after.iter().filter(|(_, f)| !before.contains(f)).collect();
    assert!(
        moved.is_empty(),
        "{} fingerprints changed: {moved:?}",
        moved.len()
    );
}

/// Runs kmslint on a pseudo-terminal with util-linux `script`; None when that is not available.
fn on_a_terminal(dir: &Path, no_color: bool, args: &str) -> Option<String> {
    if !cfg!(target_os = "linux") {
        return None;
    }
    let bin = assert_cmd::cargo::cargo_bin("kmslint");
    let mut cmd = std::process::Command::new("script");
    cmd.current_dir(dir)
        .args(["-qec", &format!("{} {args}", bin.display()), "/dev/null"])
        .env("COLUMNS", "100")
        .env("TERM", "xterm-256color");
    if no_color {
        cmd.env("NO_COLOR", "1");
    } else {
        cmd.env_remove("NO_COLOR");
    }
    let out = cmd.output().ok()?;
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
fn colours_only_on_a_terminal_and_never_with_no_color() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("t.yaml"), SUPPRESSED_YAML).unwrap();
    let Some(tty) = on_a_terminal(dir.path(), false, "--isolated -o human.txt t.yaml") else {
        eprintln!("skipped: util-linux `script` is not available to fake a terminal");
        return;
    };
    assert!(tty.contains("\u{1b}["), "no colour on a terminal: {tty}");
    assert!(tty.contains("kmslint: 8 findings"), "{tty}");
    let file = std::fs::read_to_string(dir.path().join("human.txt")).unwrap();
    assert!(!file.contains('\u{1b}'), "colour in a file");
    let plain = on_a_terminal(dir.path(), true, "--isolated t.yaml").unwrap();
    assert!(
        !plain.contains('\u{1b}'),
        "colour despite NO_COLOR: {plain}"
    );
    assert!(plain.contains("kmslint: 8 findings"), "{plain}");
}

#[test]
fn terraform_comment_suppressions_with_hash_and_slashes() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("main.tf"),
        r#"resource "aws_kms_key" "logs" {
  policy = jsonencode({
    Statement = [
      {
        Effect = "Allow"
        # kmslint:ignore KMS002 reason="vendor X, SEC-9" until=2999-01-01
        Principal = { AWS = "arn:aws:iam::444455556666:role/R" }
        Action = "kms:Decrypt"
        Resource = "*"
      },
      {
        Effect = "Allow"
        Principal = { AWS = "arn:aws:iam::555566667777:role/R" } // kmslint:ignore KMS002 reason="DR" until=2001-01-01
        Action = "kms:Decrypt"
        Resource = "*"
      },
    ]
  })
}
"#,
    )
    .unwrap();
    let (code, out, err) =
        run(kmslint()
            .current_dir(dir.path())
            .args(["--isolated", "--format", "json", "."]));
    assert_eq!(code, 1, "{err}");
    let brief: Vec<(String, i64, bool)> = json_findings(&out)
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["line"].as_i64().unwrap(),
                f["suppressed"].as_bool().unwrap(),
            )
        })
        .collect();
    let want: Vec<(String, i64, bool)> = [
        ("KMS002", 7, true),
        ("KMS002", 13, false),
        ("KMS013", 13, false),
    ]
    .iter()
    .map(|(r, l, s)| ((*r).to_string(), *l, *s))
    .collect();
    assert_eq!(brief, want);
}
