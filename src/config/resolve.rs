//! Which config governs each file.
//!
//! With `--config FILE` (or a config given to the library), that one config governs every file.
//! Otherwise each file gets the configs found from its own directory upward to the repository
//! root (a directory holding `.git`; the file system root outside a repository):
//!
//! * the outermost one has full power: it may trust accounts, exclude paths, turn rules off or
//!   down. It is the repository's (or the directory tree's) policy, and the summary names it
//!   with every rule it turns off or down;
//! * a config below another one (`infra/kmslint.toml` under the root's) is layered on top of it
//!   and may only make the check stricter: raise a rule's level, add rules, lower a limit. A
//!   setting that would loosen the outer config (a rule off or down, a path excluded, an
//!   account trusted, a larger limit) is a configuration error naming the setting: a pull
//!   request cannot switch the team's checks off by adding a config in a subdirectory;
//! * two config files in one directory are an error (which one governs would depend on a name).
//!
//! So a config cannot reach files outside its own directory tree, and the first path named no
//! longer decides for the others.

use super::{Config, ConfigError, CONFIG_NAMES};
use crate::base::severity::{RuleLevel, Severity};
use crate::base::source::Span;
use crate::discover::{DiscoverError, Exclude};
use crate::rules::engine;
use crate::rules::registry::Registry;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// One effective configuration: a chain of config files merged, with what it needs at hand.
#[derive(Debug)]
pub struct Resolved {
    pub config: Config,
    /// The built-in rules plus the chain's own rules.
    pub registry: Registry,
    pub exclude: Exclude,
    /// The config files it comes from, outermost first; empty for the defaults.
    pub files: Vec<PathBuf>,
}

/// What the summary says about one config in use.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct ConfigUse {
    /// Its files, outermost first (empty: the defaults).
    pub files: Vec<PathBuf>,
    /// Rules it turns off or below their default severity: `KMS001 off`, `KMS002 down to
    /// warning`.
    pub loosened: Vec<String>,
    /// Its `[scan] exclude` patterns.
    pub excludes: Vec<String>,
}

impl Resolved {
    fn new(config: Config, base: &Registry, files: Vec<PathBuf>) -> Result<Self, DiscoverError> {
        let dir = files.first().and_then(|f| f.parent());
        let exclude = Exclude::new(&config.exclude, dir)?;
        let registry = base.with_custom(&config.custom_rules);
        Ok(Resolved {
            config,
            registry,
            exclude,
            files,
        })
    }

    /// For the summary.
    pub fn usage(&self) -> ConfigUse {
        let mut loosened = Vec::new();
        for rule in &self.registry.rules {
            let default = engine::level(rule, &Default::default());
            let now = engine::level(rule, &self.config.rule_levels);
            if rank(now) < rank(default) {
                loosened.push(match now {
                    None => format!("{} off", rule.def.id),
                    Some(s) => format!("{} down to {}", rule.def.id, s.as_str()),
                });
            }
        }
        ConfigUse {
            files: self.files.clone(),
            loosened,
            excludes: self.config.exclude.clone(),
        }
    }
}

/// Off below every severity.
fn rank(level: Option<Severity>) -> u8 {
    match level {
        None => 0,
        Some(Severity::Note) => 1,
        Some(Severity::Warning) => 2,
        Some(Severity::Error) => 3,
    }
}

struct State {
    /// Directory as the walk names it -> index in `resolved`.
    by_dir: HashMap<PathBuf, usize>,
    /// Chain of config files -> index in `resolved`.
    by_chain: HashMap<Vec<PathBuf>, usize>,
    resolved: Vec<Arc<Resolved>>,
    error: Option<Box<ConfigError>>,
}

/// Finds and caches the config of every directory a scan reaches. Safe to share between the
/// walker's threads.
pub struct Resolver {
    base: Registry,
    known: Vec<String>,
    /// Trust added on the command line, to every config.
    extra: Config,
    discover: bool,
    state: Mutex<State>,
}

impl Resolver {
    /// One config for every file.
    pub fn fixed(config: &Config, base: &Registry) -> Result<Resolver, DiscoverError> {
        let files = config.source.iter().cloned().collect();
        let one = Resolved::new(config.clone(), base, files)?;
        Ok(Resolver::with_first(base, Config::default(), false, one))
    }

