//! Fail closed, reports and limits: no input crashes a report (long lines), forges output
//! (control characters, workflow commands, HTML), is overwritten by a report, or makes the
//! output or the thread count unbounded. Each test runs the real binary and checks the exit
//! status, the output and that every input is unchanged.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{Tree, PUBLIC_YAML};

/// A minified template whose public principal is past column 65,535.
fn minified() -> String {
    let filler: String = (0..3000)
        .map(|i| format!("\"P{i}\":{{\"Type\":\"String\",\"Default\":\"x\"}},"))
        .collect();
    format!(
        "{{\"AWSTemplateFormatVersion\":\"2010-09-09\",\"Parameters\":{{{}\"Last\":{{\"Type\":\"String\"}}}},\"Resources\":{{\"K\":{{\"Type\":\"AWS::KMS::Key\",\"Properties\":{{\"KeyPolicy\":{{\"Statement\":[{{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"kms:Decrypt\",\"Resource\":\"*\"}}]}}}}}}}}}}",
        filler
    )
}

/// A one-line `terraform show -json` plan with a public key after a long prefix.
fn plan() -> String {
    let noise: String = (0..2500)
        .map(|i| format!("{{\"address\":\"aws_s3_bucket.b{i}\",\"mode\":\"managed\",\"type\":\"aws_s3_bucket\",\"name\":\"b{i}\",\"values\":{{\"bucket\":\"b{i}\"}}}},"))
        .collect();
    let policy = serde_json::to_string(
        r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"kms:Decrypt","Resource":"*"}]}"#,
    )
    .unwrap();
    format!(
        "{{\"format_version\":\"1.2\",\"terraform_version\":\"1.11.4\",\"planned_values\":{{\"root_module\":{{\"resources\":[{noise}{{\"address\":\"aws_kms_key.k\",\"mode\":\"managed\",\"type\":\"aws_kms_key\",\"name\":\"k\",\"values\":{{\"policy\":{policy}}}}}]}}}}}}"
    )
}

#[test]
fn long_lines_render_in_every_format() {
    let text = minified();
    let at = text.find("\"Principal\":\"*\"").unwrap();
    assert!(at > 70_000);
    let t = Tree::new(&[("minified.template.json", &text), ("plan.json", &plan())]);
    for format in ["human", "json", "sarif", "github"] {
        let r = t.run(&["--isolated", "--format", format, "minified.template.json"]);
        assert_eq!(r.code, 1, "{format}: {}", r.err);
        assert!(r.out.contains("KMS001"), "{format}");
    }
    // A long JSON line is drawn pretty-printed around the finding, named by its JSON path, with
    // the real line and column in the help.
    let r = t.run(&["--isolated", "minified.template.json"]);
    let col = at + "\"Principal\":".len() + 1;
    assert!(
        r.out.contains(
            "minified.template.json → Resources.K.Properties.KeyPolicy.Statement[0].Principal"
        ),
        "{}",
        r.out
    );
    assert!(
        r.out.contains(&format!(
            "shown pretty-printed from minified.template.json:1:{col}"
        )),
        "{}",
        r.out
    );
    assert!(r.out.lines().all(|l| l.chars().count() < 400), "{}", r.out);
    // Any other long line is drawn as a window around the span, at the real line and column.
    let filler = "x".repeat(70_000);
    let flow = format!(
        "Resources: {{Pad: {{Type: AWS::SNS::Topic, Properties: {{TopicName: \"{filler}\"}}}}, K: {{Type: AWS::KMS::Key, Properties: {{KeyPolicy: {{Statement: [{{Effect: Allow, Principal: \"*\", Action: kms:Decrypt, Resource: \"*\"}}]}}}}}}}}\n"
    );
    t.write("flow.yaml", flow.as_bytes());
    let r = t.run(&["--isolated", "flow.yaml"]);
    assert_eq!(r.code, 1, "{}", r.err);
    let col = flow.find("Principal: ").unwrap() + "Principal: ".len() + 1;
    assert!(r.out.contains(&format!("flow.yaml:1:{col}]")), "{}", r.out);
    assert!(r.out.contains("│ …"), "{}", r.out);
    assert!(r.out.lines().all(|l| l.chars().count() < 400), "{}", r.out);
    // A one-line plan, as documented: `terraform show -json plan.out | kmslint -`, and as a
    // file written by --output.
    let r = t.run_with(
        &[
            "--isolated",
            "--key-account",
            "111122223333",
            "--output",
            "human=report.txt",
            "-",
        ],
        Some(plan().as_bytes()),
    );
    assert_eq!(r.code, 1, "{}", r.err);
    assert!(r.out.contains("KMS001"), "{}", r.out);
    let written = std::fs::read_to_string(t.path("report.txt")).unwrap();
    assert!(written.contains("KMS001"), "{written}");
}

