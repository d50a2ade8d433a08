//! The GitHub Action (action.yml) run locally by tests/action/run_action.py with a fake GITHUB_*
//! environment and the binary built for these tests: annotations, job summary, SARIF upload,
//! outputs and the job's status; the download of a release from a local HTTP server (archives
//! packed by `.ci/package-release`, as the release workflow packs them), its verification against
//! SHA256SUMS and the fall-back to the source build; and inputs that try to add outputs.
//!
//! Needs python3 with PyYAML; skips with a message when absent, unless `KMSLINT_CI_TOOLS=1`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use serde_json::Value;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const VERSION: &str = env!("CARGO_PKG_VERSION");
/// The archive the action picks on the harness's default runner (Linux, X64).
const LINUX_X64: &str = "x86_64-unknown-linux-musl";

const BAD: &str = r#"Resources:
  Key:
    Type: AWS::KMS::Key
    Properties:
      KeyPolicy:
        Statement:
          - Effect: Allow
            Principal: "*"
            Action: kms:Decrypt
            Resource: "*"
"#;

const GOOD: &str = r#"Resources:
  Key:
    Type: AWS::KMS::Key
    Properties:
      KeyPolicy:
        Statement:
          - Effect: Allow
            Principal: {AWS: "arn:aws:iam::444455556666:role/Reader"}
            Action: kms:Decrypt
            Resource: "*"
"#;

fn python_ready() -> bool {
    let ok = Command::new("python3")
        .args(["-c", "import yaml"])
        .output()
        .is_ok_and(|o| o.status.success());
    common::require(
        ok,
        "python3 with PyYAML is not installed (pip install pyyaml)",
    )
}

fn workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("infra")).unwrap();
    std::fs::write(dir.path().join("infra/bad.template"), BAD).unwrap();
    std::fs::write(dir.path().join("infra/good.yaml"), GOOD).unwrap();
    std::fs::write(
        dir.path().join("kmslint.toml"),
        "[trust]\naccounts = [\"444455556666\"]\n[trust.names]\n\"444455556666\" = \"analytics\"\n",
    )
    .unwrap();
    dir
}

/// How the harness runs the action, beyond its inputs.
#[derive(Default)]
struct Opts<'a> {
    /// Simulate a cache hit holding the binary built for these tests (the default for
    /// `run_action`): no download, no build.
    cache_hit: bool,
    /// RUNNER_OS and RUNNER_ARCH (default Linux, X64).
    runner: Option<(&'a str, &'a str)>,
    /// Stand in for `cargo install` in the "Build kmslint" step with this binary; the stub
    /// writes its arguments to `cargo_log`.
    source_build: Option<(&'a Path, &'a Path)>,
}

/// Runs the action with the test binary as a cache hit and downloads off; returns (runner exit
/// status, result JSON).
fn run_action(ws: &Path, inputs: &[(&str, &str)]) -> (i32, Value) {
    let mut inputs = inputs.to_vec();
    if !inputs.iter().any(|(k, _)| *k == "download-url") {
        inputs.push(("download-url", ""));
    }
    run_action_with(
        ws,
        &inputs,
        &Opts {
            cache_hit: true,
            ..Opts::default()
        },
    )
}

