//! Producers: the subjects (and their facts) of every key policy, grant and key, built from the
//! model. Every fact and placeholder set here is declared in `facts`.

use super::facts::{Subject, SubjectKind, F, V};
use crate::base::aws::is_account_id;
use crate::base::diag::InputError;
use crate::base::source::Loc;
use crate::base::trust::{Account, Trust, TrustConfig};
use crate::ir::{Cause, Dialect, Grant, Value, Why};
use crate::model::condition::{KeyKind, RestrictingValue, Tri};
use crate::model::principal::{PrincipalKind, Scope};
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

/// The `cause` fact of a value: whose gap it is that the value is not known.
fn cause_of(v: &Value) -> &'static str {
    match v.unknown_why().map(|w| w.cause) {
        None => "none",
        Some(Cause::Input) => "input",
        Some(Cause::Unsupported) => "unsupported",
        Some(Cause::Reported) => "reported",
    }
}

/// How a message shows whom a wildcard pinned by conditions lets in:
/// `account 111122223333 (as `kms:CallerAccount` requires)`.
fn pinned_to(a: &crate::model::condition::Analysis, cfg: &TrustConfig) -> Option<String> {
    let mut who: Vec<String> = Vec::new();
    let mut keys: Vec<String> = Vec::new();
    for rv in &a.restricting {
        let shown = shown_restriction(rv, cfg);
        if !who.contains(&shown) {
            who.push(shown);
        }
        let key = format!("`{}`", rv.key);
        if !keys.contains(&key) {
            keys.push(key);
        }
    }
    if who.is_empty() {
        return None;
    }
    Some(format!(
        "{} (as {} require{})",
        who.join(", "),
        keys.join(" and "),
        if keys.len() == 1 { "s" } else { "" }
    ))
}

/// How a message shows one restricting value: `account 444455556666 (vendor)`, `every account of
/// organization o-…`, `the key's own account`, or the value as written.
fn shown_restriction(rv: &RestrictingValue, cfg: &TrustConfig) -> String {
    let is_org = rv.kind == KeyKind::Org || rv.kind == KeyKind::OrgPath;
    if is_org && !matches!(rv.trust, Trust::Unknown(_)) {
        format!("every account of organization {}", rv.subject)
    } else if rv.subject == "self" {
        "the key's own account".to_string()
    } else if rv.trust == Trust::SelfAccount {
        format!("the key's own account {}", cfg.account_label(&rv.subject))
    } else if is_account_id(&rv.subject) {
        format!("account {}", cfg.account_label(&rv.subject))
    } else {
        format!("`{}`", rv.subject)
    }
}

/// ` including key administration (kms:*)`, when the statement allows it.
fn admin_words(admin: &[String]) -> String {
    if admin.is_empty() {
        String::new()
    } else {
        format!(", including key administration ({})", admin.join(", "))
    }
}

/// Why the conditions do not scope a service principal, for KMS008.
fn service_conditions(a: &crate::model::condition::Analysis) -> String {
    if a.keys.is_empty() {
        return "it has no Condition".to_string();
    }
    let keys: Vec<String> = a.keys.iter().map(|k| format!("`{k}`")).collect();
    format!(
        "its Condition tests {}, which {} not say for whose resources the service acts",
        keys.join(", "),
        if keys.len() == 1 { "does" } else { "do" }
    )
}