/// Bytes that must never reach a report raw.
fn raw_controls(bytes: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(bytes);
    text.chars()
        .filter(|c| {
            matches!(c, '\u{0}'..='\u{8}' | '\u{b}'..='\u{1f}' | '\u{7f}'..='\u{9f}'
                | '\u{2028}' | '\u{2029}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
        })
        .map(|c| format!("U+{:04X}", u32::from(c)))
        .collect()
}

#[test]
fn control_characters_never_reach_any_output() {
    let sid = "Public ##[error]forged\\n::notice file=README.md,line=1::kmslint passed\\u001b[2K\\r\\u001b[32mOK\\u001b]8;;https://example.invalid\\u0007link\\u009b31m\\u2028\\u202e";
    let key = format!(
        "{{\"AWSTemplateFormatVersion\": \"2010-09-09\", \"Resources\": {{\"Key<img src=x onerror=alert(1)>|x\": {{\"Type\": \"AWS::KMS::Key\", \"Properties\": {{\"KeyPolicy\": {{\"Statement\": [{{\"Sid\": \"{sid}\", \"Effect\": \"Allow\", \"Principal\": {{\"AWS\": [\"*\", \"arn:aws:iam::999988887777:role/<b>x</b>`|\"]}}, \"Action\": \"kms:Decrypt\", \"Resource\": \"*\"}}]}}}}}}}}}}"
    );
    let t = Tree::new(&[("key.json", &key)]);
    let bad_name = "key\u{1b}[8m-hidden\n::error file=README.md,line=1::forged.json";
    t.write(bad_name, key.as_bytes());
    let summary = t.path("summary.md");
    for format in ["human", "json", "sarif", "github"] {
        let r = t.run_with(
            &["--isolated", "--format", format, "key.json", bad_name],
            None,
        );
        assert_eq!(r.code, 1, "{format}: {}", r.err);
        assert_eq!(raw_controls(&r.stdout), Vec::<String>::new(), "{format}");
        // No line starts a workflow command that is not one of kmslint's own annotations, and
        // no `##[` (a command anywhere in a line) is left.
        assert!(!r.out.contains("##["), "{format}: {}", r.out);
        for line in r.out.lines().filter(|l| l.trim_start().starts_with("::")) {
            assert!(
                line.starts_with("::error file=") || line.starts_with("::warning file="),
                "{format}: {line}"
            );
            let props = line.split("::").nth(1).unwrap();
            assert!(props.contains(",title=KMS"), "{format}: {line}");
        }
        if format == "json" || format == "sarif" {
            // Still JSON, with the Sid's characters escaped, not lost.
            let v = r.json();
            assert!(v.to_string().contains("kmslint passed"));
        }
    }
    // A team's own rule (repository content too) with escapes in its id and help.
    t.write("kmslint.toml", b"[custom_rules]\ndirs = [\"rules\"]\n");
    t.write(
        "rules/org.toml",
        br#"id = "ORG-\u001b[2Kx"
name = "no-wildcard"
severity = "error"
subject = ["principal"]
summary = "s"
message = "m\u001b]8;;x\u0007 {principal}"
label = "l\r\n::error::forged"
help = "h\n::error file=a::forged\u001b[31m"
docs = "d"
[when]
kind = "wildcard"
"#,
    );
    for format in ["human", "github"] {
        let r = t.run(&["--format", format, "key.json"]);
        assert_eq!(r.code, 1, "{format}: {}", r.err);
        assert!(r.out.contains("ORG-"), "{format}: {}", r.out);
        assert_eq!(raw_controls(&r.stdout), Vec::<String>::new(), "{format}");
        assert!(
            !r.out
                .lines()
                .any(|l| l.trim_start().starts_with("::error::")
                    || l.trim_start().starts_with("::error file=a")),
            "{format}: {}",
            r.out
        );
        assert!(!r.out.contains("##["), "{format}: {}", r.out);
    }
    std::fs::remove_file(t.path("kmslint.toml")).unwrap();
    // The job summary and the inventory in every format.
    let out = t
        .command()
        .env("GITHUB_STEP_SUMMARY", &summary)
        .args(["--isolated", "--format", "github", "key.json", bad_name])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let md = std::fs::read(&summary).unwrap();
    assert_eq!(raw_controls(&md), Vec::<String>::new());
    for format in ["text", "json", "markdown"] {
        let r = t.run(&[
            "inventory",
            "--isolated",
            "--format",
            format,
            "key.json",
            bad_name,
        ]);
        assert_eq!(r.code, 0, "{format}: {}", r.err);
        assert_eq!(raw_controls(&r.stdout), Vec::<String>::new(), "{format}");
        assert!(!r.out.contains("##["), "{format}: {}", r.out);
        if format == "markdown" {
            // HTML is escaped in cells; in a code span it is literal text already.
            assert!(!r.out.contains("<img"), "{}", r.out);
            assert!(r.out.contains("&lt;img"), "{}", r.out);
            assert!(
                r.out
                    .contains("| `arn:aws:iam::999988887777:role/<b>x</b>'\\|` |"),
                "{}",
                r.out
            );
        }
    }
}

#[test]
fn an_output_never_overwrites_an_input() {
    let t = Tree::new(&[("infra/key.yaml", PUBLIC_YAML), ("vars.tfvars", "a = 1\n")]);
    for (output, path) in [
        ("human=infra/key.yaml", "infra"),
        ("infra/key.yaml", "infra/key.yaml"),
        ("json=vars.tfvars", "infra"),
    ] {
        let mut args = vec!["--isolated", "--output", output, path];
        if output.contains("tfvars") {
            args.extend(["--var-file", "vars.tfvars"]);
        }
        let r = t.run(&args);
        assert_eq!(r.code, 2, "{output}: {}", r.out);
        assert!(r.out.is_empty(), "nothing is written: {}", r.out);
        assert!(
            common::flat(&r.err).contains("refusing to write the report to"),
            "{}",
            r.err
        );
    }
    // Through a link: the same file.
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(t.path("infra/key.yaml"), t.path("link.txt")).unwrap();
        let r = t.run(&["--isolated", "--output", "human=link.txt", "infra"]);
        assert_eq!(r.code, 2, "{}", r.out);
    }
    // A report an earlier run wrote where the walk finds it may be replaced.
    let r = t.run(&["--isolated", "--output", "infra/report.json", "infra"]);
    assert_eq!(r.code, 1, "{}", r.err);
    let r = t.run(&["--isolated", "--output", "infra/report.json", "infra"]);
    assert_eq!(r.code, 1, "{}", r.err);
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(t.path("infra/report.json")).unwrap())
            .unwrap();
    assert_eq!(v["summary"]["files"], 1);
}

