//! Discover stage: paths -> the files to check, walked in parallel with ripgrep's walker, and
//! grouped into units: one per document, one per Terraform module directory.
//!
//! A security gate must not be switched off by the repository it checks, so the walk reads:
//! * every directory, hidden ones included, except `.git` and `.terraform` (a tool's cache of
//!   downloaded modules and providers; a module whose source lives there is read through the
//!   call that names it), unless git tracks files in it (committed, it is content);
//! * `.gitignore` only inside a git work tree, only for files git does not track, and only the
//!   ignore files of the directory named and below (see `git`); never `.ignore`, `.rgignore` or
//!   a user's global excludes; `--no-ignore` turns `.gitignore` off as well;
//! * `[scan] exclude` of the config that governs each path.
//!
//! Every path a rule leaves out is counted, so the summary can say so. A file named on the
//! command line is read whatever its name (its content decides what it is) and never ignored;
//! a Terraform file named alone brings its whole module directory, as Terraform loads it, and a
//! Terraform template (`.tftpl`, `.tpl`) the nearest module directory above it.

mod git;

use globset::{Glob, GlobSet, GlobSetBuilder};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// What a file's name says it may hold; its content decides the rest.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum FileKind {
    /// A template, a plan, a bare policy, or unrelated: `.json`, `.yaml`, `.yml`, `.template`,
    /// `.cfn`, `.cf`; templates rendered before deployment (`.tmpl`, `.tpl`, `.j2`, `.jinja`,
    /// `.jinja2`), which CloudFormation accepts under any name; Elastic Beanstalk's
    /// `.ebextensions/*.config`, whose `Resources` are CloudFormation.
    Document,
    /// `.tf`, `.tf.json`, `.tfvars`, `.tfvars.json`: part of a Terraform module.
    Terraform,
}

/// Walked files whose name is one of these are read (when their text can name a key at all).
const DOCUMENT_EXTENSIONS: &[&str] = &[
    "json", "yaml", "yml", "template", "cfn", "cf", "tmpl", "tpl", "j2", "jinja", "jinja2",
];

pub fn kind_of(path: &Path) -> Option<FileKind> {
    // Bytes that are not UTF-8 cannot be part of an extension we know: a lossy name is enough.
    let name = path.file_name()?.to_string_lossy().to_ascii_lowercase();
    if name.ends_with(".tf")
        || name.ends_with(".tf.json")
        || name.ends_with(".tfvars")
        || name.ends_with(".tfvars.json")
    {
        return Some(FileKind::Terraform);
    }
    let ext = name.rsplit_once('.')?.1;
    if DOCUMENT_EXTENSIONS.contains(&ext) {
        return Some(FileKind::Document);
    }
    let in_ebextensions = path
        .parent()
        .and_then(Path::file_name)
        .is_some_and(|d| d == ".ebextensions");
    (ext == "config" && in_ebextensions).then_some(FileKind::Document)
}

/// A Terraform template, read through `templatefile()` by a module above it.
fn is_tf_template(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    name.ends_with(".tftpl") || name.ends_with(".tpl")
}

fn is_tftpl(path: &Path) -> bool {
    path.file_name()
        .is_some_and(|n| n.to_string_lossy().to_ascii_lowercase().ends_with(".tftpl"))
}

/// How far above a named template its module is looked for (`templates/` is usually one level
/// below the module).
const TEMPLATE_MODULE_LEVELS: usize = 3;

/// How to walk.
pub struct Options<'a> {
    pub threads: usize,
    /// Apply `.gitignore` (inside a git work tree, to untracked files); off with `--no-ignore`.
    pub gitignore: bool,
    /// Whether `[scan] exclude` of the config that governs a path leaves it out.
    pub excluded: &'a (dyn Fn(&Path) -> bool + Sync),
}

/// The result of walking the paths.
#[derive(Debug, Default)]
pub struct Discovered {
    /// Single documents, sorted. Explicit file arguments are here whatever their extension.
    pub documents: Vec<PathBuf>,
    /// Terraform module directories and their files, sorted.
    pub modules: BTreeMap<PathBuf, Vec<PathBuf>>,
    /// Paths that could not be walked (permission denied, a symlink loop), with the reason.
    pub errors: Vec<(PathBuf, String)>,
    /// The paths named on the command line that are not directories (files, pipes): read
    /// whatever their name, as the user asked.
    pub explicit: BTreeSet<PathBuf>,
    /// Paths (files kmslint would read, and directories) left out by `.gitignore`.
    pub ignored: usize,
    /// Paths left out by `[scan] exclude`.
    pub excluded: usize,
}

#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum DiscoverError {
    #[error("path does not exist: {0}")]
    #[diagnostic(
        code(kmslint::discover::missing),
        help("check the path; kmslint scans files and directories")
    )]
    Missing(PathBuf),
    #[error("invalid exclude pattern `{0}`: {1}")]
    #[diagnostic(code(kmslint::config::exclude))]
    Exclude(String, String),
}

