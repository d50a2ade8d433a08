# Cloud Control resources need the CloudFormation registry to plan, so they are not in the
# recorded plan; the rendered KeyPolicy is the desired_state's KeyPolicy as written.
resource "aws_cloudcontrolapi_resource" "key" {
  type_name = "AWS::KMS::Key"
  desired_state = jsonencode({
    KeyPolicy = {
      Version   = "2012-10-17"
      Statement = [{ Sid = "Public", Effect = "Allow", Principal = "*", Action = ["kms:Decrypt"], Resource = "*" }]
    }
  })
}

resource "aws_cloudcontrolapi_resource" "bucket" {
  type_name     = "AWS::S3::Bucket"
  desired_state = jsonencode({ BucketName = "not-a-key", Tags = [{ Key = "AWS::KMS::Key", Value = "no" }] })
}

resource "awscc_kms_key" "cc" {
  key_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Sid = "Own", Effect = "Allow", Principal = { AWS = "arn:aws:iam::111111111111:root" }, Action = "kms:*", Resource = "*" }, { Sid = "Open", Effect = "Allow", Principal = { AWS = "*" }, Action = "kms:Encrypt", Resource = "*" }]
  })
}
