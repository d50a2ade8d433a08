//! LanguageExtensions `Fn::ForEach` in `Resources`: each element of the collection writes a copy
//! of the fragment, its `${Identifier}` / `&{Identifier}` replaced in the logical id, in `Ref`
//! and in `Fn::Sub` strings (User Guide, "Fn::ForEach"). The copies keep the fragment's spans,
//! so a finding in a generated key points at the fragment written once.

use super::intrinsics::intrinsic;
use crate::base::source::Span;
use crate::parse::{Entry, Node, NodeKind};

/// Most resources the loops of one template may write.
const MAX_COPIES: usize = 10_000;
const MAX_LOOP_DEPTH: usize = 8;
const PREFIX: &str = "Fn::ForEach::";

/// The template with its `Resources` loops written out, and the loops it could not expand
/// (span, reason); `None` when it has no loop.
pub fn expand(root: &Node) -> Option<(Node, Vec<(Span, String)>)> {
    let has_loop = root
        .entries()
        .iter()
        .filter(|e| e.key == "Resources")
        .any(|e| e.value.entries().iter().any(|r| r.key.starts_with(PREFIX)));
    if !has_loop {
        return None;
    }
    let mut out = root.clone();
    let mut errors = Vec::new();
    let mut budget = MAX_COPIES;
    if let NodeKind::Map(entries) = &mut out.kind {
        for section in entries.iter_mut().filter(|e| e.key == "Resources") {
            if let NodeKind::Map(resources) = &mut section.value.kind {
                let written =
                    write_out(root, std::mem::take(resources), 0, &mut budget, &mut errors);
                *resources = written;
            }
        }
    }
    Some((out, errors))
}

fn write_out(
    root: &Node,
    entries: Vec<Entry>,
    depth: usize,
    budget: &mut usize,
    errors: &mut Vec<(Span, String)>,
) -> Vec<Entry> {
    let mut out = Vec::new();
    for e in entries {
        if !e.key.starts_with(PREFIX) {
            out.push(e);
            continue;
        }
        let items = e.value.items();
        let (Some(id), Some(collection), Some(fragment)) = (
            items.first().and_then(Node::as_str),
            items.get(1),
            items.get(2),
        ) else {
            errors.push((
                e.key_span,
                format!("`{}` takes [identifier, collection, fragment]", e.key),
            ));
            continue;
        };
        let Some(values) = collection_values(root, collection) else {
            errors.push((
                collection.span,
                format!(
                    "`{}` loops over a collection kmslint cannot list, so the resources it writes \
                     are not checked",
                    e.key
                ),
            ));
            continue;
        };
        if depth >= MAX_LOOP_DEPTH || values.len() > *budget {
            errors.push((
                e.key_span,
                format!("`{}` writes more than {MAX_COPIES} resources", e.key),
            ));
            continue;
        }
        *budget -= values.len();
        for v in &values {
            let copies: Vec<Entry> = fragment
                .entries()
                .iter()
                .map(|f| Entry {
                    key: replace_key(&f.key, id, v),
                    key_span: f.key_span,
                    value: substitute(&f.value, id, v, 0),
                })
                .collect();
            out.extend(write_out(root, copies, depth + 1, budget, errors));
        }
    }
    out
}

/// A literal list, a comma-delimited string, or a parameter's default list.
fn collection_values(root: &Node, node: &Node) -> Option<Vec<String>> {
    match intrinsic(node) {
        None => match &node.kind {
            NodeKind::Seq(items) => items
                .iter()
                .map(|n| n.as_str().map(str::to_string))
                .collect(),
            _ => None,
        },
        Some(("Ref", arg)) => {
            let param = root.get("Parameters")?.get(arg.as_str()?)?;
            let default = param.get("Default")?;
            match &default.kind {
                NodeKind::Seq(items) => items
                    .iter()
                    .map(|n| n.as_str().map(str::to_string))
                    .collect(),
                _ => Some(
                    default
                        .as_str()?
                        .split(',')
                        .map(|s| s.trim().to_string())
                        .collect(),
                ),
            }
        }
        _ => None,
    }
}

