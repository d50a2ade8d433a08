//! Conditions: does a statement's `Condition` pin the caller to a known set of accounts?
//!
//! The rules follow IAM Access Analyzer's test for public and cross-account access and the IAM
//! JSON policy reference ("Condition operators", "Single-valued vs. multivalued context keys"):
//! a condition restricts the caller only through an identity key, with a positive operator, and
//! with fixed values that name the account (or organization) — see DESIGN.md, "Conditions".

use crate::config::{is_account_id, Config};
use crate::model::principal::{arn_account, trust_of, Account, Trust};
use crate::resolve::{Doc, DocKind, Value};
use crate::source::Loc;

/// What an identity condition key names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyKind {
    Account,
    Org,
    OrgPath,
    Arn,
    UserId,
}

impl KeyKind {
    pub fn as_str(self) -> &'static str {
        match self {
            KeyKind::Account => "account",
            KeyKind::Org => "organization",
            KeyKind::OrgPath => "organization path",
            KeyKind::Arn => "ARN",
            KeyKind::UserId => "user id",
        }
    }
}

/// Condition keys that can identify the caller (lower case: keys are case-insensitive).
pub fn identity_key(key: &str) -> Option<KeyKind> {
    Some(match key.to_ascii_lowercase().as_str() {
        "aws:principalaccount" | "aws:sourceaccount" | "aws:sourceowner" | "kms:calleraccount" => {
            KeyKind::Account
        }
        "aws:principalorgid" | "aws:sourceorgid" => KeyKind::Org,
        "aws:principalorgpaths" | "aws:sourceorgpaths" => KeyKind::OrgPath,
        "aws:principalarn" | "aws:sourcearn" => KeyKind::Arn,
        "aws:userid" => KeyKind::UserId,
        _ => return None,
    })
}

/// Keys that say which service resource is acting: these scope a service principal
/// (the confused-deputy protection of KMS008).
fn is_source_key(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    k.starts_with("aws:source") && identity_key(&k).is_some()
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum NetKey {
    Vpc,
    Vpce,
    Ip,
}

fn network_key(key: &str) -> Option<NetKey> {
    match key.to_ascii_lowercase().as_str() {
        "aws:sourcevpc" => Some(NetKey::Vpc),
        "aws:sourcevpce" => Some(NetKey::Vpce),
        "aws:sourceip" => Some(NetKey::Ip),
        _ => None,
    }
}

/// A condition operator taken apart: `ForAnyValue:StringLikeIfExists`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Operator {
    pub base: String,
    pub for_all: bool,
    pub for_any: bool,
    pub if_exists: bool,
}

impl Operator {
    pub fn parse(op: &str) -> Operator {
        let (for_all, for_any, rest) = if let Some(r) = op.strip_prefix("ForAllValues:") {
            (true, false, r)
        } else if let Some(r) = op.strip_prefix("ForAnyValue:") {
            (false, true, r)
        } else {
            (false, false, op)
        };
        let (if_exists, base) = match rest.strip_suffix("IfExists") {
            Some(b) => (true, b),
            None => (false, rest),
        };
        Operator {
            base: base.to_string(),
            for_all,
            for_any,
            if_exists,
        }
    }

    fn is_positive_match(&self) -> bool {
        matches!(
            self.base.as_str(),
            "StringEquals" | "StringEqualsIgnoreCase" | "StringLike" | "ArnEquals" | "ArnLike"
        )
    }

    fn is_negated(&self) -> bool {
        self.base.contains("Not")
    }

    /// Only the `…Like` operators treat `*` and `?` as wildcards.
    fn wildcards(&self) -> bool {
        self.base.ends_with("Like")
    }
}

/// One value of a restricting condition and whom it lets in.
#[derive(Clone, Debug, PartialEq)]
pub struct RestrictingValue {
    pub key: String,
    pub kind: KeyKind,
    pub value: Value,
    pub loc: Loc,
    /// The account (or organization id for Org/OrgPath) the value names, rendered.
    pub subject: String,
    pub trust: Trust,
}

/// Tri-state answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tri {
    True,
    False,
    Unknown,
}

impl Tri {
    pub fn as_str(self) -> &'static str {
        match self {
            Tri::True => "true",
            Tri::False => "false",
            Tri::Unknown => "unknown",
        }
    }
}

