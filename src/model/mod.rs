//! Model stage: a resolved policy `Doc` -> typed statements, then the facts rules match on.
//!
//! The model says what AWS would decide for each statement: who the principals are and in which
//! account, whether the conditions pin the caller (see `condition`), and whether the document
//! holds duplicate keys that one parser or another would silently drop.

pub mod condition;
pub mod principal;
pub mod validate;

use crate::base::source::Loc;
use crate::base::trust::TrustConfig;
use crate::ir::{Dialect, Doc, DocKind, Value, Why};
use condition::Analysis;
use principal::{Classified, Trust};
pub use validate::Rejection;

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
    pub unknown: Vec<(Loc, Why)>,
    /// Why AWS would reject the policy at deploy time (`validate`). The statements AWS objects
    /// to are left out of `statements`: they grant nothing.
    pub rejected: Vec<Rejection>,
    /// How values are written in the file the policy comes from.
    pub dialect: Dialect,
}

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

/// What lets an account administer, disable or destroy a key: what another account should never
/// get on it (KMS004) and what a message names when it does.
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

/// The actions a statement lists, as a rule matches them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Actions {
    /// Each action as written: `Ok(pattern)` when literal, `Err(rendered)` when not known
    /// statically (it could be any action).
    pub patterns: Vec<Result<String, String>>,
    /// The statement uses `NotAction`: it allows everything except the patterns.
    pub not_action: bool,
}

impl Actions {
    /// The administrative actions the statement allows (patterns as written), empty when none.
    pub fn admin(&self) -> Vec<String> {
        let names: Vec<String> = ADMIN_ACTIONS.iter().map(|a| (*a).to_string()).collect();
        self.allowed_of(&names)
    }

    /// Which of `names` the statement allows, as a message lists them: with `Action`, each
    /// pattern that matches one of the names (and every unknown action, which could be any);
    /// with `NotAction`, each name that no pattern excludes.
    pub fn allowed_of(&self, names: &[String]) -> Vec<String> {
        let mut out = Vec::new();
        if self.not_action {
            for name in names {
                let excluded = self
                    .patterns
                    .iter()
                    .any(|p| p.as_ref().is_ok_and(|p| glob_match(p, name)));
                if !excluded {
                    out.push(name.clone());
                }
            }
            return out;
        }
        for p in &self.patterns {
            match p {
                Ok(p) => {
                    if names.iter().any(|a| glob_match(p, a)) {
                        out.push(p.clone());
                    }
                }
                Err(rendered) => out.push(rendered.clone()),
            }
        }
        out
    }
}

impl Statement {
    /// The actions as a rule matches them.
    pub fn action_set(&self) -> Actions {
        Actions {
            patterns: self
                .actions
                .iter()
                .map(|(v, _)| v.as_lit().map(str::to_string).ok_or_else(|| v.render()))
                .collect(),
            not_action: self.not_action,
        }
    }
}

