//! Runs the whole pipeline over the discovered units, in parallel, and collects one sorted
//! `Report`. Each unit is read once and parsed once; nothing downstream re-reads a file.

use crate::config::{Config, Severity};
use crate::discover::{self, DiscoverError};
use crate::extract::{cloudformation, ExtractError, Extracted, PolicySite, SiteBody, Unit};
use crate::inventory::{self, KeyRecord};
use crate::model::facts::{self, Subject, SubjectKind};
use crate::model::principal::{self, Trust};
use crate::parse::{json, yaml, Node};
use crate::resolve::cloudformation::Template;
use crate::resolve::{Doc, DocKind, Value};
use crate::rules::engine;
use crate::rules::registry::Registry;
use crate::rules::{Finding, Related};
use crate::source::{FileId, Loc, SourceFile, Span};
use crate::suppress::{self, Date, Suppression};
use rayon::prelude::*;
use std::collections::HashSet;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Files larger than this are not parsed (a KMS000 finding says so), unless the config raises it.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 32 * 1024 * 1024;
/// Most statements one key policy may hold (AWS allows 32 KB of policy text: a few hundred).
pub const MAX_STATEMENTS: usize = 10_000;
/// Most elements (keys, values, list items) one resolved key policy may hold.
pub const MAX_POLICY_NODES: usize = 100_000;
/// Most keys one object in a key policy may hold.
pub const MAX_OBJECT_KEYS: usize = 1_000;
/// Stack of each worker thread: the depth limits keep recursion far below this even in debug
/// builds, so it is a margin, not a requirement.
const WORKER_STACK: usize = 32 << 20;

#[derive(Clone, Debug, Default)]
pub struct Options {
    pub paths: Vec<PathBuf>,
    /// Standard input, already read: (display name, text).
    pub stdin: Option<(String, Vec<u8>)>,
    /// Terraform variable files given with `--var-file`.
    pub var_files: Vec<PathBuf>,
    /// The account that owns the key, for bare policies and plans (`--key-account`).
    pub key_account: Option<String>,
    /// Worker threads; 0 = one per core.
    pub jobs: usize,
    /// The date suppressions' `until=` is compared with; `None` = today from the system clock.
    pub today: Option<Date>,
    /// Parse every file fully instead of skipping those the byte scan rules out (for testing
    /// that the scan never hides a finding).
    pub no_prefilter: bool,
}

/// Running totals of a scan, kept while findings stream past.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Totals {
    /// Files read.
    pub files: usize,
    /// Key policies and grants checked.
    pub policies: usize,
    /// Unsuppressed findings by severity.
    pub errors: usize,
    pub warnings: usize,
    pub notes: usize,
    pub suppressed: usize,
}

impl Totals {
    fn add(&mut self, unit: &UnitReport) {
        self.files += unit.files;
        self.policies += unit.policies;
        for f in &unit.findings {
            match (f.suppressed, f.severity) {
                (true, _) => self.suppressed += 1,
                (false, Severity::Error) => self.errors += 1,
                (false, Severity::Warning) => self.warnings += 1,
                (false, Severity::Note) => self.notes += 1,
            }
        }
    }

    /// Unsuppressed findings.
    pub fn findings(&self) -> usize {
        self.errors + self.warnings + self.notes
    }

    /// Unsuppressed findings at `sev` or worse.
    pub fn count_at_least(&self, sev: Severity) -> usize {
        match sev {
            Severity::Error => self.errors,
            Severity::Warning => self.errors + self.warnings,
            Severity::Note => self.findings(),
        }
    }
}

/// A whole scan, collected: for the inventory, tests and library users. The CLI's check streams
/// instead (`scan_each`), so that memory holds one batch of files, not the whole repository.
#[derive(Debug, Default)]
pub struct Report {
    /// In output order: by unit (a template, a Terraform module directory), then file and span.
    pub findings: Vec<Finding>,
    /// One record per key and grant, for `kmslint inventory`, sorted by file and line.
    pub keys: Vec<KeyRecord>,
    pub totals: Totals,
}

/// What one unit of work (a document, a Terraform module, an unreadable path) gave.
#[derive(Debug, Default)]
pub struct UnitReport {
    pub files: usize,
    pub policies: usize,
    /// Sorted by file, position and rule.
    pub findings: Vec<Finding>,
    pub keys: Vec<KeyRecord>,
}

