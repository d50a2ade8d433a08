terraform {
  required_providers {
    aws = { source = "hashicorp/aws", configuration_aliases = [aws.dst] }
  }
}

variable "admin" { type = string }

resource "aws_kms_key" "k" {
  provider = aws.dst
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Sid = "Admin", Effect = "Allow", Principal = { AWS = var.admin }, Action = "kms:*", Resource = "*" }]
  })
}
