//! Hostile and broken input: every bad file is a clear KMS000 finding that names the file, the
//! other files are still checked, and nothing panics.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::Path;

const BAD_TEMPLATE: &str = "Resources:\n  K:\n    Type: AWS::KMS::Key\n    Properties:\n      KeyPolicy:\n        Statement:\n          - Effect: Allow\n            Principal: '*'\n            Action: kms:Decrypt\n            Resource: '*'\n";

fn run(dir: &Path) -> (i32, serde_json::Value, String) {
    common::run_json(
        common::kmslint()
            .args(["--isolated", "--format", "json"])
            .arg(dir),
    )
}

fn findings(v: &serde_json::Value) -> Vec<(String, String, i64, i64, String)> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                Path::new(f["file"].as_str().unwrap())
                    .file_name()
                    .unwrap()
                    .to_string_lossy()
                    .into_owned(),
                f["line"].as_i64().unwrap(),
                f["column"].as_i64().unwrap(),
                f["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn invalid_utf8_is_a_located_parse_error() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = b"Resources:\n  K:\n    Type: AWS::KMS::Key\n    Description: caf".to_vec();
    bytes.extend([0xff, 0xfe, b'\n']);
    std::fs::write(dir.path().join("latin1.yaml"), bytes).unwrap();
    std::fs::write(dir.path().join("ok.yaml"), BAD_TEMPLATE).unwrap();
    let (code, v, _) = run(dir.path());
    assert_eq!(code, 1);
    let f = findings(&v);
    assert_eq!(f.len(), 2, "{f:?}");
    assert_eq!(
        (f[0].0.as_str(), f[0].1.as_str(), f[0].2, f[0].3),
        ("KMS000", "latin1.yaml", 4, 21)
    );
    assert!(f[0].4.contains("UTF-8"), "{}", f[0].4);
    assert_eq!(f[1].0, "KMS001");
}

#[test]
fn bom_and_crlf_keep_spans_right() {
    let dir = tempfile::tempdir().unwrap();
    let crlf = format!("\u{feff}{}", BAD_TEMPLATE.replace('\n', "\r\n"));
    std::fs::write(dir.path().join("crlf.yaml"), crlf).unwrap();
    let json = "\u{feff}{\r\n  \"Resources\": {\"K\": {\"Type\": \"AWS::KMS::Key\", \"Properties\": {\"KeyPolicy\": {\r\n    \"Statement\": [{\"Effect\": \"Allow\", \"Principal\": \"*\", \"Action\": \"kms:Decrypt\", \"Resource\": \"*\"}]}}}}\r\n}\r\n";
    std::fs::write(dir.path().join("crlf.json"), json).unwrap();
    let (_, v, _) = run(dir.path());
    let f = findings(&v);
    assert_eq!(f.len(), 2, "{f:?}");
    assert_eq!(
        (f[0].0.as_str(), f[0].1.as_str(), f[0].2, f[0].3),
        ("KMS001", "crlf.json", 3, 52)
    );
    assert_eq!(
        (f[1].0.as_str(), f[1].1.as_str(), f[1].2, f[1].3),
        ("KMS001", "crlf.yaml", 8, 24)
    );
}

#[test]
fn empty_and_binary_files_do_not_break_the_run() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("empty.yaml"), "").unwrap();
    std::fs::write(dir.path().join("empty.json"), "").unwrap();
    std::fs::write(dir.path().join("empty.tf"), "").unwrap();
    let mut bin: Vec<u8> = (0..=255u8).cycle().take(4096).collect();
    bin.extend_from_slice(b"AWS::KMS::Key");
    std::fs::write(dir.path().join("blob.json"), &bin).unwrap();
    std::fs::write(dir.path().join("ok.yaml"), BAD_TEMPLATE).unwrap();
    let (code, v, _) = run(dir.path());
    assert_eq!(code, 1);
    let f = findings(&v);
    let rules: Vec<(&str, &str)> = f.iter().map(|x| (x.0.as_str(), x.1.as_str())).collect();
    assert_eq!(rules, vec![("KMS000", "blob.json"), ("KMS001", "ok.yaml")]);
}

