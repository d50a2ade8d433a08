//! HCL (Terraform `.tf`, `.tfvars`) through hcl-edit's span-keeping syntax tree.
//!
//! Extraction walks hcl-edit's `Body`/`Expression` directly; this module adds what hcl-edit does
//! not give: located `ParseError`s, and the decoded text of template literals together with an
//! `OffsetMap` back into the file. hcl-edit does decode literals itself, but its decoded strings
//! lose the link to the file (escapes, `$${`, heredoc indentation), so we decode the raw slice.

use super::{OffsetMap, ParseError};
use crate::base::source::Span;
use hcl_edit::template::{Element, HeredocTemplate, Template};

pub use hcl_edit::expr::Expression;
pub use hcl_edit::structure::{Attribute, Block, Body};

/// Parses a whole `.tf` or `.tfvars` file.
///
/// Terraform accepts two things hcl-edit rejects: a UTF-8 byte order mark, and a key repeated in
/// an object constructor (`{ AWS = "a", AWS = "b" }`: the last one wins, silently, which is why a
/// policy linter must see both). Both are handled by parsing a copy of the text in which the BOM
/// is blanked and each repeated key has one ASCII character changed, so every span stays valid
/// for the original text. Callers must therefore read object key names from the original text
/// at the key's span (`object_key_name`), never from the tree.
pub fn parse_hcl(text: &str) -> Result<Body, ParseError> {
    let mut copy: Option<Vec<u8>> = None;
    if text.starts_with('\u{feff}') {
        let mut b = text.as_bytes().to_vec();
        b.splice(0..3, *b"   ");
        copy = Some(b);
    }
    // Each retry changes one byte and parses the whole text again, so the retries are bounded
    // (a file with thousands of repeated keys would otherwise take quadratic time).
    let retries = MAX_REPEATED_KEYS.min(text.len().saturating_add(1));
    let mut tried: Vec<(usize, u8)> = Vec::new();
    for _ in 0..retries {
        let current = match &copy {
            Some(b) => std::str::from_utf8(b).unwrap_or(text),
            None => text,
        };
        let err = match hcl_edit::parser::parse_body(current) {
            Ok(body) => return Ok(body),
            Err(e) => e,
        };
        if !err.message().contains("redefined object key") {
            return Err(convert_error(text, &err));
        }
        let at = err.location().offset();
        let bytes = current.as_bytes();
        // The error points at the repeated key: an identifier or a quoted string.
        let target = match bytes.get(at) {
            Some(b'"') => at + 1,
            _ => at,
        };
        let ok = bytes
            .get(target)
            .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_' || *b == b'-');
        let next = tried.iter().filter(|(o, _)| *o == target).count();
        let replacement = REPLACEMENTS.get(next).copied();
        let (true, Some(r)) = (ok, replacement) else {
            return Err(convert_error(text, &err));
        };
        tried.push((target, r));
        let mut b = copy.take().unwrap_or_else(|| text.as_bytes().to_vec());
        if let Some(slot) = b.get_mut(target) {
            *slot = r;
        }
        copy = Some(b);
    }
    let at = tried.last().map_or(0, |(o, _)| *o);
    Err(ParseError::new(
        format!("more than {MAX_REPEATED_KEYS} repeated object keys (a kmslint limit)"),
        Span::new(at, at),
    ))
}

/// One top-level block of a `.tf` file as the byte scan sees it: its type, its labels as
/// written (without quotes, escapes left as they are) and its byte range.
#[derive(Debug, PartialEq, Eq)]
pub struct TopBlock<'a> {
    pub ident: &'a str,
    pub labels: Vec<&'a str>,
    pub range: std::ops::Range<usize>,
}

/// Deepest nesting of braces, strings and heredocs the block scan follows before giving up.
const MAX_SCAN_DEPTH: usize = 4096;

