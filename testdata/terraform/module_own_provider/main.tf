# The caller's account (its default provider states 111111111111) passed to a module whose key
# uses a provider block of the module's own, assuming a role in 333333333333: the key grants
# another account (it was KMS005, "relative to the provider the caller passes"). No plan here:
# the module's provider would call STS at plan time.
provider "aws" {
  allowed_account_ids = ["111111111111"]
}

module "ident" {
  source = "./modules/ident"
}

module "first" {
  source = "./modules/key"
  admin  = "arn:aws:iam::${module.ident.account}:root"
}

data "aws_caller_identity" "current" {}

module "second" {
  source = "./modules/key"
  admin  = "arn:aws:iam::${data.aws_caller_identity.current.account_id}:root"
}
