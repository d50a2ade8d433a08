# A key created through Cloud Control whose desired state a variable chooses (no plan here: the
# provider reads the type schema from CloudFormation at plan time). The default
# renders the safe state, but a caller, a tfvars file or -var can choose the open one, which is
# checked too (the choice was read as a state without a KeyPolicy: the default policy, exit 0).
variable "open" {
  type    = bool
  default = false
}

resource "aws_cloudcontrolapi_resource" "texts" {
  type_name = "AWS::KMS::Key"
  desired_state = var.open ? jsonencode({
    KeyPolicy = { Version = "2012-10-17", Statement = [{ Sid = "Open", Effect = "Allow", Principal = { AWS = "*" }, Action = "kms:*", Resource = "*" }] }
    }) : jsonencode({
    KeyPolicy = { Version = "2012-10-17", Statement = [{ Sid = "Own", Effect = "Allow", Principal = { AWS = "arn:aws:iam::111111111111:root" }, Action = "kms:*", Resource = "*" }] }
  })
}

# One alternative sets no KeyPolicy (the default key policy); the other is checked.
resource "aws_cloudcontrolapi_resource" "or_default" {
  type_name = "AWS::KMS::Key"
  desired_state = var.open ? jsonencode({
    KeyPolicy = { Version = "2012-10-17", Statement = [{ Sid = "Open", Effect = "Allow", Principal = { AWS = "*" }, Action = "kms:*", Resource = "*" }] }
  }) : jsonencode({ Description = "no policy: the default key policy" })
}
