variable "p" {
  type     = string
  default  = "*"
  nullable = false
}

output "p" {
  value = var.p
}

resource "aws_kms_key" "in_module" {
  description = "in_module"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Sid = "Module", Effect = "Allow", Principal = { AWS = var.p == null ? "arn:aws:iam::111111111111:root" : var.p }, Action = "kms:Decrypt", Resource = "*" }]
  })
}
