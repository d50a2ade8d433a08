//! The pipeline driver: finds the units of work (a document, a Terraform module directory, an
//! unreadable path, standard input), runs each through its front end and the later stages
//! (`judge`) in parallel batches, and hands each unit's report on in a fixed order. Each unit is
//! read once and parsed once; nothing downstream re-reads a file.

mod judge;
pub mod outcome;
mod read;

use crate::base::date::Date;
use crate::base::diag::{code, InputError};
use crate::base::limits::Limits;
use crate::base::source::{SourceFile, Span};
use crate::config::Config;
use crate::discover::{self, DiscoverError};
use crate::frontend::{self, DocumentOptions};
use crate::ir::Unit;
use crate::rules::registry::Registry;
use crate::rules::Finding;
use judge::Judge;
pub use outcome::{Report, Totals, UnitReport};
use rayon::prelude::*;
use read::{decode, display_path, read_bytes, read_text};
use std::collections::HashSet;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Stack of each worker thread: the depth limits keep recursion far below this even in debug
/// builds, so it is a margin, not a requirement.
const WORKER_STACK: usize = 32 << 20;

/// Units checked in parallel before their results are handed on in order. Fixed, not derived
/// from the thread count, so the output is the same whatever `--jobs` is; large enough that
/// waiting for a batch's slowest unit costs little; small enough that a batch's texts stay a few
/// megabytes.
const BATCH: usize = 256;

#[derive(Clone, Debug, Default)]
pub struct Options {
    pub paths: Vec<PathBuf>,
    /// Standard input, already read: (display name, text).
    pub stdin: Option<(String, Vec<u8>)>,
    /// Terraform variable files given with `--var-file`.
    pub var_files: Vec<PathBuf>,
    /// Terraform variables given with `--var NAME=VALUE`, applied after the `--var-file`s.
    pub vars: Vec<String>,
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
    report.totals = Scan::prepare(opts, cfg, reg)?.run(&mut |unit| {
        if findings {
            report.findings.extend(unit.findings);
        }
        report.keys.extend(unit.keys);
        ControlFlow::Continue(())
    });
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

/// A scan with its files found and its usage errors known: `prepare` fails before anything is
/// checked or written (a missing path, a bad exclude pattern), `run` cannot fail.
pub struct Scan<'a> {
    opts: &'a Options,
    cfg: &'a Config,
    /// The built-in rules plus the config's custom rules.
    reg: Registry,
    limits: Limits,
    jobs: usize,
    found: discover::Discovered,
    var_files: Vec<Arc<SourceFile>>,
    /// Paths found but not readable, and `--var-file`s that could not be read.
    unreadable: Vec<(PathBuf, String)>,
    /// The files named as arguments (a bare policy is checked only in those).
    explicit: HashSet<PathBuf>,
    /// What `file()` may read below: each directory argument, and each file argument's folder.
    roots: HashSet<PathBuf>,
    /// Terraform module directories another scanned module calls: checked through that caller
    /// (a root module's unit holds every module it calls), not alone.
    called: HashSet<PathBuf>,
}

