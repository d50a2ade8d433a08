data "aws_caller_identity" "current" {}

resource "aws_kms_key" "this" {
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid    = "Root"
      Effect = "Allow"
      Principal = {
        AWS = "arn:aws:iam::${data.aws_caller_identity.current.account_id}:root"
        AWS = "arn:aws:iam::${data.aws_caller_identity.current.account_id}:role/Admin"
      }
      Action   = "kms:*"
      Resource = "*"
    }]
  })
}
