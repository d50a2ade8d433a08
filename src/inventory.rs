//! Trust inventory: for every key, who outside its own account can use it, with what actions and
//! under which conditions; then the totals the governance playbooks track (keys with external
//! access, unique external accounts by trust, non-compliant keys, owner and justification tags).
//! Built from the same model the rules use, in the same single pass over the files.

use crate::base::source::SourceFile;
use crate::base::trust::{Account, Trust, TrustConfig};
use crate::ir::{Dialect, PolicySite, SiteBody, Value};
use crate::model::condition::{KeyKind, RestrictingValue, Tri};
use crate::model::principal::PrincipalKind;
use crate::model::{Effect, Policy, PrincipalRef};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub const DEFAULT_OWNER_TAG: &str = "owner";
pub const DEFAULT_JUSTIFICATION_TAG: &str = "cross-account-purpose";

/// `[inventory]` in kmslint.toml: the tag names the inventory and KMS012 look for.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TagNames {
    /// Tag naming the key's owner (default `owner`).
    pub owner_tag: Option<String>,
    /// Tag saying why a key is shared across accounts (default `cross-account-purpose`).
    pub justification_tag: Option<String>,
}

impl TagNames {
    pub fn owner(&self) -> &str {
        self.owner_tag.as_deref().unwrap_or(DEFAULT_OWNER_TAG)
    }

    pub fn justification(&self) -> &str {
        self.justification_tag
            .as_deref()
            .unwrap_or(DEFAULT_JUSTIFICATION_TAG)
    }
}

/// One external principal's access to a key.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Access {
    /// Statement Sid, or `#n` (the `statement` of findings); `grantee` for a grant.
    pub statement: String,
    /// As written: an ARN, an account id, `*`.
    pub principal: String,
    /// The account id when known; when not, where it comes from (`param:VendorAccount`,
    /// `var.admins`, `unique-id:AROA…`); none for any account or an organization.
    pub account: Option<String>,
    /// The organization, for access through an `aws:PrincipalOrgID`/`OrgPaths` condition.
    pub organization: Option<String>,
    /// Configured name of the account.
    pub name: Option<String>,
    /// `trusted`, `untrusted`, `unknown`, or `any` (a wildcard that no condition pins).
    pub trust: Trust,
    /// `principal` (named in Principal), `condition` (a wildcard pinned by a condition to this
    /// account or organization), `not-principal` (everyone but the named principal) or `grant`.
    pub via: String,
    pub actions: Vec<String>,
    pub conditions: Vec<String>,
}

/// One key (or grant) and its external access.
#[derive(Clone, Debug, Serialize)]
pub struct KeyRecord {
    /// The file that declares it (only its path: a record outlives the file's text).
    #[serde(serialize_with = "ser_path")]
    pub file: PathBuf,
    pub line: usize,
    pub resource: String,
    pub resource_type: String,
    pub aliases: Vec<String>,
    /// `self` (the account it is deployed into), or the account a plan/bare policy states.
    pub key_account: String,
    /// The key has no policy: AWS applies the default key policy (own account only).
    pub default_policy: bool,
    pub tags: BTreeMap<String, String>,
    pub owner: Option<String>,
    pub justification: Option<String>,
    pub external_access: Vec<Access>,
    /// Why AWS would reject the key policy (KMS016), when it would.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rejected: Option<String>,
    /// Unsuppressed findings on this key, by severity.
    pub errors: usize,
    pub warnings: usize,
    pub notes: usize,
}

fn ser_path<S: serde::Serializer>(p: &Path, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&p.display().to_string())
}

impl KeyRecord {
    pub fn is_grant(&self) -> bool {
        self.resource_type == "aws_kms_grant"
    }

    pub fn is_cross_account(&self) -> bool {
        !self.external_access.is_empty()
    }

    pub fn is_compliant(&self) -> bool {
        self.errors == 0
    }
}

fn tag_value<'a>(tags: &'a BTreeMap<String, String>, name: &str) -> Option<&'a String> {
    tags.iter()
        .find(|(k, v)| k.eq_ignore_ascii_case(name) && !v.trim().is_empty())
        .map(|(_, v)| v)
}

/// Where an account that cannot be known comes from: `param:VendorAccount` for a CloudFormation
/// parameter, the expression otherwise (`var.admins`, `emrEc2Role.Arn`).
fn source_of(v: &Value) -> Option<String> {
    let why = v.unknown_why()?;
    let expr = why.expression();
    Some(if why.reason.starts_with("parameter `") {
        format!("param:{expr}")
    } else {
        expr
    })
}