/// Units checked in parallel before their results are handed on in order. Fixed, not derived
/// from the thread count, so the output is the same whatever `--jobs` is; large enough that
/// waiting for a batch's slowest unit costs little; small enough that a batch's texts stay a few
/// megabytes.
const BATCH: usize = 256;

/// Scans the paths (and standard input) and returns every finding, in output order.
pub fn scan(opts: &Options, cfg: &Config, reg: &Registry) -> Result<Report, DiscoverError> {
    collect(opts, cfg, reg, true)
}

/// Scans for the inventory: every key record (already counting its findings), no findings.
pub fn scan_keys(opts: &Options, cfg: &Config, reg: &Registry) -> Result<Report, DiscoverError> {
    collect(opts, cfg, reg, false)
}

fn collect(
    opts: &Options,
    cfg: &Config,
    reg: &Registry,
    findings: bool,
) -> Result<Report, DiscoverError> {
    let mut report = Report::default();
    report.totals = scan_each(opts, cfg, reg, &mut |unit| {
        if findings {
            report.findings.extend(unit.findings);
        }
        report.keys.extend(unit.keys);
        ControlFlow::Continue(())
    })?;
    report
        .keys
        .sort_by(|a, b| (&a.file, a.line, &a.resource).cmp(&(&b.file, b.line, &b.resource)));
    Ok(report)
}

/// One unit of work, in the order units are reported.
enum Work<'a> {
    /// A discovered path that could not be read.
    Unreadable(&'a Path, &'a str),
    Document(&'a PathBuf),
    Module(&'a PathBuf, &'a [PathBuf]),
    Stdin(&'a str, &'a [u8]),
}

impl Work<'_> {
    fn key(&self) -> &Path {
        match self {
            Work::Unreadable(p, _) => p,
            Work::Document(p) | Work::Module(p, _) => p,
            Work::Stdin(name, _) => Path::new(name),
        }
    }
}

/// Scans the paths (and standard input) and hands each unit's report to `sink` as soon as its
/// batch is checked (see `Scan::run`). Returns the totals.
pub fn scan_each(
    opts: &Options,
    cfg: &Config,
    reg: &Registry,
    sink: &mut dyn FnMut(UnitReport) -> ControlFlow<()>,
) -> Result<Totals, DiscoverError> {
    Ok(Scan::prepare(opts, cfg, reg)?.run(sink))
}

/// A scan with its files found and its usage errors known: `prepare` fails before anything is
/// checked or written (a missing path, a bad exclude pattern), `run` cannot fail.
pub struct Scan<'a> {
    opts: &'a Options,
    cfg: &'a Config,
    reg: &'a Registry,
    /// The built-in rules plus the config's custom rules, when it has some.
    custom: Option<Registry>,
    jobs: usize,
    found: discover::Discovered,
    var_files: Vec<Arc<SourceFile>>,
    /// Paths found but not readable, and `--var-file`s that could not be read.
    unreadable: Vec<(PathBuf, String)>,
    /// The files named as arguments (a bare policy is checked only in those).
    explicit: HashSet<PathBuf>,
    /// What `file()` may read below: each directory argument, and each file argument's folder.
    roots: HashSet<PathBuf>,
}

impl<'a> Scan<'a> {
    pub fn prepare(
        opts: &'a Options,
        cfg: &'a Config,
        reg: &'a Registry,
    ) -> Result<Self, DiscoverError> {
        let custom = (!cfg.custom_rules.is_empty()).then(|| reg.with_custom(&cfg.custom_rules));
        let jobs = if opts.jobs == 0 {
            std::thread::available_parallelism().map_or(1, |n| n.get())
        } else {
            opts.jobs
        };
        let found = discover::discover(&opts.paths, cfg, jobs)?;
        // `--var-file`s: read once; one that does not exist is a usage error, like a path.
        let mut var_files = Vec::new();
        let mut unreadable: Vec<(PathBuf, String)> = found.errors.clone();
        for p in &opts.var_files {
            if std::fs::metadata(p).is_err() {
                return Err(DiscoverError::Missing(p.clone()));
            }
            match read_text(p, cfg) {
                Ok(text) => var_files.push(SourceFile::new(display_path(p), text)),
                Err(message) => unreadable.push((p.clone(), message)),
            }
        }
        let explicit: HashSet<PathBuf> =
            opts.paths.iter().filter(|p| p.is_file()).cloned().collect();
        let roots = opts
            .paths
            .iter()
            .map(|p| match p.parent() {
                Some(dir) if explicit.contains(p) => dir.to_path_buf(),
                _ => p.clone(),
            })
            .collect();
        Ok(Scan {
            opts,
            cfg,
            reg,
            custom,
            jobs,
            found,
            var_files,
            unreadable,
            explicit,
            roots,
        })
    }

