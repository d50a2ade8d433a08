locals {
  accounts = ["444455556666", "111111111111", "777788889999"]
}

resource "aws_kms_key" "tpl_for_if" {
  policy = templatefile("${path.module}/policy.json.tftpl", {
    accounts = local.accounts, restrict_org = true, org = "o-abc123"
  })
}

resource "aws_kms_key" "tpl_no_if" {
  policy = templatefile("${path.module}/policy.json.tftpl", {
    accounts = ["*"], restrict_org = false, org = null
  })
}

resource "aws_kms_key" "tpl_jsonencode" {
  policy = templatefile("${path.module}/statements.tftpl", {
    roles = { zed = "arn:aws:iam::444455556666:role/zed", abe = "*" }
  })
}

resource "aws_kms_key" "inline_directives" {
  policy = <<-EOT
    {"Version": "2012-10-17", "Statement": [
    %{~ for i, a in local.accounts ~}
      {"Sid": "I${i}", "Effect": "Allow", "Action": "kms:*", "Resource": "*",
       "Principal": {"AWS": "${a}"}}${i < length(local.accounts) - 1 ? "," : ""}
    %{~ endfor ~}
    ]}
  EOT
}

output "tpl_for_if_raw" {
  value = templatefile("${path.module}/policy.json.tftpl", { accounts = local.accounts, restrict_org = true, org = "o-abc123" })
}
output "inline_raw" { value = aws_kms_key.inline_directives.policy }
