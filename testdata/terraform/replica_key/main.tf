data "aws_caller_identity" "current" {}

resource "aws_kms_replica_key" "this" {
  primary_key_arn = "arn:aws:kms:us-east-1:111122223333:key/mrk-1234abcd"
  policy = <<-POLICY
    {
      "Version": "2012-10-17",
      "Statement": [{
        "Sid": "Partner",
        "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::444455556666:root"},
        "Action": "kms:Decrypt",
        "Resource": "*"
      }]
    }
  POLICY
}