/// `[scan] exclude` globs of one config, matched against a path as walked and against the path
/// relative to the config's directory.
#[derive(Clone, Debug)]
pub struct Exclude {
    set: GlobSet,
    /// The config's directory, canonical.
    base: Option<PathBuf>,
}

impl Exclude {
    pub fn new(patterns: &[String], base: Option<&Path>) -> Result<Exclude, DiscoverError> {
        let mut b = GlobSetBuilder::new();
        for pat in patterns {
            let g =
                Glob::new(pat).map_err(|e| DiscoverError::Exclude(pat.clone(), e.to_string()))?;
            b.add(g);
            // `dir/**` should also exclude `dir` wherever the walk starts below it.
            if !pat.starts_with("**/") && !pat.starts_with('/') {
                if let Ok(g) = Glob::new(&format!("**/{pat}")) {
                    b.add(g);
                }
            }
        }
        let set = b
            .build()
            .map_err(|e| DiscoverError::Exclude(patterns.join(", "), e.to_string()))?;
        Ok(Exclude {
            set,
            base: base.and_then(|b| b.canonicalize().ok()),
        })
    }

    /// Excludes nothing.
    pub fn none() -> Exclude {
        Exclude {
            set: GlobSet::empty(),
            base: None,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.set.is_empty()
    }

    pub fn is_match(&self, path: &Path) -> bool {
        if self.set.is_empty() {
            return false;
        }
        if self.set.is_match(path) || self.set.is_match(path.strip_prefix("./").unwrap_or(path)) {
            return true;
        }
        let Some(base) = &self.base else {
            return false;
        };
        // Relative to the config: the parent is canonical (the path itself may be a link).
        let (Some(parent), Some(name)) = (path.parent(), path.file_name()) else {
            return false;
        };
        let parent = if parent.as_os_str().is_empty() {
            Path::new(".")
        } else {
            parent
        };
        parent
            .canonicalize()
            .ok()
            .and_then(|p| p.strip_prefix(base).ok().map(|r| r.join(name)))
            .is_some_and(|rel| self.set.is_match(rel))
    }
}

/// The directory a path is in, `.` for a bare file name.
pub fn dir_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Walks `paths` (files or directories).
pub fn discover(paths: &[PathBuf], opts: &Options<'_>) -> Result<Discovered, DiscoverError> {
    let mut out = Discovered::default();
    let mut dirs = Vec::new();
    // Module directories of Terraform files named alone, walked one level deep.
    let mut module_dirs: Vec<PathBuf> = Vec::new();
    let mut named_tf: Vec<PathBuf> = Vec::new();
    for p in paths {
        let meta = std::fs::metadata(p);
        match meta {
            Err(_) if std::fs::symlink_metadata(p).is_ok() => {
                out.errors
                    .push((p.clone(), "broken or looping symbolic link".into()));
            }
            Err(_) => return Err(DiscoverError::Missing(p.clone())),
            Ok(m) if m.is_dir() => dirs.push(p.clone()),
            Ok(_) => {
                if (opts.excluded)(p) {
                    out.excluded += 1;
                    continue;
                }
                out.explicit.insert(p.clone());
                if kind_of(p) == Some(FileKind::Terraform) {
                    module_dirs.push(dir_of(p));
                    named_tf.push(p.clone());
                } else if is_tf_template(p) {
                    match template_module(p) {
                        Some(dir) => {
                            module_dirs.push(dir);
                            // `.tpl` is not Terraform's alone (a CloudFormation template may be
                            // named so): read it as a walked document too, which says nothing
                            // unless its text names a key.
                            if !is_tftpl(p) {
                                out.explicit.remove(p);
                                out.documents.push(p.clone());
                            }
                        }
                        None => out.documents.push(p.clone()),
                    }
                } else {
                    out.documents.push(p.clone());
                }
            }
        }
    }
    walk(&mut out, &dirs, opts, None);
    module_dirs.sort();
    module_dirs.dedup();
    walk(&mut out, &module_dirs, opts, Some(1));
    // A file named on the command line is checked even where an ignore rule would leave it out.
    for p in named_tf {
        let dir = dir_of(&p);
        let files = out.modules.entry(dir.clone()).or_default();
        let name = p.file_name().map(|n| dir.join(n));
        if !files.iter().any(|f| Some(f) == name.as_ref() || *f == p) {
            files.push(p);
        }
    }
    out.documents.sort();
    out.documents.dedup();
    for files in out.modules.values_mut() {
        files.sort();
        files.dedup();
    }
    out.errors.sort();
    Ok(out)
}

/// The nearest directory at or above a named template that holds `.tf` files: the module that
/// renders it.
fn template_module(template: &Path) -> Option<PathBuf> {
    let start = dir_of(template).canonicalize().ok()?;
    for dir in start.ancestors().take(TEMPLATE_MODULE_LEVELS + 1) {
        let has_tf = std::fs::read_dir(dir)
            .ok()?
            .filter_map(Result::ok)
            .any(|e| {
                e.file_type().is_ok_and(|t| t.is_file())
                    && kind_of(&e.path()) == Some(FileKind::Terraform)
            });
        if has_tf {
            return Some(dir.to_path_buf());
        }
        if dir.join(".git").exists() {
            break;
        }
    }
    None
}

/// One walked directory: as given, canonical, and the git work tree it is in.
struct Root {
    given: PathBuf,
    canonical: Option<PathBuf>,
    tree: Option<Arc<git::WorkTree>>,
}

impl Root {
    /// The path's place below the canonical root, the work tree, and the root's own place in it
    /// (whose ignore files and below count).
    fn in_tree(&self, path: &Path) -> Option<(PathBuf, &git::WorkTree, &Path)> {
        let canonical = self.canonical.as_ref()?;
        let tree = self.tree.as_deref()?;
        let floor = tree.relative(canonical)?;
        let below = path.strip_prefix(&self.given).unwrap_or(path);
        Some((canonical.join(below), tree, floor))
    }
}

/// Walks `dirs` (to `depth` levels below them, or all the way), adding what it finds to `out`.
/// A shallow walk (the module directory of a named Terraform file) keeps Terraform files only.
fn walk(out: &mut Discovered, dirs: &[PathBuf], opts: &Options<'_>, depth: Option<usize>) {
    let Some((first, rest)) = dirs.split_first() else {
        return;
    };
    let mut trees: HashMap<PathBuf, Option<Arc<git::WorkTree>>> = HashMap::new();
    let roots: Vec<Root> = dirs
        .iter()
        .map(|d| {
            let canonical = d.canonicalize().ok();
            let tree = canonical.as_ref().and_then(|c| work_tree(c, &mut trees));
            Root {
                given: d.clone(),
                canonical,
                tree,
            }
        })
        .collect();
    let mut wb = ignore::WalkBuilder::new(first);
    for d in rest {
        wb.add(d);
    }
    // No ignore file of any kind and no hidden-file filter: the rules are applied below.
    wb.standard_filters(false)
        .hidden(false)
        .follow_links(true)
        .max_depth(depth)
        .threads(opts.threads.clamp(1, 16));
    let found: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());
    let errors: Mutex<Vec<(PathBuf, String)>> = Mutex::new(Vec::new());
    let ignored = AtomicUsize::new(0);
    let excluded = AtomicUsize::new(0);
    let shallow = depth.is_some();
    let roots = &roots;
    wb.build_parallel().run(|| {
        let (found, errors, ignored, excluded) = (&found, &errors, &ignored, &excluded);
        Box::new(move |entry| {
            let e = match entry {
                Ok(e) => e,
                Err(err) => {
                    let path = walk_error_path(&err);
                    if let Ok(mut es) = errors.lock() {
                        es.push((path, walk_error_message(&err)));
                    }
                    return ignore::WalkState::Continue;
                }
            };
            let path = e.path();
            let is_dir = e.file_type().is_some_and(|t| t.is_dir());
            let root = root_of(roots, path);
            if e.depth() > 0 {
                let name = e.file_name();
                // `.terraform` is a tool's cache, unless git tracks what is in it: committed,
                // it is content like any other.
                let committed = || {
                    root.and_then(|r| r.in_tree(path))
                        .is_some_and(|(abs, tree, _)| tree.tracks_dir(&abs))
                };
                if name == ".git" || (is_dir && name == ".terraform" && !committed()) {
                    return ignore::WalkState::Skip;
                }
            }
            // What a rule leaves out is counted when kmslint would have looked at it.
            let counts = is_dir || kind_of(path).is_some();
            if (opts.excluded)(path) {
                if counts {
                    excluded.fetch_add(1, Ordering::Relaxed);
                }
                return ignore::WalkState::Skip;
            }
            if e.depth() > 0 && opts.gitignore {
                if let Some((abs, tree, floor)) = root.and_then(|r| r.in_tree(path)) {
                    if tree.verdict(&abs, is_dir, floor) == git::Verdict::Ignored {
                        if counts {
                            ignored.fetch_add(1, Ordering::Relaxed);
                        }
                        return ignore::WalkState::Skip;
                    }
                }
            }
            if e.path_is_symlink() {
                if let Some(why) = link_escapes(path, root) {
                    if let Ok(mut es) = errors.lock() {
                        es.push((path.to_path_buf(), why));
                    }
                    return ignore::WalkState::Skip;
                }
            }
            let wanted = match kind_of(path) {
                Some(FileKind::Terraform) => true,
                Some(FileKind::Document) => !shallow,
                None => false,
            };
            if e.file_type().is_some_and(|t| t.is_file()) && wanted {
                if let Ok(mut f) = found.lock() {
                    f.push(path.to_path_buf());
                }
            }
            ignore::WalkState::Continue
        })
    });
    let mut found = found.into_inner().unwrap_or_default();
    found.sort();
    found.dedup();
    for p in found {
        match kind_of(&p) {
            Some(FileKind::Terraform) => add_tf(out, p),
            _ => out.documents.push(p),
        }
    }
    out.errors.extend(errors.into_inner().unwrap_or_default());
    out.ignored += ignored.into_inner();
    out.excluded += excluded.into_inner();
}

