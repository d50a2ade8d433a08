# terraform-aws-kms v4.2.0 (patched for aws 5.100): how `policy`, `enable_default_policy`,
# `source_policy_documents` and `override_policy_documents` interact.
locals {
  full = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid = "Everyone", Effect = "Allow", Principal = "*", Action = "kms:*", Resource = "*"
      Condition = { StringEquals = { "aws:PrincipalAccount" = "444455556666" } }
    }]
  })
  source_doc = jsonencode({
    Version = "2012-10-17"
    Statement = [
      { Sid = "Default", Effect = "Allow", Principal = { AWS = "arn:aws:iam::444455556666:root" }, Action = "kms:*", Resource = "*" },
      { Sid = "FromSource", Effect = "Allow", Principal = { AWS = "arn:aws:iam::444455556666:role/src" }, Action = "kms:Decrypt", Resource = "*" },
    ]
  })
  override_doc = jsonencode({
    Version = "2012-10-17"
    Statement = [
      { Sid = "KeyUsage", Effect = "Allow", Principal = { AWS = "*" }, Action = "kms:Decrypt", Resource = "*" },
      { Effect = "Deny", Principal = "*", Action = "kms:ScheduleKeyDeletion", Resource = "*" },
    ]
  })
}

module "full_policy" { # `policy` wins; key_users ignored
  source    = "terraform-aws-modules/kms/aws"
  version = "4.2.0"
  policy    = local.full
  key_users = ["arn:aws:iam::111111111111:role/ignored"]
}

module "empty_string_policy" { # coalesce("", generated) -> generated
  source    = "terraform-aws-modules/kms/aws"
  version = "4.2.0"
  policy    = ""
  key_users = ["arn:aws:iam::444455556666:role/user"]
}

module "no_default" { # enable_default_policy = false and nothing else
  source                = "terraform-aws-modules/kms/aws"
  version = "4.2.0"
  enable_default_policy = false
}

module "default_true" {
  source                = "terraform-aws-modules/kms/aws"
  version = "4.2.0"
  enable_default_policy = true
  key_users             = ["arn:aws:iam::444455556666:role/user"]
}

module "source_override" {
  source                    = "terraform-aws-modules/kms/aws"
  version = "4.2.0"
  key_users                 = ["arn:aws:iam::111111111111:role/user"]
  source_policy_documents   = [local.source_doc]
  override_policy_documents = [local.override_doc]
}

variable "null_users" { default = false } # variant null-key-users sets it

module "null_users" { # passing null (not []) to a list(string) input with default []
  source    = "terraform-aws-modules/kms/aws"
  version = "4.2.0"
  key_users = var.null_users ? null : ["arn:aws:iam::444455556666:role/user"]
}
