# Loaded after main_override.tf (override files merge in name order).
resource "aws_kms_key" "opened" {
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Sid = "Opened", Effect = "Allow", Principal = "*", Action = "kms:Decrypt", Resource = "*" }]
  })
}