/// Finds the top-level blocks of a `.tf` file with a byte scan that follows only what can hide
/// a brace: comments, quoted strings, template interpolations and directives, heredocs. Linear
/// and allocation-light, it lets the extractor parse only the blocks a key policy can depend
/// on. `None` when the text holds anything the scan does not expect (a top-level attribute, an
/// unbalanced brace, an unterminated string): the caller then parses the whole file.
pub fn top_level_blocks(text: &str) -> Option<Vec<TopBlock<'_>>> {
    let b = text.as_bytes();
    let mut i = 0;
    let mut out = Vec::new();
    loop {
        i = skip_trivia(b, i)?;
        if i >= b.len() {
            return Some(out);
        }
        let start = i;
        let end = ident_end(b, i)?;
        let ident = text.get(i..end)?;
        i = end;
        let mut labels = Vec::new();
        loop {
            i = skip_blanks(b, i);
            match b.get(i)? {
                b'{' => break,
                b'"' => {
                    let close = quoted_label_end(b, i + 1)?;
                    labels.push(text.get(i + 1..close)?);
                    i = close + 1;
                }
                _ => {
                    let end = ident_end(b, i)?;
                    labels.push(text.get(i..end)?);
                    i = end;
                }
            }
        }
        i = block_end(b, i)?;
        out.push(TopBlock {
            ident,
            labels,
            range: start..i,
        });
    }
}

/// Spaces, newlines and comments.
fn skip_trivia(b: &[u8], mut i: usize) -> Option<usize> {
    loop {
        match (b.get(i), b.get(i + 1)) {
            (Some(b' ' | b'\t' | b'\r' | b'\n'), _) => i += 1,
            (Some(b'#'), _) | (Some(b'/'), Some(b'/')) => i = line_end(b, i),
            (Some(b'/'), Some(b'*')) => i = comment_end(b, i + 2)?,
            _ => return Some(i),
        }
    }
}

/// Spaces and tabs within a block header.
fn skip_blanks(b: &[u8], mut i: usize) -> usize {
    while matches!(b.get(i), Some(b' ' | b'\t')) {
        i += 1;
    }
    i
}

/// The offset of the `\n` ending the line at `i` (or the end of the text).
fn line_end(b: &[u8], i: usize) -> usize {
    b.get(i..)
        .and_then(|rest| memchr::memchr(b'\n', rest))
        .map_or(b.len(), |p| i + p)
}

/// Just past the `*/` closing a comment whose body starts at `i`.
fn comment_end(b: &[u8], i: usize) -> Option<usize> {
    memchr::memmem::find(b.get(i..)?, b"*/").map(|p| i + p + 2)
}

/// The end of an identifier starting at `i` (HCL: a letter or `_`, then letters, digits, `_`,
/// `-`); `None` if none starts there.
fn ident_end(b: &[u8], i: usize) -> Option<usize> {
    let first = *b.get(i)?;
    if !(first.is_ascii_alphabetic() || first == b'_') {
        return None;
    }
    let mut j = i + 1;
    while b
        .get(j)
        .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_' || *c == b'-')
    {
        j += 1;
    }
    Some(j)
}

/// The closing quote of a block label whose text starts at `i`.
fn quoted_label_end(b: &[u8], mut i: usize) -> Option<usize> {
    loop {
        match b.get(i)? {
            b'\\' => i += 2,
            b'"' => return Some(i),
            b'\n' => return None,
            _ => i += 1,
        }
    }
}

/// Where the scan is inside a block body.
#[derive(Clone, Copy)]
enum Ctx<'a> {
    /// Between braces: the block body, an object, an interpolation or a directive.
    Code,
    /// A quoted template.
    Quoted,
    /// A heredoc template, closed by a line holding only `marker`.
    Heredoc(&'a [u8]),
}

/// Bytes that cannot change the scan's state, per context.
const PLAIN_IN_CODE: [bool; 256] = plain_except(b"{}\"#/<");
const PLAIN_IN_QUOTED: [bool; 256] = plain_except(b"\\\"\n$%");
const PLAIN_IN_HEREDOC: [bool; 256] = plain_except(b"\n$%");

const fn plain_except(special: &[u8]) -> [bool; 256] {
    let mut t = [true; 256];
    let mut i = 0;
    while i < special.len() {
        t[special[i] as usize] = false;
        i += 1;
    }
    t
}

