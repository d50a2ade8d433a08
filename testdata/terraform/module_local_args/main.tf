# Root passes key_users = ["*"]; child default is [].
module "open" {
  source    = "./modules/kms"
  key_users = ["*"]
}

# Same child with a foreign account and the child's default for key_users.
module "closed" {
  source        = "./modules/kms"
  admin_account = "444455556666"
}
