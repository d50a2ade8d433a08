//! `data "aws_iam_policy_document"` as the JSON document the AWS provider renders: source
//! documents, then the block's statements (with `dynamic` statements expanded), then override
//! documents, merged by Sid.

use super::eval::*;
use crate::base::source::{FileId, Loc};
use crate::ir::{Doc, DocEntry, DocKind, Value};
use crate::parse::hcl::{span_of, Block, Expression};
use std::collections::HashMap;

impl<'a> Module<'a> {
    /// `data "aws_iam_policy_document"` as the JSON document the AWS provider renders:
    /// source documents, then this block's statements, then override documents, merged by sid.
    pub fn policy_document(&self, file: FileId, block: &Block) -> Doc {
        let Some(f) = self.src(file) else {
            return unsupported("source file missing", Loc::default());
        };
        let sc = self.scope_in(file, &f);
        let loc = sc.loc(span_of(block));
        let label_loc = sc.loc(block.labels.last().and_then(span_of));
        let mut merged = PolicyParts::default();
        if let Some(a) = block.body.get_attribute("source_policy_documents") {
            for d in self.policy_list(sc, &a.value) {
                merged.merge(d);
            }
        }
        let mut current = PolicyParts::default();
        for (key, attr) in [("Version", "version"), ("Id", "policy_id")] {
            if let Some(a) = block.body.get_attribute(attr) {
                let d = self.eval(sc, &a.value);
                let entry = DocEntry {
                    key: key.to_string(),
                    key_loc: sc.loc(span_of(&a.key)),
                    value: d,
                };
                if key == "Version" {
                    current.version = Some(entry);
                } else {
                    current.id = Some(entry);
                }
            }
        }
        for sb in block.body.blocks() {
            match sb.ident.as_str() {
                "statement" => current.statements.push(self.statement(sc, sb)),
                "dynamic" if sb.labels.first().map(|l| l.as_str()) == Some("statement") => {
                    current.statements.extend(self.dynamic_statements(sc, sb));
                }
                _ => {}
            }
        }
        merged.merge_parts(current);
        if let Some(a) = block.body.get_attribute("override_policy_documents") {
            for d in self.policy_list(sc, &a.value) {
                merged.merge(d);
            }
        }
        let mut entries = Vec::new();
        let version = merged.version.unwrap_or_else(|| DocEntry {
            key: "Version".into(),
            key_loc: label_loc,
            value: Doc::scalar(Value::lit("2012-10-17"), label_loc),
        });
        entries.push(version);
        entries.extend(merged.id);
        entries.push(DocEntry {
            key: "Statement".into(),
            key_loc: label_loc,
            value: Doc::new(DocKind::List(merged.statements), loc),
        });
        Doc::new(DocKind::Map(entries), loc)
    }

    /// The documents of `source_policy_documents`/`override_policy_documents`.
    pub(super) fn policy_list(&self, sc: Scope<'_>, expr: &Expression) -> Vec<Doc> {
        match expr {
            Expression::Array(a) => a.iter().map(|e| self.eval_policy(sc, e)).collect(),
            _ => {
                let d = self.eval(sc, expr);
                match d.kind {
                    DocKind::List(items) => items
                        .into_iter()
                        .map(|i| {
                            if i.entries().is_empty() {
                                self.policy_from_doc(i)
                            } else {
                                i
                            }
                        })
                        .collect(),
                    _ => vec![self.policy_from_doc(d)],
                }
            }
        }
    }

