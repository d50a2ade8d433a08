resource "aws_kms_key" "this" {
  policy = file("${path.module}/policy.json")
}
