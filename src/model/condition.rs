//! Conditions: does a statement's `Condition` pin the caller to a known set of accounts?
//!
//! The rules follow IAM Access Analyzer's test for public and cross-account access, S3's "The
//! meaning of public" and the IAM JSON policy reference ("Condition operators", "Single-valued vs.
//! multivalued context keys"). Each rule, with the AWS sentence it follows, is written down in
//! `docs/semantics.md`; in short, a condition restricts the caller only through an identity key,
//! with a positive operator, and with fixed values that name the account (or organization).

use crate::base::aws::is_account_id;
use crate::base::source::Loc;
use crate::base::trust::{Account, Trust, TrustConfig};
use crate::ir::{Doc, DocKind, Value, Why};
use crate::model::principal::{arn_account, Scope};

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

/// Keys that AWS puts in the request context of every request, so that `…IfExists` and
/// `ForAllValues:` have no absent key to pass over. IAM: aws:PrincipalAccount and aws:userid are
/// "included in the request context for all requests, including anonymous requests"; KMS:
/// "because each API call can originate from only one AWS account, kms:CallerAccount is a single
/// valued condition key" present for every KMS key resource operation.
fn always_present(key: &str) -> bool {
    matches!(
        key.to_ascii_lowercase().as_str(),
        "aws:principalaccount" | "aws:userid" | "kms:calleraccount"
    )
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

/// The condition operators IAM defines (base names, without `IfExists` or a set qualifier).
const OPERATORS: &[&str] = &[
    "StringEquals",
    "StringNotEquals",
    "StringEqualsIgnoreCase",
    "StringNotEqualsIgnoreCase",
    "StringLike",
    "StringNotLike",
    "NumericEquals",
    "NumericNotEquals",
    "NumericLessThan",
    "NumericLessThanEquals",
    "NumericGreaterThan",
    "NumericGreaterThanEquals",
    "DateEquals",
    "DateNotEquals",
    "DateLessThan",
    "DateLessThanEquals",
    "DateGreaterThan",
    "DateGreaterThanEquals",
    "Bool",
    "BinaryEquals",
    "IpAddress",
    "NotIpAddress",
    "ArnEquals",
    "ArnLike",
    "ArnNotEquals",
    "ArnNotLike",
    "Null",
];

/// A condition operator taken apart: `ForAnyValue:StringLikeIfExists`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Operator {
    /// The canonical base name (`StringLike`), or the text as written when it is not an IAM
    /// operator.
    pub base: String,
    pub for_all: bool,
    pub for_any: bool,
    pub if_exists: bool,
    /// The base is one of the operators IAM defines.
    pub known: bool,
}

impl Operator {
    /// Parses an operator. Matching is ASCII case-insensitive: reading `stringequals` as
    /// `StringEquals` can only make a statement narrower than reading it as an unknown operator,
    /// and a policy AWS rejects grants nothing.
    pub fn parse(op: &str) -> Operator {
        let lower = op.to_ascii_lowercase();
        let (for_all, for_any, rest) = if let Some(r) = lower.strip_prefix("forallvalues:") {
            (true, false, r)
        } else if let Some(r) = lower.strip_prefix("foranyvalue:") {
            (false, true, r)
        } else {
            (false, false, lower.as_str())
        };
        let (if_exists, base) = match rest.strip_suffix("ifexists") {
            Some(b) if b != "null" => (true, b),
            _ => (false, rest),
        };
        let canonical = OPERATORS.iter().find(|o| o.eq_ignore_ascii_case(base));
        Operator {
            base: canonical.map_or_else(|| base.to_string(), |c| (*c).to_string()),
            for_all,
            for_any,
            if_exists,
            known: canonical.is_some(),
        }
    }

