//! Functions that need the module or an argument's expression: fileexists, fileset (on disk,
//! relative to the module, only inside the scan root, as `file()` reads), templatestring,
//! issensitive, and `yamldecode(file(…))` / `csvdecode(file(…))`, which decode the whole file
//! (a `file()` value used as a plain string is clipped for display).

use super::{list_doc, str_doc, Bad};
use crate::base::source::{Loc, Span};
use crate::frontend::terraform::eval::*;
use crate::frontend::terraform::files::normalize;
use crate::ir::{Doc, DocKind, Why};
use crate::parse::hcl::{self, span_of, Expression};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Most directory entries `fileset()` walks, and how deep.
const MAX_FILESET_ENTRIES: usize = 10_000;
const MAX_FILESET_DEPTH: usize = 32;

impl<'a> Module<'a> {
    /// The functions of this file, when `name` is one of them with these arguments.
    pub(super) fn call_special(
        &self,
        sc: Scope<'_>,
        name: &str,
        args: &[&Expression],
        text: &str,
        loc: Loc,
    ) -> Option<Doc> {
        let fail = |r: Result<Doc, Bad>| match r {
            Ok(d) => d,
            Err(Bad::Unknown(w)) => unknown(
                Why {
                    reason: format!("`{}`: {}", short(text), w.reason),
                    cause: w.cause,
                },
                loc,
            ),
            Err(Bad::Fault(why)) => {
                self.fault(format!("`{}` fails in Terraform: {why}", short(text)), loc)
            }
            Err(Bad::NoSuch) => unsupported(format!("`{}` is not evaluated", short(text)), loc),
        };
        match (name, args) {
            ("yamldecode" | "csvdecode", [arg]) => {
                let Expression::FuncCall(f) = arg else {
                    return None;
                };
                let inner: Vec<&Expression> = f.args.iter().collect();
                let (true, [path]) = (f.name.name.as_str() == "file", inner.as_slice()) else {
                    return None;
                };
                let (id, file) = match self.read_file(sc, path, loc, "file") {
                    Ok(read) => read,
                    Err(why) => return Some(unknown(why, loc)),
                };
                let r = if name == "yamldecode" {
                    super::yaml::decode(&file.text, id, &|s| s).map(|d| self.pinned(d))
                } else {
                    let whole = Loc::new(id, Span::new(0, file.text.len()));
                    super::text::apply(name, &[str_doc(file.text.as_str(), whole)], loc)
                };
                Some(fail(r))
            }
            ("templatestring", [tpl, vars]) => Some(self.templatestring(sc, tpl, vars, text, loc)),
            ("issensitive", [arg]) => {
                let d = self.eval(sc, arg);
                Some(match (&d.kind, arg) {
                    (DocKind::Unknown(w), _) => unknown(w.clone(), loc),
                    // A literal is never sensitive; a sensitive() call always is.
                    (
                        _,
                        Expression::String(_)
                        | Expression::Number(_)
                        | Expression::Bool(_)
                        | Expression::Null(_),
                    ) => str_doc("false", loc),
                    (_, Expression::FuncCall(f)) if f.name.name.as_str() == "sensitive" => {
                        str_doc("true", loc)
                    }
                    _ => unsupported(
                        format!(
                            "`{}`: kmslint does not track which values are sensitive",
                            short(text)
                        ),
                        loc,
                    ),
                })
            }
            ("fileexists", [path]) => {
                let p = self.eval(sc, path);
                Some(self.over(vec![p], loc, &|v| {
                    fail(super::string(&v[0]).and_then(|rel| self.file_exists(&rel, loc)))
                }))
            }
            ("fileset", [dir, pattern]) => {
                let d = self.eval(sc, dir);
                let p = self.eval(sc, pattern);
                Some(self.over(vec![d, p], loc, &|v| {
                    let r = super::string(&v[0]).and_then(|dir| {
                        let pat = super::string(&v[1])?;
                        self.fileset(&dir, &pat, loc)
                    });
                    fail(r)
                }))
            }
            _ => None,
        }
    }

    /// A path named relative to the module, if it is inside the scan root (canonical form).
    fn inside_root(&self, rel: &str) -> Result<Option<PathBuf>, Bad> {
        let rel = rel.strip_prefix("./").unwrap_or(rel);
        self.inside_root_path(&normalize(&self.d.dir.join(rel)), rel)
    }

    /// `joined` (named `rel` in messages) in canonical form if it is inside the scan root;
    /// `None` when nothing is there and its nearest existing directory is inside.
    fn inside_root_path(&self, joined: &Path, rel: &str) -> Result<Option<PathBuf>, Bad> {
        let Some(root) = &self.sh.scan_root else {
            return Err(Bad::Unknown(Why::unsupported("the scan root is not known")));
        };
        let outside = || Bad::Unknown(Why::unsupported(format!("{rel} is outside the scan root")));
        match joined.canonicalize() {
            Ok(c) if c.starts_with(root) => Ok(Some(c)),
            Ok(_) => Err(outside()),
            Err(_) => match std::path::absolute(joined)
                .ok()
                .and_then(|a| a.ancestors().find_map(|p| p.canonicalize().ok()))
            {
                Some(p) if p.starts_with(root) => Ok(None),
                _ => Err(outside()),
            },
        }
    }