#[test]
fn thread_counts_are_bounded_with_a_clear_error() {
    let t = Tree::new(&[("key.yaml", PUBLIC_YAML)]);
    for jobs in ["257", "2048", "5000", "99999999999999999999999"] {
        let r = t.run(&["--isolated", "--jobs", jobs, "."]);
        assert_eq!(r.code, 2, "--jobs {jobs}");
        assert!(r.out.is_empty());
        assert!(
            r.err.contains("at most 256") || r.err.contains("is not a number"),
            "{}",
            r.err
        );
    }
    for jobs in ["0", "1", "256"] {
        let r = t.run(&["--isolated", "--jobs", jobs, "."]);
        assert_eq!(r.code, 1, "--jobs {jobs}: {}", r.err);
        assert!(r.out.contains("KMS001"));
    }
}

#[test]
fn findings_per_key_policy_are_bounded() {
    // 150 foreign accounts: 100 findings shown, one more says how many are not.
    let principals: Vec<String> = (0..150)
        .map(|i| format!("\"arn:aws:iam::{:012}:role/R\"", 900_000_000_000u64 + i))
        .collect();
    let many = format!(
        "{{\"Resources\": {{\"K\": {{\"Type\": \"AWS::KMS::Key\", \"Properties\": {{\"KeyPolicy\": {{\"Statement\": [{{\"Effect\": \"Allow\", \"Principal\": {{\"AWS\": [{}]}}, \"Action\": \"kms:Decrypt\", \"Resource\": \"*\"}}]}}}}}}}}}}",
        principals.join(", ")
    );
    // A list doubled by concat, far past what AWS accepts.
    let mut doubling = String::from("locals {\n  l0 = [\"arn:aws:iam::111122223333:root\"]\n");
    for i in 1..=40 {
        doubling.push_str(&format!(
            "  l{i} = concat(local.l{p}, local.l{p})\n",
            p = i - 1
        ));
    }
    doubling.push_str("}\nresource \"aws_kms_key\" \"k\" {\n  policy = jsonencode({Statement = [{Effect = \"Allow\", Principal = { AWS = local.l40 }, Action = \"kms:Decrypt\", Resource = \"*\"}]})\n}\n");
    let t = Tree::new(&[("many.json", &many), ("doubling/main.tf", &doubling)]);
    let r = t.run(&["--isolated", "--format", "json", "many.json"]);
    assert_eq!(r.code, 1);
    let f = r.findings();
    // One finding per statement and rule: the 100 principals shown are one KMS002 listing them
    // all; the 50 past the cap are counted in one more finding.
    assert_eq!(f.len(), 2, "{}", r.out.len());
    let shown = f
        .iter()
        .find(|f| !f["message"].as_str().unwrap().contains("more findings"))
        .unwrap();
    assert_eq!(shown["principals"].as_array().map(Vec::len), Some(100));
    let last = f
        .iter()
        .find(|f| f["message"].as_str().unwrap().contains("more findings"));
    let last = last.unwrap();
    assert!(
        last["message"]
            .as_str()
            .unwrap()
            .starts_with("50 more findings of the key policy of K are not shown"),
        "{last}"
    );
    let r = t.run(&["--isolated", "--format", "json", "doubling"]);
    assert_eq!(r.code, 1);
    assert!(r.out.len() < 20_000, "{} bytes of report", r.out.len());
    assert!(r.rules().contains(&"KMS000".to_string()), "{}", r.out);
}

