//! A readable place for a finding in a one-line JSON file (`terraform show -json`, a minified
//! template): the JSON path of the offending value, through the policy string it sits in
//! (`planned_values.root_module.resources[0].values.policy → Statement[1].Principal.AWS`), and
//! the statement around it pretty-printed, with the finding's spans moved into that excerpt.
//! Computed from the file text and the spans alone, so every front end gets it.

use crate::base::source::{SourceFile, Span};
use crate::parse::{json, Node, NodeKind};
use std::cell::RefCell;
use std::fmt::Write as _;
use std::sync::Arc;

/// Lines longer than this (in bytes) are shown as an excerpt when the file is JSON.
pub const LONG_LINE: usize = 400;

/// The excerpt of a one-line JSON file around some spans of it.
#[derive(Debug)]
pub struct Excerpt {
    /// `planned_values.root_module.resources[0].values.policy → Statement[1].Principal.AWS`.
    pub path: String,
    /// The pretty-printed JSON around the first span.
    pub text: String,
    /// Each span given, moved into `text` (None when it lies outside the excerpt).
    pub spans: Vec<Option<Span>>,
}

thread_local! {
    /// The last JSON file parsed, by address and length: a plan's findings come one after another.
    static LAST: RefCell<Option<(usize, usize, Arc<Node>)>> = const { RefCell::new(None) };
}

fn parsed(file: &Arc<SourceFile>) -> Option<Arc<Node>> {
    let key = (Arc::as_ptr(file) as usize, file.text.len());
    if let Some(hit) = LAST.with(|l| {
        l.borrow()
            .as_ref()
            .filter(|(p, n, _)| (*p, *n) == key)
            .map(|(_, _, node)| node.clone())
    }) {
        return Some(hit);
    }
    let node = Arc::new(json::parse_json(&file.text).ok()?);
    LAST.with(|l| *l.borrow_mut() = Some((key.0, key.1, node.clone())));
    Some(node)
}

/// Whether the line holding `offset` is too long to draw.
pub fn on_long_line(file: &SourceFile, offset: usize) -> bool {
    let lines = file.lines();
    let line = lines.line_of(offset);
    let start = lines.line_start(line);
    let end = if line + 1 < lines.line_count() {
        lines.line_start(line + 1)
    } else {
        file.text.len()
    };
    end.saturating_sub(start) > LONG_LINE
}

/// The excerpt around `spans[0]`, when the file is JSON and that span is on a long line.
pub fn excerpt(file: &Arc<SourceFile>, spans: &[Span]) -> Option<Excerpt> {
    let first = *spans.first()?;
    if !on_long_line(file, first.start) {
        return None;
    }
    let trimmed = file.text.trim_start_matches('\u{FEFF}').trim_start();
    if !trimmed.starts_with('{') && !trimmed.starts_with('[') {
        return None;
    }
    let root = parsed(file)?;
    let mut segments: Vec<String> = Vec::new();
    let outer = descend(&root, first, &mut segments);
    let mut path = segments.concat();
    // Inside a string that holds JSON (a plan's policy): go on in that document.
    // The object holding the value (a resource's `values`), or the policy's statement below.
    let mut shown: Node = ancestor(&root, first, segments.len().saturating_sub(1)).clone();
    if let NodeKind::String(_) = outer.kind {
        if outer.span.start < first.start && first.end < outer.span.end {
            let literal = file.text.get(outer.span.start..outer.span.end)?;
            if let Ok(inner) = json::parse_json_in_string(literal, outer.span.start) {
                let mut inner_segments = Vec::new();
                descend(&inner, first, &mut inner_segments);
                let inner_path = inner_segments.concat();
                path = format!(
                    "{path} → {}",
                    inner_path.strip_prefix('.').unwrap_or(&inner_path)
                );
                // The statement (`Statement[i]`), or the whole policy when it is small.
                shown = ancestor(&inner, first, inner_segments.len().saturating_sub(2)).clone();
            }
        }
    }
    let path = path.strip_prefix('.').unwrap_or(&path).to_string();
    let mut p = Printer::default();
    p.node(&shown, 0);
    let spans = spans
        .iter()
        .map(|s| {
            p.placed
                .iter()
                .filter(|(from, _)| from.start <= s.start && s.end <= from.end)
                .min_by_key(|(from, _)| from.end - from.start)
                .map(|(_, to)| *to)
        })
        .collect();
    Some(Excerpt {
        path,
        text: p.out,
        spans,
    })
}

/// The deepest node holding `span`; pushes the path to it (`.key`, `[i]`).
fn descend<'n>(node: &'n Node, span: Span, path: &mut Vec<String>) -> &'n Node {
    let inside = |s: Span| s.start <= span.start && span.end <= s.end;
    match &node.kind {
        NodeKind::Map(entries) => {
            for e in entries {
                if inside(e.value.span) {
                    path.push(key_segment(&e.key));
                    return descend(&e.value, span, path);
                }
                if inside(e.key_span) {
                    path.push(key_segment(&e.key));
                    return node;
                }
            }
            node
        }
        NodeKind::Seq(items) => {
            for (i, item) in items.iter().enumerate() {
                if inside(item.span) {
                    path.push(format!("[{i}]"));
                    return descend(item, span, path);
                }
            }
            node
        }
        _ => node,
    }
}