fn run_action_with(ws: &Path, inputs: &[(&str, &str)], opts: &Opts) -> (i32, Value) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let result: PathBuf = ws.join("result.json");
    let mut cmd = Command::new("python3");
    cmd.arg(root.join("tests/action/run_action.py"))
        .arg("--action-dir")
        .arg(root)
        .arg("--workspace")
        .arg(ws)
        .arg("--result")
        .arg(&result);
    if opts.cache_hit {
        cmd.arg("--bin").arg(env!("CARGO_BIN_EXE_kmslint"));
    }
    if let Some((os, arch)) = opts.runner {
        cmd.args(["--runner-os", os, "--runner-arch", arch]);
    }
    if let Some((bin, log)) = opts.source_build {
        cmd.arg("--source-build-bin").arg(bin);
        cmd.arg("--cargo-log").arg(log);
    }
    for (k, v) in inputs {
        cmd.arg("--input").arg(format!("{k}={v}"));
    }
    let out = cmd.output().unwrap();
    let log = String::from_utf8_lossy(&out.stdout);
    let err = String::from_utf8_lossy(&out.stderr);
    let code = out.status.code().unwrap_or(-1);
    assert!(
        (code == 0 || code == 1) && result.is_file(),
        "runner failed ({code}):\n{log}\n{err}"
    );
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&result).unwrap()).unwrap();
    (code, v)
}

fn commands(v: &Value) -> Vec<String> {
    v["commands"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_string())
        .collect()
}

fn step<'a>(v: &'a Value, name: &str) -> &'a Value {
    v["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == name)
        .unwrap_or_else(|| panic!("no step {name}"))
}

#[test]
fn findings_annotate_summarise_upload_sarif_and_fail_the_job() {
    if !python_ready() {
        return;
    }
    let ws = workspace();
    let (code, v) = run_action(
        ws.path(),
        &[("paths", "infra"), ("sarif-file", "results/kmslint.sarif")],
    );
    assert_eq!(code, 1, "{}", v["log"]);
    assert_eq!(v["status"], "failure");
    assert_eq!(v["outputs"]["exit-code"], "1");
    assert_eq!(v["outputs"]["sarif-file"], "results/kmslint.sarif");
    let cmds = commands(&v);
    assert!(
        cmds[0].starts_with(
            "::error file=infra/bad.template,line=8,col=24,endLine=8,endColumn=27,title=KMS001 wildcard-principal::"
        ),
        "{cmds:?}"
    );
    assert!(!cmds.iter().any(|c| c.contains("good.yaml")), "{cmds:?}");
    assert!(cmds
        .last()
        .unwrap()
        .starts_with("::error title=kmslint::kmslint found"));
    let summary = v["summary"].as_str().unwrap();
    assert!(summary.starts_with("## kmslint"), "{summary}");
    assert!(summary.contains("| 2 | 2 | 1 | 0 | 0 | 0 |"), "{summary}");
    assert!(
        summary.contains("| KMS001 | wildcard-principal | error | 1 | 0 |"),
        "{summary}"
    );
    assert!(
        summary.contains("| `444455556666` | analytics | trusted |"),
        "{summary}"
    );
    assert_eq!(v["uploads"][0]["sarif_file"], "results/kmslint.sarif");
    assert_eq!(v["uploads"][0]["category"], "kmslint");
    assert_eq!(v["uploads"][0]["results"], 1);
    assert_eq!(step(&v, "Build kmslint")["outcome"], "skipped");
    assert_eq!(step(&v, "Fail on findings")["outcome"], "failure");
}

#[test]
fn a_clean_run_passes_without_sarif() {
    if !python_ready() {
        return;
    }
    let ws = workspace();
    let (code, v) = run_action(ws.path(), &[("paths", "infra/good.yaml\n")]);
    assert_eq!(code, 0, "{}", v["log"]);
    assert_eq!(v["status"], "success");
    assert_eq!(v["outputs"]["exit-code"], "0");
    assert_eq!(v["outputs"]["sarif-file"], "");
    assert!(v["uploads"].as_array().unwrap().is_empty());
    assert_eq!(
        step(&v, "Upload SARIF to code scanning")["outcome"],
        "skipped"
    );
    assert_eq!(step(&v, "Fail on findings")["outcome"], "skipped");
    assert!(v["summary"].as_str().unwrap().contains("No findings."));
}

