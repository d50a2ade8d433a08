data "aws_caller_identity" "mgmt" {}
module "logarch_key" {
  source    = "./modules/key"
  providers = { aws = aws.logarch }
  admin     = "arn:aws:iam::${data.aws_caller_identity.mgmt.account_id}:root"
}
