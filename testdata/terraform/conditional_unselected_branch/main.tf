variable "org_id" {
  type    = string
  default = ""
}
variable "partner_accounts" {
  type    = list(string)
  default = ["222222222222"]
}
locals {
  base = [
    { Sid = "Root", Effect = "Allow", Principal = { AWS = "arn:aws:iam::111111111111:root" }, Action = "kms:*", Resource = "*" },
  ]
  partners = [for i, a in var.partner_accounts : {
    Sid = "Partner${i}", Effect = "Allow", Principal = { AWS = "arn:aws:iam::${a}:root" }, Action = ["kms:Decrypt"], Resource = "*"
  }]
  org_condition = var.org_id != "" ? { Condition = { StringEquals = { "aws:PrincipalOrgID" = var.org_id } } } : {}
  org_stmt = [merge({ Sid = "OrgRead", Effect = "Allow", Principal = { AWS = "*" }, Action = ["kms:Decrypt", "kms:DescribeKey"], Resource = "*" }, local.org_condition)]
  statements = concat(local.base, local.partners, local.org_stmt)
}
resource "aws_kms_key" "shared" {
  policy = jsonencode({ Version = "2012-10-17", Statement = local.statements })
}