/// Just past the `}` matching the `{` at `open`.
fn block_end(b: &[u8], open: usize) -> Option<usize> {
    let mut stack = vec![Ctx::Code];
    let mut i = open + 1;
    while let Some(&ctx) = stack.last() {
        if stack.len() > MAX_SCAN_DEPTH {
            return None;
        }
        // Most bytes mean nothing to the scan: skip runs of them at once.
        let plain = match ctx {
            Ctx::Code => &PLAIN_IN_CODE,
            Ctx::Quoted => &PLAIN_IN_QUOTED,
            Ctx::Heredoc(_) => &PLAIN_IN_HEREDOC,
        };
        // (A heredoc line is first checked for the closing marker, below.)
        let line_start = i == 0 || b.get(i - 1) == Some(&b'\n');
        if !(matches!(ctx, Ctx::Heredoc(_)) && line_start) {
            while b.get(i).is_some_and(|c| plain[usize::from(*c)]) {
                i += 1;
            }
        }
        let c = *b.get(i)?;
        let next = b.get(i + 1).copied();
        match ctx {
            Ctx::Code => match (c, next) {
                (b'{', _) => {
                    stack.push(Ctx::Code);
                    i += 1;
                }
                (b'}', _) => {
                    stack.pop();
                    i += 1;
                }
                (b'"', _) => {
                    stack.push(Ctx::Quoted);
                    i += 1;
                }
                (b'#', _) | (b'/', Some(b'/')) => i = line_end(b, i),
                (b'/', Some(b'*')) => i = comment_end(b, i + 2)?,
                (b'<', Some(b'<')) => match heredoc_header(b, i + 2) {
                    Some((marker, body)) => {
                        stack.push(Ctx::Heredoc(marker));
                        i = body;
                    }
                    None => i += 2,
                },
                _ => i += 1,
            },
            Ctx::Quoted => match (c, next) {
                (b'\\', _) => i += 2,
                (b'"', _) => {
                    stack.pop();
                    i += 1;
                }
                (b'\n', _) => return None,
                (b'$' | b'%', Some(n)) if n == c && b.get(i + 2) == Some(&b'{') => i += 3,
                (b'$' | b'%', Some(b'{')) => {
                    stack.push(Ctx::Code);
                    i += 2;
                }
                _ => i += 1,
            },
            Ctx::Heredoc(marker) => {
                if line_start {
                    let at = skip_blanks(b, i);
                    if b.get(at..at + marker.len()) == Some(marker) {
                        let after = skip_blanks(b, at + marker.len());
                        if matches!(b.get(after), None | Some(b'\n' | b'\r')) {
                            stack.pop();
                            i = at + marker.len();
                            continue;
                        }
                    }
                }
                match (c, next) {
                    (b'$' | b'%', Some(n)) if n == c && b.get(i + 2) == Some(&b'{') => i += 3,
                    (b'$' | b'%', Some(b'{')) => {
                        stack.push(Ctx::Code);
                        i += 2;
                    }
                    _ => i += 1,
                }
            }
        }
    }
    Some(i)
}

/// After `<<`: an optional `-`, the marker, then the end of the line. Returns the marker and
/// where the heredoc's first line starts.
fn heredoc_header(b: &[u8], mut i: usize) -> Option<(&[u8], usize)> {
    if b.get(i) == Some(&b'-') {
        i += 1;
    }
    let end = ident_end(b, i)?;
    let marker = b.get(i..end)?;
    let mut j = skip_blanks(b, end);
    if b.get(j) == Some(&b'\r') {
        j += 1;
    }
    (b.get(j) == Some(&b'\n')).then_some((marker, j + 1))
}

/// A copy of `text` in which every top-level block that `keep` refuses is blanked into comments
/// of the same length (each line `#` and spaces, the block's newlines kept), so the kept blocks
/// parse with their offsets unchanged and the parser skips each blank line in one search.
/// `None` when nothing would be blanked or the block scan gives up.
pub fn blank_blocks(text: &str, keep: impl Fn(&TopBlock) -> bool) -> Option<String> {
    let blocks = top_level_blocks(text)?;
    let drop: Vec<&TopBlock> = blocks.iter().filter(|blk| !keep(blk)).collect();
    blank(text, &drop)
}