    /// The operator as IAM spells it.
    pub fn name(&self) -> String {
        format!(
            "{}{}{}",
            if self.for_all {
                "ForAllValues:"
            } else if self.for_any {
                "ForAnyValue:"
            } else {
                ""
            },
            self.base,
            if self.if_exists { "IfExists" } else { "" }
        )
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

    /// `StringLike` and the ARN operators treat `*` and `?` as wildcards ("The ArnEquals and
    /// ArnLike condition operators behave identically"); `StringEquals` takes them literally.
    fn wildcards(&self) -> bool {
        self.base == "StringLike" || self.base.starts_with("Arn")
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

/// What a statement's conditions mean for who may call.
#[derive(Clone, Debug, PartialEq)]
pub struct Analysis {
    /// The caller is pinned to fixed accounts/organizations by some condition.
    pub caller_restricted: Tri,
    /// The narrowest set of accounts an identity condition lets call (conditions are ANDed, so
    /// the narrowest one bounds the statement); `Scope::Any` when none restricts.
    pub scope: Scope,
    /// Only network conditions (VPC, endpoint, IP range) narrow the caller.
    pub network_restricted: bool,
    /// A service principal is tied to a source account/resource (confused-deputy protection):
    /// unknown when the only source conditions name an account not known statically.
    pub service_scoped: Tri,
    /// Values of the conditions that restrict the caller, with their trust.
    pub restricting: Vec<RestrictingValue>,
    /// Encryption-context ARNs (`kms:EncryptionContext:aws:<service>:arn`) whose account is not
    /// known statically: they would scope a service principal, to an account nobody can see yet.
    /// Not in `restricting`: the caller chooses the encryption context, so they pin no AWS
    /// principal.
    pub source_unknown: Vec<RestrictingValue>,
    /// Why each condition that is present does not restrict the caller.
    pub notes: Vec<String>,
    /// Condition keys present, as written.
    pub keys: Vec<String>,
    /// The Condition has alternatives (`Fn::If`, a conditional) that do not all restrict alike.
    pub alternatives: bool,
}

impl Analysis {
    fn empty() -> Self {
        Analysis {
            caller_restricted: Tri::False,
            scope: Scope::Any,
            network_restricted: false,
            service_scoped: Tri::False,
            restricting: Vec::new(),
            source_unknown: Vec::new(),
            notes: Vec::new(),
            keys: Vec::new(),
            alternatives: false,
        }
    }
}

/// Explains why a key that is not an identity key does not restrict the caller.
fn non_identity_note(op: &Operator, key: &str) -> String {
    let k = key.to_ascii_lowercase();
    let why = if k == "aws:securetransport" {
        "only requires TLS; it does not limit who the caller is"
    } else if k == "kms:viaservice" {
        "only requires the call to come through that AWS service, which principals of any account can use"
    } else if k.starts_with("kms:encryptioncontext") {
        "is chosen by the caller, so a caller in any account can satisfy it"
    } else if k == "kms:grantisforawsresource" {
        "only says an AWS service asked for the grant, on behalf of a caller in any account"
    } else if k.starts_with("aws:currenttime") || k.starts_with("aws:epochtime") {
        "limits when, not who"
    } else if k.starts_with("aws:requesttag") || k == "aws:tagkeys" {
        "is a tag the caller sends, so a caller in any account can satisfy it"
    } else if k.starts_with("aws:resourcetag") {
        "describes the key, not the caller"
    } else if k.starts_with("aws:principaltag") || k == "aws:principaltype" || k == "aws:username" {
        "describes the caller in words any account can match, not the caller's account"
    } else if k.starts_with("kms:") {
        "describes the request, not the caller's account"
    } else {
        "does not identify the caller's account"
    };
    format!("`{}` on `{key}` {why}", op.name())
}

/// Removes IAM's escapes for literal special characters (`${*}`, `${?}`, `${$}`).
fn unescape(s: &str) -> String {
    s.replace("${*}", "")
        .replace("${?}", "")
        .replace("${$}", "")
}

fn has_wildcard(s: &str) -> bool {
    let u = unescape(s);
    u.contains('*') || u.contains('?')
}

/// A policy variable (`${aws:username}`): the value depends on the request, so it is not fixed.
fn has_policy_variable(s: &str) -> bool {
    unescape(s).contains("${")
}

type Vals<'a> = Vec<(Option<&'a Value>, Loc, Option<Why>)>;

fn values_of(doc: &Doc) -> Vals<'_> {
    doc.flatten()
        .into_iter()
        .map(|d| match &d.kind {
            DocKind::Scalar(v) => (Some(v), d.loc, None),
            DocKind::Unknown(r) => (None, d.loc, Some(r.clone())),
            _ => (
                None,
                d.loc,
                Some(Why::unsupported("the value is not a string")),
            ),
        })
        .collect()
}

/// `Null: {key: "false"}` in the same Condition makes an `IfExists` or `ForAllValues` test on that
/// key fail closed when the key is absent (IAM JSON policy reference, "Condition operators").
fn null_false_for(cond: &Doc, key: &str) -> bool {
    cond.entries()
        .iter()
        .filter(|op| Operator::parse(&op.key).base == "Null")
        .any(|op| {
            op.value.all(key, true).any(|e| {
                let vals = e.value.flatten();
                !vals.is_empty()
                    && vals.iter().all(|d| {
                        d.as_value()
                            .and_then(Value::as_lit)
                            .is_some_and(|s| s.eq_ignore_ascii_case("false"))
                    })
            })
        })
}

/// One `operator: {key: values}` test, in document order.
struct Test<'a> {
    op: Operator,
    key: &'a str,
    values: Vals<'a>,
}

