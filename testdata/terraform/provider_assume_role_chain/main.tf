# Two assume_role blocks are a chain (provider 5.100, STS stub log): the key is created in the
# last role's account, 333333333333, so 222222222222 (the first hop) is another account: kms:* to it
# passed (the first role was taken as the key's account).
data "aws_caller_identity" "me" {}
resource "aws_kms_key" "k" {
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      { Sid = "Admin", Effect = "Allow", Principal = { AWS = "arn:aws:iam::222222222222:root" }, Action = "kms:*", Resource = "*" },
    ]
  })
}
output "acct" { value = data.aws_caller_identity.me.account_id }
