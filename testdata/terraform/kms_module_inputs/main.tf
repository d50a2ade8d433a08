# terraform-aws-kms v4.2.0, evaluated from kmslint's bundled copy (its source is not on disk here)
module "roles" {
  source = "terraform-aws-modules/kms/aws"
  version = "4.2.0"

  key_owners                             = ["arn:aws:iam::444455556666:root"]
  key_administrators                     = ["arn:aws:iam::111111111111:role/admin", "arn:aws:iam::444455556666:role/admin"]
  key_users                              = ["*"]
  key_service_users                      = ["arn:aws:iam::444455556666:role/svc"]
  key_service_roles_for_autoscaling      = ["arn:aws:iam::111111111111:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling"]
  key_symmetric_encryption_users         = ["arn:aws:iam::444455556666:role/sym"]
  key_hmac_users                         = ["arn:aws:iam::444455556666:role/hmac"]
  key_asymmetric_public_encryption_users = ["arn:aws:iam::444455556666:role/pub"]
  key_asymmetric_sign_verify_users       = ["*"]
  enable_route53_dnssec                  = true
  route53_dnssec_sources = [
    { account_ids = ["444455556666"] },
    { hosted_zone_arn = "arn:aws:route53:::hostedzone/Z123" },
  ]
}

module "statements" {
  source                = "terraform-aws-modules/kms/aws"
  version = "4.2.0"
  enable_default_policy = false
  key_statements = [
    {
      sid        = "PublicWithCondition"
      actions    = ["kms:Decrypt", "kms:DescribeKey"]
      resources  = ["*"]
      principals = [{ type = "*", identifiers = ["*"] }]
      condition = [
        { test = "StringEquals", variable = "aws:PrincipalOrgID", values = ["o-abc123"] },
        { test = "StringEquals", variable = "aws:PrincipalOrgID", values = ["o-def456"] },
        { test = "Bool", variable = "aws:SecureTransport", values = ["true"] },
      ]
    },
    {
      sid            = "DenyOutsideAccount"
      effect         = "Deny"
      not_actions    = ["kms:Describe*"]
      resources      = ["*"]
      not_principals = [{ type = "AWS", identifiers = ["arn:aws:iam::111111111111:root", "arn:aws:iam::444455556666:root"] }]
    },
    {
      # v3.x attribute name `conditions`: not in the v4 object type -> silently dropped
      sid        = "V3Spelling"
      actions    = ["kms:Encrypt"]
      principals = [{ type = "AWS", identifiers = ["*"] }]
      conditions = [{ test = "StringEquals", variable = "kms:CallerAccount", values = ["111111111111"] }]
    },
  ]
}

module "grants" {
  source = "terraform-aws-modules/kms/aws"
  version = "4.2.0"
  grants = {
    app = {
      grantee_principal  = "arn:aws:iam::444455556666:role/app"
      retiring_principal = "arn:aws:iam::111111111111:role/ops"
      operations         = ["Decrypt", "Encrypt", "GenerateDataKey"]
      constraints        = [{ encryption_context_equals = { Department = "Finance" } }]
    }
    named = {
      name              = "explicit-name"
      grantee_principal = "arn:aws:iam::444455556666:root"
      operations        = ["DescribeKey"]
    }
  }
}

module "disabled" {
  source    = "terraform-aws-modules/kms/aws"
  version = "4.2.0"
  create    = false
  key_users = ["*"]
  grants    = { x = { grantee_principal = "arn:aws:iam::444455556666:root", operations = ["Decrypt"] } }
}
