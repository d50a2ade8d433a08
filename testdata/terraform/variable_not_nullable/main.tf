# Variables declared `nullable = false` set to null take their default ("*" here), in a module
# call and in terraform.tfvars: the null was kept, and the keys passed with exit 0.
module "nn" {
  source = "./mod"
  p      = null
}

variable "root_p" {
  type     = string
  default  = "*"
  nullable = false
}

resource "aws_kms_key" "through_output" {
  description = "through_output"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Sid = "Output", Effect = "Allow", Principal = { AWS = module.nn.p }, Action = "kms:Decrypt", Resource = "*" }]
  })
}

resource "aws_kms_key" "root" {
  description = "root"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Sid = "Root", Effect = "Allow", Principal = { AWS = var.root_p == null ? "arn:aws:iam::111111111111:root" : var.root_p }, Action = "kms:Decrypt", Resource = "*" }]
  })
}
