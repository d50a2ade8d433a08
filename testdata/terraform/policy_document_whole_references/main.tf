variable "pubs" {
  type    = map(string)
  default = { a = "*" }
}
data "aws_iam_policy_document" "fe" {
  for_each = var.pubs
  statement {
    sid       = "FE${each.key}"
    actions   = ["kms:Decrypt"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = [each.value]
    }
  }
}
data "aws_iam_policy_document" "one" {
  count = 1
  statement {
    sid       = "One"
    actions   = ["kms:Decrypt"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["*"]
    }
  }
}
resource "aws_kms_key" "by_key" { policy = data.aws_iam_policy_document.fe["a"].json }
resource "aws_kms_key" "by_values" { policy = values(data.aws_iam_policy_document.fe)[0].json }
resource "aws_kms_key" "by_one" { policy = one(data.aws_iam_policy_document.one[*].json) }
resource "aws_kms_key" "by_for" { policy = [for d in data.aws_iam_policy_document.one : d.json][0] }
resource "aws_kms_key" "by_element" { policy = element(data.aws_iam_policy_document.one.*.json, 0) }
resource "aws_kms_key" "by_lookup" { policy = lookup(data.aws_iam_policy_document.fe, "a").json }
resource "aws_kms_key" "by_try" { policy = try(data.aws_iam_policy_document.one[0].json, "") }
resource "aws_kms_key" "by_coalesce" { policy = coalesce("", data.aws_iam_policy_document.one[0].json) }
resource "aws_kms_key" "by_local" { policy = local.docs.x }
locals {
  docs = { x = data.aws_iam_policy_document.one[0].json }
}
