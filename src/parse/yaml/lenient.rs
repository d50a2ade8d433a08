//! The lenient retry: continuation lines that CloudFormation accepts left of their key.

use super::builder::Builder;
use crate::parse::{Node, OffsetMap, ParseError};

/// CloudFormation (like PyYAML and SnakeYAML) accepts multi-line flow collections and quoted
/// scalars whose continuation lines sit at (or left of) their parent key's indentation, which the
/// YAML spec, and saphyr, reject:
/// ```yaml
///       KeyPolicy: {
///         "Statement": [...]
///       }
///       PolicyDocument: !Sub '{
///     "Version": "2012-10-17" }'
/// ```
/// Retry with those lines indented just enough, and map every span back to the file. Spaces are
/// only inserted at line starts, so no value changes (a quoted scalar folds leading spaces away).
pub(super) fn parse_leniently(text: &str, first: &ParseError) -> Option<Node> {
    // Spaces to insert before the line starting at each byte offset of the original text.
    let mut inserts: std::collections::BTreeMap<usize, usize> = std::collections::BTreeMap::new();
    let line_starts: Vec<usize> = std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .filter(|&i| i < text.len())
        .collect();
    let indent_of = |ls: usize| text[ls..].len() - text[ls..].trim_start_matches(' ').len();
    let line_of = |pos: usize| match line_starts.binary_search(&pos) {
        Ok(i) => i,
        Err(i) => i.saturating_sub(1),
    };
    // Closing brackets at the parent's indentation: the common case, fixed in the first round.
    for &ls in &line_starts {
        let ind = indent_of(ls);
        if matches!(text.as_bytes().get(ls + ind), Some(b'}' | b']')) {
            inserts.insert(ls, 1);
        }
    }
    let mut err = first.clone();
    for _ in 0..64 {
        let mut fixed = String::with_capacity(text.len() + 512);
        let mut map = OffsetMap::shifted(0);
        let mut prev = 0;
        for (&at, &n) in &inserts {
            fixed.push_str(&text[prev..at]);
            fixed.extend(std::iter::repeat_n(' ', n));
            map.push(fixed.len(), at);
            prev = at;
        }
        fixed.push_str(&text[prev..]);
        match Builder::new(&fixed).run() {
            Ok(mut node) => {
                node.remap(&|o| map.map(o));
                return Some(node);
            }
            Err(e)
                if e.message
                    .starts_with("invalid indentation in quoted scalar") =>
            {
                // Raise the scalar's continuation lines to one past its key's indentation.
                let start = map.map(e.span.start);
                let first_line = line_of(start);
                let ls = *line_starts.get(first_line)?;
                let head = &text[ls..];
                let key_col = head.len() - head.trim_start_matches([' ', '-']).len();
                let quote = *text.as_bytes().get(start)?;
                let end = closing_quote(text, start, quote)?;
                let mut changed = false;
                for &l in &line_starts[first_line + 1..=line_of(end)] {
                    let need = (key_col + 1).saturating_sub(indent_of(l));
                    if need > inserts.get(&l).copied().unwrap_or(0) {
                        inserts.insert(l, need);
                        changed = true;
                    }
                }
                if !changed {
                    break;
                }
                err = e;
            }
            Err(e) if e.message.starts_with("invalid indentation") && e != err => err = e,
            Err(_) => break,
        }
    }
    None
}

/// Offset of the quote that closes the flow scalar opened at `start`.
pub(super) fn closing_quote(text: &str, start: usize, quote: u8) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut p = start + 1;
    while p < bytes.len() {
        match bytes[p] {
            b'\\' if quote == b'"' => p += 2,
            b'\'' if quote == b'\'' && bytes.get(p + 1) == Some(&b'\'') => p += 2,
            b if b == quote => return Some(p),
            _ => p += 1,
        }
    }
    None
}
