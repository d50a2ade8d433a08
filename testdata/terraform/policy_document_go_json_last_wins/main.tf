data "aws_caller_identity" "current" {}

# Go's encoding/json matches keys case-insensitively and the last match wins:
# "PRINCIPAL" replaces "Principal", "condition" replaces "Condition".
data "aws_iam_policy_document" "p" {
  source_policy_documents = [<<-EOT
    {"Version":"2012-10-17","Statement":[{"Sid":"Own","Effect":"Allow",
      "Principal":{"AWS":"arn:aws:iam::${data.aws_caller_identity.current.account_id}:root"},
      "PRINCIPAL":"*","Action":"kms:*","Resource":"*"}]}
  EOT
  ]
}
resource "aws_kms_key" "principal_case" { policy = data.aws_iam_policy_document.p.json }

data "aws_iam_policy_document" "c" {
  source_policy_documents = [jsonencode({
    Version = "2012-10-17"
    Statement = [{ Sid = "Cond", Effect = "Allow", Principal = "*", Action = "kms:Decrypt", Resource = "*",
      Condition = { StringEquals = { "aws:PrincipalAccount" = data.aws_caller_identity.current.account_id } }
      condition = {} }]
  })]
}
resource "aws_kms_key" "condition_case" { policy = data.aws_iam_policy_document.c.json }
