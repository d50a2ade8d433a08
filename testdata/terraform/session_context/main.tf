# issuer_arn of the session behind the caller identity: a role in the same account.
data "aws_caller_identity" "current" {}
data "aws_iam_session_context" "current" {
  arn = data.aws_caller_identity.current.arn
}
resource "aws_kms_key" "k" {
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      { Sid = "Admin", Effect = "Allow", Principal = { AWS = data.aws_iam_session_context.current.issuer_arn }, Action = "kms:*", Resource = "*" },
    ]
  })
}
