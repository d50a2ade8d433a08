//! `file()` and `templatefile()`: files read relative to the module, only inside the scan root.

use super::eval::*;
use crate::base::diag::code;
use crate::base::source::{FileId, Loc, SourceFile, Span};
use crate::ir::{Doc, DocKind, Part, Value, Why};
use crate::parse::hcl::{self, Expression};
use crate::parse::OffsetMap;
use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

impl<'a> Module<'a> {
    /// Reads a file named by `file()`/`templatefile()`, relative to the module directory, only
    /// when it is inside the scan root. Returns its id and contents, or why it is not read: a
    /// path not known statically (its own reason: `file(var.p)` is as unknown as `var.p`), or
    /// an error already reported here.
    pub(super) fn read_file(
        &self,
        sc: Scope<'_>,
        path: &Expression,
        loc: Loc,
        func: &str,
    ) -> Result<(FileId, Arc<SourceFile>), Why> {
        let p = self.eval(sc, path);
        let Some(rel) = p.as_value().and_then(|v| v.as_lit()).map(str::to_string) else {
            let w = why_unknown(&p).unwrap_or_else(|| {
                Why::unsupported(format!("the path {func}() reads is not a string"))
            });
            return Err(Why {
                reason: format!("{func}() reads a path not known statically: {}", w.reason),
                cause: w.cause,
            });
        };
        let reported = |msg: &str| Why::reported(format!("{func}() did not read {rel}: {msg}"));
        let rel = rel.strip_prefix("./").unwrap_or(&rel);
        let joined = normalize(&self.d.dir.join(rel));
        let inside = match (&self.sh.scan_root, joined.canonicalize()) {
            (Some(root), Ok(c)) => c.starts_with(root).then_some(c),
            _ => None,
        };
        let Some(canonical) = inside else {
            let msg = if joined.exists() {
                format!("{func}() outside the scan root: {rel} is not read")
            } else {
                format!("{func}() names a file that does not exist: {rel}")
            };
            self.error(loc.file, loc.span, msg.clone(), code::TERRAFORM_FILE);
            return Err(reported(&msg));
        };
        // A checkout's `.git/` holds credentials (a CI token in `.git/config`), never policies.
        let in_git = |p: &Path| p.components().any(|c| c.as_os_str() == ".git");
        if in_git(&joined) || in_git(&canonical) {
            let msg = format!("{func}() names a file inside .git/: {rel} is not read");
            self.error(loc.file, loc.span, msg.clone(), code::TERRAFORM_FILE);
            return Err(reported(&msg));
        }
        // Already read (the same policy file used twice)?
        let display = joined;
        let existing = self
            .sh
            .files
            .iter()
            .chain(self.sh.new_files.borrow().iter())
            .position(|f| f.path == display);
        if let Some(i) = existing {
            let id = FileId(i as u32);
            return self
                .src(id)
                .map(|f| (id, f))
                .ok_or_else(|| reported("the file is gone"));
        }
        let text = match read_regular(&canonical, self.sh.max_file_size) {
            Ok(t) => t,
            Err(why) => {
                let msg = format!("{func}() could not read {rel}: {why}");
                self.error(loc.file, loc.span, msg.clone(), code::TERRAFORM_FILE);
                return Err(reported(&msg));
            }
        };
        let f = SourceFile::new(display, text);
        let mut new_files = self.sh.new_files.borrow_mut();
        let id = FileId((self.sh.files.len() + new_files.len()) as u32);
        new_files.push(f.clone());
        Ok((id, f))
    }

