data "aws_caller_identity" "current" {}

locals {
  partner = "arn:aws:iam::444455556666:root"
  principals = [local.partner]
}

resource "aws_kms_key" "this" {
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "Partner"
      Effect    = "Allow"
      Principal = { AWS = local.principals }
      Action    = "kms:Decrypt"
      Resource  = "*"
    }]
  })
}
