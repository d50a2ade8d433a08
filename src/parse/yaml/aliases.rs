//! Anchors, aliases and merge keys, resolved the way `aws cloudformation package` and SAM resolve
//! them before upload (PyYAML/ruamel: an alias is a copy of the anchored node; `<<` merges a
//! mapping, or a list of them, under the keys written beside it).
//!
//! A copy takes the alias's span, so a finding in it points at the `*name` the user wrote. The
//! copies are counted: a template whose aliases would expand past `MAX_ALIAS_NODES` nodes (a
//! "billion laughs") is a parse error at the alias that crosses the limit, never a hang.

use crate::base::limits::MAX_ALIAS_NODES;
use crate::base::source::Span;
use crate::parse::{Entry, Node, NodeKind, ParseError, MAX_DEPTH};
use std::collections::HashMap;

/// The anchored nodes of one document and what their copies have cost so far.
#[derive(Default)]
pub(super) struct Anchors {
    nodes: HashMap<usize, Node>,
    expanded: usize,
}

impl Anchors {
    /// Remembers a finished node that carries an anchor (`&name`).
    pub(super) fn define(&mut self, id: usize, node: &Node) {
        if id != 0 {
            self.nodes.insert(id, node.clone());
        }
    }

    /// The copy an alias stands for, at the alias's span. `depth` is how deep the alias sits.
    pub(super) fn resolve(
        &mut self,
        id: usize,
        name: &str,
        span: Span,
        depth: usize,
    ) -> Result<Node, ParseError> {
        let Some(node) = self.nodes.get(&id) else {
            return Err(ParseError::new(
                format!("alias `*{name}` refers to a node that contains it"),
                span,
            ));
        };
        let (count, deepest) = size(node);
        self.expanded = self.expanded.saturating_add(count);
        if self.expanded > MAX_ALIAS_NODES {
            return Err(ParseError::new(
                format!(
                    "YAML aliases expand to more than {MAX_ALIAS_NODES} nodes: the template is not \
                     checked (CloudFormation rejects aliases; `aws cloudformation package` and SAM \
                     would have to write out every copy)"
                ),
                span,
            ));
        }
        if depth + deepest > MAX_DEPTH {
            return Err(ParseError::new(
                format!("alias `*{name}` nests deeper than {MAX_DEPTH} levels once expanded"),
                span,
            ));
        }
        let mut copy = node.clone();
        respan(&mut copy, span);
        Ok(copy)
    }
}

/// Nodes in a tree, and its depth.
fn size(node: &Node) -> (usize, usize) {
    let mut count = 1;
    let mut deepest = 0;
    let mut visit = |n: &Node| {
        let (c, d) = size(n);
        count += c;
        deepest = deepest.max(d);
    };
    match &node.kind {
        NodeKind::Seq(items) => items.iter().for_each(&mut visit),
        NodeKind::Map(entries) => entries.iter().for_each(|e| visit(&e.value)),
        _ => {}
    }
    (count, deepest + 1)
}

fn respan(node: &mut Node, span: Span) {
    node.span = span;
    match &mut node.kind {
        NodeKind::Seq(items) => items.iter_mut().for_each(|n| respan(n, span)),
        NodeKind::Map(entries) => {
            for e in entries {
                e.key_span = span;
                respan(&mut e.value, span);
            }
        }
        _ => {}
    }
}

/// Applies the merge keys of a mapping: `merges` are the indexes of its plain `<<` entries. Keys
/// written in the mapping win over merged ones, and of several merged mappings the earlier wins
/// (YAML merge key spec, as PyYAML, ruamel and js-yaml read it); merged entries come first.
pub(super) fn merge(entries: Vec<Entry>, merges: &[usize]) -> Result<Vec<Entry>, ParseError> {
    if merges.is_empty() {
        return Ok(entries);
    }
    let mut sources: Vec<Node> = Vec::new();
    let mut own: Vec<Entry> = Vec::new();
    for (i, e) in entries.into_iter().enumerate() {
        if !merges.contains(&i) {
            own.push(e);
            continue;
        }
        let span = e.value.span;
        match e.value.kind {
            NodeKind::Map(_) => sources.push(e.value),
            NodeKind::Seq(items) if items.iter().all(Node::is_map) => sources.extend(items),
            _ => {
                return Err(ParseError::new(
                    "a merge key (`<<`) takes a mapping or a list of mappings",
                    span,
                ))
            }
        }
    }
    let mut out: Vec<Entry> = Vec::new();
    let taken = |key: &str, out: &Vec<Entry>| {
        own.iter().any(|o| o.key == key) || out.iter().any(|o| o.key == key)
    };
    for source in sources {
        let NodeKind::Map(merged) = source.kind else {
            continue;
        };
        // Keys this source repeats itself are kept as they are (a duplicate is a finding).
        let fresh: Vec<Entry> = merged
            .into_iter()
            .filter(|m| !taken(&m.key, &out))
            .collect();
        out.extend(fresh);
    }
    out.extend(own);
    Ok(out)
}
