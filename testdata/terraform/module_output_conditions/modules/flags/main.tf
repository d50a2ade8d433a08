variable "public" { type = bool }
output "public" { value = var.public }