    /// Leaves these files out of the scan: the reports this run writes (`--output`), which
    /// exist, half written, while it runs. Compared by canonical path; only a file named like
    /// one of them is canonicalised.
    pub fn skip(&mut self, files: &[PathBuf]) {
        let skip: Vec<PathBuf> = files
            .iter()
            .filter_map(|f| std::fs::canonicalize(f).ok())
            .collect();
        if skip.is_empty() {
            return;
        }
        let skipped = |p: &PathBuf| {
            skip.iter().any(|s| s.file_name() == p.file_name())
                && std::fs::canonicalize(p).is_ok_and(|c| skip.contains(&c))
        };
        self.found.documents.retain(|p| !skipped(p));
        for files in self.found.modules.values_mut() {
            files.retain(|p| !skipped(p));
        }
        self.found.modules.retain(|_, files| !files.is_empty());
    }

    /// Checks every unit and hands each unit's report to `sink` as soon as its batch is done,
    /// in a fixed order: units sorted by path (a Terraform module by its directory, standard
    /// input last), each unit's findings sorted by file and position. `sink` can stop the scan.
    pub fn run(&self, sink: &mut dyn FnMut(UnitReport) -> ControlFlow<()>) -> Totals {
        let (opts, cfg) = (self.opts, self.cfg);
        let reg = self.custom.as_ref().unwrap_or(self.reg);
        let var_files = &self.var_files;
        let mut work: Vec<Work> = self
            .unreadable
            .iter()
            .map(|(p, m)| Work::Unreadable(p, m))
            .chain(self.found.documents.iter().map(Work::Document))
            .chain(self.found.modules.iter().map(|(d, f)| Work::Module(d, f)))
            .collect();
        work.sort_by(|a, b| a.key().cmp(b.key()));
        if let Some((name, bytes)) = &opts.stdin {
            work.push(Work::Stdin(name, bytes));
        }
        let run = |w: &Work| -> UnitReport {
            let mut unit = match *w {
                Work::Unreadable(path, message) => {
                    // Not counted as a file read: it never was.
                    let message =
                        format!("cannot read {}: {message}", display_path(path).display());
                    let code = "kmslint::discover";
                    let mut unit =
                        file_error(path, String::new(), Span::empty(0), message, code, cfg, reg);
                    unit.files = 0;
                    unit
                }
                Work::Document(p) => {
                    check_document_path(p, self.explicit.contains(p), opts, cfg, reg)
                }
                Work::Module(dir, files) => {
                    check_module(dir, files, var_files, &self.roots, opts, cfg, reg)
                }
                Work::Stdin(name, bytes) => {
                    let limit = cfg.max_file_size.unwrap_or(DEFAULT_MAX_FILE_SIZE);
                    if bytes.len() as u64 > limit {
                        read_error(
                            Path::new(name),
                            format!(
                                "input is larger than the {limit}-byte limit ([scan] max_file_size)"
                            ),
                            cfg,
                            reg,
                        )
                    } else {
                        check_document_bytes(Path::new(name), bytes.to_vec(), true, opts, cfg, reg)
                    }
                }
            };
            unit.findings
                .sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
            unit
        };
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(self.jobs)
            .stack_size(WORKER_STACK)
            .build();
        let mut totals = Totals::default();
        for batch in work.chunks(BATCH) {
            let check = || batch.par_iter().map(run).collect::<Vec<_>>();
            let results = match &pool {
                Ok(pool) => pool.install(check),
                Err(_) => check(),
            };
            for unit in results {
                totals.add(&unit);
                if sink(unit).is_break() {
                    return totals;
                }
            }
        }
        totals
    }
}

/// `./a/b` -> `a/b`: paths in messages are as the user gave them, without noise.
fn display_path(p: &Path) -> PathBuf {
    p.strip_prefix("./").unwrap_or(p).to_path_buf()
}

