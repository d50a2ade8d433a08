data "aws_caller_identity" "current" {}

resource "aws_kms_key" "this" {
  description         = "policy set separately"
  enable_key_rotation = true
}

resource "aws_kms_key_policy" "this" {
  key_id = aws_kms_key.this.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "Everyone"
      Effect    = "Allow"
      Principal = "*"
      Action    = "kms:Decrypt"
      Resource  = "*"
    }]
  })
}

resource "aws_kms_key" "plain" {
  description = "default policy"
}
