data "aws_caller_identity" "me" {}

output "account" {
  value = data.aws_caller_identity.me.account_id
}
