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
                let Some((id, file)) = self.read_file(sc, path, loc, "file") else {
                    return Some(unknown(
                        Why::reported(format!("`{}` could not be read", short(text))),
                        loc,
                    ));
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
                    fail(super::string(&v[0]).and_then(|rel| self.file_exists(&rel))).with_loc(loc)
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
        let joined = normalize(&self.d.dir.join(rel));
        let Some(root) = &self.sh.scan_root else {
            return Err(Bad::Unknown(Why::unsupported("the scan root is not known")));
        };
        let outside = || Bad::Unknown(Why::unsupported(format!("{rel} is outside the scan root")));
        match joined.canonicalize() {
            Ok(c) if c.starts_with(root) => Ok(Some(c)),
            Ok(_) => Err(outside()),
            // Not there: it does not exist when its nearest existing directory is inside.
            Err(_) => match std::path::absolute(&joined)
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
    fn file_exists(&self, rel: &str) -> Result<Doc, Bad> {
        let loc = Loc::default();
        match self.inside_root(rel)? {
            None => Ok(str_doc("false", loc)),
            Some(c) => match std::fs::metadata(&c) {
                Ok(m) if m.is_file() => Ok(str_doc("true", loc)),
                Ok(_) => Err(Bad::Fault(format!("{rel} is not a regular file"))),
                Err(_) => Ok(str_doc("false", loc)),
            },
        }
    }

    /// `fileset(path, pattern)`: the regular files under `path` matching `pattern` (doublestar
    /// globbing: `*` within a name, `**` across directories), relative to `path`, sorted.
    fn fileset(&self, dir: &str, pattern: &str, loc: Loc) -> Result<Doc, Bad> {
        let Some(base) = self.inside_root(dir)? else {
            return Ok(list_doc(Vec::new(), loc));
        };
        let glob = globset::GlobBuilder::new(pattern)
            .literal_separator(true)
            .build()
            .map_err(|e| Bad::Fault(format!("failed to glob pattern {pattern:?}: {e}")))?
            .compile_matcher();
        let mut found = Vec::new();
        let mut seen = 0usize;
        walk(&base, &base, 0, &mut seen, &mut |rel| {
            if glob.is_match(rel) {
                found.push(rel.to_string());
            }
        })?;
        found.sort();
        Ok(list_doc(
            found.into_iter().map(|f| str_doc(f, loc)).collect(),
            loc,
        ))
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

/// Visits the regular files under `dir` (paths relative to `base`, `/`-separated), bounded in
/// entries and depth; `.git` is never entered and symbolic links are not followed.
fn walk(
    base: &Path,
    dir: &Path,
    depth: usize,
    seen: &mut usize,
    f: &mut dyn FnMut(&str),
) -> Result<(), Bad> {
    let limit = || {
        Bad::Unknown(Why::unsupported(format!(
            "fileset() over more than {MAX_FILESET_ENTRIES} entries or {MAX_FILESET_DEPTH} levels"
        )))
    };
    if depth > MAX_FILESET_DEPTH {
        return Err(limit());
    }
    let Ok(rd) = std::fs::read_dir(dir) else {
        return Ok(());
    };
    let mut entries: Vec<_> = rd.filter_map(|e| e.ok()).collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        *seen += 1;
        if *seen > MAX_FILESET_ENTRIES {
            return Err(limit());
        }
        let Ok(ft) = e.file_type() else { continue };
        let path = e.path();
        if ft.is_dir() {
            if e.file_name() != ".git" {
                walk(base, &path, depth + 1, seen, f)?;
            }
        } else if ft.is_file() {
            if let Ok(rel) = path.strip_prefix(base) {
                let rel: Vec<String> = rel
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                f(&rel.join("/"));
            }
        }
    }
    Ok(())
}

trait WithLoc {
    fn with_loc(self, loc: Loc) -> Self;
}

impl WithLoc for Doc {
    fn with_loc(mut self, loc: Loc) -> Doc {
        self.loc = loc;
        self
    }
}
