//! Parse stage: bytes -> one spanned tree type (`Node`) for JSON and YAML. HCL has its own syntax
//! tree (see `hcl`) that extraction walks directly.
//!
//! The tree keeps what a policy reviewer needs and most parsers throw away: every duplicate key (in
//! order, with both spans), the span of every key and value, and YAML tags (`!Sub`, `!Ref`, ...)
//! exactly as written. Scalars keep their source text: `012345678901` stays a string of digits.

#[doc(hidden)]
pub mod differential;
pub mod hcl;
pub mod json;
pub mod yaml;

use crate::base::source::Span;

/// Deepest nesting any parser accepts; deeper input is a parse error, never a stack overflow.
pub const MAX_DEPTH: usize = 256;

#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub kind: NodeKind,
    /// The whole value: for a string, including its quotes; for a map or list, its brackets.
    pub span: Span,
    /// A YAML tag as written, without the leading `!` for local tags: `Sub`, `Ref`, `GetAtt`.
    /// Standard tags (`!!str`) are kept with their handle: `!!str`.
    pub tag: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum NodeKind {
    Null,
    Bool(bool),
    /// A number as written (JSON) — never converted, so account ids keep leading zeros.
    Number(String),
    /// A string, unescaped. YAML plain scalars that look like numbers or booleans are kept as
    /// `Scalar` instead, so no information is lost.
    String(String),
    /// A YAML plain (unquoted) scalar, as written: `true`, `012345678901`, `kms:*`.
    Scalar(String),
    Seq(Vec<Node>),
    Map(Vec<Entry>),
    /// A YAML alias (`*name`): never expanded, so a billion-laughs file stays small.
    Alias(String),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub key: String,
    pub key_span: Span,
    pub value: Node,
}

impl Node {
    pub fn new(kind: NodeKind, span: Span) -> Self {
        Node {
            kind,
            span,
            tag: None,
        }
    }

    pub fn entries(&self) -> &[Entry] {
        match &self.kind {
            NodeKind::Map(entries) => entries,
            _ => &[],
        }
    }

    pub fn items(&self) -> &[Node] {
        match &self.kind {
            NodeKind::Seq(items) => items,
            _ => &[],
        }
    }

    pub fn is_map(&self) -> bool {
        matches!(self.kind, NodeKind::Map(_))
    }

    /// The last value for `key`, as most parsers and CloudFormation keep it.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entries()
            .iter()
            .rev()
            .find(|e| e.key == key)
            .map(|e| &e.value)
    }

    pub fn get_entry(&self, key: &str) -> Option<&Entry> {
        self.entries().iter().rev().find(|e| e.key == key)
    }

    /// The text of a string-like scalar (string, plain scalar, number, bool).
    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            NodeKind::String(s) | NodeKind::Scalar(s) | NodeKind::Number(s) => Some(s),
            NodeKind::Bool(true) => Some("true"),
            NodeKind::Bool(false) => Some("false"),
            _ => None,
        }
    }

    /// Keys that occur more than once in this map: (key, span of each occurrence), in order.
    pub fn duplicate_keys(&self) -> Vec<(&str, Vec<Span>)> {
        let entries = self.entries();
        let mut out: Vec<(&str, Vec<Span>)> = Vec::new();
        for (i, e) in entries.iter().enumerate() {
            if entries[..i].iter().any(|p| p.key == e.key) {
                continue;
            }
            let spans: Vec<Span> = entries[i..]
                .iter()
                .filter(|o| o.key == e.key)
                .map(|o| o.key_span)
                .collect();
            if spans.len() > 1 {
                out.push((&e.key, spans));
            }
        }
        out
    }

    /// Moves every span through `f` (positions in a decoded string -> positions in the file).
    pub fn remap(&mut self, f: &impl Fn(usize) -> usize) {
        self.span = Span::new(f(self.span.start), f(self.span.end));
        match &mut self.kind {
            NodeKind::Seq(items) => items.iter_mut().for_each(|n| n.remap(f)),
            NodeKind::Map(entries) => {
                for e in entries {
                    e.key_span = Span::new(f(e.key_span.start), f(e.key_span.end));
                    e.value.remap(f);
                }
            }
            _ => {}
        }
    }
}

/// A located parse failure. `span` is where the parser stopped (often empty).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ParseError {
    pub message: String,
    pub span: Span,
}

impl ParseError {
    pub fn new(message: impl Into<String>, span: Span) -> Self {
        ParseError {
            message: message.into(),
            span,
        }
    }
}

/// Maps positions in a decoded string (a JSON string's value, a heredoc with its indentation
/// stripped) back to byte offsets in the file. Built from runs of bytes that are copied verbatim.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OffsetMap {
    /// (decoded offset, file offset) at the start of each verbatim run, sorted by decoded offset.
    runs: Vec<(usize, usize)>,
}

impl OffsetMap {
    /// A decoded string that is a verbatim copy of the file starting at `file_offset`.
    pub fn shifted(file_offset: usize) -> Self {
        OffsetMap {
            runs: vec![(0, file_offset)],
        }
    }

    /// Starts a verbatim run: decoded position `decoded` is file position `file`.
    pub fn push(&mut self, decoded: usize, file: usize) {
        if let Some(last) = self.runs.last_mut() {
            if last.0 == decoded {
                *last = (decoded, file);
                return;
            }
        }
        self.runs.push((decoded, file));
    }

    pub fn map(&self, decoded: usize) -> usize {
        let i = match self.runs.binary_search_by(|r| r.0.cmp(&decoded)) {
            Ok(i) => i,
            Err(0) => return decoded,
            Err(i) => i - 1,
        };
        let (d, f) = self.runs[i];
        f + (decoded - d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offset_map_follows_runs() {
        let mut m = OffsetMap::shifted(10);
        m.push(5, 20);
        assert_eq!(m.map(0), 10);
        assert_eq!(m.map(4), 14);
        assert_eq!(m.map(5), 20);
        assert_eq!(m.map(7), 22);
    }

    #[test]
    fn duplicate_keys_are_listed_once_with_every_span() {
        let e = |k: &str, s| Entry {
            key: k.into(),
            key_span: Span::new(s, s + 1),
            value: Node::new(NodeKind::Null, Span::new(s, s + 1)),
        };
        let n = Node::new(
            NodeKind::Map(vec![e("AWS", 1), e("x", 3), e("AWS", 5)]),
            Span::new(0, 9),
        );
        let d = n.duplicate_keys();
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].0, "AWS");
        assert_eq!(d[0].1, vec![Span::new(1, 2), Span::new(5, 6)]);
        assert_eq!(n.get("AWS").map(|v| v.span.start), Some(5));
    }
}
