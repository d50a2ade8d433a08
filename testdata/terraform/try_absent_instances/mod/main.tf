data "aws_caller_identity" "current" {}
output "policy" {
  value = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Sid = "OwnOnly", Effect = "Allow", Principal = { AWS = "arn:aws:iam::${data.aws_caller_identity.current.account_id}:root" }, Action = "kms:Decrypt", Resource = "*" }]
  })
}
output "principal" { value = "arn:aws:iam::${data.aws_caller_identity.current.account_id}:root" }
