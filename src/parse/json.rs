//! Strict JSON (RFC 8259) parser into the spanned `Node` tree.
//!
//! Hand-written because we need what serde_json drops: every duplicate key with its span, located
//! errors (trailing and missing commas), and positions inside JSON that is stored in a JSON string
//! (`string_literal_map`).

use super::{Entry, Node, NodeKind, OffsetMap, ParseError, MAX_DEPTH};
use crate::base::limits::MAX_DOCUMENT_VALUES;
use crate::base::source::Span;

/// Parses one JSON document. Spans are byte offsets into `text`.
pub fn parse_json(text: &str) -> Result<Node, ParseError> {
    let mut p = Parser::new(text);
    if text.starts_with('\u{FEFF}') {
        p.pos = '\u{FEFF}'.len_utf8();
    }
    p.skip_ws();
    let node = p.document()?;
    p.skip_ws();
    if p.pos < p.bytes.len() {
        let (_, span) = p.token_at(p.pos);
        return Err(ParseError::new(
            "trailing characters after the JSON value",
            span,
        ));
    }
    Ok(node)
}

/// Decodes a JSON string literal (quotes included) that starts at byte `literal_start` of a file.
/// Returns its value and a map from every offset in the value to the file offset it came from, so
/// a document parsed from the value can report spans in the file. `None` if `literal` is not
/// exactly one valid string literal.
pub fn string_literal_map(literal: &str, literal_start: usize) -> Option<(String, OffsetMap)> {
    if !literal.starts_with('"') {
        return None;
    }
    let mut map = OffsetMap::shifted(literal_start.saturating_add(1));
    let (value, end) = decode_string(
        literal.as_bytes(),
        literal,
        0,
        Some((&mut map, literal_start)),
    )
    .ok()?;
    (end == literal.len()).then_some((value, map))
}

/// Parses the JSON document held in a JSON string literal (quotes included) found at byte
/// `literal_start` of a file. The tree's spans and any error's span point into that file.
pub fn parse_json_in_string(literal: &str, literal_start: usize) -> Result<Node, ParseError> {
    let Some((inner, map)) = string_literal_map(literal, literal_start) else {
        return Err(ParseError::new(
            "not a valid JSON string",
            Span::new(literal_start, literal_start.saturating_add(literal.len())),
        ));
    };
    match parse_json(&inner) {
        Ok(mut node) => {
            node.remap(&|o| map.map(o));
            Ok(node)
        }
        Err(mut e) => {
            e.span = Span::new(map.map(e.span.start), map.map(e.span.end));
            Err(e)
        }
    }
}

/// A container being parsed; its finished members wait on the parser's scratch stacks.
enum Frame {
    Array {
        open: usize,
        base: usize,
    },
    /// `key` is the key of the member whose value is being parsed.
    Object {
        open: usize,
        base: usize,
        key: String,
        key_span: Span,
    },
}

struct Parser<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    /// Scratch stacks for the members of the containers being parsed: each container collects its
    /// children here and moves them into an exactly-sized Vec when it closes.
    items: Vec<Node>,
    entries: Vec<Entry>,
    /// Values parsed so far (`MAX_DOCUMENT_VALUES`).
    values: usize,
}

impl<'a> Parser<'a> {
    fn new(text: &'a str) -> Self {
        Parser {
            text,
            bytes: text.as_bytes(),
            pos: 0,
            items: Vec::with_capacity(64),
            entries: Vec::with_capacity(64),
            values: 0,
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.bytes.get(self.pos) {
            self.pos += 1;
        }
    }

    fn slice(&self, start: usize, end: usize) -> &'a str {
        self.text.get(start..end).unwrap_or("")
    }

