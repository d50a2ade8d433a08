variable "readers" {
  default = ["arn:aws:iam::111111111111:role/App", "arn:aws:iam::444455556666:role/Vendor"]
}

variable "public_read" {
  type    = bool
  default = false
}

variable "enable_default_policy" {
  type = bool
}

data "aws_iam_policy_document" "this" {
  dynamic "statement" {
    for_each = var.enable_default_policy ? [1] : []
    content {
      sid       = "Default"
      actions   = ["kms:*"]
      resources = ["*"]
      principals {
        type        = "AWS"
        identifiers = ["arn:aws:iam::${data.aws_caller_identity.current.account_id}:root"]
      }
    }
  }

  dynamic "statement" {
    for_each = var.readers
    iterator = reader
    content {
      sid       = "Read${reader.key}"
      actions   = ["kms:Decrypt"]
      resources = ["*"]
      principals {
        type        = "AWS"
        identifiers = [reader.value]
      }
    }
  }

  dynamic "statement" {
    for_each = var.public_read ? ["x"] : []
    content {
      sid       = "Public"
      actions   = ["kms:Decrypt"]
      resources = ["*"]
      principals {
        type        = "*"
        identifiers = ["*"]
      }
    }
  }
}

data "aws_caller_identity" "current" {}

resource "aws_kms_key" "this" {
  policy = data.aws_iam_policy_document.this.json
}
