variable "acct" {
  default = "444455556666"
}

locals {
  pct = "100%%" # a literal "%%" that reaches format() through a template
  r = {
    format_basic      = format("arn:aws:iam::%s:role/%s", var.acct, "admin")
    format_verbs      = format("key-%03d|%.2f|%t|%q|%5s|%-5s|", 7, 3.14159, true, "q", "r", "l")
    format_v          = format("%v|%v|%#v|%#v", 12.50, true, ["a", "b"], { k = "v" })
    format_tmpl       = format("arn:aws:iam::${var.acct}:%s", "root")
    format_pct_tmpl   = format("${local.pct}:%s", "x")
    formatlist        = formatlist("arn:aws:iam::%s:root", ["444455556666", "111111111111"])
    formatlist_2lists = formatlist("%s:%s", ["a", "b"], ["1", "2"])
    formatlist_scalar = formatlist("%s-%s", "x", ["1", "2"])
    join              = join(",", ["a", "b"])
    join_multi        = join("-", ["a"], ["b", "c"])
    split             = split(",", "a,,b,")
    split_empty       = split(",", "")
    replace_plain     = replace("arn:aws:iam::ACCOUNT:root", "ACCOUNT", var.acct)
    replace_regex     = replace("arn:aws:iam::123456789012:role/x", "/::\\d{12}:/", "::${var.acct}:")
    replace_capture   = replace("role/admin-prod", "/^role/(.*)-prod$/", "role/$1-dev")
    replace_escaped   = replace("ab", "/(a)/", "$${1}x")
    replace_all       = replace("a.b.c", ".", "/")
    trimspace         = trimspace("  arn:aws \n\t")
    trimprefix        = trimprefix("arn:aws:iam::x", "arn:")
    trimprefix_nomatch = trimprefix("arn:aws", "aws")
    trimsuffix        = trimsuffix("role/admin//", "/")
    trim              = trim("?!arn?!", "!?")
    lower             = lower("ARN:AWS:IAM::X:ROOT")
    upper             = upper("kms:decrypt")
    substr            = substr("444455556666", 0, 4)
    substr_neg        = substr("abcdef", -3, -1)
    substr_long       = substr("abc", 1, 100)
    chomp             = chomp("arn\n\n")
    chomp_crlf        = chomp("arn\r\n")
  }
}

resource "aws_kms_key" "fn" {
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "Strings"
      Effect    = "Allow"
      Principal = { AWS = local.r.format_basic }
      Action    = "kms:Decrypt"
      Resource  = "*"
      Condition = { StringEquals = { for k, v in local.r : "fn:${k}" => v } }
    }]
  })
}

output "r" { value = local.r }
