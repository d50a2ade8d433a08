# Keys created through another resource: a CloudFormation stack's template_body (JSON built
# with jsonencode, YAML in a heredoc, with parameters) and the Cloud Control API.
variable "reader_account" {
  type    = string
  default = "444455556666"
}

resource "aws_cloudformation_stack" "json" {
  name = "json-keys"
  template_body = jsonencode({
    Resources = {
      Key = {
        Type = "AWS::KMS::Key"
        Properties = { KeyPolicy = { Version = "2012-10-17", Statement = [
          { Sid = "Open", Effect = "Allow", Principal = "*", Action = "kms:Decrypt", Resource = "*" },
          { Sid = "Reader", Effect = "Allow", Principal = { AWS = "arn:aws:iam::${var.reader_account}:root" }, Action = "kms:Decrypt", Resource = "*" }
        ] } }
      }
    }
  })
}

resource "aws_cloudformation_stack" "yaml" {
  name       = "yaml-keys"
  parameters = { Reader = var.reader_account }
  template_body = <<-YAML
    Parameters:
      Reader:
        Type: String
    Resources:
      Key:
        Type: AWS::KMS::Key
        Properties:
          KeyPolicy:
            Version: "2012-10-17"
            Statement:
              - Sid: Reader
                Effect: Allow
                Principal: { AWS: !Sub "arn:aws:iam::$${Reader}:root" }
                Action: kms:Decrypt
                Resource: "*"
  YAML
}
