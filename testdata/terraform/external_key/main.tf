data "aws_caller_identity" "current" {}

resource "aws_kms_external_key" "this" {
  key_material_base64 = var.material
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

variable "material" {
  type      = string
  sensitive = true
}
