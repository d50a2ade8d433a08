locals {
  accounts = ["444455556666", "777788889999"]
}

# count: the call passes count.index down; the child puts it in the principal.
module "counted" {
  source  = "./modules/key"
  count   = 2
  name    = "slot${count.index}"
  account = local.accounts[count.index]
}

# for_each over a map: each.key names the key, each.value is the principal.
module "each" {
  source   = "./modules/key"
  for_each = { logs = "arn:aws:iam::444455556666:role/logs", data = "*" }
  name     = each.key
  reader   = each.value
}
