# The template file is missing: a KMS000 says so, and the policy it would hold is not said
# again as unknown.
resource "aws_kms_key" "logs" {
  description = "logs"
  policy      = templatefile("${path.module}/policies/log-key.tpl", { account = "111122223333" })
}
