data "aws_caller_identity" "current" {}

data "aws_iam_policy_document" "base" {
  statement {
    sid       = "Access"
    actions   = ["kms:Decrypt"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::${data.aws_caller_identity.current.account_id}:root"]
    }
  }
}

data "aws_iam_policy_document" "extra" {
  statement {
    sid       = "Access"
    actions   = ["kms:Decrypt"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::444455556666:root"]
    }
  }
}

data "aws_iam_policy_document" "key" {
  override_policy_documents = [data.aws_iam_policy_document.extra.json]
  source_policy_documents   = [data.aws_iam_policy_document.base.json]
}

resource "aws_kms_key" "this" {
  policy = data.aws_iam_policy_document.key.json
}
