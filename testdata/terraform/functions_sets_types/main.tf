locals {
  r = {
    toset_str        = toset(["b", "a", "c", "a", "B", "10", "9"])
    toset_num        = toset([10, 9, 1, 100, 1.5])
    toset_mixed      = toset(["b", 1, true])
    tolist_set       = tolist(toset(["b", "a"]))
    tomap            = tomap({ a = 1, b = "x", c = true })
    tostring_num     = tostring(5)
    tostring_float   = tostring(1.50)
    tostring_bool    = tostring(true)
    tostring_big     = tostring(444455556666)
    tostring_div     = tostring(1 / 3)
    tostring_sum     = tostring(0.1 + 0.2)
    tostring_exp     = tostring(1e3)
    setunion         = setunion(["b", "a"], ["c", "a"])
    setintersection  = setintersection(["b", "a", "c"], ["c", "b", "z"])
    setsubtract      = setsubtract(["b", "a", "c"], ["a"])
    interp_number    = "acct-${444455556666}-${1.0}-${2.50}"
  }
}

resource "aws_kms_key" "fn" {
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "Sets"
      Effect    = "Allow"
      Principal = { AWS = toset(["arn:aws:iam::444455556666:root", "*", "arn:aws:iam::111111111111:root"]) }
      Action    = setunion(["kms:Encrypt"], ["kms:Decrypt"])
      Resource  = "*"
      Condition = { StringEquals = { for k, v in local.r : "fn:${k}" => v } }
    }]
  })
}

# iteration order of for_each over a set
resource "aws_kms_key" "each" {
  for_each = toset(["b", "a", "B", "10", "9"])
  policy   = jsonencode({ Version = "2012-10-17", Statement = [{ Sid = "S", Effect = "Allow", Action = "kms:*", Resource = "*", Principal = { AWS = "arn:aws:iam::444455556666:role/${each.key}" } }] })
}

output "r" { value = local.r }
output "each_keys" { value = keys(aws_kms_key.each) }
