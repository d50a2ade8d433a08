data "aws_caller_identity" "me" {}

locals {
  own  = "arn:aws:iam::${data.aws_caller_identity.me.account_id}:root"
  mat  = "Wblj06fduthWggmsT0cLVoIMOkeLbc2kVfMud77i/JY="
  base = { Version = "2012-10-17" }
}

resource "aws_kms_external_key" "ext" {
  description         = "external, multi-region primary"
  multi_region        = true
  key_material_base64 = local.mat
  policy = jsonencode(merge(local.base, { Statement = [
    { Sid = "Own", Effect = "Allow", Principal = { AWS = local.own }, Action = "kms:*", Resource = "*" },
    { Sid = "Foreign", Effect = "Allow", Principal = { AWS = "arn:aws:iam::444455556666:root" }, Action = ["kms:Decrypt"], Resource = "*" },
  ] }))
}

resource "aws_kms_key" "primary" {
  description  = "standard multi-region primary"
  multi_region = true
  policy = jsonencode(merge(local.base, { Statement = [
    { Sid = "Own", Effect = "Allow", Principal = { AWS = local.own }, Action = "kms:*", Resource = "*" },
  ] }))
}

resource "aws_kms_replica_key" "rep" {
  provider        = aws.replica
  primary_key_arn = aws_kms_key.primary.arn
  policy = jsonencode(merge(local.base, { Statement = [
    { Sid = "Own", Effect = "Allow", Principal = { AWS = local.own }, Action = "kms:*", Resource = "*" },
    { Sid = "Public", Effect = "Allow", Principal = "*", Action = "kms:Decrypt", Resource = "*",
    Condition = { StringEquals = { "kms:CallerAccount" = "444455556666" } } },
  ] }))
}

resource "aws_kms_replica_external_key" "rep_ext" {
  provider            = aws.replica
  primary_key_arn     = aws_kms_external_key.ext.arn
  key_material_base64 = local.mat
  policy = <<-EOT
    {
      "Version": "2012-10-17",
      "Statement": [
        {"Sid": "Own", "Effect": "Allow", "Principal": {"AWS": "${local.own}"},
         "Action": "kms:*", "Resource": "*"}
      ]
    }
  EOT
}

resource "aws_kms_replica_key" "no_policy" { # policy omitted -> provider/AWS default
  provider        = aws.replica
  primary_key_arn = aws_kms_key.primary.arn
}
