data "aws_caller_identity" "current" {}

resource "aws_kms_key" "data" {}

resource "aws_kms_grant" "app" {
  name              = "app"
  key_id            = aws_kms_key.data.key_id
  grantee_principal = "arn:aws:iam::${data.aws_caller_identity.current.account_id}:role/App"
  operations        = ["Decrypt"]
}
