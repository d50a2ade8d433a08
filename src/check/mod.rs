//! The pipeline driver: finds the units of work (a document, a Terraform module directory, an
//! unreadable path, standard input), runs each through its front end and the later stages
//! (`judge`) in parallel batches, and hands each unit's report on in a fixed order. Each unit is
//! read once and parsed once; nothing downstream re-reads a file.

mod judge;
pub mod outcome;
mod read;
mod stream;

use crate::base::date::Date;
use crate::base::diag::{code, InputError};
use crate::base::limits::MAX_MODULE_HCL_BYTES;
use crate::base::source::{SourceFile, Span};
use crate::config::{Config, ConfigError, Resolver};
use crate::discover::{self, dir_of, DiscoverError};
use crate::frontend::{self, DocumentOptions};
use crate::ir::Unit;
use crate::rules::registry::Registry;
use crate::rules::Finding;
use judge::Judge;
pub use outcome::{Report, Totals, UnitReport};
use read::{decode, display_path, read_bytes, read_text};
use std::collections::HashSet;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Stack of each worker thread: the depth limits keep recursion far below this even in debug
/// builds, so it is a margin, not a requirement.
const WORKER_STACK: usize = 32 << 20;

/// How far the workers may run ahead of the unit being written. A unit's texts stay in memory
/// until its findings are written, and the trees parsed from them while it runs: bounding the
/// bytes, not only the count, bounds memory whatever the files' sizes (the next unit to write
/// runs whatever its size). Results are written in the order of the units whatever `--jobs` is.
const AHEAD: stream::Window = stream::Window {
    units: 512,
    bytes: 48 << 20,
};

/// Bytes of input parsed at once, across all workers (a larger unit is parsed alone). A syntax
/// tree takes up to ~100 bytes of memory per byte of text (a file of `[0,0,…]`) and at most
/// `MAX_DOCUMENT_VALUES` nodes, so this bounds the trees alive at once near 200 MiB whatever
/// `--jobs` is; real files are kilobytes, and run in parallel as before.
const IN_FLIGHT_BYTES: u64 = 2 << 20;

/// A unit this small is written without waiting for the bytes parsed at once: parsing it again
/// takes a few megabytes at most.
const SMALL_UNIT: u64 = 256 << 10;

/// Most worker threads (`--jobs`): each has its own stack, and more than this gains nothing.
pub const MAX_JOBS: usize = 256;

/// The bytes of input being parsed, shared by the workers: a unit takes its size (at most all
/// of it) before it is read and gives it back when it is judged.
struct InFlight {
    state: std::sync::Mutex<Budget>,
    freed: std::sync::Condvar,
}

struct Budget {
    left: u64,
    /// Threads waiting for bytes: a notification is a system call, made only for them.
    waiting: usize,
}

struct Taken<'a> {
    from: &'a InFlight,
    bytes: u64,
}