    /// `dynamic "statement" { for_each = …; content { … } }`: one statement per element when
    /// `for_each` is known; when it is not (`var.enabled ? [1] : []`), the content once with an
    /// unknown iterator, since it may be deployed.
    pub(super) fn dynamic_statements(&self, sc: Scope<'_>, sb: &Block) -> Vec<Doc> {
        let loc = sc.loc(span_of(sb));
        let Some(content) = sb.body.get_blocks("content").next() else {
            return vec![unsupported(
                "a dynamic \"statement\" block without content",
                loc,
            )];
        };
        let iterator = sb
            .body
            .get_attribute("iterator")
            .and_then(|a| a.value.as_variable().map(|v| v.as_str().to_string()))
            .unwrap_or_else(|| "statement".to_string());
        let for_each = sb
            .body
            .get_attribute("for_each")
            .map(|a| self.eval(sc, &a.value));
        // Each element as (key, value) for `iterator.key` / `iterator.value`.
        let elements: Option<Vec<(Doc, Doc)>> = match for_each.as_ref().map(|d| &d.kind) {
            Some(DocKind::List(items)) => Some(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, d)| (Doc::scalar(Value::lit(i.to_string()), d.loc), d.clone()))
                    .collect(),
            ),
            Some(DocKind::Map(entries)) => Some(
                entries
                    .iter()
                    .map(|e| {
                        (
                            Doc::scalar(Value::lit(e.key.clone()), e.key_loc),
                            e.value.clone(),
                        )
                    })
                    .collect(),
            ),
            Some(DocKind::Null) => Some(Vec::new()),
            _ => None,
        };
        let bind = |key: Doc, value: Doc| -> HashMap<String, Doc> {
            let mut vars: HashMap<String, Doc> = sc.tvars.cloned().unwrap_or_default();
            let l = value.loc;
            vars.insert(
                iterator.clone(),
                Doc::new(
                    DocKind::Map(vec![
                        DocEntry {
                            key: "key".into(),
                            key_loc: l,
                            value: key,
                        },
                        DocEntry {
                            key: "value".into(),
                            key_loc: l,
                            value,
                        },
                    ]),
                    l,
                ),
            );
            vars
        };
        let expand = |vars: &HashMap<String, Doc>| {
            let inner = Scope {
                tvars: Some(vars),
                ..sc
            };
            self.statement(inner, content)
        };
        match elements {
            Some(els) if els.len() <= 256 => {
                els.into_iter().map(|(k, v)| expand(&bind(k, v))).collect()
            }
            _ => {
                let why = format!(
                    "{iterator}.value: the elements of this dynamic block's for_each are not known statically"
                );
                let vars = bind(unknown(why.clone(), loc), unknown(why, loc));
                vec![expand(&vars)]
            }
        }
    }

    pub(super) fn statement(&self, sc: Scope<'_>, sb: &Block) -> Doc {
        let loc = sc.loc(span_of(sb));
        let ident_loc = sc.loc(span_of(&sb.ident));
        let mut entries = Vec::new();
        let attr_entry = |attr: &str, key: &str| {
            sb.body.get_attribute(attr).map(|a| DocEntry {
                key: key.to_string(),
                key_loc: sc.loc(span_of(&a.key)),
                value: self.eval(sc, &a.value),
            })
        };
        entries.extend(attr_entry("sid", "Sid"));
        entries.push(attr_entry("effect", "Effect").unwrap_or_else(|| DocEntry {
            key: "Effect".into(),
            key_loc: ident_loc,
            value: Doc::scalar(Value::lit("Allow"), ident_loc),
        }));
        for (attr, key) in [
            ("actions", "Action"),
            ("not_actions", "NotAction"),
            ("resources", "Resource"),
            ("not_resources", "NotResource"),
        ] {
            entries.extend(attr_entry(attr, key));
        }
        for (ident, key) in [
            ("principals", "Principal"),
            ("not_principals", "NotPrincipal"),
        ] {
            if let Some(e) = self.principals(sc, sb, ident, key) {
                entries.push(e);
            }
        }
        if let Some(e) = self.conditions(sc, sb) {
            entries.push(e);
        }
        Doc::new(DocKind::Map(entries), loc)
    }

    /// `principals { type, identifiers }` blocks -> `{"AWS": [...], "Service": [...]}`, or `"*"`
    /// when a block has type `*` (as the provider renders it).
    pub(super) fn principals(
        &self,
        sc: Scope<'_>,
        sb: &Block,
        ident: &str,
        key: &str,
    ) -> Option<DocEntry> {
        let blocks: Vec<&Block> = sb.body.get_blocks(ident).collect();
        let dynamic: Vec<&Block> = sb
            .body
            .get_blocks("dynamic")
            .filter(|b| b.labels.first().map(|l| l.as_str()) == Some(ident))
            .collect();
        let first = blocks.first().or(dynamic.first())?;
        let key_loc = sc.loc(span_of(&first.ident));
        let mut types: Vec<DocEntry> = Vec::new();
        let mut star: Option<Doc> = None;
        for b in &blocks {
            let ty_attr = b.body.get_attribute("type");
            let ty_doc = ty_attr.map(|a| self.eval(sc, &a.value));
            let ty = ty_doc
                .as_ref()
                .and_then(|d| d.as_value())
                .map(|v| v.as_lit().map_or_else(|| v.render(), str::to_string))
                .unwrap_or_default();
            let ty_loc = ty_doc.as_ref().map_or(sc.loc(span_of(*b)), |d| d.loc);
            let ids = match b.body.get_attribute("identifiers") {
                Some(a) => {
                    let mut items = Vec::new();
                    flatten_into(self.eval(sc, &a.value), &mut items);
                    items
                }
                None => Vec::new(),
            };
            if ty == "*" {
                let at = ids.first().map_or(ty_loc, |d| d.loc);
                star = Some(Doc::scalar(Value::lit("*"), at));
                continue;
            }
            match types.iter_mut().find(|e| e.key == ty) {
                Some(e) => {
                    if let DocKind::List(items) = &mut e.value.kind {
                        items.extend(ids);
                    }
                }
                None => types.push(DocEntry {
                    key: ty,
                    key_loc: ty_loc,
                    value: Doc::new(DocKind::List(ids), sc.loc(span_of(*b))),
                }),
            }
        }
        for d in &dynamic {
            types.push(DocEntry {
                key: "AWS".into(),
                key_loc: sc.loc(span_of(*d)),
                value: unsupported(
                    format!("a dynamic \"{ident}\" block is not expanded"),
                    sc.loc(span_of(*d)),
                ),
            });
        }
        let value = match star {
            Some(s) => s,
            None => Doc::new(DocKind::Map(types), sc.loc(span_of(*first))),
        };
        Some(DocEntry {
            key: key.to_string(),
            key_loc,
            value,
        })
    }

    /// `condition { test, variable, values }` blocks -> `{test: {variable: [values]}}`.
    pub(super) fn conditions(&self, sc: Scope<'_>, sb: &Block) -> Option<DocEntry> {
        let blocks: Vec<&Block> = sb.body.get_blocks("condition").collect();
        let dynamic = sb
            .body
            .get_blocks("dynamic")
            .find(|b| b.labels.first().map(|l| l.as_str()) == Some("condition"));
        let first = blocks.first().copied().or(dynamic)?;
        let key_loc = sc.loc(span_of(&first.ident));
        let mut tests: Vec<DocEntry> = Vec::new();
        let lit_of = |b: &Block, attr: &str| {
            b.body.get_attribute(attr).map(|a| {
                let d = self.eval(sc, &a.value);
                let s = d
                    .as_value()
                    .map(|v| v.as_lit().map_or_else(|| v.render(), str::to_string))
                    .unwrap_or_default();
                (s, d.loc)
            })
        };
        for b in &blocks {
            let block_loc = sc.loc(span_of(*b));
            let (test, test_loc) = lit_of(b, "test").unwrap_or((String::new(), block_loc));
            let (var, var_loc) = lit_of(b, "variable").unwrap_or((String::new(), block_loc));
            let mut values = Vec::new();
            if let Some(a) = b.body.get_attribute("values") {
                flatten_into(self.eval(sc, &a.value), &mut values);
            }
            let t = match tests.iter_mut().position(|e| e.key == test) {
                Some(i) => i,
                None => {
                    tests.push(DocEntry {
                        key: test,
                        key_loc: test_loc,
                        value: Doc::new(DocKind::Map(Vec::new()), block_loc),
                    });
                    tests.len() - 1
                }
            };
            let Some(DocKind::Map(vars)) = tests.get_mut(t).map(|e| &mut e.value.kind) else {
                continue;
            };
            match vars.iter_mut().find(|e| e.key == var) {
                Some(e) => {
                    if let DocKind::List(items) = &mut e.value.kind {
                        items.extend(values);
                    }
                }
                None => vars.push(DocEntry {
                    key: var,
                    key_loc: var_loc,
                    value: Doc::new(DocKind::List(values), block_loc),
                }),
            }
        }
        if let Some(d) = dynamic {
            tests.push(DocEntry {
                key: "?".into(),
                key_loc: sc.loc(span_of(d)),
                value: unsupported(
                    "a dynamic \"condition\" block is not expanded",
                    sc.loc(span_of(d)),
                ),
            });
        }
        Some(DocEntry {
            key: "Condition".into(),
            key_loc,
            value: Doc::new(DocKind::Map(tests), sc.loc(span_of(first))),
        })
    }
}