fn check_document_path(
    path: &Path,
    explicit: bool,
    opts: &Options,
    cfg: &Config,
    reg: &Registry,
) -> UnitReport {
    let limit = cfg.max_file_size.unwrap_or(DEFAULT_MAX_FILE_SIZE);
    let too_big = std::fs::metadata(path)
        .map(|m| m.len() > limit)
        .unwrap_or(false);
    let read = if too_big {
        Err(format!(
            "file is larger than the {limit}-byte limit ([scan] max_file_size)"
        ))
    } else {
        std::fs::read(path).map_err(|e| e.to_string())
    };
    match read {
        Ok(bytes) => check_document_bytes(path, bytes, explicit, opts, cfg, reg),
        Err(message) => read_error(path, message, cfg, reg),
    }
}

/// A file that could not be read: one KMS000 naming it.
fn read_error(path: &Path, message: String, cfg: &Config, reg: &Registry) -> UnitReport {
    let message = format!("cannot read {}: {message}", display_path(path).display());
    file_error(
        path,
        String::new(),
        Span::empty(0),
        message,
        "kmslint::read",
        cfg,
        reg,
    )
}

/// A file that nothing could be checked in: its single KMS000, at `span` of `text`.
fn file_error(
    path: &Path,
    text: String,
    span: Span,
    message: String,
    code: &'static str,
    cfg: &Config,
    reg: &Registry,
) -> UnitReport {
    let unit = Unit::single(SourceFile::new(display_path(path), text));
    let e = ExtractError {
        file: FileId(0),
        span,
        message,
        code,
    };
    UnitReport {
        files: 1,
        policies: 0,
        findings: parse_error_findings(&unit, &[e], cfg, reg),
        keys: Vec::new(),
    }
}

/// One Terraform module directory: its `.tf`, `.tf.json` and tfvars files, extracted together.
/// Reads a Terraform file as text, within the size limit.
fn read_text(p: &Path, cfg: &Config) -> Result<String, String> {
    let limit = cfg.max_file_size.unwrap_or(DEFAULT_MAX_FILE_SIZE);
    if std::fs::metadata(p).is_ok_and(|m| m.len() > limit) {
        return Err(format!(
            "file is larger than the {limit}-byte limit ([scan] max_file_size)"
        ));
    }
    let bytes = std::fs::read(p).map_err(|e| e.to_string())?;
    decode(bytes).map_err(|(_, m, _)| m)
}

fn check_module(
    dir: &Path,
    files: &[PathBuf],
    var_files: &[Arc<SourceFile>],
    roots: &HashSet<PathBuf>,
    opts: &Options,
    cfg: &Config,
    reg: &Registry,
) -> UnitReport {
    let mut unit = Unit::default();
    let mut errors = Vec::new();
    let mut texts = Vec::with_capacity(files.len());
    for p in files {
        texts.push((p, read_text(p, cfg)));
    }
    // A module without an `aws_kms_` resource has no key policy or grant: nothing to parse.
    if texts
        .iter()
        .all(|(_, t)| t.as_ref().is_ok_and(|t| !t.contains("aws_kms_")))
        && !opts.no_prefilter
    {
        return UnitReport {
            files: files.len(),
            ..UnitReport::default()
        };
    }
    for (p, read) in texts {
        match read {
            Ok(text) => {
                unit.add(SourceFile::new(display_path(p), text));
            }
            Err(message) => {
                let id = unit.add(SourceFile::new(display_path(p), String::new()));
                errors.push(ExtractError {
                    file: id,
                    span: Span::empty(0),
                    message: format!("cannot read {}: {message}", display_path(p).display()),
                    code: "kmslint::read",
                });
            }
        }
    }
    // file() may read anything under the path that was scanned, nothing outside it: the
    // deepest root holding the module.
    let root = dir.ancestors().find(|a| roots.contains(*a)).unwrap_or(dir);
    let limit = cfg.max_file_size.unwrap_or(DEFAULT_MAX_FILE_SIZE);
    let mut extracted = crate::extract::terraform::extract_module_limited(
        &mut unit,
        root,
        var_files,
        limit,
        opts.no_prefilter,
    );
    extracted.errors.splice(0..0, errors);
    let (findings, mut keys) = check_unit(&unit, &extracted, cfg, reg);
    let today = opts.today.unwrap_or_else(Date::today);
    let findings = apply_suppressions(&unit, Vec::new(), findings, cfg, reg, today);
    recount(&mut keys, &findings);
    UnitReport {
        files: files.len(),
        policies: extracted.sites.len(),
        findings,
        keys,
    }
}

