variable "name" {
  type = string
}
variable "extra" {
  type    = string
  default = "arn:aws:iam::999988887777:root"
}
output "name" {
  value = var.name
}
output "extra" {
  value = var.extra
}
output "obj" {
  value = { arn = var.extra, list = [var.extra, "arn:aws:iam::111111111111:root"] }
}
