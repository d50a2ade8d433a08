provider "aws" {
  alias = "x"
  assume_role {
    role_arn = "arn:aws:iam::333333333333:role/deploy"
  }
}

variable "admin" {
  type = string
}

resource "aws_kms_key" "k" {
  provider = aws.x
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Sid = "Admin", Effect = "Allow", Principal = { AWS = var.admin }, Action = "kms:*", Resource = "*" }]
  })
}
