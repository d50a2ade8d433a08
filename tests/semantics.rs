//! Statement-level semantics, table-driven: each row is one statement (principal × condition ×
//! effect × action) checked as a bare key policy through the real pipeline, with the rule ids
//! it must produce and the AWS documentation sentence the verdict follows (`docs/semantics.md`
//! explains each rule).
//!
//! Fixed configuration: the key's own account is 111111111111; 222222222222 is trusted
//! ("log-archive"); organization o-a1b2c3d4e5 is trusted; the one trusted principal is
//! arn:aws:iam::444455556666:role/VendorRead. 999988887777 and o-zzzzzzzzzz are untrusted.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use kmslint::check_policy_text;
use kmslint::Config;
use kmslint::Registry;
use std::path::Path;

pub const CONFIG: &str = r#"
[trust]
own_accounts = ["111111111111"]
accounts = ["222222222222"]
organizations = ["o-a1b2c3d4e5"]
principals = ["arn:aws:iam::444455556666:role/VendorRead"]
[trust.names]
"222222222222" = "log-archive"
"#;

// ---- AWS documentation, quoted (document title — sentence) ----
const STAR: &str = "IAM JSON policy elements: Principal — Using \"Principal\": \"*\" with an Allow effect in a resource-based policy allows anyone, even if they're not signed in to AWS, to access your resource.";
const AWS_STAR: &str = "IAM JSON policy elements: Principal — Using \"Principal\" : { \"AWS\" : \"*\" } with an Allow effect in a resource-based policy allows any root user, IAM user, assumed-role session, or federated user in any account in the same partition to access your resource.";
const OR_PRINCIPALS: &str = "IAM JSON policy elements: Principal — When you specify more than one principal in an element, you grant permissions to each principal. This is a logical OR and not a logical AND.";
const PARTIAL_WILDCARD: &str = "IAM JSON policy elements: Principal — You cannot use a wildcard to match part of a principal name or ARN.";
const ACCOUNT_PRINCIPAL: &str = "IAM JSON policy elements: Principal — When you specify an AWS account, you can use the account ARN (arn:aws:iam::account-ID:root), or a shortened form that consists of the \"AWS\": prefix followed by the account ID. This delegates authority to the account.";
const ROOT_DELEGATES: &str = "IAM JSON policy elements: Principal — When you allow access to a different account, an administrator in that account must then grant access to an identity (IAM user or role) in that account.";
const ZONE_OF_TRUST: &str = "Findings for public and cross-account access (IAM Access Analyzer) — IAM Access Analyzer generates a finding for each instance of a resource-based policy that grants access to a resource within your zone of trust to a principal that is not within your zone of trust.";
const SAME_ZONE: &str = "Findings for public and cross-account access (IAM Access Analyzer) — Any sharing that is within the zone of trust is considered safe, so IAM Access Analyzer does not generate a finding.";
const ROLE_SESSION: &str = "IAM JSON policy elements: Principal — Role session principals: arn:aws:sts::AWS-account-ID:assumed-role/role-name/role-session-name (the session belongs to the role's account).";
const S3_FEDERATED: &str = "Blocking public access to your Amazon S3 storage, \"The meaning of public\" — Under these rules, the following example policies are considered public: { \"Principal\": { \"Federated\": \"graph.facebook.com\" }, ... \"Effect\": \"Allow\" }.";
const SERVICE_DEPUTY: &str = "The confused deputy problem (IAM User Guide) — We recommend using the aws:SourceArn, aws:SourceAccount, aws:SourceOrgID, or aws:SourceOrgPaths global condition context keys in resource-based policies to limit the permissions that a service gives another service to the resource.";
const UNKNOWN_PRINCIPAL: &str = "IAM Access Analyzer (How IAM Access Analyzer works) — In rare cases where Access Analyzer isn't able to fully determine whether a policy statement grants access to an external entity, it errs on the side of declaring a false positive finding.";
const KEY_ABSENT: &str = "IAM JSON policy elements: Condition operators — If the key that you specify in a policy condition is not present in the request context, the values do not match and the condition is false.";
const NEGATED: &str = "IAM JSON policy elements: Condition operators — If the policy condition requires that the key is not matched, such as StringNotLike or ArnNotLike, and the right key is not present, the condition is true.";
const IF_EXISTS: &str = "IAM JSON policy elements: Condition operators — If the policy key is present in the context of the request, process the key as specified in the policy. If the key is not present, evaluate the condition element as true.";
const NULL_OP: &str = "IAM JSON policy elements: Condition operators — Use a Null condition operator to check if a condition key is absent at the time of authorization. In the policy statement, use either true (the key doesn't exist — it is null) or false (the key exists and its value is not null).";
const FOR_ALL_EMPTY: &str = "Creating a condition with multiple keys or values — If the key values in the request resolve to an empty data set (for example, an empty string), a condition operator modified by ForAllValues returns true, and a condition operator modified by ForAnyValue returns false.";
const FOR_ANY: &str = "Creating a condition with multiple keys or values — ForAnyValue: The condition returns true if any one of the key values in the request matches any one of the condition values in the policy.";
const STRING_LIKE: &str = "IAM JSON policy elements: Condition operators — StringLike: Case-sensitive matching. The values can include multi-character match wildcards (*) and single-character match wildcards (?) anywhere in the string.";
const STRING_EQUALS: &str =
    "IAM JSON policy elements: Condition operators — StringEquals: Exact matching, case sensitive.";