/// Checks one document given as bytes, as the CLI checks a file named on the command line:
/// a CloudFormation template, a Terraform plan or a bare key policy, or (for a `.tf`/`.tf.json`
/// name) a Terraform module of that one file. Nothing is read from the file system: `file()`
/// and `templatefile()` stay unresolved. The fuzzers and property tests drive the whole
/// pipeline through this.
pub fn check_bytes(name: &str, bytes: &[u8], cfg: &Config, reg: &Registry) -> Vec<Finding> {
    let path = Path::new(name);
    let opts = Options::default();
    if discover::kind_of(path) != Some(discover::FileKind::Terraform) {
        return check_document_bytes(path, bytes.to_vec(), true, &opts, cfg, reg).findings;
    }
    let file = match decode(bytes.to_vec()) {
        Ok(text) => SourceFile::new(display_path(path), text),
        Err((at, message, bytes)) => {
            let lossy = String::from_utf8_lossy(&bytes).into_owned();
            return file_error(
                path,
                lossy,
                Span::empty(at),
                message,
                "kmslint::read",
                cfg,
                reg,
            )
            .findings;
        }
    };
    let mut unit = Unit::single(file);
    // An empty root cannot be canonicalised: no file() is ever read.
    let extracted = crate::extract::terraform::extract_module(&mut unit, Path::new(""), &[]);
    check_extracted(&unit, &extracted, cfg, reg)
}

/// Decodes UTF-8 in place (the bytes become the text, no copy), or says where it is not and
/// gives the bytes back.
fn decode(bytes: Vec<u8>) -> Result<String, (usize, String, Vec<u8>)> {
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let message = format!("the file is not valid UTF-8 (invalid byte at offset {at})");
        (at, message, e.into_bytes())
    })
}

/// Could this text hold a key policy at all? A cheap byte scan before any parse.
fn may_hold_policy(text: &str, explicit: bool) -> bool {
    text.contains("AWS::KMS::")
        || text.contains("aws_kms_")
        || (explicit && text.contains("Statement"))
}

fn looks_like_json(path: &Path, text: &str) -> bool {
    let ext_json = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    ext_json
        || text
            .trim_start_matches('\u{feff}')
            .trim_start()
            .starts_with('{')
}

fn check_document_bytes(
    path: &Path,
    bytes: Vec<u8>,
    explicit: bool,
    opts: &Options,
    cfg: &Config,
    reg: &Registry,
) -> UnitReport {
    let shown = display_path(path);
    let text = match decode(bytes) {
        Ok(t) => t,
        Err((at, message, bytes)) => {
            let lossy = String::from_utf8_lossy(&bytes).into_owned();
            let start = lossy
                .char_indices()
                .find(|(_, c)| *c == char::REPLACEMENT_CHARACTER)
                .map_or(at.min(lossy.len()), |(i, _)| i);
            return file_error(
                path,
                lossy,
                Span::empty(start),
                message,
                "kmslint::read",
                cfg,
                reg,
            );
        }
    };
    let mut result = UnitReport {
        files: 1,
        ..UnitReport::default()
    };
    if !opts.no_prefilter && !may_hold_policy(&text, explicit) {
        return result;
    }
    let is_json = looks_like_json(path, &text);
    let file = SourceFile::new(shown, text);
    let unit = Unit::single(file.clone());
    let parsed = if is_json {
        json::parse_json(&file.text).map_err(|e| (e, "kmslint::parse::json"))
    } else {
        parse_yaml_document(&file.text, opts.no_prefilter).map_err(|e| (e, "kmslint::parse::yaml"))
    };
    let today = opts.today.unwrap_or_else(Date::today);
    let root = match parsed {
        Ok(root) => root,
        Err((e, code)) => {
            let findings = parse_error_findings(
                &unit,
                &[ExtractError {
                    file: FileId(0),
                    span: e.span,
                    message: format!(
                        "could not parse as {}: {}",
                        if is_json { "JSON" } else { "YAML" },
                        e.message
                    ),
                    code,
                }],
                cfg,
                reg,
            );
            result.findings = apply_suppressions(&unit, Vec::new(), findings, cfg, reg, today);
            return result;
        }
    };
    let extracted = extract_document(&file, &root, is_json, explicit, opts);
    result.policies = extracted.sites.len();
    let (findings, mut keys) = check_unit(&unit, &extracted, cfg, reg);
    let metadata = if cloudformation::is_template(&root) {
        suppress::from_metadata(FileId(0), &root)
    } else {
        Vec::new()
    };
    result.findings = apply_suppressions(&unit, metadata, findings, cfg, reg, today);
    recount(&mut keys, &result.findings);
    result.keys = keys;
    result
}

