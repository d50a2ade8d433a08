variable "obj" {
  type    = any
  default = { present = "arn:aws:iam::444455556666:root" }
}

variable "typed_null" {
  type    = list(string)
  default = null
}

locals {
  m = { a = "1" }
  r = {
    try_attr        = try(var.obj.missing, "fallback-attr")
    try_present     = try(var.obj.present, "fallback")
    try_index       = try(local.m["nokey"], "fallback-index")
    try_tonumber    = try(tonumber("x"), -1)
    try_first_ok    = try(var.obj.nope, local.m.a, "third")
    can_true        = can(regex("^\\d{12}$", "444455556666"))
    can_false       = can(regex("^\\d{12}$", "nope"))
    coalesce        = coalesce("", null, "x")
    coalesce_null   = coalesce(null, "y")
    coalesce_mixed  = coalesce(1, "a")
    coalesce_allbad = try(coalesce("", ""), "ERROR")
    coalescelist    = coalescelist([], ["a"])
    coalescelist_nl = try(coalescelist(null, ["b"]), "ERROR")
    coalescelist_tn = coalescelist(var.typed_null, ["c"])
    tonumber_str    = tonumber("012")
  }
}

resource "aws_kms_key" "fn" {
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "Try"
      Effect    = "Allow"
      Principal = { AWS = try(var.obj.principal, var.obj.present, "*") }
      Action    = "kms:Decrypt"
      Resource  = "*"
      Condition = { StringEquals = { for k, v in local.r : "fn:${k}" => v } }
    }]
  })
}

output "r" { value = local.r }
