resource "aws_kms_key" "logs" {
  description = "logs"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "Everyone"
        Effect   = "Allow"
        Action   = "kms:Decrypt"
        Resource = "*"
      }
    ]
  })
}
