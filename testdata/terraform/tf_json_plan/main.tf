# HCL twin of main.tf.json: both keys must render the same policy.
data "aws_caller_identity" "hcl" {}

data "aws_iam_policy_document" "hcl" {
  statement {
    sid       = "Use"
    actions   = ["kms:Decrypt", "kms:Encrypt"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["*", "arn:aws:iam::444455556666:root"]
    }
    condition {
      test     = "StringEquals"
      variable = "kms:CallerAccount"
      values   = [data.aws_caller_identity.hcl.account_id, "444455556666"]
    }
  }
  dynamic "statement" {
    for_each = var.extra_readers
    content {
      sid       = "Extra${statement.key}"
      actions   = ["kms:DescribeKey"]
      resources = ["*"]
      principals {
        type        = "AWS"
        identifiers = [statement.value]
      }
    }
  }
}

resource "aws_kms_key" "hcl" {
  policy = data.aws_iam_policy_document.hcl.json
}
