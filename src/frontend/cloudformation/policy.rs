//! One key's `KeyPolicy`, as every deployment can produce it: an object, a string (see
//! `strings`), or either of them behind `Fn::If`.
//!
//! Branches are chosen by the conditions a deployment can decide (see `conditions`). Within a
//! statement, `Fn::If`s that depend on each other (the same condition twice, or conditions that
//! only some parameter values make true together) are evaluated together, one statement per
//! combination that can happen, so a `Principal` of one branch never meets the `Condition` of
//! another. Independent ones stay a `Choice` in place.

use super::conditions::{full_product, if_conditions, repeats};
use super::intrinsics::{choice, intrinsic, untagged, Template};
use super::strings::{resolved_string, string_policy};
use crate::base::diag::InputError;
use crate::ir::{Doc, DocEntry, DocKind};
use crate::parse::{Node, NodeKind};

/// Most distinct conditions one statement's combinations are enumerated over.
const MAX_STATEMENT_CONDITIONS: usize = 6;

/// The key policy at `node`: `Ok(None)` when every deployment removes it (`AWS::NoValue`, so the
/// key gets the default policy); `Err` with the errors when AWS would reject it or its string
/// does not parse (nothing in it is checked).
pub fn key_policy(
    tpl: &Template,
    text: &str,
    node: &Node,
    is_json: bool,
) -> Result<Option<Doc>, Vec<InputError>> {
    let _ = tpl.take_invalid();
    let doc = policy_at(tpl, text, node, is_json, 0)?;
    let invalid = tpl.take_invalid();
    if invalid.is_empty() {
        Ok(doc)
    } else {
        Err(invalid)
    }
}

fn policy_at(
    tpl: &Template,
    text: &str,
    node: &Node,
    is_json: bool,
    depth: usize,
) -> Result<Option<Doc>, Vec<InputError>> {
    match intrinsic(node) {
        Some(("Fn::If", arg)) if depth < 16 => {
            let items = arg.items();
            if let (Some(cond), 3) = (items.first().and_then(Node::as_str), items.len()) {
                let mut alts = Vec::new();
                let possible = tpl.possible(cond);
                for value in possible.iter().rev().copied() {
                    let branch = if value { &items[1] } else { &items[2] };
                    if possible.len() > 1 {
                        tpl.branch(&items[0], branch, cond, value);
                    }
                    let d = tpl.with_fixed(&[(cond.to_string(), value)], || {
                        policy_at(tpl, text, branch, is_json, depth + 1)
                    })?;
                    if !alts.contains(&d) {
                        alts.push(d);
                    }
                }
                return Ok(choice(alts, tpl.loc(node)));
            }
        }
        Some(("Fn::ToJsonString", arg)) if depth < 16 => {
            return policy_at(tpl, text, &untagged(arg), is_json, depth + 1);
        }
        Some(("Ref", arg)) if arg.as_str() == Some("AWS::NoValue") => return Ok(None),
        _ => {}
    }
    if let Some(parsed) = string_policy(tpl, text, node, is_json) {
        return parsed.map(Some).map_err(|e| vec![e]);
    }
    if intrinsic(node).is_none() {
        if let NodeKind::Map(entries) = &node.kind {
            return Ok(Some(object(tpl, node, entries)));
        }
    }
    let Some(doc) = tpl.value_at(node, 0) else {
        return Ok(None);
    };
    // A string from a parameter, a mapping or `Fn::Select` goes to KMS as it is, like any other.
    match resolved_string(tpl, &doc, text.len()) {
        Some(parsed) => parsed.map(Some).map_err(|e| vec![e]),
        None => Ok(Some(doc)),
    }
}

/// A policy object: its `Statement` list statement by statement.
fn object(tpl: &Template, node: &Node, entries: &[crate::parse::Entry]) -> Doc {
    let mut out = Vec::with_capacity(entries.len());
    for e in entries {
        let value = match &e.value.kind {
            NodeKind::Seq(items) if e.key == "Statement" && e.value.tag.is_none() => {
                let statements: Vec<Doc> = items
                    .iter()
                    .filter_map(|item| statement(tpl, item))
                    .collect();
                Some(Doc::new(DocKind::List(statements), tpl.loc(&e.value)))
            }
            _ => tpl.value_at(&e.value, 1),
        };
        if let Some(value) = value {
            out.push(DocEntry {
                key: e.key.clone(),
                key_loc: crate::base::source::Loc::new(tpl.file, e.key_span),
                value,
            });
        }
    }
    Doc::new(DocKind::Map(out), tpl.loc(node))
}

/// One element of the `Statement` list, with the conditions it depends on decided together.
fn statement(tpl: &Template, item: &Node) -> Option<Doc> {
    let mut names = Vec::new();
    if_conditions(item, &mut names);
    let mut distinct: Vec<String> = Vec::new();
    for n in &names {
        if !distinct.contains(n) && tpl.logic.exists(n) {
            distinct.push(n.clone());
        }
    }
    if names.len() < 2 || distinct.is_empty() || distinct.len() > MAX_STATEMENT_CONDITIONS {
        return tpl.list_item(item, 1);
    }
    let fixed = tpl.fixed();
    let joint = tpl.logic.joint(&distinct, &fixed);
    if !repeats(&names) && full_product(&joint, distinct.len()) {
        return tpl.list_item(item, 1);
    }
    let mut alts: Vec<Option<Doc>> = Vec::new();
    for values in joint {
        let conds: Vec<(String, bool)> = distinct.iter().cloned().zip(values).collect();
        let d = tpl.with_fixed(&conds, || tpl.list_item(item, 1));
        if !alts.contains(&d) {
            alts.push(d);
        }
    }
    choice(alts, tpl.loc(item))
}
