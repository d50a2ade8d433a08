//! The shape of a rule file. Rules are data: id, texts, and a `when` clause over named facts.
//!
//! `[when]` is a table whose entries must all hold. An entry is a fact test, or a combinator:
//!
//! ```toml
//! [when]
//! effect = "allow"                          # a word fact equals this word
//! caller_scope = ["untrusted", "any"]       # ... or any of these (also `{ in = [...] }`)
//! root = false                              # a yes/no fact
//! actions = { allows_any = ["kms:CreateGrant"] }         # the statement allows one of these
//! condition_keys = { contains = "kms:GrantIsForAWSResource" }  # a list fact holds this
//! principals = { contains_any = ["*"] }     # ... or one of these; `{ empty = true }`
//! not = { kind = "service" }                # none of the table's tests all hold
//! any = [{ trust = "untrusted" }, { trust = "any" }]     # one of the tables holds
//! all = [{ ... }, { ... }]                  # every table holds
//! ```
//!
//! Facts are three-valued: a fact that cannot be known makes its test unknown, and the rule's
//! `on_unknown` decides whether an unknown answer is a finding. A message may name
//! `{matched.<fact>}`: the items of a list fact that the `when` matched (for `actions`, the
//! patterns that allow one of the listed actions).

use super::facts::{FactType, SubjectKind, F};
use crate::base::severity::Severity;
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleDef {
    /// `KMS001`: stable forever, never reused.
    pub id: String,
    /// kebab-case name of the bad pattern: `wildcard-principal`.
    pub name: String,
    pub severity: Severity,
    /// Rules that are off unless the config turns them on.
    #[serde(default)]
    pub default_off: bool,
    /// What the rule is about: `principal`, `condition_value`, `duplicate`, `grant`, `policy`,
    /// `parse_error`, `suppression`.
    pub subject: Vec<String>,
    /// One line for `kmslint rules`.
    pub summary: String,
    /// The finding's message, with `{var}` placeholders.
    pub message: String,
    /// Per-subject message overrides, keyed by subject name.
    #[serde(default)]
    pub messages: BTreeMap<String, String>,
    /// The label under the offending span.
    pub label: String,
    /// How to fix it, one or two sentences.
    pub help: String,
    /// Markdown for `kmslint explain`: why it is dangerous, a bad and a good example.
    pub docs: String,
    /// The tests that must hold (see the module docs).
    #[serde(default)]
    pub when: toml::Table,
    /// What an unknown answer means: `skip` (no finding) or `match`.
    #[serde(default)]
    pub on_unknown: OnUnknown,
    /// CWE ids the rule's findings fall under, for SARIF tags (`external/cwe/cwe-732`).
    #[serde(default)]
    pub cwe: Vec<u32>,
}

impl RuleDef {
    /// The severity it runs at unless configured, or `off` for a rule that is off by default.
    pub fn default_level(&self) -> &'static str {
        if self.default_off {
            "off"
        } else {
            self.severity.as_str()
        }
    }
}

#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum OnUnknown {
    #[default]
    Skip,
    Match,
}

/// A compiled `when` clause.
#[derive(Clone, Debug, PartialEq)]
pub enum Cond {
    All(Vec<Cond>),
    Any(Vec<Cond>),
    Not(Box<Cond>),
    Test(F, Test),
}

/// One test of one fact.
#[derive(Clone, Debug, PartialEq)]
pub enum Test {
    Bool(bool),
    /// The word fact is one of these.
    In(Vec<String>),
    /// The list fact holds one of these (compared ASCII case-insensitively).
    Contains(Vec<String>),
    /// The statement allows one of these actions.
    AllowsAny(Vec<String>),
    /// The list (or the actions) is empty, or not.
    Empty(bool),
}

/// Compiles a `when` table, checking every fact against what each of `subjects` provides.
pub fn compile(when: &toml::Table, subjects: &[SubjectKind]) -> Result<Cond, String> {
    let mut all = Vec::new();
    for (name, value) in when {
        all.push(compile_entry(name, value, subjects)?);
    }
    // Cheap tests first: the engine stops at the first that fails.
    all.sort_by_key(Cond::cost);
    Ok(Cond::All(all))
}

fn compile_tables(
    name: &str,
    value: &toml::Value,
    subjects: &[SubjectKind],
) -> Result<Vec<Cond>, String> {
    let Some(items) = value.as_array() else {
        return Err(format!(
            "`{name}` takes a list of tables: `{name} = [{{ … }}, {{ … }}]`"
        ));
    };
    if items.is_empty() {
        return Err(format!("`{name}` lists nothing"));
    }
    items
        .iter()
        .map(|item| match item.as_table() {
            Some(t) => compile(t, subjects),
            None => Err(format!("`{name}` takes tables of tests, not `{item}`")),
        })
        .collect()
}