    /// hashicorp/terraform `filesystem.go` fileexists: true for a regular file, false when
    /// nothing is there, an error for anything else.
    fn file_exists(&self, rel: &str, loc: Loc) -> Result<Doc, Bad> {
        match self.inside_root(rel)? {
            None => Ok(str_doc("false", loc)),
            Some(c) => match std::fs::metadata(&c) {
                Ok(m) if m.is_file() => Ok(str_doc("true", loc)),
                Ok(_) => Err(Bad::Fault(format!("{rel} is not a regular file"))),
                Err(_) => Ok(str_doc("false", loc)),
            },
        }
    }

    /// hashicorp/terraform `filesystem.go` fileset: the pattern is joined to `path` (which
    /// cleans `..` away), globbed (doublestar: `*` within a name, `**` across directories,
    /// symbolic links followed), and the regular files found are listed relative to `path`
    /// (`../x.json` when the pattern leaves it), sorted. Only the scan root is walked: a pattern
    /// or a link that reaches outside it makes the result unknown.
    fn fileset(&self, dir: &str, pattern: &str, loc: Loc) -> Result<Doc, Bad> {
        let base = normalize(&self.d.dir.join(dir));
        let joined = normalize(&base.join(pattern));
        let cached = self.sh.filesets.borrow().get(&joined).cloned();
        let found = match cached {
            Some(r) => r,
            None => {
                let r = self.glob(&joined, pattern);
                self.sh.filesets.borrow_mut().insert(joined, r.clone());
                r
            }
        };
        let mut rels = Vec::new();
        for f in found.map_err(Bad::Unknown)? {
            let Some(rel) = relative(&base, &f) else {
                return Err(Bad::Unknown(Why::unsupported(format!(
                    "where {} is relative to {dir:?} is not known",
                    f.display()
                ))));
            };
            rels.push(rel);
        }
        rels.sort();
        rels.dedup();
        Ok(list_doc(
            rels.into_iter().map(|f| str_doc(f, loc)).collect(),
            loc,
        ))
    }

    /// The regular files matching `joined` (a cleaned path whose later components may hold
    /// glob syntax), as paths beginning with its literal leading directories.
    fn glob(&self, joined: &Path, pattern: &str) -> Result<Vec<PathBuf>, Why> {
        let parts: Vec<&std::ffi::OsStr> = joined.iter().collect();
        let literal = parts
            .iter()
            .take_while(|c| !c.to_string_lossy().contains(['*', '?', '[', '{', '\\']))
            .count();
        let start: PathBuf = parts.iter().take(literal).collect();
        let fail = |b: Bad| match b {
            Bad::Unknown(w) => w,
            Bad::Fault(f) => Why::unsupported(f),
            Bad::NoSuch => Why::unsupported("fileset() is not evaluated"),
        };
        let Some(root) = self.sh.scan_root.clone() else {
            return Err(Why::unsupported("the scan root is not known"));
        };
        if self
            .inside_root_path(&start, pattern)
            .map_err(fail)?
            .is_none()
        {
            return Ok(Vec::new());
        }
        let glob = globset::GlobBuilder::new(&joined.to_string_lossy())
            .literal_separator(true)
            .build()
            .map_err(|e| Why::unsupported(format!("the pattern {pattern:?} is not read: {e}")))?
            .compile_matcher();
        let mut found = Vec::new();
        if literal == parts.len() {
            // No glob syntax: the path itself, when it is a regular file.
            if std::fs::metadata(&start).is_ok_and(|m| m.is_file()) {
                found.push(start);
            }
            return Ok(found);
        }
        // Without `**` the pattern reaches only as deep as it has components.
        let depth = if parts
            .iter()
            .skip(literal)
            .any(|c| c.to_string_lossy().contains("**"))
        {
            MAX_FILESET_DEPTH
        } else {
            parts.len() - literal - 1
        };
        let mut walk = Walk {
            root: &root,
            max_depth: depth,
            seen: 0,
            found: &mut found,
            glob: &glob,
        };
        walk.dir(&start, 0)?;
        Ok(found)
    }

