variable "partner_account" {
  type    = string
  default = "444455556666"
}
