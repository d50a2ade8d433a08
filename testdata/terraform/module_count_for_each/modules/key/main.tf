variable "name" { type = string }
variable "account" {
  type    = string
  default = "111111111111"
}
variable "reader" {
  type    = string
  default = null
}

resource "aws_kms_key" "this" {
  description = var.name
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = concat([{
      Sid       = "Owner${var.name}"
      Effect    = "Allow"
      Principal = { AWS = "arn:aws:iam::${var.account}:role/${var.name}" }
      Action    = "kms:*"
      Resource  = "*"
      }], var.reader == null ? [] : [{
      Sid       = "Read${var.name}"
      Effect    = "Allow"
      Principal = { AWS = var.reader }
      Action    = ["kms:Decrypt", "kms:DescribeKey"]
      Resource  = "*"
    }])
  })
}

# Inside the child: for_each over a set, each.key used in the principal.
resource "aws_kms_key_policy" "extra" {
  for_each = var.reader == null ? toset([]) : toset(["audit", "backup"])
  key_id   = aws_kms_key.this.key_id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "Extra${each.key}"
      Effect    = "Allow"
      Principal = { AWS = "arn:aws:iam::${var.account}:role/${each.key}" }
      Action    = "kms:DescribeKey"
      Resource  = "*"
    }]
  })
}
