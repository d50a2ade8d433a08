//! Property tests over random key policies, through the real pipeline:
//! 1. adding a `Deny` statement never adds a finding about an `Allow`;
//! 2. adding a condition that restricts the caller to a trusted value never adds a finding about
//!    a principal that had none at that severity or worse (a finding may narrow into another rule:
//!    `*` with `kms:*` is KMS001; pinned to a trusted account it becomes KMS004, same severity);
//! 3. reordering statements, principals or condition values never changes the findings.
//!
//! Policies come from a small grammar of principals, condition operators, keys and values that
//! covers every class the model distinguishes (self / trusted / untrusted / unknown / wildcard,
//! positive / negated / IfExists / set operators, identity / network / other keys).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use kmslint::check_policy_text;
use kmslint::Config;
use kmslint::Registry;
use proptest::prelude::*;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::path::Path;

const CONFIG: &str = r#"
[trust]
own_accounts = ["111111111111"]
accounts = ["222222222222"]
organizations = ["o-a1b2c3d4e5"]
principals = ["arn:aws:iam::444455556666:role/VendorRead"]
[trust.names]
"222222222222" = "log-archive"
"#;

const PRINCIPALS: &[(&str, &str)] = &[
    ("AWS", "*"),
    ("AWS", "111111111111"),
    ("AWS", "arn:aws:iam::111111111111:role/App"),
    ("AWS", "arn:aws:iam::222222222222:root"),
    ("AWS", "arn:aws:iam::222222222222:role/Reader"),
    ("AWS", "999988887777"),
    ("AWS", "arn:aws:iam::999988887777:role/X"),
    ("AWS", "arn:aws:sts::999988887777:assumed-role/X/s"),
    ("AWS", "arn:aws:iam::444455556666:role/VendorRead"),
    ("AWS", "arn:aws:iam::*:root"),
    ("AWS", "AROAEXAMPLEID"),
    ("Service", "logs.amazonaws.com"),
    ("Federated", "graph.facebook.com"),
    ("Federated", "arn:aws:iam::999988887777:saml-provider/x"),
];

const OPERATORS: &[&str] = &[
    "StringEquals",
    "StringLike",
    "StringNotEquals",
    "StringEqualsIfExists",
    "StringEqualsIgnoreCase",
    "ForAnyValue:StringLike",
    "ForAllValues:StringEquals",
    "ArnLike",
    "ArnNotEquals",
    "IpAddress",
    "NotIpAddress",
    "Bool",
    "Null",
];

const KEYS: &[&str] = &[
    "aws:PrincipalAccount",
    "kms:CallerAccount",
    "aws:PrincipalOrgID",
    "aws:PrincipalOrgPaths",
    "aws:PrincipalArn",
    "aws:SourceAccount",
    "aws:SourceArn",
    "aws:userid",
    "aws:SecureTransport",
    "kms:ViaService",
    "kms:EncryptionContext:aws:logs:arn",
    "aws:SourceVpce",
    "aws:SourceIp",
];

const VALUES: &[&str] = &[
    "111111111111",
    "222222222222",
    "999988887777",
    "*",
    "o-a1b2c3d4e5",
    "o-zzzzzzzzzz",
    "o-a1b2c3d4e5/*",
    "arn:aws:iam::222222222222:role/*",
    "arn:aws:iam::999988887777:role/*",
    "arn:aws:iam::*:role/x",
    "arn:aws:logs:us-east-1:111111111111:log-group:*",
    "vpce-1a2b3c4d",
    "203.0.113.0/24",
    "0.0.0.0/0",
    "true",
    "false",
    "${aws:username}",
];

const ACTIONS: &[&str] = &["kms:Decrypt", "kms:*", "kms:PutKeyPolicy", "kms:Encrypt"];