const IGNORE_CASE: &str = "IAM JSON policy elements: Condition operators — StringEqualsIgnoreCase: Exact matching, ignoring case.";
const ARN_OPS: &str = "IAM JSON policy elements: Condition operators — ArnEquals, ArnLike: Case-sensitive matching of the ARN. Each of the six colon-delimited components of the ARN is checked separately and each can include multi-character match wildcards (*) or single-character match wildcards (?). The ArnEquals and ArnLike condition operators behave identically.";
const ARN_VS_STRING: &str = "IAM JSON policy elements: Condition operators — With a StringLike condition, the match succeeds. The first asterisk matches us-east-2:999999999999:store/abc:. With an ArnLike condition, which matches elements between colons, the match fails.";
const SENSITIVE: &str = "AWS global condition context keys, \"Sensitive condition keys\" — The use of wildcards in these condition keys does not have any valid use cases, even with a substring of the key value with a wildcard. This is because the wildcard might match the condition key to any value.";
const FIXED_VALUES: &str = "Blocking public access to your Amazon S3 storage, \"The meaning of public\" — To be considered non-public, a bucket policy must grant access only to fixed values (values that don't contain a wildcard or an AWS Identity and Access Management Policy Variable).";
const POLICY_VARIABLE: &str = "Blocking public access to your Amazon S3 storage, \"The meaning of public\" — fixed values (values that don't contain a wildcard or an AWS Identity and Access Management Policy Variable); IAM: You can use a policy variable with the String condition operator.";
const PRINCIPAL_ACCOUNT_PRESENT: &str = "AWS global condition context keys, aws:PrincipalAccount — Availability – This key is included in the request context for all requests, including anonymous requests.";
const USERID_PRESENT: &str = "AWS global condition context keys, aws:userid — Availability – This key is included in the request context for all requests, including anonymous requests.";
const PRINCIPAL_ARN_PRESENT: &str = "AWS global condition context keys, aws:PrincipalArn — Availability – This key is included in the request context for all signed requests. ... You can specify the following types of principals in this condition key: IAM role, IAM user, AWS STS federated user principal, AWS account root user (not service principals).";
const ORG_ID_PRESENT: &str = "AWS global condition context keys, aws:PrincipalOrgID — Availability – This key is included in the request context only if the principal is a member of an organization.";
const ORG_PATHS: &str = "AWS global condition context keys, aws:PrincipalOrgPaths — aws:PrincipalOrgPaths is a multivalued condition key. ... When you use multiple values with the ForAnyValue condition operator, the principal's path must match one of the paths listed in the policy.";
const OU_NOT_UNIQUE: &str = "AWS global condition context keys, aws:PrincipalOrgPaths — Organization IDs are globally unique but OU IDs and root IDs are unique only within an organization. ... We recommend that you always include the organization ID when you specify an OU or root.";
const SOURCE_ACCOUNT_PRESENT: &str = "AWS global condition context keys — the aws:SourceAccount condition key is only available when the call to your resource is made directly by an AWS service principal.";
const CALLER_ACCOUNT: &str = "AWS KMS condition keys, kms:CallerAccount — You can use this condition key to allow or deny access to all identities (IAM users and roles) in an AWS account. ... because each API call can originate from only one AWS account, kms:CallerAccount is a single valued condition key.";
const AA_CALLER_ACCOUNT: &str = "IAM Access Analyzer resource types, AWS KMS keys — if you use the kms:CallerAccount condition key in a policy statement to allow access to all users in a specific AWS account, and you specify an account other than the current account (the zone of trust for the current analyzer), IAM Access Analyzer generates a finding.";
const AA_KEYS: &str = "How IAM Access Analyzer works — Access Analyzer considers only certain IAM condition keys that external users cannot directly influence, or that are otherwise impactful to authorization.";
const VIA_SERVICE: &str = "AWS KMS condition keys, kms:ViaService — The kms:ViaService condition key limits use of an AWS KMS key (KMS key) to requests from specified AWS services.";
const GRANT_FOR_AWS: &str = "AWS KMS condition keys, kms:GrantIsForAWSResource — Allows or denies permission for the CreateGrant, ListGrants, or RevokeGrant operations only when an AWS service integrated with AWS KMS calls the operation on the user's behalf.";
const KEY_CASE: &str = "IAM JSON policy elements: Condition — Context key names are not case-sensitive. For example, including the aws:SourceIP context key is equivalent to testing for AWS:SourceIp.";
const AND_OR: &str = "Creating a condition with multiple keys or values — If your policy has multiple condition operators or multiple keys attached to a single condition operator, the conditions are evaluated using a logical AND. If a single condition operator includes multiple values for one key, that condition operator is evaluated using a logical OR.";
const S3_NETWORK: &str = "Blocking public access to your Amazon S3 storage, \"The meaning of public\" — fixed values for ... aws:SourceVpc, aws:SourceVpce ... You can make these policies non-public by including any of the condition keys listed previously, using a fixed value.";
const S3_VPC_WILDCARD: &str = "Blocking public access to your Amazon S3 storage, \"The meaning of public\" — Under these rules, the following example policies are considered public: ... \"Condition\": { \"StringLike\": {\"aws:SourceVpc\": \"vpc-*\"}}.";
const S3_IP: &str = "Blocking public access to your Amazon S3 storage, \"The meaning of public\" — Bucket policies that grant access conditioned on the aws:SourceIp condition key with very broad IP ranges (for example, 0.0.0.0/1) are evaluated as \"public.\" This includes values broader than /8 for IPv4 and /32 for IPv6 (excluding RFC1918 private ranges).";
const IP_DEFAULT_PREFIX: &str = "IAM JSON policy elements: Condition operators — If you specify an IP address without the associated routing prefix, IAM uses the default prefix value of /32.";
const SOURCE_IP_VPCE: &str = "IAM JSON policy elements: Condition operators — The aws:SourceIp key is always present in the request context, except when the requester uses a VPC endpoint to make the request.";
const S3_USERID: &str = "Blocking public access to your Amazon S3 storage, \"The meaning of public\" — fixed values for ... aws:userid, outside the pattern \"AROLEID:*\".";
const S3_SOURCE_ARN: &str = "Blocking public access to your Amazon S3 storage, \"The meaning of public\" — fixed values for ... aws:SourceArn ... aws:SourceOwner, aws:SourceAccount.";
const S3_ACCOUNT_FIXED: &str = "Blocking public access to your Amazon S3 storage, \"The meaning of public\" — this value can contain a wildcard for the access point name without rendering the policy public, as long as the account id is fixed.";
const DENY: &str = "Policy evaluation logic — An explicit deny in any of these policies overrides the allow. (A Deny statement never grants access.)";
const NOT_PRINCIPAL: &str = "IAM JSON policy elements: NotPrincipal — We strongly recommend that you do not use NotPrincipal in the same policy statement as \"Effect\": \"Allow\". Doing so allows all principals except the one named in the NotPrincipal element.";
const NOT_PRINCIPAL_DENY: &str = "IAM JSON policy elements: NotPrincipal — When you use NotPrincipal in the same policy statement as \"Effect\": \"Deny\", the actions specified in the policy statement are explicitly denied to all principals except for the ones specified.";
const KMS_ADMIN: &str = "Default key policy (AWS KMS) — Allows key administrators to administer the KMS key: kms:Create*, kms:Describe*, kms:Enable*, kms:List*, kms:Put*, kms:Update*, kms:Revoke*, kms:Disable*, kms:Get*, kms:Delete*, kms:TagResource, kms:UntagResource, kms:ScheduleKeyDeletion, kms:CancelKeyDeletion.";
const NOT_ACTION: &str = "IAM JSON policy elements: NotAction — NotAction is an advanced policy element that explicitly matches everything except the specified list of actions.";
const ACTION_CASE: &str = "IAM JSON policy elements: Action — Action names are not case-sensitive; you can use wildcards (* or ?) as part of the action name.";
const KMS_DEFAULT: &str = "Default key policy (AWS KMS) — The default key policy gives the AWS account (root user) that owns the KMS key full access to the KMS key.";
const ENCRYPTION_CONTEXT_LOGS: &str = "Encrypt log data in CloudWatch Logs using AWS KMS — \"Condition\": {\"ArnLike\": {\"kms:EncryptionContext:aws:logs:arn\": \"arn:aws:logs:region:account-id:log-group:log-group-name\"}} limits the key to log groups of that account.";
const CFN_IF: &str = "AWS CloudFormation Fn::If — Returns one value if the specified condition evaluates to true and another value if the specified condition evaluates to false (either may be deployed).";
const DUPLICATE: &str = "RFC 8259, Objects — The names within an object SHOULD be unique ... When the names within an object are not unique, the behavior of software that receives such an object is unpredictable.";
const PRINCIPALS_EXIST: &str = "AWS KMS API Reference, PutKeyPolicy — Each statement in the key policy must contain one or more principals. The principals in the key policy must exist and be visible to AWS KMS. (An account id has 12 digits.)";
const EFFECT: &str = "IAM JSON policy elements: Effect — The Effect element is required and specifies whether the statement results in an allow or an explicit deny. (A value known only at deploy time may be Allow.)";

struct Case {
    effect: &'static str,
    /// `Principal` value, or `NotPrincipal` when `not_principal`.
    principal: &'static str,
    not_principal: bool,
    /// `Condition` value, or "" for none.
    condition: &'static str,
    action: &'static str,
    /// The actions are `NotAction`.
    not_action: bool,
    expect: &'static [&'static str],
    cite: &'static str,
}