fn blank(text: &str, drop: &[&TopBlock]) -> Option<String> {
    if drop.is_empty() {
        return None;
    }
    let mut bytes = text.as_bytes().to_vec();
    for blk in drop {
        let blank = bytes.get_mut(blk.range.clone())?;
        // Each line of the blank becomes a `#` comment (a block starts with its type name, so
        // the first byte is not a newline).
        let mut line_start = true;
        for c in blank.iter_mut() {
            if *c != b'\n' {
                *c = if line_start { b'#' } else { b' ' };
            }
            line_start = *c == b'\n';
        }
    }
    // Whole blocks were replaced, byte for byte, by ASCII: still UTF-8.
    String::from_utf8(bytes).ok()
}

/// Parses `text` with the top-level blocks `keep` refuses blanked (see `blank_blocks`). `None`
/// when nothing was blanked, when what is left does not parse, or when the parse disagrees with
/// the scan: its blocks must be exactly the kept ones, each starting where the scan found it.
pub fn parse_hcl_keeping(text: &str, keep: impl Fn(&TopBlock) -> bool) -> Option<Body> {
    parse_hcl_keeping_blocks(text, &top_level_blocks(text)?, keep)
}

/// `parse_hcl_keeping` with the top-level blocks of `text` already found.
pub fn parse_hcl_keeping_blocks(
    text: &str,
    blocks: &[TopBlock<'_>],
    keep: impl Fn(&TopBlock) -> bool,
) -> Option<Body> {
    let (kept, drop): (Vec<&TopBlock>, Vec<&TopBlock>) = blocks.iter().partition(|b| keep(b));
    let blanked = blank(text, &drop)?;
    let body = parse_hcl(&blanked).ok()?;
    let starts: Vec<Option<usize>> = body
        .blocks()
        .map(|b| span_of(&b.ident).map(|s| s.start))
        .collect();
    let expected: Vec<Option<usize>> = kept.iter().map(|b| Some(b.range.start)).collect();
    (body.attributes().next().is_none() && starts == expected).then_some(body)
}

/// Most repeated object keys (`{ AWS = "a", AWS = "b" }`) one file may hold.
pub const MAX_REPEATED_KEYS: usize = 256;

/// Stand-in first characters for repeated object keys (valid identifier starts).
const REPLACEMENTS: &[u8] = b"QZXJKVWYqzxjkvwyABCDEFGHILMNOPRSTU";

/// The name of an object key as written in `src` (see `parse_hcl`): an identifier, or the decoded
/// text of a plain quoted string. `None` for other key expressions.
pub fn object_key_name(src: &str, key: &hcl_edit::expr::ObjectKey) -> Option<String> {
    use hcl_edit::expr::ObjectKey;
    let span = span_of(key)?;
    match key {
        ObjectKey::Ident(_) => src.get(span.start..span.end).map(str::to_string),
        ObjectKey::Expression(Expression::String(_)) => {
            string_piece(src, span).map(|l| l.decoded())
        }
        ObjectKey::Expression(_) => None,
    }
}

/// Parses the text of a template file (`templatefile()`): literal text with `${...}`.
pub fn parse_template(text: &str) -> Result<Template, ParseError> {
    hcl_edit::parser::parse_template(text).map_err(|e| convert_error(text, &e))
}

fn convert_error(text: &str, e: &hcl_edit::parser::Error) -> ParseError {
    // hcl-edit clamps the offset to the last byte; it is a byte offset already.
    let start = e.location().offset().min(text.len());
    let end = text
        .get(start..)
        .and_then(|rest| rest.chars().next())
        .map_or(start, |c| start + c.len_utf8());
    ParseError::new(
        format!(
            "invalid HCL: {} (line {}, column {})",
            e.message(),
            e.location().line(),
            e.location().column()
        ),
        Span::new(start, end),
    )
}

/// The byte span hcl-edit recorded for a node (absent only for nodes built in code).
pub fn span_of(node: &impl hcl_edit::Span) -> Option<Span> {
    node.span().map(|r| Span::new(r.start, r.end))
}

/// Appends the decoded text of a quoted-string literal (`raw` is the file text at `base`, without
/// quotes) to `out`, recording in `map` where each verbatim run came from.
pub fn decode_quoted_into(raw: &str, base: usize, out: &mut String, map: &mut OffsetMap) {
    let mut chars = raw.char_indices().peekable();
    map.push(out.len(), base);
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => {
                let Some(&(_, e)) = chars.peek() else {
                    out.push('\\');
                    continue;
                };
                chars.next();
                let decoded = match e {
                    'n' => Some('\n'),
                    'r' => Some('\r'),
                    't' => Some('\t'),
                    '\\' => Some('\\'),
                    '"' => Some('"'),
                    'u' | 'U' => {
                        let n = if e == 'u' { 4 } else { 8 };
                        let hex: String = raw.get(i + 2..).unwrap_or("").chars().take(n).collect();
                        let ch = u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32);
                        if ch.is_some() {
                            for _ in 0..n {
                                chars.next();
                            }
                        }
                        ch
                    }
                    _ => None,
                };
                match decoded {
                    Some(d) => out.push(d),
                    None => {
                        out.push('\\');
                        out.push(e);
                    }
                }
                let next = chars.peek().map_or(raw.len(), |&(j, _)| j);
                map.push(out.len(), base + next);
            }
            '$' | '%'
                if raw
                    .get(i + 1..)
                    .is_some_and(|r| r.starts_with(c) && r[c.len_utf8()..].starts_with('{')) =>
            {
                // `$${` is a literal `${`; `%%{` a literal `%{`.
                chars.next();
                out.push(c);
                let next = chars.peek().map_or(raw.len(), |&(j, _)| j);
                map.push(out.len(), base + next);
            }
            _ => out.push(c),
        }
    }
}