    /// Parses one value and everything nested in it. Containers are kept on an explicit stack,
    /// so the depth limit does not depend on the thread's stack size.
    fn document(&mut self) -> Result<Node, ParseError> {
        let mut stack: Vec<Frame> = Vec::new();
        'value: loop {
            let open = self.pos;
            self.values += 1;
            if self.values > MAX_DOCUMENT_VALUES {
                return Err(ParseError::new(
                    format!("more than {MAX_DOCUMENT_VALUES} values (a kmslint limit)"),
                    Span::new(open, open + 1),
                ));
            }
            let mut node = match self.peek() {
                Some(b @ (b'{' | b'[')) => {
                    if stack.len() >= MAX_DEPTH {
                        return Err(ParseError::new(
                            format!("nesting deeper than {MAX_DEPTH} levels"),
                            Span::new(open, open + 1),
                        ));
                    }
                    self.pos += 1;
                    self.skip_ws();
                    if b == b'{' {
                        if self.peek() == Some(b'}') {
                            self.pos += 1;
                            Node::new(NodeKind::Map(Vec::new()), Span::new(open, self.pos))
                        } else {
                            let (key, key_span) = self.key()?;
                            let base = self.entries.len();
                            stack.push(Frame::Object {
                                open,
                                base,
                                key,
                                key_span,
                            });
                            continue 'value;
                        }
                    } else if self.peek() == Some(b']') {
                        self.pos += 1;
                        Node::new(NodeKind::Seq(Vec::new()), Span::new(open, self.pos))
                    } else {
                        let base = self.items.len();
                        stack.push(Frame::Array { open, base });
                        continue 'value;
                    }
                }
                _ => self.scalar()?,
            };
            // `node` is complete: add it to its container, closing containers as they end.
            loop {
                match stack.last_mut() {
                    None => return Ok(node),
                    Some(Frame::Array { open, base }) => {
                        self.items.push(node);
                        self.skip_ws();
                        match self.peek() {
                            Some(b',') => {
                                self.comma(b']')?;
                                continue 'value;
                            }
                            Some(b']') => {
                                self.pos += 1;
                                // `base` <= len: inner containers drained back to it.
                                let items: Vec<Node> = self.items.drain(*base..).collect();
                                node = Node::new(NodeKind::Seq(items), Span::new(*open, self.pos));
                                stack.pop();
                            }
                            _ => {
                                return Err(
                                    self.unexpected("expected `,` or `]` after array element")
                                )
                            }
                        }
                    }
                    Some(Frame::Object {
                        open,
                        base,
                        key,
                        key_span,
                    }) => {
                        self.entries.push(Entry {
                            key: std::mem::take(key),
                            key_span: *key_span,
                            value: node,
                        });
                        self.skip_ws();
                        match self.peek() {
                            Some(b',') => {
                                self.comma(b'}')?;
                                (*key, *key_span) = self.key()?;
                                continue 'value;
                            }
                            Some(b'}') => {
                                self.pos += 1;
                                let entries: Vec<Entry> = self.entries.drain(*base..).collect();
                                node =
                                    Node::new(NodeKind::Map(entries), Span::new(*open, self.pos));
                                stack.pop();
                            }
                            _ => {
                                return Err(
                                    self.unexpected("expected `,` or `}` after object member")
                                )
                            }
                        }
                    }
                }
            }
        }
    }

    /// Consumes the `,` at the current position and the whitespace after it; a `close` bracket
    /// right after it is a trailing comma.
    fn comma(&mut self, close: u8) -> Result<(), ParseError> {
        let comma = self.pos;
        self.pos += 1;
        self.skip_ws();
        if self.peek() == Some(close) {
            let message = if close == b'}' {
                "trailing comma before `}`"
            } else {
                "trailing comma before `]`"
            };
            return Err(ParseError::new(message, Span::new(comma, comma + 1)));
        }
        Ok(())
    }

    /// An object key, the `:` after it and the whitespace after that.
    fn key(&mut self) -> Result<(String, Span), ParseError> {
        let start = self.pos;
        if self.peek() != Some(b'"') {
            return Err(self.unexpected("expected a quoted object key"));
        }
        let (key, end) = decode_string(self.bytes, self.text, start, None)?;
        self.pos = end;
        self.skip_ws();
        if self.peek() != Some(b':') {
            return Err(self.unexpected("expected `:` after object key"));
        }
        self.pos += 1;
        self.skip_ws();
        Ok((key, Span::new(start, end)))
    }

    /// A string, number, `true`, `false` or `null`.
    fn scalar(&mut self) -> Result<Node, ParseError> {
        let start = self.pos;
        match self.peek() {
            Some(b'"') => {
                let (s, end) = decode_string(self.bytes, self.text, start, None)?;
                self.pos = end;
                Ok(Node::new(NodeKind::String(s), Span::new(start, end)))
            }
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(b) if b.is_ascii_alphabetic() => {
                let end = word_end(self.bytes, start);
                let kind = match self.bytes.get(start..end) {
                    Some(b"true") => NodeKind::Bool(true),
                    Some(b"false") => NodeKind::Bool(false),
                    Some(b"null") => NodeKind::Null,
                    _ => return Err(self.unexpected("expected a value")),
                };
                self.pos = end;
                Ok(Node::new(kind, Span::new(start, end)))
            }
            _ => Err(self.unexpected("expected a value")),
        }
    }

    fn number(&mut self) -> Result<Node, ParseError> {
        let b = self.bytes;
        let start = self.pos;
        let mut i = start;
        if b.get(i) == Some(&b'-') {
            i += 1;
        }
        match b.get(i) {
            Some(b'0') => {
                i += 1;
                if let Some(b'0'..=b'9') = b.get(i) {
                    let end = digits_end(b, i);
                    let written = self.slice(start, end);
                    return Err(ParseError::new(
                        format!(
                            "invalid number `{written}`: leading zeros are not allowed \
                             (an account id must be a string: \"{written}\")"
                        ),
                        Span::new(start, end),
                    ));
                }
            }
            Some(b'1'..=b'9') => i = digits_end(b, i),
            _ => {
                self.pos = i;
                return Err(self.unexpected("expected a digit after `-`"));
            }
        }
        if b.get(i) == Some(&b'.') {
            i += 1;
            let end = digits_end(b, i);
            if end == i {
                self.pos = i;
                return Err(self.unexpected("expected a digit after the decimal point"));
            }
            i = end;
        }
        if let Some(b'e' | b'E') = b.get(i) {
            i += 1;
            if let Some(b'+' | b'-') = b.get(i) {
                i += 1;
            }
            let end = digits_end(b, i);
            if end == i {
                self.pos = i;
                return Err(self.unexpected("expected a digit in the exponent"));
            }
            i = end;
        }
        self.pos = i;
        Ok(Node::new(
            NodeKind::Number(self.slice(start, i).to_owned()),
            Span::new(start, i),
        ))
    }

    /// "`expected`, found X" at the current position, or "unexpected end of input".
    fn unexpected(&self, expected: &str) -> ParseError {
        if self.pos >= self.bytes.len() {
            return ParseError::new("unexpected end of input", Span::empty(self.bytes.len()));
        }
        let (found, span) = self.token_at(self.pos);
        ParseError::new(format!("{expected}, found {found}"), span)
    }

    /// A short description of the token at `pos` and its span, for error messages.
    fn token_at(&self, pos: usize) -> (String, Span) {
        let Some(c) = self.text.get(pos..).and_then(|s| s.chars().next()) else {
            return ("end of input".to_owned(), Span::empty(pos));
        };
        if c.is_ascii_alphanumeric() || c == '_' {
            let end = word_end(self.bytes, pos);
            let word = self.slice(pos, end);
            let shown = if word.len() > 40 {
                format!("`{}…`", word.get(..40).unwrap_or(word))
            } else {
                format!("`{word}`")
            };
            return (shown, Span::new(pos, end));
        }
        let span = Span::new(pos, pos + c.len_utf8());
        let shown = match c {
            '\'' => "`'` (JSON strings use double quotes)".to_owned(),
            c if c.is_control() || (c.is_whitespace() && c != ' ') || c == '\u{FEFF}' => {
                format!("U+{:04X}", u32::from(c))
            }
            c => format!("`{c}`"),
        };
        (shown, span)
    }
}

