//! `.gitignore` as git applies it: only inside a git work tree, and only to files git does not
//! track. A file a pull request commits is deployed whatever `.gitignore` says (`git add -f`
//! puts it in the index), so ignore rules never hide a tracked file; they only leave out what
//! the checkout produced itself (build output, caches). Which files are tracked is read from the
//! index (`.git/index`); when it cannot be read, no ignore rule is applied at all.
//!
//! Neither `.ignore`/`.rgignore` (search-tool files) nor the user's global excludes file
//! (`core.excludesFile`, different on every machine) is read: the verdict depends on the
//! repository only.

use ignore::gitignore::{Gitignore, GitignoreBuilder};
use ignore::Match;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// Most bytes of an index read; a larger one is not trusted (no ignore rule is applied).
const MAX_INDEX_BYTES: u64 = 1 << 30;

/// The paths git tracks in one work tree, relative to its root, `/`-separated, as raw bytes.
#[derive(Debug, Default)]
pub struct Tracked {
    /// Every tracked path, sorted.
    files: Vec<Vec<u8>>,
    /// Directories all of whose content counts as tracked: submodules (gitlinks) and the
    /// directory entries of a sparse index, each with a trailing `/`.
    dirs: Vec<Vec<u8>>,
}

impl Tracked {
    fn under_tracked_dir(&self, rel: &[u8]) -> bool {
        self.dirs.iter().any(|d| rel.starts_with(d))
    }

    /// Is this file tracked?
    pub fn file(&self, rel: &[u8]) -> bool {
        self.files
            .binary_search_by(|f| f.as_slice().cmp(rel))
            .is_ok()
            || self.under_tracked_dir(rel)
    }

    /// Does this directory hold a tracked path (or is it a submodule)?
    pub fn dir(&self, rel: &[u8]) -> bool {
        let mut prefix = rel.to_vec();
        prefix.push(b'/');
        let at = self
            .files
            .partition_point(|f| f.as_slice() < prefix.as_slice());
        self.files.get(at).is_some_and(|f| f.starts_with(&prefix))
            || self.file(rel)
            || self
                .dirs
                .iter()
                .any(|d| d.starts_with(&prefix) || prefix.starts_with(d))
    }
}

/// Reads the index at `path` (versions 2 to 4, SHA-1 or SHA-256 object names). A missing index
/// is an empty one (nothing committed or added yet).
pub fn read_index(path: &Path, hash_len: usize) -> Result<Tracked, String> {
    let bytes = match std::fs::metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Tracked::default()),
        Err(e) => return Err(e.to_string()),
        Ok(m) if m.len() > MAX_INDEX_BYTES => return Err("the index is too large".into()),
        Ok(_) => std::fs::read(path).map_err(|e| e.to_string())?,
    };
    parse_index(&bytes, hash_len)
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at + 4)?;
    Some(u32::from_be_bytes([s[0], s[1], s[2], s[3]]))
}

fn be16(b: &[u8], at: usize) -> Option<u16> {
    let s = b.get(at..at + 2)?;
    Some(u16::from_be_bytes([s[0], s[1]]))
}

/// git's offset varint (`varint.c`): 7 bits a byte, each continuation adding one.
fn varint(b: &[u8], at: &mut usize) -> Option<usize> {
    let mut c = *b.get(*at)?;
    *at += 1;
    let mut val = usize::from(c & 127);
    while c & 128 != 0 {
        val = val.checked_add(1)?.checked_mul(128)?;
        c = *b.get(*at)?;
        *at += 1;
        val = val.checked_add(usize::from(c & 127))?;
    }
    Some(val)
}

