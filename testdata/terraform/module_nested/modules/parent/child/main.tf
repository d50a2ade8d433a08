variable "principals" { type = list(string) }
variable "conditions" {
  type    = map(string)
  default = {}
}

data "aws_iam_policy_document" "this" {
  statement {
    sid       = "UseFromOrg"
    actions   = ["kms:Decrypt", "kms:Encrypt"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = var.principals
    }
    dynamic "condition" {
      for_each = var.conditions
      content {
        test     = "StringEquals"
        variable = condition.key
        values   = [condition.value]
      }
    }
  }
}

resource "aws_kms_key" "this" {
  description = "grandchild"
  policy      = data.aws_iam_policy_document.this.json
}

output "key_arn" { value = aws_kms_key.this.arn }
