locals {
  l = ["a", "b", "c"]
  r = {
    element_wrap  = element(local.l, 4)
    element_neg   = try(element(local.l, -1), "ERROR")
    index         = index(local.l, "c")
    lookup        = lookup({ a = "1" }, "a", "d")
    lookup_miss   = lookup({ a = "1" }, "z", "default")
    concat        = concat(["a"], ["b", "a"])
    flatten       = flatten([["a", ["b"]], [], "c"])
    distinct      = distinct(["b", "a", "b", "c", "a"])
    compact       = compact(["a", "", null, "b"])
    merge         = merge({ a = "1", b = "2" }, { b = "3", c = "4" })
    merge_deep    = merge({ m = { x = "1", y = "2" } }, { m = { y = "3" } })
    keys          = keys({ zeta = 1, alpha = 2, Beta = 3, "10" = 4, "9" = 5 })
    values        = values({ zeta = "z", alpha = "a", Beta = "B" })
    zipmap        = zipmap(["k2", "k1"], ["v2", "v1"])
    zipmap_dup    = zipmap(["k", "k"], ["first", "second"])
    contains      = contains(local.l, "b")
    length_str    = length("ключ")
    length_list   = length(local.l)
    one           = one(["x"])
    one_empty     = one([])
    sort          = sort(["b", "a", "B", "10", "9", "1", "_", "*"])
    sort_numbers  = sort([10, 9, 1])
    slice         = slice(local.l, 1, 3)
    reverse       = reverse(local.l)
  }
}

resource "aws_kms_key" "fn" {
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "Collections"
      Effect    = "Allow"
      Principal = { AWS = [for a in distinct(["444455556666", "111111111111", "444455556666"]) : "arn:aws:iam::${a}:root"] }
      Action    = reverse(sort(["kms:Encrypt", "kms:Decrypt"]))
      Resource  = "*"
      Condition = { StringEquals = { for k, v in local.r : "fn:${k}" => v } }
    }]
  })
}

output "r" { value = local.r }