/// Appends the decoded text of one heredoc literal. `indent` is the number of leading whitespace
/// characters `<<-` strips from each line; `at_line_start` says whether `raw` begins a line.
pub fn decode_heredoc_into(
    raw: &str,
    base: usize,
    indent: Option<usize>,
    mut at_line_start: bool,
    out: &mut String,
    map: &mut OffsetMap,
) {
    let mut pos = 0;
    map.push(out.len(), base);
    for line in raw.split_inclusive('\n') {
        let mut start = 0;
        if let (Some(n), true) = (indent, at_line_start) {
            // hcl-edit strips n whitespace characters of non-empty lines (util::dedent_by).
            for (k, (j, ch)) in line.char_indices().enumerate() {
                if k >= n || !ch.is_whitespace() || ch == '\n' || ch == '\r' {
                    start = j;
                    break;
                }
                start = j + ch.len_utf8();
            }
        }
        map.push(out.len(), base + pos + start);
        let body = line.get(start..).unwrap_or("");
        decode_markers_into(body, base + pos + start, out, map);
        pos += line.len();
        at_line_start = line.ends_with('\n');
    }
}

fn decode_markers_into(raw: &str, base: usize, out: &mut String, map: &mut OffsetMap) {
    let mut i = 0;
    while let Some(rel) = raw.get(i..).and_then(|r| r.find(['$', '%'])) {
        let at = i + rel;
        let rest = raw.get(at..).unwrap_or("");
        if rest.starts_with("$${") || rest.starts_with("%%{") {
            out.push_str(raw.get(i..=at).unwrap_or(""));
            i = at + 2;
            map.push(out.len(), base + i);
        } else {
            out.push_str(raw.get(i..=at).unwrap_or(""));
            i = at + 1;
        }
    }
    out.push_str(raw.get(i..).unwrap_or(""));
}

/// One literal run of a template, still raw: `decode_into` appends its decoded text and records
/// where it came from, so several pieces can build one text with one `OffsetMap`.
#[derive(Clone, Copy, Debug)]
pub struct Lit<'a> {
    raw: &'a str,
    base: usize,
    style: LitStyle,
}

