//! Leaving resources out of the parse: a line scan finds the entries of a top-level section
//! that no key policy can depend on, the parser never sees them, and the parse is used only when
//! it agrees with the scan.

use super::parse_yaml;
use crate::base::source::Span;
use crate::parse::{Node, OffsetMap};

/// `text` without the entries of the top-level block mapping `section` (in a CloudFormation
/// template: the resources of `Resources:`) that `keep` refuses, and the map from offsets in
/// that text back to `text`. Entries are whole lines, so what is left is YAML of the same shape;
/// the parser never sees the dropped lines at all. A line scan, not a parse: it only accepts the
/// plain layout (`Section:` alone at column 0, entries as `Name:` lines at one indentation,
/// every other line of the section deeper) and gives up, `None`, on anything else, as when
/// nothing would be dropped; the caller then parses the whole text.
pub fn drop_section_entries(
    text: &str,
    section: &str,
    keep: impl Fn(&str) -> bool,
) -> Option<Reduced> {
    // YAML also breaks lines at a lone `\r`; the scan only knows `\n` and `\r\n`.
    let bytes = text.as_bytes();
    if memchr::memchr_iter(b'\r', bytes).any(|i| bytes.get(i + 1) != Some(&b'\n')) {
        return None;
    }
    let mut entries: Vec<std::ops::Range<usize>> = Vec::new();
    let mut section_at = 0;
    let mut in_section = false;
    let mut indent: Option<usize> = None;
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        let start = at;
        at += line.len();
        let content = line.trim_end_matches(['\n', '\r']);
        let body = content.trim_start_matches(' ');
        if body.is_empty() || body.starts_with('#') {
            continue;
        }
        let depth = content.len() - body.len();
        if body.starts_with('\t') {
            return None;
        }
        if depth == 0 {
            if in_section {
                // The section ends at the next top-level key or document marker, nothing else.
                if !(is_plain_key_line(body) || body.starts_with("---") || body.starts_with("..."))
                {
                    return None;
                }
                if let Some(last) = entries.last_mut() {
                    last.end = start;
                }
                break;
            }
            if let Some(rest) = body.strip_prefix(section).and_then(|r| r.strip_prefix(':')) {
                let rest = rest.trim_start();
                if !(rest.is_empty() || rest.starts_with('#')) {
                    return None;
                }
                in_section = true;
                section_at = start;
            }
            continue;
        }
        if !in_section {
            continue;
        }
        let n = *indent.get_or_insert(depth);
        if depth < n {
            return None;
        }
        if depth == n {
            if !is_plain_key_line(body) {
                return None;
            }
            if let Some(last) = entries.last_mut() {
                last.end = start;
            }
            entries.push(start..text.len());
        }
    }
    let (dropped, kept_entries): (Vec<_>, Vec<_>) = entries
        .into_iter()
        .partition(|r| !text.get(r.clone()).is_some_and(&keep));
    if dropped.is_empty() {
        return None;
    }
    let mut out = String::with_capacity(text.len());
    let mut map = OffsetMap::shifted(0);
    let mut prev = 0;
    for r in &dropped {
        out.push_str(text.get(prev..r.start)?);
        map.push(out.len(), r.end);
        prev = r.end;
    }
    out.push_str(text.get(prev..)?);
    let indent = indent.unwrap_or(0);
    Some(Reduced {
        text: out,
        map,
        dropped,
        section_key: section_at,
        kept_keys: kept_entries.iter().map(|r| r.start + indent).collect(),
    })
}

/// A text with section entries cut out (`drop_section_entries`).
pub struct Reduced {
    pub text: String,
    /// From offsets in `text` back to the original.
    pub map: OffsetMap,
    /// The entries cut out, as ranges of the original.
    pub dropped: Vec<std::ops::Range<usize>>,
    /// Where the section's key and each kept entry's key start, in the original.
    pub section_key: usize,
    pub kept_keys: Vec<usize>,
}

/// Parses `text` without the `section` entries `keep` refuses (see `drop_section_entries`),
/// every span mapped back to `text`. `None` when nothing was dropped, when what is left does
/// not parse, or when the parse disagrees with the line scan: the section and its kept entries
/// must be keys exactly where the scan found them, and no node may reach across a cut (a
/// quoted scalar or flow collection running over lines the scan took for keys).
pub fn parse_yaml_keeping(text: &str, section: &str, keep: impl Fn(&str) -> bool) -> Option<Node> {
    let reduced = drop_section_entries(text, section, keep)?;
    let mut node = parse_yaml(&reduced.text).ok()?;
    node.remap(&|o| reduced.map.map(o));
    let crosses = |span: Span| {
        reduced
            .dropped
            .iter()
            .any(|d| span.start < d.end && span.end > d.start)
    };
    let mut section_found = false;
    for top in node.entries() {
        if top.key == section && top.key_span.start == reduced.section_key {
            section_found = true;
            let kept = top.value.entries();
            let at_scan: Vec<usize> = kept.iter().map(|e| e.key_span.start).collect();
            if at_scan != reduced.kept_keys
                || kept
                    .iter()
                    .any(|e| crosses(e.key_span) || crosses(e.value.span))
            {
                return None;
            }
        } else if crosses(top.key_span) || crosses(top.value.span) {
            return None;
        }
    }
    section_found.then_some(node)
}

/// `Name:` or `"Name":`, then a space or the end of the line: a block mapping key as
/// CloudFormation writes section names and logical IDs.
fn is_plain_key_line(body: &str) -> bool {
    let (name, rest) = match body.strip_prefix('"') {
        Some(quoted) => match quoted.split_once('"') {
            Some((name, rest)) => (name, rest),
            None => return false,
        },
        None => match body.find(':').and_then(|i| body.split_at_checked(i)) {
            Some(parts) => parts,
            None => return false,
        },
    };
    !name.is_empty()
        && name.bytes().all(|c| c.is_ascii_alphanumeric())
        && rest
            .strip_prefix(':')
            .is_some_and(|r| r.is_empty() || r.starts_with([' ', '\r']))
}
