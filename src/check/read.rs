//! Reading inputs: files within the size limit, decoded as UTF-8 in place.

use crate::base::limits::Limits;
use std::io::Read;
use std::path::{Path, PathBuf};

/// `./a/b` -> `a/b`: paths in messages are as the user gave them, without noise.
pub fn display_path(p: &Path) -> PathBuf {
    p.strip_prefix("./").unwrap_or(p).to_path_buf()
}

/// Decodes UTF-8 in place (the bytes become the text, no copy), or says where it is not and
/// gives the bytes back.
pub fn decode(bytes: Vec<u8>) -> Result<String, (usize, String, Vec<u8>)> {
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let message = format!("the file is not valid UTF-8 (invalid byte at offset {at})");
        (at, message, e.into_bytes())
    })
}

/// Reads a file's bytes, unless it is larger than the limit. The limit holds while reading, not
/// only against the size the file system states: a pipe (`kmslint <(terraform show -json
/// plan.out)`) or a device states none.
pub fn read_bytes(p: &Path, limits: &Limits) -> Result<Vec<u8>, String> {
    let file = std::fs::File::open(p).map_err(|e| e.to_string())?;
    // The size of the open file (one path lookup a file, not two).
    let meta = file.metadata().map_err(|e| e.to_string())?;
    let len = meta.len();
    if let Some(why) = limits.too_large(len) {
        return Err(why);
    }
    match usize::try_from(len) {
        // A regular file is read to the size it states: no extra read to see the end, which
        // across a scan of small files is a system call in five. One stating no size (a
        // `/proc` file) is read to its end.
        Ok(len) if meta.is_file() && len > 0 => read_exactly(file, len),
        _ => read_limited(file, limits),
    }
}

/// Reads a regular file's stated size (less if it shrank meanwhile).
fn read_exactly(mut r: impl Read, len: usize) -> Result<Vec<u8>, String> {
    let mut buf = vec![0u8; len];
    let mut filled = 0;
    while filled < len {
        match r.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e.to_string()),
        }
    }
    buf.truncate(filled);
    Ok(buf)
}

/// Reads at most the limit (and one byte more, to know it is exceeded) from any reader.
fn read_limited(r: impl Read, limits: &Limits) -> Result<Vec<u8>, String> {
    let mut buf = Vec::new();
    r.take(limits.max_file_size.saturating_add(1))
        .read_to_end(&mut buf)
        .map_err(|e| e.to_string())?;
    match limits.too_large(buf.len() as u64) {
        Some(why) => Err(why),
        None => Ok(buf),
    }
}

/// Reads a file as text, within the size limit.
pub fn read_text(p: &Path, limits: &Limits) -> Result<String, String> {
    decode(read_bytes(p, limits)?).map_err(|(_, m, _)| m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_read_to_its_stated_size_or_to_its_end_when_it_states_none() {
        let dir = std::env::temp_dir().join(format!("kmslint-read-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let p = dir.join("t.json");
        let _ = std::fs::write(&p, b"{\"a\": 1}");
        assert_eq!(
            read_bytes(&p, &Limits::default()),
            Ok(b"{\"a\": 1}".to_vec())
        );
        let _ = std::fs::remove_dir_all(&dir);
        // A regular file that states size 0 and holds bytes.
        #[cfg(target_os = "linux")]
        {
            let status = read_bytes(Path::new("/proc/self/status"), &Limits::default());
            assert!(status.is_ok_and(|b| !b.is_empty()));
        }
    }
}
