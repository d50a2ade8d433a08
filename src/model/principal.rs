//! Principals: what a `Principal` / `NotPrincipal` entry names, and which account it lives in.

use crate::base::aws::is_account_id;
pub use crate::base::trust::{Account, Trust};
use crate::ir::{Part, Value};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PrincipalKind {
    /// `"*"`, `{"AWS": "*"}`, or an ARN whose account is a wildcard.
    Wildcard,
    /// An IAM principal (account root, role, user, session) identified by account.
    Aws,
    Service,
    Federated,
    CanonicalUser,
}

impl PrincipalKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PrincipalKind::Wildcard => "wildcard",
            PrincipalKind::Aws => "aws",
            PrincipalKind::Service => "service",
            PrincipalKind::Federated => "federated",
            PrincipalKind::CanonicalUser => "canonical_user",
        }
    }
}

/// The broadest class of accounts a statement lets call, after its principal and conditions.
/// Ordered from narrowest to broadest; conditions are ANDed with the principal, so the statement
/// is bounded by the narrowest of them (`min`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Scope {
    /// Only the key's own account.
    SelfOnly,
    /// The key's own account and trusted accounts, organizations or principals.
    Trusted,
    /// An account or organization that is not trusted.
    Untrusted,
    /// Cannot be known statically.
    Unknown,
    /// Any account.
    Any,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::SelfOnly => "self",
            Scope::Trusted => "trusted",
            Scope::Untrusted => "untrusted",
            Scope::Unknown => "unknown",
            Scope::Any => "any",
        }
    }

    /// The scope a principal names on its own. A service principal acts for any account unless
    /// a source condition says which.
    pub fn of_trust(t: &Trust) -> Scope {
        match t {
            Trust::SelfAccount => Scope::SelfOnly,
            Trust::Trusted => Scope::Trusted,
            Trust::Untrusted => Scope::Untrusted,
            Trust::Unknown(_) => Scope::Unknown,
            Trust::Any | Trust::NotApplicable => Scope::Any,
        }
    }
}

/// A classified principal value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Classified {
    pub kind: PrincipalKind,
    pub account: Option<Account>,
    /// The account root (`arn:…:root` or a bare id): delegates to every IAM identity there.
    pub is_root: bool,
    /// The rendered value, for messages.
    pub text: String,
}

/// Classifies one entry of `Principal: {<principal_type>: value}` (`principal_type` is `*` for
/// the bare `"Principal": "*"`).
pub fn classify(principal_type: &str, value: &Value) -> Classified {
    let text = value.render();
    let mk = |kind, account, is_root| Classified {
        kind,
        account,
        is_root,
        text: text.clone(),
    };
    if value.as_lit() == Some("*") {
        return mk(PrincipalKind::Wildcard, Some(Account::Wildcard), false);
    }
    match principal_type {
        "AWS" | "*" => {
            let (account, is_root) = aws_account(value);
            let kind = if account == Account::Wildcard {
                PrincipalKind::Wildcard
            } else {
                PrincipalKind::Aws
            };
            mk(kind, Some(account), is_root)
        }
        "Service" => mk(PrincipalKind::Service, None, false),
        "Federated" => {
            // A SAML/OIDC provider ARN names its account. A web identity provider
            // (`graph.facebook.com`, `cognito-identity.amazonaws.com`) signs in users of every
            // account: S3's "The meaning of public" lists `{"Federated": "graph.facebook.com"}`
            // as a public policy.
            if value.as_lit().is_some_and(|s| !s.starts_with("arn:")) {
                mk(PrincipalKind::Wildcard, Some(Account::Wildcard), false)
            } else {
                mk(PrincipalKind::Federated, Some(aws_account(value).0), false)
            }
        }
        "CanonicalUser" => mk(
            PrincipalKind::CanonicalUser,
            Some(Account::Unknown(
                "a canonical user id does not say which account it belongs to".into(),
            )),
            false,
        ),
        other => mk(
            PrincipalKind::Aws,
            Some(Account::Unknown(format!(
                "`{other}` is not a principal type AWS accepts (AWS, Service, Federated, CanonicalUser)"
            ))),
            false,
        ),
    }
}

