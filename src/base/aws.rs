//! AWS identifiers: account ids, organization ids and ARNs, as plain text.

/// Account ids are 12 digits; anything else in a trust list is a typo that would silently trust
/// nobody (or the wrong account).
pub fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// An AWS Organizations id as a trust list may hold it: `o-` and no wildcard.
pub fn is_org_id(s: &str) -> bool {
    s.starts_with("o-") && !s.contains('*')
}

/// The fields of an ARN written as plain text:
/// `arn:partition:service:region:account:resource` (the resource may hold more colons).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Arn<'a> {
    pub partition: &'a str,
    pub service: &'a str,
    pub region: &'a str,
    pub account: &'a str,
    pub resource: &'a str,
}

impl<'a> Arn<'a> {
    pub fn parse(s: &'a str) -> Option<Arn<'a>> {
        let f: Vec<&str> = s.splitn(6, ':').collect();
        match f.as_slice() {
            ["arn", partition, service, region, account, resource] => Some(Arn {
                partition,
                service,
                region,
                account,
                resource,
            }),
            _ => None,
        }
    }
}

/// The account a role ARN names (`assume_role.role_arn` of a provider), if it is an ARN with an
/// account id.
pub fn role_account(arn: &str) -> Option<&str> {
    Arn::parse(arn)
        .map(|a| a.account)
        .filter(|a| is_account_id(a))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_arns() {
        assert!(is_account_id("111122223333"));
        assert!(!is_account_id("11112222333"));
        assert!(is_org_id("o-a1b2c3d4e5"));
        assert!(!is_org_id("o-*"));
        let a = Arn::parse("arn:aws:sts::444455556666:assumed-role/R/s:x");
        assert_eq!(
            a.map(|a| (a.service, a.account)),
            Some(("sts", "444455556666"))
        );
        assert_eq!(a.map(|a| a.resource), Some("assumed-role/R/s:x"));
        assert!(Arn::parse("arn:aws:iam::1").is_none());
        assert_eq!(
            role_account("arn:aws:iam::222222222222:role/x"),
            Some("222222222222")
        );
        assert_eq!(role_account("arn:aws:iam::${var.a}:role/x"), None);
        assert_eq!(role_account("222222222222"), None);
    }
}