    /// Each file's config found from its directory upward; `extra` holds what the command line
    /// adds to every one of them (trusted accounts and organizations).
    pub fn discovering(extra: &Config, base: &Registry) -> Resolver {
        let mut defaults = Config::default();
        add_extra(&mut defaults, extra);
        let one = Resolved {
            exclude: Exclude::none(),
            registry: base.clone(),
            config: defaults,
            files: Vec::new(),
        };
        Resolver::with_first(base, extra.clone(), true, one)
    }

    fn with_first(base: &Registry, extra: Config, discover: bool, first: Resolved) -> Resolver {
        let known = base.ids().into_iter().map(str::to_string).collect();
        let mut by_chain = HashMap::new();
        by_chain.insert(first.files.clone(), 0);
        Resolver {
            base: base.clone(),
            known,
            extra,
            discover,
            state: Mutex::new(State {
                by_dir: HashMap::new(),
                by_chain,
                resolved: vec![Arc::new(first)],
                error: None,
            }),
        }
    }

    /// The index of the config governing files in `dir`. A config that cannot be used is
    /// recorded (see `error`) and the directory gets the first config meanwhile.
    pub fn index_for(&self, dir: &Path) -> usize {
        if !self.discover {
            return 0;
        }
        if let Some(i) = self
            .state
            .lock()
            .ok()
            .and_then(|s| s.by_dir.get(dir).copied())
        {
            return i;
        }
        let i = match self.resolve(dir) {
            Ok(i) => i,
            Err(e) => {
                if let Ok(mut s) = self.state.lock() {
                    s.error.get_or_insert(e);
                }
                0
            }
        };
        if let Ok(mut s) = self.state.lock() {
            s.by_dir.insert(dir.to_path_buf(), i);
        }
        i
    }

    pub fn get(&self, i: usize) -> Arc<Resolved> {
        let s = self.state.lock();
        match s {
            Ok(s) => s
                .resolved
                .get(i)
                .or_else(|| s.resolved.first())
                .cloned()
                .unwrap_or_else(|| Arc::new(empty(&self.base))),
            Err(_) => Arc::new(empty(&self.base)),
        }
    }

    /// Every config resolved so far, by index.
    pub fn all(&self) -> Vec<Arc<Resolved>> {
        self.state
            .lock()
            .map(|s| s.resolved.clone())
            .unwrap_or_default()
    }

    /// The first config that could not be used, if any: the scan must stop (exit 2).
    pub fn take_error(&self) -> Option<Box<ConfigError>> {
        self.state.lock().ok().and_then(|mut s| s.error.take())
    }

    fn resolve(&self, dir: &Path) -> Result<usize, Box<ConfigError>> {
        let files = chain(dir)?;
        if let Some(i) = self
            .state
            .lock()
            .ok()
            .and_then(|s| s.by_chain.get(&files).copied())
        {
            return Ok(i);
        }
        let known: Vec<&str> = self.known.iter().map(String::as_str).collect();
        let mut merged: Option<Config> = None;
        for f in &files {
            let text = std::fs::read_to_string(f).map_err(|e| ConfigError::io(f, &e))?;
            let cfg = Config::from_toml(f, &text, &known)?;
            merged = Some(match merged {
                None => cfg,
                Some(outer) => layer(outer, cfg, f, &text, &self.base)?,
            });
        }
        let mut config = merged.unwrap_or_default();
        add_extra(&mut config, &self.extra);
        let resolved = Resolved::new(config, &self.base, files.clone()).map_err(|e| {
            let f = files.last().cloned().unwrap_or_default();
            ConfigError::new(&f, "", e.to_string(), None, "")
        })?;
        let mut s = self
            .state
            .lock()
            .map_err(|_| ConfigError::new(dir, "", "internal error".into(), None, ""))?;
        let i = s.resolved.len();
        s.resolved.push(Arc::new(resolved));
        s.by_chain.insert(files, i);
        Ok(i)
    }
}

fn empty(base: &Registry) -> Resolved {
    Resolved {
        config: Config::default(),
        registry: base.clone(),
        exclude: Exclude::none(),
        files: Vec::new(),
    }
}

/// The command line's trust, added to a config.
fn add_extra(cfg: &mut Config, extra: &Config) {
    cfg.trust
        .accounts
        .extend(extra.trust.accounts.iter().cloned());
    cfg.trust
        .organizations
        .extend(extra.trust.organizations.iter().cloned());
}

