# Override files (main_override.tf, override.tf) replace arguments of these blocks; the
# plan deploys the overriding policies, and findings point into the override files.
resource "aws_kms_key" "replaced" {
  description = "its open policy is replaced by main_override.tf"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{ Sid = "Open", Effect = "Allow", Principal = { AWS = "*" }, Action = "kms:*", Resource = "*" }]
  })
}

resource "aws_kms_key" "opened" {
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{ Sid = "Own", Effect = "Allow", Principal = { AWS = "arn:aws:iam::111111111111:root" }, Action = "kms:*", Resource = "*" }]
  })
}

resource "aws_kms_key" "untouched" {
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{ Sid = "Own", Effect = "Allow", Principal = { AWS = "arn:aws:iam::111111111111:root" }, Action = "kms:*", Resource = "*" }]
  })
}
