resource "aws_kms_key" "logs" {
  description = "logs"
  policy = jsonencode({
    Statement = [{ Effect = "Allow", Principal = "*", Action = "kms:*", Resource = "*" }]
  })
