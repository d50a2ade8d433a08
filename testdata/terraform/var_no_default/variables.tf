variable "partner_principal" {
  type = string
}
