data "aws_caller_identity" "me" {}

data "aws_partition" "current" {}

resource "aws_kms_key" "this" {
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "Root"
      Effect    = "Allow"
      Principal = { AWS = "arn:aws:iam::${data.aws_caller_identity.me.account_id}:root" }
      Action    = "kms:*"
      Resource  = "*"
    }, {
      Sid       = "Admins"
      Effect    = "Allow"
      Principal = { AWS = format("arn:aws:iam::%s:role/KeyAdmin", data.aws_caller_identity.me.account_id) }
      Action    = ["kms:Describe*", "kms:Put*"]
      Resource  = "*"
    }]
  })
}