#[cfg(unix)]
#[test]
fn unreadable_file_and_symlink_loop_are_reported_by_name() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let secret = dir.path().join("secret.yaml");
    std::fs::write(&secret, BAD_TEMPLATE).unwrap();
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o000)).unwrap();
    let readable_as_root = std::fs::read(&secret).is_ok();
    std::os::unix::fs::symlink(dir.path(), dir.path().join("loop")).unwrap();
    std::fs::write(dir.path().join("ok.yaml"), BAD_TEMPLATE).unwrap();
    let (code, v, _) = run(dir.path());
    assert_eq!(code, 1);
    let f = findings(&v);
    assert!(
        f.iter().any(|x| x.0 == "KMS000" && x.4.contains("loop")),
        "{f:?}"
    );
    assert!(
        f.iter().any(|x| x.0 == "KMS001" && x.1 == "ok.yaml"),
        "{f:?}"
    );
    if !readable_as_root {
        assert!(
            f.iter()
                .any(|x| x.0 == "KMS000" && x.1 == "secret.yaml" && x.4.contains("ermission")),
            "{f:?}"
        );
    }
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o644)).unwrap();
}

#[test]
fn oversized_file_is_a_finding_not_a_skip() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("kmslint.toml"),
        "[scan]\nmax_file_size = 64\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("big.yaml"), BAD_TEMPLATE).unwrap();
    let out = common::kmslint()
        .args(["--format", "json"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let f = findings(&v);
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0].0, "KMS000");
    assert!(f[0].4.contains("limit"), "{}", f[0].4);
}

#[test]
fn alias_bomb_finishes_fast_and_small() {
    let dir = tempfile::tempdir().unwrap();
    let mut y = String::from("AWSTemplateFormatVersion: '2010-09-09'\nx0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for i in 1..40 {
        y.push_str(&format!(
            "x{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n",
            p = i - 1
        ));
    }
    y.push_str("Resources:\n  K:\n    Type: AWS::KMS::Key\n    Properties:\n      KeyPolicy:\n        Statement: *a39\n");
    std::fs::write(dir.path().join("bomb.yaml"), y).unwrap();
    let started = std::time::Instant::now();
    let (code, v, _) = run(dir.path());
    assert!(started.elapsed().as_secs() < 10);
    // `aws cloudformation package` and SAM would have to write out 9^40 copies: the template
    // cannot be deployed, and is one KMS000 naming the limit, at an alias.
    assert_eq!(code, 1, "{v}");
    let f = findings(&v);
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0].0, "KMS000");
    assert!(f[0].4.contains("aliases expand"), "{}", f[0].4);
}

#[test]
fn deep_nesting_is_a_parse_error() {
    let dir = tempfile::tempdir().unwrap();
    let deep = format!(
        "{{\"AWSTemplateFormatVersion\": \"2010-09-09\", \"Resources\": {{\"K\": {{\"Type\": \"AWS::KMS::Key\", \"Properties\": {{\"KeyPolicy\": {}{}}}}}}}}}",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    std::fs::write(dir.path().join("deep.json"), deep).unwrap();
    let (code, v, _) = run(dir.path());
    assert_eq!(code, 1);
    let f = findings(&v);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].0, "KMS000");
    assert!(f[0].4.contains("nesting"), "{}", f[0].4);
}

// --- limits: every one hit is a KMS000 naming the limit, and the run stays fast -------------

/// (rule, file name, line, column, message)
type Found = (String, String, i64, i64, String);

fn run_args(args: &[&str], dir: &Path) -> (i32, Vec<Found>) {
    let out = common::kmslint()
        .args(["--isolated", "--format", "json"])
        .args(args)
        .arg(dir)
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|_| {
        panic!(
            "no JSON report; stderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code().unwrap_or(-1), findings(&v))
}

fn kms000_with<'a>(f: &'a [Found], needle: &str) -> Option<&'a Found> {
    f.iter().find(|x| x.0 == "KMS000" && x.4.contains(needle))
}