/// Parses a YAML document. Unless `all_resources`, the resources no key policy can depend on
/// (`cloudformation::resource_matters`) are left out of the parse: in a real template they are
/// most of the text, and YAML parsing is most of the cost. When the blanked text does not parse, the
/// whole text is parsed, so an error in a resource that matters is reported as before.
fn parse_yaml_document(text: &str, all_resources: bool) -> Result<Node, crate::parse::ParseError> {
    if !all_resources {
        if let Some(node) =
            yaml::parse_yaml_keeping(text, "Resources", cloudformation::resource_matters)
        {
            return Ok(node);
        }
    }
    yaml::parse_yaml(text)
}

/// The inventory's per-key counts, after suppressions: unsuppressed findings only.
fn recount(keys: &mut [KeyRecord], findings: &[Finding]) {
    for k in keys.iter_mut() {
        let mine = || {
            findings.iter().filter(|f| {
                !f.suppressed
                    && f.file.path == k.file
                    && f.resource.as_deref() == Some(k.resource.as_str())
            })
        };
        let count = |sev: Severity| mine().filter(|f| f.severity == sev).count();
        let (e, w, n) = (
            count(Severity::Error),
            count(Severity::Warning),
            count(Severity::Note),
        );
        k.errors = e;
        k.warnings = w;
        k.notes = n;
    }
}

/// Applies the unit's suppressions (its files' `kmslint:ignore` comments plus `extra`, e.g.
/// CloudFormation `Metadata`) to its findings, centrally, after every rule has run; invalid,
/// expired and unused suppressions become findings of their own.
pub fn apply_suppressions(
    unit: &Unit,
    extra: Vec<Suppression>,
    mut findings: Vec<Finding>,
    cfg: &Config,
    reg: &Registry,
    today: Date,
) -> Vec<Finding> {
    let mut all: Vec<Suppression> = unit
        .files
        .iter()
        .enumerate()
        .flat_map(|(i, f)| suppress::from_comments(FileId(u32::try_from(i).unwrap_or(u32::MAX)), f))
        .collect();
    all.extend(extra);
    if all.is_empty() {
        return findings;
    }
    let problems = suppress::apply(unit, &all, &mut findings, cfg, reg, today);
    for (subject, resource) in problems {
        findings.extend(findings_for(unit, &subject, resource.as_deref(), cfg, reg));
    }
    findings
}

/// Decides what a parsed document is and extracts its policies.
fn extract_document(
    file: &Arc<SourceFile>,
    root: &Node,
    is_json: bool,
    explicit: bool,
    opts: &Options,
) -> Extracted {
    if cloudformation::is_template(root) {
        return cloudformation::extract_template(FileId(0), &file.text, root, is_json);
    }
    if is_json && crate::extract::plan::looks_like_plan(root) {
        let mut out = crate::extract::plan::extract_plan(FileId(0), &file.text, root);
        if let Some(account) = &opts.key_account {
            for site in &mut out.sites {
                site.key_account = Some(Value::lit(account.as_str()));
            }
        }
        return out;
    }
    if explicit && root.get("Statement").is_some() {
        // A bare key policy, e.g. `aws kms get-key-policy --query Policy --output text`.
        let tpl = Template::new(FileId(0), root);
        let doc = tpl.doc(root);
        let name = file
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "policy".into());
        return Extracted {
            sites: vec![PolicySite {
                resource: name,
                resource_type: "key-policy".into(),
                loc: Loc::new(FileId(0), root.span),
                key_account: opts.key_account.clone().map(Value::lit),
                body: SiteBody::KeyPolicy(doc),
                tags: Vec::new(),
            }],
            errors: tpl.take_errors(),
            ..Extracted::default()
        };
    }
    Extracted::default()
}

/// Checks one bare key policy given as JSON text (as `aws kms get-key-policy` prints it), as if
/// read from a file named `name`: the whole pipeline from parse to findings, for tests and for
/// callers that hold a policy in memory. `key_account` is the account that owns the key.
pub fn check_policy_text(
    name: &str,
    text: &str,
    cfg: &Config,
    reg: &Registry,
    key_account: Option<&str>,
) -> Vec<Finding> {
    let opts = Options {
        key_account: key_account.map(str::to_string),
        ..Options::default()
    };
    let reg = &reg.with_custom(&cfg.custom_rules);
    let mut r = check_document_bytes(Path::new(name), text.into(), true, &opts, cfg, reg);
    r.findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    r.findings
}

