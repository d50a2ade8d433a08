variable "partner_principals" {
  type    = list(string)
  default = ["arn:aws:iam::111122223333:role/Reader"]
}
