variable "accounts" {
  default = ["444455556666", "111122223333", "444455556666"]
}
variable "roles" {
  default = [
    { name = "ops", arn = "arn:aws:iam::444455556666:role/ops", admin = true },
    { name = "app", arn = "arn:aws:iam::111111111111:role/app", admin = false },
    { name = "ci", arn = "arn:aws:iam::777788889999:role/ci", admin = true },
  ]
}

locals {
  roots   = [for a in var.accounts : "arn:aws:iam::${a}:root"]            # keeps the duplicate
  admins  = { for r in var.roles : r.name => r.arn if r.admin }           # map, sorted keys
  by_acct = { for r in var.roles : split(":", r.arn)[4] => r.name... }    # grouping
  arns    = var.roles[*].arn                                              # splat
  legacy  = var.roles.*.name                                              # legacy splat
  principal_map = {
    AWS     = local.roots
    Service = ["logs.amazonaws.com"]
  }
  conditions = [
    { test = "StringEquals", variable = "aws:PrincipalAccount", values = keys(local.by_acct) },
    { test = "StringLike", variable = "aws:PrincipalArn", values = [for n in local.legacy : "*/${n}"] },
  ]
}

data "aws_iam_policy_document" "doc" {
  statement {
    sid       = "Roots"
    actions   = ["kms:Decrypt"]
    resources = ["*"]
    dynamic "principals" {
      for_each = local.principal_map
      iterator = p
      content {
        type        = p.key
        identifiers = p.value
      }
    }
    dynamic "condition" {
      for_each = local.conditions
      iterator = c
      content {
        test     = c.value.test
        variable = c.value.variable
        values   = c.value.values
      }
    }
  }
  statement {
    sid       = "Admins"
    actions   = ["kms:*"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = values(local.admins)
    }
  }
}

resource "aws_kms_key" "doc" {
  policy = data.aws_iam_policy_document.doc.json
}

resource "aws_kms_key" "json" {
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [for name, arn in local.admins : {
      Sid = "Admin${name}", Effect = "Allow", Action = "kms:*", Resource = "*"
      Principal = { AWS = arn }
    }]
  })
}

resource "aws_kms_key" "splat" {
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Sid = "All", Effect = "Allow", Action = "kms:Decrypt", Resource = "*", Principal = { AWS = local.arns }, Condition = { StringEquals = { "aws:PrincipalAccount" = local.by_acct["444455556666"] } } }]
  })
}