/// Model + rules over everything extracted from one unit.
pub fn check_extracted(
    unit: &Unit,
    extracted: &Extracted,
    cfg: &Config,
    reg: &Registry,
) -> Vec<Finding> {
    check_unit(unit, extracted, cfg, reg).0
}

/// Model + rules over everything extracted from one unit: the findings, and one inventory record
/// per key or grant.
pub fn check_unit(
    unit: &Unit,
    extracted: &Extracted,
    cfg: &Config,
    reg: &Registry,
) -> (Vec<Finding>, Vec<KeyRecord>) {
    let mut findings = parse_error_findings(unit, &extracted.errors, cfg, reg);
    let mut records = Vec::new();
    for site in &extracted.sites {
        let key_account = site.key_account.as_ref().and_then(|v| v.as_lit());
        let mut policy = None;
        let mut subjects = match &site.body {
            SiteBody::KeyPolicy(doc) => {
                if let Some(message) = policy_over_limits(doc) {
                    let e = ExtractError {
                        file: site.loc.file,
                        span: site.loc.span,
                        message,
                        code: "kmslint::policy::limit",
                    };
                    findings.extend(parse_error_findings(unit, &[e], cfg, reg));
                    continue;
                }
                let p = crate::model::build(doc, cfg, key_account);
                let s = facts::policy_subjects(&p, cfg, site.loc);
                policy = Some(p);
                s
            }
            SiteBody::DefaultPolicy => Vec::new(),
            SiteBody::Grant(grant) => grant_subjects(grant, cfg, key_account),
        };
        let aliases: Vec<String> = extracted
            .aliases
            .iter()
            .filter(|(key, _)| *key == site.resource)
            .map(|(_, a)| a.clone())
            .collect();
        let Some(file) = unit.file(site.loc.file) else {
            continue;
        };
        // The record first (without findings) decides whether the key is shared at all.
        let shape = inventory::record(file.clone(), site, policy.as_ref(), &aliases, &[], cfg);
        if policy.is_some() && policy.as_ref().is_some_and(|p| p.unknown.is_empty()) {
            let tag = inventory::justification_tag(cfg);
            let mut s = Subject::new(SubjectKind::Policy, site.loc);
            s.facts.insert("known", facts::Fact::Bool(true));
            s.facts.insert("effect", facts::Fact::Str("allow".into()));
            s.facts.insert("trust", facts::Fact::Str("none".into()));
            s.facts
                .insert("cross_account", facts::Fact::Bool(shape.is_cross_account()));
            s.facts
                .insert("has_tag", facts::Fact::Bool(shape.justification.is_some()));
            s.vars.insert("tag", tag.to_string());
            s.vars.insert("reason", String::new());
            subjects.push(s);
        }
        let mut site_findings = Vec::new();
        for s in subjects {
            site_findings.extend(findings_for(unit, &s, Some(&site.resource), cfg, reg));
        }
        records.push(KeyRecord {
            errors: site_findings
                .iter()
                .filter(|f| f.severity == Severity::Error)
                .count(),
            warnings: site_findings
                .iter()
                .filter(|f| f.severity == Severity::Warning)
                .count(),
            notes: site_findings
                .iter()
                .filter(|f| f.severity == Severity::Note)
                .count(),
            ..shape
        });
        findings.extend(site_findings);
    }
    (findings, records)
}

/// Why a policy is too large to check, if it is: a KMS000 at the policy, never a silent pass.
fn policy_over_limits(doc: &Doc) -> Option<String> {
    let statements = statement_count(doc);
    if statements > MAX_STATEMENTS {
        return Some(format!(
            "the key policy has {statements} statements, more than the limit of \
             {MAX_STATEMENTS}: it was not checked"
        ));
    }
    let mut nodes = 0usize;
    let mut stack = vec![doc];
    while let Some(d) = stack.pop() {
        nodes += 1;
        if nodes > MAX_POLICY_NODES {
            return Some(format!(
                "the key policy has more than {MAX_POLICY_NODES} elements: it was not checked"
            ));
        }
        match &d.kind {
            DocKind::Map(entries) => {
                if entries.len() > MAX_OBJECT_KEYS {
                    return Some(format!(
                        "an object in the key policy has {} keys, more than the limit of \
                         {MAX_OBJECT_KEYS}: it was not checked",
                        entries.len()
                    ));
                }
                stack.extend(entries.iter().map(|e| &e.value));
            }
            DocKind::List(items) | DocKind::Choice(items) => stack.extend(items),
            _ => {}
        }
    }
    None
}

