//! `data "aws_iam_policy_document"` as the JSON document the AWS provider renders: source
//! documents, then the block's statements (with `dynamic` statements expanded), then override
//! documents, merged by Sid.

use super::eval::*;
use super::ops::elements;
use crate::base::limits::MAX_INSTANCES;
use crate::base::source::{FileId, Loc};
use crate::ir::Why;
use crate::ir::{Doc, DocEntry, DocKind, Value};
use crate::parse::hcl::{span_of, Block, Expression};
use std::collections::HashMap;

/// Names bound for one expansion of a dynamic block.
type Bound = HashMap<String, Doc>;

impl<'a> Module<'a> {
    /// `data "aws_iam_policy_document"` as the JSON document the AWS provider renders:
    /// source documents, then this block's statements, then override documents, merged by sid.
    pub fn policy_document(
        &self,
        file: FileId,
        block: &Block,
        tvars: Option<&HashMap<String, Doc>>,
    ) -> Doc {
        let Some(f) = self.src(file) else {
            return unsupported("source file missing", Loc::default());
        };
        let sc = Scope {
            tvars,
            ..self.scope_in(file, &f)
        };
        let loc = sc.loc(span_of(block));
        let label_loc = sc.loc(block.labels.last().and_then(span_of));
        let mut merged = PolicyParts::default();
        // `source_json`/`override_json`: the provider's older arguments (3.x, 4.x), merged like
        // a first source and a last override document.
        if let Some(a) = block.body.get_attribute("source_json") {
            merged.merge(self.eval_policy(sc, &a.value));
        }
        if let Some(a) = block.body.get_attribute("source_policy_documents") {
            for d in self.policy_list(sc, &a.value) {
                merged.merge(d);
            }
        }
        let mut current = PolicyParts::default();
        for (key, attr) in [("Version", "version"), ("Id", "policy_id")] {
            if let Some(a) = block.body.get_attribute(attr) {
                let d = self.eval(sc, &a.value);
                if matches!(d.kind, DocKind::Null) {
                    continue;
                }
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
        if let Some(a) = block.body.get_attribute("override_json") {
            merged.merge(self.eval_policy(sc, &a.value));
        }
        let mut entries = Vec::new();
        let version = merged.version.unwrap_or_else(|| DocEntry {
            key: "Version".into(),
            key_loc: label_loc,
            value: Doc::scalar(Value::lit("2012-10-17"), label_loc),
        });
        entries.push(version);
        entries.extend(merged.id);
        // No statement at all: the provider renders `{"Version": ...}` alone.
        if !merged.statements.is_empty() {
            entries.push(DocEntry {
                key: "Statement".into(),
                key_loc: label_loc,
                value: Doc::new(DocKind::List(merged.statements), loc),
            });
        }
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

    /// The expansions of a `dynamic "<label>"` block: one set of bound names per element (the
    /// iterator is `<label>` unless `iterator` names it), and the content block. When `for_each`
    /// is not known, the content once with an unknown iterator, since it may be deployed; when it
    /// is conditional, the elements of every alternative.
    pub(super) fn expand_dynamic<'b>(
        &self,
        sc: Scope<'_>,
        db: &'b Block,
    ) -> Result<(Vec<Bound>, &'b Block), Doc> {
        let loc = sc.loc(span_of(db));
        let label = db.labels.first().map(|l| l.as_str()).unwrap_or("");
        let Some(content) = db.body.get_blocks("content").next() else {
            return Err(unsupported(
                format!("a dynamic \"{label}\" block without content"),
                loc,
            ));
        };
        let iterator = db
            .body
            .get_attribute("iterator")
            .and_then(|a| a.value.as_variable().map(|v| v.as_str().to_string()))
            .unwrap_or_else(|| label.to_string());
        let for_each = db
            .body
            .get_attribute("for_each")
            .map(|a| self.eval(sc, &a.value))
            .unwrap_or_else(|| Doc::new(DocKind::Null, loc));
        let bind = |key: Doc, value: Doc| -> HashMap<String, Doc> {
            let mut vars: HashMap<String, Doc> = sc.tvars.cloned().unwrap_or_default();
            let l = value.loc;
            let entry = |k: &str, v: Doc| DocEntry {
                key: k.into(),
                key_loc: l,
                value: v,
            };
            vars.insert(
                iterator.clone(),
                Doc::new(
                    DocKind::Map(vec![entry("key", key), entry("value", value)]),
                    l,
                ),
            );
            vars
        };
        let alts = match for_each.kind {
            DocKind::Choice(alts) => alts,
            kind => vec![Doc::new(kind, for_each.loc)],
        };
        let mut out = Vec::new();
        for alt in alts {
            match elements(&alt) {
                Ok(els) => {
                    if out.len() + els.len() > MAX_INSTANCES {
                        return Err(self.limit(
                            loc,
                            format!(
                                "a dynamic \"{label}\" block over more than {MAX_INSTANCES} elements"
                            ),
                        ));
                    }
                    out.extend(els.into_iter().map(|(k, v)| bind(k, v)));
                }
                Err(None) if matches!(alt.kind, DocKind::Null) => {}
                Err(w) => {
                    let why = w.unwrap_or_else(|| {
                        Why::unsupported(format!(
                            "the for_each of this dynamic \"{label}\" block is not a collection"
                        ))
                    });
                    let why = Why {
                        reason: format!("{iterator}.value: {}", why.reason),
                        cause: why.cause,
                    };
                    out.push(bind(unknown(why.clone(), loc), unknown(why, loc)));
                }
            }
        }
        Ok((out, content))
    }

    /// `dynamic "statement"`: one statement per element.
    pub(super) fn dynamic_statements(&self, sc: Scope<'_>, sb: &Block) -> Vec<Doc> {
        match self.expand_dynamic(sc, sb) {
            Ok((bindings, content)) => bindings
                .iter()
                .map(|vars| self.statement(sc.with(vars), content))
                .collect(),
            Err(d) => vec![d],
        }
    }

    /// Static and dynamic blocks named `ident` of a block, each with the scope to read it in.
    fn blocks_of<'b>(
        &self,
        sc: Scope<'_>,
        sb: &'b Block,
        ident: &str,
    ) -> (Vec<(Bound, &'b Block)>, Vec<Doc>) {
        let mut out: Vec<(HashMap<String, Doc>, &'b Block)> = Vec::new();
        let mut failed = Vec::new();
        let base: HashMap<String, Doc> = sc.tvars.cloned().unwrap_or_default();
        for b in sb.body.blocks() {
            if b.ident.as_str() == ident {
                out.push((base.clone(), b));
            } else if b.ident.as_str() == "dynamic"
                && b.labels.first().map(|l| l.as_str()) == Some(ident)
            {
                match self.expand_dynamic(sc, b) {
                    Ok((bindings, content)) => {
                        out.extend(bindings.into_iter().map(|v| (v, content)))
                    }
                    Err(d) => failed.push(d),
                }
            }
        }
        (out, failed)
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
        entries.extend(attr_entry("sid", "Sid").filter(|e| !matches!(e.value.kind, DocKind::Null)));
        entries.push(
            attr_entry("effect", "Effect")
                .filter(|e| !matches!(e.value.kind, DocKind::Null))
                .unwrap_or_else(|| DocEntry {
                    key: "Effect".into(),
                    key_loc: ident_loc,
                    value: Doc::scalar(Value::lit("Allow"), ident_loc),
                }),
        );
        for (attr, key) in [
            ("actions", "Action"),
            ("not_actions", "NotAction"),
            ("resources", "Resource"),
            ("not_resources", "NotResource"),
        ] {
            // The provider de-duplicates and sorts these sets (reverse byte order).
            if let Some(mut e) = attr_entry(attr, key) {
                if matches!(e.value.kind, DocKind::Null) {
                    continue;
                }
                e.value = set_of_strings(e.value);
                entries.push(e);
            }
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
        // The provider writes `&{aws:username}` as the policy variable `${aws:username}`.
        for e in entries.iter_mut() {
            let v = std::mem::replace(&mut e.value, Doc::new(DocKind::Null, e.key_loc));
            e.value = policy_variables(v);
        }
        Doc::new(DocKind::Map(entries), loc)
    }

    /// `principals { type, identifiers }` blocks (static and dynamic) -> `{"AWS": [...],
    /// "Service": [...]}` with blocks of one type concatenated, or `"*"` when a block has type
    /// `*` (as the provider renders it).
    pub(super) fn principals(
        &self,
        sc: Scope<'_>,
        sb: &Block,
        ident: &str,
        key: &str,
    ) -> Option<DocEntry> {
        let (blocks, failed) = self.blocks_of(sc, sb, ident);
        let first = sb.body.blocks().find(|b| {
            b.ident.as_str() == ident
                || (b.ident.as_str() == "dynamic"
                    && b.labels.first().map(|l| l.as_str()) == Some(ident))
        })?;
        if blocks.is_empty() && failed.is_empty() {
            return None;
        }
        let key_loc = sc.loc(span_of(&first.ident));
        let mut types: Vec<DocEntry> = Vec::new();
        let mut star: Option<Doc> = None;
        for (vars, b) in &blocks {
            let bsc = sc.with(vars);
            let ty_doc = b
                .body
                .get_attribute("type")
                .map(|a| self.eval(bsc, &a.value));
            let ty_loc = ty_doc.as_ref().map_or(bsc.loc(span_of(*b)), |d| d.loc);
            let mut ids = Vec::new();
            if let Some(a) = b.body.get_attribute("identifiers") {
                flatten_into(self.eval(bsc, &a.value), &mut ids);
            }
            let ty = match ty_doc.as_ref().map(|d| (lit(d), why_unknown(d))) {
                Some((Some(t), _)) => t.to_string(),
                Some((None, Some(why))) => {
                    // A type not known statically: the identifiers could be any kind.
                    ids = ids
                        .into_iter()
                        .map(|d| unknown(why.clone(), d.loc))
                        .collect();
                    "AWS".into()
                }
                _ => String::new(),
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
                    value: Doc::new(DocKind::List(ids), bsc.loc(span_of(*b))),
                }),
            }
        }
        for d in failed {
            types.push(DocEntry {
                key: "AWS".into(),
                key_loc: d.loc,
                value: d,
            });
        }
        for e in types.iter_mut() {
            let v = std::mem::replace(&mut e.value, Doc::new(DocKind::Null, e.key_loc));
            e.value = set_of_strings(v);
        }
        types.sort_by(|a, b| a.key.cmp(&b.key));
        let value = match star {
            Some(s) => s,
            None => Doc::new(DocKind::Map(types), sc.loc(span_of(first))),
        };
        Some(DocEntry {
            key: key.to_string(),
            key_loc,
            value,
        })
    }

    /// `condition { test, variable, values }` blocks (static and dynamic) ->
    /// `{test: {variable: [values]}}`; blocks with the same test and variable are concatenated
    /// (one list of values: any of them matches).
    pub(super) fn conditions(&self, sc: Scope<'_>, sb: &Block) -> Option<DocEntry> {
        let (blocks, failed) = self.blocks_of(sc, sb, "condition");
        let first = sb.body.blocks().find(|b| {
            b.ident.as_str() == "condition"
                || (b.ident.as_str() == "dynamic"
                    && b.labels.first().map(|l| l.as_str()) == Some("condition"))
        })?;
        let key_loc = sc.loc(span_of(&first.ident));
        let mut tests: Vec<DocEntry> = Vec::new();
        for (vars, b) in &blocks {
            let bsc = sc.with(vars);
            let block_loc = bsc.loc(span_of(*b));
            let lit_of = |attr: &str| {
                b.body.get_attribute(attr).map(|a| {
                    let d = self.eval(bsc, &a.value);
                    let s = d
                        .as_value()
                        .map(|v| v.as_lit().map_or_else(|| v.render(), str::to_string))
                        .unwrap_or_default();
                    (s, d.loc)
                })
            };
            let (test, test_loc) = lit_of("test").unwrap_or((String::new(), block_loc));
            let (var, var_loc) = lit_of("variable").unwrap_or((String::new(), block_loc));
            let mut values = Vec::new();
            if let Some(a) = b.body.get_attribute("values") {
                flatten_into(self.eval(bsc, &a.value), &mut values);
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
        for d in failed {
            tests.push(DocEntry {
                key: "?".into(),
                key_loc: d.loc,
                value: d,
            });
        }
        if tests.is_empty() {
            return None;
        }
        Some(DocEntry {
            key: "Condition".into(),
            key_loc,
            value: Doc::new(DocKind::Map(tests), sc.loc(span_of(first))),
        })
    }
}

fn policy_variables(d: Doc) -> Doc {
    let loc = d.loc;
    match d.kind {
        DocKind::Scalar(mut v) => {
            for p in v.parts.iter_mut() {
                if let crate::ir::Part::Lit(s) = p {
                    if s.contains("&{") {
                        *s = s.replace("&{", "${");
                    }
                }
            }
            Doc::scalar(v, loc)
        }
        DocKind::List(items) => Doc::new(
            DocKind::List(items.into_iter().map(policy_variables).collect()),
            loc,
        ),
        DocKind::Map(es) => Doc::new(
            DocKind::Map(
                es.into_iter()
                    .map(|mut e| {
                        e.value = policy_variables(e.value);
                        e
                    })
                    .collect(),
            ),
            loc,
        ),
        k => Doc::new(k, loc),
    }
}

/// A set of strings as the provider renders it: duplicates dropped, sorted in reverse byte
/// order. Values not known statically keep their place after the known ones.
pub(super) fn set_of_strings(d: Doc) -> Doc {
    let loc = d.loc;
    let mut items = Vec::new();
    match d.kind {
        DocKind::List(_) => flatten_into(d, &mut items),
        DocKind::Scalar(_) => items.push(d),
        kind => return Doc::new(kind, loc),
    }
    let mut known: Vec<Doc> = Vec::new();
    let mut other: Vec<Doc> = Vec::new();
    for it in items {
        match lit(&it).map(str::to_string) {
            Some(s) => {
                if !known.iter().any(|k| lit(k) == Some(s.as_str())) {
                    known.push(it);
                }
            }
            None => other.push(it),
        }
    }
    known.sort_by(|a, b| lit(b).cmp(&lit(a)));
    known.extend(other);
    Doc::new(DocKind::List(known), loc)
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

/// Go's `encoding/json` matches a JSON key to a struct field ignoring case (`ſ` and the Kelvin
/// sign fold to `s` and `k`), the last match winning; fields the struct lacks are dropped. The
/// provider decodes source and override documents that way, and renders the canonical names
/// (empty ones left out): `{"principal": "*"}` and a later `"PRINCIPAL"` are `Principal`.
fn go_decoded(d: &Doc, fields: &[&str]) -> Doc {
    let fold = |s: &str| -> String {
        s.chars()
            .map(|c| match c {
                '\u{17f}' => 's',
                '\u{212a}' => 'k',
                c => c.to_ascii_lowercase(),
            })
            .collect()
    };
    let DocKind::Map(entries) = &d.kind else {
        return d.clone();
    };
    let mut out: Vec<DocEntry> = Vec::new();
    for e in entries {
        let Some(name) = fields.iter().find(|f| fold(f) == fold(&e.key)) else {
            continue;
        };
        let value = match (*name, &e.value.kind) {
            ("Statement", DocKind::List(items)) => Doc::new(
                DocKind::List(items.iter().map(|s| go_decoded(s, STATEMENT)).collect()),
                e.value.loc,
            ),
            ("Statement", _) => go_decoded(&e.value, STATEMENT),
            _ => e.value.clone(),
        };
        out.retain(|o| o.key != *name);
        // Rendered with `omitempty`: an empty map, list or string is left out.
        let empty = match &value.kind {
            DocKind::Map(es) => es.is_empty(),
            DocKind::List(items) => items.is_empty(),
            DocKind::Scalar(v) => v.parts.is_empty(),
            _ => false,
        };
        if empty {
            continue;
        }
        out.push(DocEntry {
            key: name.to_string(),
            key_loc: e.key_loc,
            value,
        });
    }
    Doc::new(DocKind::Map(out), d.loc)
}

const DOCUMENT: &[&str] = &["Version", "Id", "Statement"];
const STATEMENT: &[&str] = &[
    "Sid",
    "Effect",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Principal",
    "NotPrincipal",
    "Condition",
];

impl PolicyParts {
    fn merge(&mut self, doc: Doc) {
        let mut parts = PolicyParts::default();
        let doc = match &doc.kind {
            DocKind::Map(_) => go_decoded(&doc, DOCUMENT),
            _ => doc,
        };
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
            DocKind::Null => return,
            // A conditional document: the statements of every alternative may be deployed.
            DocKind::Choice(alts) => {
                let lists = alts
                    .iter()
                    .map(|a| {
                        let items = match a.get("Statement").map(|s| &s.kind) {
                            Some(DocKind::List(items)) => items.clone(),
                            Some(_) => a.get("Statement").cloned().into_iter().collect(),
                            None if a.entries().is_empty() => vec![a.clone()],
                            None => Vec::new(),
                        };
                        Doc::new(DocKind::List(items), a.loc)
                    })
                    .collect();
                parts
                    .statements
                    .push(Doc::new(DocKind::Choice(lists), doc.loc));
            }
            // An unknown document: its statements may be anything.
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
