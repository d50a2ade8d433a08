//! CloudFormation cases: every directory `testdata/cloudformation/cases/<bullet>/<case>/` is
//! scanned as a directory (with `cases/kmslint.toml`), and its findings must equal the
//! `expected.findings` beside it, one per line:
//!
//! ```text
//! KMS001 template.yaml:21:36-21:39 "*"
//!   related template.yaml:78:13 deployed only when condition `IsPublic` is true (`Mode` = `public`)
//! ```
//!
//! that is the rule, the exact span (1-based line:column, end exclusive) and the exact bytes it
//! covers (newlines as `\n`), then each related location with its message. An optional
//! `expected.messages` holds `RULE line:col text` lines: that finding's message must contain the
//! text (what it names: the export, the parameter value, the limit).
//!
//! `KMSLINT_BLESS=1 cargo test --test cloudformation` rewrites `expected.findings`; read every
//! change before committing it. Each case's template was checked with cfn-lint 1.58.0: its
//! output is `cfn-lint.txt` in the case (`(no output)` when it accepts the template).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use kmslint::Finding;
use kmslint::{scan, Config, Options, Registry};
use std::path::{Path, PathBuf};

fn cases_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/cloudformation/cases")
}

fn cases() -> Vec<PathBuf> {
    let mut out = Vec::new();
    for bullet in std::fs::read_dir(cases_root()).unwrap() {
        let bullet = bullet.unwrap().path();
        if !bullet.is_dir() {
            continue;
        }
        for case in std::fs::read_dir(&bullet).unwrap() {
            let case = case.unwrap().path();
            if case.is_dir() {
                out.push(case);
            }
        }
    }
    out.sort();
    out
}

fn escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('\n', "\\n")
        .replace('\r', "\\r")
}

/// How a finding is written in `expected.findings`.
fn describe(f: &Finding, base: &Path) -> String {
    let rel = |p: &Path| {
        p.strip_prefix(base)
            .unwrap_or(p)
            .display()
            .to_string()
            .replace('\\', "/")
    };
    let ((l, c), (el, ec)) = f.start_end();
    let text = f.file.text.get(f.span.start..f.span.end).unwrap_or("");
    let mut out = format!(
        "{} {}:{l}:{c}-{el}:{ec} {}",
        f.rule,
        rel(&f.file.path),
        escape(text)
    );
    for r in &f.related {
        let (rl, rc) = r.file.line_col(r.span.start);
        out.push_str(&format!(
            "\n  related {}:{rl}:{rc} {}",
            rel(&r.file.path),
            r.message
        ));
    }
    out
}

fn run(case: &Path, cfg: &Config, reg: &Registry) -> (Vec<Finding>, Vec<String>) {
    let opts = Options {
        paths: vec![case.to_path_buf()],
        jobs: 1,
        ..Options::default()
    };
    let report = scan(&opts, cfg, reg).unwrap_or_else(|e| panic!("{}: {e}", case.display()));
    let mut got: Vec<String> = report.findings.iter().map(|f| describe(f, case)).collect();
    got.sort();
    (report.findings, got)
}

fn expected(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let mut out: Vec<String> = Vec::new();
    for line in text.lines() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        if line.starts_with("  ") {
            if let Some(last) = out.last_mut() {
                last.push('\n');
                last.push_str(line);
                continue;
            }
        }
        out.push(line.to_string());
    }
    out.sort();
    out
}

/// `RULE line:col text`: the finding there says `text`.
fn message_checks(case: &Path, findings: &[Finding]) -> Vec<String> {
    let Ok(text) = std::fs::read_to_string(case.join("expected.messages")) else {
        return Vec::new();
    };
    let mut problems = Vec::new();
    for line in text
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
    {
        let mut parts = line.splitn(3, ' ');
        let (rule, at, needle) = (
            parts.next().unwrap_or(""),
            parts.next().unwrap_or(""),
            parts.next().unwrap_or(""),
        );
        let found = findings.iter().any(|f| {
            let ((l, c), _) = f.start_end();
            f.rule == rule && format!("{l}:{c}") == at && f.message.contains(needle)
        });
        if !found {
            problems.push(format!(
                "{}: no {rule} at {at} saying {needle:?}",
                case.display()
            ));
        }
    }
    problems
}