/// The `account` of an access: the id when known, else where it comes from; never the ARN or a
/// fragment of one.
fn account_of(p: &PrincipalRef) -> Option<String> {
    match &p.class.account {
        Some(Account::Id(id)) => Some(id.clone()),
        Some(Account::Unknown(_)) => {
            Some(
                source_of(&p.value).unwrap_or_else(|| match (p.class.kind, p.value.as_lit()) {
                    (PrincipalKind::CanonicalUser, Some(id)) => format!("canonical-user:{id}"),
                    (_, Some(id)) if id.starts_with("AROA") || id.starts_with("AIDA") => {
                        format!("unique-id:{id}")
                    }
                    _ => "unknown".to_string(),
                }),
            )
        }
        _ => None,
    }
}

/// The account of a restricting condition value: its id, or where it comes from.
fn restriction_account(r: &RestrictingValue) -> Option<String> {
    if matches!(r.kind, KeyKind::Org | KeyKind::OrgPath) {
        return None;
    }
    if let Some(src) = source_of(&r.value) {
        return Some(src);
    }
    match &r.trust {
        Trust::Unknown(_) => Some("unknown".to_string()),
        _ => Some(r.subject.clone()),
    }
}

/// A statement as findings name it (its Sid, or `#n`).
fn statement_name(st: &crate::model::Statement) -> String {
    match &st.sid {
        Some(s) if !s.is_empty() => s.clone(),
        _ => st.label(),
    }
}

/// The name the config gives an account.
fn configured_name(cfg: &TrustConfig, account: Option<&str>) -> Option<String> {
    account
        .and_then(|a| cfg.account_name(a))
        .map(str::to_string)
}

/// The external access a key policy grants (the statements AWS would reject grant none).
pub fn external_access(policy: &Policy, cfg: &TrustConfig) -> Vec<Access> {
    let mut out = Vec::new();
    for st in policy
        .statements
        .iter()
        .filter(|s| s.effect == Effect::Allow)
    {
        let actions: Vec<String> = st
            .actions
            .iter()
            .map(|(v, _)| {
                if st.not_action {
                    format!("all but {}", v.render_as(policy.dialect))
                } else {
                    v.render_as(policy.dialect)
                }
            })
            .collect();
        let base = |principal: &str, account: Option<String>, trust: Trust, via: &str| Access {
            statement: statement_name(st),
            principal: principal.to_string(),
            name: configured_name(cfg, account.as_deref()),
            account,
            organization: None,
            trust,
            via: via.to_string(),
            actions: actions.clone(),
            conditions: st.conditions.clone(),
        };
        for p in &st.principals {
            let account = account_of(p);
            if st.not_principal {
                out.push(base(&p.class.text, account, Trust::Any, "not-principal"));
                continue;
            }
            match (&p.trust, p.class.kind) {
                (Trust::SelfAccount | Trust::NotApplicable, _) => {}
                (_, PrincipalKind::Wildcard) => {
                    let external: Vec<_> = st
                        .analysis
                        .restricting
                        .iter()
                        .filter(|r| !matches!(r.trust, Trust::SelfAccount | Trust::NotApplicable))
                        .collect();
                    match st.analysis.caller_restricted {
                        Tri::False => out.push(base(&p.class.text, None, Trust::Any, "principal")),
                        _ => {
                            for r in external {
                                let org = matches!(r.kind, KeyKind::Org | KeyKind::OrgPath);
                                let known = !matches!(r.trust, Trust::Unknown(_));
                                let mut a = base(
                                    &p.class.text,
                                    restriction_account(r),
                                    r.trust.clone(),
                                    "condition",
                                );
                                a.organization = (known && org).then(|| r.subject.clone());
                                out.push(a);
                            }
                        }
                    }
                }
                (t, _) => out.push(base(&p.class.text, account, t.clone(), "principal")),
            }
        }
    }
    out
}