/// The index format (Documentation/gitformat-index.txt).
pub fn parse_index(b: &[u8], hash_len: usize) -> Result<Tracked, String> {
    let bad = |what: &str| format!("unreadable index: {what}");
    if b.get(0..4) != Some(b"DIRC") {
        return Err(bad("no DIRC signature"));
    }
    let version = be32(b, 4).ok_or_else(|| bad("truncated header"))?;
    if !(2..=4).contains(&version) {
        return Err(bad(&format!("version {version}")));
    }
    let count = be32(b, 8).ok_or_else(|| bad("truncated header"))? as usize;
    let mut at = 12;
    let mut out = Tracked::default();
    let mut previous: Vec<u8> = Vec::new();
    for _ in 0..count {
        let start = at;
        // ctime, mtime (8 bytes each), dev, ino, mode, uid, gid, size (4 bytes each).
        let mode = be32(b, start + 24).ok_or_else(|| bad("truncated entry"))?;
        let flags_at = start + 40 + hash_len;
        let flags = be16(b, flags_at).ok_or_else(|| bad("truncated entry"))?;
        let mut name_at = flags_at + 2;
        if flags & 0x4000 != 0 {
            if version < 3 {
                return Err(bad("extended flags in a version 2 index"));
            }
            name_at += 2;
        }
        let name = if version == 4 {
            let mut p = name_at;
            let strip = varint(b, &mut p).ok_or_else(|| bad("bad path prefix"))?;
            let rest = b.get(p..).ok_or_else(|| bad("truncated entry"))?;
            let nul = memchr::memchr(0, rest).ok_or_else(|| bad("unterminated path"))?;
            let keep = previous
                .len()
                .checked_sub(strip)
                .ok_or_else(|| bad("bad path prefix"))?;
            let mut name = previous[..keep].to_vec();
            name.extend_from_slice(&rest[..nul]);
            at = p + nul + 1;
            name
        } else {
            let rest = b.get(name_at..).ok_or_else(|| bad("truncated entry"))?;
            let nul = memchr::memchr(0, rest).ok_or_else(|| bad("unterminated path"))?;
            // Entries are padded with 1 to 8 NULs to a multiple of 8 bytes.
            let len = name_at - start + nul;
            at = start + (len + 8) / 8 * 8;
            rest[..nul].to_vec()
        };
        match mode & 0o170000 {
            // A submodule (gitlink) or a sparse-index directory: everything below counts.
            0o160000 | 0o040000 => {
                let mut d = name.clone();
                if !d.ends_with(b"/") {
                    d.push(b'/');
                }
                out.dirs.push(d);
                let plain = name.strip_suffix(b"/").unwrap_or(&name).to_vec();
                out.files.push(plain);
            }
            _ => out.files.push(name.clone()),
        }
        previous = name;
    }
    // Extensions: a split index keeps entries in another file that this reader does not
    // follow, so its list would be incomplete.
    let end = b.len().saturating_sub(hash_len);
    while at + 8 <= end {
        let sig = b.get(at..at + 4).unwrap_or(&[]);
        if sig == b"link" {
            return Err(bad("split index"));
        }
        let size = be32(b, at + 4).ok_or_else(|| bad("truncated extension"))? as usize;
        at = at.saturating_add(8).saturating_add(size);
    }
    out.files.sort();
    out.files.dedup();
    Ok(out)
}

/// Where git keeps a work tree's data: `.git` is a directory, or a file `gitdir: <path>`
/// (linked work trees, submodules). Returns (git dir, common dir).
fn git_dirs(dot_git: &Path) -> Option<(PathBuf, PathBuf)> {
    let meta = std::fs::metadata(dot_git).ok()?;
    let git_dir = if meta.is_dir() {
        dot_git.to_path_buf()
    } else {
        let text = std::fs::read_to_string(dot_git).ok()?;
        let target = text.lines().next()?.strip_prefix("gitdir:")?.trim();
        let base = dot_git.parent()?;
        base.join(target)
    };
    let common = match std::fs::read_to_string(git_dir.join("commondir")) {
        Ok(c) => git_dir.join(c.trim()),
        Err(_) => git_dir.clone(),
    };
    Some((git_dir, common))
}

/// The ignore rules of one git work tree.
pub struct WorkTree {
    root: PathBuf,
    tracked: Tracked,
    /// `.git/info/exclude`, applied below every `.gitignore`.
    exclude: Option<PathBuf>,
    /// The `.gitignore` of each directory looked at so far (relative path -> matcher).
    matchers: Mutex<HashMap<PathBuf, Option<Arc<Gitignore>>>>,
    /// Ignored directories that hold tracked files: walked, but only their tracked files kept.
    entered: Mutex<Vec<PathBuf>>,
}