/// The narrowest scope a restricting identity test lets in: the least trusted of its values.
fn scope_of(vals: &[RestrictingValue]) -> Scope {
    vals.iter()
        .map(|v| match &v.trust {
            Trust::SelfAccount => Scope::SelfOnly,
            Trust::Trusted | Trust::NotApplicable => Scope::Trusted,
            Trust::Untrusted => Scope::Untrusted,
            Trust::Unknown(_) => Scope::Unknown,
            Trust::Any => Scope::Any,
        })
        .max()
        .unwrap_or(Scope::Any)
}

/// At most this many alternatives of one Condition are analysed one by one; beyond, the
/// alternatives are read together as before (a `Fn::If` under an operator then restricts
/// nothing), which can only over-report.
const MAX_CONDITION_ALTERNATIVES: usize = 32;

/// Analyses the `Condition` element of one statement (`None` when it has none). A condition with
/// alternatives (`Fn::If`, a Terraform conditional) is analysed per alternative: any of them may
/// be deployed, so it restricts only as much as the weakest of them.
pub fn analyse(
    condition: Option<&Doc>,
    trust: &TrustConfig,
    key_account: Option<&str>,
) -> Analysis {
    if let Some(cond) = condition {
        if let Some(alts) = alternatives(cond).filter(|a| a.len() > 1) {
            let each: Vec<Analysis> = alts
                .iter()
                .map(|c| analyse_one(Some(c), trust, key_account))
                .collect();
            return weakest(each);
        }
    }
    analyse_one(condition, trust, key_account)
}

/// The alternatives of a Condition whose operators or keys hold a `Choice`: one Condition per
/// combination (None when there are too many).
fn alternatives(doc: &Doc) -> Option<Vec<Doc>> {
    match &doc.kind {
        DocKind::Choice(alts) => {
            let mut out = Vec::new();
            for a in alts {
                out.extend(alternatives(a)?);
                if out.len() > MAX_CONDITION_ALTERNATIVES {
                    return None;
                }
            }
            Some(out)
        }
        DocKind::Map(entries) => {
            let mut combos: Vec<Vec<crate::ir::DocEntry>> = vec![Vec::new()];
            for e in entries {
                let values = alternatives(&e.value)?;
                let mut next = Vec::new();
                for c in &combos {
                    for v in &values {
                        let mut c = c.clone();
                        c.push(crate::ir::DocEntry {
                            key: e.key.clone(),
                            key_loc: e.key_loc,
                            value: v.clone(),
                        });
                        next.push(c);
                    }
                }
                if next.len() > MAX_CONDITION_ALTERNATIVES {
                    return None;
                }
                combos = next;
            }
            Some(
                combos
                    .into_iter()
                    .map(|es| Doc::new(DocKind::Map(es), doc.loc))
                    .collect(),
            )
        }
        // Values (lists of them) stay as they are: every value of a key is already allowed.
        _ => Some(vec![doc.clone()]),
    }
}

