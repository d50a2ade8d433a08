# A policy chosen between two JSON texts by a variable: the default selects the safe text, but a
# caller, a tfvars file or -var can select the open one, which must be checked too.
variable "open" {
  type    = bool
  default = false
}

resource "aws_kms_key" "chosen" {
  description = "chosen"
  policy = var.open ? jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Sid = "Open", Effect = "Allow", Principal = { AWS = "*" }, Action = "kms:*", Resource = "*" }]
    }) : jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Sid = "Own", Effect = "Allow", Principal = { AWS = "arn:aws:iam::111111111111:root" }, Action = "kms:*", Resource = "*" }]
  })
}
