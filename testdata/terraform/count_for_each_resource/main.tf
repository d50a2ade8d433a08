variable "accounts" {
  type    = list(string)
  default = ["444455556666", "111111111111"]
}

resource "aws_kms_key" "counted" {
  count       = length(var.accounts)
  description = "counted-${count.index}"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "Acct${count.index}"
      Effect    = "Allow"
      Principal = { AWS = "arn:aws:iam::${var.accounts[count.index]}:root" }
      Action    = "kms:*"
      Resource  = "*"
    }]
  })
}

resource "aws_kms_key" "by_map" {
  for_each    = { logs = "*", data = "arn:aws:iam::444455556666:role/data" }
  description = each.key
  policy = jsonencode({
    Statement = [{
      Sid       = "Use${each.key}"
      Principal = { AWS = each.value }
      Effect    = "Allow"
      Action    = ["kms:Encrypt", "kms:Decrypt"]
      Resource  = "*"
      Condition = { StringEquals = { "kms:EncryptionContext:purpose" = each.key } }
    }]
    Version = "2012-10-17"
  })
}

resource "aws_kms_key" "by_set" {
  for_each    = toset(["zeta", "alpha", "444455556666"])
  description = each.key
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Sid = "S", Effect = "Allow", Principal = { AWS = each.value }, Action = "kms:*", Resource = "*" }]
  })
}

resource "aws_kms_key_policy" "p" {
  for_each = aws_kms_key.by_map
  key_id   = each.value.key_id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "Admin${each.key}"
      Effect    = "Allow"
      Principal = { AWS = "arn:aws:iam::444455556666:role/${each.value.description}" }
      Action    = "kms:*"
      Resource  = "*"
    }]
  })
}
