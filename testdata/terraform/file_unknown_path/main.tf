# A policy read from a file whose path is not known statically: as unknown as the path itself
# (KMS005), never silent (nothing was reported for these keys, exit 0, whatever the file held).
variable "policy_file" {
  type = string
}

resource "aws_kms_key" "direct" {
  policy = file(var.policy_file)
}

resource "aws_kms_key" "in_module_dir" {
  policy = file("${path.module}/${var.policy_file}")
}

resource "aws_kms_key" "template" {
  policy = templatefile(var.policy_file, { account = "111111111111" })
}

resource "aws_kms_key" "decoded" {
  policy = jsonencode(jsondecode(file(var.policy_file)))
}