fn compile_entry(
    name: &str,
    value: &toml::Value,
    subjects: &[SubjectKind],
) -> Result<Cond, String> {
    match name {
        "all" => return Ok(Cond::All(compile_tables(name, value, subjects)?)),
        "any" => return Ok(Cond::Any(compile_tables(name, value, subjects)?)),
        "not" => {
            let Some(t) = value.as_table() else {
                return Err("`not` takes a table of tests: `not = { kind = \"service\" }`".into());
            };
            return Ok(Cond::Not(Box::new(compile(t, subjects)?)));
        }
        _ => {}
    }
    let Some(fact) = F::parse(name) else {
        return Err(format!("there is no fact `{name}`"));
    };
    for kind in subjects {
        if !fact.def().subjects.contains(kind) {
            let has: Vec<&str> = kind.facts().map(|d| d.name).collect();
            return Err(format!(
                "subject `{}` has no fact `{name}` (it has: {})",
                kind.as_str(),
                has.join(", ")
            ));
        }
    }
    let ty = fact.def().ty;
    let words = |v: &toml::Value| -> Result<Vec<String>, String> {
        let list: Vec<&toml::Value> = match v {
            toml::Value::Array(a) => a.iter().collect(),
            other => vec![other],
        };
        let out: Option<Vec<String>> = list
            .iter()
            .map(|x| x.as_str().map(str::to_string))
            .collect();
        match out {
            Some(o) if !o.is_empty() => Ok(o),
            Some(_) => Err(format!("`{name}` lists no accepted values")),
            None => Err(format!("`{name}` takes words (strings), not `{v}`")),
        }
    };
    let test = match (ty, value) {
        (FactType::Bool, toml::Value::Boolean(b)) => Test::Bool(*b),
        (FactType::Word(allowed), toml::Value::String(_) | toml::Value::Array(_)) => {
            let w = words(value)?;
            check_words(name, &w, allowed)?;
            Test::In(w)
        }
        (_, toml::Value::Table(t)) => {
            let [(op, arg)] = t.iter().collect::<Vec<_>>()[..] else {
                return Err(format!("`{name} = {{ … }}` takes exactly one test"));
            };
            match (ty, op.as_str()) {
                (FactType::Word(allowed), "in") => {
                    let w = words(arg)?;
                    check_words(name, &w, allowed)?;
                    Test::In(w)
                }
                (FactType::List, "contains" | "contains_any") => Test::Contains(words(arg)?),
                (FactType::Actions, "allows" | "allows_any") => Test::AllowsAny(words(arg)?),
                (FactType::List | FactType::Actions, "empty") => match arg.as_bool() {
                    Some(b) => Test::Empty(b),
                    None => return Err(format!("`{name} = {{ empty = … }}` takes true or false")),
                },
                _ => {
                    return Err(format!(
                        "`{op}` is not a test for `{name}` ({})",
                        tests_for(ty)
                    ))
                }
            }
        }
        _ => return Err(format!("`{name} = {value}`: {}", tests_for(ty))),
    };
    Ok(Cond::Test(fact, test))
}

fn check_words(name: &str, words: &[String], allowed: &[&str]) -> Result<(), String> {
    match words
        .iter()
        .find(|w| !allowed.is_empty() && !allowed.contains(&w.as_str()))
    {
        Some(w) => Err(format!(
            "`{name}` is never `{w}` (it is one of: {})",
            allowed.join(", ")
        )),
        None => Ok(()),
    }
}

fn tests_for(ty: FactType) -> &'static str {
    match ty {
        FactType::Bool => "it takes true or false",
        FactType::Word(_) => "it takes a word, a list of words, or `{ in = [...] }`",
        FactType::List => {
            "it takes `{ contains = \"…\" }`, `{ contains_any = [...] }` or `{ empty = … }`"
        }
        FactType::Actions => "it takes `{ allows_any = [...] }` or `{ empty = … }`",
    }
}

impl Cond {
    /// Relative cost of evaluating the clause: word and yes/no tests, then list tests, then the
    /// action matching and combinators.
    fn cost(&self) -> u8 {
        match self {
            Cond::Test(_, Test::Bool(_) | Test::In(_) | Test::Empty(_)) => 0,
            Cond::Test(_, Test::Contains(_)) => 1,
            Cond::Test(_, Test::AllowsAny(_)) => 2,
            Cond::All(_) | Cond::Any(_) | Cond::Not(_) => 3,
        }
    }

    /// Whether the clause tests `fact` with a list test, so `{matched.<fact>}` has a value.
    pub fn matches_list(&self, fact: F) -> bool {
        match self {
            Cond::All(cs) | Cond::Any(cs) => cs.iter().any(|c| c.matches_list(fact)),
            Cond::Not(_) => false,
            Cond::Test(f, t) => *f == fact && matches!(t, Test::Contains(_) | Test::AllowsAny(_)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn compiled(when: &str) -> Result<Cond, String> {
        let table: toml::Table = match toml::from_str(when) {
            Ok(t) => t,
            Err(e) => panic!("{e}"),
        };
        compile(&table, &[SubjectKind::Principal])
    }

    #[test]
    fn tests_must_fit_the_fact() {
        assert!(compiled("effect = \"allow\"").is_ok());
        assert!(compiled("actions = { allows_any = [\"kms:*\"] }").is_ok());
        assert!(compiled("not = { condition_keys = { contains = \"x\" } }").is_ok());
        assert!(compiled("any = [{ root = true }, { kind = \"service\" }]").is_ok());
        let err = |w: &str| compiled(w).err().unwrap_or_default();
        assert!(err("colour = \"red\"").contains("no fact `colour`"));
        assert!(err("effect = \"alow\"").contains("never `alow`"));
        assert!(err("root = \"yes\"").contains("true or false"));
        assert!(err("actions = { contains = \"kms:*\" }").contains("not a test"));
        assert!(err("key_kind = \"account\"").contains("subject `principal` has no fact"));
        assert!(err("any = []").contains("lists nothing"));
        assert!(err("not = [1]").contains("table of tests"));
        assert!(err("effect = []").contains("no accepted values"));
    }

    #[test]
    fn matched_placeholders_need_a_list_test() {
        let Ok(c) = compiled(
            "actions = { allows_any = [\"kms:*\"] }\nnot = { principals = { contains = \"*\" } }",
        ) else {
            panic!("compiles")
        };
        assert!(c.matches_list(F::Actions));
        assert!(
            !c.matches_list(F::Principals),
            "a test under `not` matches nothing"
        );
    }
}
