//! The builder: saphyr-parser's event stream folded into spanned `Node`s with an explicit stack.

use super::aliases::{self, Anchors};
use super::lenient::closing_quote;
use crate::base::limits::MAX_DOCUMENT_VALUES;
use crate::base::source::Span;
use crate::parse::{Entry, Node, NodeKind, ParseError, MAX_DEPTH};
use saphyr_parser::{Event, Parser, ScalarStyle, ScanError, Tag};

/// A collection being built.
struct Frame {
    /// Where the node's span starts: its tag when it has one (`!Join [...]` is one value).
    span_start: usize,
    /// Byte offset of the collection's first character (after tag and anchor).
    start: usize,
    tag: Option<String>,
    /// `[` or `{`: the end event's span ends at the closing bracket.
    flow: bool,
    /// saphyr's anchor id (`&name`), 0 when there is none.
    anchor: usize,
    body: Body,
}

enum Body {
    Seq(Vec<Node>),
    Map {
        entries: Vec<Entry>,
        /// The key waiting for its value, and whether it is a merge key (a plain `<<`).
        key: Option<(String, Span, bool)>,
        /// Indexes of the merge-key entries.
        merges: Vec<usize>,
    },
}

impl Body {
    fn map() -> Self {
        Body::Map {
            entries: Vec::new(),
            key: None,
            merges: Vec::new(),
        }
    }
}

pub(super) struct Builder<'a> {
    text: &'a str,
    /// Byte offset of each character index, plus the text length; empty for ASCII text.
    char_to_byte: Vec<usize>,
    stack: Vec<Frame>,
    /// Byte end of the previous event's span (where to look for a block scalar's indicator).
    cursor: usize,
    anchors: Anchors,
}

impl<'a> Builder<'a> {
    pub(super) fn new(text: &'a str) -> Self {
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
            anchors: Anchors::default(),
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

    /// The one document of the stream. A second document is an error at its start: the AWS CLI
    /// (`package` and `deploy`), SAM, the Serverless Framework and Terraform's `yamldecode` all
    /// refuse a stream of several documents.
    pub(super) fn run(mut self) -> Result<Node, ParseError> {
        let mut parser = Parser::new_from_str(self.text);
        let mut root: Option<Node> = None;
        let mut documents = 0;
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
                Event::StreamStart | Event::Nothing | Event::DocumentEnd => None,
                Event::DocumentStart(_) => {
                    documents += 1;
                    if documents > 1 {
                        let at = self.skip_props(start, end.max(start + 3)).pos;
                        let marker = if self.text.get(at..).is_some_and(|t| t.starts_with("---")) {
                            Span::new(at, at + 3)
                        } else {
                            Span::empty(at)
                        };
                        return Err(ParseError::new(
                            "a second YAML document starts here: a template is one document \
                             (the AWS CLI, SAM and the Serverless Framework refuse a stream of \
                             several), so this file cannot be deployed as it is",
                            marker,
                        ));
                    }
                    None
                }
                Event::StreamEnd => break,
                Event::Scalar(value, style, anchor, tag) => {
                    let node = self.scalar(&value, style, tag.as_deref(), start, end);
                    self.anchors.define(anchor, &node);
                    Some(node)
                }
                Event::Alias(id) => {
                    let raw = self.text.get(start..end).unwrap_or("").trim_end();
                    let name = raw.strip_prefix('*').unwrap_or(raw);
                    let span = Span::new(start, start + raw.len());
                    let depth = self.stack.len();
                    Some(self.anchors.resolve(id, name, span, depth)?)
                }
                Event::SequenceStart(anchor, tag) => {
                    self.open(start, end, tag.as_deref(), anchor, Body::Seq(Vec::new()))?;
                    None
                }
                Event::MappingStart(anchor, tag) => {
                    self.open(start, end, tag.as_deref(), anchor, Body::map())?;
                    None
                }
                Event::SequenceEnd | Event::MappingEnd => self.close(end)?,
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
            Body::Map {
                entries,
                key,
                merges,
            } => match key.take() {
                Some((key, key_span, is_merge)) => {
                    if is_merge {
                        merges.push(entries.len());
                    }
                    entries.push(Entry {
                        key,
                        key_span,
                        value: node,
                    })
                }
                None => {
                    let is_merge = node.tag.is_none()
                        && matches!(&node.kind, NodeKind::Scalar(s) if s == "<<");
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
                    *key = Some((text, node.span, is_merge));
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
        anchor: usize,
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
            anchor,
            body,
        });
        Ok(())
    }

    fn close(&mut self, end: usize) -> Result<Option<Node>, ParseError> {
        let Some(frame) = self.stack.pop() else {
            return Ok(None);
        };
        let (kind, last_end) = match frame.body {
            Body::Seq(items) => {
                let last = items.last().map(|n| n.span.end);
                (NodeKind::Seq(items), last)
            }
            Body::Map {
                entries,
                key,
                merges,
            } => {
                // Where the mapping as written ends, before merged copies (spanned at their
                // aliases) move entries around.
                let last = entries
                    .iter()
                    .map(|e| e.key_span.end.max(e.value.span.end))
                    .max();
                let last = match &key {
                    Some((_, span, _)) => Some(span.end.max(last.unwrap_or(0))),
                    None => last,
                };
                (NodeKind::Map(aliases::merge(entries, &merges)?), last)
            }
        };
        let end = if frame.flow {
            self.trim_end(frame.start, end)
        } else {
            self.trim_end(frame.start, last_end.unwrap_or(frame.start))
        };
        let node = Node {
            kind,
            span: Span::new(frame.span_start, end.max(frame.start)),
            tag: frame.tag,
        };
        self.anchors.define(frame.anchor, &node);
        Ok(Some(node))
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