fn word_end(b: &[u8], mut i: usize) -> usize {
    while let Some(c) = b.get(i) {
        if !(c.is_ascii_alphanumeric() || *c == b'_') {
            break;
        }
        i += 1;
    }
    i
}

fn digits_end(b: &[u8], mut i: usize) -> usize {
    while let Some(b'0'..=b'9') = b.get(i) {
        i += 1;
    }
    i
}

/// First offset at or after `i` holding `"`, `\` or a control character (or the end).
fn scan_plain(b: &[u8], mut i: usize) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    // Eight bytes at a time: strings in policies are mostly long runs of plain text.
    while let Some(chunk) = b.get(i..i + 8) {
        let Ok(arr) = <[u8; 8]>::try_from(chunk) else {
            break;
        };
        let w = u64::from_le_bytes(arr);
        let quote = w ^ (ONES * u64::from(b'"'));
        let backslash = w ^ (ONES * u64::from(b'\\'));
        let special = (quote.wrapping_sub(ONES) & !quote)
            | (backslash.wrapping_sub(ONES) & !backslash)
            | (w.wrapping_sub(ONES * 0x20) & !w);
        if special & HIGHS != 0 {
            break;
        }
        i += 8;
    }
    while let Some(&c) = b.get(i) {
        if c == b'"' || c == b'\\' || c < 0x20 {
            break;
        }
        i += 1;
    }
    i
}