fn replace_key(key: &str, id: &str, value: &str) -> String {
    let alnum: String = value.chars().filter(char::is_ascii_alphanumeric).collect();
    key.replace(&format!("${{{id}}}"), value)
        .replace(&format!("&{{{id}}}"), &alnum)
}

fn substitute(node: &Node, id: &str, value: &str, depth: usize) -> Node {
    if depth > crate::parse::MAX_DEPTH {
        return node.clone();
    }
    match intrinsic(node) {
        Some(("Ref", arg)) if arg.as_str() == Some(id) => {
            return Node::new(NodeKind::String(value.to_string()), node.span);
        }
        Some(("Fn::Sub", _)) => return sub_text(node, id, value),
        _ => {}
    }
    let mut out = node.clone();
    match &mut out.kind {
        NodeKind::Seq(items) => {
            for n in items.iter_mut() {
                *n = substitute(n, id, value, depth + 1);
            }
        }
        NodeKind::Map(entries) => {
            for e in entries.iter_mut() {
                e.key = replace_key(&e.key, id, value);
                e.value = substitute(&e.value, id, value, depth + 1);
            }
        }
        _ => {}
    }
    out
}

/// `${Identifier}` in a `Fn::Sub` string (short or long form, with or without a variable map).
fn sub_text(node: &Node, id: &str, value: &str) -> Node {
    let needle = format!("${{{id}}}");
    let fix = |n: &mut Node| {
        if let NodeKind::String(s) | NodeKind::Scalar(s) = &mut n.kind {
            *s = s.replace(&needle, value);
        }
    };
    let mut out = node.clone();
    let target = if out.tag.is_some() {
        &mut out
    } else {
        match out.kind {
            NodeKind::Map(ref mut entries) => match entries.first_mut() {
                Some(e) => &mut e.value,
                None => return out,
            },
            _ => return out,
        }
    };
    match &mut target.kind {
        NodeKind::Seq(items) => {
            if let Some(first) = items.first_mut() {
                fix(first);
            }
            // The variable map's values are ordinary values (`!FindInMap [M, !Ref Team, …]`).
            for rest in items.iter_mut().skip(1) {
                *rest = substitute(rest, id, value, 1);
            }
        }
        _ => fix(target),
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;
    use crate::parse::yaml::parse_yaml;

    #[test]
    fn loops_write_one_copy_per_element() {
        let root = parse_yaml(
            "Parameters:\n  Names: {Type: CommaDelimitedList, Default: 'a-1,b'}\nResources:\n  Fn::ForEach::L:\n    - N\n    - !Ref Names\n    - '&{N}Key':\n        Type: AWS::KMS::Key\n        Properties: {Description: !Ref N, Alias: !Sub 'alias/${N}'}\n",
        )
        .unwrap();
        let (out, errors) = expand(&root).unwrap();
        assert!(errors.is_empty());
        let res = out.get("Resources").unwrap();
        let keys: Vec<&str> = res.entries().iter().map(|e| e.key.as_str()).collect();
        assert_eq!(keys, ["a1Key", "bKey"]);
        let props = res.get("a1Key").unwrap().get("Properties").unwrap();
        assert_eq!(props.get("Description").and_then(Node::as_str), Some("a-1"));
        assert_eq!(props.get("Alias").and_then(Node::as_str), Some("alias/a-1"));
        assert!(expand(&parse_yaml("Resources: {A: {Type: x}}").unwrap()).is_none());
    }

    #[test]
    fn a_collection_that_cannot_be_listed_is_reported() {
        let root = parse_yaml("Resources:\n  Fn::ForEach::L:\n    - N\n    - !GetAZs ''\n    - '${N}': {Type: AWS::KMS::Key}\n").unwrap();
        let (_, errors) = expand(&root).unwrap();
        assert_eq!(errors.len(), 1);
        assert!(errors[0].1.contains("cannot list"));
    }
}
