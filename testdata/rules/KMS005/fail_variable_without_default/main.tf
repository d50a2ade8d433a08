variable "reader_arn" {
  type = string
}

resource "aws_kms_key" "data" {
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "Reader"
      Effect    = "Allow"
      Principal = { AWS = var.reader_arn }
      Action    = "kms:Decrypt"
      Resource  = "*"
    }]
  })
}
