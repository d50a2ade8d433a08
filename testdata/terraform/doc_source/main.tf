data "aws_caller_identity" "current" {}

data "aws_iam_policy_document" "shared" {
  statement {
    sid       = "Open"
    actions   = ["kms:Encrypt"]
    resources = ["*"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
  }
}

data "aws_iam_policy_document" "key" {
  source_policy_documents = [data.aws_iam_policy_document.shared.json]

  statement {
    sid       = "Root"
    actions   = ["kms:*"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::${data.aws_caller_identity.current.account_id}:root"]
    }
  }
  statement {
    sid     = "DenyOutside"
    effect  = "Deny"
    actions = ["kms:*"]
    resources = ["*"]
    not_principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::${data.aws_caller_identity.current.account_id}:root"]
    }
  }
}

resource "aws_kms_key" "this" {
  policy = data.aws_iam_policy_document.key.json
}