#[derive(Clone, Copy, Debug)]
enum LitStyle {
    /// Inside `"..."`: backslash escapes and `$${`.
    Quoted,
    /// A heredoc line run: `$${` and `<<-` indentation.
    Heredoc {
        indent: Option<usize>,
        at_line_start: bool,
    },
    /// A template file or text already decoded: only `$${`.
    Template,
    /// Text hcl-edit decoded without a span: copied as is.
    Verbatim,
}

impl<'a> Lit<'a> {
    pub fn decode_into(&self, out: &mut String, map: &mut OffsetMap) {
        match self.style {
            LitStyle::Quoted => decode_quoted_into(self.raw, self.base, out, map),
            LitStyle::Heredoc {
                indent,
                at_line_start,
            } => decode_heredoc_into(self.raw, self.base, indent, at_line_start, out, map),
            LitStyle::Template => {
                map.push(out.len(), self.base);
                decode_markers_into(self.raw, self.base, out, map);
            }
            LitStyle::Verbatim => {
                map.push(out.len(), self.base);
                out.push_str(self.raw);
            }
        }
    }

    pub fn decoded(&self) -> String {
        let mut out = String::new();
        self.decode_into(&mut out, &mut OffsetMap::default());
        out
    }
}

/// A template's pieces in order: a literal, or an interpolation / directive to evaluate.
#[derive(Clone, Copy, Debug)]
pub enum Piece<'a> {
    Lit(Lit<'a>),
    Interp {
        expr: &'a Expression,
        span: Span,
    },
    Directive {
        d: &'a hcl_edit::template::Directive,
        span: Span,
    },
}

fn lit<'a>(src: &'a str, l: &'a hcl_edit::Spanned<String>, style: LitStyle) -> Lit<'a> {
    match span_of(l).and_then(|s| src.get(s.start..s.end).map(|r| (s, r))) {
        Some((s, raw)) => Lit {
            raw,
            base: s.start,
            style,
        },
        None => Lit {
            raw: l.value(),
            base: 0,
            style: LitStyle::Verbatim,
        },
    }
}

fn other_piece(el: &Element) -> Option<Piece<'_>> {
    match el {
        Element::Literal(_) => None,
        Element::Interpolation(i) => Some(Piece::Interp {
            expr: &i.expr,
            span: span_of(i).unwrap_or_default(),
        }),
        Element::Directive(d) => Some(Piece::Directive {
            d,
            span: directive_span(d),
        }),
    }
}

/// Walks a quoted string template's elements; `src` is the text the template was parsed from.
pub fn quoted_pieces<'a>(
    src: &'a str,
    t: &'a hcl_edit::template::StringTemplate,
) -> Vec<Piece<'a>> {
    t.iter()
        .filter_map(|el| match el {
            Element::Literal(l) => Some(Piece::Lit(lit(src, l, LitStyle::Quoted))),
            other => other_piece(other),
        })
        .collect()
}

/// A plain quoted string (no interpolation) as one literal piece; `span` includes the quotes.
pub fn string_piece(src: &str, span: Span) -> Option<Lit<'_>> {
    let inner = Span::new(span.start + 1, span.end.saturating_sub(1));
    src.get(inner.start..inner.end).map(|raw| Lit {
        raw,
        base: inner.start,
        style: LitStyle::Quoted,
    })
}

/// Walks a heredoc's elements; `<<-` indentation is stripped with the same rule as hcl-edit.
pub fn heredoc_pieces<'a>(src: &'a str, h: &'a HeredocTemplate) -> Vec<Piece<'a>> {
    let mut out = Vec::new();
    let mut at_line_start = true;
    for el in h.template.iter() {
        match el {
            Element::Literal(l) => {
                let style = LitStyle::Heredoc {
                    indent: h.indent(),
                    at_line_start,
                };
                let piece = lit(src, l, style);
                at_line_start = piece.raw.ends_with('\n');
                out.push(Piece::Lit(piece));
            }
            other => {
                at_line_start = false;
                out.extend(other_piece(other));
            }
        }
    }
    out
}