#[test]
fn fail_on_never_reports_but_passes_and_annotations_can_be_off() {
    if !python_ready() {
        return;
    }
    let ws = workspace();
    let (code, v) = run_action(ws.path(), &[("paths", "infra"), ("fail-on", "never")]);
    assert_eq!(code, 0, "{}", v["log"]);
    assert_eq!(v["outputs"]["exit-code"], "0");
    assert!(commands(&v)[0].starts_with("::error file=infra/bad.template"));

    let (code, v) = run_action(ws.path(), &[("paths", "infra"), ("annotations", "false")]);
    assert_eq!(code, 1);
    assert!(
        !commands(&v).iter().any(|c| c.starts_with("::error file=")),
        "{:?}",
        commands(&v)
    );
    let log = v["log"].as_str().unwrap();
    assert!(log.contains("KMS001 wildcard-principal"), "{log}");
    assert!(v["summary"].as_str().unwrap().contains("| KMS001 |"));
}

#[test]
fn config_input_and_usage_errors() {
    if !python_ready() {
        return;
    }
    let ws = workspace();
    std::fs::write(ws.path().join("strict.toml"), "[trust]\naccounts = []\n").unwrap();
    let (code, v) = run_action(
        ws.path(),
        &[("paths", "infra/good.yaml"), ("config", "strict.toml")],
    );
    assert_eq!(code, 1);
    assert!(commands(&v)[0].contains("title=KMS002 untrusted-account"));
    // A bad fail-on value is a usage error (exit 2): the step fails, nothing is uploaded.
    let (code, v) = run_action(
        ws.path(),
        &[
            ("paths", "infra"),
            ("fail-on", "sometimes"),
            ("sarif-file", "x.sarif"),
        ],
    );
    assert_eq!(code, 1);
    assert_eq!(step(&v, "Run kmslint")["outcome"], "failure");
    assert_eq!(
        step(&v, "Upload SARIF to code scanning")["outcome"],
        "skipped"
    );
}

#[test]
fn inputs_are_not_executed() {
    if !python_ready() {
        return;
    }
    let ws = workspace();
    let (code, v) = run_action(
        ws.path(),
        &[
            ("paths", "infra/good.yaml $(touch pwned) `touch pwned2` *"),
            ("config", "$(touch pwned3)"),
        ],
    );
    assert_eq!(code, 1);
    for f in ["pwned", "pwned2", "pwned3"] {
        assert!(!ws.path().join(f).exists(), "input executed: {f}");
    }
    assert_eq!(v["outputs"]["exit-code"], "2");
}

/// A static file server on 127.0.0.1 for the release downloads: GET only, 404 for anything that
/// is not a file under its root, one request per connection. It records the paths asked for.
struct Server {
    base: String,
    requests: Arc<Mutex<Vec<String>>>,
}

impl Server {
    fn start(root: &Path) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let requests = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&requests);
        let root = root.to_path_buf();
        // The thread ends with the test process; it only ever answers this test's requests.
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                stream.set_read_timeout(Some(Duration::from_secs(10))).ok();
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut request = String::new();
                if reader.read_line(&mut request).is_err() {
                    continue;
                }
                loop {
                    let mut header = String::new();
                    match reader.read_line(&mut header) {
                        Ok(n) if n > 0 && header != "\r\n" => {}
                        _ => break,
                    }
                }
                let path = request.split_whitespace().nth(1).unwrap_or("/").to_string();
                log.lock().unwrap().push(path.clone());
                let file = root.join(path.trim_start_matches('/'));
                let body = if path.contains("..") || !file.is_file() {
                    None
                } else {
                    std::fs::read(&file).ok()
                };
                let (status, body) = match body {
                    Some(b) => ("200 OK", b),
                    None => ("404 Not Found", b"not found\n".to_vec()),
                };
                let head = format!(
                    "HTTP/1.1 {status}\r\nContent-Length: {}\r\nContent-Type: application/octet-stream\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                let _ = stream.write_all(head.as_bytes());
                let _ = stream.write_all(&body);
            }
        });
        Server { base, requests }
    }

    fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }
}