    pub(super) fn file_policy(&self, sc: Scope<'_>, path: &Expression, loc: Loc) -> Doc {
        match self.read_file(sc, path, loc, "file") {
            Ok((id, f)) => {
                let whole = Loc::new(id, Span::new(0, f.text.len()));
                let fsc = Scope {
                    file: id,
                    src: &f.text,
                    map: None,
                    tvars: None,
                    pin: self.pin,
                    template: false,
                };
                self.parse_policy_text(fsc, &f.text, &OffsetMap::shifted(0), &[], whole)
            }
            Err(why) => unknown(why, loc),
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
        let (id, f) = match self.read_file(sc, path, loc, "templatefile") {
            Ok(read) => read,
            Err(why) => return unknown(why, loc),
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
            pin: self.pin,
            template: true,
        };
        let pieces = hcl::template_pieces(&f.text, &template);
        let whole = Loc::new(id, Span::new(0, f.text.len()));
        if as_policy {
            let (text, map, parts) = self.pieces_json_text(tsc, &pieces);
            self.parse_policy_text(tsc, &text, &map, &parts, whole)
        } else {
            self.pieces_doc(tsc, &pieces, whole)
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

/// Reads a regular file of at most `limit` bytes. A named pipe, a device or a socket is refused
/// before it is opened (opening a pipe with no writer would block the scan forever), and the file
/// is opened non-blocking in case it was swapped for one in between.
pub fn read_regular(path: &Path, limit: u64) -> Result<String, String> {
    use std::io::Read;
    let meta = std::fs::metadata(path).map_err(|e| e.to_string())?;
    if !meta.is_file() {
        return Err("it is not a regular file (a named pipe, a device or a directory)".into());
    }
    if meta.len() > limit {
        return Err(format!(
            "it is larger than the {limit}-byte limit ([scan] max_file_size)"
        ));
    }
    let mut opts = std::fs::OpenOptions::new();
    opts.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.custom_flags(libc::O_NONBLOCK);
    }
    let f = opts.open(path).map_err(|e| e.to_string())?;
    let meta = f.metadata().map_err(|e| e.to_string())?;
    if !meta.is_file() {
        return Err("it is not a regular file".into());
    }
    let mut bytes = Vec::new();
    f.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| e.to_string())?;
    if bytes.len() as u64 > limit {
        return Err(format!(
            "it is larger than the {limit}-byte limit ([scan] max_file_size)"
        ));
    }
    String::from_utf8(bytes).map_err(|_| "it is not UTF-8 text".to_string())
}

/// Longest excerpt of a `file()` value shown when the value is not a policy: such a file may
/// hold anything (a credentials file read as a principal), and reports must not print it whole.
pub const MAX_FILE_EXCERPT: usize = 64;

/// The value of `file()` used as a plain string: whole when short and on one line; otherwise a
/// clipped excerpt whose rest is an unknown part (not shown, never taken as safe).
pub fn file_value(path: &Path, text: &str) -> Value {
    let one_line = text.strip_suffix('\n').unwrap_or(text);
    // JSON (a policy or a template of one, edited with replace() or jsondecode()) is kept whole.
    let json = one_line.trim_start().starts_with(['{', '[']);
    if json || (one_line.len() <= MAX_FILE_EXCERPT && !one_line.contains('\n')) {
        return Value::lit(text);
    }
    let mut cut = MAX_FILE_EXCERPT.min(one_line.find('\n').unwrap_or(one_line.len()));
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    let mut v = Value::lit(&text[..cut]);
    v.push(Part::Unknown(Why::unsupported(format!(
        "the rest of {} ({} bytes) is not shown",
        path.display(),
        text.len()
    ))));
    v
}

/// A scan root's canonical form, worked out once per process: every module under the root asks
/// for it, and canonicalising a relative path costs a system call per component.
pub(crate) fn canonical_root(root: &Path) -> Option<PathBuf> {
    use std::sync::{Mutex, OnceLock};
    static SEEN: OnceLock<Mutex<HashMap<PathBuf, Option<PathBuf>>>> = OnceLock::new();
    // Keyed by the absolute path: a library caller may change the working directory.
    let key = if root.is_absolute() {
        root.to_path_buf()
    } else {
        std::env::current_dir().ok()?.join(root)
    };
    let seen = SEEN.get_or_init(|| Mutex::new(HashMap::new()));
    if let Some(c) = seen.lock().ok().and_then(|m| m.get(&key).cloned()) {
        return c;
    }
    let c = key.canonicalize().ok();
    if let Ok(mut m) = seen.lock() {
        m.insert(key, c.clone());
    }
    c
}
