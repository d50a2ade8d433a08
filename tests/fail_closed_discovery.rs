//! Fail closed, discovery: no ignore file, hidden directory, file name, file extension or way of
//! naming a file lets a public key through unseen. Each test runs the real binary on a tree of
//! files and checks the exit status, the finding and that every input is unchanged.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{git_index, Tree, PUBLIC_POLICY, PUBLIC_YAML};

#[test]
fn ignore_files_of_search_tools_never_hide_a_policy() {
    let t = Tree::new(&[
        (".ignore", "*\n"),
        (".rgignore", "*\n"),
        ("infra/.ignore", "key.yaml\n"),
        ("infra/key.yaml", PUBLIC_YAML),
    ]);
    let r = t.run(&["--isolated", "--format", "json", "."]);
    assert_eq!(r.code, 1, "{}", r.out);
    assert_eq!(r.rules(), ["KMS001"]);
    assert_eq!(r.json()["summary"]["ignored"], 0);
}

#[test]
fn gitignore_applies_only_inside_a_work_tree_and_only_to_untracked_files() {
    let t = Tree::new(&[(".gitignore", "infra/\n"), ("infra/key.yaml", PUBLIC_YAML)]);
    // Outside a git work tree (a tarball, a copy): not an ignore file at all.
    let r = t.run(&["--isolated", "--format", "json", "."]);
    assert_eq!(r.code, 1);
    assert_eq!(r.rules(), ["KMS001"]);
    // In a work tree whose index does not track it: left out, and every summary says so.
    std::fs::create_dir(t.path(".git")).unwrap();
    let r = t.run(&["--isolated", "--format", "json", "."]);
    assert_eq!(r.code, 0, "{}", r.out);
    assert_eq!(r.json()["summary"]["ignored"], 1);
    let human = t.run(&["--isolated", "."]);
    assert!(
        human
            .out
            .contains("kmslint: not checked: left out 1 path by .gitignore"),
        "{}",
        human.out
    );
    let sarif = t.run(&["--isolated", "--format", "sarif", "."]);
    let props = &sarif.json()["runs"][0]["invocations"][0]["properties"]["kmslint"];
    assert_eq!(props["ignored"], 1, "{props}");
    let github = t.run(&["--isolated", "--format", "github", "."]);
    assert!(
        github.out.contains("kmslint: not checked: left out 1 path"),
        "{}",
        github.out
    );
    // `--no-ignore`: read it all the same.
    let r = t.run(&["--isolated", "--no-ignore", "--format", "json", "."]);
    assert_eq!(r.rules(), ["KMS001"]);
    // A file git tracks is deployed whatever .gitignore says (`git add -f`): checked.
    t.write(".git/index", &git_index(&[".gitignore", "infra/key.yaml"]));
    let r = t.run(&["--isolated", "--format", "json", "."]);
    assert_eq!(r.code, 1, "{}", r.out);
    assert_eq!(r.rules(), ["KMS001"]);
    assert_eq!(r.json()["summary"]["ignored"], 0);
    // A directory named on the command line that is itself ignored is read whole.
    t.write(".gitignore", b"cdk.out/*\n");
    t.write("cdk.out/Stack.template.json", PUBLIC_POLICY.as_bytes());
    t.write("cdk.out/Stack.template.yaml", PUBLIC_YAML.as_bytes());
    let r = t.run(&["--isolated", "--format", "json", "."]);
    assert_eq!(r.json()["summary"]["ignored"], 2, "{}", r.out);
    let r = t.run(&["--isolated", "--format", "json", "cdk.out"]);
    assert_eq!(r.rules(), ["KMS001"], "{}", r.out);
    assert_eq!(r.json()["summary"]["ignored"], 0);
    // An index kmslint cannot read: no ignore rule is applied.
    t.write(".git/index", b"DIRC garbage");
    let r = t.run(&["--isolated", "--format", "json", "."]);
    assert_eq!(r.rules(), ["KMS001", "KMS001"], "{}", r.out);
    assert_eq!(r.json()["summary"]["ignored"], 0);
}