    /// `templatestring(ref, vars)`: the string `ref` names, rendered as a template with `vars`.
    /// Terraform accepts only a reference as the template, never a template written in place.
    fn templatestring(
        &self,
        sc: Scope<'_>,
        tpl: &Expression,
        vars: &Expression,
        text: &str,
        loc: Loc,
    ) -> Doc {
        if !matches!(tpl, Expression::Traversal(_) | Expression::Variable(_)) {
            return self.fault(
                format!(
                    "`{}` fails in Terraform: the template must be a reference to a string",
                    short(text)
                ),
                loc,
            );
        }
        let t = self.eval(sc, tpl);
        let source = match super::string(&t) {
            Ok(s) => s,
            Err(Bad::Unknown(w)) => return unknown(w, loc),
            Err(_) => {
                return self.fault(
                    format!("`{}` fails in Terraform: a string is required", short(text)),
                    loc,
                )
            }
        };
        let tvars: HashMap<String, Doc> = match self.eval(sc, vars).kind {
            DocKind::Map(es) => es.into_iter().map(|e| (e.key, e.value)).collect(),
            DocKind::Unknown(w) => return unknown(w, loc),
            _ => {
                return self.fault(
                    format!(
                        "`{}` fails in Terraform: vars must be an object",
                        short(text)
                    ),
                    loc,
                )
            }
        };
        let template = match hcl::parse_template(&source) {
            Ok(t) => t,
            Err(e) => {
                return self.fault(
                    format!(
                        "`{}` fails in Terraform: invalid template: {}",
                        short(text),
                        e.message
                    ),
                    loc,
                )
            }
        };
        // Spans point into the template string: every location is shown at the call.
        let tsc = Scope {
            file: sc.file,
            src: &source,
            map: None,
            tvars: Some(&tvars),
            pin: Some(loc),
            template: true,
        };
        let pieces = hcl::template_pieces(&source, &template);
        let key = format!("templatestring({})", short(sc.text(span_of(tpl))));
        self.guarded(&key, loc, || self.pieces_doc(tsc, &pieces, loc))
    }
}

/// `path` relative to `base`, `/`-separated (Go's `filepath.Rel` of two cleaned paths).
fn relative(base: &Path, path: &Path) -> Option<String> {
    let (b, p): (Vec<_>, Vec<_>) = (base.components().collect(), path.components().collect());
    let common = b.iter().zip(&p).take_while(|(x, y)| x == y).count();
    let ups = b.get(common..)?;
    if ups
        .iter()
        .any(|c| !matches!(c, std::path::Component::Normal(_)))
    {
        return None;
    }
    let mut out: Vec<String> = ups.iter().map(|_| "..".to_string()).collect();
    for c in p.get(common..)? {
        out.push(c.as_os_str().to_str()?.to_string());
    }
    Some(if out.is_empty() {
        ".".into()
    } else {
        out.join("/")
    })
}

/// A bounded walk for `fileset()`: regular files (through symbolic links) whose path the glob
/// matches. Terraform follows links; one leading outside the scan root is not followed and
/// makes the result unknown (what is there is not kmslint's to read).
struct Walk<'w> {
    root: &'w Path,
    max_depth: usize,
    seen: usize,
    found: &'w mut Vec<PathBuf>,
    glob: &'w globset::GlobMatcher,
}

impl Walk<'_> {
    fn dir(&mut self, dir: &Path, depth: usize) -> Result<(), Why> {
        let limit = || {
            Why::unsupported(format!(
                "fileset() over more than {MAX_FILESET_ENTRIES} entries or {MAX_FILESET_DEPTH} \
                 levels"
            ))
        };
        let Ok(rd) = std::fs::read_dir(dir) else {
            return Ok(());
        };
        for e in rd.filter_map(|e| e.ok()) {
            self.seen += 1;
            if self.seen > MAX_FILESET_ENTRIES {
                return Err(limit());
            }
            let Ok(mut ft) = e.file_type() else { continue };
            let path = dir.join(e.file_name());
            if ft.is_symlink() {
                let Ok(meta) = std::fs::metadata(&path) else {
                    // Dangling: Terraform fails to stat it when it matches.
                    if self.glob.is_match(&path) {
                        return Err(Why::unsupported(format!(
                            "fileset() matches {}, a symbolic link to nothing",
                            path.display()
                        )));
                    }
                    continue;
                };
                ft = meta.file_type();
                let inside = std::fs::canonicalize(&path).is_ok_and(|t| t.starts_with(self.root));
                let reached = match ft.is_dir() {
                    true => depth < self.max_depth,
                    false => self.glob.is_match(&path),
                };
                if !inside {
                    if reached {
                        return Err(Why::unsupported(format!(
                            "fileset() meets {}, a symbolic link leading outside the scan root",
                            path.display()
                        )));
                    }
                    continue;
                }
            }
            if ft.is_dir() {
                if depth >= self.max_depth {
                    if self.max_depth == MAX_FILESET_DEPTH {
                        return Err(limit());
                    }
                    continue;
                }
                self.dir(&path, depth + 1)?;
            } else if ft.is_file() && self.glob.is_match(&path) {
                self.found.push(path);
            }
        }
        Ok(())
    }
}
