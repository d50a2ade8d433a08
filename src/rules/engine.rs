//! The engine: matches each rule's `when` against a subject's facts (three-valued: a fact that
//! cannot be known gives an unknown answer, which the rule's `on_unknown` decides), and writes
//! the finding's message from the subject's words.

use super::facts::{Fact, Subject, F, V};
use super::registry::{Registry, Rule};
use super::schema::{Cond, OnUnknown, Test};
use crate::base::severity::{RuleLevel, Severity};
use crate::model::condition::Tri;
use std::collections::BTreeMap;

/// Configured levels by rule id (`[rules]` in kmslint.toml).
pub type Levels = BTreeMap<String, RuleLevel>;

/// The items of list facts a rule's `when` matched, for `{matched.<fact>}`.
pub type Matched = BTreeMap<F, Vec<String>>;

fn and(a: Tri, b: Tri) -> Tri {
    match (a, b) {
        (Tri::False, _) | (_, Tri::False) => Tri::False,
        (Tri::Unknown, _) | (_, Tri::Unknown) => Tri::Unknown,
        _ => Tri::True,
    }
}

fn or(a: Tri, b: Tri) -> Tri {
    match (a, b) {
        (Tri::True, _) | (_, Tri::True) => Tri::True,
        (Tri::Unknown, _) | (_, Tri::Unknown) => Tri::Unknown,
        _ => Tri::False,
    }
}

fn tri(b: bool) -> Tri {
    if b {
        Tri::True
    } else {
        Tri::False
    }
}

fn eval(cond: &Cond, s: &Subject, matched: &mut Matched) -> Tri {
    match cond {
        // Short-circuit: one false test decides an `all`, one true test an `any`.
        Cond::All(cs) => {
            let mut acc = Tri::True;
            for c in cs {
                acc = and(acc, eval(c, s, matched));
                if acc == Tri::False {
                    break;
                }
            }
            acc
        }
        Cond::Any(cs) => {
            let mut acc = Tri::False;
            for c in cs {
                acc = or(acc, eval(c, s, matched));
                if acc == Tri::True {
                    break;
                }
            }
            acc
        }
        Cond::Not(c) => match eval(c, s, &mut Matched::new()) {
            Tri::True => Tri::False,
            Tri::False => Tri::True,
            Tri::Unknown => Tri::Unknown,
        },
        Cond::Test(f, t) => test(*f, t, s, matched),
    }
}

fn test(f: F, t: &Test, s: &Subject, matched: &mut Matched) -> Tri {
    let Some(fact) = s.facts.get(&f) else {
        return Tri::False;
    };
    match (fact, t) {
        (Fact::Unknown, _) => Tri::Unknown,
        (Fact::Bool(b), Test::Bool(e)) => tri(b == e),
        (Fact::Str(w), Test::In(list)) => tri(list.iter().any(|e| e == w)),
        (Fact::List(items), Test::Contains(wanted)) => {
            let hits: Vec<String> = items
                .iter()
                .filter(|i| wanted.iter().any(|w| w.eq_ignore_ascii_case(i)))
                .cloned()
                .collect();
            record(matched, f, hits)
        }
        (Fact::List(items), Test::Empty(e)) => tri(items.is_empty() == *e),
        (Fact::Actions(actions), Test::AllowsAny(names)) => {
            record(matched, f, actions.allowed_of(names))
        }
        (Fact::Actions(actions), Test::Empty(e)) => tri(actions.patterns.is_empty() == *e),
        _ => Tri::False,
    }
}

fn record(matched: &mut Matched, f: F, hits: Vec<String>) -> Tri {
    if hits.is_empty() {
        return Tri::False;
    }
    matched.entry(f).or_insert(hits);
    Tri::True
}

/// Whether a rule matches a subject, and the list items it matched.
pub fn matches(rule: &Rule, subject: &Subject) -> Option<Matched> {
    if !rule.subjects.contains(&subject.kind) {
        return None;
    }
    let mut matched = Matched::new();
    let hit = match eval(&rule.when, subject, &mut matched) {
        Tri::True => true,
        Tri::False => false,
        Tri::Unknown => rule.def.on_unknown == OnUnknown::Match,
    };
    hit.then_some(matched)
}