/// What a statement whose Condition is any one of several alternatives lets in: the weakest of
/// them (restricted only if every alternative restricts).
fn weakest(each: Vec<Analysis>) -> Analysis {
    let all = |f: &dyn Fn(&Analysis) -> Tri| {
        each.iter().fold(Tri::True, |acc, a| match (acc, f(a)) {
            (Tri::False, _) | (_, Tri::False) => Tri::False,
            (Tri::Unknown, _) | (_, Tri::Unknown) => Tri::Unknown,
            _ => Tri::True,
        })
    };
    let mut out = Analysis::empty();
    out.caller_restricted = all(&|a| a.caller_restricted);
    out.service_scoped = all(&|a| a.service_scoped);
    out.scope = each.iter().map(|a| a.scope).max().unwrap_or(Scope::Any);
    // Network-only when every alternative that does not pin the caller narrows the network.
    let open: Vec<&Analysis> = each
        .iter()
        .filter(|a| a.caller_restricted != Tri::True)
        .collect();
    out.network_restricted = !open.is_empty() && open.iter().all(|a| a.network_restricted);
    out.alternatives = each
        .iter()
        .any(|a| a.caller_restricted != out.caller_restricted);
    for a in each {
        for v in a.restricting {
            if !out.restricting.contains(&v) {
                out.restricting.push(v);
            }
        }
        for v in a.source_unknown {
            if !out.source_unknown.contains(&v) {
                out.source_unknown.push(v);
            }
        }
        for n in a.notes {
            if !out.notes.contains(&n) {
                out.notes.push(n);
            }
        }
        for k in a.keys {
            if !out.keys.iter().any(|x| x.eq_ignore_ascii_case(&k)) {
                out.keys.push(k);
            }
        }
    }
    out
}