fn archive_name(target: &str) -> String {
    let ext = if target.contains("-windows-") {
        "zip"
    } else {
        "tar.gz"
    };
    format!("kmslint-v{VERSION}-{target}.{ext}")
}

/// Packs `binary` as the release archive of `target` into `dir` with `.ci/package-release`, the
/// script the release workflow runs.
fn package(dir: &Path, target: &str, binary: &Path) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = Command::new("bash")
        .arg(root.join(".ci/package-release"))
        .arg(target)
        .arg(binary)
        .arg(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "package-release: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(dir.join(archive_name(target)).is_file());
}

fn write_sums(dir: &Path) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = Command::new("bash")
        .arg(root.join(".ci/package-release"))
        .arg("--sums")
        .arg(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "package-release --sums: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// An executable script in `dir` that, if it is ever run, leaves `marker` behind.
fn tripwire(dir: &Path, marker: &Path) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    let path = dir.join(format!(
        "touch-{}",
        marker.file_name().unwrap().to_string_lossy()
    ));
    std::fs::write(
        &path,
        format!(
            "#!/bin/sh\ntouch '{}'\necho tripwire ran\n",
            marker.display()
        ),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    path
}

/// A release `v<VERSION>` under `<tmp>/releases` with `binary` as the Linux x86_64 archive (the
/// harness's runner) and a small stand-in for the aarch64 one; returns the release directory.
fn release_dir(tmp: &Path, binary: &Path) -> PathBuf {
    let rel = tmp.join(format!("releases/v{VERSION}"));
    std::fs::create_dir_all(&rel).unwrap();
    package(&rel, LINUX_X64, binary);
    package(
        &rel,
        "aarch64-unknown-linux-musl",
        &tripwire(tmp, &tmp.join("aarch64-binary-ran")),
    );
    write_sums(&rel);
    rel
}

#[test]
fn a_released_version_is_downloaded_verified_and_run() {
    if !python_ready() {
        return;
    }
    let ws = workspace();
    let tmp = tempfile::tempdir().unwrap();
    // The archive holds the binary built for these tests.
    release_dir(tmp.path(), Path::new(env!("CARGO_BIN_EXE_kmslint")));
    let server = Server::start(tmp.path());
    // Were the source build to run, it would install a binary that leaves a marker.
    let marker = tmp.path().join("source-build-ran");
    let stub = tripwire(tmp.path(), &marker);
    let cargo_log = tmp.path().join("cargo.log");
    let url = format!("{}/releases", server.base);
    let (code, v) = run_action_with(
        ws.path(),
        &[("paths", "infra"), ("download-url", &url)],
        &Opts {
            source_build: Some((&stub, &cargo_log)),
            ..Opts::default()
        },
    );
    assert_eq!(code, 1, "{}", v["log"]);
    let archive = archive_name(LINUX_X64);
    assert_eq!(
        step(&v, "Locate the kmslint build")["outputs"]["archive"],
        archive
    );
    assert_eq!(
        step(&v, "Download and verify a released kmslint")["outcome"],
        "success",
        "{}",
        v["log"]
    );
    assert_eq!(
        server.requests(),
        [
            format!("/releases/v{VERSION}/SHA256SUMS"),
            format!("/releases/v{VERSION}/{archive}"),
        ]
    );
    let log = v["log"].as_str().unwrap();
    assert!(
        log.contains(&format!("{archive}: sha256 ")) && log.contains("matches SHA256SUMS"),
        "{log}"
    );
    assert_eq!(step(&v, "Restore the kmslint build")["outcome"], "skipped");
    assert_eq!(step(&v, "Build kmslint")["outcome"], "skipped");
    assert!(!cargo_log.exists() && !marker.exists());
    // The downloaded binary ran: annotations and the exit code.
    assert_eq!(v["outputs"]["exit-code"], "1");
    assert!(
        commands(&v)[0].starts_with("::error file=infra/bad.template"),
        "{:?}",
        commands(&v)
    );
}

#[test]
fn a_tampered_archive_fails_the_step_and_is_never_run() {
    if !python_ready() {
        return;
    }
    let ws = workspace();
    let tmp = tempfile::tempdir().unwrap();
    // SHA256SUMS is published for a genuine archive (a small stand-in here, so the test need not
    // pack the whole binary twice); then the archive is swapped for one whose binary leaves a
    // marker when it runs.
    let rel = release_dir(
        tmp.path(),
        &tripwire(tmp.path(), &tmp.path().join("genuine-ran")),
    );
    let marker = tmp.path().join("tampered-binary-ran");
    let evil = tripwire(tmp.path(), &marker);
    package(&rel, LINUX_X64, &evil);
    let cargo_log = tmp.path().join("cargo.log");
    let server = Server::start(tmp.path());
    let url = format!("{}/releases", server.base);
    let (code, v) = run_action_with(
        ws.path(),
        &[("paths", "infra"), ("download-url", &url)],
        &Opts {
            source_build: Some((&evil, &cargo_log)),
            ..Opts::default()
        },
    );
    assert_eq!(code, 1, "{}", v["log"]);
    assert_eq!(v["status"], "failure");
    assert_eq!(
        step(&v, "Download and verify a released kmslint")["outcome"],
        "failure"
    );
    let archive = archive_name(LINUX_X64);
    let cmds = commands(&v);
    assert!(
        cmds.iter().any(|c| c.starts_with(&format!(
            "::error title=kmslint::checksum mismatch for {archive}: SHA256SUMS says "
        )) && c.contains("deleted without being unpacked or run")),
        "{cmds:?}"
    );
    assert!(!marker.exists(), "the tampered binary ran");
    // No fall-back to the source build and no run: the job stops at the mismatch.
    for name in ["Restore the kmslint build", "Build kmslint", "Run kmslint"] {
        assert_eq!(step(&v, name)["outcome"], "skipped", "{name}");
    }
    assert!(!cargo_log.exists());
    assert_eq!(v["outputs"]["exit-code"], "");
}

#[test]
fn a_missing_archive_falls_back_to_the_source_build() {
    if !python_ready() {
        return;
    }
    let ws = workspace();
    let tmp = tempfile::tempdir().unwrap();
    // A release with no archive for this runner (only aarch64), and a version never released.
    let rel = tmp.path().join(format!("releases/v{VERSION}"));
    std::fs::create_dir_all(&rel).unwrap();
    package(
        &rel,
        "aarch64-unknown-linux-musl",
        &tripwire(tmp.path(), &tmp.path().join("aarch64-binary-ran")),
    );
    write_sums(&rel);
    let server = Server::start(tmp.path());
    let url = format!("{}/releases", server.base);
    for (version, notice) in [
        ("", format!("has no {}", archive_name(LINUX_X64))),
        ("9.9.9", "SHA256SUMS could not be downloaded".to_string()),
    ] {
        let cargo_log = tmp.path().join(format!("cargo-{version}.log"));
        let (code, v) = run_action_with(
            ws.path(),
            &[
                ("paths", "infra"),
                ("download-url", &url),
                ("version", version),
            ],
            &Opts {
                source_build: Some((Path::new(env!("CARGO_BIN_EXE_kmslint")), &cargo_log)),
                ..Opts::default()
            },
        );
        assert_eq!(code, 1, "{}", v["log"]);
        assert_eq!(
            step(&v, "Download and verify a released kmslint")["outcome"],
            "success"
        );
        let cmds = commands(&v);
        assert!(
            cmds.iter()
                .any(|c| c.starts_with("::notice title=kmslint::")
                    && c.contains(&notice)
                    && c.ends_with("building kmslint from source instead")),
            "{cmds:?}"
        );
        assert_eq!(step(&v, "Restore the kmslint build")["outcome"], "success");
        assert_eq!(step(&v, "Build kmslint")["outcome"], "success");
        // The Build step's own command ran: `cargo install` of the action's checkout.
        let args: Vec<String> = std::fs::read_to_string(&cargo_log)
            .unwrap()
            .lines()
            .map(str::to_string)
            .collect();
        let root = step(&v, "Locate the kmslint build")["outputs"]["root"]
            .as_str()
            .unwrap()
            .to_string();
        assert_eq!(
            args,
            [
                "install",
                "--locked",
                "--path",
                env!("CARGO_MANIFEST_DIR"),
                "--root",
                &root
            ],
        );
        // ... and the binary it installed ran.
        assert_eq!(v["outputs"]["exit-code"], "1");
        assert!(
            cmds.iter()
                .any(|c| c.starts_with("::error file=infra/bad.template")),
            "{cmds:?}"
        );
    }
    let expected_requests = [
        format!("/releases/v{VERSION}/SHA256SUMS"),
        "/releases/v9.9.9/SHA256SUMS".to_string(),
    ];
    assert_eq!(server.requests(), expected_requests);
}

#[test]
fn runners_map_to_the_released_archives() {
    if !python_ready() {
        return;
    }
    let ws = workspace();
    let release_yml = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join(".github/workflows/release.yml"),
    )
    .unwrap();
    for (os, arch, target) in [
        ("Linux", "X64", Some("x86_64-unknown-linux-musl")),
        ("Linux", "ARM64", Some("aarch64-unknown-linux-musl")),
        ("macOS", "X64", Some("x86_64-apple-darwin")),
        ("macOS", "ARM64", Some("aarch64-apple-darwin")),
        ("Windows", "X64", Some("x86_64-pc-windows-msvc")),
        ("Windows", "ARM64", None),
        ("Linux", "ARM", None),
    ] {
        let (code, v) = run_action_with(
            ws.path(),
            &[("paths", "infra/good.yaml"), ("download-url", "")],
            &Opts {
                cache_hit: true,
                runner: Some((os, arch)),
                ..Opts::default()
            },
        );
        assert_eq!(code, 0, "{os} {arch}: {}", v["log"]);
        let outputs = &step(&v, "Locate the kmslint build")["outputs"];
        assert_eq!(outputs["version"], VERSION);
        assert_eq!(outputs["target"], target.unwrap_or(""), "{os} {arch}");
        assert_eq!(
            outputs["archive"],
            target.map(archive_name).unwrap_or_default(),
            "{os} {arch}"
        );
        if let Some(t) = target {
            // The release workflow builds that target.
            assert!(release_yml.contains(&format!("target: {t}\n")), "{t}");
        }
    }
    // `source` never downloads; a version that is not one fails before anything runs.
    let (code, v) = run_action_with(
        ws.path(),
        &[("paths", "infra/good.yaml"), ("version", "source")],
        &Opts {
            cache_hit: true,
            ..Opts::default()
        },
    );
    assert_eq!(code, 0, "{}", v["log"]);
    assert_eq!(
        step(&v, "Locate the kmslint build")["outputs"]["archive"],
        ""
    );
    assert_eq!(
        step(&v, "Download and verify a released kmslint")["outcome"],
        "skipped"
    );
    let (code, v) = run_action(
        ws.path(),
        &[("paths", "infra"), ("version", "1.0.0 $(touch pwned)")],
    );
    assert_eq!(code, 1);
    assert!(!ws.path().join("pwned").exists());
    assert_eq!(step(&v, "Locate the kmslint build")["outcome"], "failure");
    assert_eq!(step(&v, "Run kmslint")["outcome"], "skipped");
    assert!(commands(&v)[0].starts_with("::error title=kmslint::the version input must be"));
}