/// Fills `{var}` placeholders: the subject's words, `{resource}`, and `{matched.<fact>}`.
pub fn render(template: &str, subject: &Subject, resource: &str, matched: &Matched) -> String {
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
        let list = name
            .strip_prefix("matched.")
            .and_then(F::parse)
            .and_then(|f| matched.get(&f));
        match (
            name,
            list,
            V::parse(name).and_then(|v| subject.vars.get(&v)),
        ) {
            ("resource", _, _) => out.push_str(resource),
            (_, Some(items), _) => out.push_str(&items.join(", ")),
            (_, None, Some(v)) => out.push_str(v),
            _ => {
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

/// The severity a rule runs at under these levels, or None when it is off.
pub fn level(rule: &Rule, levels: &Levels) -> Option<Severity> {
    match levels.get(&rule.def.id) {
        Some(RuleLevel::Off) => None,
        Some(RuleLevel::On(s)) => Some(*s),
        None if rule.def.default_off => None,
        None => Some(rule.def.severity),
    }
}

/// Every rule that fires on the subject, with its effective severity and what it matched.
pub fn evaluate<'r>(
    reg: &'r Registry,
    levels: &Levels,
    subject: &Subject,
) -> Vec<(&'r Rule, Severity, Matched)> {
    reg.rules
        .iter()
        .filter_map(|r| level(r, levels).map(|sev| (r, sev)))
        .filter_map(|(r, sev)| matches(r, subject).map(|m| (r, sev, m)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::base::source::Loc;
    use crate::model::Actions;
    use crate::rules::facts::SubjectKind;
    use crate::rules::registry::parse_rule;

    fn rule(when: &str, message: &str) -> Rule {
        let text = format!(
            "id = \"ORG-1\"\nname = \"t\"\nseverity = \"error\"\nsubject = [\"principal\"]\n\
             summary = \"s\"\nmessage = \"{message}\"\nlabel = \"l\"\nhelp = \"h\"\ndocs = \"d\"\n\
             [when]\n{when}\n"
        );
        match parse_rule("t.toml", &text) {
            Ok(r) => r,
            Err(e) => panic!("{e}"),
        }
    }

    fn subject(actions: &[&str], keys: &[&str], trust: Fact) -> Subject {
        let mut s = Subject::new(SubjectKind::Principal, Loc::default());
        s.fact(
            F::Actions,
            Actions {
                patterns: actions.iter().map(|a| Ok(a.to_string())).collect(),
                not_action: false,
            },
        )
        .fact(
            F::ConditionKeys,
            keys.iter().map(|k| k.to_string()).collect::<Vec<_>>(),
        )
        .fact(F::Kind, "aws")
        .var(V::Statement, "\"S\"");
        s.facts.insert(F::Trust, trust);
        s
    }

    #[test]
    fn list_tests_not_any_and_matched_items() {
        let r = rule(
            "actions = { allows_any = [\"kms:CreateGrant\"] }\nnot = { condition_keys = { contains = \"kms:GrantIsForAWSResource\" } }",
            "{statement} can ({matched.actions})",
        );
        let open = subject(
            &["kms:Decrypt", "kms:Create*"],
            &[],
            Fact::Str("trusted".into()),
        );
        let Some(m) = matches(&r, &open) else {
            panic!("kms:Create* allows kms:CreateGrant")
        };
        assert_eq!(
            render(&r.def.message, &open, "", &m),
            "\"S\" can (kms:Create*)"
        );
        let guarded = subject(
            &["kms:CreateGrant"],
            &["kms:grantisforawsresource"],
            Fact::Str("trusted".into()),
        );
        assert!(
            matches(&r, &guarded).is_none(),
            "the condition key is there"
        );
        let crypto = subject(&["kms:Decrypt"], &[], Fact::Str("trusted".into()));
        assert!(matches(&r, &crypto).is_none());
        let any = rule(
            "any = [{ trust = \"untrusted\" }, { kind = \"wildcard\" }]",
            "m",
        );
        assert!(matches(&any, &crypto).is_none());
        assert!(matches(&any, &subject(&[], &[], Fact::Str("untrusted".into()))).is_some());
    }

    #[test]
    fn unknown_facts_are_three_valued() {
        let skip = rule("trust = \"untrusted\"", "m");
        let unknown = subject(&[], &[], Fact::Unknown);
        assert!(matches(&skip, &unknown).is_none(), "on_unknown = skip");
        let negated = rule("not = { trust = \"untrusted\" }", "m");
        assert!(
            matches(&negated, &unknown).is_none(),
            "not unknown is unknown"
        );
        // `any` with one true branch is true whatever the unknown one says.
        let any = rule("any = [{ trust = \"untrusted\" }, { kind = \"aws\" }]", "m");
        assert!(matches(&any, &unknown).is_some());
        // `all` with one false test is false whatever the unknown one says.
        let all = rule("trust = \"untrusted\"\nkind = \"service\"", "m");
        assert!(matches(&all, &unknown).is_none());
    }
}
