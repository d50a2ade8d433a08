//! Whom the team trusts (`[trust]` in kmslint.toml), and the typed decision every stage shares:
//! where an account stands against that list.

use super::aws::Arn;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// The team's trust list.
#[derive(Clone, Debug, Default)]
pub struct TrustConfig {
    /// Accounts this repository deploys keys into: "self" wherever a file names them literally.
    pub own_accounts: BTreeSet<String>,
    pub accounts: BTreeSet<String>,
    pub organizations: BTreeSet<String>,
    pub principals: BTreeSet<String>,
    /// Display names of accounts, shown in messages.
    pub names: BTreeMap<String, String>,
}

impl TrustConfig {
    /// The display name configured for an account, if any.
    pub fn account_name(&self, account: &str) -> Option<&str> {
        self.names.get(account).map(String::as_str)
    }

    /// `444455556666 (vendor-x)` when the account has a configured name.
    pub fn account_label(&self, id: &str) -> String {
        match self.account_name(id) {
            Some(name) => format!("{id} ({name})"),
            None => id.to_string(),
        }
    }

    /// Whether an ARN is one of the trusted principals, or a session of a trusted role: a role
    /// session's ARN is `arn:<partition>:sts::<account>:assumed-role/<role name>/<session>`,
    /// without the role's path.
    pub fn trusts_principal(&self, arn: &str) -> bool {
        if self.principals.contains(arn) {
            return true;
        }
        let Some(a) = Arn::parse(arn).filter(|a| a.service == "sts") else {
            return false;
        };
        let Some(role) = a
            .resource
            .strip_prefix("assumed-role/")
            .and_then(|rest| rest.split('/').next())
        else {
            return false;
        };
        self.principals.iter().any(|t| {
            Arn::parse(t).is_some_and(|g| {
                g.partition == a.partition
                    && g.service == "iam"
                    && g.account == a.account
                    && g.resource
                        .strip_prefix("role/")
                        .is_some_and(|path| path.rsplit('/').next() == Some(role))
            })
        })
    }

    /// How an account stands against this list. `key_account` is the key's own account when
    /// the file states it literally; `full_arn` the whole principal, for trusted principals.
    /// A `key_account` that is not an account id says why the key's account is not known (a
    /// plan's key whose provider states none): an account neither own nor trusted is then
    /// unknown, never taken as outside (or inside) the key's account.
    pub fn decide(
        &self,
        account: &Account,
        full_arn: Option<&str>,
        key_account: Option<&str>,
    ) -> Trust {
        match account {
            Account::Own => Trust::SelfAccount,
            Account::Wildcard => Trust::Any,
            Account::Unknown(r) => Trust::Unknown(r.clone()),
            Account::Id(id) => {
                if key_account == Some(id.as_str()) || self.own_accounts.contains(id) {
                    Trust::SelfAccount
                } else if self.accounts.contains(id)
                    || full_arn.is_some_and(|arn| self.trusts_principal(arn))
                {
                    Trust::Trusted
                } else if let Some(why) = key_account.filter(|k| !super::aws::is_account_id(k)) {
                    Trust::Unknown(why.to_string())
                } else {
                    Trust::Untrusted
                }
            }
        }
    }
}

/// The account a value names, as far as it can be known.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Account {
    /// The key's own account.
    Own,
    Id(String),
    Wildcard,
    Unknown(String),
}

/// Where an account stands against the trust list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Trust {
    /// The key's own account.
    SelfAccount,
    /// Allowlisted (`[trust] accounts`, `organizations` or `principals`).
    Trusted,
    Untrusted,
    /// Cannot be known statically; the reason says why.
    Unknown(String),
    /// Any account at all (a wildcard).
    Any,
    /// Not an account-bound principal (an AWS service).
    NotApplicable,
}

impl Trust {
    pub fn as_str(&self) -> &'static str {
        match self {
            Trust::SelfAccount => "self",
            Trust::Trusted => "trusted",
            Trust::Untrusted => "untrusted",
            Trust::Unknown(_) => "unknown",
            Trust::Any => "any",
            Trust::NotApplicable => "none",
        }
    }
}

/// Reports show a trust decision by name (`"trusted"`), never its reason.
impl Serialize for Trust {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sessions_of_trusted_roles_are_trusted() {
        let mut cfg = TrustConfig::default();
        cfg.principals
            .insert("arn:aws:iam::444455556666:role/ops/VendorRead".into());
        let acct = Account::Id("444455556666".into());
        let t = |arn: &str| cfg.decide(&acct, Some(arn), None);
        assert_eq!(
            t("arn:aws:sts::444455556666:assumed-role/VendorRead/s1"),
            Trust::Trusted
        );
        assert_eq!(
            t("arn:aws:sts::444455556666:assumed-role/Other/s1"),
            Trust::Untrusted
        );
        assert_eq!(
            t("arn:aws:iam::444455556666:role/VendorRead"),
            Trust::Untrusted
        );
    }

    #[test]
    fn an_unknown_key_account_makes_other_accounts_unknown() {
        let mut cfg = TrustConfig::default();
        cfg.own_accounts.insert("111111111111".into());
        cfg.accounts.insert("333333333333".into());
        let why = "the account of the key is not known";
        let t = |a: &str| cfg.decide(&Account::Id(a.into()), None, Some(why));
        assert_eq!(t("111111111111"), Trust::SelfAccount);
        assert_eq!(t("333333333333"), Trust::Trusted);
        assert_eq!(t("222222222222"), Trust::Unknown(why.into()));
        let known = |a: &str| cfg.decide(&Account::Id(a.into()), None, Some("222222222222"));
        assert_eq!(known("222222222222"), Trust::SelfAccount);
        assert_eq!(known("444444444444"), Trust::Untrusted);
    }
}
