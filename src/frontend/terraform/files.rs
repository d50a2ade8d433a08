//! `file()` and `templatefile()`: files read relative to the module, only inside the scan root.

use super::eval::*;
use crate::base::diag::code;
use crate::base::source::{FileId, Loc, SourceFile, Span};
use crate::ir::{Doc, DocKind, Why};
use crate::parse::hcl::{self, Expression};
use crate::parse::OffsetMap;
use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

impl<'a> Module<'a> {
    /// Reads a file named by `file()`/`templatefile()`, relative to the module directory, only
    /// when it is inside the scan root. Returns its id and contents.
    pub(super) fn read_file(
        &self,
        sc: Scope<'_>,
        path: &Expression,
        loc: Loc,
        func: &str,
    ) -> Option<(FileId, Arc<SourceFile>)> {
        let p = self.eval(sc, path);
        let rel = p.as_value().and_then(|v| v.as_lit()).map(str::to_string)?;
        let rel = rel.strip_prefix("./").unwrap_or(&rel);
        let joined = normalize(&self.module_dir.join(rel));
        let inside = match (&self.scan_root, joined.canonicalize()) {
            (Some(root), Ok(c)) => c.starts_with(root).then_some(c),
            _ => None,
        };
        let Some(canonical) = inside else {
            let msg = if joined.exists() {
                format!("{func}() outside the scan root: {rel} is not read")
            } else {
                format!("{func}() names a file that does not exist: {rel}")
            };
            self.error(loc.file, loc.span, msg, code::TERRAFORM_FILE);
            return None;
        };
        // Already read (the same policy file used twice)?
        let display = joined;
        let existing = self
            .files
            .iter()
            .chain(self.new_files.borrow().iter())
            .position(|f| f.path == display);
        if let Some(i) = existing {
            let id = FileId(i as u32);
            return self.src(id).map(|f| (id, f));
        }
        let limit = self.max_file_size;
        let text = match std::fs::metadata(&canonical) {
            Ok(m) if m.len() > limit => Err(format!(
                "{func}() names a file larger than the {limit}-byte limit ([scan] max_file_size): {rel}"
            )),
            _ => std::fs::read_to_string(&canonical)
                .map_err(|e| format!("{func}() could not read {rel}: {e}")),
        };
        let text = match text {
            Ok(t) => t,
            Err(msg) => {
                self.error(loc.file, loc.span, msg, code::TERRAFORM_FILE);
                return None;
            }
        };
        let f = SourceFile::new(display, text);
        let mut new_files = self.new_files.borrow_mut();
        let id = FileId((self.files.len() + new_files.len()) as u32);
        new_files.push(f.clone());
        Some((id, f))
    }

    pub(super) fn file_policy(&self, sc: Scope<'_>, path: &Expression, loc: Loc) -> Doc {
        match self.read_file(sc, path, loc, "file") {
            Some((id, f)) => {
                let whole = Loc::new(id, Span::new(0, f.text.len()));
                let fsc = Scope {
                    file: id,
                    src: &f.text,
                    map: None,
                    tvars: None,
                };
                self.parse_policy_text(fsc, &f.text, &OffsetMap::shifted(0), &[], whole)
            }
            None => unknown(
                Why::reported(format!("`{}` is not read", short(sc.text(Some(loc.span))))),
                loc,
            ),
        }
    }

    pub(super) fn templatefile(
        &self,
        sc: Scope<'_>,
        path: &Expression,
        vars: &Expression,
        loc: Loc,
        as_policy: bool,
    ) -> Doc {
        let Some((id, f)) = self.read_file(sc, path, loc, "templatefile") else {
            return unknown(
                Why::reported(format!("`{}` is not read", short(sc.text(Some(loc.span))))),
                loc,
            );
        };
        // The variables are evaluated first: `templatefile("a", {x = templatefile("a", …)})`
        // is fine. The template's own text calling templatefile() on itself is a cycle.
        let tvars: HashMap<String, Doc> = match self.eval(sc, vars).kind {
            DocKind::Map(es) => es.into_iter().map(|e| (e.key, e.value)).collect(),
            _ => HashMap::new(),
        };
        let key = format!("templatefile({})", f.path.display());
        self.guarded(&key, loc, || {
            self.template_doc(id, &f, &tvars, loc, as_policy)
        })
    }

    pub(super) fn template_doc(
        &self,
        id: FileId,
        f: &Arc<SourceFile>,
        tvars: &HashMap<String, Doc>,
        loc: Loc,
        as_policy: bool,
    ) -> Doc {
        let template = match hcl::parse_template(&f.text) {
            Ok(t) => t,
            Err(e) => {
                self.error(id, e.span, e.message, code::HCL);
                return unknown(Why::reported("the template file could not be parsed"), loc);
            }
        };
        let tsc = Scope {
            file: id,
            src: &f.text,
            map: None,
            tvars: Some(tvars),
        };
        let pieces = hcl::template_pieces(&f.text, &template);
        let whole = Loc::new(id, Span::new(0, f.text.len()));
        if as_policy {
            let (text, map, parts) = self.pieces_json_text(tsc, &pieces);
            self.parse_policy_text(tsc, &text, &map, &parts, whole)
        } else {
            Doc::scalar(self.pieces_value(tsc, &pieces), whole)
        }
    }
}

/// Removes `.` and resolves `..` lexically, so a display path stays readable.
pub(super) fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                let last_is_parent =
                    matches!(out.components().next_back(), Some(Component::ParentDir));
                if last_is_parent || !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}