/// Facts of every statement of one key policy.
pub fn policy_subjects(policy: &Policy, cfg: &TrustConfig) -> Vec<Subject> {
    let mut out = Vec::new();
    // A policy AWS rejects is one finding, at the first reason, with the others beside it; the
    // statements it objects to are not in the model, so nothing else is said about them.
    if let Some((first, rest)) = policy.rejected.split_first() {
        let mut s = Subject::new(SubjectKind::Policy, first.loc);
        let more = match rest.len() {
            0 => String::new(),
            1 => " (and 1 more problem)".to_string(),
            n => format!(" (and {n} more problems)"),
        };
        s.fact(F::Rejected, true)
            .fact(F::Known, true)
            .fact(F::Effect, "allow")
            .fact(F::Trust, "none")
            .var(V::Reason, format!("{}{more}", first.reason));
        s.related = rest
            .iter()
            .map(|r| (r.loc, format!("also rejected: {}", r.reason)))
            .collect();
        s.statement = first.statement_name.clone();
        out.push(s);
    }
    // One finding per policy for the parts that cannot be read, at the first of them: a module
    // with a dozen `dynamic` statements is one thing to fix, not a dozen. Parts already reported
    // as a KMS000 come last, and alone they say nothing more.
    let mut unknown: Vec<&(Loc, Why)> = policy.unknown.iter().collect();
    unknown.sort_by_key(|(_, w)| w.cause == Cause::Reported);
    if let Some(((loc, reason), rest)) = unknown.split_first().map(|(f, r)| (*f, r)) {
        let mut s = Subject::new(SubjectKind::Policy, *loc);
        let more = if rest.is_empty() {
            String::new()
        } else {
            format!(" (and {} more part(s) of this policy)", rest.len())
        };
        // When none of the policy could be read, a construct kmslint does not evaluate anywhere
        // in it makes the gap ours (KMS018); otherwise the first unknown part says.
        let causes = || policy.unknown.iter().map(|(_, w)| w.cause);
        let cause = if policy.statements.is_empty() && causes().any(|c| c == Cause::Unsupported) {
            Cause::Unsupported
        } else {
            reason.cause
        };
        let cause = match cause {
            Cause::Input => "input",
            Cause::Unsupported => "unsupported",
            Cause::Reported => "reported",
        };
        s.fact(F::Known, false)
            .fact(F::Effect, "allow")
            .fact(F::Trust, "unknown")
            .fact(F::CallerScope, "unknown")
            .fact(F::Cause, cause)
            .fact(F::StatementsRead, !policy.statements.is_empty())
            .var(V::Reason, format!("{reason}{more}"));
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
        statement_subjects(st, policy.dialect, cfg, &mut out);
    }
    out
}

