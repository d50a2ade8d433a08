# Module outputs used in a key policy: evaluated in the called module's instance, with the
# caller's arguments (defaults where unset), for calls with and without for_each.
module "iam" {
  source = "./iam"
  name   = "app"
}

module "multi" {
  source   = "./iam"
  for_each = toset(["a", "b"])
  name     = each.key
  extra    = "arn:aws:iam::${each.key == "a" ? "111111111111" : "444455556666"}:root"
}

resource "aws_kms_key" "k" {
  description = module.iam.name
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      { Sid = "Default", Effect = "Allow", Principal = { AWS = module.iam.extra }, Action = "kms:Decrypt", Resource = "*" },
      { Sid = "Object", Effect = "Allow", Principal = { AWS = module.iam.obj.list }, Action = "kms:Encrypt", Resource = "*" },
      { Sid = "InstanceA", Effect = "Allow", Principal = { AWS = module.multi["a"].extra }, Action = "kms:*", Resource = "*" },
      { Sid = "InstanceB", Effect = "Allow", Principal = { AWS = module.multi["b"].extra }, Action = "kms:DescribeKey", Resource = "*" }
    ]
  })
}

# Two instances that read each other's outputs: no cycle for Terraform (each output depends
# only on its own variable), so none for kmslint either.
module "left" {
  source  = "./pair"
  account = "111111111111"
  peer    = module.right.root_arn
}

module "right" {
  source  = "./pair"
  account = "555566667777"
  peer    = module.left.root_arn
}

resource "aws_kms_key" "pair" {
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      { Sid = "LeftPeer", Effect = "Allow", Principal = { AWS = module.left.peer }, Action = "kms:Decrypt", Resource = "*" }
    ]
  })
}