fn cfn_with_principal(principal: &str) -> String {
    format!(
        "{{\"AWSTemplateFormatVersion\": \"2010-09-09\", \"Resources\": {{\"K\": {{\"Type\": \"AWS::KMS::Key\", \"Properties\": {{\"KeyPolicy\": {{\"Statement\": [{{\"Effect\": \"Allow\", \"Principal\": {{\"AWS\": {principal}}}, \"Action\": \"kms:*\", \"Resource\": \"*\"}}]}}}}}}}}}}"
    )
}

#[test]
fn exponential_fn_sub_is_cut_off_with_kms000() {
    // Each level uses its variable ten times: 10^12 substitutions if nothing bounded it.
    let mut p = "\"x\"".to_string();
    for _ in 0..12 {
        p = format!("{{\"Fn::Sub\": [\"${{a}}${{a}}${{a}}${{a}}${{a}}${{a}}${{a}}${{a}}${{a}}${{a}}\", {{\"a\": {p}}}]}}");
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("sub.json"), cfn_with_principal(&p)).unwrap();
    let started = std::time::Instant::now();
    let (code, f) = run_args(&[], dir.path());
    assert_eq!(code, 1);
    assert!(kms000_with(&f, "steps").is_some(), "{f:?}");
    assert!(started.elapsed().as_secs() < 30);
}

#[test]
fn too_many_conditional_combinations_is_kms000() {
    let alt = "{\"Fn::If\": [\"C\", \"1\", \"2\"]}";
    let join = format!("{{\"Fn::Join\": [\"\", [{}]]}}", [alt; 8].join(", "));
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("t.json"), cfn_with_principal(&join)).unwrap();
    let (code, f) = run_args(&[], dir.path());
    assert_eq!(code, 1);
    assert!(kms000_with(&f, "combinations").is_some(), "{f:?}");
}

#[test]
fn deep_fn_if_chain_is_a_parse_error_not_a_stack_overflow() {
    let n = 100_000;
    let p = format!(
        "{}\"x\"{}",
        "{\"Fn::If\": [\"C\", \"y\", ".repeat(n),
        "]}".repeat(n)
    );
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("if.json"), cfn_with_principal(&p)).unwrap();
    let (code, f) = run_args(&[], dir.path());
    assert_eq!(code, 1);
    assert!(kms000_with(&f, "nesting").is_some(), "{f:?}");
}

const TF_TAIL: &str = "resource \"aws_kms_key\" \"k\" {\n  policy = jsonencode({Statement = [{Effect = \"Allow\", Principal = {AWS = local.top}, Action = \"kms:*\"}]})\n}\n";

fn tf_dir(main: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("main.tf"), format!("{main}{TF_TAIL}")).unwrap();
    dir
}

#[test]
fn exponential_terraform_locals_are_cut_off_with_kms000() {
    let mut t = String::from("locals {\n  l0 = \"x\"\n");
    for i in 1..40 {
        t.push_str(&format!(
            "  l{i} = \"${{local.l{p}}}${{local.l{p}}}\"\n",
            p = i - 1
        ));
    }
    t.push_str("  top = local.l39\n}\n");
    let dir = tf_dir(&t);
    let started = std::time::Instant::now();
    let (code, f) = run_args(&[], dir.path());
    assert_eq!(code, 1);
    assert!(kms000_with(&f, "steps").is_some(), "{f:?}");
    assert!(started.elapsed().as_secs() < 30);
}

#[test]
fn terraform_reference_cycle_is_kms000() {
    let dir = tf_dir("locals {\n  top = local.a\n  a = local.b\n  b = local.a\n}\n");
    let (code, f) = run_args(&[], dir.path());
    assert_eq!(code, 1);
    assert!(kms000_with(&f, "cycle").is_some(), "{f:?}");
}

#[test]
fn deep_terraform_expressions_across_locals_are_bounded() {
    // 60 locals, each nesting the previous one 60 lists deep: 3,600 levels of evaluation,
    // although no single expression is deeper than the HCL parser's own limit.
    let mut t = String::from("locals {\n  l0 = \"x\"\n");
    for i in 1..60 {
        t.push_str(&format!(
            "  l{i} = {}local.l{}{}\n",
            "[".repeat(60),
            i - 1,
            "]".repeat(60)
        ));
    }
    t.push_str("  top = local.l59\n}\n");
    let dir = tf_dir(&t);
    let (code, f) = run_args(&[], dir.path());
    assert_eq!(code, 1);
    assert!(kms000_with(&f, "nested deeper").is_some(), "{f:?}");
}