/// Template-file pieces (`templatefile()`): literals are verbatim apart from `$${`/`%%{`.
pub fn template_pieces<'a>(src: &'a str, t: &'a Template) -> Vec<Piece<'a>> {
    t.iter()
        .filter_map(|el| match el {
            Element::Literal(l) => Some(Piece::Lit(lit(src, l, LitStyle::Template))),
            other => other_piece(other),
        })
        .collect()
}

fn directive_span(d: &hcl_edit::template::Directive) -> Span {
    use hcl_edit::template::Directive;
    match d {
        Directive::If(i) => span_of(i).unwrap_or_default(),
        Directive::For(f) => span_of(f).unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decoded(pieces: &[Piece]) -> String {
        pieces
            .iter()
            .map(|p| match p {
                Piece::Lit(l) => l.decoded(),
                _ => "@".to_string(),
            })
            .collect()
    }

    #[test]
    fn parse_error_has_a_byte_span() {
        // Multi-byte text before the error: the span must still be in bytes.
        let text = "# é\nresource \"a\" \"b\" {\n  x = ]\n}\n";
        let e = parse_hcl(text).err();
        let e = e.as_ref().map(|e| e.span.start);
        assert_eq!(e, text.find(']'));
    }

    #[test]
    fn repeated_object_keys_and_bom_are_accepted_like_terraform() -> Result<(), String> {
        let text = "\u{feff}a = { AWS = 1, \"AWS\" = 2, AWS = 3, \"AWS\" = 4 }\n";
        let body = parse_hcl(text).map_err(|e| e.to_string())?;
        let obj = body
            .get_attribute("a")
            .and_then(|a| a.value.as_object())
            .ok_or("no object")?;
        let names: Vec<Option<String>> =
            obj.iter().map(|(k, _)| object_key_name(text, k)).collect();
        let aws = Some("AWS".to_string());
        assert_eq!(names, [aws.clone(), aws.clone(), aws.clone(), aws]);
        Ok(())
    }

    #[test]
    fn repeated_attribute_is_a_parse_error() {
        assert!(parse_hcl("a = 1\na = 2\n").is_err());
    }

    #[test]
    fn quoted_escapes_map_back_to_the_file() {
        let raw = r#"a\"b$${c}\u00e9d"#;
        let mut out = String::new();
        let mut map = OffsetMap::default();
        decode_quoted_into(raw, 100, &mut out, &mut map);
        assert_eq!(out, "a\"b${c}éd");
        for ch in ['b', 'c', 'd'] {
            let at = out.find(ch).unwrap_or(0);
            assert_eq!(map.map(at), 100 + raw.find(ch).unwrap_or(0), "{ch}");
        }
    }

    #[test]
    fn indented_heredoc_maps_each_line() -> Result<(), String> {
        let text = "x = <<-EOT\n    {\"a\": \"${var.q}\",\n      \"b\": \"$${c}\"}\n    EOT\n";
        let body = parse_hcl(text).map_err(|e| e.to_string())?;
        let attr = body.get_attribute("x").ok_or("no x")?;
        let h = attr.value.as_heredoc_template().ok_or("no heredoc")?;
        let pieces = heredoc_pieces(text, h);
        assert_eq!(decoded(&pieces), "{\"a\": \"@\",\n  \"b\": \"${c}\"}\n");
        let mut out = String::new();
        let mut map = OffsetMap::default();
        for p in &pieces {
            match p {
                Piece::Lit(l) => l.decode_into(&mut out, &mut map),
                _ => out.push('@'),
            }
        }
        for needle in ["\"b\"", "c}", "{\"a"] {
            let at = out.find(needle).unwrap_or(0);
            assert_eq!(map.map(at), text.find(needle).unwrap_or(0), "{needle}");
        }
        Ok(())
    }

    fn blocks(text: &str) -> Option<Vec<(String, Vec<String>, String)>> {
        top_level_blocks(text).map(|bs| {
            bs.into_iter()
                .map(|b| {
                    (
                        b.ident.to_string(),
                        b.labels.iter().map(|l| l.to_string()).collect(),
                        text.get(b.range).unwrap_or("").to_string(),
                    )
                })
                .collect()
        })
    }

    #[test]
    fn block_scan_follows_strings_templates_heredocs_and_comments() {
        let text = r#"# a comment with { and "
// another }
/* block { comment */
resource "aws_s3_bucket" "b" {
  tags = { Name = "x}${var.a["}"]}%{ if true }{%{ endif }" }
  esc  = "$${not} %%{not} \"}\" \\"
  doc  = <<-EOT
    } not a brace ${ "}" }
    EOTX is not the end
    EOT
  raw = <<EOF
}
EOF
}
data aws_iam_policy_document doc {}
locals {
  a = "b" # }
}
"#;
        let bs = blocks(text).unwrap_or_default();
        let names: Vec<(&str, Vec<&str>)> = bs
            .iter()
            .map(|(i, l, _)| (i.as_str(), l.iter().map(String::as_str).collect()))
            .collect();
        assert_eq!(
            names,
            vec![
                ("resource", vec!["aws_s3_bucket", "b"]),
                ("data", vec!["aws_iam_policy_document", "doc"]),
                ("locals", vec![]),
            ]
        );
        assert!(bs[0].2.starts_with("resource") && bs[0].2.ends_with("EOF\n}"));
        assert_eq!(bs[1].2, "data aws_iam_policy_document doc {}");
        assert!(bs[2].2.ends_with("# }\n}"));
    }

    #[test]
    fn block_scan_gives_up_on_what_it_does_not_expect() {
        // A top-level attribute (tfvars-like), unbalanced braces, an unterminated string or
        // heredoc, a newline in a quoted string: the caller parses the whole file instead.
        for text in [
            "a = 1\n",
            "resource \"x\" \"y\" {\n",
            "resource \"x\" \"y\" { a = \"}\n}\n",
            "resource \"x\" \"y\" { a = <<EOT\n}\n",
            "resource \"x\" \"y\" { a = \"${\"}\" }\n",
            "/* unterminated",
            "resource \"x\" \"y\" } {",
        ] {
            assert_eq!(blocks(text), None, "{text:?}");
        }
        assert_eq!(blocks("\n# only a comment\n"), Some(vec![]));
    }

    #[test]
    fn blanked_blocks_keep_every_offset_of_the_kept_ones() -> Result<(), String> {
        let text = "resource \"aws_s3_bucket\" \"b\" {\n  bucket = \"é}\"\n}\r\nresource \"aws_kms_key\" \"k\" {\n  description = \"kept\"\n}\n";
        let blanked = blank_blocks(text, |b| b.labels.first() == Some(&"aws_kms_key"))
            .ok_or("nothing blanked")?;
        assert_eq!(blanked.len(), text.len());
        assert_eq!(
            blanked.matches('\n').count(),
            text.matches('\n').count(),
            "lines are kept"
        );
        let at = text.find("resource \"aws_kms_key\"").unwrap_or(0);
        assert_eq!(
            blanked.get(at..),
            text.get(at..),
            "the kept block is untouched"
        );
        assert!(blanked.starts_with("# ") && !blanked.contains("aws_s3_bucket"));
        let body = parse_hcl(&blanked).map_err(|e| e.to_string())?;
        let blocks: Vec<&Block> = body.blocks().collect();
        assert_eq!(blocks.len(), 1);
        let desc = blocks[0]
            .body
            .get_attribute("description")
            .and_then(|a| span_of(&a.value))
            .ok_or("no span")?;
        assert_eq!(text.get(desc.start..desc.end), Some("\"kept\""));
        // The checked parse gives the same single block.
        let kept = parse_hcl_keeping(text, |b| b.labels.first() == Some(&"aws_kms_key"))
            .ok_or("the reduced parse was refused")?;
        let starts: Vec<Option<Span>> = kept.blocks().map(|b| span_of(&b.ident)).collect();
        assert_eq!(starts, vec![Some(Span::new(at, at + "resource".len()))]);
        // Nothing to blank: no copy.
        assert_eq!(blank_blocks(text, |_| true), None);
        Ok(())
    }
}