#[test]
fn the_default_download_url_and_binstall_follow_the_release_names() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let action = std::fs::read_to_string(root.join("action.yml")).unwrap();
    let repo = env!("CARGO_PKG_REPOSITORY");
    assert!(
        action.contains(&format!("    default: {repo}/releases/download\n")),
        "action.yml's download-url default is not {repo}/releases/download"
    );
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
    for needle in [
        "pkg-url = \"{ repo }/releases/download/v{ version }/{ name }-v{ version }-{ target }.tar.gz\"",
        "bin-dir = \"{ name }-v{ version }-{ target }/{ bin }{ binary-ext }\"",
        "pkg-url = \"{ repo }/releases/download/v{ version }/{ name }-v{ version }-{ target }.zip\"",
    ] {
        assert!(manifest.contains(needle), "Cargo.toml lacks {needle}");
    }
}

#[test]
fn a_sarif_file_with_a_line_break_cannot_add_outputs() {
    if !python_ready() {
        return;
    }
    let ws = workspace();
    let (code, v) = run_action(
        ws.path(),
        &[
            ("paths", "infra"),
            ("sarif-file", "x.sarif\nexit-code=0\nsarif-file=/etc/passwd"),
        ],
    );
    assert_eq!(code, 1);
    assert_eq!(v["status"], "failure");
    let run = step(&v, "Run kmslint");
    assert_eq!(run["outcome"], "failure");
    assert!(commands(&v)[0]
        .starts_with("::error title=kmslint::the sarif-file input holds a line break"));
    // Nothing was written: no `exit-code=0` line, no output at all.
    let file = run["output_file"].as_str().unwrap();
    assert!(!file.lines().any(|l| l.starts_with("exit-code")), "{file}");
    assert_eq!(run["outputs"], serde_json::json!({}));
    assert_eq!(v["outputs"]["exit-code"], "");
    assert_eq!(v["outputs"]["sarif-file"], "");
    assert!(!ws.path().join("x.sarif").exists());
    assert_eq!(
        step(&v, "Upload SARIF to code scanning")["outcome"],
        "skipped"
    );

    // Outputs are `name<<DELIMITER` blocks: a name holding `=` and `<<` comes back whole and adds
    // nothing.
    let odd = "odd=exit-code<<EOF=0.sarif";
    let (code, v) = run_action(ws.path(), &[("paths", "infra"), ("sarif-file", odd)]);
    assert_eq!(code, 1, "{}", v["log"]);
    assert_eq!(v["outputs"]["exit-code"], "1");
    assert_eq!(v["outputs"]["sarif-file"], odd);
    let run = step(&v, "Run kmslint");
    let keys: Vec<&String> = run["outputs"].as_object().unwrap().keys().collect();
    assert_eq!(keys, ["exit-code", "sarif-file"]);
    let file = run["output_file"].as_str().unwrap();
    assert!(
        file.lines()
            .next()
            .unwrap()
            .starts_with("exit-code<<ghadelimiter_"),
        "{file}"
    );
}

#[test]
fn newline_separated_paths_may_hold_spaces() {
    if !python_ready() {
        return;
    }
    let ws = workspace();
    std::fs::create_dir(ws.path().join("key policies")).unwrap();
    std::fs::write(ws.path().join("key policies/open key.yaml"), BAD).unwrap();
    let (code, v) = run_action(
        ws.path(),
        &[("paths", "key policies\n  infra/good.yaml  \r\n\n")],
    );
    assert_eq!(code, 1, "{}", v["log"]);
    assert_eq!(v["outputs"]["exit-code"], "1");
    let cmds = commands(&v);
    assert!(
        cmds[0].starts_with("::error file=key policies/open key.yaml,line=8"),
        "{cmds:?}"
    );
    // On one line the paths are split on whitespace, as before: `key` and `policies` do not exist.
    let (code, v) = run_action(ws.path(), &[("paths", "key policies")]);
    assert_eq!(code, 1);
    assert_eq!(v["outputs"]["exit-code"], "2");
}
