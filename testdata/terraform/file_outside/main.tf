resource "aws_kms_key" "this" {
  policy = file("../../outside.json")
}