fn analyse_one(
    condition: Option<&Doc>,
    trust: &TrustConfig,
    key_account: Option<&str>,
) -> Analysis {
    let mut a = Analysis::empty();
    let Some(cond) = condition else {
        return a;
    };
    match &cond.kind {
        DocKind::Unknown(reason) => {
            a.caller_restricted = Tri::Unknown;
            a.scope = Scope::Unknown;
            a.notes.push(format!(
                "the Condition block is not known statically: {reason}"
            ));
            return a;
        }
        DocKind::Map(_) => {}
        DocKind::Null => return a,
        _ => {
            a.notes
                .push("the Condition element is not an object, so AWS rejects it".into());
            return a;
        }
    }
    let mut restricted = false;
    let mut restricted_unknown = false;
    let mut network = false;
    // Source conditions that scope a service principal: to fixed accounts, or to unknown ones.
    let mut source_fixed = false;
    let mut source_unknown = false;
    // Every test, grouped by (operator, key): a key given twice (duplicate JSON keys, or the same
    // key in two spellings) keeps only one of its values in AWS's parser, so a group restricts
    // only when every one of its tests does.
    let mut groups: Vec<(String, String, Vec<Test>)> = Vec::new();
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
            if !a.keys.iter().any(|k| k.eq_ignore_ascii_case(key)) {
                a.keys.push(key.to_string());
            }
            let gk = (op.name(), key.to_ascii_lowercase());
            let test = Test {
                op: op.clone(),
                key,
                values: values_of(&key_entry.value),
            };
            match groups.iter_mut().find(|g| g.0 == gk.0 && g.1 == gk.1) {
                Some(g) => g.2.push(test),
                None => groups.push((gk.0, gk.1, vec![test])),
            }
        }
    }
    let mut scope = Scope::Any;
    for (_, _, tests) in &groups {
        let dup_note = |n: String| {
            if tests.len() > 1 {
                format!(
                    "{n} (the key is given {} times; AWS keeps only one)",
                    tests.len()
                )
            } else {
                n
            }
        };
        let Some(first) = tests.first() else {
            continue;
        };
        let key = first.key;
        if let Some(kind) = identity_key(key) {
            let mut vals = Vec::new();
            let mut failed = None;
            for t in tests {
                let null_guard = null_false_for(cond, t.key);
                match identity_test(
                    &t.op,
                    t.key,
                    kind,
                    &t.values,
                    null_guard,
                    trust,
                    key_account,
                ) {
                    Block::Restricts(v) => vals.extend(v),
                    Block::DoesNot(note) => {
                        failed.get_or_insert(note);
                    }
                }
            }
            match failed {
                Some(note) => a.notes.push(dup_note(note)),
                None => {
                    let unknown = vals.iter().any(|v| matches!(v.trust, Trust::Unknown(_)));
                    if is_source_key(key) {
                        if unknown {
                            source_unknown = true;
                        } else {
                            source_fixed = true;
                        }
                    }
                    if unknown {
                        restricted_unknown = true;
                    } else {
                        restricted = true;
                    }
                    scope = scope.min(scope_of(&vals));
                    a.restricting.extend(vals);
                }
            }
        } else if let Some(nk) = network_key(key) {
            let mut ok = true;
            for t in tests {
                let null_guard = null_false_for(cond, t.key);
                if let Err(note) = network_test(&t.op, t.key, nk, &t.values, null_guard) {
                    a.notes.push(dup_note(note));
                    ok = false;
                    break;
                }
            }
            if ok {
                network = true;
                a.notes.push(format!(
                    "`{}` on `{key}` narrows the network path, not the caller's account",
                    first.op.name()
                ));
            }
        } else {
            // The CloudWatch Logs / CloudTrail pattern: the encryption context names the source
            // resource's ARN, in a fixed account (or in one only a deployment decides).
            let scopes: Vec<EcScope> = tests
                .iter()
                .map(|t| encryption_context_scopes(&t.op, t.key, &t.values))
                .collect();
            if scopes.iter().all(|s| *s == EcScope::Fixed) {
                source_fixed = true;
            } else if scopes.iter().all(|s| *s != EcScope::No) {
                source_unknown = true;
                for t in tests {
                    for (v, loc, _) in &t.values {
                        let Some(v) = v else { continue };
                        if let Account::Unknown(r) = arn_account(v).0 {
                            a.source_unknown.push(RestrictingValue {
                                key: t.key.to_string(),
                                kind: KeyKind::Arn,
                                value: (*v).clone(),
                                loc: *loc,
                                subject: v.render(),
                                trust: Trust::Unknown(r),
                            });
                        }
                    }
                }
            }
            a.notes.push(dup_note(non_identity_note(&first.op, key)));
        }
    }
    a.service_scoped = if source_fixed {
        Tri::True
    } else if source_unknown {
        Tri::Unknown
    } else {
        Tri::False
    };
    a.caller_restricted = if restricted {
        Tri::True
    } else if restricted_unknown {
        Tri::Unknown
    } else {
        Tri::False
    };
    a.scope = if restricted || restricted_unknown {
        scope
    } else {
        Scope::Any
    };
    a.network_restricted = network && !restricted;
    a
}

/// Whether a `kms:EncryptionContext:aws:<service>:arn` test ties a service to resources of
/// fixed accounts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum EcScope {
    /// Every value is an ARN in a fixed account.
    Fixed,
    /// Every value is an ARN, some in an account not known statically.
    Unknown,
    No,
}

fn encryption_context_scopes(op: &Operator, key: &str, values: &Vals) -> EcScope {
    let k = key.to_ascii_lowercase();
    let scoping = k.starts_with("kms:encryptioncontext:")
        && k.ends_with(":arn")
        && op.is_positive_match()
        && !op.if_exists
        && !op.for_all;
    if !scoping || values.is_empty() {
        return EcScope::No;
    }
    let mut unknown = false;
    for (v, _, _) in values {
        let Some(v) = v else {
            unknown = true;
            continue;
        };
        match arn_account(v).0 {
            Account::Id(_) | Account::Own => {}
            // An ARN whose account field is built from a parameter or variable.
            Account::Unknown(_) if v.unknown_why().is_some() => unknown = true,
            _ => return EcScope::No,
        }
    }
    if unknown {
        EcScope::Unknown
    } else {
        EcScope::Fixed
    }
}

enum Block {
    Restricts(Vec<RestrictingValue>),
    DoesNot(String),
}

