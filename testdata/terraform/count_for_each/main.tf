data "aws_caller_identity" "current" {}

variable "partner_accounts" {
  type = set(string)
}

resource "aws_kms_key" "partner" {
  for_each = var.partner_accounts
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "Partner"
      Effect    = "Allow"
      Principal = { AWS = "arn:aws:iam::${each.value}:root" }
      Action    = "kms:Decrypt"
      Resource  = "*"
    }]
  })
}

resource "aws_kms_key" "counted" {
  count = 2
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "Role"
      Effect    = "Allow"
      Principal = { AWS = aws_iam_role.reader[count.index].arn }
      Action    = "kms:Decrypt"
      Resource  = "*"
    }]
  })
}
