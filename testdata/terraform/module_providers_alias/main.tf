# A module whose key uses an aliased provider the caller passes with a traversal key
# (`aws.dst = aws.prod`): the key is in aws.prod's account (222222222222), so the caller's
# own account (111111111111, the default aws) is another account there.
data "aws_caller_identity" "current" {}

module "direct" {
  source    = "./modules/key"
  providers = { aws = aws, aws.dst = aws.prod }
  admin     = "arn:aws:iam::${data.aws_caller_identity.current.account_id}:root"
}

# The same through a module in between, which passes its own aws.dst on.
module "outer" {
  source    = "./modules/outer"
  providers = { aws = aws, aws.dst = aws.prod }
  admin     = "arn:aws:iam::${data.aws_caller_identity.current.account_id}:root"
}