impl<'a> Scan<'a> {
    pub fn prepare(
        opts: &'a Options,
        cfg: &'a Config,
        reg: &Registry,
    ) -> Result<Self, DiscoverError> {
        let reg = reg.with_custom(&cfg.custom_rules);
        let limits = cfg.limits();
        let jobs = if opts.jobs == 0 {
            std::thread::available_parallelism().map_or(1, |n| n.get())
        } else {
            opts.jobs
        };
        let found = discover::discover(&opts.paths, &cfg.exclude, jobs)?;
        // `--var-file`s: read once; one that does not exist is a usage error, like a path.
        let mut var_files = Vec::new();
        let mut unreadable: Vec<(PathBuf, String)> = found.errors.clone();
        for p in &opts.var_files {
            if std::fs::metadata(p).is_err() {
                return Err(DiscoverError::Missing(p.clone()));
            }
            match read_text(p, &limits) {
                Ok(text) => var_files.push(SourceFile::new(display_path(p), text)),
                Err(message) => unreadable.push((p.clone(), message)),
            }
        }
        for (i, v) in opts.vars.iter().enumerate() {
            var_files.push(SourceFile::new(
                PathBuf::from(format!("--var.{i}.tfvars")),
                frontend::terraform::var_assignment(v),
            ));
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
        let called =
            frontend::terraform::called_dirs(&found.modules, &|p| read_text(p, &limits).ok());
        Ok(Scan {
            opts,
            cfg,
            reg,
            limits,
            jobs,
            found,
            var_files,
            unreadable,
            explicit,
            roots,
            called,
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

    fn judge(&self) -> Judge<'_> {
        Judge {
            reg: &self.reg,
            levels: &self.cfg.rule_levels,
            trust: &self.cfg.trust,
            tags: &self.cfg.inventory,
            today: self.opts.today.unwrap_or_else(Date::today),
        }
    }

    /// Checks every unit and hands each unit's report to `sink` as soon as its batch is done,
    /// in a fixed order: units sorted by path (a Terraform module by its directory, standard
    /// input last), each unit's findings sorted by file and position. `sink` can stop the scan.
    pub fn run(&self, sink: &mut dyn FnMut(UnitReport) -> ControlFlow<()>) -> Totals {
        let opts = self.opts;
        let judge = self.judge();
        let mut work: Vec<Work> = self
            .unreadable
            .iter()
            .map(|(p, m)| Work::Unreadable(p, m))
            .chain(self.found.documents.iter().map(Work::Document))
            .chain(
                self.found
                    .modules
                    .iter()
                    .filter(|(d, _)| !self.called.contains(*d))
                    .map(|(d, f)| Work::Module(d, f)),
            )
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
                    let mut unit = judge.file_error(
                        path,
                        String::new(),
                        Span::empty(0),
                        message,
                        code::DISCOVER,
                    );
                    unit.files = 0;
                    unit
                }
                Work::Document(p) => self.document_path(&judge, p),
                Work::Module(dir, files) => self.module(&judge, dir, files),
                Work::Stdin(name, bytes) => match self.limits.too_large(bytes.len() as u64) {
                    Some(_) => read_error(
                        &judge,
                        Path::new(name),
                        format!(
                            "input is larger than the {}-byte limit ([scan] max_file_size)",
                            self.limits.max_file_size
                        ),
                    ),
                    None => document_bytes(
                        &judge,
                        Path::new(name),
                        bytes.to_vec(),
                        self.document_options(true),
                    ),
                },
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

    fn document_options(&self, explicit: bool) -> DocumentOptions<'_> {
        DocumentOptions {
            explicit,
            key_account: self.opts.key_account.as_deref(),
            no_prefilter: self.opts.no_prefilter,
        }
    }

    fn document_path(&self, judge: &Judge<'_>, path: &Path) -> UnitReport {
        match read_bytes(path, &self.limits) {
            Ok(bytes) => {
                let opts = self.document_options(self.explicit.contains(path));
                document_bytes(judge, path, bytes, opts)
            }
            Err(message) => read_error(judge, path, message),
        }
    }

    /// One Terraform root module directory: its `.tf`, `.tf.json` and tfvars files, extracted
    /// together with every module it calls.
    fn module(&self, judge: &Judge<'_>, dir: &Path, files: &[PathBuf]) -> UnitReport {
        let mut unit = Unit::default();
        let mut errors = Vec::new();
        let mut texts = Vec::with_capacity(files.len());
        for p in files {
            texts.push((p, read_text(p, &self.limits)));
        }
        // A module without an `aws_kms_` resource or a module call has no key policy or grant:
        // nothing to parse.
        if texts.iter().all(|(_, t)| {
            t.as_ref()
                .is_ok_and(|t| !frontend::terraform::may_hold_keys(t))
        }) && !self.opts.no_prefilter
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
                    errors.push(InputError {
                        file: id,
                        span: Span::empty(0),
                        message: format!("cannot read {}: {message}", display_path(p).display()),
                        code: code::READ,
                    });
                }
            }
        }
        // file() may read anything under the path that was scanned, nothing outside it: the
        // deepest root holding the module.
        let root = dir
            .ancestors()
            .find(|a| self.roots.contains(*a))
            .unwrap_or(dir);
        let mut extracted = frontend::terraform::extract_module_limited(
            &mut unit,
            root,
            &self.var_files,
            self.limits.max_file_size,
            self.opts.no_prefilter,
        );
        extracted.errors.splice(0..0, errors);
        judge.unit(&unit, &extracted, None, files.len())
    }
}

