# Three instances of one key whose principal a variable chooses: each instance is a finding, and
# the branch is named once ("deployed only when"), not once per instance.
variable "public" {
  type    = bool
  default = false
}

resource "aws_kms_key" "k" {
  count = 3
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Sid = "A", Effect = "Allow", Principal = { AWS = var.public ? "*" : "arn:aws:iam::111111111111:root" }, Action = "kms:*", Resource = "*" }]
  })
}