#[test]
fn documents_and_modules_too_large_to_parse_are_a_kms000() {
    // More values than one document may hold (each costs a tree node): not checked, said so.
    let zeros = vec!["0"; 1_000_001].join(",");
    let json =
        format!("{{\"Resources\": {{\"K\": {{\"Type\": \"AWS::KMS::Key\"}}}}, \"X\": [{zeros}]}}");
    let yaml = format!("Resources:\n  K:\n    Type: AWS::KMS::Key\nX: [{zeros}]\n");
    let hcl = format!(
        "resource \"aws_kms_key\" \"k\" {{}}\nlocals {{\n  x = [{}]\n}}\n",
        vec!["0"; 2_200_000].join(",")
    );
    let t = Tree::new(&[
        ("big.json", &json),
        ("big.yaml", &yaml),
        ("mod/main.tf", &hcl),
    ]);
    for (path, needle) in [
        ("big.json", "more than 1000000 values"),
        ("big.yaml", "more than 1000000 values"),
        ("mod", "bytes of HCL, more than the limit"),
    ] {
        let r = t.run(&["--isolated", "--format", "json", path]);
        assert_eq!(r.code, 1, "{path}: {}", r.err);
        let f = r.findings();
        assert_eq!(f[0]["rule"], "KMS000", "{path}: {f:?}");
        assert!(
            f[0]["message"].as_str().unwrap().contains(needle),
            "{path}: {f:?}"
        );
    }
}
