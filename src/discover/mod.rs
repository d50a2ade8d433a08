//! Discover stage: paths -> the files to check, walked in parallel with ripgrep's walker
//! (`.gitignore` honoured, hidden directories such as `.terraform/` and `.git/` skipped), and
//! grouped into units: one per CloudFormation candidate, one per Terraform module directory.

use globset::{Glob, GlobSet, GlobSetBuilder};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// What a file's name says it may hold; its content decides the rest.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum FileKind {
    /// `.json`, `.yaml`, `.yml`, `.template`: a template, a plan, a bare policy, or unrelated.
    Document,
    /// `.tf`, `.tf.json`, `.tfvars`, `.tfvars.json`: part of a Terraform module.
    Terraform,
}

pub fn kind_of(path: &Path) -> Option<FileKind> {
    let name = path.file_name()?.to_str()?.to_ascii_lowercase();
    if name.ends_with(".tf")
        || name.ends_with(".tf.json")
        || name.ends_with(".tfvars")
        || name.ends_with(".tfvars.json")
    {
        return Some(FileKind::Terraform);
    }
    let ext = name.rsplit('.').next()?;
    matches!(ext, "json" | "yaml" | "yml" | "template" | "cfn").then_some(FileKind::Document)
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

fn excludes(patterns: &[String]) -> Result<GlobSet, DiscoverError> {
    let mut b = GlobSetBuilder::new();
    for pat in patterns {
        let g = Glob::new(pat).map_err(|e| DiscoverError::Exclude(pat.clone(), e.to_string()))?;
        b.add(g);
        // `dir/**` should also exclude `dir` wherever the walk starts below it.
        if !pat.starts_with("**/") && !pat.starts_with('/') {
            if let Ok(g) = Glob::new(&format!("**/{pat}")) {
                b.add(g);
            }
        }
    }
    b.build()
        .map_err(|e| DiscoverError::Exclude(patterns.join(", "), e.to_string()))
}

/// Walks `paths` (files or directories), leaving out what the `exclude` globs match.
pub fn discover(
    paths: &[PathBuf],
    exclude: &[String],
    threads: usize,
) -> Result<Discovered, DiscoverError> {
    let exclude = excludes(exclude)?;
    let mut out = Discovered::default();
    let mut dirs = Vec::new();
    for p in paths {
        let meta = std::fs::metadata(p);
        match meta {
            Err(_) if std::fs::symlink_metadata(p).is_ok() => {
                out.errors
                    .push((p.clone(), "broken or looping symbolic link".into()));
            }
            Err(_) => return Err(DiscoverError::Missing(p.clone())),
            Ok(m) if m.is_dir() => dirs.push(p.clone()),
            Ok(_) => match kind_of(p) {
                Some(FileKind::Terraform) => add_tf(&mut out, p.clone()),
                _ => out.documents.push(p.clone()),
            },
        }
    }
    if let Some((first, rest)) = dirs.split_first() {
        let mut wb = ignore::WalkBuilder::new(first);
        for d in rest {
            wb.add(d);
        }
        wb.require_git(false)
            .follow_links(true)
            .threads(threads.max(1));
        let found: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());
        let errors: Mutex<Vec<(PathBuf, String)>> = Mutex::new(Vec::new());
        let exclude = &exclude;
        // Symbolic links are followed only where they stay inside the directory being walked:
        // a link to `/etc/passwd` or `../../secrets` in a pull request is never read.
        let roots: Vec<(PathBuf, Option<PathBuf>)> = dirs
            .iter()
            .map(|d| (d.clone(), d.canonicalize().ok()))
            .collect();
        let roots = &roots;
        wb.build_parallel().run(|| {
            let found = &found;
            let errors = &errors;
            Box::new(move |entry| {
                match entry {
                    Ok(e) => {
                        let path = e.path();
                        if exclude.is_match(path)
                            || exclude.is_match(path.strip_prefix("./").unwrap_or(path))
                        {
                            return ignore::WalkState::Skip;
                        }
                        if e.path_is_symlink() {
                            if let Some(why) = link_escapes(path, roots) {
                                if let Ok(mut es) = errors.lock() {
                                    es.push((path.to_path_buf(), why));
                                }
                                return ignore::WalkState::Skip;
                            }
                        }
                        if e.file_type().is_some_and(|t| t.is_file()) && kind_of(path).is_some() {
                            if let Ok(mut f) = found.lock() {
                                f.push(path.to_path_buf());
                            }
                        }
                    }
                    Err(err) => {
                        let path = walk_error_path(&err);
                        if let Ok(mut es) = errors.lock() {
                            es.push((path, walk_error_message(&err)));
                        }
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
                Some(FileKind::Terraform) => add_tf(&mut out, p),
                _ => out.documents.push(p),
            }
        }
        out.errors.extend(errors.into_inner().unwrap_or_default());
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

/// Why the symbolic link at `path` must not be followed: it points outside the walked
/// directory it was found in (or nowhere). `roots` are the walked directories, as given and
/// canonical.
fn link_escapes(path: &Path, roots: &[(PathBuf, Option<PathBuf>)]) -> Option<String> {
    let root = roots
        .iter()
        .filter(|(given, _)| path.starts_with(given))
        .max_by_key(|(given, _)| given.as_os_str().len())
        .and_then(|(_, canonical)| canonical.as_ref());
    let Ok(target) = path.canonicalize() else {
        return Some("broken symbolic link: not read".into());
    };
    match root {
        Some(root) if target.starts_with(root) => None,
        _ => Some("symbolic link points outside the scan root: not read".into()),
    }
}

fn add_tf(out: &mut Discovered, p: PathBuf) {
    let dir = p.parent().map(Path::to_path_buf).unwrap_or_default();
    out.modules.entry(dir).or_default().push(p);
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
    }
}
