data "aws_caller_identity" "current" {}

resource "aws_kms_key" "this" {
  policy = templatefile("${path.module}/policy.json.tpl", {
    account = data.aws_caller_identity.current.account_id
    partner = "444455556666"
  })
}
