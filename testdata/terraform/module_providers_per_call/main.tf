data "aws_caller_identity" "prod" { provider = aws.prod }
# (The calls are in the other order than in the planned case: each must use its own providers
# map whatever comes before it.)
module "mgmt_key" { # default provider: account 111111111111
  source = "./modules/key"
  admin  = "arn:aws:iam::${data.aws_caller_identity.prod.account_id}:root"
}
module "prod_key" {
  source    = "./modules/key"
  providers = { aws = aws.prod }
  admin     = "arn:aws:iam::${data.aws_caller_identity.prod.account_id}:root"
}