/// The work tree holding `dir`, read once per scan. A work tree whose index cannot be read
/// gets no ignore rules: every file is walked.
fn work_tree(
    dir: &Path,
    cache: &mut HashMap<PathBuf, Option<Arc<git::WorkTree>>>,
) -> Option<Arc<git::WorkTree>> {
    let top = dir.ancestors().find(|a| a.join(".git").exists())?;
    if let Some(t) = cache.get(top) {
        return t.clone();
    }
    let tree = git::WorkTree::find(dir).ok().flatten().map(Arc::new);
    cache.insert(top.to_path_buf(), tree.clone());
    tree
}

/// The walked directory `path` is below (the deepest, when they nest).
fn root_of<'r>(roots: &'r [Root], path: &Path) -> Option<&'r Root> {
    roots
        .iter()
        .filter(|r| path.starts_with(&r.given))
        .max_by_key(|r| r.given.as_os_str().len())
}

/// Why the symbolic link at `path` must not be followed: it points outside the walked
/// directory it was found in (or nowhere). A link to `/etc/passwd` or `../../secrets` in a pull
/// request is never read.
fn link_escapes(path: &Path, root: Option<&Root>) -> Option<String> {
    let Ok(target) = path.canonicalize() else {
        return Some("broken symbolic link: not read".into());
    };
    match root.and_then(|r| r.canonical.as_ref()) {
        Some(root) if target.starts_with(root) => None,
        _ => Some("symbolic link points outside the scan root: not read".into()),
    }
}