/// What the ignore rules say about one path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Keep,
    /// Ignored and not tracked: left out.
    Ignored,
}

impl WorkTree {
    /// The work tree holding `dir` (a canonical directory), if any, with its index read.
    /// `Err` when `dir` is in a work tree whose index cannot be read: then no ignore rule
    /// applies there.
    pub fn find(dir: &Path) -> Result<Option<WorkTree>, String> {
        let Some(root) = dir.ancestors().find(|a| a.join(".git").exists()) else {
            return Ok(None);
        };
        let Some((git_dir, common)) = git_dirs(&root.join(".git")) else {
            return Err(format!("{}: cannot find its git directory", root.display()));
        };
        let config = std::fs::read_to_string(common.join("config")).unwrap_or_default();
        let sha256 = config
            .to_ascii_lowercase()
            .replace([' ', '\t'], "")
            .contains("objectformat=sha256");
        let tracked = read_index(&git_dir.join("index"), if sha256 { 32 } else { 20 })
            .map_err(|e| format!("{}: {e}", root.display()))?;
        let exclude = common.join("info").join("exclude");
        Ok(Some(WorkTree {
            root: root.to_path_buf(),
            tracked,
            exclude: exclude.is_file().then_some(exclude),
            matchers: Mutex::new(HashMap::new()),
            entered: Mutex::new(Vec::new()),
        }))
    }

    fn matcher(&self, rel_dir: &Path) -> Option<Arc<Gitignore>> {
        if let Ok(cache) = self.matchers.lock() {
            if let Some(m) = cache.get(rel_dir) {
                return m.clone();
            }
        }
        let dir = self.root.join(rel_dir);
        let mut b = GitignoreBuilder::new(&dir);
        let mut any = false;
        // Lowest precedence first: in one matcher the last matching pattern wins.
        if rel_dir.as_os_str().is_empty() {
            if let Some(ex) = &self.exclude {
                b.add(ex);
                any = true;
            }
        }
        let file = dir.join(".gitignore");
        if file.is_file() {
            b.add(&file);
            any = true;
        }
        let m = if any {
            b.build().ok().map(Arc::new)
        } else {
            None
        };
        if let Ok(mut cache) = self.matchers.lock() {
            cache.insert(rel_dir.to_path_buf(), m.clone());
        }
        m
    }

    /// Does a `.gitignore` (the deepest that says anything) ignore `rel`? Only the ignore files
    /// of `floor` (the directory named on the command line) and below count.
    fn matched(&self, rel: &Path, is_dir: bool, floor: &Path) -> bool {
        for dir in rel.ancestors().skip(1).take_while(|d| d.starts_with(floor)) {
            let Some(m) = self.matcher(dir) else {
                continue;
            };
            let below = rel.strip_prefix(dir).unwrap_or(rel);
            match m.matched(below, is_dir) {
                Match::Ignore(_) => return true,
                Match::Whitelist(_) => return false,
                Match::None => {}
            }
        }
        false
    }

    /// Does git track something below this directory (`abs`, as the walk reached it)?
    pub fn tracks_dir(&self, abs: &Path) -> bool {
        abs.strip_prefix(&self.root)
            .is_ok_and(|rel| self.tracked.dir(&rel_bytes(rel)))
    }

