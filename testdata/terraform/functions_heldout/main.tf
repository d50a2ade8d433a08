# heldout-B r1-format-indexed
resource "aws_kms_key" "format_indexed" {
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{ Sid = "Ops", Effect = "Allow", Action = ["kms:PutKeyPolicy"], Resource = "*",
      Principal = { AWS = format("arn:aws:iam::%[2]s:role/%[1]s", "ops", "999999999999") } }]
  })
}

# heldout-B r2-yamldecode-file
resource "aws_kms_key" "yamldecode_file" {
  policy = jsonencode(yamldecode(file("${path.module}/policy.yaml")))
}

# heldout-B r3-yaml-quoted-version
resource "aws_kms_key" "yaml_quoted_version" {
  policy = jsonencode(yamldecode(<<-EOT
    Version: "2012-10-17"
    Statement:
      - Sid: Own
        Effect: Allow
        Principal: { AWS: "arn:aws:iam::111111111111:root" }
        Action: "kms:*"
        Resource: "*"
  EOT
  ))
}

# heldout-B r4-strcontains-filter
variable "principals_strcontains_filter" {
  default = ["arn:aws:iam::111111111111:role/app", "*"]
}
resource "aws_kms_key" "strcontains_filter" {
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{ Sid = "Roles", Effect = "Allow", Action = "kms:Decrypt", Resource = "*",
      Principal = { AWS = [for p in var.principals_strcontains_filter : p if strcontains(p, ":role/")] } }]
  })
}

# heldout-B r5-cidrsubnet
resource "aws_kms_key" "cidrsubnet" {
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{ Sid = "Vpc", Effect = "Allow", Principal = "*", Action = "kms:Decrypt", Resource = "*",
      Condition = { IpAddress = { "aws:SourceIp" = cidrsubnet("10.20.0.0/16", 8, 3) } } }]
  })
}