impl InFlight {
    fn new() -> Self {
        InFlight {
            state: std::sync::Mutex::new(Budget {
                left: IN_FLIGHT_BYTES,
                waiting: 0,
            }),
            freed: std::sync::Condvar::new(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Budget> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn take(&self, bytes: u64) -> Taken<'_> {
        let bytes = bytes.min(IN_FLIGHT_BYTES);
        let mut b = self.lock();
        while b.left < bytes {
            b.waiting += 1;
            b = self.freed.wait(b).unwrap_or_else(|e| e.into_inner());
            b.waiting -= 1;
        }
        b.left -= bytes;
        Taken { from: self, bytes }
    }
}

impl Drop for Taken<'_> {
    fn drop(&mut self) {
        let mut b = self.from.lock();
        b.left += self.bytes;
        if b.waiting > 0 {
            self.from.freed.notify_all();
        }
    }
}

/// A message for a file named on the command line that kmslint does not read.
pub const NOT_RECOGNISED: &str = "not a template, Terraform file, plan or key policy";

/// Why a scan cannot start: a usage or configuration error (exit 2), found before anything is
/// checked or written.
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    #[error(transparent)]
    Discover(#[from] DiscoverError),
    #[error(transparent)]
    Config(#[from] Box<ConfigError>),
}

impl From<ScanError> for miette::Report {
    fn from(e: ScanError) -> Self {
        match e {
            ScanError::Discover(d) => miette::Report::new(d),
            ScanError::Config(c) => miette::Report::new(*c),
        }
    }
}

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
    /// Find each file's config from its own directory upward (`config::resolve`), the given
    /// config adding only its trusted accounts and organizations; otherwise the given config
    /// governs every file (`--config`, `--isolated`, library callers).
    pub discover_config: bool,
    /// Apply no `.gitignore` (`--no-ignore`).
    pub no_ignore: bool,
}

/// Scans the paths (and standard input) and returns every finding, in output order.
pub fn scan(opts: &Options, cfg: &Config, reg: &Registry) -> Result<Report, ScanError> {
    collect(opts, cfg, reg, true)
}

/// Scans for the inventory: every key record (already counting its findings), no findings.
pub fn scan_keys(opts: &Options, cfg: &Config, reg: &Registry) -> Result<Report, ScanError> {
    collect(opts, cfg, reg, false)
}

fn collect(
    opts: &Options,
    cfg: &Config,
    reg: &Registry,
    findings: bool,
) -> Result<Report, ScanError> {
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

    /// The directory whose config governs the unit.
    fn config_dir(&self) -> PathBuf {
        match self {
            Work::Unreadable(p, _) => dir_of(p),
            Work::Document(p) => dir_of(p),
            Work::Module(dir, _) => dir.to_path_buf(),
            Work::Stdin(..) => PathBuf::from("."),
        }
    }

    /// Bytes it reads, as the file system states them; a pipe or device states none and may
    /// hold up to the size limit: counted as the most.
    fn size(&self) -> u64 {
        let len = |p: &Path| {
            std::fs::metadata(p).map_or(0, |m| if m.is_file() { m.len() } else { u64::MAX })
        };
        match self {
            Work::Unreadable(..) => 0,
            Work::Document(p) => len(p),
            Work::Module(_, files) => files.iter().map(|f| len(f)).sum(),
            Work::Stdin(_, bytes) => bytes.len() as u64,
        }
    }
}

/// A scan with its files found and its usage errors known: `prepare` fails before anything is
/// checked or written (a missing path, a bad exclude pattern, a config that cannot be used),
/// `run` cannot fail.
pub struct Scan<'a> {
    opts: &'a Options,
    /// The config of every directory reached.
    configs: Resolver,
    jobs: usize,
    found: discover::Discovered,
    var_files: Vec<Arc<SourceFile>>,
    /// Paths found but not readable, and `--var-file`s that could not be read.
    unreadable: Vec<(PathBuf, String)>,
    /// What `file()` may read below: each directory argument, and each file argument's folder.
    roots: HashSet<PathBuf>,
    /// Terraform module directories another scanned module calls: checked through that caller
    /// (a root module's unit holds every module it calls), not alone.
    called: HashSet<PathBuf>,
}

