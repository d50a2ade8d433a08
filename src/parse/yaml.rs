//! YAML parser into the spanned `Node` tree, built from `saphyr-parser`'s event stream.
//!
//! saphyr's loader (`MarkedYaml`) is not used: it loses the inner span of tagged scalars and
//! expands aliases. Instead the events are folded into `Node`s with an explicit stack, so:
//!
//! - every mapping entry is kept in order, duplicate keys included;
//! - tags are kept on the node as written (`!Sub` -> `Sub`, `!!str` -> `!!str`);
//! - aliases stay `NodeKind::Alias` (never expanded: a billion-laughs file stays small);
//! - nesting is limited to `MAX_DEPTH`, reported as a parse error, never a stack overflow;
//! - plain scalars keep their text (`012345678901`, `yes` and `on` stay `Scalar`).
//!
//! saphyr's `Marker::index()` counts characters; spans here are byte offsets, converted once at
//! this boundary through a char -> byte table (skipped for ASCII text). saphyr's event spans are
//! also adjusted: a scalar's span starts after its properties (tag, anchor) and a block scalar's
//! span starts at its `|` / `>` indicator; trailing whitespace and newlines are trimmed; a block
//! collection ends at the end of its last child rather than at the next line's first token.

use super::{Entry, Node, NodeKind, OffsetMap, ParseError, MAX_DEPTH};
use crate::base::limits::MAX_DOCUMENT_VALUES;
use crate::base::source::Span;
use saphyr_parser::{Event, Parser, ScalarStyle, ScanError, Tag};

