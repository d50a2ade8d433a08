locals {
  raw_policy = <<-EOT
    {"Version": "2012-10-17",
     "Statement": [{"Sid": "Raw", "Effect": "Allow", "Resource": "*",
                    "Principal": {"AWS": ["arn:aws:iam::444455556666:root"]},
                    "Action": "kms:Decrypt", "Condition": {"NumericEquals": {"x": 1.50,
                      "big": 12345678901234567890, "exp": 1e21, "neg0": -0},
                      "StringEquals": {"html": "<&>", "u": "\u00e9"}}}]}
  EOT
  r = {
    jsonencode_obj     = jsonencode({ z = 1, a = [1, 2], m = { b = true, a = null }, B = "x" })
    jsonencode_num     = jsonencode([1, 1.0, 1.5, 1e3, 1e21, 0.1 + 0.2, 444455556666, 1 / 3, -0, 12345678901234567890])
    jsonencode_html    = jsonencode("a<b>&c'\"")
    jsonencode_unicode = jsonencode("ключ é \u2028")
    jsonencode_set     = jsonencode(toset(["b", "a"]))
    jsondecode         = jsondecode("{\"b\":1,\"a\":[\"x\"],\"n\":1.50}")
    roundtrip          = jsonencode(jsondecode(local.raw_policy))
    yamldecode         = yamldecode(file("${path.module}/policy.yaml"))
    base64encode       = base64encode("arn:aws:iam::444455556666:root")
    base64decode       = base64decode("YXJuOmF3czppYW06OjQ0NDQ1NTU1NjY2Njpyb290")
  }
}

resource "aws_kms_key" "raw" { # heredoc policy as-is
  policy = local.raw_policy
}

resource "aws_kms_key" "yaml" { # YAML -> object -> JSON
  policy = jsonencode(local.r.yamldecode)
}

resource "aws_kms_key" "fn" {
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "Encoding"
      Effect    = "Allow"
      Principal = { AWS = base64decode(local.r.base64encode) }
      Action    = "kms:Decrypt"
      Resource  = "*"
      Condition = { StringEquals = { for k, v in local.r : "fn:${k}" => v if k != "yamldecode" } }
    }]
  })
}

output "r" { value = local.r }