/// What a statement's conditions mean for who may call.
#[derive(Clone, Debug, PartialEq)]
pub struct Analysis {
    /// The caller is pinned to fixed accounts/organizations by some condition.
    pub caller_restricted: Tri,
    /// Only network conditions (VPC, endpoint, IP range) narrow the caller.
    pub network_restricted: bool,
    /// A service principal is tied to a source account/resource (confused-deputy protection).
    pub service_scoped: bool,
    /// Values of the conditions that restrict the caller, with their trust.
    pub restricting: Vec<RestrictingValue>,
    /// Why each condition that is present does not restrict the caller.
    pub notes: Vec<String>,
    /// Condition keys present, as written.
    pub keys: Vec<String>,
}

impl Analysis {
    fn empty() -> Self {
        Analysis {
            caller_restricted: Tri::False,
            network_restricted: false,
            service_scoped: false,
            restricting: Vec::new(),
            notes: Vec::new(),
            keys: Vec::new(),
        }
    }
}

/// Explains why a key that is not an identity key does not restrict the caller.
fn non_identity_note(key: &str) -> String {
    let k = key.to_ascii_lowercase();
    let why = if k == "aws:securetransport" {
        "only requires TLS; it does not limit who the caller is"
    } else if k == "kms:viaservice" {
        "lets any account call through that AWS service"
    } else if k.starts_with("kms:encryptioncontext") {
        "is chosen by the caller, so anyone can satisfy it"
    } else if k == "kms:grantisforawsresource" {
        "only says an AWS service asked for the grant, for any account's resource"
    } else if k.starts_with("aws:currenttime") || k.starts_with("aws:epochtime") {
        "limits when, not who"
    } else if k.starts_with("aws:requesttag")
        || k.starts_with("aws:resourcetag")
        || k == "aws:tagkeys"
    {
        "is a tag the caller can set or does not control who calls"
    } else if k.starts_with("kms:") {
        "describes the request, not the caller's account"
    } else {
        "does not identify the caller's account"
    };
    format!("`{key}` {why}")
}

fn values_of(doc: &Doc) -> Vec<(Option<&Value>, Loc, Option<&str>)> {
    doc.flatten()
        .into_iter()
        .map(|d| match &d.kind {
            DocKind::Scalar(v) => (Some(v), d.loc, None),
            DocKind::Unknown(r) => (None, d.loc, Some(r.as_str())),
            _ => (None, d.loc, Some("the value is not a string")),
        })
        .collect()
}

fn has_wildcard(s: &str) -> bool {
    s.contains('*') || s.contains('?')
}

/// `Null: {key: "false"}` in the same Condition makes an `IfExists` or `ForAllValues` test on that
/// key fail closed when the key is absent (IAM JSON policy reference, "Condition operators").
fn null_false_for(cond: &Doc, key: &str) -> bool {
    cond.all("Null", false).any(|op| {
        op.value.all(key, true).any(|e| {
            e.value
                .flatten()
                .iter()
                .all(|d| d.as_value().and_then(Value::as_lit) == Some("false"))
        })
    })
}

/// Analyses the `Condition` element of one statement (`None` when it has none).
pub fn analyse(condition: Option<&Doc>, cfg: &Config, key_account: Option<&str>) -> Analysis {
    let mut a = Analysis::empty();
    let Some(cond) = condition else {
        return a;
    };
    if let DocKind::Unknown(reason) = &cond.kind {
        a.caller_restricted = Tri::Unknown;
        a.notes.push(format!(
            "the Condition block is not known statically: {reason}"
        ));
        return a;
    }
    let mut restricted = false;
    let mut restricted_unknown = false;
    let mut network = false;
    for op_entry in cond.entries() {
        let op = Operator::parse(&op_entry.key);
        if let DocKind::Unknown(reason) = &op_entry.value.kind {
            restricted_unknown = true;
            a.notes.push(format!(
                "`{}` is not known statically: {reason}",
                op_entry.key
            ));
            continue;
        }
        for key_entry in op_entry.value.entries() {
            let key = key_entry.key.as_str();
            a.keys.push(key.to_string());
            let values = values_of(&key_entry.value);
            let null_guard = null_false_for(cond, key);
            if let Some(kind) = identity_key(key) {
                match identity_block(&op, key, kind, &values, null_guard, cfg, key_account) {
                    Block::Restricts(vals) => {
                        if is_source_key(key) {
                            a.service_scoped = true;
                        }
                        if vals.iter().any(|v| matches!(v.trust, Trust::Unknown(_))) {
                            restricted_unknown = true;
                        } else {
                            restricted = true;
                        }
                        a.restricting.extend(vals);
                    }
                    Block::DoesNot(note) => a.notes.push(note),
                }
            } else if let Some(nk) = network_key(key) {
                match network_block(&op, key, nk, &values, null_guard) {
                    Ok(()) => network = true,
                    Err(note) => a.notes.push(note),
                }
            } else {
                if key
                    .to_ascii_lowercase()
                    .starts_with("kms:encryptioncontext:")
                    && key.to_ascii_lowercase().ends_with(":arn")
                    && op.is_positive_match()
                    && !op.if_exists
                    && values.iter().all(|(v, _, _)| {
                        v.is_some_and(|v| {
                            matches!(arn_account(v).0, Account::Id(_) | Account::SelfAccount)
                        })
                    })
                {
                    // The CloudWatch Logs / CloudTrail pattern: the encryption context names the
                    // source resource's ARN in a fixed account.
                    a.service_scoped = true;
                }
                a.notes.push(non_identity_note(key));
            }
        }
    }
    a.caller_restricted = if restricted {
        Tri::True
    } else if restricted_unknown {
        Tri::Unknown
    } else {
        Tri::False
    };
    a.network_restricted = network && !restricted;
    a
}