/// Parses the first YAML document in `text`. An empty stream is a `Null` node at offset 0.
pub fn parse_yaml(text: &str) -> Result<Node, ParseError> {
    let err = match Builder::new(text).run() {
        Ok(node) => return Ok(node),
        Err(e) => e,
    };
    if err.message.starts_with("invalid indentation") {
        if let Some(node) = parse_leniently(text, &err) {
            return Ok(node);
        }
    }
    Err(err)
}

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
fn parse_leniently(text: &str, first: &ParseError) -> Option<Node> {
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
fn closing_quote(text: &str, start: usize, quote: u8) -> Option<usize> {
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

/// Where a scalar's own text starts: after its tag and anchor, which its span includes.
fn value_start(file_text: &str, node: &Node) -> usize {
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

/// A collection being built.
struct Frame {
    /// Where the node's span starts: its tag when it has one (`!Join [...]` is one value).
    span_start: usize,
    /// Byte offset of the collection's first character (after tag and anchor).
    start: usize,
    tag: Option<String>,
    /// `[` or `{`: the end event's span ends at the closing bracket.
    flow: bool,
    body: Body,
}

enum Body {
    Seq(Vec<Node>),
    Map {
        entries: Vec<Entry>,
        key: Option<(String, Span)>,
    },
}

struct Builder<'a> {
    text: &'a str,
    /// Byte offset of each character index, plus the text length; empty for ASCII text.
    char_to_byte: Vec<usize>,
    stack: Vec<Frame>,
    /// Byte end of the previous event's span (where to look for a block scalar's indicator).
    cursor: usize,
}

impl<'a> Builder<'a> {
    fn new(text: &'a str) -> Self {
        let char_to_byte = if text.is_ascii() {
            Vec::new()
        } else {
            let mut table: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
            table.push(text.len());
            table
        };
        Builder {
            text,
            char_to_byte,
            stack: Vec::new(),
            cursor: 0,
        }
    }

    /// Byte offset of saphyr's character index.
    fn byte(&self, char_index: usize) -> usize {
        if self.char_to_byte.is_empty() {
            char_index.min(self.text.len())
        } else {
            self.char_to_byte
                .get(char_index)
                .copied()
                .unwrap_or(self.text.len())
        }
    }

    fn scan_error(&self, e: &ScanError) -> ParseError {
        let at = Span::empty(self.byte(e.marker().index()));
        let info = e.info();
        if info == "recursion limit exceeded" {
            return ParseError::new(depth_message(), at);
        }
        if info.contains("tab") {
            // saphyr's marker is near the tab (after it, or at the scalar before it): point at
            // the first tab from the start of the marker's line.
            let line_start = self
                .text
                .get(..at.start)
                .and_then(|t| t.rfind('\n'))
                .map_or(0, |i| i + 1);
            let tab = self
                .text
                .get(line_start..)
                .and_then(|t| t.find('\t'))
                .map(|i| line_start + i);
            let span = tab.map_or(at, |t| Span::new(t, t + 1));
            return ParseError::new(format!("{info}; indent YAML with spaces, not tabs"), span);
        }
        ParseError::new(info.to_string(), at)
    }

    fn run(mut self) -> Result<Node, ParseError> {
        let mut parser = Parser::new_from_str(self.text);
        let mut root: Option<Node> = None;
        let mut values = 0usize;
        while let Some(next) = parser.next_event() {
            let (event, span) = next.map_err(|e| self.scan_error(&e))?;
            let start = self.byte(span.start.index());
            let end = self.byte(span.end.index()).max(start);
            if matches!(
                event,
                Event::Scalar(..)
                    | Event::Alias(_)
                    | Event::SequenceStart(..)
                    | Event::MappingStart(..)
            ) {
                values += 1;
                if values > MAX_DOCUMENT_VALUES {
                    return Err(ParseError::new(
                        format!("more than {MAX_DOCUMENT_VALUES} values (a kmslint limit)"),
                        Span::new(start, end.max(start + 1).min(self.text.len().max(start))),
                    ));
                }
            }
            let done = match event {
                Event::StreamStart | Event::Nothing | Event::DocumentStart(_) => None,
                Event::StreamEnd | Event::DocumentEnd => break,
                Event::Scalar(value, style, _anchor, tag) => {
                    Some(self.scalar(&value, style, tag.as_deref(), start, end))
                }
                Event::Alias(_) => {
                    let raw = self.text.get(start..end).unwrap_or("");
                    let name = raw.trim_end().strip_prefix('*').unwrap_or(raw.trim_end());
                    let span = Span::new(start, start + raw.trim_end().len());
                    Some(Node::new(NodeKind::Alias(name.to_string()), span))
                }
                Event::SequenceStart(_, tag) => {
                    self.open(start, end, tag.as_deref(), Body::Seq(Vec::new()))?;
                    None
                }
                Event::MappingStart(_, tag) => {
                    let body = Body::Map {
                        entries: Vec::new(),
                        key: None,
                    };
                    self.open(start, end, tag.as_deref(), body)?;
                    None
                }
                Event::SequenceEnd | Event::MappingEnd => self.close(end),
            };
            self.cursor = end;
            if let Some(node) = done {
                if let Some(node) = self.attach(node)? {
                    root = Some(node);
                }
            }
        }
        Ok(root.unwrap_or_else(|| Node::new(NodeKind::Null, Span::empty(0))))
    }

    /// Adds a finished node to the collection on top of the stack; returns it when it is the
    /// document's root.
    fn attach(&mut self, node: Node) -> Result<Option<Node>, ParseError> {
        let Some(frame) = self.stack.last_mut() else {
            return Ok(Some(node));
        };
        match &mut frame.body {
            Body::Seq(items) => items.push(node),
            Body::Map { entries, key } => match key.take() {
                Some((key, key_span)) => entries.push(Entry {
                    key,
                    key_span,
                    value: node,
                }),
                None => {
                    let text = match node.kind {
                        NodeKind::String(s) | NodeKind::Scalar(s) => s,
                        NodeKind::Null => self
                            .text
                            .get(node.span.start..node.span.end)
                            .unwrap_or("")
                            .to_string(),
                        NodeKind::Alias(_) => {
                            return Err(ParseError::new(
                                "aliases as mapping keys are not supported",
                                node.span,
                            ))
                        }
                        _ => {
                            return Err(ParseError::new(
                                "complex mapping keys are not supported",
                                node.span,
                            ))
                        }
                    };
                    *key = Some((text, node.span));
                }
            },
        }
        Ok(None)
    }

    fn open(
        &mut self,
        start: usize,
        end: usize,
        tag: Option<&Tag>,
        body: Body,
    ) -> Result<(), ParseError> {
        let props = self.skip_props(start, end);
        let at = self.char_span(props.pos);
        if let Some(Frame {
            body: Body::Map { key: None, .. },
            ..
        }) = self.stack.last()
        {
            return Err(ParseError::new(
                "complex mapping keys are not supported",
                at,
            ));
        }
        if self.stack.len() >= MAX_DEPTH {
            return Err(ParseError::new(depth_message(), at));
        }
        let flow = matches!(self.text.as_bytes().get(props.pos), Some(b'[' | b'{'));
        self.stack.push(Frame {
            start: props.pos,
            span_start: props.tag.map_or(props.pos, |(t, _)| t),
            tag: tag.map(|t| self.tag_name(t, props.tag)),
            flow,
            body,
        });
        Ok(())
    }

    fn close(&mut self, end: usize) -> Option<Node> {
        let frame = self.stack.pop()?;
        let (kind, last_end) = match frame.body {
            Body::Seq(items) => {
                let last = items.last().map(|n| n.span.end);
                (NodeKind::Seq(items), last)
            }
            Body::Map { entries, key } => {
                let last = entries.last().map(|e| e.key_span.end.max(e.value.span.end));
                let last = match &key {
                    Some((_, span)) => Some(span.end.max(last.unwrap_or(0))),
                    None => last,
                };
                (NodeKind::Map(entries), last)
            }
        };
        let end = if frame.flow {
            self.trim_end(frame.start, end)
        } else {
            self.trim_end(frame.start, last_end.unwrap_or(frame.start))
        };
        Some(Node {
            kind,
            span: Span::new(frame.span_start, end.max(frame.start)),
            tag: frame.tag,
        })
    }

    fn scalar(
        &self,
        value: &str,
        style: ScalarStyle,
        tag: Option<&Tag>,
        start: usize,
        end: usize,
    ) -> Node {
        let props = self.skip_props(start, end);
        let bytes = self.text.as_bytes();
        let begin = match style {
            ScalarStyle::Literal | ScalarStyle::Folded => {
                if matches!(bytes.get(props.pos), Some(b'|' | b'>')) {
                    props.pos
                } else {
                    self.find_block_indicator(start).unwrap_or(props.pos)
                }
            }
            _ => props.pos,
        };
        let span = if value.is_empty() && style == ScalarStyle::Plain {
            // An empty value: saphyr's span runs to the next token; point just after the
            // properties (`Key: !Ref`) or where saphyr starts it.
            let at = props.props_end.unwrap_or(start);
            Span::new(props.tag.map_or(at, |(t, _)| t), at)
        } else {
            // A tagged value's span starts at its tag: `!Sub '…'` is one value to the user.
            let from = props.tag.map_or(begin, |(t, _)| t);
            // A quoted scalar ends at its closing quote: saphyr's end can run over a comment
            // after it (`- '*' # note`).
            let quote = match style {
                ScalarStyle::SingleQuoted => Some(b'\''),
                ScalarStyle::DoubleQuoted => Some(b'"'),
                _ => None,
            };
            let to = quote
                .filter(|q| bytes.get(begin) == Some(q))
                .and_then(|q| closing_quote(self.text, begin, q))
                .map_or(end, |close| (close + 1).min(end.max(begin)));
            Span::new(from, self.trim_end(begin, to))
        };
        let tag_name = tag.map(|t| self.tag_name(t, props.tag));
        let kind = match style {
            ScalarStyle::Plain => {
                let forced_str = tag_name.as_deref() == Some("!!str");
                if forced_str {
                    NodeKind::String(value.to_string())
                } else if matches!(value, "" | "~" | "null" | "Null" | "NULL") {
                    NodeKind::Null
                } else {
                    NodeKind::Scalar(value.to_string())
                }
            }
            _ => NodeKind::String(value.to_string()),
        };
        Node {
            kind,
            span,
            tag: tag_name,
        }
    }

    /// A block scalar without properties: saphyr's span starts at the content, so look for the
    /// `|` / `>` between the previous event and the content.
    fn find_block_indicator(&self, content: usize) -> Option<usize> {
        let bytes = self.text.as_bytes();
        let mut p = self.cursor.min(content);
        while p < content {
            match bytes.get(p)? {
                b'|' | b'>' => return Some(p),
                b' ' | b'\t' | b'\r' | b'\n' | b':' | b'-' | b'?' | b',' => p += 1,
                b'#' => p = self.line_end(p),
                b'!' | b'&' => p = self.token_end(p),
                _ => return None,
            }
        }
        None
    }

    /// Skips whitespace, comments, a tag and an anchor from `pos` (not past `limit`); returns
    /// where the node itself starts and the tag's byte range as written.
    fn skip_props(&self, pos: usize, limit: usize) -> Props {
        let bytes = self.text.as_bytes();
        let mut p = pos;
        let mut tag = None;
        let mut props_end = None;
        while p < limit {
            match bytes.get(p) {
                Some(b' ' | b'\t' | b'\r' | b'\n') => p += 1,
                Some(b'#') if p > pos => p = self.line_end(p),
                Some(b'!') => {
                    let e = self.token_end(p);
                    tag = Some((p, e));
                    props_end = Some(e);
                    p = e;
                }
                Some(b'&') => {
                    p = self.token_end(p);
                    props_end = Some(p);
                }
                _ => break,
            }
        }
        Props {
            pos: p.min(limit.max(pos)),
            tag,
            props_end: props_end.map(|e| e.min(limit.max(pos))),
        }
    }

    /// `end` moved back over whitespace and newlines, not before `start`.
    fn trim_end(&self, start: usize, end: usize) -> usize {
        let bytes = self.text.as_bytes();
        let mut stop = end.max(start);
        while stop > start && matches!(bytes.get(stop - 1), Some(b' ' | b'\t' | b'\r' | b'\n')) {
            stop -= 1;
        }
        stop
    }

    /// The character at `p` (empty at the end of the text or of a line).
    fn char_span(&self, p: usize) -> Span {
        let len = self
            .text
            .get(p..)
            .and_then(|r| r.chars().next())
            .filter(|c| !matches!(c, '\n' | '\r'))
            .map_or(0, char::len_utf8);
        Span::new(p, p + len)
    }

    fn line_end(&self, p: usize) -> usize {
        let rest = self.text.get(p..).unwrap_or("");
        p + rest.find('\n').unwrap_or(rest.len())
    }

    /// End of a tag or anchor token starting at `p`.
    fn token_end(&self, p: usize) -> usize {
        let rest = self.text.get(p..).unwrap_or("");
        if rest.starts_with("!<") {
            return p + rest.find('>').map_or(rest.len(), |i| i + 1);
        }
        let len = rest
            .find(|c: char| c.is_whitespace() || matches!(c, ',' | '[' | ']' | '{' | '}'))
            .unwrap_or(rest.len());
        p + len.max(1)
    }

    /// The tag as stored on the node: local tags without their `!` (`Sub`), other tags as written
    /// (`!!str`, `!<tag:example.com,2000:x>`).
    fn tag_name(&self, tag: &Tag, written: Option<(usize, usize)>) -> String {
        if tag.handle == "!" {
            return tag.suffix.clone();
        }
        if let Some(w) = written.and_then(|(s, e)| self.text.get(s..e)) {
            return w.to_string();
        }
        if tag.is_yaml_core_schema() {
            format!("!!{}", tag.suffix)
        } else {
            tag.to_string()
        }
    }
}

struct Props {
    /// Where the node itself starts.
    pos: usize,
    /// The tag's byte range as written.
    tag: Option<(usize, usize)>,
    /// The end of the last tag or anchor, if any.
    props_end: Option<usize>,
}

fn depth_message() -> String {
    format!("nesting deeper than {MAX_DEPTH} levels")
}

#[cfg(test)]
mod tests {
    use super::*;

    type R = Result<(), ParseError>;

    fn slice(text: &str, span: Span) -> &str {
        text.get(span.start..span.end)
            .unwrap_or("<span out of range>")
    }

    fn kind(n: &Node) -> &'static str {
        match n.kind {
            NodeKind::Null => "null",
            NodeKind::Bool(_) => "bool",
            NodeKind::Number(_) => "number",
            NodeKind::String(_) => "string",
            NodeKind::Scalar(_) => "scalar",
            NodeKind::Seq(_) => "seq",
            NodeKind::Map(_) => "map",
            NodeKind::Alias(_) => "alias",
        }
    }

    fn at<'n>(node: &'n Node, path: &[&str]) -> Option<&'n Node> {
        path.iter().try_fold(node, |n, k| match k.parse::<usize>() {
            Ok(i) => n.items().get(i),
            Err(_) => n.get(k),
        })
    }

    /// (kind, tag, text of the span) of a node.
    type Described<'t> = (&'static str, Option<String>, &'t str);

    /// Describes the node at `path`.
    fn describe<'t>(text: &'t str, path: &[&str]) -> Result<Option<Described<'t>>, ParseError> {
        let root = parse_yaml(text)?;
        // The value as written, after its tag (`span` itself starts at the tag).
        Ok(at(&root, path).map(|n| {
            let v = Span::new(value_start(text, n), n.span.end);
            (kind(n), n.tag.clone(), slice(text, v))
        }))
    }

    fn err(text: &str) -> Option<ParseError> {
        parse_yaml(text).err()
    }

    // --- CloudFormation short-form tags: one test per tag -------------------------------------

    #[test]
    fn closers_at_the_parent_indentation_are_accepted_like_cloudformation_does() -> R {
        let text = "K:\n  P: {\n    \"A\": [\n      1\n  ]\n  }\nL: x\n";
        let root = parse_yaml(text)?;
        let p = root.get("K").and_then(|k| k.get("P"));
        assert_eq!(
            p.map(|n| slice(text, n.span)),
            Some("{\n    \"A\": [\n      1\n  ]\n  }")
        );
        let one = p.and_then(|n| n.get("A")).and_then(|a| a.items().first());
        assert_eq!(one.map(|n| slice(text, n.span)), Some("1"));
        assert_eq!(root.get("L").map(|n| slice(text, n.span)), Some("x"));
        // A real indentation error stays an error.
        assert!(parse_yaml("a:\n  b: 1\n c: 2\n").is_err());
        // A quoted scalar whose lines run left of its key, as CloudFormation accepts.
        let text = "R:\n  - P: !Sub '{\n      \"A\": 1,\n   \"B\": 2\n  }'\n    Q: x\n";
        let root = parse_yaml(text)?;
        let item = root.get("R").and_then(|r| r.items().first());
        let p = item.and_then(|i| i.get("P"));
        assert_eq!(p.and_then(Node::as_str), Some("{ \"A\": 1, \"B\": 2 }"));
        assert_eq!(
            p.map(|n| slice(text, n.span)),
            Some("!Sub '{\n      \"A\": 1,\n   \"B\": 2\n  }'")
        );
        assert_eq!(
            item.and_then(|i| i.get("Q")).map(|n| slice(text, n.span)),
            Some("x")
        );
        Ok(())
    }

    #[test]
    fn a_tagged_value_spans_from_its_tag() -> R {
        let text = "A: !Sub 'arn:${X}'\nB: !Join\n  - ''\n  - [a, b]\nC: !Ref\n";
        let root = parse_yaml(text)?;
        let whole = |k: &str| root.get(k).map(|n| slice(text, n.span));
        assert_eq!(whole("A"), Some("!Sub 'arn:${X}'"));
        assert_eq!(whole("B"), Some("!Join\n  - ''\n  - [a, b]"));
        assert_eq!(whole("C"), Some("!Ref"));
        Ok(())
    }

    fn tag_case(text: &str, tag: &str, kind: &'static str, written: &str) -> R {
        assert_eq!(
            describe(text, &["K"])?,
            Some((kind, Some(tag.to_string()), written)),
            "{text}"
        );
        Ok(())
    }

    #[test]
    fn tag_sub() -> R {
        tag_case(
            "K: !Sub 'arn:${AWS::Partition}:iam::${AWS::AccountId}:root'\n",
            "Sub",
            "string",
            "'arn:${AWS::Partition}:iam::${AWS::AccountId}:root'",
        )
    }

    #[test]
    fn tag_sub_with_variables_map() -> R {
        tag_case(
            "K: !Sub\n  - 'arn:${P}'\n  - P: !Ref X\n",
            "Sub",
            "seq",
            "- 'arn:${P}'\n  - P: !Ref X",
        )?;
        assert_eq!(
            describe("K: !Sub\n  - 'arn:${P}'\n  - P: !Ref X\n", &["K", "1", "P"])?,
            Some(("scalar", Some("Ref".into()), "X"))
        );
        Ok(())
    }

    #[test]
    fn tag_ref() -> R {
        tag_case(
            "K: !Ref AWS::AccountId\n",
            "Ref",
            "scalar",
            "AWS::AccountId",
        )
    }

    #[test]
    fn tag_getatt() -> R {
        tag_case("K: !GetAtt Role.Arn\n", "GetAtt", "scalar", "Role.Arn")
    }

    #[test]
    fn tag_join() -> R {
        tag_case(
            "K: !Join [':', [a, !Ref B]]\n",
            "Join",
            "seq",
            "[':', [a, !Ref B]]",
        )?;
        assert_eq!(
            describe("K: !Join [':', [a, !Ref B]]\n", &["K", "1", "1"])?,
            Some(("scalar", Some("Ref".into()), "B"))
        );
        Ok(())
    }

    #[test]
    fn tag_if() -> R {
        tag_case(
            "K: !If [IsProd, !Ref A, !Ref 'AWS::NoValue']\n",
            "If",
            "seq",
            "[IsProd, !Ref A, !Ref 'AWS::NoValue']",
        )?;
        assert_eq!(
            describe(
                "K: !If [IsProd, !Ref A, !Ref 'AWS::NoValue']\n",
                &["K", "2"]
            )?,
            Some(("string", Some("Ref".into()), "'AWS::NoValue'"))
        );
        Ok(())
    }

    #[test]
    fn tag_select() -> R {
        tag_case(
            "K: !Select [0, !GetAZs '']\n",
            "Select",
            "seq",
            "[0, !GetAZs '']",
        )
    }

    #[test]
    fn tag_split() -> R {
        tag_case(
            "K: !Split [',', !ImportValue Subnets]\n",
            "Split",
            "seq",
            "[',', !ImportValue Subnets]",
        )
    }

    #[test]
    fn tag_findinmap() -> R {
        tag_case(
            "K: !FindInMap [Map, !Ref 'AWS::Region', Key]\n",
            "FindInMap",
            "seq",
            "[Map, !Ref 'AWS::Region', Key]",
        )
    }

    #[test]
    fn tag_importvalue() -> R {
        tag_case(
            "K: !ImportValue\n  'Fn::Sub': '${Stack}-KeyArn'\n",
            "ImportValue",
            "map",
            "'Fn::Sub': '${Stack}-KeyArn'",
        )
    }

    #[test]
    fn tag_base64() -> R {
        tag_case("K: !Base64 \"hello\"\n", "Base64", "string", "\"hello\"")
    }

    #[test]
    fn tag_cidr() -> R {
        tag_case(
            "K: !Cidr [!GetAtt Vpc.CidrBlock, 6, 5]\n",
            "Cidr",
            "seq",
            "[!GetAtt Vpc.CidrBlock, 6, 5]",
        )?;
        assert_eq!(
            describe("K: !Cidr [!GetAtt Vpc.CidrBlock, 6, 5]\n", &["K", "0"])?,
            Some(("scalar", Some("GetAtt".into()), "Vpc.CidrBlock"))
        );
        Ok(())
    }

    #[test]
    fn tag_getazs() -> R {
        tag_case("K: !GetAZs ''\n", "GetAZs", "string", "''")
    }

    #[test]
    fn tag_equals() -> R {
        tag_case(
            "K: !Equals [!Ref Env, prod]\n",
            "Equals",
            "seq",
            "[!Ref Env, prod]",
        )
    }

    #[test]
    fn tag_and() -> R {
        tag_case(
            "K: !And\n  - !Condition A\n  - !Condition B\n",
            "And",
            "seq",
            "- !Condition A\n  - !Condition B",
        )
    }

    #[test]
    fn tag_or() -> R {
        tag_case(
            "K: !Or [!Condition A, !Condition B]\n",
            "Or",
            "seq",
            "[!Condition A, !Condition B]",
        )
    }

    #[test]
    fn tag_not() -> R {
        tag_case(
            "K: !Not [!Equals [!Ref Env, prod]]\n",
            "Not",
            "seq",
            "[!Equals [!Ref Env, prod]]",
        )
    }

    #[test]
    fn tag_condition() -> R {
        tag_case("K: !Condition IsProd\n", "Condition", "scalar", "IsProd")
    }

    #[test]
    fn tag_transform() -> R {
        tag_case(
            "K: !Transform\n  Name: AWS::Include\n  Parameters:\n    Location: s3://b/k\n",
            "Transform",
            "map",
            "Name: AWS::Include\n  Parameters:\n    Location: s3://b/k",
        )
    }

    #[test]
    fn tag_on_flow_map_and_block_scalar() -> R {
        tag_case("K: !Transform {Name: X}\n", "Transform", "map", "{Name: X}")?;
        tag_case(
            "K: !Sub |\n  arn:${A}\n  x\n\nL: 1\n",
            "Sub",
            "string",
            "|\n  arn:${A}\n  x",
        )
    }

    #[test]
    fn tag_with_anchor_and_line_break() -> R {
        tag_case("K: &a !Ref\n  X\n", "Ref", "scalar", "X")?;
        tag_case("K: !Ref &a X\n", "Ref", "scalar", "X")
    }

    #[test]
    fn tag_on_empty_value_does_not_panic() -> R {
        let text = "K: !Ref\nL: !GetAtt\n";
        let root = parse_yaml(text)?;
        let k = at(&root, &["K"]);
        assert_eq!(k.map(kind), Some("null"));
        assert_eq!(k.and_then(|n| n.tag.as_deref()), Some("Ref"));
        assert_eq!(
            at(&root, &["L"]).and_then(|n| n.tag.as_deref()),
            Some("GetAtt")
        );
        assert_eq!(
            describe("- !Ref\n", &["0"])?.map(|d| d.1),
            Some(Some("Ref".into()))
        );
        assert_eq!(
            describe("!Ref", &[])?.map(|d| (d.0, d.1)),
            Some(("null", Some("Ref".into())))
        );
        Ok(())
    }

    #[test]
    fn empty_values_have_empty_spans() -> R {
        let root = parse_yaml("{a: , b, c: 1}")?;
        for k in ["a", "b"] {
            assert_eq!(
                root.get(k).map(|n| (kind(n), n.span.is_empty())),
                Some(("null", true))
            );
        }
        let text = "K: !Ref\nL: &x\nM: 1\n";
        let root = parse_yaml(text)?;
        assert_eq!(root.get("K").map(|n| n.span), Some(Span::new(3, 7)));
        assert_eq!(
            root.get("L").map(|n| n.span),
            Some(Span::empty(text.find("&x").map_or(0, |i| i + 2)))
        );
        let text = "? a\n: 1\n? b\n";
        assert_eq!(describe(text, &[])?.map(|d| d.2), Some("? a\n: 1\n? b"));
        Ok(())
    }

    #[test]
    fn standard_and_verbatim_tags_keep_their_handle() -> R {
        assert_eq!(
            describe("K: !!str 012\n", &["K"])?,
            Some(("string", Some("!!str".into()), "012"))
        );
        assert_eq!(
            describe("K: !!int 12\n", &["K"])?,
            Some(("scalar", Some("!!int".into()), "12"))
        );
        assert_eq!(
            describe("K: !<tag:example.com,2000:x> v\n", &["K"])?,
            Some(("scalar", Some("!<tag:example.com,2000:x>".into()), "v"))
        );
        assert_eq!(
            describe("K: !!str\n", &["K"])?.map(|d| (d.0, d.1)),
            Some(("string", Some("!!str".into())))
        );
        Ok(())
    }

    // --- scalars --------------------------------------------------------------------------------

    #[test]
    fn plain_scalars_are_never_coerced() -> R {
        let text = "a: 012345678901\nb: yes\nc: on\nd: true\ne: 1.50\nf: kms:*\n";
        let root = parse_yaml(text)?;
        for (k, v) in [
            ("a", "012345678901"),
            ("b", "yes"),
            ("c", "on"),
            ("d", "true"),
            ("e", "1.50"),
            ("f", "kms:*"),
        ] {
            assert_eq!(
                root.get(k).map(|n| &n.kind),
                Some(&NodeKind::Scalar(v.into()))
            );
            assert_eq!(root.get(k).map(|n| slice(text, n.span)), Some(v));
        }
        Ok(())
    }

    #[test]
    fn null_forms() -> R {
        let root = parse_yaml("a:\nb: ~\nc: null\nd: Null\ne: NULL\nf: nULL\ng: 'null'\n")?;
        for k in ["a", "b", "c", "d", "e"] {
            assert_eq!(root.get(k).map(kind), Some("null"), "{k}");
        }
        assert_eq!(root.get("f").map(kind), Some("scalar"));
        assert_eq!(root.get("g").map(kind), Some("string"));
        Ok(())
    }

    #[test]
    fn spans_of_every_scalar_style() -> R {
        let text = "plain: some value   # comment\nsingle: 'it''s'\ndouble: \"a\\tb\"\nmulti: first\n  second\nliteral: |\n  line1\n  line2\n\nfolded: >-\n  a\n  b\nkeep: |+\n  k\n\n\nlast: x\n";
        let root = parse_yaml(text)?;
        let check = |k: &str, written: &str, value: &str| {
            let n = root.get(k);
            assert_eq!(n.map(|n| slice(text, n.span)), Some(written), "{k}");
            assert_eq!(n.and_then(Node::as_str), Some(value), "{k}");
        };
        check("plain", "some value", "some value");
        check("single", "'it''s'", "it's");
        check("double", "\"a\\tb\"", "a\tb");
        check("multi", "first\n  second", "first second");
        check("literal", "|\n  line1\n  line2", "line1\nline2\n");
        check("folded", ">-\n  a\n  b", "a b");
        check("keep", "|+\n  k", "k\n\n\n");
        check("last", "x", "x");
        assert_eq!(
            root.get_entry("single").map(|e| slice(text, e.key_span)),
            Some("single")
        );
        assert_eq!(root.get("multi").map(kind), Some("scalar"));
        assert_eq!(root.get("literal").map(kind), Some("string"));
        Ok(())
    }

    #[test]
    fn block_scalar_with_comment_and_indent_indicator() -> R {
        let text = "- |2-  # note\n    indented\n- x\n";
        assert_eq!(
            describe(text, &["0"])?,
            Some(("string", None, "|2-  # note\n    indented"))
        );
        let text = "a: # c\n  |\n  x\n";
        assert_eq!(describe(text, &["a"])?.map(|d| d.2), Some("|\n  x"));
        Ok(())
    }

    #[test]
    fn quoted_keys_and_key_spans() -> R {
        let text = "\"AWS\": a\n'Service': b\n";
        let root = parse_yaml(text)?;
        let keys: Vec<(&str, &str)> = root
            .entries()
            .iter()
            .map(|e| (e.key.as_str(), slice(text, e.key_span)))
            .collect();
        assert_eq!(keys, vec![("AWS", "\"AWS\""), ("Service", "'Service'")]);
        Ok(())
    }

    // --- collections ----------------------------------------------------------------------------

    #[test]
    fn duplicate_keys_are_all_kept_in_order() -> R {
        let text = "Principal:\n  AWS: a\n  Service: s\n  AWS: b\n";
        let root = parse_yaml(text)?;
        let p = at(&root, &["Principal"]);
        let entries: Vec<(&str, &str, &str)> = p
            .map(|p| {
                p.entries()
                    .iter()
                    .map(|e| {
                        (
                            e.key.as_str(),
                            slice(text, e.key_span),
                            slice(text, e.value.span),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        assert_eq!(
            entries,
            vec![
                ("AWS", "AWS", "a"),
                ("Service", "Service", "s"),
                ("AWS", "AWS", "b")
            ]
        );
        let dups = p.map(Node::duplicate_keys).unwrap_or_default();
        assert_eq!(dups.len(), 1);
        assert_eq!(
            dups.first()
                .map(|d| d.1.iter().map(|s| slice(text, *s)).collect::<Vec<_>>()),
            Some(vec!["AWS", "AWS"])
        );
        Ok(())
    }

    #[test]
    fn collection_spans() -> R {
        let text = "a:\n  - x\n  - y: 1\n    z: 2\n\nb: {k: [1, 2] }\nc: [ ]\n";
        assert_eq!(describe(text, &[])?.map(|d| d.2), Some(text.trim_end()));
        assert_eq!(
            describe(text, &["a"])?.map(|d| d.2),
            Some("- x\n  - y: 1\n    z: 2")
        );
        assert_eq!(
            describe(text, &["a", "1"])?.map(|d| d.2),
            Some("y: 1\n    z: 2")
        );
        assert_eq!(describe(text, &["b"])?.map(|d| d.2), Some("{k: [1, 2] }"));
        assert_eq!(describe(text, &["b", "k"])?.map(|d| d.2), Some("[1, 2]"));
        assert_eq!(describe(text, &["c"])?, Some(("seq", None, "[ ]")));
        Ok(())
    }

    #[test]
    fn merge_key_is_an_ordinary_entry_and_aliases_stay_aliases() -> R {
        let text = "base: &b {x: 1}\nderived:\n  <<: *b\n  y: 2\n";
        let root = parse_yaml(text)?;
        let d = at(&root, &["derived"]);
        assert_eq!(d.map(|d| d.entries().len()), Some(2));
        let merge = d.and_then(|d| d.get("<<"));
        assert_eq!(merge.map(|m| &m.kind), Some(&NodeKind::Alias("b".into())));
        assert_eq!(merge.map(|m| slice(text, m.span)), Some("*b"));
        assert_eq!(describe(text, &["base"])?.map(|d| d.2), Some("{x: 1}"));
        Ok(())
    }

    #[test]
    fn complex_keys_are_errors_at_the_key() {
        let text = "a: 1\n? [x, y]\n: 2\n";
        let e = err(text);
        assert_eq!(
            e.as_ref().map(|e| e.message.as_str()),
            Some("complex mapping keys are not supported")
        );
        assert_eq!(e.map(|e| e.span.start), text.find('['));
        let text = "{a: 1, {b: 2}: 3}";
        let e = err(text);
        assert_eq!(
            e.as_ref().map(|e| e.message.as_str()),
            Some("complex mapping keys are not supported")
        );
        assert_eq!(e.map(|e| e.span.start), text.find("{b"));
        let text = "? - a\n: 1\n";
        assert_eq!(
            err(text).map(|e| e.message),
            Some("complex mapping keys are not supported".into())
        );
    }

    #[test]
    fn empty_and_comment_only_streams_are_null() -> R {
        for text in ["", "# nothing\n", "\u{feff}", "---\n", "\n\n"] {
            let n = parse_yaml(text)?;
            assert_eq!(n.kind, NodeKind::Null, "{text:?}");
        }
        assert_eq!(parse_yaml("")?.span, Span::empty(0));
        Ok(())
    }

    #[test]
    fn only_the_first_document_is_read() -> R {
        let text = "--- !Foo\na: 1\n...\n--- b\n--- [unclosed\n";
        let root = parse_yaml(text)?;
        assert_eq!(root.tag.as_deref(), Some("Foo"));
        assert_eq!(root.entries().len(), 1);
        Ok(())
    }

    // --- offsets --------------------------------------------------------------------------------

    #[test]
    fn non_ascii_text_gives_byte_spans() -> R {
        let text = "# é 🎉 日本語\nDescription: \"clé 🔑 キー\"\nk: 日本\nz: !Sub '${A}é'\nlit: |\n  ü\n  🎉\nend: x\n";
        let root = parse_yaml(text)?;
        let check = |k: &str, written: &str| {
            assert_eq!(
                root.get(k)
                    .map(|n| slice(text, Span::new(value_start(text, n), n.span.end))),
                Some(written),
                "{k}"
            );
            assert_eq!(
                root.get_entry(k).map(|e| slice(text, e.key_span)),
                Some(k),
                "{k}"
            );
        };
        check("Description", "\"clé 🔑 キー\"");
        check("k", "日本");
        check("z", "'${A}é'");
        check("lit", "|\n  ü\n  🎉");
        check("end", "x");
        Ok(())
    }

    #[test]
    fn bom_is_accepted() -> R {
        let text = "\u{feff}a: b\n";
        assert_eq!(describe(text, &["a"])?.map(|d| d.2), Some("b"));
        let root = parse_yaml(text)?;
        assert_eq!(
            root.get_entry("a").map(|e| slice(text, e.key_span)),
            Some("a")
        );
        Ok(())
    }

    #[test]
    fn crlf_spans_slice_exactly_the_value() -> R {
        let text =
            "a: 1\r\nb:\r\n  c: value on line 3\r\n  d: 'q'\r\ne: |\r\n  x\r\n  y\r\nf: [1, 2]\r\n";
        assert_eq!(
            describe(text, &["b", "c"])?.map(|d| d.2),
            Some("value on line 3")
        );
        assert_eq!(describe(text, &["b", "d"])?.map(|d| d.2), Some("'q'"));
        assert_eq!(
            describe(text, &["b"])?.map(|d| d.2),
            Some("c: value on line 3\r\n  d: 'q'")
        );
        assert_eq!(
            describe(text, &["e"])?.map(|d| d.2),
            Some("|\r\n  x\r\n  y")
        );
        assert_eq!(describe(text, &["f"])?.map(|d| d.2), Some("[1, 2]"));
        Ok(())
    }

    // --- errors ---------------------------------------------------------------------------------

    #[test]
    fn scan_errors_are_located_in_bytes() {
        let text = "é: 1\nkey: [1, 2\nb: 3\n";
        let e = err(text);
        assert!(
            e.as_ref().is_some_and(|e| !e.message.contains(" line ")),
            "{e:?}"
        );
        assert_eq!(e.map(|e| e.span.start), text.find("b: 3").map(|i| i + 1));

        let text = "ü: 1\n- b\n";
        let e = err(text);
        assert!(
            e.as_ref()
                .is_some_and(|e| e.message.contains("did not find expected key")),
            "{e:?}"
        );
        assert_eq!(e.map(|e| e.span.start), text.find('b'));

        let e = err("a: *nope\n");
        assert!(
            e.as_ref()
                .is_some_and(|e| e.message.contains("unknown anchor")),
            "{e:?}"
        );

        let e = err("a: 'unterminated\n");
        assert!(e.is_some());
    }

    #[test]
    fn tab_indentation_is_a_located_error() {
        for text in [
            "Statement:\n\tEffect: Allow\n",
            "a:\n  b: 1\n\tc: 2\n",
            "é:\n  - x\n\t- y\n",
        ] {
            let e = err(text);
            assert!(
                e.as_ref().is_some_and(|e| e.message.contains("not tabs")),
                "{text:?} {e:?}"
            );
            assert_eq!(
                e.map(|e| slice(text, e.span).to_string()),
                Some("\t".into()),
                "{text:?}"
            );
        }
    }

    #[test]
    fn alias_bomb_stays_small_and_fast() -> R {
        let mut text = String::from(
            "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
        );
        for (prev, name) in ["a", "b", "c", "d", "e", "f", "g", "h", "i"]
            .iter()
            .zip(["b", "c", "d", "e", "f", "g", "h", "i", "j"])
        {
            let refs = vec![format!("*{prev}"); 9].join(",");
            text.push_str(&format!("{name}: &{name} [{refs}]\n"));
        }
        let started = std::time::Instant::now();
        let root = parse_yaml(&text)?;
        assert!(started.elapsed() < std::time::Duration::from_secs(2));
        assert_eq!(root.entries().len(), 10);
        let j = at(&root, &["j"]);
        assert_eq!(j.map(|j| j.items().len()), Some(9));
        assert_eq!(
            j.and_then(|j| j.items().first()).map(|n| &n.kind),
            Some(&NodeKind::Alias("i".into()))
        );
        Ok(())
    }

    // --- depth ----------------------------------------------------------------------------------

    #[test]
    fn deep_flow_nesting_is_an_error_not_a_crash() {
        let text = "[".repeat(100_000);
        let e = err(&text);
        assert_eq!(
            e.as_ref().map(|e| e.message.as_str()),
            Some("nesting deeper than 256 levels")
        );
        assert!(e.is_some_and(|e| e.span.start < 300));
        let text = format!("a: {}", "{b: ".repeat(100_000));
        assert_eq!(
            err(&text).map(|e| e.message),
            Some("nesting deeper than 256 levels".into())
        );
    }

    #[test]
    fn deep_block_nesting_is_an_error_not_a_crash() -> R {
        let nested = |depth: usize| {
            let mut text = String::new();
            for i in 0..depth {
                text.push_str(&" ".repeat(i));
                text.push_str("k:\n");
            }
            text.push_str(&" ".repeat(depth));
            text.push_str("v\n");
            text
        };
        // `depth` keys make `depth` nested maps.
        let ok = parse_yaml(&nested(MAX_DEPTH))?;
        assert!(ok.is_map());
        let text = nested(MAX_DEPTH + 1);
        let e = err(&text);
        assert_eq!(
            e.as_ref().map(|e| e.message.as_str()),
            Some("nesting deeper than 256 levels")
        );
        assert_eq!(
            e.map(|e| slice(&text, e.span).to_string()),
            Some("k".into())
        );
        let text = nested(20_000);
        assert!(err(&text).is_some());
        let seqs = "- ".repeat(100_000) + "x\n";
        assert_eq!(
            err(&seqs).map(|e| e.message),
            Some("nesting deeper than 256 levels".into())
        );
        Ok(())
    }

    // --- offset maps ----------------------------------------------------------------------------

    fn offset_map_case(text: &str, path: &[&str], needles: &[&str]) -> Result<bool, ParseError> {
        let root = parse_yaml(text)?;
        let Some(node) = at(&root, path) else {
            return Ok(false);
        };
        let Some(map) = scalar_offset_map(text, node) else {
            return Ok(false);
        };
        let value = node.as_str().unwrap_or("");
        for needle in needles {
            let Some(d) = value.find(needle) else {
                return Ok(false);
            };
            let start = map.map(d);
            let end = map.map(d + needle.len());
            assert_eq!(
                slice(text, Span::new(start, end)),
                *needle,
                "{text:?} {needle:?}"
            );
        }
        Ok(true)
    }

    #[test]
    fn offset_map_for_literal_json_policy() -> R {
        let text = "Resources:\n  Key:\n    Properties:\n      KeyPolicy: |\n        {\n          \"Statement\": [{\n            \"Principal\": {\"AWS\": \"*\"},\n\n            \"Action\": \"kms:*\"\n          }]\n        }\n      Other: x\n";
        let path = ["Resources", "Key", "Properties", "KeyPolicy"];
        assert!(offset_map_case(
            text,
            &path,
            &["\"Statement\"", "{\"AWS\": \"*\"}", "\"kms:*\"", "}]"]
        )?);
        let crlf = text.replace('\n', "\r\n");
        assert!(offset_map_case(
            &crlf,
            &path,
            &["\"Principal\"", "\"kms:*\""]
        )?);
        let strip = text.replace("KeyPolicy: |", "KeyPolicy: |-");
        assert!(offset_map_case(&strip, &path, &["\"Action\""])?);
        let keep = text.replace("KeyPolicy: |", "KeyPolicy: |+ # keep");
        assert!(offset_map_case(&keep, &path, &["\"Action\""])?);
        let tagged = text.replace("KeyPolicy: |", "KeyPolicy: !Sub |");
        assert!(offset_map_case(&tagged, &path, &["\"Action\""])?);
        let unicode = text.replace("kms:*", "kms:é🎉");
        assert!(offset_map_case(&unicode, &path, &["\"kms:é🎉\""])?);
        Ok(())
    }

    #[test]
    fn offset_map_for_flow_scalars() -> R {
        assert!(offset_map_case("a: {\"k\": 1}\n", &["a"], &["\"k\""]).is_ok());
        assert!(offset_map_case(
            "a: '{\"k\": 1}'\n",
            &["a"],
            &["\"k\"", "1}"]
        )?);
        assert!(offset_map_case(
            "a: 'it''s {\"k\": 1}'\n",
            &["a"],
            &["it", "s {\"k\"", "1}"]
        )?);
        assert!(offset_map_case("a: \"{'k': 1}\"\n", &["a"], &["'k'"])?);
        assert!(offset_map_case("a: !Sub é{k}\n", &["a"], &["{k}"])?);
        Ok(())
    }

    #[test]
    fn offset_map_refuses_what_it_cannot_map() -> R {
        assert!(!offset_map_case("a: >\n  {\"k\":\n  1}\n", &["a"], &[])?);
        assert!(!offset_map_case("a: \"{\\\"k\\\": 1}\"\n", &["a"], &[])?);
        assert!(!offset_map_case("a: multi\n  line\n", &["a"], &[])?);
        assert!(!offset_map_case("a: 'multi\n  line'\n", &["a"], &[])?);
        assert!(!offset_map_case("a: [1]\n", &["a"], &[])?);
        Ok(())
    }

    proptest::proptest! {
        #[test]
        fn never_panics_on_arbitrary_text(text in "\\PC*") {
            let _ = parse_yaml(&text);
        }

        #[test]
        fn never_panics_on_yaml_like_text(text in "[ \\t\\r\\n:\\-?,\\[\\]{}|>!&*#'\"%@`a-cé🎉0-9~.<>+]{0,80}") {
            if let Ok(node) = parse_yaml(&text) {
                check_spans(&text, &node);
            }
        }
    }

    /// Every span lies on char boundaries inside the text, and offset maps stay inside too.
    fn check_spans(text: &str, node: &Node) {
        assert!(
            node.span.start <= node.span.end && text.get(node.span.start..node.span.end).is_some(),
            "{text:?} {node:?}"
        );
        if let Some(map) = scalar_offset_map(text, node) {
            let len = node.as_str().map_or(0, str::len);
            assert!(map.map(len) <= text.len(), "{text:?} {node:?}");
        }
        for e in node.entries() {
            assert!(
                text.get(e.key_span.start..e.key_span.end).is_some(),
                "{text:?} {e:?}"
            );
            check_spans(text, &e.value);
        }
        node.items().iter().for_each(|n| check_spans(text, n));
    }

    const TEMPLATE: &str = "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  Bucket:\n    Type: AWS::S3::Bucket\n    Properties:\n      Tags:\n        - Key: a\n          Value: |\n            text\n\n  # a comment\n  Key:\n    Type: AWS::KMS::Key\n    Properties:\n      KeyPolicy: {Statement: [{Effect: Allow, Principal: '*'}]}\n  Queue:\n    Type: AWS::SQS::Queue\nOutputs:\n  Arn:\n    Value: !GetAtt Key.Arn\n";

    #[test]
    fn dropped_resources_leave_every_other_span_in_place() -> Result<(), String> {
        let keep = |t: &str| t.contains("AWS::KMS::");
        let kept = drop_section_entries(TEMPLATE, "Resources", keep)
            .ok_or("no drop")?
            .text;
        assert!(
            !kept.contains("Bucket") && !kept.contains("Queue"),
            "{kept}"
        );
        assert!(kept.contains("  Key:\n") && kept.contains("Outputs:"));
        let node = parse_yaml_keeping(TEMPLATE, "Resources", keep).ok_or("no parse")?;
        let full = parse_yaml(TEMPLATE).map_err(|e| e.to_string())?;
        let key = |n: &Node| {
            n.get("Resources")
                .and_then(|r| r.get("Key"))
                .map(|k| (k.span, format!("{k:?}")))
        };
        assert_eq!(
            key(&node),
            key(&full),
            "the kept resource is parsed as in the whole text"
        );
        assert_eq!(
            node.get("Outputs").map(|o| o.span),
            full.get("Outputs").map(|o| o.span)
        );
        check_spans(TEMPLATE, &node);
        Ok(())
    }

    #[test]
    fn a_parse_that_disagrees_with_the_scan_is_not_used() {
        let keep = |t: &str| t.contains("AWS::KMS::");
        // The `Resources:` line is inside a quoted scalar; the `B:` line is inside K's scalar.
        for text in [
            "Description: 'a\nResources:\n  A:\n    Type: AWS::S3::Bucket\n  K:\n    Type: AWS::KMS::Key'\n",
            "Resources:\n  K:\n    Type: AWS::KMS::Key\n    D: \"x\n  B:\n    Type: AWS::S3::Bucket\n    E: y\"\n",
        ] {
            assert!(yaml_parses(text), "{text:?}");
            assert!(
                parse_yaml_keeping(text, "Resources", keep).is_none(),
                "{text:?}"
            );
        }
    }

    fn yaml_parses(text: &str) -> bool {
        parse_yaml(text).is_ok()
    }

    #[test]
    fn resource_drop_gives_up_on_layouts_it_does_not_know() {
        let keep = |t: &str| t.contains("AWS::KMS::");
        for text in [
            // Flow-style section, a list, a shallower line, a tab, a strange column-0 line.
            "Resources: {A: {Type: AWS::S3::Bucket}}\n",
            "Resources:\n  - A\n",
            "Resources:\n    A:\n      Type: AWS::S3::Bucket\n  B:\n    Type: AWS::KMS::Key\n",
            "Resources:\n\tA:\n",
            // A lone carriage return breaks a YAML line too.
            "Resources:\n  A:\n    Type: AWS::S3::Bucket\n    V: x\rZ: 1\n  K:\n    Type: AWS::KMS::Key\n",
            "Resources:\n  A:\n    Type: AWS::S3::Bucket\n    Value: '\n}'\n  K:\n    Type: AWS::KMS::Key\n",
            // Nothing to drop.
            "Resources:\n  K:\n    Type: AWS::KMS::Key\n",
            "Parameters:\n  A:\n    Type: String\n",
        ] {
            assert!(
                drop_section_entries(text, "Resources", keep).is_none(),
                "{text:?}"
            );
        }
    }
}
