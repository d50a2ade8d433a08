variable "public" {
  type    = bool
  default = false
}

locals {
  env       = "prod"
  principal = var.public ? "*" : "arn:aws:iam::444455556666:root"
  readers   = var.public ? ["*"] : ["arn:aws:iam::444455556666:role/a", "arn:aws:iam::444455556666:role/b"]
}

resource "aws_kms_key" "cond" {
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = concat([{
      Sid       = "Main"
      Effect    = "Allow"
      Principal = { AWS = local.principal }
      Action    = "kms:Decrypt"
      Resource  = "*"
      }], var.public ? [{
      Sid       = "PublicDeny"
      Effect    = "Deny"
      Principal = "*"
      Action    = "kms:Decrypt"
      Resource  = "*"
      Condition = { Bool = { "aws:SecureTransport" = "false" } }
    }] : [])
  })
}

data "aws_iam_policy_document" "doc" {
  statement {
    sid       = true ? "ConstTrue" : "Never"
    actions   = local.env == "prod" ? ["kms:Decrypt"] : ["kms:*"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = local.readers
    }
    dynamic "condition" {
      for_each = var.public ? [] : [1]
      content {
        test     = "StringEquals"
        variable = "aws:PrincipalAccount"
        values   = ["444455556666"]
      }
    }
  }
}

resource "aws_kms_key" "doc" {
  policy = data.aws_iam_policy_document.doc.json
}

resource "aws_kms_key" "only_public" {
  count  = var.public ? 1 : 0
  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Sid = "Pub", Effect = "Allow", Principal = "*", Action = "kms:Encrypt", Resource = "*" }] })
}