/// A file that could not be read: one KMS000 naming it.
fn read_error(judge: &Judge<'_>, path: &Path, message: String) -> UnitReport {
    let message = format!("cannot read {}: {message}", display_path(path).display());
    judge.file_error(path, String::new(), Span::empty(0), message, code::READ)
}

/// One document read as bytes: decoded, then read by its front end and judged.
fn document_bytes(
    judge: &Judge<'_>,
    path: &Path,
    bytes: Vec<u8>,
    opts: DocumentOptions<'_>,
) -> UnitReport {
    let text = match decode(bytes) {
        Ok(t) => t,
        Err((at, message, bytes)) => {
            let lossy = String::from_utf8_lossy(&bytes).into_owned();
            let start = lossy
                .char_indices()
                .find(|(_, c)| *c == char::REPLACEMENT_CHARACTER)
                .map_or(at.min(lossy.len()), |(i, _)| i);
            return judge.file_error(path, lossy, Span::empty(start), message, code::READ);
        }
    };
    if !opts.no_prefilter && !frontend::may_hold_policy(&text, opts.explicit) {
        return UnitReport {
            files: 1,
            ..UnitReport::default()
        };
    }
    let file = SourceFile::new(display_path(path), text);
    let doc = frontend::read_document(&file, opts);
    let mut unit = Unit::single(file);
    unit.files.extend(doc.files);
    judge.unit(&unit, &doc.extracted, doc.template.as_ref(), 1)
}

fn judge_for<'a>(cfg: &'a Config, reg: &'a Registry) -> Judge<'a> {
    Judge {
        reg,
        levels: &cfg.rule_levels,
        trust: &cfg.trust,
        tags: &cfg.inventory,
        today: Date::today(),
    }
}

/// Checks one document given as bytes, as the CLI checks a file named on the command line:
/// a CloudFormation template, a Terraform plan or a bare key policy, or (for a `.tf`/`.tf.json`
/// name) a Terraform module of that one file. Nothing is read from the file system: `file()`
/// and `templatefile()` stay unresolved. The fuzzers and property tests drive the whole
/// pipeline through this.
pub fn check_bytes(name: &str, bytes: &[u8], cfg: &Config, reg: &Registry) -> Vec<Finding> {
    let reg = &reg.with_custom(&cfg.custom_rules);
    let judge = judge_for(cfg, reg);
    let path = Path::new(name);
    if discover::kind_of(path) != Some(discover::FileKind::Terraform) {
        let opts = DocumentOptions {
            explicit: true,
            key_account: None,
            no_prefilter: false,
        };
        return document_bytes(&judge, path, bytes.to_vec(), opts).findings;
    }
    let file = match decode(bytes.to_vec()) {
        Ok(text) => SourceFile::new(display_path(path), text),
        Err((at, message, bytes)) => {
            let lossy = String::from_utf8_lossy(&bytes).into_owned();
            return judge
                .file_error(path, lossy, Span::empty(at), message, code::READ)
                .findings;
        }
    };
    let mut unit = Unit::single(file);
    // An empty root cannot be canonicalised: no file() is ever read.
    let extracted = frontend::terraform::extract_module(&mut unit, Path::new(""), &[]);
    crate::rules::merge::merge(judge.check(&unit, &extracted).0, judge.reg)
}

/// Checks one bare key policy given as JSON text (as `aws kms get-key-policy` prints it), as if
/// read from a file named `name`: the whole pipeline from parse to findings. `key_account` is
/// the account that owns the key.
pub fn check_policy_text(
    name: &str,
    text: &str,
    cfg: &Config,
    reg: &Registry,
    key_account: Option<&str>,
) -> Vec<Finding> {
    let reg = &reg.with_custom(&cfg.custom_rules);
    let judge = judge_for(cfg, reg);
    let opts = DocumentOptions {
        explicit: true,
        key_account,
        no_prefilter: false,
    };
    let mut r = document_bytes(&judge, Path::new(name), text.into(), opts);
    r.findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    r.findings
}