#[test]
fn hundred_thousand_nested_jsonencode_levels_are_a_parse_error() {
    let n = 100_000;
    let t = format!(
        "locals {{\n  top = {}\"x\"{}\n}}\n",
        "jsonencode([".repeat(n),
        "])".repeat(n)
    );
    let dir = tf_dir(&t);
    let (code, f) = run_args(&[], dir.path());
    assert_eq!(code, 1);
    assert!(
        f.iter().any(|x| x.0 == "KMS000" && x.1 == "main.tf"),
        "{f:?}"
    );
}

#[test]
fn templatefile_calling_itself_is_kms000_not_a_stack_overflow() {
    let dir = tf_dir("locals {\n  top = templatefile(\"${path.module}/t.tpl\", {})\n}\n");
    std::fs::write(dir.path().join("t.tpl"), "a${templatefile(\"t.tpl\", {})}").unwrap();
    let (code, f) = run_args(&[], dir.path());
    assert_eq!(code, 1);
    assert!(kms000_with(&f, "cycle").is_some(), "{f:?}");
}

#[test]
fn many_repeated_hcl_keys_are_a_bounded_parse_error() {
    let mut t = String::from("locals {\n  top = {\n");
    for i in 0..2000 {
        t.push_str(&format!("    k{i} = 1\n    k{i} = 2\n"));
    }
    t.push_str("  }\n}\n");
    let dir = tf_dir(&t);
    let started = std::time::Instant::now();
    let (code, f) = run_args(&[], dir.path());
    assert_eq!(code, 1);
    assert!(kms000_with(&f, "repeated object keys").is_some(), "{f:?}");
    assert!(started.elapsed().as_secs() < 30);
}

fn policy_with(statements: &str) -> String {
    format!("AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  K:\n    Type: AWS::KMS::Key\n    Properties:\n      KeyPolicy:\n        Statement:\n{statements}")
}

#[test]
fn too_many_statements_is_kms000_at_the_policy() {
    let st = "          - {Effect: Allow, Principal: '*', Action: 'kms:*'}\n".repeat(10_001);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("big.yaml"), policy_with(&st)).unwrap();
    let (code, f) = run_args(&[], dir.path());
    assert_eq!(code, 1);
    let hit = kms000_with(&f, "10000").unwrap_or_else(|| panic!("{f:?}"));
    assert_eq!((hit.2, hit.3), (3, 3), "at the key's logical id");
    assert_eq!(f.len(), 1, "nothing else is reported for the policy");
}

#[test]
fn an_object_with_too_many_keys_is_kms000() {
    let keys: String = (0..1500).map(|i| format!("k{i}: v, ")).collect();
    let st = format!("          - {{Effect: Allow, Principal: '*', Action: 'kms:*', Condition: {{StringEquals: {{{keys}}}}}}}\n");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("wide.yaml"), policy_with(&st)).unwrap();
    let (code, f) = run_args(&[], dir.path());
    assert_eq!(code, 1);
    assert!(kms000_with(&f, "1000").is_some(), "{f:?}");
}

#[test]
fn plan_with_too_deep_child_modules_is_kms000() {
    let n = 70;
    let mut m = String::from("{\"resources\": []}");
    for _ in 0..n {
        m = format!("{{\"child_modules\": [{m}]}}");
    }
    let plan = format!("{{\"format_version\": \"1.2\", \"planned_values\": {{\"root_module\": {m}}}, \"x\": \"aws_kms_\"}}");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("plan.json"), plan).unwrap();
    let (code, f) = run_args(&[], dir.path());
    assert_eq!(code, 1);
    assert!(
        kms000_with(&f, "child modules nested deeper").is_some(),
        "{f:?}"
    );
}