enum Block {
    Restricts(Vec<RestrictingValue>),
    DoesNot(String),
}

fn identity_block(
    op: &Operator,
    key: &str,
    kind: KeyKind,
    values: &[(Option<&Value>, Loc, Option<&str>)],
    null_guard: bool,
    cfg: &Config,
    key_account: Option<&str>,
) -> Block {
    let opname = if op.for_all || op.for_any {
        format!(
            "{}{}{}",
            if op.for_all {
                "ForAllValues:"
            } else {
                "ForAnyValue:"
            },
            op.base,
            if op.if_exists { "IfExists" } else { "" }
        )
    } else {
        format!("{}{}", op.base, if op.if_exists { "IfExists" } else { "" })
    };
    if op.is_negated() {
        return Block::DoesNot(format!(
            "`{opname}` on `{key}` is negated: it lets every other caller in"
        ));
    }
    if op.base == "Null" {
        return Block::DoesNot(format!(
            "`Null` on `{key}` only tests whether the key is present"
        ));
    }
    if !op.is_positive_match() {
        return Block::DoesNot(format!(
            "`{opname}` is not a string or ARN match, so `{key}` does not pin the caller"
        ));
    }
    if op.if_exists && !null_guard {
        return Block::DoesNot(format!(
            "`{opname}` on `{key}` passes when the key is absent from the request"
        ));
    }
    if op.for_all && !null_guard {
        return Block::DoesNot(format!(
            "`ForAllValues` on `{key}` passes when the key is absent from the request"
        ));
    }
    if values.is_empty() {
        return Block::DoesNot(format!("`{key}` has no values"));
    }
    let mut out = Vec::new();
    for (v, loc, unknown) in values {
        let Some(v) = v else {
            out.push(RestrictingValue {
                key: key.to_string(),
                kind,
                value: Value::unknown(unknown.unwrap_or("unknown")),
                loc: *loc,
                subject: "?".into(),
                trust: Trust::Unknown(unknown.unwrap_or("not known statically").to_string()),
            });
            continue;
        };
        if let Some(reason) = v.unknown_reason() {
            out.push(RestrictingValue {
                key: key.to_string(),
                kind,
                value: (*v).clone(),
                loc: *loc,
                subject: v.render(),
                trust: Trust::Unknown(reason.to_string()),
            });
            continue;
        }
        let text = v.render();
        if v.as_lit().is_some_and(|s| s.contains("${")) {
            return Block::DoesNot(format!(
                "`{key}` value `{text}` contains a policy variable, so it is not a fixed value"
            ));
        }
        let (subject, trust) = match kind {
            KeyKind::Account | KeyKind::UserId => {
                if v.is_self_account() {
                    ("self".to_string(), Trust::SelfAccount)
                } else {
                    let s = v.as_lit().unwrap_or_default();
                    // aws:userid is `ACCOUNT` for a root caller, `UNIQUEID:session` otherwise.
                    let acct = if kind == KeyKind::UserId {
                        s.split(':').next().unwrap_or(s)
                    } else {
                        s
                    };
                    if op.wildcards() && has_wildcard(acct) {
                        return Block::DoesNot(format!(
                            "`{key}` value `{text}` is a wildcard that matches any account"
                        ));
                    }
                    if is_account_id(acct) {
                        let t = trust_of(&Account::Id(acct.to_string()), None, cfg, key_account);
                        (acct.to_string(), t)
                    } else if kind == KeyKind::UserId {
                        (
                            text.clone(),
                            Trust::Unknown(format!(
                                "`{text}` is a unique id whose account cannot be read from it"
                            )),
                        )
                    } else {
                        (
                            text.clone(),
                            Trust::Unknown(format!("`{text}` is not an account id")),
                        )
                    }
                }
            }
            KeyKind::Org | KeyKind::OrgPath => {
                let s = v.as_lit().unwrap_or_default();
                let org = s.split('/').next().unwrap_or(s);
                if op.wildcards() && has_wildcard(org) {
                    return Block::DoesNot(format!(
                        "`{key}` value `{text}` is a wildcard that matches any organization"
                    ));
                }
                if !org.starts_with("o-") {
                    (
                        org.to_string(),
                        Trust::Unknown(format!("`{org}` is not an organization id")),
                    )
                } else if cfg.trust.organizations.contains(org) {
                    (org.to_string(), Trust::Trusted)
                } else {
                    (org.to_string(), Trust::Untrusted)
                }
            }
            KeyKind::Arn => {
                let (acct, _) = arn_account(v);
                match acct {
                    Account::Wildcard => {
                        return Block::DoesNot(format!(
                        "`{key}` value `{text}` has a wildcard account, so it matches any account"
                    ))
                    }
                    Account::Id(id) if op.wildcards() || !has_wildcard(&id) => {
                        let t = trust_of(&Account::Id(id.clone()), v.as_lit(), cfg, key_account);
                        (id, t)
                    }
                    Account::Id(id) => (id.clone(), Trust::Untrusted),
                    Account::SelfAccount => ("self".into(), Trust::SelfAccount),
                    Account::Unknown(r) => {
                        // An S3 bucket ARN has no account field but names one global resource.
                        if v.as_lit().is_some_and(|s| {
                            s.starts_with("arn:") && s.split(':').nth(2) == Some("s3")
                        }) {
                            if v.as_lit().is_some_and(has_wildcard) && op.wildcards() {
                                return Block::DoesNot(format!(
                                    "`{key}` value `{text}` is a wildcard bucket ARN"
                                ));
                            }
                            (text.clone(), Trust::NotApplicable)
                        } else {
                            (text.clone(), Trust::Unknown(r))
                        }
                    }
                }
            }
        };
        out.push(RestrictingValue {
            key: key.to_string(),
            kind,
            value: (*v).clone(),
            loc: *loc,
            subject,
            trust,
        });
    }
    Block::Restricts(out)
}

