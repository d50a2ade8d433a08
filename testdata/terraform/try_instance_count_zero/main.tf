data "aws_caller_identity" "current" {}

variable "restricted" {
  type    = bool
  default = false
}

# Only created when restricted = true (default false: zero instances).
data "aws_iam_policy_document" "restricted" {
  count = var.restricted ? 1 : 0
  statement {
    sid       = "OwnOnly"
    actions   = ["kms:Decrypt"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["*"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:PrincipalAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

locals {
  open = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Sid = "Open", Effect = "Allow", Principal = "*", Action = "kms:Decrypt", Resource = "*" }]
  })
}

resource "aws_kms_key" "by_try" {
  policy = try(data.aws_iam_policy_document.restricted[0].json, local.open)
}
