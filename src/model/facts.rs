//! Facts: the flat, named properties that declarative rules match on. One `Subject` per thing a
//! finding can be about (a principal, a restricting condition value, a duplicate key, a grantee,
//! a file that could not be parsed), each with its location and the words a message needs.

use super::condition::Tri;
use super::principal::Trust;
use super::{Effect, Policy};
use crate::config::Config;
use crate::source::Loc;
use std::collections::BTreeMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SubjectKind {
    Principal,
    ConditionValue,
    Duplicate,
    Grant,
    Policy,
    ParseError,
    /// A `kmslint:ignore` comment or `Metadata.kmslint.ignore` entry that is invalid, expired or
    /// unused (see `suppress`).
    Suppression,
}

impl SubjectKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SubjectKind::Principal => "principal",
            SubjectKind::ConditionValue => "condition_value",
            SubjectKind::Duplicate => "duplicate",
            SubjectKind::Grant => "grant",
            SubjectKind::Policy => "policy",
            SubjectKind::ParseError => "parse_error",
            SubjectKind::Suppression => "suppression",
        }
    }

    pub fn parse(s: &str) -> Option<SubjectKind> {
        [
            SubjectKind::Principal,
            SubjectKind::ConditionValue,
            SubjectKind::Duplicate,
            SubjectKind::Grant,
            SubjectKind::Policy,
            SubjectKind::ParseError,
            SubjectKind::Suppression,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// A fact's value. `Unknown` is a real answer: the rule's `on_unknown` decides what it means.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fact {
    Bool(bool),
    Str(String),
    Unknown,
}

impl From<Tri> for Fact {
    fn from(t: Tri) -> Self {
        match t {
            Tri::True => Fact::Bool(true),
            Tri::False => Fact::Bool(false),
            Tri::Unknown => Fact::Unknown,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Subject {
    pub kind: SubjectKind,
    pub loc: Loc,
    /// Other places the finding should show (the first occurrence of a duplicate key).
    pub related: Vec<(Loc, String)>,
    pub facts: BTreeMap<&'static str, Fact>,
    /// Words for messages: `{statement}`, `{principal}`, `{account}`, ...
    pub vars: BTreeMap<&'static str, String>,
    pub statement: Option<String>,
    pub principal: Option<String>,
    pub account: Option<String>,
}

impl Subject {
    pub fn new(kind: SubjectKind, loc: Loc) -> Self {
        Subject {
            kind,
            loc,
            related: Vec::new(),
            facts: BTreeMap::new(),
            vars: BTreeMap::new(),
            statement: None,
            principal: None,
            account: None,
        }
    }

    fn fact(&mut self, name: &'static str, f: impl Into<Fact>) -> &mut Self {
        self.facts.insert(name, f.into());
        self
    }

    fn var(&mut self, name: &'static str, v: impl Into<String>) -> &mut Self {
        self.vars.insert(name, v.into());
        self
    }
}

impl From<bool> for Fact {
    fn from(b: bool) -> Self {
        Fact::Bool(b)
    }
}

impl From<&str> for Fact {
    fn from(s: &str) -> Self {
        Fact::Str(s.to_string())
    }
}

/// `444455556666 (vendor-x)` when the account has a configured name.
pub fn account_label(id: &str, cfg: &Config) -> String {
    match cfg.account_name(id) {
        Some(name) => format!("{id} ({name})"),
        None => id.to_string(),
    }
}

fn trust_reason(t: &Trust) -> String {
    match t {
        Trust::Unknown(r) => r.clone(),
        _ => String::new(),
    }
}

/// How a message shows an account: `the key's own account`, `444455556666 (vendor-x)`.
fn shown_account(acct: Option<&super::principal::Account>, trust: &Trust, cfg: &Config) -> String {
    use super::principal::Account;
    match acct {
        Some(Account::Id(id)) if *trust == Trust::SelfAccount => {
            format!("the key's own account {}", account_label(id, cfg))
        }
        Some(Account::Id(id)) => format!("account {}", account_label(id, cfg)),
        Some(Account::SelfAccount) => "the key's own account".into(),
        Some(Account::Wildcard) => "any account".into(),
        Some(Account::Unknown(_)) => "an unknown account".into(),
        None => "any account (an AWS service acts for whoever asks it)".into(),
    }
}

fn effect_str(e: Effect) -> &'static str {
    match e {
        Effect::Allow => "allow",
        Effect::Deny => "deny",
    }
}

/// Facts of every statement of one key policy.
pub fn policy_subjects(policy: &Policy, cfg: &Config, site_loc: Loc) -> Vec<Subject> {
    use super::principal::{Account, Scope};
    let mut out = Vec::new();
    // One finding per policy for the parts that cannot be read, at the first of them: a module
    // with a dozen `dynamic` statements is one thing to fix, not a dozen.
    if let Some(((loc, reason), rest)) = policy.unknown.split_first() {
        let mut s = Subject::new(SubjectKind::Policy, *loc);
        let more = if rest.is_empty() {
            String::new()
        } else {
            format!(" (and {} more part(s) of this policy)", rest.len())
        };
        s.fact("known", false)
            .fact("effect", "allow")
            .fact("trust", "unknown")
            .fact("caller_scope", "unknown")
            .var("reason", format!("{reason}{more}"));
        s.related = rest
            .iter()
            .map(|(l, r)| (*l, format!("also not known statically: {r}")))
            .collect();
        out.push(s);
    }
    let _ = site_loc;
    for dup in &policy.duplicates {
        let Some((last, earlier)) = dup.locs.split_last() else {
            continue;
        };
        let mut s = Subject::new(SubjectKind::Duplicate, *last);
        s.var("key", dup.key.clone())
            .var("count", dup.locs.len().to_string());
        s.related = earlier
            .iter()
            .map(|l| (*l, format!("`{}` first defined here", dup.key)))
            .collect();
        out.push(s);
    }
    for st in &policy.statements {
        let label = st.label();
        let admin = st.admin_actions();
        let a = &st.analysis;
        let conditions = if a.keys.is_empty() {
            "it has no Condition".to_string()
        } else {
            let mut notes: Vec<&str> = Vec::new();
            for n in &a.notes {
                if !notes.contains(&n.as_str()) {
                    notes.push(n);
                }
            }
            let keys: Vec<String> = a.keys.iter().map(|k| format!("`{k}`")).collect();
            format!(
                "its Condition tests {} and none pins the caller: {}",
                keys.join(", "),
                notes.join("; ")
            )
        };
        // Each principal is bounded by the narrowest identity condition (conditions AND with
        // the principal); NotPrincipal grants everyone else.
        let scope_of = |p: &super::PrincipalRef| -> Scope {
            if st.not_principal {
                Scope::Any
            } else {
                Scope::of_trust(&p.trust).min(a.scope)
            }
        };
        let statement_scope =
            st.principals
                .iter()
                .map(scope_of)
                .max()
                .unwrap_or(if st.not_principal {
                    Scope::Any
                } else {
                    a.scope
                });
        let principals_text = if st.principals.is_empty() {
            "(no principal)".to_string()
        } else {
            st.principals
                .iter()
                .map(|p| p.class.text.clone())
                .collect::<Vec<_>>()
                .join("`, `")
        };
        for p in &st.principals {
            let mut s = Subject::new(SubjectKind::Principal, p.loc);
            let account = match &p.class.account {
                Some(Account::Id(id)) => Some(id.clone()),
                Some(Account::SelfAccount) => Some("self".to_string()),
                _ => None,
            };
            s.fact("effect", effect_str(st.effect))
                .fact(
                    "element",
                    if st.not_principal {
                        "not_principal"
                    } else {
                        "principal"
                    },
                )
                .fact("kind", p.class.kind.as_str())
                .fact("trust", p.trust.as_str())
                .fact("root", p.class.is_root)
                .fact("caller_restricted", a.caller_restricted)
                .fact("caller_scope", scope_of(p).as_str())
                .fact("network_restricted", a.network_restricted)
                .fact("service_scoped", a.service_scoped)
                .fact("admin", !admin.is_empty());
            s.var("statement", label.clone())
                .var("principal", p.class.text.clone())
                .var("type", p.principal_type.clone())
                .var("conditions", conditions.clone())
                .var("admin_actions", admin.join(", "))
                .var("reason", trust_reason(&p.trust))
                .var(
                    "account",
                    shown_account(p.class.account.as_ref(), &p.trust, cfg),
                );
            if st.not_principal {
                if let Some(l) = st.not_principal_loc {
                    s.related.push((l, "NotPrincipal".into()));
                }
            }
            s.statement = Some(st.sid.clone().unwrap_or_else(|| label.clone()));
            s.principal = Some(p.class.text.clone());
            s.account = account.filter(|a| a != "self");
            out.push(s);
        }
        for rv in &a.restricting {
            let mut s = Subject::new(SubjectKind::ConditionValue, rv.loc);
            s.fact("effect", effect_str(st.effect))
                .fact("element", "condition")
                .fact("trust", rv.trust.as_str())
                .fact("key_kind", rv.kind.as_str())
                .fact("caller_scope", statement_scope.as_str());
            let is_org = rv.kind == super::condition::KeyKind::Org
                || rv.kind == super::condition::KeyKind::OrgPath;
            let shown = if is_org {
                format!("organization {}", rv.subject)
            } else if rv.subject == "self" {
                "the key's own account".to_string()
            } else if rv.trust == Trust::SelfAccount {
                format!("the key's own account {}", account_label(&rv.subject, cfg))
            } else if crate::config::is_account_id(&rv.subject) {
                format!("account {}", account_label(&rv.subject, cfg))
            } else {
                format!("`{}`", rv.subject)
            };
            s.var("statement", label.clone())
                .var("key", rv.key.clone())
                .var("value", rv.value.render())
                .var("principal", principals_text.clone())
                .var("account", shown)
                .var("reason", trust_reason(&rv.trust));
            s.statement = Some(st.sid.clone().unwrap_or_else(|| label.clone()));
            s.principal = st
                .principals
                .first()
                .filter(|_| st.principals.len() == 1)
                .map(|p| p.class.text.clone());
            if !is_org {
                s.account = crate::config::is_account_id(&rv.subject).then(|| rv.subject.clone());
            }
            out.push(s);
        }
    }
    out
}