/// Decodes the string literal whose opening quote is at `open`; returns the value and the offset
/// just past the closing quote. With `map`, records where each escape came from (file offsets are
/// offsets in `text` plus the given base).
fn decode_string(
    b: &[u8],
    text: &str,
    open: usize,
    mut map: Option<(&mut OffsetMap, usize)>,
) -> Result<(String, usize), ParseError> {
    let first = open + 1;
    let mut out = String::new();
    let mut run = first;
    let mut i = first;
    loop {
        i = scan_plain(b, i);
        // Slices below start and end next to ASCII bytes, so they are on char boundaries.
        let plain = text.get(run..i).unwrap_or("");
        match b.get(i) {
            Some(b'"') => {
                if run == first {
                    return Ok((plain.to_owned(), i + 1));
                }
                out.push_str(plain);
                return Ok((out, i + 1));
            }
            Some(b'\\') => {
                if run == first {
                    out.reserve(plain.len() + 16);
                }
                out.push_str(plain);
                let decoded = out.len();
                let end = decode_escape(b, text, open, i, &mut out)?;
                if let Some((m, base)) = map.as_mut() {
                    m.push(decoded, base.saturating_add(i));
                    m.push(out.len(), base.saturating_add(end));
                }
                i = end;
                run = end;
            }
            Some(&c) => {
                let hint = if c == b'\n' || c == b'\r' {
                    " (a line break: is the closing `\"` missing?)"
                } else {
                    ""
                };
                return Err(ParseError::new(
                    format!("control character in string{hint}"),
                    Span::new(i, i + 1),
                ));
            }
            None => return Err(unterminated(open)),
        }
    }
}

fn unterminated(open: usize) -> ParseError {
    ParseError::new("unterminated string", Span::new(open, open + 1))
}

/// Decodes the escape starting with the `\` at `i`; returns the offset after it.
fn decode_escape(
    b: &[u8],
    text: &str,
    open: usize,
    i: usize,
    out: &mut String,
) -> Result<usize, ParseError> {
    let simple = match b.get(i + 1) {
        None => return Err(unterminated(open)),
        Some(b'"') => '"',
        Some(b'\\') => '\\',
        Some(b'/') => '/',
        Some(b'b') => '\u{8}',
        Some(b'f') => '\u{c}',
        Some(b'n') => '\n',
        Some(b'r') => '\r',
        Some(b't') => '\t',
        Some(b'u') => return decode_unicode_escape(b, text, open, i, out),
        Some(_) => {
            let c = text
                .get(i + 1..)
                .and_then(|s| s.chars().next())
                .unwrap_or('\u{FFFD}');
            let span = Span::new(i, i + 1 + c.len_utf8());
            let message = if c.is_control() || c.is_whitespace() {
                format!("invalid escape: `\\` followed by U+{:04X}", u32::from(c))
            } else {
                format!("invalid escape `\\{c}`")
            };
            return Err(ParseError::new(message, span));
        }
    };
    out.push(simple);
    Ok(i + 2)
}