fn network_block(
    op: &Operator,
    key: &str,
    nk: NetKey,
    values: &[(Option<&Value>, Loc, Option<&str>)],
    null_guard: bool,
) -> Result<(), String> {
    if op.is_negated() || op.base == "Null" {
        return Err(format!(
            "`{}` on `{key}` does not narrow the network path",
            op.base
        ));
    }
    if (op.if_exists || op.for_all) && !null_guard {
        return Err(format!(
            "`{key}` is tested only when present, so it narrows nothing"
        ));
    }
    if values.is_empty() {
        return Err(format!("`{key}` has no values"));
    }
    for (v, _, _) in values {
        let Some(s) = v.and_then(Value::as_lit) else {
            return Err(format!("`{key}` has a value that is not known statically"));
        };
        let ok = match nk {
            NetKey::Vpc => {
                op.is_positive_match()
                    && s.starts_with("vpc-")
                    && !(op.wildcards() && has_wildcard(s))
            }
            NetKey::Vpce => {
                op.is_positive_match()
                    && s.starts_with("vpce-")
                    && !(op.wildcards() && has_wildcard(s))
            }
            NetKey::Ip => op.base == "IpAddress" && narrow_public_cidr(s),
        };
        if !ok {
            return Err(format!(
                "`{key}` value `{s}` does not narrow the network path to a fixed, public range"
            ));
        }
    }
    Ok(())
}