/// Conditions that pin the caller to the key's own account or to trusted ones.
const TRUSTED_RESTRICTIONS: &[(&str, &str, &str)] = &[
    ("StringEquals", "kms:CallerAccount", "111111111111"),
    ("StringEquals", "aws:PrincipalAccount", "222222222222"),
    ("StringEquals", "aws:PrincipalOrgID", "o-a1b2c3d4e5"),
    (
        "ForAnyValue:StringLike",
        "aws:PrincipalOrgPaths",
        "o-a1b2c3d4e5/*",
    ),
    (
        "ArnLike",
        "aws:PrincipalArn",
        "arn:aws:iam::222222222222:role/*",
    ),
    ("StringEquals", "aws:SourceAccount", "111111111111"),
    ("StringEqualsIfExists", "kms:CallerAccount", "111111111111"),
];

#[derive(Clone, Debug)]
struct Stmt {
    allow: bool,
    not_principal: bool,
    principals: Vec<(&'static str, &'static str)>,
    actions: Vec<&'static str>,
    /// (operator, key, values)
    conditions: Vec<(&'static str, &'static str, Vec<&'static str>)>,
}

fn stmt() -> impl Strategy<Value = Stmt> {
    (
        prop::bool::weighted(0.8),
        prop::bool::weighted(0.1),
        prop::collection::vec(prop::sample::select(PRINCIPALS), 1..4),
        prop::collection::vec(prop::sample::select(ACTIONS), 1..3),
        prop::collection::vec(
            (
                prop::sample::select(OPERATORS),
                prop::sample::select(KEYS),
                prop::collection::vec(prop::sample::select(VALUES), 1..4),
            ),
            0..4,
        ),
    )
        .prop_map(
            |(allow, not_principal, principals, actions, conditions)| Stmt {
                allow,
                not_principal,
                principals,
                actions,
                conditions,
            },
        )
}

fn policy() -> impl Strategy<Value = Vec<Stmt>> {
    prop::collection::vec(stmt(), 1..5)
}

/// The condition object, one entry per (operator, key): values of a repeated pair are merged,
/// so the JSON never holds a duplicate key.
fn condition_json(conds: &[(&str, &str, Vec<&str>)]) -> Map<String, Value> {
    let mut ops: BTreeMap<String, BTreeMap<String, Vec<String>>> = BTreeMap::new();
    for (op, key, values) in conds {
        let slot = ops
            .entry((*op).to_string())
            .or_default()
            .entry((*key).to_string())
            .or_default();
        slot.extend(values.iter().map(|v| v.to_string()));
    }
    ops.into_iter()
        .map(|(op, keys)| {
            let inner: Map<String, Value> =
                keys.into_iter().map(|(k, v)| (k, Value::from(v))).collect();
            (op, Value::Object(inner))
        })
        .collect()
}

fn statement_json(i: usize, s: &Stmt) -> Value {
    let mut principal: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (t, v) in &s.principals {
        principal.entry(t).or_default().push(v);
    }
    let mut m = Map::new();
    m.insert("Sid".into(), json!(format!("S{i}")));
    m.insert(
        "Effect".into(),
        json!(if s.allow { "Allow" } else { "Deny" }),
    );
    m.insert(
        if s.not_principal {
            "NotPrincipal"
        } else {
            "Principal"
        }
        .into(),
        json!(principal),
    );
    m.insert("Action".into(), json!(s.actions));
    m.insert("Resource".into(), json!("*"));
    if !s.conditions.is_empty() {
        m.insert(
            "Condition".into(),
            Value::Object(condition_json(&s.conditions)),
        );
    }
    Value::Object(m)
}

/// A finding, minus where it is and how it is worded: (rule, statement, principals, accounts,
/// severity). One finding per statement and rule lists every principal; sorted, so that the
/// order principals are written in does not matter.
type Key = (
    String,
    Option<String>,
    Vec<String>,
    Vec<String>,
    kmslint::Severity,
);

fn findings(stmts: &[(usize, Stmt)]) -> Vec<Key> {
    static SETUP: std::sync::OnceLock<(Config, Registry)> = std::sync::OnceLock::new();
    let (cfg, reg) = SETUP.get_or_init(|| {
        let reg = Registry::builtin().unwrap();
        let cfg = Config::from_toml(Path::new("kmslint.toml"), CONFIG, &reg.ids()).unwrap();
        (cfg, reg)
    });
    let statements: Vec<Value> = stmts.iter().map(|(i, s)| statement_json(*i, s)).collect();
    let text = json!({"Version": "2012-10-17", "Statement": statements}).to_string();
    let mut out: Vec<Key> = check_policy_text("p.json", &text, cfg, reg, Some("111111111111"))
        .into_iter()
        .map(|f| {
            let mut principals = f.principals;
            principals.sort();
            let mut accounts = f.accounts;
            accounts.sort();
            (f.rule, f.statement, principals, accounts, f.severity)
        })
        .collect();
    out.sort();
    out
}

fn numbered(p: &[Stmt]) -> Vec<(usize, Stmt)> {
    p.iter().cloned().enumerate().collect()
}

/// Every finding of `after` is in `before`, or is about principals each of which a finding of
/// `before` in the same statement was already about, at the same severity or worse, or as
/// something kmslint could not tell (KMS005: it could have been anything).
fn no_new_concern(after: &[Key], before: &[Key]) -> bool {
    after.iter().all(|a| {
        before.contains(a)
            || (!a.2.is_empty()
                && a.2.iter().all(|p| {
                    before
                        .iter()
                        .any(|b| b.1 == a.1 && (b.4 >= a.4 || b.0 == "KMS005") && b.2.contains(p))
                }))
    })
}

/// Every element of `small` occurs in `big` at least as often.
fn submultiset(small: &[Key], big: &[Key]) -> bool {
    let mut count: BTreeMap<&Key, i64> = BTreeMap::new();
    for k in big {
        *count.entry(k).or_default() += 1;
    }
    small.iter().all(|k| {
        let c = count.entry(k).or_default();
        *c -= 1;
        *c >= 0
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn adding_a_deny_never_adds_a_finding(p in policy(), mut extra in stmt()) {
        extra.allow = false;
        let before = findings(&numbered(&p));
        let mut q = numbered(&p);
        q.push((p.len(), extra));
        let after = findings(&q);
        prop_assert!(submultiset(&after, &before), "before {before:?}\nafter {after:?}");
    }

    #[test]
    fn a_trusted_restriction_never_adds_a_finding(
        p in policy(),
        which in any::<prop::sample::Index>(),
        (op, key, value) in prop::sample::select(TRUSTED_RESTRICTIONS),
    ) {
        let i = which.index(p.len());
        // Only a new (operator, key) pair: merging into an existing one would change its values.
        prop_assume!(!p[i].conditions.iter().any(|(o, k, _)| *o == op && *k == key));
        let before = findings(&numbered(&p));
        let mut q = p.clone();
        q[i].conditions.push((op, key, vec![value]));
        let after = findings(&numbered(&q));
        prop_assert!(no_new_concern(&after, &before), "statement {i} + {op} {key} {value}\nbefore {before:?}\nafter {after:?}");
    }

    #[test]
    fn order_never_changes_the_findings(p in policy(), seed in any::<u64>()) {
        let before = findings(&numbered(&p));
        // A deterministic shuffle from the seed: statements, principals and values.
        let mut rng = seed;
        let mut next = move |n: usize| {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            (rng % n.max(1) as u64) as usize
        };
        let mut q = numbered(&p);
        for j in (1..q.len()).rev() {
            q.swap(j, next(j + 1));
        }
        for (_, s) in &mut q {
            for j in (1..s.principals.len()).rev() {
                s.principals.swap(j, next(j + 1));
            }
            for j in (1..s.conditions.len()).rev() {
                s.conditions.swap(j, next(j + 1));
            }
            for (_, _, vals) in &mut s.conditions {
                for j in (1..vals.len()).rev() {
                    vals.swap(j, next(j + 1));
                }
            }
        }
        let after = findings(&q);
        prop_assert_eq!(before, after);
    }
}
