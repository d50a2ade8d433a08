variable "policy" {
  type = string
}

resource "aws_kms_key" "k" {
  policy = var.policy
}
