variable "principals" { type = list(string) }
variable "org_id" { type = string }

data "aws_caller_identity" "me" {}

# Passes root's argument one more level down, adding the own account.
module "child" {
  source     = "./child"
  principals = concat(var.principals, ["arn:aws:iam::${data.aws_caller_identity.me.account_id}:root"])
  conditions = { "aws:PrincipalOrgID" = var.org_id }
}

output "key_arn" { value = module.child.key_arn }