/// The account of an AWS principal value: a bare account id or an IAM/STS ARN.
pub fn aws_account(value: &Value) -> (Account, bool) {
    if value.is_self_account() {
        return (Account::Own, true);
    }
    if let Some(s) = value.as_lit() {
        let s = s.trim();
        if is_account_id(s) {
            return (Account::Id(s.to_string()), true);
        }
        if !s.starts_with("arn:") {
            if s.starts_with("AROA") || s.starts_with("AIDA") {
                return (
                    Account::Unknown(format!(
                        "`{s}` is a unique id: the principal it named was deleted, or the policy was written by id"
                    )),
                    false,
                );
            }
            return (
                Account::Unknown(format!("`{s}` is neither an account id nor an ARN")),
                false,
            );
        }
    }
    arn_account(value)
}

/// The account field of an ARN value (`arn:partition:service:region:account:resource`).
pub fn arn_account(value: &Value) -> (Account, bool) {
    let fields = value.split(':');
    if fields.len() < 6 || fields.first().and_then(|f| f.as_lit()) != Some("arn") {
        if let Some(reason) = value.unknown_reason() {
            return (Account::Unknown(reason.to_string()), false);
        }
        return (
            Account::Unknown(format!("`{}` is not an ARN", value.render())),
            false,
        );
    }
    let resource = fields[5..]
        .iter()
        .map(Value::render)
        .collect::<Vec<_>>()
        .join(":");
    let is_root = resource == "root";
    let acct = &fields[4];
    let account = if acct.is_self_account() {
        Account::Own
    } else if let Some(a) = acct.as_lit() {
        if a.contains('*') || a.contains('?') {
            Account::Wildcard
        } else if is_account_id(a) {
            Account::Id(a.to_string())
        } else if a.is_empty() {
            Account::Unknown(format!("`{}` has no account field", value.render()))
        } else {
            Account::Unknown(format!("`{a}` is not an account id"))
        }
    } else if acct.parts.iter().any(|p| matches!(p, Part::SelfAccount)) {
        Account::Unknown(format!(
            "`{}` mixes the account id with other text",
            acct.render()
        ))
    } else {
        Account::Unknown(
            acct.unknown_reason()
                .unwrap_or("the account is not known statically")
                .to_string(),
        )
    };
    (account, is_root)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cls(t: &str, s: &str) -> Classified {
        classify(t, &Value::lit(s))
    }

    #[test]
    fn wildcards_in_every_form() {
        assert_eq!(cls("*", "*").kind, PrincipalKind::Wildcard);
        assert_eq!(cls("AWS", "*").kind, PrincipalKind::Wildcard);
        assert_eq!(
            cls("AWS", "arn:aws:iam::*:root").kind,
            PrincipalKind::Wildcard
        );
    }

    #[test]
    fn accounts_from_ids_and_arns() {
        let c = cls("AWS", "111122223333");
        assert_eq!(c.account, Some(Account::Id("111122223333".into())));
        assert!(c.is_root);
        let c = cls("AWS", "arn:aws-cn:iam::111122223333:role/x");
        assert_eq!(c.account, Some(Account::Id("111122223333".into())));
        assert!(!c.is_root);
        let c = cls("AWS", "arn:aws:sts::444455556666:assumed-role/R/session");
        assert_eq!(c.account, Some(Account::Id("444455556666".into())));
        let c = cls("AWS", "arn:aws-us-gov:iam::444455556666:root");
        assert!(c.is_root);
        let mut v = Value::lit("arn:aws:iam::");
        v.push(Part::SelfAccount);
        v.push(Part::Lit(":root".into()));
        let c = classify("AWS", &v);
        assert_eq!(c.account, Some(Account::Own));
    }

    #[test]
    fn odd_values_are_unknown_not_safe() {
        assert!(matches!(
            cls("AWS", "AROAEXAMPLE").account,
            Some(Account::Unknown(_))
        ));
        assert!(matches!(
            classify("AWS", &Value::unknown("param")).account,
            Some(Account::Unknown(_))
        ));
        assert!(matches!(
            cls("AWS", "arn:aws:iam::12:root").account,
            Some(Account::Unknown(_))
        ));
    }

    #[test]
    fn web_identity_federation_is_public() {
        assert_eq!(
            cls("Federated", "graph.facebook.com").kind,
            PrincipalKind::Wildcard
        );
        assert_eq!(
            cls("Federated", "arn:aws:iam::111122223333:saml-provider/x").kind,
            PrincipalKind::Federated
        );
    }

    #[test]
    fn services_have_no_account() {
        let c = cls("Service", "logs.amazonaws.com");
        assert_eq!(c.kind, PrincipalKind::Service);
        assert_eq!(c.account, None);
    }
}