/// `\uXXXX`, joining a surrogate pair; a lone surrogate becomes U+FFFD.
fn decode_unicode_escape(
    b: &[u8],
    text: &str,
    open: usize,
    i: usize,
    out: &mut String,
) -> Result<usize, ParseError> {
    let hi = match hex4(b, i + 2) {
        Ok(v) => v,
        Err(k) => {
            let bad = i + 2 + k;
            let Some(c) = text.get(bad..).and_then(|s| s.chars().next()) else {
                return Err(unterminated(open));
            };
            let span = Span::new(i, bad + c.len_utf8());
            let written = text.get(span.start..span.end).unwrap_or("\\u");
            return Err(ParseError::new(
                format!("invalid escape `{written}`: `\\u` needs 4 hex digits"),
                span,
            ));
        }
    };
    let mut end = i + 6;
    let c = if (0xD800..0xDC00).contains(&hi) {
        let lo = match (b.get(end), b.get(end + 1)) {
            (Some(b'\\'), Some(b'u')) => hex4(b, end + 2).ok(),
            _ => None,
        };
        match lo {
            Some(lo @ 0xDC00..=0xDFFF) => {
                end += 6;
                char::from_u32(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00))
                    .unwrap_or('\u{FFFD}')
            }
            // Not a pair: the next escape, if any, is decoded (and checked) on its own.
            _ => '\u{FFFD}',
        }
    } else {
        char::from_u32(hi).unwrap_or('\u{FFFD}')
    };
    out.push(c);
    Ok(end)
}