impl<'a> Scan<'a> {
    pub fn prepare(opts: &'a Options, cfg: &'a Config, reg: &Registry) -> Result<Self, ScanError> {
        let configs = if opts.discover_config {
            Resolver::discovering(cfg, reg)
        } else {
            Resolver::fixed(cfg, reg)?
        };
        let jobs = if opts.jobs == 0 {
            std::thread::available_parallelism().map_or(1, |n| n.get())
        } else {
            opts.jobs
        }
        .clamp(1, MAX_JOBS);
        let excluded = |p: &Path| {
            let i = configs.index_for(&dir_of(p));
            configs.get(i).exclude.is_match(p)
        };
        let walk = discover::Options {
            threads: jobs,
            gitignore: !opts.no_ignore,
            excluded: &excluded,
        };
        let found = discover::discover(&opts.paths, &walk)?;
        // Every unit's config now, so that one that cannot be used stops the scan before
        // anything is written.
        configs.index_for(Path::new("."));
        for d in &found.documents {
            configs.index_for(&dir_of(d));
        }
        for dir in found.modules.keys() {
            configs.index_for(dir);
        }
        let limits = configs
            .get(configs.index_for(Path::new(".")))
            .config
            .limits();
        // `--var-file`s: read once; one that does not exist is a usage error, like a path.
        let mut var_files = Vec::new();
        let mut unreadable: Vec<(PathBuf, String)> = found.errors.clone();
        for p in &opts.var_files {
            if std::fs::metadata(p).is_err() {
                return Err(DiscoverError::Missing(p.clone()).into());
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
        for (p, _) in &unreadable {
            configs.index_for(&dir_of(p));
        }
        if let Some(e) = configs.take_error() {
            return Err(ScanError::Config(e));
        }
        let roots: HashSet<PathBuf> = opts
            .paths
            .iter()
            .map(|p| {
                if found.explicit.contains(p) {
                    dir_of(p)
                } else {
                    p.clone()
                }
            })
            .collect();
        let called = frontend::terraform::called_dirs(&found.modules, &roots, &|p| {
            read_text(p, &limits).ok()
        });
        Ok(Scan {
            opts,
            configs,
            jobs,
            found,
            var_files,
            unreadable,
            roots,
            called,
        })
    }

    /// Every file this scan reads (documents, module files, `--var-file`s, the paths named),
    /// each with whether it was named on the command line.
    pub fn inputs(&self) -> Vec<(&Path, bool)> {
        let explicit = &self.found.explicit;
        let mut out: Vec<(&Path, bool)> = Vec::new();
        out.extend(explicit.iter().map(|p| (p.as_path(), true)));
        out.extend(self.opts.var_files.iter().map(|p| (p.as_path(), true)));
        for p in self
            .found
            .documents
            .iter()
            .chain(self.found.modules.values().flatten())
        {
            out.push((p.as_path(), explicit.contains(p)));
        }
        out
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
        let opts = self.opts;
        let today = self.opts.today.unwrap_or_else(Date::today);
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
        // Every unit's config was resolved by `prepare`: these are lookups.
        let governing: Vec<usize> = work
            .iter()
            .map(|w| self.configs.index_for(&w.config_dir()))
            .collect();
        let resolved = self.configs.all();
        let judges: Vec<Judge> = resolved
            .iter()
            .map(|r| Judge {
                reg: &r.registry,
                levels: &r.config.rule_levels,
                trust: &r.config.trust,
                tags: &r.config.inventory,
                today,
                limits: r.config.limits(),
                max_days: r.config.max_days(),
            })
            .collect();
        let in_flight = InFlight::new();
        let run = |&(w, config): &(&Work, usize), size: u64| -> UnitReport {
            let Some(judge) = judges.get(config).or_else(|| judges.first()) else {
                return UnitReport::default();
            };
            let _parsing = in_flight.take(size);
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
                Work::Document(p) => self.document_path(judge, p),
                Work::Module(dir, files) => self.module(judge, dir, files),
                Work::Stdin(name, bytes) => match judge.limits.too_large(bytes.len() as u64) {
                    Some(_) => read_error(
                        judge,
                        Path::new(name),
                        format!(
                            "input is larger than the {}-byte limit ([scan] max_file_size)",
                            judge.limits.max_file_size
                        ),
                    ),
                    None => document_bytes(
                        judge,
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
        let mut totals = Totals {
            ignored: self.found.ignored,
            excluded: self.found.excluded,
            configs: self.used_configs(),
            ..Totals::default()
        };
        let units: Vec<(&Work, usize)> = work.iter().zip(governing).collect();
        stream::ordered(
            &units,
            self.jobs,
            WORKER_STACK,
            AHEAD,
            &|(w, _)| w.size(),
            &run,
            &mut |unit, bytes| {
                // Writing may parse a large file again (the human report's excerpt of a long
                // JSON line): it counts against the bytes parsed at once, as a worker would.
                let _writing = (bytes > SMALL_UNIT).then(|| in_flight.take(bytes));
                totals.add(&unit);
                sink(unit)
            },
        );
        totals
    }

    /// The configs that governed the walk or a unit, for the summary (the defaults, when no
    /// config file and no setting changes them, are not named).
    fn used_configs(&self) -> Vec<crate::config::ConfigUse> {
        self.configs
            .all()
            .iter()
            .map(|r| r.usage())
            .filter(|u| !u.files.is_empty() || !u.loosened.is_empty() || !u.excludes.is_empty())
            // Resolved as the parallel walk met them: sorted, so the output does not vary.
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect()
    }

    fn document_options(&self, explicit: bool) -> DocumentOptions<'_> {
        DocumentOptions {
            explicit,
            key_account: self.opts.key_account.as_deref(),
            no_prefilter: self.opts.no_prefilter,
        }
    }

    fn document_path(&self, judge: &Judge<'_>, path: &Path) -> UnitReport {
        match read_bytes(path, &judge.limits) {
            Ok(bytes) => {
                let opts = self.document_options(self.found.explicit.contains(path));
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
            texts.push((p, read_text(p, &judge.limits)));
        }
        // A module without an `aws_kms_` resource or a module call has no key policy or grant:
        // nothing to parse (unless an escape could spell the name).
        if texts.iter().all(|(_, t)| {
            t.as_ref().is_ok_and(|t| {
                !frontend::terraform::may_hold_keys(t)
                    && !frontend::holds_escaped(t, &["aws_kms_", "module"])
            })
        }) && !self.opts.no_prefilter
        {
            return UnitReport {
                files: files.len(),
                ..UnitReport::default()
            };
        }
        // HCL syntax trees take up to 70 bytes per byte of text (`.tf.json` is read as HCL
        // too): a module holding more HCL than
        // the limit is not parsed (a KMS000 says so), never parsed into gigabytes.
        let hcl: u64 = texts
            .iter()
            .filter(|(p, _)| !p.to_string_lossy().ends_with(".tfvars.json"))
            .filter_map(|(_, t)| t.as_ref().ok().map(|t| t.len() as u64))
            .sum();
        if hcl > MAX_MODULE_HCL_BYTES {
            let message = format!(
                "the Terraform files of {} hold {hcl} bytes of HCL, more than the limit of \
                 {MAX_MODULE_HCL_BYTES} for one module: it was not checked",
                display_path(dir).display()
            );
            let first = files.first().map_or(dir, PathBuf::as_path);
            let mut unit =
                judge.file_error(first, String::new(), Span::empty(0), message, code::READ);
            unit.files = files.len();
            return unit;
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
            judge.limits.max_file_size,
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
            // Not read, so not known to be something else (a UTF-16 template, say): KMS000.
            let lossy = String::from_utf8_lossy(&bytes).into_owned();
            let start = lossy
                .char_indices()
                .find(|(_, c)| *c == char::REPLACEMENT_CHARACTER)
                .map_or(at.min(lossy.len()), |(i, _)| i);
            return judge.file_error(path, lossy, Span::empty(start), message, code::READ);
        }
    };
    // A file named explicitly is always parsed: it must be recognised or said to be skipped.
    if !opts.no_prefilter && !opts.explicit && !frontend::may_hold_policy(&text, false) {
        return UnitReport {
            files: 1,
            ..UnitReport::default()
        };
    }
    let file = SourceFile::new(display_path(path), text);
    let doc = frontend::read_document(&file, opts);
    if opts.explicit && !doc.recognised {
        return not_recognised(path);
    }
    let mut unit = Unit::single(file);
    unit.files.extend(doc.files);
    judge.unit(&unit, &doc.extracted, doc.template.as_ref(), 1)
}

/// A file named on the command line that kmslint does not read: said, never counted as checked.
fn not_recognised(path: &Path) -> UnitReport {
    UnitReport {
        skipped: Some((display_path(path), NOT_RECOGNISED.to_string())),
        ..UnitReport::default()
    }
}

fn judge_for<'a>(cfg: &'a Config, reg: &'a Registry) -> Judge<'a> {
    Judge {
        reg,
        levels: &cfg.rule_levels,
        trust: &cfg.trust,
        tags: &cfg.inventory,
        today: Date::today(),
        limits: cfg.limits(),
        max_days: cfg.max_days(),
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
