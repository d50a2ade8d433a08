//! Producers: the subjects (and their facts) of every key policy, grant and key, built from the
//! model. Every fact and placeholder set here is declared in `facts`.

use super::facts::{Subject, SubjectKind, F, V};
use crate::base::aws::is_account_id;
use crate::base::diag::InputError;
use crate::base::source::Loc;
use crate::base::trust::{Account, Trust, TrustConfig};
use crate::ir::{Cause, Grant};
use crate::model::condition::KeyKind;
use crate::model::principal::Scope;
use crate::model::{Effect, Policy, PrincipalRef};

fn trust_reason(t: &Trust) -> String {
    match t {
        Trust::Unknown(r) => r.clone(),
        _ => String::new(),
    }
}

/// How a message shows an account: `the key's own account`, `444455556666 (vendor-x)`.
fn shown_account(acct: Option<&Account>, trust: &Trust, cfg: &TrustConfig) -> String {
    match acct {
        Some(Account::Id(id)) if *trust == Trust::SelfAccount => {
            format!("the key's own account {}", cfg.account_label(id))
        }
        Some(Account::Id(id)) => format!("account {}", cfg.account_label(id)),
        Some(Account::Own) => "the key's own account".into(),
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
pub fn policy_subjects(policy: &Policy, cfg: &TrustConfig) -> Vec<Subject> {
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
        s.fact(F::Known, false)
            .fact(F::Effect, "allow")
            .fact(F::Trust, "unknown")
            .fact(F::CallerScope, "unknown")
            .var(V::Reason, format!("{reason}{more}"));
        // No statement could be read: say whose gap that is (any construct kmslint does not
        // evaluate makes it ours).
        if policy.statements.is_empty() {
            let causes = || policy.unknown.iter().map(|(_, w)| w.cause);
            let cause = if causes().any(|c| c == Cause::Unsupported) {
                "unsupported"
            } else if causes().any(|c| c == Cause::Input) {
                "input"
            } else {
                "reported"
            };
            s.fact(F::Cause, cause);
        }
        s.related = rest
            .iter()
            .map(|(l, r)| (*l, format!("also not known statically: {r}")))
            .collect();
        out.push(s);
    }
    for dup in &policy.duplicates {
        let Some((last, earlier)) = dup.locs.split_last() else {
            continue;
        };
        let mut s = Subject::new(SubjectKind::Duplicate, *last);
        s.var(V::Key, dup.key.clone())
            .var(V::Count, dup.locs.len().to_string());
        s.related = earlier
            .iter()
            .map(|l| (*l, format!("`{}` first defined here", dup.key)))
            .collect();
        out.push(s);
    }
    for st in &policy.statements {
        let label = st.label();
        let a = &st.analysis;
        let actions = st.action_set();
        let condition_keys: Vec<String> = a.keys.iter().map(|k| k.to_ascii_lowercase()).collect();
        let principals: Vec<String> = st.principals.iter().map(|p| p.class.text.clone()).collect();
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
        let scope_of = |p: &PrincipalRef| -> Scope {
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
                Some(Account::Own) => Some("self".to_string()),
                _ => None,
            };
            s.fact(F::Effect, effect_str(st.effect))
                .fact(
                    F::Element,
                    if st.not_principal {
                        "not_principal"
                    } else {
                        "principal"
                    },
                )
                .fact(F::Kind, p.class.kind.as_str())
                .fact(F::Trust, p.trust.as_str())
                .fact(F::Root, p.class.is_root)
                .fact(F::CallerRestricted, a.caller_restricted)
                .fact(F::CallerScope, scope_of(p).as_str())
                .fact(F::NetworkRestricted, a.network_restricted)
                .fact(F::ServiceScoped, a.service_scoped)
                .fact(F::Actions, actions.clone())
                .fact(F::ConditionKeys, condition_keys.clone())
                .fact(F::Principals, principals.clone());
            s.var(V::Statement, label.clone())
                .var(V::Principal, p.class.text.clone())
                .var(V::Type, p.principal_type.clone())
                .var(V::Conditions, conditions.clone())
                .var(V::Reason, trust_reason(&p.trust))
                .var(
                    V::Account,
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
            s.fact(F::Effect, effect_str(st.effect))
                .fact(F::Element, "condition")
                .fact(F::Trust, rv.trust.as_str())
                .fact(F::KeyKind, rv.kind.as_str())
                .fact(F::CallerScope, statement_scope.as_str())
                .fact(F::Actions, actions.clone())
                .fact(F::ConditionKeys, condition_keys.clone())
                .fact(F::Principals, principals.clone());
            let is_org = rv.kind == KeyKind::Org || rv.kind == KeyKind::OrgPath;
            let shown = if is_org {
                format!("organization {}", rv.subject)
            } else if rv.subject == "self" {
                "the key's own account".to_string()
            } else if rv.trust == Trust::SelfAccount {
                format!("the key's own account {}", cfg.account_label(&rv.subject))
            } else if is_account_id(&rv.subject) {
                format!("account {}", cfg.account_label(&rv.subject))
            } else {
                format!("`{}`", rv.subject)
            };
            s.var(V::Statement, label.clone())
                .var(V::Key, rv.key.clone())
                .var(V::Value, rv.value.render())
                .var(V::Principal, principals_text.clone())
                .var(V::Account, shown)
                .var(V::Reason, trust_reason(&rv.trust));
            s.statement = Some(st.sid.clone().unwrap_or_else(|| label.clone()));
            s.principal = st
                .principals
                .first()
                .filter(|_| st.principals.len() == 1)
                .map(|p| p.class.text.clone());
            if !is_org {
                s.account = is_account_id(&rv.subject).then(|| rv.subject.clone());
            }
            out.push(s);
        }
    }
    out
}

/// The grantee and retiring principal of a KMS grant.
pub fn grant_subjects(grant: &Grant, cfg: &TrustConfig, key_account: Option<&str>) -> Vec<Subject> {
    let mut out = Vec::new();
    for (role, p) in crate::model::grant_principals(grant, cfg, key_account) {
        let (class, trust) = (&p.class, &p.trust);
        let mut s = Subject::new(SubjectKind::Grant, p.loc);
        s.fact(F::Effect, "allow")
            .fact(F::Role, role)
            .fact(F::Kind, class.kind.as_str())
            .fact(F::Trust, trust.as_str())
            .fact(F::CallerScope, Scope::of_trust(trust).as_str());
        let account = match &class.account {
            Some(Account::Id(id)) => format!("account {}", cfg.account_label(id)),
            Some(Account::Wildcard) => "any account".into(),
            Some(Account::Own) => "the key's own account".into(),
            _ => "an unknown account".into(),
        };
        s.var(V::Role, role)
            .var(V::Principal, class.text.clone())
            .var(V::Account, account);
        if let Trust::Unknown(r) = trust {
            s.var(V::Reason, r.clone());
        }
        s.principal = Some(class.text.clone());
        if let Some(Account::Id(id)) = &class.account {
            s.account = Some(id.clone());
        }
        out.push(s);
    }
    out
}

/// The key as a whole, for rules about the key rather than one statement (KMS012): only for a
/// policy that could be read whole.
pub fn key_subject(loc: Loc, cross_account: bool, has_tag: bool, tag: &str) -> Subject {
    let mut s = Subject::new(SubjectKind::Policy, loc);
    s.fact(F::Known, true)
        .fact(F::Effect, "allow")
        .fact(F::Trust, "none")
        .fact(F::CrossAccount, cross_account)
        .fact(F::HasTag, has_tag);
    s.var(V::Tag, tag).var(V::Reason, String::new());
    s
}

/// A file, or a part of one, that could not be read or parsed.
pub fn parse_error_subject(e: &InputError) -> Subject {
    let mut s = Subject::new(SubjectKind::ParseError, Loc::new(e.file, e.span));
    s.var(V::Message, e.message.clone());
    s
}
