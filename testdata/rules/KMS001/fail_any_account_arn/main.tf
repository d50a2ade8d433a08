data "aws_iam_policy_document" "key" {
  statement {
    sid     = "AnyAccount"
    actions = ["kms:Decrypt"]
    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::*:root"]
    }
    resources = ["*"]
  }
}

resource "aws_kms_key" "data" {
  policy = data.aws_iam_policy_document.key.json
}
