variable "dup_source_sids" { default = false }
variable "dup_own_sids" { default = false }
variable "legacy" { default = false }

locals {
  st = { for s in ["Shared", "OnlyS1", "OnlyS2", "Own", "NewO1", "Dup"] : s => {
    Sid = s, Effect = "Allow", Action = "kms:Decrypt", Resource = "*"
  Principal = { AWS = "arn:aws:iam::444455556666:role/${s}" } } }
  nosid = { Effect = "Allow", Action = "kms:DescribeKey", Resource = "*", Principal = "*" }
  s1 = jsonencode({ Version = "2012-10-17", Statement = [local.st.Shared, merge(local.nosid, { Condition = { StringEquals = { "src" = "s1" } } }), local.st.OnlyS1] })
  s2 = jsonencode({ Version = "2012-10-17", Statement = concat([local.st.OnlyS2], var.dup_source_sids ? [local.st.OnlyS1] : []) })
  o1 = jsonencode({ Version = "2012-10-17", Statement = [merge(local.st.Own, { Principal = { AWS = "arn:aws:iam::444455556666:role/o1" } }), local.st.NewO1, merge(local.nosid, { Condition = { StringEquals = { "src" = "o1" } } })] })
  o2 = jsonencode({ Version = "2012-10-17", Statement = [merge(local.st.Own, { Principal = "*", Sid = "Own" })] })
}

data "aws_iam_policy_document" "merged" {
  source_policy_documents   = [local.s1, local.s2]
  override_policy_documents = [local.o1, local.o2]

  statement {
    sid       = "Shared" # collides with s1's Shared
    actions   = ["kms:Encrypt"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::111111111111:root"]
    }
  }
  statement { # no sid
    actions   = ["kms:GenerateDataKey"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::111111111111:role/nosid"]
    }
  }
  statement {
    sid       = "Own" # overridden by o1, then by o2
    actions   = ["kms:*"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::111111111111:root"]
    }
  }
  dynamic "statement" {
    for_each = var.dup_own_sids ? [1] : []
    content {
      sid       = "Own"
      actions   = ["kms:Decrypt"]
      resources = ["*"]
    }
  }
}

data "aws_iam_policy_document" "override_only" { # no own statements, only overrides
  override_policy_documents = [local.s1, local.o1]
}

data "aws_iam_policy_document" "legacy" {
  count       = var.legacy ? 1 : 0
  source_json = var.legacy ? local.s1 : "" # any non-empty value fails validation, even with count = 0
}

resource "aws_kms_key" "merged" { policy = data.aws_iam_policy_document.merged.json }
resource "aws_kms_key" "override_only" { policy = data.aws_iam_policy_document.override_only.json }
resource "aws_kms_key" "legacy" {
  count  = var.legacy ? 1 : 0
  policy = data.aws_iam_policy_document.legacy[0].json
}