/// The config files governing `dir`, outermost first: one per directory from `dir` up to the
/// repository root.
fn chain(dir: &Path) -> Result<Vec<PathBuf>, Box<ConfigError>> {
    let Ok(start) = std::fs::canonicalize(dir) else {
        return Ok(Vec::new());
    };
    // Shown relative to the current directory, as the scanned paths are.
    static CWD: std::sync::OnceLock<Option<PathBuf>> = std::sync::OnceLock::new();
    let cwd = CWD.get_or_init(|| std::env::current_dir().and_then(std::fs::canonicalize).ok());
    let shown = |p: PathBuf| match cwd.as_ref().and_then(|c| p.strip_prefix(c).ok()) {
        Some(rel) => rel.to_path_buf(),
        None => p,
    };
    let mut out = Vec::new();
    for d in start.ancestors() {
        let here: Vec<PathBuf> = CONFIG_NAMES
            .iter()
            .map(|n| d.join(n))
            .filter(|p| p.is_file())
            .map(shown)
            .collect();
        if let [a, b, ..] = here.as_slice() {
            return Err(ConfigError::new(
                b,
                "",
                format!(
                    "two config files in one directory: {} and {}",
                    a.display(),
                    b.display()
                ),
                None,
                "keep one of them: which one governs must not depend on a file name",
            ));
        }
        out.extend(here);
        if d.join(".git").exists() {
            break;
        }
    }
    out.reverse();
    Ok(out)
}

/// `inner` (a config below `outer`) layered on `outer`: it may only make the check stricter.
fn layer(
    mut outer: Config,
    inner: Config,
    path: &Path,
    text: &str,
    base: &Registry,
) -> Result<Config, Box<ConfigError>> {
    let refuse = |what: String, needle: &str| {
        let span = text.find(needle).map(|at| Span::new(at, at + needle.len()));
        let outer_file = outer
            .source
            .as_ref()
            .map_or_else(String::new, |p| p.display().to_string());
        ConfigError::new(
            path,
            text,
            format!("{what}: a config below {outer_file} may only make the check stricter"),
            span,
            "put the setting in the outer config (reviewed as the repository's policy), or pass a config with --config",
        )
    };
    if let Some(pat) = inner.exclude.first() {
        return Err(refuse(format!("it excludes `{pat}`"), pat));
    }
    let trust = &outer.trust;
    let new = |inner: &std::collections::BTreeSet<String>,
               outer: &std::collections::BTreeSet<String>| {
        inner.iter().find(|a| !outer.contains(*a)).cloned()
    };
    for (what, found) in [
        (
            "own account",
            new(&inner.trust.own_accounts, &trust.own_accounts),
        ),
        ("account", new(&inner.trust.accounts, &trust.accounts)),
        (
            "organization",
            new(&inner.trust.organizations, &trust.organizations),
        ),
        ("principal", new(&inner.trust.principals, &trust.principals)),
    ] {
        if let Some(v) = found {
            return Err(refuse(format!("it trusts {what} `{v}`"), &v));
        }
    }
    if inner.limits().max_file_size > outer.limits().max_file_size {
        return Err(refuse(
            "it raises [scan] max_file_size".into(),
            "max_file_size",
        ));
    }
    if inner.max_days() > outer.max_days() {
        return Err(refuse(
            "it raises [suppressions] max_days".into(),
            "max_days",
        ));
    }
    if inner.inventory.owner() != outer.inventory.owner()
        || inner.inventory.justification() != outer.inventory.justification()
    {
        return Err(refuse("it renames the [inventory] tags".into(), "_tag"));
    }
    let reg = base.with_custom(&outer.custom_rules);
    for (id, level) in &inner.rule_levels {
        let before = reg
            .get(id)
            .map(|r| engine::level(r, &outer.rule_levels))
            .unwrap_or(Some(Severity::Error));
        let after = match level {
            RuleLevel::Off => None,
            RuleLevel::On(s) => Some(*s),
        };
        if rank(after) < rank(before) {
            let shown = after.map_or("off", Severity::as_str);
            return Err(refuse(format!("it sets {id} to `{shown}`"), id));
        }
    }
    for rule in &inner.custom_rules {
        if outer.custom_rules.iter().any(|r| r.def.id == rule.def.id) {
            return Err(refuse(
                format!("its rule {} is already defined", rule.def.id),
                &rule.def.id,
            ));
        }
    }
    outer.max_file_size = Some(
        inner
            .limits()
            .max_file_size
            .min(outer.limits().max_file_size),
    );
    outer.max_days = Some(inner.max_days().min(outer.max_days()));
    outer.rule_levels.extend(inner.rule_levels);
    outer.custom_rules.extend(inner.custom_rules);
    Ok(outer)
}
