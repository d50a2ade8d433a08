data "aws_caller_identity" "current" {}
locals {
  own = "arn:aws:iam::${data.aws_caller_identity.current.account_id}:root"
}

# a1: lowercase "statement" key in a source document (Go json is case-insensitive)
data "aws_iam_policy_document" "a1" {
  source_policy_documents = [jsonencode({
    Version   = "2012-10-17"
    statement = [{ Sid = "Open", Effect = "Allow", Principal = "*", Action = "kms:*", Resource = "*" }]
  })]
}
resource "aws_kms_key" "a1" { policy = data.aws_iam_policy_document.a1.json }

# a2: lowercase statement element names
data "aws_iam_policy_document" "a2" {
  source_policy_documents = [jsonencode({
    Version   = "2012-10-17"
    Statement = [{ sid = "Open2", effect = "Allow", principal = { AWS = "*" }, action = "kms:*", resource = "*" }]
  })]
}
resource "aws_kms_key" "a2" { policy = data.aws_iam_policy_document.a2.json }

# a3: both Principal and principal; Go: last one wins
data "aws_iam_policy_document" "a3" {
  override_policy_documents = [<<-EOT
    {"Version":"2012-10-17","Statement":[{"Sid":"Own","Effect":"Allow","Principal":{"AWS":"${local.own}"},"PRINCIPAL":"*","Action":"kms:*","Resource":"*"}]}
  EOT
  ]
}
resource "aws_kms_key" "a3" { policy = data.aws_iam_policy_document.a3.json }

# a4: condition with lowercase key in source doc -> restricting? (control)
data "aws_iam_policy_document" "a4" {
  source_policy_documents = [jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Sid = "Cond", Effect = "Allow", Principal = "*", Action = "kms:*", Resource = "*",
      Condition = { StringEquals = { "aws:PrincipalAccount" = data.aws_caller_identity.current.account_id } }, condition = {} }]
  })]
}
resource "aws_kms_key" "a4" { policy = data.aws_iam_policy_document.a4.json }

# a5: Effect "allow" lowercase via source doc
data "aws_iam_policy_document" "a5" {
  source_policy_documents = [jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Sid = "Low", Effect = "Allow", Principal = { aws = "*" }, Action = "kms:*", Resource = "*" }]
  })]
}
resource "aws_kms_key" "a5" { policy = data.aws_iam_policy_document.a5.json }
