# Extra case: how aws_iam_policy_document orders / merges / collapses things.
data "aws_iam_policy_document" "norm" {
  policy_id = "kmslint-norm"
  statement {
    sid       = "Sets"
    actions   = ["kms:Decrypt", "kms:Encrypt", "kms:Decrypt", "kms:CreateGrant", "kms:describekey"]
    resources = ["arn:aws:kms:*:111111111111:key/&{aws:username}", "*"]
    principals { # two blocks of the same type are merged into one list
      type        = "AWS"
      identifiers = ["arn:aws:iam::111111111111:root", "444455556666", "*"]
    }
    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::999999999999:root"]
    }
    principals {
      type        = "Service"
      identifiers = ["logs.amazonaws.com"]
    }
    condition { # same test+variable twice -> merged into one list (OR)
      test     = "StringEquals"
      variable = "aws:PrincipalOrgID"
      values   = ["o-zzz", "o-aaa", "o-zzz"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:PrincipalOrgID"
      values   = ["o-mmm"]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = [true]
    }
  }
  statement { # no sid, no effect, star principal type
    not_actions   = ["kms:ScheduleKeyDeletion"]
    not_resources = ["arn:aws:kms:us-east-1:111111111111:key/x"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
  }
  statement {
    sid    = "Deny"
    effect = "Deny"
    actions = ["kms:*"]
    not_principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::111111111111:root"]
    }
  }
}

resource "aws_kms_key" "norm" {
  policy = data.aws_iam_policy_document.norm.json
}

resource "aws_kms_key" "minified" {
  policy = data.aws_iam_policy_document.norm.minified_json
}
