# The grantee and the retiring principal of one grant: one finding, both labelled.
resource "aws_kms_key" "data" {}

resource "aws_kms_grant" "vendor" {
  name              = "vendor"
  key_id            = aws_kms_key.data.key_id
  grantee_principal = "arn:aws:iam::444455556666:role/Vendor"
  retiring_principal = "arn:aws:iam::555566667777:role/Ops"
  operations        = ["Decrypt"]
}
