data "aws_caller_identity" "current" {}
variable "restricted" {
  type    = bool
  default = false
}
variable "docs" {
  type    = set(string)
  default = ["a"]
}
locals {
  open = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Sid = "Open", Effect = "Allow", Principal = "*", Action = "kms:Decrypt", Resource = "*" }]
  })
  own = "arn:aws:iam::${data.aws_caller_identity.current.account_id}:root"
}

module "restricted" {
  source = "./mod"
  count  = var.restricted ? 1 : 0
}
resource "aws_kms_key" "module_try" {
  policy = try(module.restricted[0].policy, local.open)
}
resource "aws_kms_key" "module_principal_try" {
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Sid = "P", Effect = "Allow", Principal = { AWS = try(module.restricted[0].principal, "*") }, Action = "kms:Decrypt", Resource = "*" }]
  })
}

data "aws_iam_policy_document" "fe" {
  for_each = var.docs
  statement {
    sid       = "FE"
    actions   = ["kms:Decrypt"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = [local.own]
    }
  }
}
resource "aws_kms_key" "fe_missing_key" {
  policy = try(data.aws_iam_policy_document.fe["b"].json, local.open)
}

data "aws_iam_policy_document" "one" {
  count = 1
  statement {
    sid       = "One"
    actions   = ["kms:Decrypt"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = [local.own]
    }
  }
}
resource "aws_kms_key" "index_oob" {
  policy = try(data.aws_iam_policy_document.one[1].json, local.open)
}

module "each" {
  source   = "./mod"
  for_each = toset([])
}
resource "aws_kms_key" "module_each_try" {
  policy = try(module.each["x"].policy, local.open)
}
resource "aws_kms_key" "can_cond" {
  policy = can(module.restricted[0].policy) ? module.restricted[0].policy : local.open
}