/// The subjects of one statement: each principal, and each value of a condition that restricts
/// the caller.
fn statement_subjects(
    st: &crate::model::Statement,
    dialect: crate::ir::Dialect,
    cfg: &TrustConfig,
    out: &mut Vec<Subject>,
) {
    let label = st.label();
    let a = &st.analysis;
    let actions = st.action_set();
    let admin = actions.admin();
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
        // An alternative without a Condition (`Condition = var.x ? {…} : null`) has no note.
        let why = if notes.is_empty() && a.alternatives {
            "one alternative has no Condition at all".to_string()
        } else {
            notes.join("; ")
        };
        format!(
            "its Condition tests {} and {} pins the caller: {why}",
            keys.join(", "),
            if a.alternatives {
                "not every alternative of it"
            } else {
                "none"
            },
        )
    };
    // Each principal is bounded by the narrowest identity condition (conditions AND with the
    // principal); NotPrincipal grants everyone else.
    let scope_of = |p: &PrincipalRef| -> Scope {
        if st.not_principal {
            Scope::Any
        } else {
            Scope::of_trust(&p.trust).min(a.scope)
        }
    };
    let statement_scope = st
        .principals
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
        principals.join("`, `")
    };
    let statement_name = st.sid.clone().unwrap_or_else(|| label.clone());
    for p in &st.principals {
        let mut s = Subject::new(SubjectKind::Principal, p.loc);
        let account = match &p.class.account {
            Some(Account::Id(id)) => Some(id.clone()),
            _ => None,
        };
        let is_service = p.class.kind == PrincipalKind::Service;
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
            .fact(F::Administers, !admin.is_empty())
            .fact(F::ConditionKeys, condition_keys.clone())
            .fact(F::Principals, principals.clone())
            .fact(F::Cause, cause_of(&p.value));
        // A wildcard that conditions pin is as wide as what they allow.
        let shown = match (p.class.kind, a.caller_restricted) {
            (PrincipalKind::Wildcard, Tri::True | Tri::Unknown) if !st.not_principal => {
                pinned_to(a, cfg)
                    .unwrap_or_else(|| shown_account(p.class.account.as_ref(), &p.trust, cfg))
            }
            _ => shown_account(p.class.account.as_ref(), &p.trust, cfg),
        };
        s.var(V::Statement, label.clone())
            .var(V::Principal, p.class.text.clone())
            .var(V::Type, p.principal_type.clone())
            .var(
                V::Conditions,
                if is_service {
                    service_conditions(a)
                } else {
                    conditions.clone()
                },
            )
            .var(V::Reason, trust_reason(&p.trust))
            .var(V::Account, shown)
            .var(V::Admin, admin_words(&admin))
            .var(V::AdminActions, admin.join(", "));
        if st.not_principal {
            if let Some(l) = st.not_principal_loc {
                s.related.push((l, "NotPrincipal".into()));
            }
        }
        s.statement = Some(statement_name.clone());
        s.principal = Some(p.class.text.clone());
        s.principals = vec![p.class.text.clone()];
        s.account = account;
        s.group = Some(st.index);
        out.push(s);
    }
    // The encryption-context ARNs that would scope a service principal to an unknown account
    // are said once, like any other restricting value that cannot be known.
    let has_service = st
        .principals
        .iter()
        .any(|p| p.class.kind == PrincipalKind::Service);
    let sources: &[RestrictingValue] = if has_service { &a.source_unknown } else { &[] };
    for rv in a.restricting.iter().chain(sources) {
        let mut s = Subject::new(SubjectKind::ConditionValue, rv.loc);
        s.fact(F::Effect, effect_str(st.effect))
            .fact(F::Element, "condition")
            .fact(F::Trust, rv.trust.as_str())
            .fact(F::KeyKind, rv.kind.as_str())
            .fact(F::CallerScope, statement_scope.as_str())
            .fact(F::Actions, actions.clone())
            .fact(F::Administers, !admin.is_empty())
            .fact(F::ConditionKeys, condition_keys.clone())
            .fact(F::Principals, principals.clone())
            .fact(F::Cause, cause_of(&rv.value));
        s.var(V::Statement, label.clone())
            .var(V::Key, rv.key.clone())
            .var(V::Value, rv.value.render_as(dialect))
            .var(V::Principal, principals_text.clone())
            .var(V::Account, shown_restriction(rv, cfg))
            .var(V::Reason, trust_reason(&rv.trust))
            .var(V::Admin, admin_words(&admin))
            .var(V::AdminActions, admin.join(", "));
        s.statement = Some(statement_name.clone());
        s.principal = st
            .principals
            .first()
            .filter(|_| st.principals.len() == 1)
            .map(|p| p.class.text.clone());
        s.principals = principals.clone();
        let is_org = rv.kind == KeyKind::Org || rv.kind == KeyKind::OrgPath;
        if !is_org {
            s.account = is_account_id(&rv.subject).then(|| rv.subject.clone());
        }
        s.group = Some(st.index);
        out.push(s);
    }
}

/// The grantee and retiring principal of a KMS grant.
pub fn grant_subjects(
    grant: &Grant,
    cfg: &TrustConfig,
    key_account: Option<&str>,
    dialect: Dialect,
) -> Vec<Subject> {
    let mut out = Vec::new();
    for (role, p) in crate::model::grant_principals(grant, cfg, key_account, dialect) {
        let (class, trust) = (&p.class, &p.trust);
        let mut s = Subject::new(SubjectKind::Grant, p.loc);
        s.fact(F::Effect, "allow")
            .fact(F::Role, role)
            .fact(F::Kind, class.kind.as_str())
            .fact(F::Trust, trust.as_str())
            .fact(F::CallerScope, Scope::of_trust(trust).as_str())
            .fact(F::Cause, cause_of(&p.value));
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
        s.principals = vec![class.text.clone()];
        if let Some(Account::Id(id)) = &class.account {
            s.account = Some(id.clone());
        }
        // The grantee and retiring principal of one grant are one finding per rule.
        s.group = Some(0);
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