#[test]
fn hidden_directories_are_read_except_git_and_terraform() {
    let t = Tree::new(&[
        (".infra/template.yaml", PUBLIC_YAML),
        (".terraform/modules/x/key.yaml", PUBLIC_YAML),
        (
            "main.tf",
            "module \"kms\" {\n  source = \"./.kms\"\n}\n",
        ),
        (
            ".kms/main.tf",
            "resource \"aws_kms_key\" \"k\" {\n  policy = jsonencode({Statement = [{Effect = \"Allow\", Principal = \"*\", Action = \"kms:Decrypt\", Resource = \"*\"}]})\n}\n",
        ),
    ]);
    let r = t.run(&["--isolated", "--format", "json", "."]);
    assert_eq!(r.code, 1);
    let mut files: Vec<String> = r
        .findings()
        .iter()
        .map(|f| f["file"].as_str().unwrap().to_string())
        .collect();
    files.sort();
    assert_eq!(files, [".infra/template.yaml", ".kms/main.tf"], "{}", r.out);
    // A `.terraform` directory git tracks is committed content, not a cache: read.
    t.write(
        ".git/index",
        &git_index(&[".terraform/modules/x/key.yaml", ".infra/template.yaml"]),
    );
    let r = t.run(&["--isolated", "--format", "json", "."]);
    let committed = r
        .findings()
        .iter()
        .any(|f| f["file"] == ".terraform/modules/x/key.yaml");
    assert!(committed, "{}", r.out);
}

#[cfg(unix)]
#[test]
fn names_that_are_not_utf8_are_checked_and_shown_escaped() {
    use std::os::unix::ffi::OsStrExt;
    let t = Tree::new(&[]);
    std::fs::create_dir(t.path("infra")).unwrap();
    let name = std::ffi::OsStr::from_bytes(b"key-\xff\x1b[31m.yaml");
    std::fs::write(t.path("infra").join(name), PUBLIC_YAML).unwrap();
    // Walked.
    let r = t.run(&["--isolated", "--format", "json", "infra"]);
    assert_eq!(r.code, 1);
    assert_eq!(r.rules(), ["KMS001"]);
    let file = r.findings()[0]["file"].as_str().unwrap().to_string();
    assert!(file.contains('\u{fffd}'), "{file:?}");
    // Named on the command line; the human report shows the name lossily, escaped.
    let mut cmd = t.command();
    let out = cmd
        .arg("--isolated")
        .arg(std::path::Path::new("infra").join(name))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("key-\u{fffd}\\u{1b}[31m.yaml"), "{text}");
    assert!(!out.stdout.contains(&0x1b), "{text}");
}

