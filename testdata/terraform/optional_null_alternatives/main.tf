variable "key_config" {
  type = object({
    name            = string
    admins          = optional(list(string), ["arn:aws:iam::111111111111:root"])
    users           = optional(list(string), ["*"])
    restrict_to_org = optional(bool, false)
    org_id          = optional(string)
    caller_accounts = optional(list(string))
  })
  default = {
    name = "app"
  }
}

variable "partner" {
  type = object({
    account = optional(string, "999999999999")
    role    = optional(string)
  })
  default = {}
}

locals {
  cfg = var.key_config
  user_condition = local.cfg.restrict_to_org ? {
    StringEquals = tomap({ "aws:PrincipalOrgID" = [coalesce(local.cfg.org_id, "o-a1b2c3d4e5")] })
  } : local.cfg.caller_accounts != null ? {
    StringEquals = tomap({ "kms:CallerAccount" = local.cfg.caller_accounts })
  } : null
  partner_arn = var.partner.role == null ? "arn:aws:iam::${var.partner.account}:root" : "arn:aws:iam::${var.partner.account}:role/${var.partner.role}"
}

# users default "*" and no condition (restrict_to_org false, caller_accounts null): KMS001
resource "aws_kms_key" "opt" {
  description = local.cfg.name
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      { Sid = "Admins", Effect = "Allow", Principal = { AWS = local.cfg.admins }, Action = "kms:*", Resource = "*" },
      merge(
        { Sid = "Users", Effect = "Allow", Principal = { AWS = local.cfg.users }, Action = ["kms:Decrypt", "kms:Encrypt"], Resource = "*" },
        local.user_condition == null ? {} : { Condition = local.user_condition }
      ),
    ]
  })
}

# optional(string, "999999999999") default: foreign root
resource "aws_kms_key" "partner" {
  description = "partner"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Sid = "Partner", Effect = "Allow", Principal = { AWS = local.partner_arn }, Action = "kms:Decrypt", Resource = "*" }]
  })
}
