terraform {
  required_providers {
    aws = { source = "hashicorp/aws", configuration_aliases = [aws.dst] }
  }
}

variable "admin" { type = string }

module "inner" {
  source    = "../key"
  providers = { aws = aws, aws.dst = aws.dst }
  admin     = var.admin
}