fn add_tf(out: &mut Discovered, p: PathBuf) {
    out.modules.entry(dir_of(&p)).or_default().push(p);
}

fn walk_error_path(err: &ignore::Error) -> PathBuf {
    match err {
        ignore::Error::WithPath { path, .. } => path.clone(),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            walk_error_path(err)
        }
        ignore::Error::Loop { child, .. } => child.clone(),
        _ => PathBuf::new(),
    }
}

fn walk_error_message(err: &ignore::Error) -> String {
    match err {
        ignore::Error::WithPath { err, .. }
        | ignore::Error::WithDepth { err, .. }
        | ignore::Error::WithLineNumber { err, .. } => walk_error_message(err),
        ignore::Error::Loop { ancestor, .. } => {
            format!("symbolic link loop back to {}", ancestor.display())
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_by_name() {
        assert_eq!(kind_of(Path::new("a/main.tf")), Some(FileKind::Terraform));
        assert_eq!(
            kind_of(Path::new("a/main.tf.json")),
            Some(FileKind::Terraform)
        );
        assert_eq!(
            kind_of(Path::new("a/prod.tfvars")),
            Some(FileKind::Terraform)
        );
        assert_eq!(kind_of(Path::new("a/t.yaml")), Some(FileKind::Document));
        assert_eq!(kind_of(Path::new("a/t.template")), Some(FileKind::Document));
        assert_eq!(kind_of(Path::new("a/readme.md")), None);
        assert_eq!(kind_of(Path::new("a/stack.tmpl")), Some(FileKind::Document));
        assert_eq!(
            kind_of(Path::new("a/key.yaml.j2")),
            Some(FileKind::Document)
        );
        assert_eq!(kind_of(Path::new("a/net.cf")), Some(FileKind::Document));
        assert_eq!(
            kind_of(Path::new("app/.ebextensions/01-key.config")),
            Some(FileKind::Document)
        );
        assert_eq!(kind_of(Path::new("app/settings.config")), None);
        assert_eq!(kind_of(Path::new("a/main.tftpl")), None);
    }

    #[cfg(unix)]
    #[test]
    fn a_name_that_is_not_utf8_keeps_its_extension() {
        use std::os::unix::ffi::OsStrExt;
        let name = std::ffi::OsStr::from_bytes(b"key-\xff.yaml");
        assert_eq!(kind_of(Path::new(name)), Some(FileKind::Document));
        let tf = std::ffi::OsStr::from_bytes(b"m\xfe.tf");
        assert_eq!(kind_of(Path::new(tf)), Some(FileKind::Terraform));
    }
}