/// Four hex digits at `i`, or how many valid digits came before the first bad byte.
fn hex4(b: &[u8], i: usize) -> Result<u32, usize> {
    let mut v = 0u32;
    for k in 0..4 {
        let d = match b.get(i + k) {
            Some(c @ b'0'..=b'9') => c - b'0',
            Some(c @ b'a'..=b'f') => c - b'a' + 10,
            Some(c @ b'A'..=b'F') => c - b'A' + 10,
            _ => return Err(k),
        };
        v = v * 16 + u32::from(d);
    }
    Ok(v)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Node {
        parse_json(text).unwrap_or_else(|e| panic!("{text:?}: {e} at {:?}", e.span))
    }

    fn err(text: &str) -> (String, &str) {
        let e = parse_json(text).expect_err(text);
        let slice = text.get(e.span.start..e.span.end).expect("span in range");
        (e.message, slice)
    }

    fn at(text: &str, span: Span) -> &str {
        &text[span.start..span.end]
    }

    #[test]
    fn spans_of_every_kind_of_node() {
        let t = r#" {"s": "x\"y", "n": -1.5e3, "t": true, "f": false, "z": null, "a": [1, {}], "o": {"k": []}} "#;
        let root = parse(t);
        assert_eq!(at(t, root.span), t.trim());
        let keys: Vec<&str> = root.entries().iter().map(|e| at(t, e.key_span)).collect();
        assert_eq!(
            keys,
            [r#""s""#, r#""n""#, r#""t""#, r#""f""#, r#""z""#, r#""a""#, r#""o""#]
        );
        let vals: Vec<&str> = root.entries().iter().map(|e| at(t, e.value.span)).collect();
        assert_eq!(
            vals,
            [
                r#""x\"y""#,
                "-1.5e3",
                "true",
                "false",
                "null",
                "[1, {}]",
                r#"{"k": []}"#
            ]
        );
        assert_eq!(root.get("s").unwrap().kind, NodeKind::String("x\"y".into()));
        assert_eq!(
            root.get("n").unwrap().kind,
            NodeKind::Number("-1.5e3".into())
        );
        assert_eq!(root.get("t").unwrap().kind, NodeKind::Bool(true));
        assert_eq!(root.get("f").unwrap().kind, NodeKind::Bool(false));
        assert_eq!(root.get("z").unwrap().kind, NodeKind::Null);
        let a = root.get("a").unwrap();
        assert_eq!(at(t, a.items()[0].span), "1");
        assert_eq!(at(t, a.items()[1].span), "{}");
        let o = root.get("o").unwrap();
        assert_eq!(at(t, o.entries()[0].key_span), r#""k""#);
        assert_eq!(at(t, o.entries()[0].value.span), "[]");
        assert!(root.tag.is_none());
    }

    #[test]
    fn scalar_documents() {
        for t in [
            "0", "-0", "12", "1.0e-5", "1E+2", r#""""#, "true", "null", " 7 ",
        ] {
            let n = parse(t);
            assert_eq!(at(t, n.span), t.trim());
        }
        assert_eq!(
            parse("012345678901".get(1..).unwrap()).kind,
            NodeKind::Number("12345678901".into())
        );
    }

    #[test]
    fn spans_are_bytes_after_non_ascii_text() {
        let t = "{\"é€😀\": \"ü\", \"k\": 1}";
        let root = parse(t);
        let e = &root.entries()[0];
        assert_eq!(e.key, "é€😀");
        assert_eq!(at(t, e.key_span), "\"é€😀\"");
        assert_eq!(at(t, e.value.span), "\"ü\"");
        assert_eq!(at(t, root.entries()[1].value.span), "1");
        assert_eq!(root.entries()[1].value.span.start, t.len() - 2);
    }

    #[test]
    fn crlf_and_bom_are_whitespace() {
        let t = "\u{FEFF}{\r\n  \"a\": [\r\n    1\r\n  ]\r\n}\r\n";
        let root = parse(t);
        assert_eq!(root.span.start, 3);
        assert!(at(t, root.span).starts_with('{') && at(t, root.span).ends_with('}'));
        assert_eq!(at(t, root.entries()[0].key_span), "\"a\"");
        assert_eq!(at(t, root.get("a").unwrap().items()[0].span), "1");
        // Only a leading BOM is whitespace.
        assert_eq!(
            err("{}\u{FEFF}").0,
            "trailing characters after the JSON value"
        );
        assert_eq!(err("\u{FEFF}\u{FEFF}1").0, "expected a value, found U+FEFF");
    }

    #[test]
    fn duplicate_keys_are_all_kept() {
        let t = r#"{"AWS": "a", "x": 1, "AWS": "b"}"#;
        let root = parse(t);
        assert_eq!(root.entries().len(), 3);
        let d = root.duplicate_keys();
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].0, "AWS");
        assert_eq!(d[0].1, vec![Span::new(1, 6), Span::new(21, 26)]);
        assert_eq!(root.get("AWS").unwrap().kind, NodeKind::String("b".into()));
        // Keys compare after unescaping.
        let root = parse(r#"{"A": 1, "\u0041": 2}"#);
        assert_eq!(root.duplicate_keys().len(), 1);
    }

    #[test]
    fn escapes_are_decoded() {
        let n = parse(r#""\"\\\/\b\f\n\r\t\u00e9\u20AC\ud83d\ude00""#);
        assert_eq!(n.kind, NodeKind::String("\"\\/\u{8}\u{c}\n\r\té€😀".into()));
    }

    #[test]
    fn lone_surrogates_become_replacement_characters() {
        let s = |t: &str| match parse(t).kind {
            NodeKind::String(s) => s,
            k => panic!("{k:?}"),
        };
        assert_eq!(s(r#""\ud800""#), "\u{FFFD}");
        assert_eq!(s(r#""\udc00x""#), "\u{FFFD}x");
        assert_eq!(s(r#""\ud800\u0041""#), "\u{FFFD}A");
        assert_eq!(s(r#""\ud800\ud800\udc00""#), "\u{FFFD}\u{10000}");
        assert_eq!(s(r#""\ud800\n""#), "\u{FFFD}\n");
        assert_eq!(
            err(r#""\ud800\uzzzz""#),
            (
                "invalid escape `\\uz`: `\\u` needs 4 hex digits".into(),
                "\\uz"
            )
        );
    }

    #[test]
    fn error_messages_and_spans() {
        let cases: &[(&str, &str, &str)] = &[
            ("{\"a\": 1,}", "trailing comma before `}`", ","),
            ("{\"a\": 1 , \n }", "trailing comma before `}`", ","),
            ("[1, 2,]", "trailing comma before `]`", ","),
            ("{\"AWS\": \"a\"\n \"AWS\": \"b\"}", "expected `,` or `}` after object member, found `\"`", "\""),
            ("[1 2]", "expected `,` or `]` after array element, found `2`", "2"),
            ("\"abc", "unterminated string", "\""),
            ("{\"a\": \"abc\\", "unterminated string", "\""),
            ("\"a\\qb\"", "invalid escape `\\q`", "\\q"),
            ("\"a\\éb\"", "invalid escape `\\é`", "\\é"),
            ("\"\\u12\"", "invalid escape `\\u12\"`: `\\u` needs 4 hex digits", "\\u12\""),
            ("\"\\u12", "unterminated string", "\""),
            ("\"a\tb\"", "control character in string", "\t"),
            ("\"ab\ncd\"", "control character in string (a line break: is the closing `\"` missing?)", "\n"),
            ("", "unexpected end of input", ""),
            ("  ", "unexpected end of input", ""),
            ("{", "unexpected end of input", ""),
            ("{\"a\"", "unexpected end of input", ""),
            ("{\"a\":", "unexpected end of input", ""),
            ("[1,", "unexpected end of input", ""),
            ("[", "unexpected end of input", ""),
            ("[]]", "trailing characters after the JSON value", "]"),
            ("{} x", "trailing characters after the JSON value", "x"),
            ("1 2", "trailing characters after the JSON value", "2"),
            ("[1, ]", "trailing comma before `]`", ","),
            ("[,1]", "expected a value, found `,`", ","),
            ("]", "expected a value, found `]`", "]"),
            ("{\"a\": }", "expected a value, found `}`", "}"),
            ("{\"a\" 1}", "expected `:` after object key, found `1`", "1"),
            ("{a: 1}", "expected a quoted object key, found `a`", "a"),
            ("{'a': 1}", "expected a quoted object key, found `'` (JSON strings use double quotes)", "'"),
            ("[True]", "expected a value, found `True`", "True"),
            ("[nul]", "expected a value, found `nul`", "nul"),
            ("[truex]", "expected a value, found `truex`", "truex"),
            ("[NaN]", "expected a value, found `NaN`", "NaN"),
            ("[+1]", "expected a value, found `+`", "+"),
            ("[.5]", "expected a value, found `.`", "."),
            ("[-]", "expected a digit after `-`, found `]`", "]"),
            ("[-x]", "expected a digit after `-`, found `x`", "x"),
            ("-", "unexpected end of input", ""),
            ("[1.]", "expected a digit after the decimal point, found `]`", "]"),
            ("[1e]", "expected a digit in the exponent, found `]`", "]"),
            ("[1e+]", "expected a digit in the exponent, found `]`", "]"),
            ("[1.5x]", "expected `,` or `]` after array element, found `x`", "x"),
            (
                "{\"AWS\": 012345678901}",
                "invalid number `012345678901`: leading zeros are not allowed (an account id must be a string: \"012345678901\")",
                "012345678901",
            ),
            ("[-00]", "invalid number `-00`: leading zeros are not allowed (an account id must be a string: \"-00\")", "-00"),
            ("[1]\u{a0}", "trailing characters after the JSON value", "\u{a0}"),
            ("\u{a0}[1]", "expected a value, found U+00A0", "\u{a0}"),
            ("// c\n{}", "expected a value, found `/`", "/"),
        ];
        for (text, message, slice) in cases {
            let (m, s) = err(text);
            assert_eq!((m.as_str(), s), (*message, *slice), "input {text:?}");
        }
    }

    #[test]
    fn error_spans_point_at_the_right_line() {
        let t = "{\"AWS\": \"a\"\n \"AWS\": \"b\"}";
        let e = parse_json(t).unwrap_err();
        assert_eq!(e.span, Span::new(13, 14));
    }

    #[test]
    fn nesting_is_bounded() {
        let ok = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert!(parse_json(&ok).is_ok());
        let too_deep = format!("{}{}", "[".repeat(MAX_DEPTH + 1), "]".repeat(MAX_DEPTH + 1));
        let e = parse_json(&too_deep).unwrap_err();
        assert_eq!(e.message, "nesting deeper than 256 levels");
        assert_eq!(e.span, Span::new(MAX_DEPTH, MAX_DEPTH + 1));
        let e = parse_json(&"[".repeat(100_000)).unwrap_err();
        assert_eq!(e.message, "nesting deeper than 256 levels");
        let e = parse_json(&"{\"a\":".repeat(100_000)).unwrap_err();
        assert_eq!(e.message, "nesting deeper than 256 levels");
    }

    #[test]
    fn max_depth_fits_in_a_small_stack() {
        let t = format!(
            "{}{}",
            "{\"a\":[".repeat(MAX_DEPTH / 2),
            "]}".repeat(MAX_DEPTH / 2)
        );
        let run = move || parse_json(&t).is_ok();
        let ok = std::thread::Builder::new()
            .stack_size(128 * 1024)
            .spawn(run)
            .unwrap()
            .join()
            .unwrap();
        assert!(ok);
    }

    #[test]
    fn huge_base_offsets_do_not_overflow() {
        assert!(string_literal_map("\"a\\nb\"", usize::MAX).is_some());
    }

    #[test]
    fn long_strings_with_specials_at_every_position() {
        // Exercises the 8-byte scan around each boundary.
        for n in 0..20 {
            let body = "x".repeat(n);
            assert_eq!(
                parse(&format!("\"{body}\"")).kind,
                NodeKind::String(body.clone())
            );
            let t = format!("\"{body}\\n{body}é\"");
            assert_eq!(parse(&t).kind, NodeKind::String(format!("{body}\n{body}é")));
            let t = format!("\"{body}\u{1}\"");
            let (m, s) = err(&t);
            assert_eq!((m.as_str(), s), ("control character in string", "\u{1}"));
        }
    }

    #[test]
    fn string_literal_map_round_trip() {
        let outer = r#"{"KeyPolicy": "{\"Version\": \"2012\",\n\t\"Principal\": {\"AWS\": \"caf\u00e9\", \"AWS\": [\"x\\\"y\", 12]}}"}"#;
        let root = parse(outer);
        let lit = root.get("KeyPolicy").unwrap().span;
        let (inner, map) = string_literal_map(at(outer, lit), lit.start).unwrap();
        assert!(inner.contains("café"));
        let mut node = parse_json(&inner).unwrap();
        node.remap(&|o| map.map(o));
        assert_eq!(at(outer, node.span), &at(outer, lit)[1..lit.len() - 1]);
        let e = node.get_entry("Version").unwrap();
        assert_eq!(at(outer, e.key_span), r#"\"Version\""#);
        assert_eq!(at(outer, e.value.span), r#"\"2012\""#);
        let p = node.get("Principal").unwrap();
        let d = p.duplicate_keys();
        assert_eq!(
            d[0].1.iter().map(|s| at(outer, *s)).collect::<Vec<_>>(),
            [r#"\"AWS\""#; 2]
        );
        assert_eq!(at(outer, p.entries()[0].value.span), r#"\"caf\u00e9\""#);
        let list = p.entries()[1].value.items();
        assert_eq!(at(outer, list[0].span), r#"\"x\\\"y\""#);
        assert_eq!(list[0].kind, NodeKind::String("x\"y".into()));
        assert_eq!(at(outer, list[1].span), "12");
        assert_eq!(at(outer, p.span).len(), at(outer, p.span).trim().len());

        let same = parse_json_in_string(at(outer, lit), lit.start).unwrap();
        assert_eq!(same, node);
    }

    #[test]
    fn errors_inside_a_string_point_into_the_file() {
        let outer = r#"{"Policy": "{\"a\": 1,\n}"}"#;
        let lit = parse(outer).get("Policy").unwrap().span;
        let e = parse_json_in_string(at(outer, lit), lit.start).unwrap_err();
        assert_eq!(e.message, "trailing comma before `}`");
        assert_eq!(at(outer, e.span), ",");
        let outer = r#"["{\"a\": \"\u00e9"]"#;
        let lit = parse(outer).items()[0].span;
        let e = parse_json_in_string(at(outer, lit), lit.start).unwrap_err();
        assert_eq!(e.message, "unterminated string");
        assert_eq!(at(outer, e.span), r#"\""#);
    }

    #[test]
    fn string_literal_map_rejects_non_literals() {
        assert!(string_literal_map("abc", 0).is_none());
        assert!(string_literal_map("\"abc", 0).is_none());
        assert!(string_literal_map("\"a\" ", 0).is_none());
        assert!(string_literal_map("\"a\\q\"", 0).is_none());
        assert!(string_literal_map("", 0).is_none());
        let (s, m) = string_literal_map("\"plain\"", 100).unwrap();
        assert_eq!(s, "plain");
        assert_eq!((m.map(0), m.map(5)), (101, 106));
    }
}
