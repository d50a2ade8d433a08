variable "key_users" {
  type    = list(string)
  default = []
}

variable "admin_account" {
  type    = string
  default = null
}

data "aws_caller_identity" "current" {}

locals {
  admin = coalesce(var.admin_account, data.aws_caller_identity.current.account_id)
}

data "aws_iam_policy_document" "this" {
  statement {
    sid       = "Admin"
    actions   = ["kms:*"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::${local.admin}:root"]
    }
  }

  dynamic "statement" {
    for_each = var.key_users
    content {
      sid       = "User${statement.key}"
      actions   = ["kms:Decrypt", "kms:GenerateDataKey*"]
      resources = ["*"]
      principals {
        type        = "AWS"
        identifiers = [statement.value]
      }
      condition {
        test     = "StringEquals"
        variable = "kms:CallerAccount"
        values   = [data.aws_caller_identity.current.account_id]
      }
    }
  }
}

resource "aws_kms_key" "this" {
  description = "module-local-args"
  policy      = data.aws_iam_policy_document.this.json
}
