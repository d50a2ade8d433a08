//! Model stage: a resolved policy `Doc` -> typed statements, then the facts rules match on.
//!
//! The model says what AWS would decide for each statement: who the principals are and in which
//! account, whether the conditions pin the caller (see `condition`), and whether the document
//! holds duplicate keys that one parser or another would silently drop.

pub mod condition;
pub mod facts;
pub mod principal;

use crate::config::Config;
use crate::resolve::{Doc, DocKind, Value};
use crate::source::Loc;
use condition::Analysis;
use principal::{Classified, Trust};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Effect {
    Allow,
    Deny,
}

/// One principal named by a statement.
#[derive(Clone, Debug, PartialEq)]
pub struct PrincipalRef {
    /// `AWS`, `Service`, `Federated`, `CanonicalUser`, or `*` for `"Principal": "*"`.
    pub principal_type: String,
    pub value: Value,
    pub loc: Loc,
    pub class: Classified,
    pub trust: Trust,
}

impl PrincipalRef {
    pub fn account_id(&self) -> Option<&str> {
        match &self.class.account {
            Some(principal::Account::Id(id)) => Some(id),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Statement {
    pub index: usize,
    pub sid: Option<String>,
    pub effect: Effect,
    pub loc: Loc,
    pub principals: Vec<PrincipalRef>,
    /// The principals come from `NotPrincipal`: the statement applies to everyone else.
    pub not_principal: bool,
    /// The location of the `NotPrincipal` key, when there is one.
    pub not_principal_loc: Option<Loc>,
    pub actions: Vec<(Value, Loc)>,
    pub not_action: bool,
    pub analysis: Analysis,
    /// The conditions as written, one `Operator key value[, value]` line each (for the inventory).
    pub conditions: Vec<String>,
}

impl Statement {
    /// How messages name the statement: its Sid, or its position.
    pub fn label(&self) -> String {
        match &self.sid {
            Some(s) if !s.is_empty() => format!("\"{s}\""),
            _ => format!("#{}", self.index + 1),
        }
    }
}

/// A key that occurs more than once in one object of the policy.
#[derive(Clone, Debug, PartialEq)]
pub struct Duplicate {
    pub key: String,
    pub locs: Vec<Loc>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Policy {
    pub statements: Vec<Statement>,
    pub duplicates: Vec<Duplicate>,
    /// The policy (or a statement) could not be known statically; each with its location.
    pub unknown: Vec<(Loc, String)>,
}

/// Administration or destruction: what an external account should never get on our key.
pub const ADMIN_ACTIONS: &[&str] = &[
    "kms:PutKeyPolicy",
    "kms:ScheduleKeyDeletion",
    "kms:CancelKeyDeletion",
    "kms:DisableKey",
    "kms:EnableKey",
    "kms:DisableKeyRotation",
    "kms:EnableKeyRotation",
    "kms:DeleteImportedKeyMaterial",
    "kms:ImportKeyMaterial",
    "kms:UpdateKeyDescription",
    "kms:CreateAlias",
    "kms:UpdateAlias",
    "kms:DeleteAlias",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:ReplicateKey",
    "kms:UpdatePrimaryRegion",
    "kms:RotateKeyOnDemand",
];

/// IAM wildcard match (`*` any run, `?` one character), case-insensitive as action names are.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    // Bytes, not chars: action names are ASCII, and this runs for every action of every
    // statement against every admin action.
    let (p, t) = (pattern.as_bytes(), text.as_bytes());
    let (mut pi, mut ti) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == b'?' || p[pi].eq_ignore_ascii_case(&t[ti])) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == b'*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == b'*' {
        pi += 1;
    }
    pi == p.len()
}

impl Statement {
    /// The admin actions this statement allows (an unknown action counts: it could be any).
    pub fn admin_actions(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.not_action {
            // NotAction grants everything except the listed actions.
            for admin in ADMIN_ACTIONS {
                let excluded = self
                    .actions
                    .iter()
                    .any(|(v, _)| v.as_lit().is_some_and(|p| glob_match(p, admin)));
                if !excluded {
                    out.push((*admin).to_string());
                }
            }
            return out;
        }
        for (v, _) in &self.actions {
            match v.as_lit() {
                Some(p) => {
                    if ADMIN_ACTIONS.iter().any(|a| glob_match(p, a)) {
                        out.push(p.to_string());
                    }
                }
                None => out.push(v.render()),
            }
        }
        out
    }
}

/// The grantee and retiring principal of a KMS grant, classified like policy principals.
pub fn grant_principals(
    grant: &crate::extract::Grant,
    cfg: &Config,
    key_account: Option<&str>,
) -> Vec<(&'static str, PrincipalRef)> {
    let mut out = Vec::new();
    for (role, doc) in [
        ("grantee", &grant.grantee),
        ("retiring principal", &grant.retiring),
    ] {
        let Some(doc) = doc else { continue };
        for d in doc.flatten() {
            let value = match &d.kind {
                DocKind::Scalar(v) => v.clone(),
                DocKind::Unknown(r) => Value::unknown(r.clone()),
                _ => Value::unknown("the principal is not a string"),
            };
            let class = principal::classify("AWS", &value);
            let trust = match &class.account {
                Some(a) => principal::trust_of(a, value.as_lit(), cfg, key_account),
                None => Trust::NotApplicable,
            };
            out.push((
                role,
                PrincipalRef {
                    principal_type: "AWS".into(),
                    value,
                    loc: d.loc,
                    class,
                    trust,
                },
            ));
        }
    }
    out
}

fn scalar_text(doc: &Doc) -> Option<String> {
    doc.as_value().and_then(Value::as_lit).map(str::to_string)
}

/// Builds the typed policy from a resolved document.
pub fn build(doc: &Doc, cfg: &Config, key_account: Option<&str>) -> Policy {
    let mut policy = Policy {
        statements: Vec::new(),
        duplicates: Vec::new(),
        unknown: Vec::new(),
    };
    collect_duplicates(doc, &mut policy.duplicates);
    let mut index = 0;
    add_document(doc, cfg, key_account, &mut policy, &mut index);
    policy
}

/// Adds the statements of one policy document; every alternative of a `Choice` may be deployed,
/// so all of their statements count.
fn add_document(
    doc: &Doc,
    cfg: &Config,
    key_account: Option<&str>,
    policy: &mut Policy,
    index: &mut usize,
) {
    match &doc.kind {
        DocKind::Map(_) => {}
        DocKind::Choice(alts) => {
            for alt in alts {
                add_document(alt, cfg, key_account, policy, index);
            }
            return;
        }
        // A null alternative (`coalesce(var.policy, …)` with no value) is no policy at all.
        DocKind::Null => return,
        DocKind::Unknown(reason) => {
            policy.unknown.push((doc.loc, reason.clone()));
            return;
        }
        DocKind::Scalar(v) => {
            let reason = match v.unknown_reason() {
                Some(r) => r.to_string(),
                None => "the key policy is a string that is not a JSON policy document".into(),
            };
            policy.unknown.push((doc.loc, reason));
            return;
        }
        DocKind::List(_) => {
            policy.unknown.push((
                doc.loc,
                "the key policy is a list, not a JSON object".into(),
            ));
            return;
        }
    }
    for entry in doc.all("Statement", false) {
        for st in entry.value.flatten() {
            match &st.kind {
                DocKind::Map(_) => {
                    policy
                        .statements
                        .push(statement(st, *index, cfg, key_account));
                    *index += 1;
                }
                DocKind::Unknown(reason) => policy.unknown.push((st.loc, reason.clone())),
                _ => policy
                    .unknown
                    .push((st.loc, "a statement is not a JSON object".into())),
            }
        }
    }
}

fn effect_of(doc: Option<&Doc>) -> Effect {
    // Deny only when every alternative says Deny: anything unknown may grant.
    let Some(doc) = doc else {
        return Effect::Allow;
    };
    let alts = doc.flatten();
    if !alts.is_empty()
        && alts
            .iter()
            .all(|d| d.as_value().and_then(Value::as_lit) == Some("Deny"))
    {
        Effect::Deny
    } else {
        Effect::Allow
    }
}

fn statement(st: &Doc, index: usize, cfg: &Config, key_account: Option<&str>) -> Statement {
    let sid = st.get("Sid").and_then(scalar_text);
    let effect = effect_of(st.get("Effect"));
    let (element, not_principal) = if st.get("NotPrincipal").is_some() {
        ("NotPrincipal", true)
    } else {
        ("Principal", false)
    };
    let not_principal_loc = st
        .entries()
        .iter()
        .find(|e| e.key == "NotPrincipal")
        .map(|e| e.key_loc);
    let mut principals = Vec::new();
    for entry in st.all(element, false) {
        principals_of(&entry.value, cfg, key_account, &mut principals);
    }
    let (action_key, not_action) = if st.get("NotAction").is_some() {
        ("NotAction", true)
    } else {
        ("Action", false)
    };
    let mut actions = Vec::new();
    for entry in st.all(action_key, false) {
        for a in entry.value.flatten() {
            match &a.kind {
                DocKind::Scalar(v) => actions.push((v.clone(), a.loc)),
                DocKind::Unknown(r) => actions.push((Value::unknown(r.clone()), a.loc)),
                _ => {}
            }
        }
    }
    let analysis = condition::analyse(st.get("Condition"), cfg, key_account);
    let conditions = st.get("Condition").map(condition_lines).unwrap_or_default();
    Statement {
        index,
        sid,
        effect,
        loc: st.loc,
        principals,
        not_principal,
        not_principal_loc,
        actions,
        not_action,
        analysis,
        conditions,
    }
}

fn condition_lines(cond: &Doc) -> Vec<String> {
    if let DocKind::Unknown(r) = &cond.kind {
        return vec![format!("(not known statically: {r})")];
    }
    let mut out = Vec::new();
    for op in cond.entries() {
        for key in op.value.entries() {
            let values: Vec<String> = key
                .value
                .flatten()
                .iter()
                .map(|d| match &d.kind {
                    DocKind::Scalar(v) => v.render(),
                    _ => "${?}".to_string(),
                })
                .collect();
            out.push(format!("{} {} {}", op.key, key.key, values.join(", ")));
        }
    }
    out
}

fn principals_of(doc: &Doc, cfg: &Config, key_account: Option<&str>, out: &mut Vec<PrincipalRef>) {
    let mut push = |ptype: &str, value: Value, loc: Loc| {
        let class = principal::classify(ptype, &value);
        let trust = match &class.account {
            Some(acct) => principal::trust_of(acct, value.as_lit(), cfg, key_account),
            None => Trust::NotApplicable,
        };
        out.push(PrincipalRef {
            principal_type: ptype.to_string(),
            value,
            loc,
            class,
            trust,
        });
    };
    match &doc.kind {
        DocKind::Map(entries) => {
            for e in entries {
                for v in e.value.flatten() {
                    match &v.kind {
                        DocKind::Scalar(val) => push(&e.key, val.clone(), v.loc),
                        DocKind::Unknown(r) => push(&e.key, Value::unknown(r.clone()), v.loc),
                        _ => push(
                            &e.key,
                            Value::unknown("the principal is not a string"),
                            v.loc,
                        ),
                    }
                }
            }
        }
        DocKind::Choice(alts) => alts
            .iter()
            .for_each(|a| principals_of(a, cfg, key_account, out)),
        DocKind::List(_) => doc
            .flatten()
            .into_iter()
            .for_each(|a| principals_of(a, cfg, key_account, out)),
        DocKind::Scalar(v) => push("*", v.clone(), doc.loc),
        DocKind::Unknown(r) => push("AWS", Value::unknown(r.clone()), doc.loc),
        DocKind::Null => {}
    }
}

fn collect_duplicates(doc: &Doc, out: &mut Vec<Duplicate>) {
    match &doc.kind {
        DocKind::Map(entries) => {
            for (i, e) in entries.iter().enumerate() {
                if entries[..i].iter().any(|p| p.key == e.key) {
                    continue;
                }
                let locs: Vec<Loc> = entries[i..]
                    .iter()
                    .filter(|o| o.key == e.key)
                    .map(|o| o.key_loc)
                    .collect();
                if locs.len() > 1 {
                    out.push(Duplicate {
                        key: e.key.clone(),
                        locs,
                    });
                }
            }
            entries
                .iter()
                .for_each(|e| collect_duplicates(&e.value, out));
        }
        DocKind::List(items) | DocKind::Choice(items) => {
            items.iter().for_each(|d| collect_duplicates(d, out))
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob_matches_like_iam() {
        assert!(glob_match("kms:*", "kms:PutKeyPolicy"));
        assert!(glob_match("*", "kms:PutKeyPolicy"));
        assert!(glob_match("KMS:put*", "kms:PutKeyPolicy"));
        assert!(glob_match("kms:Disable*", "kms:DisableKey"));
        assert!(!glob_match("kms:Decrypt", "kms:PutKeyPolicy"));
        assert!(glob_match("kms:?ut*", "kms:PutKeyPolicy"));
        assert!(!glob_match("kms:Get*", "kms:PutKeyPolicy"));
    }
}