    /// Where a directory (canonical) is in the work tree.
    pub fn relative<'p>(&self, abs: &'p Path) -> Option<&'p Path> {
        abs.strip_prefix(&self.root).ok()
    }

    /// The verdict on `abs` (a path below the work tree, as the walk reached it) under the
    /// ignore files of `floor` (the named directory, relative to the work tree) and below: a
    /// `.gitignore` above the directory you name does not decide what in it is read
    /// (`kmslint cdk.out` reads it, whatever the root `.gitignore` says).
    pub fn verdict(&self, abs: &Path, is_dir: bool, floor: &Path) -> Verdict {
        let Ok(rel) = abs.strip_prefix(&self.root) else {
            return Verdict::Keep;
        };
        let inherited = self
            .entered
            .lock()
            .is_ok_and(|e| !e.is_empty() && e.iter().any(|d| rel.starts_with(d)));
        if !inherited && !self.matched(rel, is_dir, floor) {
            return Verdict::Keep;
        }
        let bytes = rel_bytes(rel);
        if is_dir && self.tracked.dir(&bytes) {
            // Git never re-includes below an ignored directory, but a tracked file there is
            // deployed all the same: walk it, keeping only what is tracked.
            if let Ok(mut e) = self.entered.lock() {
                e.push(rel.to_path_buf());
            }
            return Verdict::Keep;
        }
        if !is_dir && self.tracked.file(&bytes) {
            return Verdict::Keep;
        }
        Verdict::Ignored
    }
}

/// A relative path as git writes it in the index: raw bytes, `/`-separated.
fn rel_bytes(rel: &Path) -> Vec<u8> {
    let mut out = Vec::new();
    for (i, c) in rel.components().enumerate() {
        if i > 0 {
            out.push(b'/');
        }
        out.extend_from_slice(c.as_os_str().as_encoded_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An index of `version` holding `paths` (mode 100644, zero stat data and hashes).
    fn index(version: u32, paths: &[(&str, u32)]) -> Vec<u8> {
        let mut b = b"DIRC".to_vec();
        b.extend_from_slice(&version.to_be_bytes());
        b.extend_from_slice(&(paths.len() as u32).to_be_bytes());
        let mut previous = String::new();
        for (p, mode) in paths {
            let start = b.len();
            b.extend_from_slice(&[0; 24]);
            b.extend_from_slice(&mode.to_be_bytes());
            b.extend_from_slice(&[0; 12]);
            b.extend_from_slice(&[0; 20]);
            b.extend_from_slice(&(p.len().min(0xfff) as u16).to_be_bytes());
            if version == 4 {
                let common = previous
                    .bytes()
                    .zip(p.bytes())
                    .take_while(|(a, c)| a == c)
                    .count();
                b.push((previous.len() - common) as u8);
                b.extend_from_slice(&p.as_bytes()[common..]);
                b.push(0);
            } else {
                b.extend_from_slice(p.as_bytes());
                let len = b.len() - start;
                let padded = (len + 8) / 8 * 8;
                b.resize(start + padded, 0);
            }
            previous = (*p).to_string();
        }
        b.extend_from_slice(&[0; 20]);
        b
    }

    #[test]
    fn reads_versions_2_and_4() {
        for v in [2, 3, 4] {
            let b = index(
                v,
                &[
                    ("infra/key.yaml", 0o100644),
                    ("infra/keys/a.tf", 0o100644),
                    ("vendor/sub", 0o160000),
                ],
            );
            let t = match parse_index(&b, 20) {
                Ok(t) => t,
                Err(e) => panic!("version {v}: {e}"),
            };
            assert!(t.file(b"infra/key.yaml"), "version {v}");
            assert!(!t.file(b"infra/other.yaml"), "version {v}");
            assert!(t.dir(b"infra"), "version {v}");
            assert!(t.dir(b"infra/keys"), "version {v}");
            assert!(!t.dir(b"inf"), "version {v}");
            assert!(
                t.file(b"vendor/sub/x.yaml"),
                "a submodule's files count as tracked"
            );
            assert!(t.dir(b"vendor"), "version {v}");
        }
    }

    #[test]
    fn garbage_is_an_error_not_a_guess() {
        assert!(parse_index(b"DIRX", 20).is_err());
        assert!(parse_index(b"DIRC\0\0\0\x02\0\0\0\x05", 20).is_err());
        let mut split = index(2, &[("a", 0o100644)]);
        let at = split.len() - 20;
        split.splice(at..at, *b"link\0\0\0\0");
        assert!(parse_index(&split, 20).is_err());
    }
}
