resource "aws_kms_key" "k" {
  policy = templatestring(jsonencode({
    Statement = [{ Effect = "Allow", Principal = { AWS = "$${who}" }, Action = "kms:Decrypt", Resource = "*" }]
  }), { who = "*" })
}
