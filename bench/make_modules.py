#!/usr/bin/env python3
"""Synthetic Terraform corpus with module calls, for bench/run.sh-style timing of module-instance
evaluation: N root modules, each calling a shared local key module twice (count and for_each
instances, arguments built with `for`) and the registry module terraform-aws-modules/kms/aws
(evaluated from kmslint's bundled source), plus noise resources.

Usage: make_modules.py OUT_DIR -n 1000
"""
import argparse, os

KEY_MODULE = '''variable "name" { type = string }
variable "readers" {
  type    = list(string)
  default = []
}
data "aws_caller_identity" "current" {}
data "aws_iam_policy_document" "this" {
  statement {
    sid       = "Owner"
    actions   = ["kms:*"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::${data.aws_caller_identity.current.account_id}:root"]
    }
  }
  dynamic "statement" {
    for_each = var.readers
    content {
      sid       = "Read${statement.key}"
      actions   = ["kms:Decrypt"]
      resources = ["*"]
      principals {
        type        = "AWS"
        identifiers = [statement.value]
      }
    }
  }
}
resource "aws_kms_key" "this" {
  description = var.name
  policy      = data.aws_iam_policy_document.this.json
}
'''

NOISE = '''resource "aws_s3_bucket" "b%d" {
  bucket = "bucket-%d"
  tags   = { Team = "data", Index = "%d" }
}
'''

def root(i):
    accts = ", ".join('"%012d"' % (444455550000 + (i * 7 + k) % 9999) for k in range(3))
    public = '"*"' if i % 10 == 0 else '"arn:aws:iam::111122223333:role/app"'
    s = '''locals {
  accounts = [%s]
}
module "keys" {
  source  = "../modules/key"
  count   = 2
  name    = "key-%d-${count.index}"
  readers = [for a in local.accounts : "arn:aws:iam::${a}:role/reader"]
}
module "by_team" {
  source   = "../modules/key"
  for_each = { logs = %s, data = "arn:aws:iam::111122223333:role/data" }
  name     = each.key
  readers  = [each.value]
}
module "registry" {
  source    = "terraform-aws-modules/kms/aws"
  version   = "~> 4.0"
  key_users = [for a in local.accounts : "arn:aws:iam::${a}:root"]
}
''' % (accts, i, public)
    return s + "".join(NOISE % (n, n, n) for n in range(i % 5))

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("-n", type=int, default=1000)
    a = ap.parse_args()
    for b in range(0, a.n, 1000):
        d = os.path.join(a.out, "b%03d" % (b // 1000))
        os.makedirs(os.path.join(d, "modules", "key"), exist_ok=True)
        with open(os.path.join(d, "modules", "key", "main.tf"), "w") as f:
            f.write(KEY_MODULE)
        for i in range(b, min(b + 1000, a.n)):
            rd = os.path.join(d, "r%06d" % i)
            os.makedirs(rd, exist_ok=True)
            with open(os.path.join(rd, "main.tf"), "w") as f:
                f.write(root(i))

if __name__ == "__main__":
    main()
