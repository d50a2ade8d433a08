variable "users" {
  type    = list(string)
  default = []
}
variable "name" {
  type = string
}

data "aws_iam_policy_document" "this" {
  statement {
    sid       = "Users"
    actions   = ["kms:Decrypt", "kms:Encrypt"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = var.users
    }
  }
}

resource "aws_kms_key" "this" {
  description = var.name
  policy      = data.aws_iam_policy_document.this.json
}