const fn allow(
    principal: &'static str,
    condition: &'static str,
    expect: &'static [&'static str],
    cite: &'static str,
) -> Case {
    Case {
        effect: "\"Allow\"",
        principal,
        not_principal: false,
        condition,
        action: "\"kms:Decrypt\"",
        not_action: false,
        expect,
        cite,
    }
}

const fn deny(
    principal: &'static str,
    condition: &'static str,
    expect: &'static [&'static str],
    cite: &'static str,
) -> Case {
    Case {
        effect: "\"Deny\"",
        ..allow(principal, condition, expect, cite)
    }
}

const fn act(
    principal: &'static str,
    condition: &'static str,
    action: &'static str,
    expect: &'static [&'static str],
    cite: &'static str,
) -> Case {
    Case {
        action,
        ..allow(principal, condition, expect, cite)
    }
}

const fn not_principal(
    effect: &'static str,
    principal: &'static str,
    expect: &'static [&'static str],
    cite: &'static str,
) -> Case {
    Case {
        effect,
        not_principal: true,
        ..allow(principal, "", expect, cite)
    }
}

const W: &str = "\"*\"";
const NONE: &[&str] = &[];
const K1: &[&str] = &["KMS001"];
const K2: &[&str] = &["KMS002"];
const K5: &[&str] = &["KMS005"];
const K8: &[&str] = &["KMS008"];
const K10: &[&str] = &["KMS010"];

