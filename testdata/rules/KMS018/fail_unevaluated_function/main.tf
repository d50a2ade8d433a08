resource "aws_kms_key" "k" {
  policy = ephemeralasnull(jsonencode({
    Statement = [{ Effect = "Allow", Principal = { AWS = "*" }, Action = "kms:Decrypt", Resource = "*" }]
  }))
}
