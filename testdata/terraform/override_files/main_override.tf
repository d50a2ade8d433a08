resource "aws_kms_key" "replaced" {
  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Sid = "Replaced", Effect = "Allow", Principal = { AWS = "arn:aws:iam::111111111111:root" }, Action = "kms:*", Resource = "*" }] })
}
