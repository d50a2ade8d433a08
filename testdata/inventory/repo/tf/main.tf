resource "aws_kms_key" "app" {
  description = "application data"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "Anyone"
      Effect    = "Allow"
      Principal = { AWS = "*" }
      Action    = "kms:Decrypt"
      Resource  = "*"
    }]
  })
}

resource "aws_kms_alias" "app" {
  name          = "alias/app"
  target_key_id = aws_kms_key.app.key_id
}

resource "aws_kms_key" "internal" {
  description = "default policy, own account only"
  tags = {
    Owner = "app-team"
  }
}

resource "aws_kms_grant" "partner" {
  name              = "partner"
  key_id            = aws_kms_key.internal.key_id
  grantee_principal = "arn:aws:iam::777777777777:role/Partner"
  operations        = ["Decrypt", "DescribeKey"]
}