#[rustfmt::skip]
const CASES: &[Case] = &[
    // ---- A. Principal forms, no condition ----
    allow(W, "", K1, STAR),
    allow(r#"{"AWS": "*"}"#, "", K1, AWS_STAR),
    allow(r#"{"AWS": ["*"]}"#, "", K1, AWS_STAR),
    allow(r#"{"AWS": ["arn:aws:iam::111111111111:root", "*"]}"#, "", K1, OR_PRINCIPALS),
    allow(r#"{"AWS": "111111111111"}"#, "", NONE, KMS_DEFAULT),
    allow(r#"{"AWS": "arn:aws:iam::111111111111:root"}"#, "", NONE, KMS_DEFAULT),
    allow(r#"{"AWS": "arn:aws:iam::111111111111:role/App"}"#, "", NONE, SAME_ZONE),
    allow(r#"{"AWS": "222222222222"}"#, "", &["KMS009"], ROOT_DELEGATES),
    allow(r#"{"AWS": "arn:aws:iam::222222222222:root"}"#, "", &["KMS009"], ROOT_DELEGATES),
    allow(r#"{"AWS": "arn:aws:iam::222222222222:role/Reader"}"#, "", NONE, SAME_ZONE),
    allow(r#"{"AWS": "arn:aws:iam::222222222222:user/alice"}"#, "", NONE, SAME_ZONE),
    // One finding per principal: an untrusted root is KMS002 (which names it); KMS009 is the note
    // for trusted accounts.
    allow(r#"{"AWS": "999988887777"}"#, "", &["KMS002"], ACCOUNT_PRINCIPAL),
    allow(r#"{"AWS": "arn:aws:iam::999988887777:root"}"#, "", &["KMS002"], ACCOUNT_PRINCIPAL),
    allow(r#"{"AWS": "arn:aws:iam::999988887777:role/X"}"#, "", K2, ZONE_OF_TRUST),
    allow(r#"{"AWS": "arn:aws:iam::999988887777:user/bob"}"#, "", K2, ZONE_OF_TRUST),
    allow(r#"{"AWS": "arn:aws:sts::999988887777:assumed-role/X/session"}"#, "", K2, ROLE_SESSION),
    allow(r#"{"AWS": "arn:aws:sts::222222222222:assumed-role/Reader/s"}"#, "", NONE, ROLE_SESSION),
    allow(r#"{"AWS": "arn:aws:sts::999988887777:federated-user/bob"}"#, "", K2, ZONE_OF_TRUST),
    allow(r#"{"AWS": "arn:aws:iam::444455556666:role/VendorRead"}"#, "", NONE, SAME_ZONE),
    allow(r#"{"AWS": "arn:aws:sts::444455556666:assumed-role/VendorRead/s1"}"#, "", NONE, ROLE_SESSION),
    allow(r#"{"AWS": "arn:aws:iam::444455556666:role/Other"}"#, "", K2, ZONE_OF_TRUST),
    allow(r#"{"AWS": "arn:aws:iam::444455556666:root"}"#, "", &["KMS002"], ZONE_OF_TRUST),
    allow(r#"{"AWS": "arn:aws:iam::*:root"}"#, "", K1, PARTIAL_WILDCARD),
    allow(r#"{"AWS": "arn:aws:iam::*:role/Admin"}"#, "", K1, PARTIAL_WILDCARD),
    allow(r#"{"AWS": "arn:aws-cn:iam::999988887777:root"}"#, "", &["KMS002"], ACCOUNT_PRINCIPAL),
    allow(r#"{"AWS": "arn:aws-us-gov:iam::222222222222:role/R"}"#, "", NONE, SAME_ZONE),
    allow(r#"{"AWS": "arn:aws-us-gov:iam::999988887777:role/R"}"#, "", K2, ZONE_OF_TRUST),
    allow(r#"{"AWS": "arn:aws-cn:iam::111111111111:root"}"#, "", NONE, KMS_DEFAULT),
    allow(r#"{"AWS": ["arn:aws:iam::222222222222:role/R", "arn:aws:iam::999988887777:role/X"]}"#, "", K2, OR_PRINCIPALS),
    allow(r#"{"Service": "logs.amazonaws.com"}"#, "", K8, SERVICE_DEPUTY),
    allow(r#"{"Service": ["logs.amazonaws.com", "cloudtrail.amazonaws.com"]}"#, "", K8, SERVICE_DEPUTY),
    allow(r#"{"Federated": "arn:aws:iam::111111111111:saml-provider/corp"}"#, "", NONE, SAME_ZONE),
    allow(r#"{"Federated": "arn:aws:iam::999988887777:saml-provider/corp"}"#, "", K2, ZONE_OF_TRUST),
    allow(r#"{"Federated": "graph.facebook.com"}"#, "", K1, S3_FEDERATED),
    allow(r#"{"Federated": "cognito-identity.amazonaws.com"}"#, "", K1, S3_FEDERATED),
    allow(r#"{"CanonicalUser": "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"}"#, "", K5, UNKNOWN_PRINCIPAL),
    allow(r#"{"AWS": "AROAEXAMPLEID1234567"}"#, "", K5, UNKNOWN_PRINCIPAL),
    allow(r#"{"AWS": "arn:aws:iam::12345:root"}"#, "", &["KMS016"], PRINCIPALS_EXIST),
    allow(r#"{"AWS": "*", "Service": "logs.amazonaws.com"}"#, "", &["KMS001", "KMS008"], OR_PRINCIPALS),
    allow(r#"{"AWS": {"Ref": "PartnerAccount"}}"#, "", K5, UNKNOWN_PRINCIPAL),
    allow(r#"{"Fn::If": ["IsProd", {"AWS": "arn:aws:iam::222222222222:role/R"}, {"AWS": "arn:aws:iam::999988887777:role/X"}]}"#, "", K2, CFN_IF),
    allow(r#"{"Fn::If": ["IsProd", {"AWS": "arn:aws:iam::222222222222:role/R"}, "*"]}"#, "", K1, CFN_IF),
    allow(r#"{"AWS": {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"}}"#, "", NONE, KMS_DEFAULT),

    // ---- B. Wildcard principal × identity keys × operators × values ----
    // aws:PrincipalAccount
    allow(W, r#"{"StringEquals": {"aws:PrincipalAccount": "111111111111"}}"#, NONE, STRING_EQUALS),
    allow(W, r#"{"StringEquals": {"aws:PrincipalAccount": "222222222222"}}"#, NONE, SAME_ZONE),
    allow(W, r#"{"StringEquals": {"aws:PrincipalAccount": "999988887777"}}"#, K2, ZONE_OF_TRUST),
    allow(W, r#"{"StringEquals": {"aws:PrincipalAccount": ["111111111111", "999988887777"]}}"#, K2, AND_OR),
    allow(W, r#"{"StringLike": {"aws:PrincipalAccount": "*"}}"#, K1, STRING_LIKE),
    allow(W, r#"{"StringLike": {"aws:PrincipalAccount": "1111*"}}"#, K1, SENSITIVE),
    allow(W, r#"{"StringEquals": {"aws:PrincipalAccount": "${aws:PrincipalAccount}"}}"#, K1, POLICY_VARIABLE),
    allow(W, r#"{"StringEqualsIfExists": {"aws:PrincipalAccount": "111111111111"}}"#, NONE, PRINCIPAL_ACCOUNT_PRESENT),
    allow(W, r#"{"ForAllValues:StringEquals": {"aws:PrincipalAccount": "222222222222"}}"#, NONE, PRINCIPAL_ACCOUNT_PRESENT),
    allow(W, r#"{"ForAnyValue:StringEquals": {"aws:PrincipalAccount": "999988887777"}}"#, K2, FOR_ANY),
    allow(W, r#"{"StringNotEquals": {"aws:PrincipalAccount": "999988887777"}}"#, K1, NEGATED),
    allow(W, r#"{"StringNotEquals": {"aws:PrincipalAccount": "111111111111"}}"#, K1, NEGATED),
    allow(W, r#"{"Null": {"aws:PrincipalAccount": "false"}}"#, K1, NULL_OP),
    allow(W, r#"{"StringEqualsIgnoreCase": {"aws:PrincipalAccount": "222222222222"}}"#, NONE, IGNORE_CASE),
    allow(W, r#"{"StringLike": {"aws:PrincipalAccount": ["222222222222", "*"]}}"#, K1, AND_OR),
    allow(W, r#"{"StringEquals": {"AWS:PRINCIPALACCOUNT": "222222222222"}}"#, NONE, KEY_CASE),
    allow(W, r#"{"StringEquals": {"aws:principalaccount": "999988887777"}}"#, K2, KEY_CASE),
    allow(W, r#"{"StringEquals": {"aws:PrincipalAccount": {"Ref": "AWS::AccountId"}}}"#, NONE, KMS_DEFAULT),
    allow(W, r#"{"StringEquals": {"aws:PrincipalAccount": {"Ref": "Partner"}}}"#, K5, UNKNOWN_PRINCIPAL),
    // An ARN is judged by its account field: an unknown partition leaves `*` a wildcard, and a
    // fixed account that account.
    allow(W, r#"{"ArnLike": {"aws:PrincipalArn": {"Fn::Sub": "arn:${Partner}:iam::*:role/x"}}}"#, &["KMS001"], ARN_OPS),
    allow(W, r#"{"ArnLike": {"aws:PrincipalArn": {"Fn::Sub": "arn:${Partner}:iam::222222222222:role/x"}}}"#, NONE, ARN_OPS),
    // kms:CallerAccount
    allow(W, r#"{"StringEquals": {"kms:CallerAccount": "111111111111"}}"#, NONE, CALLER_ACCOUNT),
    allow(W, r#"{"StringEquals": {"kms:CallerAccount": "999988887777"}}"#, K2, AA_CALLER_ACCOUNT),
    allow(W, r#"{"StringEquals": {"kms:CallerAccount": "222222222222"}}"#, NONE, SAME_ZONE),
    allow(W, r#"{"StringEqualsIfExists": {"kms:CallerAccount": "999988887777"}}"#, K2, CALLER_ACCOUNT),
    allow(W, r#"{"StringLike": {"kms:CallerAccount": "*"}}"#, K1, STRING_LIKE),
    allow(W, r#"{"StringNotEquals": {"kms:CallerAccount": "111111111111"}}"#, K1, NEGATED),
    allow(W, r#"{"ForAnyValue:StringEquals": {"kms:CallerAccount": "111111111111"}}"#, NONE, FOR_ANY),
    allow(W, r#"{"StringEquals": {"kms:CallerAccount": "111111111111", "kms:ViaService": "ec2.us-west-2.amazonaws.com"}}"#, NONE, CALLER_ACCOUNT),
    allow(W, r#"{"StringEquals": {"kms:CallerAccount": {"Fn::Sub": "${AWS::AccountId}"}}}"#, NONE, CALLER_ACCOUNT),
    allow(W, r#"{"StringEquals": {"kms:CallerAccount": "${aws:PrincipalAccount}"}}"#, K1, POLICY_VARIABLE),
    // aws:SourceAccount / aws:SourceOwner
    allow(W, r#"{"StringEquals": {"aws:SourceAccount": "111111111111"}}"#, NONE, SOURCE_ACCOUNT_PRESENT),
    allow(W, r#"{"StringEquals": {"aws:SourceAccount": "999988887777"}}"#, K2, ZONE_OF_TRUST),
    allow(W, r#"{"StringEqualsIfExists": {"aws:SourceAccount": "111111111111"}}"#, K1, IF_EXISTS),
    allow(W, r#"{"StringLike": {"aws:SourceAccount": "*"}}"#, K1, SENSITIVE),
    allow(W, r#"{"StringNotEquals": {"aws:SourceAccount": "111111111111"}}"#, K1, NEGATED),
    allow(W, r#"{"ForAllValues:StringEquals": {"aws:SourceAccount": "111111111111"}}"#, K1, FOR_ALL_EMPTY),
    allow(W, r#"{"ForAllValues:StringEquals": {"aws:SourceAccount": "111111111111"}, "Null": {"aws:SourceAccount": "false"}}"#, NONE, NULL_OP),
    allow(W, r#"{"StringEqualsIfExists": {"aws:SourceAccount": "111111111111"}, "Null": {"aws:SourceAccount": "false"}}"#, NONE, NULL_OP),
    allow(W, r#"{"StringEquals": {"aws:SourceOwner": "111111111111"}}"#, NONE, S3_SOURCE_ARN),
    allow(W, r#"{"StringEquals": {"aws:SourceOwner": "999988887777"}}"#, K2, ZONE_OF_TRUST),
    allow(W, r#"{"StringLike": {"aws:SourceOwner": "*"}}"#, K1, FIXED_VALUES),
    // aws:PrincipalOrgID / aws:SourceOrgID
    allow(W, r#"{"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}"#, NONE, SAME_ZONE),
    allow(W, r#"{"StringEquals": {"aws:PrincipalOrgID": "o-zzzzzzzzzz"}}"#, K2, ZONE_OF_TRUST),
    allow(W, r#"{"StringLike": {"aws:PrincipalOrgID": "o-*"}}"#, K1, SENSITIVE),
    allow(W, r#"{"StringLike": {"aws:PrincipalOrgID": "o-a1b2c3*"}}"#, K1, SENSITIVE),
    allow(W, r#"{"StringEqualsIfExists": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}"#, K1, ORG_ID_PRESENT),
    allow(W, r#"{"StringEqualsIfExists": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}, "Null": {"aws:PrincipalOrgID": "false"}}"#, NONE, NULL_OP),
    allow(W, r#"{"ForAllValues:StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}"#, K1, FOR_ALL_EMPTY),
    allow(W, r#"{"ForAllValues:StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}, "Null": {"aws:PrincipalOrgID": "false"}}"#, NONE, NULL_OP),
    allow(W, r#"{"ForAnyValue:StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}"#, NONE, FOR_ANY),
    allow(W, r#"{"StringNotEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}"#, K1, NEGATED),
    allow(W, r#"{"Null": {"aws:PrincipalOrgID": "false"}}"#, K1, NULL_OP),
    allow(W, r#"{"StringEquals": {"aws:PrincipalOrgID": "${aws:PrincipalOrgID}"}}"#, K1, POLICY_VARIABLE),
    allow(W, r#"{"StringEquals": {"aws:PrincipalOrgID": ["o-a1b2c3d4e5", "o-zzzzzzzzzz"]}}"#, K2, AND_OR),
    allow(W, r#"{"StringEqualsIgnoreCase": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}"#, NONE, IGNORE_CASE),
    allow(W, r#"{"StringEquals": {"aws:principalorgid": "o-a1b2c3d4e5"}}"#, NONE, KEY_CASE),
    allow(W, r#"{"StringLike": {"aws:PrincipalOrgID": ["o-a1b2c3d4e5", "*"]}}"#, K1, AND_OR),
    allow(W, r#"{"StringEquals": {"aws:SourceOrgID": "o-a1b2c3d4e5"}}"#, NONE, SERVICE_DEPUTY),
    allow(W, r#"{"StringEquals": {"aws:SourceOrgID": "o-zzzzzzzzzz"}}"#, K2, ZONE_OF_TRUST),
    allow(W, r#"{"StringLike": {"aws:SourceOrgID": "*"}}"#, K1, SENSITIVE),
    // aws:PrincipalOrgPaths / aws:SourceOrgPaths (multivalued)
    allow(W, r#"{"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": ["o-a1b2c3d4e5/*"]}}"#, NONE, ORG_PATHS),
    allow(W, r#"{"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": ["o-zzzzzzzzzz/*"]}}"#, K2, ZONE_OF_TRUST),
    allow(W, r#"{"ForAnyValue:StringEquals": {"aws:PrincipalOrgPaths": ["o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/"]}}"#, NONE, ORG_PATHS),
    allow(W, r#"{"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": ["*/r-ab12/ou-ab12-11111111/*"]}}"#, K1, OU_NOT_UNIQUE),
    allow(W, r#"{"ForAllValues:StringLike": {"aws:PrincipalOrgPaths": ["o-a1b2c3d4e5/*"]}}"#, K1, FOR_ALL_EMPTY),
    allow(W, r#"{"ForAllValues:StringLike": {"aws:PrincipalOrgPaths": ["o-a1b2c3d4e5/*"]}, "Null": {"aws:PrincipalOrgPaths": "false"}}"#, NONE, NULL_OP),
    allow(W, r#"{"ForAnyValue:StringNotLike": {"aws:PrincipalOrgPaths": ["o-a1b2c3d4e5/*"]}}"#, K1, NEGATED),
    allow(W, r#"{"StringLike": {"aws:PrincipalOrgPaths": "o-a1b2c3d4e5/*"}}"#, NONE, KEY_ABSENT),
    allow(W, r#"{"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": ["o-a1b2c3d4e5*"]}}"#, K1, SENSITIVE),
    allow(W, r#"{"ForAnyValue:StringLike": {"aws:SourceOrgPaths": ["o-a1b2c3d4e5/*"]}}"#, NONE, SERVICE_DEPUTY),
    allow(W, r#"{"ForAnyValue:StringLike": {"aws:SourceOrgPaths": ["o-zzzzzzzzzz/*"]}}"#, K2, ZONE_OF_TRUST),
    // aws:PrincipalArn / aws:SourceArn
    allow(W, r#"{"ArnEquals": {"aws:PrincipalArn": "arn:aws:iam::222222222222:role/Reader"}}"#, NONE, SAME_ZONE),
    allow(W, r#"{"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::222222222222:role/*"}}"#, NONE, ARN_OPS),
    allow(W, r#"{"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::999988887777:role/*"}}"#, K2, ZONE_OF_TRUST),
    allow(W, r#"{"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/Admin"}}"#, K1, ARN_OPS),
    allow(W, r#"{"ArnEquals": {"aws:PrincipalArn": "arn:aws:iam::*:role/Admin"}}"#, K1, ARN_OPS),
    allow(W, r#"{"StringLike": {"aws:PrincipalArn": "arn:aws:iam::*"}}"#, K1, STRING_LIKE),
    allow(W, r#"{"StringLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/R"}}"#, K1, ARN_VS_STRING),
    allow(W, r#"{"ArnLike": {"aws:PrincipalArn": "arn:aws:*::111111111111:role/R"}}"#, NONE, S3_ACCOUNT_FIXED),
    allow(W, r#"{"StringLike": {"aws:PrincipalArn": "arn:aws:iam::999988887777:role/*"}}"#, K2, ZONE_OF_TRUST),
    allow(W, r#"{"StringEquals": {"aws:PrincipalArn": "arn:aws:iam::444455556666:role/VendorRead"}}"#, NONE, SAME_ZONE),
    allow(W, r#"{"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::444455556666:role/Vendor*"}}"#, K2, ZONE_OF_TRUST),
    allow(W, r#"{"ArnEqualsIfExists": {"aws:PrincipalArn": "arn:aws:iam::222222222222:role/R"}}"#, K1, PRINCIPAL_ARN_PRESENT),
    allow(W, r#"{"ArnNotEquals": {"aws:PrincipalArn": "arn:aws:iam::999988887777:role/X"}}"#, K1, NEGATED),
    allow(W, r#"{"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::111111111111:*"}}"#, NONE, ARN_OPS),
    allow(W, r#"{"ArnEquals": {"aws:PrincipalArn": "arn:aws-cn:iam::999988887777:root"}}"#, K2, ZONE_OF_TRUST),
    allow(W, r#"{"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::${aws:PrincipalAccount}:*"}}"#, K1, POLICY_VARIABLE),
    allow(W, r#"{"ArnLike": {"aws:SourceArn": "arn:aws:logs:us-east-1:111111111111:log-group:*"}}"#, NONE, S3_SOURCE_ARN),
    allow(W, r#"{"ArnLike": {"aws:SourceArn": "arn:aws:logs:us-east-1:*:log-group:*"}}"#, K1, FIXED_VALUES),
    allow(W, r#"{"ArnEquals": {"aws:SourceArn": "arn:aws:cloudtrail:us-east-1:999988887777:trail/t"}}"#, K2, ZONE_OF_TRUST),
    allow(W, r#"{"ArnEquals": {"aws:SourceArn": "arn:aws:s3:::my-bucket"}}"#, NONE, S3_SOURCE_ARN),
    allow(W, r#"{"ArnLike": {"aws:SourceArn": "arn:aws:s3:::*"}}"#, K1, FIXED_VALUES),
    // aws:userid
    allow(W, r#"{"StringLike": {"aws:userid": "AROAEXAMPLEROLEID:*"}}"#, K5, S3_USERID),
    allow(W, r#"{"StringLike": {"aws:userid": "*:alice"}}"#, K1, S3_USERID),
    allow(W, r#"{"StringEquals": {"aws:userid": "222222222222"}}"#, NONE, SAME_ZONE),
    allow(W, r#"{"StringEquals": {"aws:userid": "999988887777"}}"#, K2, ZONE_OF_TRUST),
    allow(W, r#"{"StringLike": {"aws:userid": "AROA*"}}"#, K1, S3_USERID),
    allow(W, r#"{"StringEqualsIfExists": {"aws:userid": "222222222222"}}"#, NONE, USERID_PRESENT),

    // ---- C. Keys that never restrict the caller ----
    allow(W, r#"{"Bool": {"aws:SecureTransport": "true"}}"#, K1, AA_KEYS),
    allow(W, r#"{"StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}}"#, K1, VIA_SERVICE),
    allow(W, r#"{"StringEquals": {"kms:EncryptionContext:Department": "finance"}}"#, K1, AA_KEYS),
    allow(W, r#"{"ForAnyValue:StringEquals": {"kms:EncryptionContextKeys": "Department"}}"#, K1, AA_KEYS),
    allow(W, r#"{"Bool": {"kms:GrantIsForAWSResource": "true"}}"#, K1, GRANT_FOR_AWS),
    allow(W, r#"{"DateLessThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"}}"#, K1, AA_KEYS),
    allow(W, r#"{"StringEquals": {"aws:RequestTag/Project": "blue"}}"#, K1, AA_KEYS),
    allow(W, r#"{"StringEquals": {"aws:PrincipalTag/team": "data"}}"#, K1, AA_KEYS),
    allow(W, r#"{"StringEquals": {"aws:PrincipalType": "AssumedRole"}}"#, K1, AA_KEYS),
    allow(W, r#"{"Bool": {"aws:SecureTransport": "true"}, "StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}}"#, K1, AND_OR),
    allow(W, r#"{"StringEqualz": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}"#, K1, AA_KEYS),
    allow(r#"{"AWS": "*"}"#, r#"{"StringEquals": {"aws:RequestedRegion": "us-east-1"}}"#, K1, AA_KEYS),

    // ---- D. Network keys ----
    allow(W, r#"{"StringEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}}"#, K10, S3_NETWORK),
    allow(W, r#"{"StringEquals": {"aws:SourceVpc": "vpc-111bbb22"}}"#, K10, S3_NETWORK),
    allow(W, r#"{"StringLike": {"aws:SourceVpc": "vpc-*"}}"#, K1, S3_VPC_WILDCARD),
    allow(W, r#"{"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}"#, K10, S3_IP),
    allow(W, r#"{"IpAddress": {"aws:SourceIp": "0.0.0.0/0"}}"#, K1, S3_IP),
    allow(W, r#"{"IpAddress": {"aws:SourceIp": "0.0.0.0/1"}}"#, K1, S3_IP),
    allow(W, r#"{"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}"#, K10, S3_IP),
    allow(W, r#"{"IpAddress": {"aws:SourceIp": "192.168.0.0/16"}}"#, K10, S3_IP),
    allow(W, r#"{"IpAddress": {"aws:SourceIp": "8.0.0.0/7"}}"#, K1, S3_IP),
    allow(W, r#"{"IpAddress": {"aws:SourceIp": "2001:db8::/32"}}"#, K10, S3_IP),
    allow(W, r#"{"IpAddress": {"aws:SourceIp": "2001:db8::/16"}}"#, K1, S3_IP),
    allow(W, r#"{"IpAddress": {"aws:SourceIp": "::/0"}}"#, K1, S3_IP),
    allow(W, r#"{"IpAddress": {"aws:SourceIp": "203.0.113.7"}}"#, K10, IP_DEFAULT_PREFIX),
    allow(W, r#"{"NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"}}"#, K1, NEGATED),
    allow(W, r#"{"IpAddressIfExists": {"aws:SourceIp": "203.0.113.0/24"}}"#, K1, SOURCE_IP_VPCE),
    allow(W, r#"{"StringEqualsIfExists": {"aws:SourceVpc": "vpc-111bbb22"}}"#, K1, IF_EXISTS),
    allow(W, r#"{"StringNotEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}}"#, K1, NEGATED),
    allow(W, r#"{"IpAddress": {"aws:SourceIp": ["203.0.113.0/24", "0.0.0.0/0"]}}"#, K1, AND_OR),
    allow(W, r#"{"StringEquals": {"aws:SourceVpce": "vpce-1a2b3c4d", "aws:PrincipalOrgID": "o-a1b2c3d4e5"}}"#, NONE, AND_OR),
    allow(W, r#"{"StringEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}, "Bool": {"aws:SecureTransport": "true"}}"#, K10, AND_OR),
    allow(W, r#"{"StringEquals": {"AWS:SOURCEVPCE": "vpce-1a2b3c4d"}}"#, K10, KEY_CASE),
    allow(W, r#"{"StringEquals": {"aws:SourceVpc": "${aws:SourceVpc}"}}"#, K1, POLICY_VARIABLE),

    // ---- E. Several keys (AND), several values (OR) ----
    allow(W, r#"{"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5", "kms:CallerAccount": "999988887777"}}"#, NONE, AND_OR),
    allow(W, r#"{"StringEquals": {"kms:CallerAccount": "999988887777"}, "Bool": {"aws:SecureTransport": "true"}}"#, K2, AND_OR),
    allow(W, r#"{"StringEquals": {"aws:PrincipalOrgID": "o-zzzzzzzzzz", "kms:CallerAccount": "222222222222"}}"#, NONE, AND_OR),
    allow(W, r#"{"StringEquals": {"kms:CallerAccount": ["111111111111", "222222222222"]}}"#, NONE, AND_OR),
    allow(W, r#"{"StringEquals": {"kms:CallerAccount": ["222222222222", "999988887777"]}}"#, K2, AND_OR),
    allow(W, r#"{"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}, "Bool": {"aws:SecureTransport": "true"}}"#, NONE, AND_OR),
    allow(W, r#"{"StringEquals": {"aws:SourceAccount": "111111111111"}, "StringNotEquals": {"aws:PrincipalOrgID": "o-zzzzzzzzzz"}}"#, NONE, AND_OR),
    allow(r#"{"AWS": "arn:aws:iam::999988887777:role/X"}"#, r#"{"StringEquals": {"kms:CallerAccount": "111111111111"}}"#, NONE, AND_OR),
    allow(r#"{"AWS": "arn:aws:iam::111111111111:role/App"}"#, r#"{"StringEquals": {"kms:CallerAccount": "999988887777"}}"#, NONE, AND_OR),
    allow(r#"{"AWS": {"Ref": "Partner"}}"#, r#"{"StringEquals": {"kms:CallerAccount": "111111111111"}}"#, NONE, AND_OR),

    // ---- F. Deny statements never grant ----
    deny(W, "", NONE, DENY),
    deny(W, r#"{"StringNotEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}"#, NONE, DENY),
    deny(r#"{"AWS": "999988887777"}"#, "", NONE, DENY),
    deny(r#"{"Service": "logs.amazonaws.com"}"#, "", NONE, DENY),
    deny(r#"{"AWS": "arn:aws:iam::*:root"}"#, r#"{"Bool": {"aws:SecureTransport": "false"}}"#, NONE, DENY),
    Case { action: "\"kms:*\"", ..deny(r#"{"AWS": "arn:aws:iam::222222222222:role/Admin"}"#, "", NONE, DENY) },
    Case { effect: r#"{"Ref": "EffectParam"}"#, ..allow(W, "", K1, EFFECT) },

    // ---- G. NotPrincipal ----
    not_principal("\"Allow\"", r#"{"AWS": "arn:aws:iam::111111111111:role/Blocked"}"#, &["KMS003"], NOT_PRINCIPAL),
    not_principal("\"Allow\"", r#"{"AWS": "999988887777"}"#, &["KMS003"], NOT_PRINCIPAL),
    not_principal("\"Deny\"", r#"{"AWS": "arn:aws:iam::111111111111:root"}"#, NONE, NOT_PRINCIPAL_DENY),

    // ---- H. Service principals and the confused deputy (KMS008) ----
    allow(r#"{"Service": "logs.us-east-1.amazonaws.com"}"#, r#"{"ArnLike": {"kms:EncryptionContext:aws:logs:arn": "arn:aws:logs:us-east-1:111111111111:log-group:*"}}"#, NONE, ENCRYPTION_CONTEXT_LOGS),
    allow(r#"{"Service": "logs.amazonaws.com"}"#, r#"{"StringEquals": {"aws:SourceAccount": "111111111111"}}"#, NONE, SERVICE_DEPUTY),
    allow(r#"{"Service": "cloudtrail.amazonaws.com"}"#, r#"{"StringLike": {"aws:SourceArn": "arn:aws:cloudtrail:*:111111111111:trail/*"}}"#, NONE, SERVICE_DEPUTY),
    allow(r#"{"Service": "cloudtrail.amazonaws.com"}"#, r#"{"StringEquals": {"aws:SourceAccount": "999988887777"}}"#, K2, ZONE_OF_TRUST),
    allow(r#"{"Service": "logs.amazonaws.com"}"#, r#"{"StringEqualsIfExists": {"aws:SourceAccount": "111111111111"}}"#, K8, IF_EXISTS),
    allow(r#"{"Service": "logs.amazonaws.com"}"#, r#"{"StringNotEquals": {"aws:SourceAccount": "999988887777"}}"#, K8, NEGATED),
    allow(r#"{"Service": "logs.amazonaws.com"}"#, r#"{"StringEquals": {"kms:ViaService": "logs.us-east-1.amazonaws.com"}}"#, K8, SERVICE_DEPUTY),
    allow(r#"{"Service": "logs.amazonaws.com"}"#, r#"{"StringLike": {"aws:SourceAccount": "*"}}"#, K8, SENSITIVE),
    allow(r#"{"Service": "logs.amazonaws.com"}"#, r#"{"ArnLike": {"kms:EncryptionContext:aws:logs:arn": "arn:aws:logs:us-east-1:*:log-group:*"}}"#, K8, FIXED_VALUES),
    allow(r#"{"Service": "delivery.logs.amazonaws.com"}"#, r#"{"StringEquals": {"aws:SourceOrgID": "o-a1b2c3d4e5"}}"#, NONE, SERVICE_DEPUTY),

    // ---- I. Key administration for other accounts (KMS004) ----
    act(r#"{"AWS": "arn:aws:iam::222222222222:role/Admin"}"#, "", "\"kms:*\"", &["KMS004"], KMS_ADMIN),
    act(r#"{"AWS": "arn:aws:iam::222222222222:root"}"#, "", "\"kms:PutKeyPolicy\"", &["KMS004", "KMS009"], KMS_ADMIN),
    // An untrusted account that can administer the key is one KMS002 that says so.
    act(r#"{"AWS": "arn:aws:iam::999988887777:role/X"}"#, "", "\"kms:ScheduleKeyDeletion\"", &["KMS002"], KMS_ADMIN),
    act(r#"{"AWS": "arn:aws:iam::111111111111:role/KeyAdmin"}"#, "", "\"kms:*\"", NONE, KMS_DEFAULT),
    act(r#"{"AWS": "arn:aws:iam::222222222222:role/Admin"}"#, "", "\"*\"", &["KMS004"], KMS_ADMIN),
    Case { not_action: true, ..act(r#"{"AWS": "arn:aws:iam::222222222222:role/Admin"}"#, "", r#"["kms:Decrypt"]"#, &["KMS004"], NOT_ACTION) },
    Case { not_action: true, ..act(r#"{"AWS": "arn:aws:iam::222222222222:role/Admin"}"#, "", r#"["kms:*"]"#, NONE, NOT_ACTION) },
    act(r#"{"AWS": "arn:aws:iam::222222222222:role/Admin"}"#, "", "\"kms:Disable*\"", &["KMS004"], KMS_ADMIN),
    act(r#"{"AWS": "arn:aws:iam::222222222222:role/Reader"}"#, "", r#"["kms:Decrypt", "kms:DescribeKey"]"#, NONE, KMS_ADMIN),
    act(W, r#"{"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}"#, "\"kms:*\"", &["KMS004"], KMS_ADMIN),
    act(W, r#"{"StringEquals": {"kms:CallerAccount": "111111111111"}}"#, "\"kms:*\"", NONE, KMS_DEFAULT),
    act(r#"{"AWS": "arn:aws:iam::222222222222:role/Admin"}"#, "", "\"KMS:PUTKEYPOLICY\"", &["KMS004"], ACTION_CASE),
    act(r#"{"AWS": "arn:aws:iam::444455556666:role/VendorRead"}"#, "", "\"kms:*\"", &["KMS004"], KMS_ADMIN),
    act(W, "", "\"kms:*\"", &["KMS001"], KMS_ADMIN),
    // Unknown is not external: the principal is KMS005 alone.
    act(r#"{"AWS": {"Ref": "Partner"}}"#, "", "\"kms:ScheduleKeyDeletion\"", &["KMS005"], UNKNOWN_PRINCIPAL),

    // ---- J. Account roots (KMS009) bounded by conditions ----
    allow(r#"{"AWS": "arn:aws:iam::222222222222:root"}"#, r#"{"StringEquals": {"kms:CallerAccount": "111111111111"}}"#, NONE, AND_OR),
    allow(r#"{"AWS": "arn:aws:iam::999988887777:root"}"#, r#"{"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}"#, &["KMS009"], ROOT_DELEGATES),
];

/// Notes for the statement-shape cases that need raw JSON text (duplicate keys).
const RAW_CASES: &[(&str, &[&str], &str)] = &[
    (
        r#"{"Effect": "Allow", "Principal": "*", "Action": "kms:Decrypt", "Resource": "*",
            "Condition": {"StringLike": {"aws:PrincipalOrgID": "o-a1b2c3d4e5", "aws:PrincipalOrgID": "*"}}}"#,
        &["KMS001", "KMS006"],
        DUPLICATE,
    ),
    (
        r#"{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::222222222222:role/R", "AWS": "arn:aws:iam::999988887777:role/X"},
            "Action": "kms:Decrypt", "Resource": "*"}"#,
        &["KMS002", "KMS006"],
        DUPLICATE,
    ),
    (
        r#"{"Effect": "Allow", "Principal": "*", "Action": "kms:Decrypt", "Resource": "*",
            "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}, "StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}}"#,
        &["KMS006"],
        DUPLICATE,
    ),
];

fn config() -> (Config, Registry) {
    let reg = Registry::builtin().unwrap();
    let cfg = Config::from_toml(Path::new("kmslint.toml"), CONFIG, &reg.ids()).unwrap();
    (cfg, reg)
}

fn statement_json(c: &Case) -> String {
    let element = if c.not_principal {
        "NotPrincipal"
    } else {
        "Principal"
    };
    let action_key = if c.not_action { "NotAction" } else { "Action" };
    let action = c.action;
    let condition = if c.condition.is_empty() {
        String::new()
    } else {
        format!(", \"Condition\": {}", c.condition)
    };
    format!(
        r#"{{"Sid": "Case", "Effect": {}, "{element}": {}, "{action_key}": {action}, "Resource": "*"{condition}}}"#,
        c.effect, c.principal
    )
}

fn rules_for(statement: &str, cfg: &Config, reg: &Registry) -> Vec<String> {
    let text = format!(r#"{{"Version": "2012-10-17", "Statement": [{statement}]}}"#);
    let findings = check_policy_text("case.json", &text, cfg, reg, Some("111111111111"));
    let mut ids: Vec<String> = findings.iter().map(|f| f.rule.clone()).collect();
    ids.sort();
    ids.dedup();
    ids
}

#[test]
fn statement_verdicts_follow_aws_documentation() {
    let (cfg, reg) = config();
    let mut failures = Vec::new();
    for (i, c) in CASES.iter().enumerate() {
        assert!(!c.cite.is_empty(), "case {i} has no citation");
        let st = statement_json(c);
        let got = rules_for(&st, &cfg, &reg);
        if got != c.expect {
            failures.push(format!(
                "case {i}: {st}\n  expected {:?}, got {got:?}\n  per: {}",
                c.expect, c.cite
            ));
        }
    }
    for (i, (st, expect, cite)) in RAW_CASES.iter().enumerate() {
        let got = rules_for(st, &cfg, &reg);
        if got != *expect {
            failures.push(format!(
                "raw case {i}: {st}\n  expected {expect:?}, got {got:?}\n  per: {cite}"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ:\n{}",
        failures.len(),
        CASES.len() + RAW_CASES.len(),
        failures.join("\n")
    );
}

#[test]
fn the_table_is_large_enough() {
    assert!(CASES.len() + RAW_CASES.len() >= 150, "{}", CASES.len());
}

/// The message of each finding names the statement, the principal and the account (with its
/// configured name); KMS001 lists the condition keys present and why each does not restrict.
#[test]
fn messages_name_statement_principal_and_account() {
    let (cfg, reg) = config();
    let policy = r#"{"Version": "2012-10-17", "Statement": [
      {"Sid": "Public", "Effect": "Allow", "Principal": "*", "Action": "kms:Decrypt", "Resource": "*",
       "Condition": {"Bool": {"aws:SecureTransport": "true"},
                     "StringEqualsIfExists": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"},
                     "StringLike": {"kms:CallerAccount": "*"}}},
      {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::999988887777:root"}, "Action": "kms:Decrypt", "Resource": "*"},
      {"Sid": "LogArchiveAdmin", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::222222222222:root"}, "Action": "kms:*", "Resource": "*"},
      {"Sid": "ViaCaller", "Effect": "Allow", "Principal": "*", "Action": "kms:Decrypt", "Resource": "*",
       "Condition": {"StringEquals": {"kms:CallerAccount": "999988887777"}}},
      {"Sid": "Everyone", "Effect": "Allow", "NotPrincipal": {"AWS": "arn:aws:iam::111111111111:role/Blocked"}, "Action": "kms:Decrypt", "Resource": "*"},
      {"Sid": "Logs", "Effect": "Allow", "Principal": {"Service": "logs.amazonaws.com"}, "Action": "kms:Encrypt", "Resource": "*"},
      {"Sid": "Endpoint", "Effect": "Allow", "Principal": "*", "Action": "kms:Decrypt", "Resource": "*",
       "Condition": {"StringEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}}},
      {"Sid": "Partner", "Effect": "Allow", "Principal": {"AWS": {"Ref": "PartnerAccount"}}, "Action": "kms:Decrypt", "Resource": "*"}
    ]}"#;
    let findings = check_policy_text("p.json", policy, &cfg, &reg, Some("111111111111"));
    let msg = |rule: &str, statement: &str| -> String {
        findings
            .iter()
            .find(|f| f.rule == rule && f.statement.as_deref() == Some(statement))
            .map(|f| f.message.clone())
            .unwrap_or_else(|| panic!("no {rule} for {statement}: {findings:#?}"))
    };
    let m = msg("KMS001", "Public");
    for part in [
        "\"Public\"",
        "`*`",
        "any account",
        "`aws:SecureTransport`",
        "only requires TLS",
        "`aws:PrincipalOrgID`",
        "passes when the key is absent",
        "`kms:CallerAccount`",
        "wildcard that matches any account",
    ] {
        assert!(m.contains(part), "KMS001 message lacks {part:?}: {m}");
    }
    let m = msg("KMS002", "#2");
    assert!(m.contains("statement #2"), "{m}");
    assert!(
        m.contains("arn:aws:iam::999988887777:root") && m.contains("account 999988887777"),
        "{m}"
    );
    // The untrusted root is one finding (KMS002), not also a KMS009 note.
    assert!(
        !findings
            .iter()
            .any(|f| f.rule == "KMS009" && f.statement.as_deref() == Some("#2")),
        "{findings:#?}"
    );
    let m = msg("KMS004", "LogArchiveAdmin");
    for part in [
        "\"LogArchiveAdmin\"",
        "arn:aws:iam::222222222222:root",
        "222222222222 (log-archive)",
        "kms:*",
    ] {
        assert!(m.contains(part), "KMS004 message lacks {part:?}: {m}");
    }
    let m = msg("KMS009", "LogArchiveAdmin");
    assert!(m.contains("222222222222 (log-archive)"), "{m}");
    let m = msg("KMS002", "ViaCaller");
    for part in [
        "\"ViaCaller\"",
        "`*`",
        "kms:CallerAccount",
        "account 999988887777",
    ] {
        assert!(
            m.contains(part),
            "KMS002 condition message lacks {part:?}: {m}"
        );
    }
    let m = msg("KMS003", "Everyone");
    for part in [
        "\"Everyone\"",
        "arn:aws:iam::111111111111:role/Blocked",
        "the key's own account",
    ] {
        assert!(m.contains(part), "KMS003 message lacks {part:?}: {m}");
    }
    let m = msg("KMS008", "Logs");
    assert!(
        m.contains("\"Logs\"") && m.contains("logs.amazonaws.com"),
        "{m}"
    );
    let m = msg("KMS010", "Endpoint");
    for part in ["\"Endpoint\"", "`*`", "any account", "aws:SourceVpce"] {
        assert!(m.contains(part), "KMS010 message lacks {part:?}: {m}");
    }
    let m = msg("KMS005", "Partner");
    assert!(
        m.contains("\"Partner\"") && m.contains("PartnerAccount"),
        "{m}"
    );
    // The JSON fields carry the same three things.
    let f = findings
        .iter()
        .find(|f| f.rule == "KMS002" && f.statement.as_deref() == Some("#2"))
        .unwrap();
    assert_eq!(
        f.principal.as_deref(),
        Some("arn:aws:iam::999988887777:root")
    );
    assert_eq!(f.account.as_deref(), Some("999988887777"));
}
