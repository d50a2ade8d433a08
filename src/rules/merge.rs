//! One finding per (key, statement, rule): the findings a rule gives on the principals and
//! condition values of one statement (or the grantee and retiring principal of one grant) are
//! reported as one, with every principal listed and labelled.
//!
//! Merging runs after suppressions: a suppression covers the finding on its line, so a
//! suppressed principal stays a finding of its own (suppressed) and never hides a new principal
//! added to the same statement; findings are merged only with others suppressed the same way.

use super::engine::{self, Matched};
use super::facts::{Subject, SubjectKind, VARS};
use super::registry::Registry;
use super::{Finding, Related, Suppressed};
use std::collections::HashMap;
use std::sync::Arc;

/// What findings must share to be one: file, site and statement, rule, suppression.
type Key = (
    usize,
    usize,
    usize,
    String,
    Option<(String, Option<String>, &'static str)>,
);

fn key(f: &Finding) -> Option<Key> {
    let g = f.group?;
    f.words.as_ref()?;
    Some((
        Arc::as_ptr(&f.file) as usize,
        g.site,
        g.index,
        f.rule.clone(),
        f.suppression
            .as_ref()
            .map(|s: &Suppressed| (s.reason.clone(), s.until.map(|d| d.to_string()), s.kind)),
    ))
}

/// Merges each group of findings into its first (by position); other findings keep their place.
pub fn merge(findings: Vec<Finding>, reg: &Registry) -> Vec<Finding> {
    let mut groups: HashMap<Key, Vec<Finding>> = HashMap::new();
    let mut order: Vec<Result<Finding, Key>> = Vec::new();
    for f in findings {
        match key(&f) {
            Some(k) => {
                let members = groups.entry(k.clone()).or_default();
                if members.is_empty() {
                    order.push(Err(k));
                }
                members.push(f);
            }
            None => order.push(Ok(f)),
        }
    }
    order
        .into_iter()
        .filter_map(|slot| match slot {
            Ok(f) => Some(f),
            Err(k) => groups.remove(&k).and_then(|m| one(m, reg)),
        })
        .collect()
}

/// The members of a group as one finding.
fn one(mut members: Vec<Finding>, reg: &Registry) -> Option<Finding> {
    if members.len() < 2 {
        return members.pop();
    }
    members.sort_by_key(|f| (f.span.start, f.span.end));
    let mut first = members.first()?.clone();
    if let Some(rule) = reg.get(&first.rule) {
        // One message per kind of subject (principals, condition values), in order.
        let mut kinds: Vec<SubjectKind> = Vec::new();
        for m in &members {
            if let Some(w) = &m.words {
                if !kinds.contains(&w.kind) {
                    kinds.push(w.kind);
                }
            }
        }
        let resource = first.resource.clone().unwrap_or_default();
        let messages: Vec<String> = kinds
            .iter()
            .map(|kind| {
                let template = rule
                    .def
                    .messages
                    .get(kind.as_str())
                    .unwrap_or(&rule.def.message);
                let of_kind: Vec<&Finding> = members
                    .iter()
                    .filter(|m| m.words.as_ref().is_some_and(|w| w.kind == *kind))
                    .collect();
                let (subject, matched) = combined(*kind, &of_kind, template);
                engine::render(template, &subject, &resource, &matched)
            })
            .collect();
        first.message = messages.join("; ");
    }
    let mut related: Vec<Related> = Vec::new();
    let mut push = |r: Related| {
        let seen = related
            .iter()
            .any(|o| Arc::ptr_eq(&o.file, &r.file) && o.span == r.span && o.message == r.message);
        if !seen {
            related.push(r);
        }
    };
    for r in &first.related {
        push(r.clone());
    }
    for m in members.iter().skip(1) {
        if m.span != first.span {
            push(Related {
                file: m.file.clone(),
                span: m.span,
                message: m.label.clone(),
                // Merged after suppressions were applied, principal by principal.
                suppressible: false,
            });
        }
        for r in &m.related {
            push(r.clone());
        }
    }
    first.related = related;
    for m in members.iter().skip(1) {
        for p in &m.principals {
            if !first.principals.contains(p) {
                first.principals.push(p.clone());
            }
        }
        for a in &m.accounts {
            if !first.accounts.contains(a) {
                first.accounts.push(a.clone());
            }
        }
    }
    Some(first)
}

/// A subject whose every word is the members' values, each distinct value once, joined so that
/// the template still reads: "`a`, `b`" where the template quotes the word, "; " between
/// reasons, "a, b and c" otherwise.
fn combined(kind: SubjectKind, members: &[&Finding], template: &str) -> (Subject, Matched) {
    let mut s = Subject::new(kind, crate::base::source::Loc::default());
    let mut matched = Matched::new();
    for def in VARS {
        let mut values: Vec<&str> = Vec::new();
        let mut present = false;
        for m in members {
            if let Some(v) = m.words.as_ref().and_then(|w| w.vars.get(&def.var)) {
                present = true;
                if !v.is_empty() && !values.contains(&v.as_str()) {
                    values.push(v);
                }
            }
        }
        if !present {
            continue;
        }
        let joined = if template.contains(&format!("`{{{}}}`", def.name)) {
            values.join("`, `")
        } else if def.name == "reason" {
            values.join("; ")
        } else {
            match values.split_last() {
                Some((last, rest)) if !rest.is_empty() => {
                    format!("{} and {last}", rest.join(", "))
                }
                _ => values.join(", "),
            }
        };
        s.vars.insert(def.var, joined);
    }
    for m in members {
        if let Some(w) = &m.words {
            for (f, items) in &w.matched {
                let all = matched.entry(*f).or_default();
                for i in items {
                    if !all.contains(i) {
                        all.push(i.clone());
                    }
                }
            }
        }
    }
    (s, matched)
}
