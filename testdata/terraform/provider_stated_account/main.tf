# Each key is in the account its provider configuration states (allowed_account_ids for the
# default aws: 111111111111; aws.prod assumes a role in 222222222222), as the plan places it: a
# key granting its own account's root is not granting another account (both were KMS002).
resource "aws_kms_key" "default" {
  description = "default"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Sid = "Root", Effect = "Allow", Principal = { AWS = "arn:aws:iam::111111111111:root" }, Action = "kms:*", Resource = "*" }]
  })
}

resource "aws_kms_key" "prod" {
  provider    = aws.prod
  description = "prod"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      { Sid = "Root", Effect = "Allow", Principal = { AWS = "arn:aws:iam::222222222222:root" }, Action = "kms:*", Resource = "*" },
      { Sid = "Mgmt", Effect = "Allow", Principal = { AWS = "arn:aws:iam::111111111111:root" }, Action = "kms:*", Resource = "*" },
    ]
  })
}
