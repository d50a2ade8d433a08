locals {
  a = local.b
  b = local.a
}
resource "aws_kms_key" "k" {
  policy = local.a
}