/// The grantee and retiring principal of a KMS grant, classified like policy principals.
pub fn grant_principals(
    grant: &crate::ir::Grant,
    trust: &TrustConfig,
    key_account: Option<&str>,
    dialect: Dialect,
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
            let mut class = principal::classify("AWS", &value);
            class.text = value.render_as(dialect);
            let trust = match &class.account {
                Some(a) => trust.decide(a, value.as_lit(), key_account),
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

/// Builds the typed policy of a site: from its document, in its file's dialect.
pub fn build_site(site: &crate::ir::PolicySite, doc: &Doc, trust: &TrustConfig) -> Policy {
    let key_account = site.key_account_arg();
    build_in(
        doc,
        trust,
        key_account.as_deref(),
        Dialect::of_resource_type(&site.resource_type),
    )
}

/// Builds the typed policy from a resolved document; the statements AWS would reject are left
/// out (their rejections say why).
pub fn build_in(
    doc: &Doc,
    trust: &TrustConfig,
    key_account: Option<&str>,
    dialect: Dialect,
) -> Policy {
    let mut policy = Policy {
        statements: Vec::new(),
        duplicates: Vec::new(),
        unknown: Vec::new(),
        rejected: validate::rejections(doc),
        dialect,
    };
    collect_duplicates(doc, &mut policy.duplicates);
    let mut index = 0;
    let skip: Vec<Loc> = policy.rejected.iter().filter_map(|r| r.statement).collect();
    add_document(doc, trust, key_account, &skip, &mut policy, &mut index);
    for st in &mut policy.statements {
        for p in &mut st.principals {
            p.class.text = p.value.render_as(dialect);
        }
        for line in &mut st.conditions {
            if dialect != Dialect::CloudFormation {
                *line = line.replace(Dialect::CloudFormation.own_account(), dialect.own_account());
            }
        }
    }
    policy
}

/// Adds the statements of one policy document; every alternative of a `Choice` may be deployed,
/// so all of their statements count.
fn add_document(
    doc: &Doc,
    trust: &TrustConfig,
    key_account: Option<&str>,
    skip: &[Loc],
    policy: &mut Policy,
    index: &mut usize,
) {
    match &doc.kind {
        DocKind::Map(_) => {}
        DocKind::Choice(alts) => {
            for alt in alts {
                add_document(alt, trust, key_account, skip, policy, index);
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
            let why = match v.unknown_why() {
                Some(w) => w.clone(),
                None => Why::unsupported(
                    "the key policy is a string that is not a JSON policy document",
                ),
            };
            policy.unknown.push((doc.loc, why));
            return;
        }
        DocKind::List(_) => {
            policy.unknown.push((
                doc.loc,
                Why::unsupported("the key policy is a list, not a JSON object"),
            ));
            return;
        }
    }
    for entry in doc.all("Statement", false) {
        // The alternatives of one element of the list (a conditional, `Fn::If`) are one
        // statement: its findings are one per rule, whichever alternative gives them.
        let items: Vec<Vec<&Doc>> = match &entry.value.kind {
            DocKind::List(items) => items.iter().map(Doc::flatten).collect(),
            _ => entry.value.flatten().into_iter().map(|d| vec![d]).collect(),
        };
        for alts in items {
            let mut used = false;
            for st in alts {
                match &st.kind {
                    // A statement AWS rejects grants nothing (its KMS016 says why).
                    DocKind::Map(_) if skip.contains(&st.loc) => used = true,
                    DocKind::Map(_) => {
                        policy
                            .statements
                            .push(statement(st, *index, trust, key_account));
                        used = true;
                    }
                    DocKind::Unknown(reason) => policy.unknown.push((st.loc, reason.clone())),
                    _ => policy
                        .unknown
                        .push((st.loc, Why::unsupported("a statement is not a JSON object"))),
                }
            }
            if used {
                *index += 1;
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

fn statement(st: &Doc, index: usize, trust: &TrustConfig, key_account: Option<&str>) -> Statement {
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
        principals_of(&entry.value, trust, key_account, &mut principals);
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
    let analysis = condition::analyse(st.get("Condition"), trust, key_account);
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
                    DocKind::Unknown(w) => format!("${{{}}}", w.expression()),
                    _ => "(not a string)".to_string(),
                })
                .collect();
            out.push(format!("{} {} {}", op.key, key.key, values.join(", ")));
        }
    }
    out
}

fn principals_of(
    doc: &Doc,
    trust: &TrustConfig,
    key_account: Option<&str>,
    out: &mut Vec<PrincipalRef>,
) {
    let mut push = |ptype: &str, value: Value, loc: Loc| {
        let class = principal::classify(ptype, &value);
        let trust = match &class.account {
            Some(acct) => trust.decide(acct, value.as_lit(), key_account),
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
            .for_each(|a| principals_of(a, trust, key_account, out)),
        DocKind::List(_) => doc
            .flatten()
            .into_iter()
            .for_each(|a| principals_of(a, trust, key_account, out)),
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
