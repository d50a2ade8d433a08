# A module output that passes a variable through is read by two keys. The default renders the
# safe principal, but a caller, a tfvars file or -var can set public = true: both keys must be
# checked both ways (the output's value was remembered after the first key, and the second key
# took it as decided: its Principal "*" passed).
variable "public" {
  type    = bool
  default = false
}

module "flags" {
  source = "./modules/flags"
  public = var.public
}

resource "aws_kms_key" "a" {
  description = "a"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Sid = module.flags.public ? "Pub" : "Priv", Effect = "Allow", Principal = { AWS = "arn:aws:iam::111111111111:root" }, Action = "kms:*", Resource = "*" }]
  })
}

resource "aws_kms_key" "b" {
  description = "b"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Sid = "B", Effect = "Allow", Principal = { AWS = module.flags.public ? "*" : "arn:aws:iam::111111111111:root" }, Action = "kms:*", Resource = "*" }]
  })
}
