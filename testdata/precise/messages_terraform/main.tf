# A Terraform finding names the own account in words, never ${AWS::AccountId}; templatefile()
# is called templatefile().
data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

variable "management_account_id" {
  type = string
}

resource "aws_kms_key" "trail" {
  description = "trail"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "Root"
        Effect    = "Allow"
        Principal = { AWS = "arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:root" }
        Action    = "kms:*"
        Resource  = "*"
      },
      {
        Sid       = "AllowCloudTrailToDecryptLogFiles"
        Effect    = "Allow"
        Principal = { AWS = ["arn:${data.aws_partition.current.partition}:iam::${var.management_account_id}:root", "arn:aws:iam::${data.aws_caller_identity.current.account_id}:role/${var.management_account_id}"] }
        Action    = "kms:Decrypt"
        Resource  = "*"
      },
      {
        Sid          = "AllButUs"
        Effect       = "Allow"
        NotPrincipal = { AWS = "arn:aws:iam::${data.aws_caller_identity.current.account_id}:root" }
        Action       = "kms:Decrypt"
        Resource     = "*"
      }
    ]
  })
}

resource "aws_kms_key" "logs" {
  description = "logs"
  policy      = templatefile("${path.module}/key-policies/log-key.tpl", { account = data.aws_caller_identity.current.account_id })
}
