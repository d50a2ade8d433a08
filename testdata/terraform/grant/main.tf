resource "aws_kms_key" "this" {}

resource "aws_kms_grant" "partner" {
  name              = "partner-decrypt"
  key_id            = aws_kms_key.this.key_id
  grantee_principal = "arn:aws:iam::444455556666:role/Decrypter"
  operations        = ["Decrypt", "DescribeKey"]
}