#[test]
fn cloudformation_cases() {
    let reg = Registry::builtin().unwrap();
    let cfg = Config::load(&cases_root().join("kmslint.toml"), &reg.ids()).unwrap();
    let bless = std::env::var("KMSLINT_BLESS").is_ok_and(|v| v == "1");
    let mut failures = Vec::new();
    let all = cases();
    assert!(all.len() >= 40, "only {} cases", all.len());
    for case in &all {
        let want_file = case.join("expected.findings");
        let (findings, got) = run(case, &cfg, &reg);
        if bless {
            let mut text =
                String::from("# RULE file:line:col-line:col text (see tests/cloudformation.rs)\n");
            for g in &got {
                text.push_str(g);
                text.push('\n');
            }
            std::fs::write(&want_file, text).unwrap();
        }
        let want = expected(&want_file);
        if got != want {
            failures.push(format!(
                "{}\n  expected:\n    {}\n  got:\n    {}",
                case.display(),
                want.join("\n    "),
                got.join("\n    ")
            ));
        }
        failures.extend(message_checks(case, &findings));
        assert!(
            case.join("cfn-lint.txt").is_file() || !has_template(case),
            "{}: no cfn-lint.txt",
            case.display()
        );
    }
    assert!(
        failures.is_empty(),
        "{} case(s) differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

fn has_template(case: &Path) -> bool {
    std::fs::read_dir(case).unwrap().any(|e| {
        let p = e.unwrap().path();
        p.extension()
            .is_some_and(|x| x == "yaml" || x == "yml" || x == "json")
    })
}

/// The real template the issue names (`../shared/corpus`, absent from a user's clone): its
/// statement #2 (`StringEquals: !If`, both branches pinning `kms:CallerAccount` to the own
/// account) is clean; statement #3, deployed only with `Service=S3_PUBLIC_ACCESS`, is a wildcard
/// limited only by `kms:ViaService` (KMS001, naming that value).
#[test]
fn cmk_kms_corpus_template() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(
        "../shared/corpus/aws-samples__aws-service-catalog-reference-architectures/blog_content/sagemaker-selfservice/sagemaker-selfservice-url/CMK-KMS.yaml",
    );
    if !path.is_file() {
        return;
    }
    let reg = Registry::builtin().unwrap();
    let opts = Options {
        paths: vec![path],
        jobs: 1,
        ..Options::default()
    };
    let report = scan(&opts, &Config::default(), &reg).unwrap();
    let at = |f: &Finding| f.start_end().0;
    for f in &report.findings {
        let (line, _) = at(f);
        assert!(
            !(59..=76).contains(&line),
            "statement #2 must be clean: {} {}",
            f.rule,
            f.message
        );
        assert!(!f.message.contains("no Condition"), "{}", f.message);
    }
    let public = report
        .findings
        .iter()
        .find(|f| f.rule == "KMS001" && at(f) == (81, 20))
        .expect("KMS001 on statement #3");
    assert!(
        public
            .related
            .iter()
            .any(|r| r.message.contains("`Service` = `S3_PUBLIC_ACCESS`")),
        "{:?}",
        public.related
    );
    // Statement #1 names a role by its bare name (the `AdminRole` Default): AWS rejects the
    // policy as it is written, one KMS016, and nothing else is reported on that statement.
    assert!(report.findings.iter().any(|f| f.rule == "KMS016"
        && at(f) == (56, 15)
        && f.message.contains("IibsAdminAccess-DO-NOT-DELETE")));
    let rules: Vec<&str> = report.findings.iter().map(|f| f.rule.as_str()).collect();
    assert!(!rules.contains(&"KMS000"), "{rules:?}");
}

/// A crafted template cannot make the conditions or the nesting take long: every question is
/// bounded, and what is cut off may go either way (checked, never dropped).
#[test]
fn hostile_conditions_finish_fast() {
    let mut t = String::from(
        "AWSTemplateFormatVersion: '2010-09-09'\nParameters:\n  P: {Type: String, AllowedValues: [a, b, c, d, e, f, g, h]}\n  Q: {Type: String, AllowedValues: [a, b, c, d, e, f, g, h]}\n  R: {Type: String, AllowedValues: [a, b, c, d, e, f, g, h]}\n  S: {Type: String, AllowedValues: [a, b, c, d, e, f, g, h]}\nConditions:\n  C0: !Equals [!Ref P, a]\n",
    );
    for i in 1..40 {
        let p = i - 1;
        let q = ["P", "Q", "R", "S"][i % 4];
        t.push_str(&format!(
            "  C{i}: !Or [!And [!Condition C{p}, !Equals [!Ref {q}, b]], !And [!Not [!Condition C{p}], !Condition C{p}]]\n"
        ));
    }
    t.push_str("Resources:\n  K:\n    Type: AWS::KMS::Key\n    Properties:\n      KeyPolicy:\n        Statement:\n");
    for i in 0..40 {
        t.push_str(&format!(
            "          - !If [C{i}, {{Effect: Allow, Principal: '*', Action: 'kms:*', Resource: '*', Condition: !If [C{j}, {{StringEquals: {{'aws:PrincipalOrgID': o-a1b2c3d4e5}}}}, !Ref 'AWS::NoValue']}}, !Ref 'AWS::NoValue']\n",
            j = (i + 7) % 40
        ));
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("t.yaml"), t).unwrap();
    let reg = Registry::builtin().unwrap();
    let opts = Options {
        paths: vec![dir.path().to_path_buf()],
        jobs: 1,
        ..Options::default()
    };
    let started = std::time::Instant::now();
    let report = scan(&opts, &Config::default(), &reg).unwrap();
    assert!(started.elapsed().as_secs() < 20, "{:?}", started.elapsed());
    // C0 can be true (P=a) with C7 false: a public statement is deployable.
    assert!(report.findings.iter().any(|f| f.rule == "KMS001"));
}

/// The real binary fails (exit 1) on each shape a key can hide in, as a user runs it.
#[test]
fn cli_fails_on_keys_in_every_shape() {
    let shapes: &[(&str, &str)] = &[
        (
            "second-document.yaml",
            "AWSTemplateFormatVersion: '2010-09-09'\nResources: {}\n---\nResources:\n  K:\n    Type: AWS::KMS::Key\n    Properties:\n      KeyPolicy: {Statement: [{Effect: Allow, Principal: '*', Action: 'kms:*', Resource: '*'}]}\n",
        ),
        (
            "merge.yaml",
            "AWSTemplateFormatVersion: '2010-09-09'\nMetadata:\n  S: &s {Effect: Allow, Principal: '*', Action: 'kms:*', Resource: '*'}\nResources:\n  K:\n    Type: AWS::KMS::Key\n    Properties:\n      KeyPolicy:\n        Statement:\n          - <<: *s\n            Sid: Open\n",
        ),
        (
            "sub-string.yaml",
            "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  K:\n    Type: AWS::KMS::Key\n    Properties:\n      KeyPolicy: !Sub '{\"Statement\": [{\"Effect\": \"Allow\", \"Principal\": \"*\", \"Action\": \"kms:*\", \"Resource\": \"*\"}]}'\n",
        ),
        (
            "serverless.yml",
            "service: s\nprovider: {name: aws}\nresources:\n  Resources:\n    K:\n      Type: AWS::KMS::Key\n      Properties:\n        KeyPolicy: {Statement: [{Effect: Allow, Principal: '*', Action: 'kms:*', Resource: '*'}]}\n",
        ),
    ];
    for (name, text) in shapes {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(name), text).unwrap();
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_kmslint"))
            .args(["--isolated", "--format", "json"])
            .arg(dir.path())
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(1),
            "{name}: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let rules: Vec<&str> = v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|f| f["rule"].as_str())
            .collect();
        assert!(
            rules.contains(&"KMS001") || rules.contains(&"KMS000"),
            "{name}: {rules:?}"
        );
    }
}