/// Statements of a policy, counting every alternative, as the model reads them.
fn statement_count(doc: &Doc) -> usize {
    match &doc.kind {
        DocKind::Map(_) => doc
            .all("Statement", false)
            .map(|e| e.value.flatten().len())
            .sum(),
        DocKind::Choice(alts) => alts.iter().map(statement_count).sum(),
        _ => 0,
    }
}

fn grant_subjects(
    grant: &crate::extract::Grant,
    cfg: &Config,
    key_account: Option<&str>,
) -> Vec<Subject> {
    let mut out = Vec::new();
    for (role, p) in crate::model::grant_principals(grant, cfg, key_account) {
        let (class, trust) = (&p.class, &p.trust);
        let mut s = Subject::new(SubjectKind::Grant, p.loc);
        s.facts.insert("effect", facts::Fact::Str("allow".into()));
        s.facts.insert("role", facts::Fact::Str(role.into()));
        s.facts
            .insert("kind", facts::Fact::Str(class.kind.as_str().into()));
        s.facts
            .insert("trust", facts::Fact::Str(trust.as_str().into()));
        s.facts.insert(
            "caller_scope",
            facts::Fact::Str(principal::Scope::of_trust(trust).as_str().into()),
        );
        let account = match &class.account {
            Some(principal::Account::Id(id)) => {
                format!("account {}", facts::account_label(id, cfg))
            }
            Some(principal::Account::Wildcard) => "any account".into(),
            Some(principal::Account::SelfAccount) => "the key's own account".into(),
            _ => "an unknown account".into(),
        };
        s.vars.insert("role", role.into());
        s.vars.insert("principal", class.text.clone());
        s.vars.insert("account", account);
        if let Trust::Unknown(r) = trust {
            s.vars.insert("reason", r.clone());
        }
        s.principal = Some(class.text.clone());
        if let Some(principal::Account::Id(id)) = &class.account {
            s.account = Some(id.clone());
        }
        out.push(s);
    }
    out
}

fn parse_error_findings(
    unit: &Unit,
    errors: &[ExtractError],
    cfg: &Config,
    reg: &Registry,
) -> Vec<Finding> {
    let mut out = Vec::new();
    for e in errors {
        let mut s = Subject::new(SubjectKind::ParseError, Loc::new(e.file, e.span));
        s.vars.insert("message", e.message.clone());
        out.extend(findings_for(unit, &s, None, cfg, reg));
    }
    out
}

/// Turns one subject into the findings of every rule that matches it.
fn findings_for(
    unit: &Unit,
    s: &Subject,
    resource: Option<&str>,
    cfg: &Config,
    reg: &Registry,
) -> Vec<Finding> {
    let Some(file) = unit.file(s.loc.file) else {
        return Vec::new();
    };
    let res = resource.unwrap_or("");
    // Last line of defence for the reporters, which slice the file at the span: a span past
    // the end (a stage's bug) is clamped, never a panic.
    let clamp = |file: &SourceFile, span: Span| {
        let len = file.text.len();
        Span::new(
            span.start.min(len),
            span.end.min(len).max(span.start.min(len)),
        )
    };
    engine::evaluate(reg, cfg, s)
        .into_iter()
        .map(|(rule, severity)| {
            let template = rule
                .def
                .messages
                .get(s.kind.as_str())
                .unwrap_or(&rule.def.message);
            Finding {
                rule: rule.def.id.clone(),
                name: rule.def.name.clone(),
                severity,
                message: engine::render(template, s, res),
                label: engine::render(&rule.def.label, s, res),
                help: rule.def.help.clone(),
                file: file.clone(),
                span: clamp(file, s.loc.span),
                related: s
                    .related
                    .iter()
                    .filter_map(|(loc, msg)| {
                        unit.file(loc.file).map(|f| Related {
                            file: f.clone(),
                            span: clamp(f, loc.span),
                            message: msg.clone(),
                        })
                    })
                    .collect(),
                resource: resource.map(str::to_string),
                statement: s.statement.clone(),
                principal: s.principal.clone(),
                account: s.account.clone(),
                suppressed: false,
                suppression: None,
            }
        })
        .collect()
}