#[test]
fn terraform_file_over_the_size_limit_is_kms000() {
    let dir = tf_dir("locals {\n  top = \"*\"\n}\n");
    std::fs::write(
        dir.path().join("kmslint.toml"),
        "[scan]\nmax_file_size = 64\n",
    )
    .unwrap();
    let out = common::kmslint()
        .args(["--format", "json"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let f = findings(&v);
    assert!(kms000_with(&f, "max_file_size").is_some(), "{f:?}");
}

#[test]
fn file_function_honours_the_size_limit() {
    let dir = tf_dir("locals {\n  top = \"*\"\n}\n");
    // The module file is small; the policy file read through file() is not.
    std::fs::write(
        dir.path().join("main.tf"),
        "resource \"aws_kms_key\" \"k\" {\n  policy = file(\"policy.json\")\n}\n",
    )
    .unwrap();
    let policy = format!(
        "{{\"Statement\": [{{\"Effect\": \"Allow\", \"Principal\": \"*\", \"Action\": \"kms:*\", \"Sid\": \"{}\"}}]}}",
        "x".repeat(400)
    );
    std::fs::write(dir.path().join("policy.json"), policy).unwrap();
    std::fs::write(
        dir.path().join("kmslint.toml"),
        "[scan]\nmax_file_size = 300\n",
    )
    .unwrap();
    let out = common::kmslint()
        .args(["--format", "json"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let f = findings(&v);
    assert!(kms000_with(&f, "max_file_size").is_some(), "{f:?}");
    assert!(!f.iter().any(|x| x.0 == "KMS001"), "{f:?}");
}

// --- bad files and paths ---------------------------------------------------------------------

#[test]
fn binary_terraform_file_is_kms000_and_others_still_run() {
    let dir = tempfile::tempdir().unwrap();
    let bin: Vec<u8> = (0..=255u8).cycle().take(4096).collect();
    std::fs::create_dir(dir.path().join("tf")).unwrap();
    std::fs::write(dir.path().join("tf/blob.tf"), &bin).unwrap();
    std::fs::write(dir.path().join("ok.yaml"), BAD_TEMPLATE).unwrap();
    let (code, f) = run_args(&[], dir.path());
    assert_eq!(code, 1);
    let rules: Vec<(&str, &str)> = f.iter().map(|x| (x.0.as_str(), x.1.as_str())).collect();
    assert_eq!(rules, vec![("KMS001", "ok.yaml"), ("KMS000", "blob.tf")]);
    assert!(f[1].4.contains("UTF-8"), "{}", f[1].4);
}

#[test]
fn missing_var_file_is_a_usage_error() {
    let dir = tf_dir("locals {\n  top = \"*\"\n}\n");
    let out = common::kmslint()
        .args(["--isolated", "--var-file", "no/such.tfvars"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no/such.tfvars"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn missing_path_among_others_is_a_usage_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("ok.yaml"), BAD_TEMPLATE).unwrap();
    let out = common::kmslint()
        .arg("--isolated")
        .arg(dir.path())
        .arg(dir.path().join("gone.yaml"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("gone.yaml"));
}

// --- nothing outside the scan root is read ---------------------------------------------------

#[cfg(unix)]
#[test]
fn symlinks_out_of_the_scan_root_are_not_followed() {
    use std::os::unix::fs::symlink;
    let top = tempfile::tempdir().unwrap();
    let repo = top.path().join("repo");
    let secrets = top.path().join("secrets");
    std::fs::create_dir_all(repo.join("sub")).unwrap();
    std::fs::create_dir_all(&secrets).unwrap();
    std::fs::write(secrets.join("s.yaml"), BAD_TEMPLATE).unwrap();
    std::fs::write(repo.join("ok.yaml"), BAD_TEMPLATE).unwrap();
    symlink("../secrets/s.yaml", repo.join("leak.yaml")).unwrap();
    symlink("../../secrets", repo.join("sub/dir")).unwrap();
    symlink("/etc/passwd", repo.join("passwd.yaml")).unwrap();
    symlink("ok.yaml", repo.join("inside.yaml")).unwrap();
    let (code, f) = run_args(&[], &repo);
    assert_eq!(code, 1);
    let got: Vec<(&str, &str)> = f.iter().map(|x| (x.0.as_str(), x.1.as_str())).collect();
    assert_eq!(
        got,
        vec![
            ("KMS001", "inside.yaml"),
            ("KMS000", "leak.yaml"),
            ("KMS001", "ok.yaml"),
            ("KMS000", "passwd.yaml"),
            ("KMS000", "dir"),
        ]
    );
    for x in f.iter().filter(|x| x.0 == "KMS000") {
        assert!(x.4.contains("outside the scan root"), "{}", x.4);
    }
    // Named explicitly, the same file is the user's choice.
    let (code, f) = run_args(&[], &secrets.join("s.yaml"));
    assert_eq!((code, f.len()), (1, 1));
}

fn tf_policy_dir(policy_expr: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("m")).unwrap();
    std::fs::write(
        dir.path().join("m/main.tf"),
        format!("resource \"aws_kms_key\" \"k\" {{\n  policy = {policy_expr}\n}}\n"),
    )
    .unwrap();
    dir
}

#[test]
fn file_function_never_reads_outside_the_scan_root() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(
        outside.path().join("x.json"),
        "{\"Statement\": [{\"Effect\": \"Allow\", \"Principal\": \"*\", \"Action\": \"kms:*\"}]}",
    )
    .unwrap();
    let abs = outside.path().join("x.json");
    for expr in [
        "file(\"/etc/passwd\")".to_string(),
        "file(\"../x.json\")".to_string(),
        format!("file(\"{}\")", abs.display()),
        format!("templatefile(\"{}\", {{}})", abs.display()),
    ] {
        let dir = tf_policy_dir(&expr);
        // `../x.json` exists right above the module, but the scan root is the module itself.
        std::fs::copy(&abs, dir.path().join("x.json")).unwrap();
        let (code, f) = run_args(&[], &dir.path().join("m"));
        assert_eq!(code, 1, "{expr}");
        assert!(
            f.iter()
                .all(|x| x.0 != "KMS001" && !x.4.contains("root:x:0")),
            "{expr}: {f:?}"
        );
        assert!(
            f.iter().any(|x| x.0 == "KMS000"
                && (x.4.contains("outside the scan root") || x.4.contains("does not exist"))),
            "{expr}: {f:?}"
        );
    }
}

#[cfg(unix)]
#[test]
fn file_function_does_not_follow_a_symlink_out_of_the_root() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(
        outside.path().join("x.json"),
        "{\"Statement\": [{\"Effect\": \"Allow\", \"Principal\": \"*\", \"Action\": \"kms:*\"}]}",
    )
    .unwrap();
    let dir = tf_policy_dir("file(\"${path.module}/link.json\")");
    std::os::unix::fs::symlink(
        outside.path().join("x.json"),
        dir.path().join("m/link.json"),
    )
    .unwrap();
    let (code, f) = run_args(&[], &dir.path().join("m"));
    assert_eq!(code, 1);
    assert!(f.iter().all(|x| x.0 != "KMS001"), "{f:?}");
    assert!(kms000_with(&f, "outside the scan root").is_some(), "{f:?}");
}

#[test]
fn standard_input_honours_the_size_limit() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("k.toml"), "[scan]\nmax_file_size = 64\n").unwrap();
    let out = common::kmslint()
        .args(["--format", "json", "--config"])
        .arg(dir.path().join("k.toml"))
        .arg("-")
        .write_stdin(BAD_TEMPLATE)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let f = findings(&v);
    assert!(kms000_with(&f, "max_file_size").is_some(), "{f:?}");
}

#[test]
fn templatefile_used_in_its_own_variables_is_not_a_cycle() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("main.tf"),
        "resource \"aws_kms_key\" \"k\" {\n  policy = templatefile(\"p.tpl\", {who = templatefile(\"p.tpl\", {who = \"\\\"arn:aws:iam::444455556666:root\\\"\"})})\n}\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("p.tpl"),
        "{\"Statement\": [{\"Effect\": \"Allow\", \"Principal\": {\"AWS\": \"*\"}, \"Action\": \"kms:Decrypt\", \"Sid\": ${jsonencode(who)}}]}",
    )
    .unwrap();
    let (code, f) = run_args(&[], dir.path());
    assert_eq!(code, 1);
    assert!(f.iter().all(|x| x.0 != "KMS000"), "{f:?}");
    assert!(f.iter().any(|x| x.0 == "KMS001"), "{f:?}");
}
