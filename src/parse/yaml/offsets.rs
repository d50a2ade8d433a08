//! From positions in a scalar's value back to the file: quoted, plain and literal block scalars.

use crate::base::source::Span;
use crate::parse::{Node, NodeKind, OffsetMap};

/// Where a scalar's own text starts: after its tag and anchor, which its span includes.
pub(super) fn value_start(file_text: &str, node: &Node) -> usize {
    let bytes = file_text.as_bytes();
    let mut p = node.span.start;
    if node.tag.is_none() {
        return p;
    }
    while p < node.span.end {
        match bytes.get(p) {
            Some(b'!' | b'&') => {
                while p < node.span.end
                    && !matches!(bytes.get(p), Some(b' ' | b'\t' | b'\r' | b'\n'))
                {
                    p += 1;
                }
            }
            Some(b' ' | b'\t' | b'\r' | b'\n') => p += 1,
            _ => break,
        }
    }
    p
}

pub fn scalar_offset_map(file_text: &str, node: &Node) -> Option<OffsetMap> {
    let value = match &node.kind {
        NodeKind::String(s) | NodeKind::Scalar(s) => s.as_str(),
        _ => return None,
    };
    let start = value_start(file_text, node);
    let raw = file_text.get(start..node.span.end)?;
    match raw.as_bytes().first() {
        Some(b'\'') => single_quoted_map(raw, start, value),
        Some(b'"') => {
            let inner = raw.get(1..raw.len().checked_sub(1)?)?;
            if raw.len() >= 2
                && raw.ends_with('"')
                && !inner.contains(['\\', '\n', '\r'])
                && inner == value
            {
                Some(OffsetMap::shifted(start + 1))
            } else {
                None
            }
        }
        Some(b'|') => literal_block_map(file_text, node.span, value),
        Some(b'>') => None,
        _ => {
            if raw == value && !raw.contains(['\n', '\r']) {
                Some(OffsetMap::shifted(start))
            } else {
                None
            }
        }
    }
}

fn single_quoted_map(raw: &str, start: usize, value: &str) -> Option<OffsetMap> {
    if raw.len() < 2 || !raw.ends_with('\'') || raw.contains(['\n', '\r']) {
        return None;
    }
    let inner = raw.get(1..raw.len() - 1)?;
    let mut map = OffsetMap::shifted(start + 1);
    let mut decoded = String::with_capacity(inner.len());
    let mut rest = inner;
    let mut file_pos = start + 1;
    while let Some(i) = rest.find("''") {
        decoded.push_str(rest.get(..i)?);
        decoded.push('\'');
        // The decoded quote maps to the first quote of the pair; the text after it to the file
        // text after the pair.
        file_pos += i + 2;
        map.push(decoded.len(), file_pos);
        rest = rest.get(i + 2..)?;
    }
    decoded.push_str(rest);
    (decoded == value).then_some(map)
}

fn literal_block_map(file_text: &str, span: Span, value: &str) -> Option<OffsetMap> {
    let bytes = file_text.as_bytes();
    // Header: `|` then chomping indicator; an explicit indentation indicator is not handled.
    let mut p = span.start + 1;
    if matches!(bytes.get(p), Some(b'-' | b'+')) {
        p += 1;
    }
    if bytes.get(p).is_some_and(u8::is_ascii_digit) {
        return None;
    }
    // Rest of the header line (spaces, comment).
    let header_end = file_text.get(p..)?.find('\n').map(|i| p + i + 1)?;
    // Lines of the block: from the line after the header to the line holding the span's end.
    let mut lines: Vec<(usize, &str)> = Vec::new();
    let mut line_start = header_end;
    while line_start < span.end {
        let rest = file_text.get(line_start..)?;
        let len = rest.find('\n').unwrap_or(rest.len());
        let line = rest.get(..len)?;
        let line = line.strip_suffix('\r').unwrap_or(line);
        lines.push((line_start, line));
        line_start += len + 1;
    }
    let indent = lines
        .iter()
        .find(|(_, l)| !l.trim_start_matches(' ').is_empty())
        .map(|(_, l)| l.len() - l.trim_start_matches(' ').len())?;
    if indent == 0 {
        return None;
    }
    let mut map = OffsetMap::shifted(header_end);
    let mut decoded = String::with_capacity(value.len());
    for (start, line) in lines {
        let content_start = start + indent;
        match line.get(indent..) {
            Some(content) if line.len() > indent => {
                map.push(decoded.len(), content_start);
                decoded.push_str(content);
                map.push(decoded.len(), start + line.len());
            }
            // A blank (or shorter, all-space) line: only its newline is in the value.
            _ => map.push(decoded.len(), start + line.len()),
        }
        decoded.push('\n');
    }
    // The value is the content lines plus whatever newlines the chomping indicator keeps.
    let body = decoded.trim_end_matches('\n');
    let tail = value.strip_prefix(body)?;
    tail.bytes().all(|b| b == b'\n').then_some(map)
}