/// An IP range counts as narrowing when it is no broader than /8 (IPv4) or /32 (IPv6) and not
/// private (RFC 1918 addresses are reused in every account's VPCs).
fn narrow_public_cidr(s: &str) -> bool {
    let (addr, prefix) = match s.split_once('/') {
        Some((a, p)) => (a, p.parse::<u8>().ok()),
        None => (s, None),
    };
    if let Ok(v4) = addr.parse::<std::net::Ipv4Addr>() {
        let prefix = prefix.unwrap_or(32);
        return (8..=32).contains(&prefix) && !v4.is_private() && !v4.is_loopback();
    }
    if addr.parse::<std::net::Ipv6Addr>().is_ok() {
        let prefix = prefix.unwrap_or(128);
        return (32..=128).contains(&prefix);
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resolve::DocEntry;

    fn d(kind: DocKind) -> Doc {
        Doc::new(kind, Loc::default())
    }

    fn cond(op: &str, key: &str, vals: &[&str]) -> Doc {
        let values = d(DocKind::List(
            vals.iter()
                .map(|v| d(DocKind::Scalar(Value::lit(*v))))
                .collect(),
        ));
        d(DocKind::Map(vec![DocEntry {
            key: op.into(),
            key_loc: Loc::default(),
            value: d(DocKind::Map(vec![DocEntry {
                key: key.into(),
                key_loc: Loc::default(),
                value: values,
            }])),
        }]))
    }

    fn run(op: &str, key: &str, vals: &[&str]) -> Analysis {
        let mut cfg = Config::default();
        cfg.trust.accounts.insert("222222222222".into());
        cfg.trust.organizations.insert("o-a1b2c3d4e5".into());
        analyse(Some(&cond(op, key, vals)), &cfg, None)
    }

    #[test]
    fn secure_transport_does_not_restrict() {
        let a = run("Bool", "aws:SecureTransport", &["true"]);
        assert_eq!(a.caller_restricted, Tri::False);
        assert!(a.notes[0].contains("TLS"));
    }

    #[test]
    fn org_id_restricts_and_is_trusted() {
        let a = run("StringEquals", "aws:PrincipalOrgID", &["o-a1b2c3d4e5"]);
        assert_eq!(a.caller_restricted, Tri::True);
        assert_eq!(a.restricting[0].trust, Trust::Trusted);
        let a = run("StringEquals", "AWS:PRINCIPALORGID", &["o-zzzzzzzzzz"]);
        assert_eq!(a.caller_restricted, Tri::True);
        assert_eq!(a.restricting[0].trust, Trust::Untrusted);
    }

    #[test]
    fn weak_operators_do_not_restrict() {
        for op in [
            "StringNotEquals",
            "StringEqualsIfExists",
            "ForAllValues:StringEquals",
            "Null",
        ] {
            let a = run(op, "aws:PrincipalAccount", &["222222222222"]);
            assert_eq!(a.caller_restricted, Tri::False, "{op}");
        }
        let a = run(
            "ForAnyValue:StringEquals",
            "aws:PrincipalAccount",
            &["222222222222"],
        );
        assert_eq!(a.caller_restricted, Tri::True);
    }

    #[test]
    fn wildcards_and_variables_do_not_restrict() {
        assert_eq!(
            run("StringLike", "aws:PrincipalOrgID", &["o-*"]).caller_restricted,
            Tri::False
        );
        assert_eq!(
            run("ArnLike", "aws:PrincipalArn", &["arn:aws:iam::*:role/x"]).caller_restricted,
            Tri::False
        );
        assert_eq!(
            run(
                "StringEquals",
                "aws:PrincipalAccount",
                &["${aws:PrincipalAccount}"]
            )
            .caller_restricted,
            Tri::False
        );
        // One wildcard value among fixed ones opens the whole OR.
        assert_eq!(
            run("StringLike", "kms:CallerAccount", &["222222222222", "*"]).caller_restricted,
            Tri::False
        );
        // StringEquals takes `*` literally: it matches no real account.
        assert_eq!(
            run(
                "ArnLike",
                "aws:PrincipalArn",
                &["arn:aws:iam::222222222222:role/*"]
            )
            .caller_restricted,
            Tri::True
        );
    }

    #[test]
    fn network_conditions_are_their_own_class() {
        let a = run("StringEquals", "aws:SourceVpce", &["vpce-1a2b3c4d"]);
        assert_eq!(a.caller_restricted, Tri::False);
        assert!(a.network_restricted);
        assert!(!run("IpAddress", "aws:SourceIp", &["10.0.0.0/8"]).network_restricted);
        assert!(!run("IpAddress", "aws:SourceIp", &["0.0.0.0/0"]).network_restricted);
        assert!(run("IpAddress", "aws:SourceIp", &["203.0.113.0/24"]).network_restricted);
    }
}