fn identity_test(
    op: &Operator,
    key: &str,
    kind: KeyKind,
    values: &Vals,
    null_guard: bool,
    trust: &TrustConfig,
    key_account: Option<&str>,
) -> Block {
    let opname = op.name();
    if !op.known {
        return Block::DoesNot(format!(
            "`{opname}` is not an IAM condition operator (AWS rejects the policy), so `{key}` does not pin the caller"
        ));
    }
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
    let present = always_present(key) || null_guard;
    if op.if_exists && !present {
        return Block::DoesNot(format!(
            "`{opname}` on `{key}` passes when the key is absent from the request (add `\"Null\": {{\"{key}\": \"false\"}}` or drop `IfExists`)"
        ));
    }
    if op.for_all && !present {
        return Block::DoesNot(format!(
            "`{opname}` on `{key}` passes when the key is absent from the request (use `ForAnyValue:` or add a `Null` check)"
        ));
    }
    if values.is_empty() {
        return Block::DoesNot(format!("`{key}` has no values"));
    }
    let mut out = Vec::new();
    for (v, loc, unknown) in values {
        let Some(v) = v else {
            let why = unknown
                .clone()
                .unwrap_or_else(|| Why::input("not known statically"));
            let reason = why.reason.clone();
            let value = Value::unknown(why);
            out.push(RestrictingValue {
                key: key.to_string(),
                kind,
                subject: value.render(),
                value,
                loc: *loc,
                trust: Trust::Unknown(reason),
            });
            continue;
        };
        // An ARN is judged by its account field: an unknown partition or resource name does not
        // make `arn:${partition}:iam::*:role/x` any less a wildcard, or `…::111122223333:…` any
        // less that account.
        let arn_known = kind == KeyKind::Arn
            && !matches!(arn_account(v).0, Account::Unknown(_))
            && v.split(':').len() >= 6;
        if let Some(reason) = v.unknown_reason().filter(|_| !arn_known) {
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
        if v.as_lit().is_some_and(has_policy_variable) {
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
                        let t = trust.decide(&Account::Id(acct.to_string()), None, key_account);
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
                } else if trust.organizations.contains(org) {
                    (org.to_string(), Trust::Trusted)
                } else {
                    (org.to_string(), Trust::Untrusted)
                }
            }
            KeyKind::Arn => {
                // A wildcard outside the account field (region, resource) keeps the value fixed
                // to one account: S3's "The meaning of public" accepts "a wildcard for the access
                // point name ... as long as the account id is fixed".
                // `arn:aws:iam::*`: the wildcard stands for the account field and everything after.
                let fields = v.split(':');
                if op.wildcards()
                    && fields.len() < 6
                    && fields.iter().any(|f| f.as_lit().is_some_and(has_wildcard))
                {
                    return Block::DoesNot(format!(
                        "`{key}` value `{text}` ends in a wildcard where the account belongs, so it matches any account"
                    ));
                }
                let (acct, _) = arn_account(v);
                match acct {
                    Account::Wildcard => {
                        if op.wildcards() {
                            return Block::DoesNot(format!(
                                "`{key}` value `{text}` has a wildcard account, so it matches any account"
                            ));
                        }
                        // StringEquals takes `*` literally: the value matches no real caller.
                        (
                            text.clone(),
                            Trust::Unknown(format!(
                                "`{text}` has a literal `*` where the account id belongs"
                            )),
                        )
                    }
                    Account::Id(id) => {
                        let t = trust.decide(&Account::Id(id.clone()), v.as_lit(), key_account);
                        (id, t)
                    }
                    Account::Own => ("self".into(), Trust::SelfAccount),
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

fn network_test(
    op: &Operator,
    key: &str,
    nk: NetKey,
    values: &Vals,
    null_guard: bool,
) -> Result<(), String> {
    let opname = op.name();
    if !op.known || op.is_negated() || op.base == "Null" {
        return Err(format!(
            "`{opname}` on `{key}` does not narrow the network path"
        ));
    }
    if (op.if_exists || op.for_all) && !null_guard {
        return Err(format!(
            "`{opname}` on `{key}` passes when the key is absent (a request from outside that network path carries no `{key}`)"
        ));
    }
    if values.is_empty() {
        return Err(format!("`{key}` has no values"));
    }
    for (v, _, _) in values {
        if v.is_some_and(|v| deployed_id(v, nk)) && op.is_positive_match() && !op.wildcards() {
            continue;
        }
        let Some(s) = v.and_then(Value::as_lit) else {
            return Err(format!("`{key}` has a value that is not known statically"));
        };
        let ok = !has_policy_variable(s)
            && match nk {
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
                NetKey::Ip => op.base == "IpAddress" && fixed_cidr(s),
            };
        if !ok {
            return Err(format!(
                "`{opname}` on `{key}` value `{s}` does not narrow the network path to a fixed range"
            ));
        }
    }
    Ok(())
}

/// A VPC id chosen at deploy time (`vpc-` and a part only the deployment supplies, as from a
/// CloudFormation `AWS::EC2::VPC::Id` parameter, which must name a VPC of the account): one VPC.
fn deployed_id(v: &Value, nk: NetKey) -> bool {
    use crate::ir::{Cause, Part};
    matches!((nk, v.parts.as_slice()), (NetKey::Vpc, [Part::Lit(p), Part::Unknown(w)])
        if p == "vpc-" && w.cause == Cause::Input)
}

/// S3's "The meaning of public": `aws:SourceIp` ranges "broader than /8 for IPv4 and /32 for IPv6
/// (excluding RFC1918 private ranges)" are public; narrower ones are fixed values. (Every RFC 1918
/// range is /8 or narrower, so the exclusion never widens a range.) An address without a prefix
/// is `/32` ("IAM uses the default prefix value of /32").
pub fn fixed_cidr(s: &str) -> bool {
    let s = s.trim();
    let (addr, prefix) = match s.split_once('/') {
        Some((a, p)) => match p.parse::<u8>() {
            Ok(n) => (a, Some(n)),
            Err(_) => return false,
        },
        None => (s, None),
    };
    if addr.parse::<std::net::Ipv4Addr>().is_ok() {
        let prefix = prefix.unwrap_or(32);
        return (8..=32).contains(&prefix);
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
    use crate::ir::DocEntry;

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
        let mut trust = TrustConfig::default();
        trust.accounts.insert("222222222222".into());
        trust.organizations.insert("o-a1b2c3d4e5".into());
        analyse(Some(&cond(op, key, vals)), &trust, None)
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
        assert_eq!(a.scope, Scope::Trusted);
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
            "Frobnicate",
        ] {
            let a = run(op, "aws:PrincipalOrgID", &["o-a1b2c3d4e5"]);
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
    fn always_present_keys_keep_if_exists_restricting() {
        for op in ["StringEqualsIfExists", "ForAllValues:StringEquals"] {
            for key in ["aws:PrincipalAccount", "kms:CallerAccount"] {
                let a = run(op, key, &["222222222222"]);
                assert_eq!(a.caller_restricted, Tri::True, "{op} {key}");
            }
        }
    }

    #[test]
    fn operators_parse_case_insensitively() {
        let op = Operator::parse("forAnyValue:stringlikeifexists");
        assert_eq!(op.name(), "ForAnyValue:StringLikeIfExists");
        assert!(op.known);
        assert!(!Operator::parse("StringEqualz").known);
        assert_eq!(Operator::parse("Null").name(), "Null");
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

    fn alt(kind: DocKind) -> Doc {
        d(kind)
    }

    fn entry(key: &str, value: Doc) -> DocEntry {
        DocEntry {
            key: key.into(),
            key_loc: Loc::default(),
            value,
        }
    }

    fn trust() -> TrustConfig {
        let mut trust = TrustConfig::default();
        trust.accounts.insert("222222222222".into());
        trust.organizations.insert("o-a1b2c3d4e5".into());
        trust
    }

    #[test]
    fn an_operator_given_by_alternatives_is_as_open_as_its_most_open_one() {
        // StringEquals: !If [IsProd, {aws:PrincipalOrgID: trusted}, {kms:ViaService: s3…}]
        let org = cond("StringEquals", "aws:PrincipalOrgID", &["o-a1b2c3d4e5"]);
        let via = cond(
            "StringEquals",
            "kms:ViaService",
            &["s3.eu-west-1.amazonaws.com"],
        );
        let op_value = |c: &Doc| c.entries()[0].value.clone();
        let block = alt(DocKind::Map(vec![entry(
            "StringEquals",
            alt(DocKind::Choice(vec![op_value(&org), op_value(&via)])),
        )]));
        let a = analyse(Some(&block), &trust(), None);
        assert_eq!(a.caller_restricted, Tri::False);
        assert!(
            a.notes.iter().any(|n| n.contains("kms:ViaService")),
            "{:?}",
            a.notes
        );
        // The restricting value of the other branch is still reported on.
        assert_eq!(a.restricting.len(), 1);
        // Both branches pin the caller: restricted (the CMK-KMS.yaml pattern).
        let own = cond("StringEquals", "aws:PrincipalOrgID", &["o-a1b2c3d4e5"]);
        let block = alt(DocKind::Map(vec![entry(
            "StringEquals",
            alt(DocKind::Choice(vec![op_value(&own), op_value(&org)])),
        )]));
        assert_eq!(
            analyse(Some(&block), &trust(), None).caller_restricted,
            Tri::True
        );
    }

    #[test]
    fn a_condition_block_or_key_that_may_be_removed_restricts_nothing() {
        let org = cond("StringEquals", "aws:PrincipalOrgID", &["o-a1b2c3d4e5"]);
        let maybe = alt(DocKind::Choice(vec![org.clone(), alt(DocKind::Null)]));
        let a = analyse(Some(&maybe), &trust(), None);
        assert_eq!(a.caller_restricted, Tri::False);
        let key = org.entries()[0].value.entries()[0].clone();
        let block = alt(DocKind::Map(vec![entry(
            "StringEquals",
            alt(DocKind::Map(vec![DocEntry {
                value: alt(DocKind::Choice(vec![key.value.clone(), alt(DocKind::Null)])),
                ..key
            }])),
        )]));
        assert_eq!(
            analyse(Some(&block), &trust(), None).caller_restricted,
            Tri::False
        );
        // Without alternatives nothing changes.
        assert_eq!(
            analyse(Some(&org), &trust(), None).caller_restricted,
            Tri::True
        );
    }

    #[test]
    fn a_vpc_id_chosen_at_deploy_time_is_a_fixed_network_path() {
        let mut v = Value::lit("vpc-");
        v.push(crate::ir::Part::Unknown(crate::ir::Why::input(
            "parameter AppVpcs",
        )));
        let block = |op: &str| {
            alt(DocKind::Map(vec![entry(
                op,
                alt(DocKind::Map(vec![entry(
                    "aws:SourceVpc",
                    alt(DocKind::Scalar(v.clone())),
                )])),
            )]))
        };
        let a = analyse(Some(&block("StringEquals")), &trust(), None);
        assert!(a.network_restricted);
        assert_eq!(a.caller_restricted, Tri::False);
        // A pattern operator could match any VPC.
        assert!(!analyse(Some(&block("StringLike")), &trust(), None).network_restricted);
    }

    #[test]
    fn network_conditions_are_their_own_class() {
        let a = run("StringEquals", "aws:SourceVpce", &["vpce-1a2b3c4d"]);
        assert_eq!(a.caller_restricted, Tri::False);
        assert!(a.network_restricted);
        assert!(run("IpAddress", "aws:SourceIp", &["10.0.0.0/8"]).network_restricted);
        assert!(!run("IpAddress", "aws:SourceIp", &["0.0.0.0/0"]).network_restricted);
        assert!(!run("IpAddress", "aws:SourceIp", &["10.0.0.0/7"]).network_restricted);
        assert!(run("IpAddress", "aws:SourceIp", &["203.0.113.0/24"]).network_restricted);
        assert!(run("IpAddress", "aws:SourceIp", &["2001:db8::/32"]).network_restricted);
        assert!(!run("IpAddress", "aws:SourceIp", &["2001:db8::/31"]).network_restricted);
        assert!(!run("NotIpAddress", "aws:SourceIp", &["203.0.113.0/24"]).network_restricted);
    }
}