#[test]
fn a_terraform_file_named_alone_is_checked_with_its_module() {
    let t = Tree::new(&[
        (
            "mod/main.tf",
            "resource \"aws_kms_key\" \"k\" {\n  policy = jsonencode({Statement = [{Effect = \"Allow\", Principal = { AWS = local.readers }, Action = \"kms:Decrypt\", Resource = \"*\"}]})\n}\n",
        ),
        ("mod/locals.tf", "locals {\n  readers = \"*\"\n}\n"),
        ("mod/other.yaml", PUBLIC_YAML),
    ]);
    // As pre-commit passes it: the changed file only.
    let r = t.run(&["--isolated", "--format", "json", "mod/main.tf"]);
    assert_eq!(r.code, 1, "{}", r.out);
    assert_eq!(r.rules(), ["KMS001"], "{}", r.out);
    assert_eq!(r.findings()[0]["file"], "mod/locals.tf");
    // Only the module's Terraform files come along, not the directory's other documents.
    assert_eq!(r.json()["summary"]["files"], 2);
    // The same from inside the directory.
    let mut cmd = t.command();
    let out = cmd
        .current_dir(t.path("mod"))
        .args(["--isolated", "--format", "json", "main.tf"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn a_template_named_alone_is_checked_through_its_module() {
    let t = Tree::new(&[
        (
            "mod/main.tf",
            "resource \"aws_kms_key\" \"k\" {\n  policy = templatefile(\"${path.module}/templates/policy.tftpl\", { readers = \"*\" })\n}\n",
        ),
        (
            "mod/templates/policy.tftpl",
            "{\"Statement\": [{\"Effect\": \"Allow\", \"Principal\": {\"AWS\": \"${readers}\"}, \"Action\": \"kms:Decrypt\", \"Resource\": \"*\"}]}\n",
        ),
    ]);
    let r = t.run(&[
        "--isolated",
        "--format",
        "json",
        "mod/templates/policy.tftpl",
    ]);
    assert_eq!(r.code, 1, "{}", r.out);
    assert_eq!(r.rules(), ["KMS001"], "{}", r.out);
    // A `.tpl` beside a module may be a CloudFormation template of its own: read as one too.
    t.write("mod/stack.tpl", PUBLIC_YAML.as_bytes());
    let r = t.run(&["--isolated", "--format", "json", "mod/stack.tpl"]);
    assert_eq!(r.code, 1, "{}", r.out);
    let files: Vec<String> = r
        .findings()
        .iter()
        .map(|f| f["file"].as_str().unwrap().to_string())
        .collect();
    assert!(files.contains(&"mod/stack.tpl".to_string()), "{files:?}");
    assert!(r.err.is_empty(), "{}", r.err);
}

#[test]
fn templates_under_other_names_are_read() {
    let jinja = "AWSTemplateFormatVersion: \"2010-09-09\"\nResources:\n{% for k in keys %}\n  Key{{ k }}:\n    Type: AWS::KMS::Key\n{% endfor %}\n";
    let t = Tree::new(&[
        ("stack.tmpl", PUBLIC_YAML),
        ("network.cf", PUBLIC_YAML),
        ("key.yaml.j2", PUBLIC_YAML),
        ("app/.ebextensions/01-key.config", PUBLIC_YAML),
        // Not something kmslint can parse, but it names a key: not passed quietly.
        ("jinja/keys.yaml.j2", jinja),
        // A template of something else: nothing to say.
        ("user-data.tpl", "#!/bin/sh\necho ${name}\n"),
        ("app/settings.config", PUBLIC_YAML),
    ]);
    let r = t.run(&["--isolated", "--format", "json", "."]);
    assert_eq!(r.code, 1);
    let mut seen: Vec<(String, String)> = r
        .findings()
        .iter()
        .map(|f| {
            (
                f["file"].as_str().unwrap().to_string(),
                f["rule"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    seen.sort();
    let want: Vec<(String, String)> = [
        ("app/.ebextensions/01-key.config", "KMS001"),
        ("jinja/keys.yaml.j2", "KMS000"),
        ("key.yaml.j2", "KMS001"),
        ("network.cf", "KMS001"),
        ("stack.tmpl", "KMS001"),
    ]
    .iter()
    .map(|(f, r)| ((*f).to_string(), (*r).to_string()))
    .collect();
    assert_eq!(seen, want, "{}", r.out);
}

#[test]
fn a_named_file_kmslint_does_not_read_is_said_and_not_counted() {
    let t = Tree::new(&[
        (
            "package.json",
            "{\"name\": \"app\", \"version\": \"1.0.0\"}\n",
        ),
        ("deploy.yaml", "apiVersion: apps/v1\nkind: Deployment\n"),
        ("README.md", "# Readme\n\nSome `text`: here.\n"),
    ]);
    let r = t.run(&[
        "--isolated",
        "--format",
        "json",
        "package.json",
        "deploy.yaml",
        "README.md",
    ]);
    assert_eq!(r.code, 0, "{}", r.err);
    for f in ["package.json", "deploy.yaml", "README.md"] {
        assert!(
            r.err.contains(&format!(
                "kmslint: skipped {f}: not a template, Terraform file, plan or key policy"
            )),
            "{}",
            r.err
        );
    }
    let summary = &r.json()["summary"];
    assert_eq!(summary["files"], 0);
    assert_eq!(summary["unrecognised"], 3);
    let human = t.run(&["--isolated", "package.json"]);
    assert!(
        human.out.contains(
            "not checked: 1 file named but not a template, Terraform file, plan or key policy"
        ),
        "{}",
        human.out
    );
    // A named file that holds policy text but does not parse is a KMS000, never skipped.
    t.write(
        "broken.json",
        b"{\"Statement\": [{\"Effect\": \"Allow\", \"Principal\": \"*\",}]}",
    );
    let r = t.run(&["--isolated", "--format", "json", "broken.json"]);
    assert_eq!(r.code, 1);
    assert_eq!(r.rules(), ["KMS000"]);
}

#[test]
fn every_shape_of_get_key_policy_is_a_key_policy() {
    let quoted = serde_json::to_string(PUBLIC_POLICY).unwrap();
    let wrapper = format!("{{\n    \"Policy\": {quoted},\n    \"PolicyName\": \"default\"\n}}\n");
    let text_output = format!("{PUBLIC_POLICY}\tdefault\n");
    let yaml_wrapper = format!("Policy: '{PUBLIC_POLICY}'\nPolicyName: default\n");
    let t = Tree::new(&[
        ("default.json", &wrapper),
        ("query.json", &format!("{quoted}\n")),
        ("text.txt", &text_output),
        ("plain.txt", PUBLIC_POLICY),
        ("wrapper.yaml", &yaml_wrapper),
    ]);
    for name in [
        "default.json",
        "query.json",
        "text.txt",
        "plain.txt",
        "wrapper.yaml",
    ] {
        let r = t.run(&[
            "--isolated",
            "--key-account",
            "111122223333",
            "--format",
            "json",
            name,
        ]);
        assert_eq!(r.code, 1, "{name}: {}", r.out);
        assert_eq!(r.rules(), ["KMS001"], "{name}");
        let f = &r.findings()[0];
        // The span is the principal inside the string, not the whole file.
        let text = std::fs::read_to_string(t.path(name)).unwrap();
        let (at, len) = (
            f["offset"].as_u64().unwrap() as usize,
            f["length"].as_u64().unwrap() as usize,
        );
        let shown = &text[at..at + len];
        assert!(shown.contains('*') && shown.len() < 10, "{name}: {shown:?}");
        // From standard input too.
        let r = t.run_with(
            &["--isolated", "--format", "json", "-"],
            Some(text.as_bytes()),
        );
        assert_eq!(r.rules(), ["KMS001"], "{name} on stdin");
    }
}

#[cfg(unix)]
#[test]
fn pipes_named_on_the_command_line_are_read_within_the_limit() {
    let t = Tree::new(&[
        ("policy.json", PUBLIC_POLICY),
        ("small.toml", "[scan]\nmax_file_size = 1000\n"),
    ]);
    // Process substitution: /dev/fd/N, a pipe, is a file named explicitly.
    let out = match std::process::Command::new("bash")
        .current_dir(t.path(""))
        .arg("-c")
        .arg(format!(
            "exec '{}' --isolated --key-account 111122223333 --format json <(cat policy.json)",
            env!("CARGO_BIN_EXE_kmslint")
        ))
        .output()
    {
        Ok(o) => o,
        Err(e) => {
            eprintln!("skipped: no bash ({e})");
            return;
        }
    };
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["findings"][0]["rule"], "KMS001");
    // A pipe fed far more than the limit: a KMS000, read no further than the limit.
    let fifo = t.path("big.json");
    if std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .map_or(true, |s| !s.success())
    {
        eprintln!("skipped: no mkfifo");
        return;
    }
    let feeder = {
        let fifo = fifo.clone();
        std::thread::spawn(move || {
            use std::io::Write;
            if let Ok(mut f) = std::fs::OpenOptions::new().write(true).open(&fifo) {
                let chunk = vec![b' '; 1 << 16];
                // Endless unless the reader stops: a broken pipe ends it.
                for _ in 0..(1 << 14) {
                    if f.write_all(&chunk).is_err() {
                        break;
                    }
                }
            }
        })
    };
    let out = t
        .command()
        .args(["--config", "small.toml", "--format", "json", "big.json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["findings"][0]["rule"], "KMS000");
    let msg = v["findings"][0]["message"].as_str().unwrap();
    assert!(msg.contains("1000-byte limit"), "{msg}");
    let _ = std::fs::remove_file(&fifo);
    let _ = feeder.join();
}

#[test]
fn standard_input_is_read_within_the_limit() {
    let t = Tree::new(&[("small.toml", "[scan]\nmax_file_size = 1000\n")]);
    let mut big = PUBLIC_POLICY.as_bytes().to_vec();
    big.resize(5000, b' ');
    let r = t.run_with(
        &["--config", "small.toml", "--format", "json", "-"],
        Some(&big),
    );
    assert_eq!(r.code, 1);
    assert_eq!(r.rules(), ["KMS000"]);
    // An endless producer: kmslint stops reading at the limit and reports.
    let mut child = t
        .command()
        .args(["--config", "small.toml", "--format", "json", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut pipe = child.stdin.take().unwrap();
    let feeder = std::thread::spawn(move || {
        use std::io::Write;
        let chunk = vec![b' '; 1 << 16];
        while pipe.write_all(&chunk).is_ok() {}
    });
    let out = child.wait_with_output().unwrap();
    feeder.join().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["findings"][0]["rule"], "KMS000");
}