/// A policy being merged the way the AWS provider's `IAMPolicyDoc.Merge` does it.
#[derive(Default)]
pub(super) struct PolicyParts {
    version: Option<DocEntry>,
    id: Option<DocEntry>,
    statements: Vec<Doc>,
    /// Where each sid is in `statements` (a lookup, so that merging stays linear).
    by_sid: HashMap<String, usize>,
}

impl PolicyParts {
    fn merge(&mut self, doc: Doc) {
        let mut parts = PolicyParts::default();
        match &doc.kind {
            DocKind::Map(entries) => {
                for e in entries {
                    match e.key.as_str() {
                        "Version" => parts.version = Some(e.clone()),
                        "Id" => parts.id = Some(e.clone()),
                        "Statement" => match &e.value.kind {
                            DocKind::List(items) => parts.statements.extend(items.iter().cloned()),
                            _ => parts.statements.push(e.value.clone()),
                        },
                        _ => {}
                    }
                }
            }
            // An unknown or conditional document: its statements may be anything.
            _ => parts.statements.push(doc),
        }
        self.merge_parts(parts);
    }

    fn merge_parts(&mut self, new: PolicyParts) {
        if new.id.is_some() {
            self.id = new.id;
        }
        let newer = |v: &Option<DocEntry>| {
            v.as_ref()
                .and_then(|e| e.value.as_value())
                .and_then(|v| v.as_lit().map(str::to_string))
        };
        if newer(&new.version) > newer(&self.version) {
            self.version = new.version;
        }
        for st in new.statements {
            let sid = sid_of(&st).filter(|s| !s.is_empty());
            let existing = sid.as_ref().and_then(|s| self.by_sid.get(s).copied());
            match existing.and_then(|i| self.statements.get_mut(i)) {
                Some(slot) => *slot = st,
                None => {
                    if let Some(sid) = sid {
                        self.by_sid.insert(sid, self.statements.len());
                    }
                    self.statements.push(st);
                }
            }
        }
    }
}

pub(super) fn sid_of(st: &Doc) -> Option<String> {
    st.get("Sid")
        .and_then(|d| d.as_value())
        .and_then(|v| v.as_lit().map(str::to_string))
}
