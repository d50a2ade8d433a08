data "aws_caller_identity" "current" {}

variable "public" {
  type    = bool
  default = false
}

variable "environment" {
  type = string
}

locals {
  closed = {
    Sid       = "Root"
    Effect    = "Allow"
    Principal = { AWS = "arn:aws:iam::${data.aws_caller_identity.current.account_id}:root" }
    Action    = "kms:*"
    Resource  = "*"
  }
  open = {
    Sid       = "Open"
    Effect    = "Allow"
    Principal = { AWS = "*" }
    Action    = "kms:Decrypt"
    Resource  = "*"
  }
}

resource "aws_kms_key" "this" {
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [var.environment == "dev" ? local.open : local.closed]
  })
}

resource "aws_kms_key" "known" {
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [var.public ? local.open : local.closed]
  })
}

# A condition on a constant is decided: only its branch is deployed.
locals {
  env = "prod"
}

resource "aws_kms_key" "constant" {
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [local.env == "dev" ? local.open : local.closed]
  })
}
