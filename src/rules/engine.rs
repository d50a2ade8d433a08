//! The engine: matches each rule's `when` table against a subject's facts, and writes the
//! finding's message from the subject's words.

use super::registry::{Registry, Rule};
use super::schema::{Expected, OnUnknown};
use crate::config::{Config, RuleLevel, Severity};
use crate::model::facts::{Fact, Subject};

/// Whether a rule matches a subject.
pub fn matches(rule: &Rule, subject: &Subject) -> bool {
    if !rule.subjects.contains(&subject.kind) {
        return false;
    }
    rule.def
        .when
        .iter()
        .all(|(name, expected)| match subject.facts.get(name.as_str()) {
            None => false,
            Some(Fact::Unknown) => rule.def.on_unknown == OnUnknown::Match,
            Some(Fact::Bool(b)) => matches!(expected, Expected::Bool(e) if e == b),
            Some(Fact::Str(s)) => match expected {
                Expected::Str(e) => e == s,
                Expected::AnyOf(list) => list.iter().any(|e| e == s),
                Expected::Bool(_) => false,
            },
        })
}

/// Fills `{var}` placeholders.
pub fn render(template: &str, subject: &Subject, resource: &str) -> String {
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(s) = rest.find('{') {
        out.push_str(&rest[..s]);
        let after = &rest[s + 1..];
        let Some(e) = after.find('}') else {
            out.push_str(&rest[s..]);
            rest = "";
            break;
        };
        let name = &after[..e];
        match (name, subject.vars.get(name)) {
            ("resource", _) => out.push_str(resource),
            (_, Some(v)) => out.push_str(v),
            (_, None) => {
                out.push('{');
                out.push_str(name);
                out.push('}');
            }
        }
        rest = &after[e + 1..];
    }
    out.push_str(rest);
    out
}

/// The severity a rule runs at under this config, or None when it is off.
pub fn level(rule: &Rule, cfg: &Config) -> Option<Severity> {
    match cfg.rule_levels.get(&rule.def.id) {
        Some(RuleLevel::Off) => None,
        Some(RuleLevel::On(s)) => Some(*s),
        None if rule.def.default_off => None,
        None => Some(rule.def.severity),
    }
}

/// Every rule that fires on the subject, with its effective severity.
pub fn evaluate<'r>(
    reg: &'r Registry,
    cfg: &Config,
    subject: &Subject,
) -> Vec<(&'r Rule, Severity)> {
    reg.rules
        .iter()
        .filter_map(|r| level(r, cfg).map(|sev| (r, sev)))
        .filter(|(r, _)| matches(r, subject))
        .collect()
}