/// The node `depth` levels down the path to `span` (fewer when the path is shorter).
fn ancestor(node: &Node, span: Span, depth: usize) -> &Node {
    let mut at = node;
    for _ in 0..depth {
        let inside = |s: Span| s.start <= span.start && span.end <= s.end;
        let next = match &at.kind {
            NodeKind::Map(entries) => entries
                .iter()
                .find(|e| inside(e.value.span))
                .map(|e| &e.value),
            NodeKind::Seq(items) => items.iter().find(|i| inside(i.span)),
            _ => None,
        };
        match next {
            Some(n) if matches!(n.kind, NodeKind::Map(_) | NodeKind::Seq(_)) => at = n,
            _ => break,
        }
    }
    at
}

fn key_segment(key: &str) -> String {
    if !key.is_empty()
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        format!(".{key}")
    } else {
        format!("[{}]", json_string(key))
    }
}

fn json_string(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| format!("\"{s}\""))
}

/// Pretty-prints a node, noting where each value (by its span in the file) lands.
#[derive(Default)]
struct Printer {
    out: String,
    placed: Vec<(Span, Span)>,
}

impl Printer {
    fn node(&mut self, n: &Node, indent: usize) {
        let start = self.out.len();
        match &n.kind {
            NodeKind::Map(entries) if entries.is_empty() => self.out.push_str("{}"),
            NodeKind::Map(entries) => {
                self.out.push_str("{\n");
                for (i, e) in entries.iter().enumerate() {
                    self.pad(indent + 1);
                    let k = self.out.len();
                    self.out.push_str(&json_string(&e.key));
                    self.placed.push((e.key_span, Span::new(k, self.out.len())));
                    self.out.push_str(": ");
                    self.node(&e.value, indent + 1);
                    self.out
                        .push_str(if i + 1 < entries.len() { ",\n" } else { "\n" });
                }
                self.pad(indent);
                self.out.push('}');
            }
            NodeKind::Seq(items) if items.is_empty() => self.out.push_str("[]"),
            NodeKind::Seq(items) => {
                self.out.push_str("[\n");
                for (i, item) in items.iter().enumerate() {
                    self.pad(indent + 1);
                    self.node(item, indent + 1);
                    self.out
                        .push_str(if i + 1 < items.len() { ",\n" } else { "\n" });
                }
                self.pad(indent);
                self.out.push(']');
            }
            NodeKind::String(s) => self.out.push_str(&json_string(s)),
            NodeKind::Null => self.out.push_str("null"),
            NodeKind::Bool(b) => {
                let _ = write!(self.out, "{b}");
            }
            NodeKind::Number(s) | NodeKind::Scalar(s) | NodeKind::Alias(s) => self.out.push_str(s),
        }
        self.placed.push((n.span, Span::new(start, self.out.len())));
    }

    fn pad(&mut self, indent: usize) {
        for _ in 0..indent {
            self.out.push_str("  ");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_and_excerpt_through_a_policy_string() {
        let policy = r#"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"Root\",\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::111122223333:root\"},\"Action\":\"kms:*\",\"Resource\":\"*\"}]}"#;
        let pad = "x".repeat(LONG_LINE);
        let text = format!(
            r#"{{"format_version":"1.2","pad":"{pad}","planned_values":{{"root_module":{{"resources":[{{"address":"a","values":{{"policy":"{policy}"}}}}]}}}}}}"#
        );
        let file = SourceFile::new("plan.json", text.clone());
        let at = text.find("arn:aws:iam::111122223333:root").unwrap_or(0) - 2;
        let span = Span::new(at, at + "\\\"arn:aws:iam::111122223333:root\\\"".len());
        let e = excerpt(&file, &[span]);
        let Some(e) = e else { panic!("no excerpt") };
        assert_eq!(
            e.path,
            "planned_values.root_module.resources[0].values.policy → Statement[0].Principal.AWS"
        );
        assert!(e.text.starts_with("{\n  \"Sid\": \"Root\""), "{}", e.text);
        let moved = e.spans[0].map(|s| &e.text[s.start..s.end]);
        assert_eq!(moved, Some("\"arn:aws:iam::111122223333:root\""));
    }

    #[test]
    fn short_lines_and_other_files_have_none() {
        let file = SourceFile::new("t.json", "{\"a\": \"b\"}");
        assert!(excerpt(&file, &[Span::new(6, 9)]).is_none());
        let long = format!("a: '{}'", "x".repeat(LONG_LINE));
        let file = SourceFile::new("t.yaml", long);
        assert!(excerpt(&file, &[Span::new(3, 6)]).is_none());
    }
}
