data "aws_caller_identity" "current" {}

resource "aws_kms_key" "this" {
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "Partner"
      Effect    = "Allow"
      Principal = { AWS = var.partner_principals }
      Action    = "kms:Decrypt"
      Resource  = "*"
    }]
  })
}
