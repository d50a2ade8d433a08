# Each variable's value is an account id that names where it came from:
# 100..=default 200..=terraform.tfvars 300..=terraform.tfvars.json 400..=a.auto.tfvars
# 500..=b.auto.tfvars.json 550..=c.auto.tfvars 600..=extra.tfvars 650..=extra2.tfvars
# 700..=-var 800..=TF_VAR_ env
variable "v_default" { default = "100000000000" }
variable "v_tfvars" { default = "100000000000" }
variable "v_tfvars_json" { default = "100000000000" }
variable "v_auto" { default = "100000000000" }
variable "v_auto_json" { default = "100000000000" }
variable "v_lex" { default = "100000000000" }
variable "v_varfile" { default = "100000000000" }
variable "v_cli" { default = "100000000000" }
variable "v_env" { default = "100000000000" }
variable "v_env_vs_tfvars" { default = "100000000000" }

locals {
  vars = {
    v_default = var.v_default, v_tfvars = var.v_tfvars, v_tfvars_json = var.v_tfvars_json
    v_auto = var.v_auto, v_auto_json = var.v_auto_json, v_lex = var.v_lex, v_varfile = var.v_varfile
    v_cli = var.v_cli, v_env = var.v_env, v_env_vs_tfvars = var.v_env_vs_tfvars
  }
}

resource "aws_kms_key" "k" {
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [for name, acct in local.vars : {
      Sid       = replace(name, "_", "")
      Effect    = "Allow"
      Principal = { AWS = "arn:aws:iam::${acct}:root" }
      Action    = "kms:Decrypt"
      Resource  = "*"
    }]
  })
}

output "winners" { value = local.vars }