/// The record of one site (its finding counts are filled in once the rules have run).
pub fn record(
    file: Arc<SourceFile>,
    site: &PolicySite,
    policy: Option<&Policy>,
    aliases: &[String],
    cfg: &TrustConfig,
    tag_names: &TagNames,
) -> KeyRecord {
    let tags: BTreeMap<String, String> = site
        .tags
        .iter()
        .map(|(k, v)| (k.clone(), v.render()))
        .collect();
    let mut external = policy.map(|p| external_access(p, cfg)).unwrap_or_default();
    if let SiteBody::Grant(g) = &site.body {
        let key_account = site.key_account_arg();
        let dialect = Dialect::of_resource_type(&site.resource_type);
        for (role, p) in crate::model::grant_principals(g, cfg, key_account.as_deref(), dialect) {
            if matches!(p.trust, Trust::SelfAccount | Trust::NotApplicable) {
                continue;
            }
            let account = account_of(&p);
            let (class, trust) = (p.class, p.trust);
            external.push(Access {
                statement: role.to_string(),
                principal: class.text.clone(),
                name: configured_name(cfg, account.as_deref()),
                account,
                organization: None,
                trust,
                via: "grant".into(),
                actions: g
                    .operations
                    .iter()
                    .flat_map(|o| o.flatten())
                    .filter_map(|o| o.as_value().map(|v| v.render()))
                    .collect(),
                conditions: Vec::new(),
            });
        }
    }
    KeyRecord {
        line: file.line_col(site.loc.span.start).0,
        file: file.path.clone(),
        resource: site.resource.clone(),
        resource_type: site.resource_type.clone(),
        aliases: aliases.to_vec(),
        key_account: site
            .key_account
            .as_ref()
            .map(|v| match v.as_lit() {
                Some(a) => a.to_string(),
                None => "unknown".into(),
            })
            .unwrap_or_else(|| "self".into()),
        default_policy: matches!(site.body, SiteBody::DefaultPolicy),
        owner: tag_value(&tags, tag_names.owner()).cloned(),
        justification: tag_value(&tags, tag_names.justification()).cloned(),
        tags,
        external_access: external,
        rejected: policy
            .and_then(|p| p.rejected.first())
            .map(|r| r.reason.clone()),
        errors: 0,
        warnings: 0,
        notes: 0,
    }
}

/// Totals over the keys (grants are listed, not counted as keys).
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct Totals {
    pub keys: usize,
    pub grants: usize,
    pub keys_with_external_access: usize,
    pub external_accounts: AccountTotals,
    pub noncompliant_keys: usize,
    /// Share of keys with at least one error finding, 0..=1.
    pub noncompliant_share: f64,
    pub keys_with_owner_tag: usize,
    pub owner_tag_share: f64,
    /// Cross-account keys that carry the justification tag, and their share of cross-account keys.
    pub cross_account_keys_with_justification: usize,
    pub justification_share: f64,
}

#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct AccountTotals {
    pub trusted: BTreeSet<String>,
    pub untrusted: BTreeSet<String>,
    /// Principals whose account cannot be known statically.
    pub unknown: BTreeSet<String>,
    /// Organizations whose every account may use a key (through `aws:PrincipalOrgID`).
    pub organizations: BTreeSet<String>,
    /// Statements (and grants) open to any account at all (`*` with no condition that pins
    /// the caller, NotPrincipal), each counted once however many principals it names.
    pub anyone: usize,
}

fn share(n: usize, d: usize) -> f64 {
    if d == 0 {
        0.0
    } else {
        ((n as f64 / d as f64) * 1000.0).round() / 1000.0
    }
}

pub fn totals(records: &[KeyRecord]) -> Totals {
    let keys: Vec<&KeyRecord> = records.iter().filter(|r| !r.is_grant()).collect();
    let mut t = Totals {
        keys: keys.len(),
        grants: records.len() - keys.len(),
        ..Totals::default()
    };
    for r in records {
        let mut open: BTreeSet<&str> = BTreeSet::new();
        for a in &r.external_access {
            let ext = &mut t.external_accounts;
            if let Some(org) = &a.organization {
                ext.organizations.insert(org.clone());
                continue;
            }
            if a.trust == Trust::Any {
                if open.insert(a.statement.as_str()) {
                    ext.anyone += 1;
                }
                continue;
            }
            let id = a.account.clone().unwrap_or_else(|| "unknown".to_string());
            match a.trust {
                Trust::Trusted => ext.trusted.insert(id),
                Trust::Untrusted => ext.untrusted.insert(id),
                _ => ext.unknown.insert(id),
            };
        }
    }
    let cross: Vec<&&KeyRecord> = keys.iter().filter(|k| k.is_cross_account()).collect();
    t.keys_with_external_access = cross.len();
    t.noncompliant_keys = keys.iter().filter(|k| !k.is_compliant()).count();
    t.noncompliant_share = share(t.noncompliant_keys, t.keys);
    t.keys_with_owner_tag = keys.iter().filter(|k| k.owner.is_some()).count();
    t.owner_tag_share = share(t.keys_with_owner_tag, t.keys);
    t.cross_account_keys_with_justification =
        cross.iter().filter(|k| k.justification.is_some()).count();
    t.justification_share = share(t.cross_account_keys_with_justification, cross.len());
    t
}
