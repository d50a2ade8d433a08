variable "account" {
  type = string
}
variable "peer" {
  type = string
}
output "root_arn" {
  value = "arn:aws:iam::${var.account}:root"
}
output "peer" {
  value = var.peer
}
