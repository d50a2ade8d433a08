locals {
  tpl = "$${a}"
}

resource "aws_kms_key" "strcontains" {
  description = "strcontains"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Sid = "P", Effect = "Allow", Principal = { AWS = "arn:aws:iam::${strcontains("a999999999999", "999") ? "999999999999" : "111111111111"}:root" }, Action = "kms:Decrypt", Resource = "*" }]
  })
}

resource "aws_kms_key" "regex" {
  description = "regex"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Sid = "P", Effect = "Allow", Principal = { AWS = "arn:aws:iam::${regex("[0-9]{12}", "acct=999999999999;")}:root" }, Action = "kms:Decrypt", Resource = "*" }]
  })
}

resource "aws_kms_key" "regex_named" {
  description = "regex_named"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Sid = "P", Effect = "Allow", Principal = { AWS = "arn:aws:iam::${regex("(?P<acct>\\d{12})", "x999999999999x").acct}:root" }, Action = "kms:Decrypt", Resource = "*" }]
  })
}

resource "aws_kms_key" "regexall" {
  description = "regexall"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Sid = "P", Effect = "Allow", Principal = { AWS = "arn:aws:iam::${regexall("[0-9]{12}", "999999999999")[0]}:root" }, Action = "kms:Decrypt", Resource = "*" }]
  })
}

resource "aws_kms_key" "abs" {
  description = "abs"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Sid = "P", Effect = "Allow", Principal = { AWS = "arn:aws:iam::${abs(-999999999999)}:root" }, Action = "kms:Decrypt", Resource = "*" }]
  })
}

resource "aws_kms_key" "nonsensitive" {
  description = "nonsensitive"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Sid = "P", Effect = "Allow", Principal = { AWS = "arn:aws:iam::${nonsensitive(sensitive("999999999999"))}:root" }, Action = "kms:Decrypt", Resource = "*" }]
  })
}

resource "aws_kms_key" "format_indexed" {
  description = "format_indexed"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Sid = "P", Effect = "Allow", Principal = { AWS = "arn:aws:iam::${format("%[2]s%[1]s", "999999", "999999")}:root" }, Action = "kms:Decrypt", Resource = "*" }]
  })
}

resource "aws_kms_key" "csvdecode" {
  description = "csvdecode"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Sid = "P", Effect = "Allow", Principal = { AWS = "arn:aws:iam::${csvdecode("name,acct\nvendor,999999999999")[0].acct}:root" }, Action = "kms:Decrypt", Resource = "*" }]
  })
}

resource "aws_kms_key" "chunklist" {
  description = "chunklist"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Sid = "P", Effect = "Allow", Principal = { AWS = "arn:aws:iam::${chunklist(["999999999999", "111111111111"], 1)[0][0]}:root" }, Action = "kms:Decrypt", Resource = "*" }]
  })
}

resource "aws_kms_key" "setproduct" {
  description = "setproduct"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Sid = "P", Effect = "Allow", Principal = { AWS = "arn:aws:iam::${setproduct(["999999"], ["999999"])[0][0]}:root" }, Action = "kms:Decrypt", Resource = "*" }]
  })
}

resource "aws_kms_key" "matchkeys" {
  description = "matchkeys"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Sid = "P", Effect = "Allow", Principal = { AWS = "arn:aws:iam::${matchkeys(["111111111111", "999999999999"], ["own", "vendor"], ["vendor"])[0]}:root" }, Action = "kms:Decrypt", Resource = "*" }]
  })
}

resource "aws_kms_key" "transpose" {
  description = "transpose"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Sid = "P", Effect = "Allow", Principal = { AWS = "arn:aws:iam::${keys(transpose({ a = ["999999999999"] }))[0]}:root" }, Action = "kms:Decrypt", Resource = "*" }]
  })
}

resource "aws_kms_key" "strrev" {
  description = "strrev"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Sid = "P", Effect = "Allow", Principal = { AWS = "arn:aws:iam::${strrev("999999999999")}:root" }, Action = "kms:Decrypt", Resource = "*" }]
  })
}

resource "aws_kms_key" "parseint" {
  description = "parseint"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Sid = "P", Effect = "Allow", Principal = { AWS = "arn:aws:iam::${parseint("999999999999", 10)}:root" }, Action = "kms:Decrypt", Resource = "*" }]
  })
}

resource "aws_kms_key" "tonumber" {
  description = "tonumber"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Sid = "P", Effect = "Allow", Principal = { AWS = "arn:aws:iam::${tonumber("999999999999")}:root" }, Action = "kms:Decrypt", Resource = "*" }]
  })
}

resource "aws_kms_key" "floor" {
  description = "floor"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Sid = "P", Effect = "Allow", Principal = { AWS = "arn:aws:iam::${floor(999999999999.7)}:root" }, Action = "kms:Decrypt", Resource = "*" }]
  })
}

resource "aws_kms_key" "ceil" {
  description = "ceil"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Sid = "P", Effect = "Allow", Principal = { AWS = "arn:aws:iam::${ceil(999999999998.2)}:root" }, Action = "kms:Decrypt", Resource = "*" }]
  })
}

resource "aws_kms_key" "sum" {
  description = "sum"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Sid = "P", Effect = "Allow", Principal = { AWS = "arn:aws:iam::${sum([999999999998, 1])}:root" }, Action = "kms:Decrypt", Resource = "*" }]
  })
}

resource "aws_kms_key" "pow" {
  description = "pow"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Sid = "P", Effect = "Allow", Principal = { AWS = "arn:aws:iam::${pow(10, 12) - 1 - 1 + 1 + 0 * 0 - 0 + 0 * 1}:root" }, Action = "kms:Decrypt", Resource = "*" }]
  })
}

resource "aws_kms_key" "max" {
  description = "max"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Sid = "P", Effect = "Allow", Principal = { AWS = "arn:aws:iam::${max(111111111111, 999999999999)}:root" }, Action = "kms:Decrypt", Resource = "*" }]
  })
}

resource "aws_kms_key" "min" {
  description = "min"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Sid = "P", Effect = "Allow", Principal = { AWS = "arn:aws:iam::${min(999999999999, 1000000000000)}:root" }, Action = "kms:Decrypt", Resource = "*" }]
  })
}

resource "aws_kms_key" "signum" {
  description = "signum"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Sid = "P", Effect = "Allow", Principal = { AWS = "arn:aws:iam::${signum(-5) * -999999999999}:root" }, Action = "kms:Decrypt", Resource = "*" }]
  })
}

resource "aws_kms_key" "textdecodebase64" {
  description = "textdecodebase64"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Sid = "P", Effect = "Allow", Principal = { AWS = "arn:aws:iam::${textdecodebase64("OTk5OTk5OTk5OTk5", "UTF-8")}:root" }, Action = "kms:Decrypt", Resource = "*" }]
  })
}

resource "aws_kms_key" "templatestring" {
  description = "templatestring"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Sid = "P", Effect = "Allow", Principal = { AWS = "arn:aws:iam::${templatestring(local.tpl, { a = "999999999999" })}:root" }, Action = "kms:Decrypt", Resource = "*" }]
  })
}

resource "aws_kms_key" "issensitive" {
  description = "issensitive"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Sid = "P", Effect = "Allow", Principal = { AWS = "arn:aws:iam::${issensitive("x") ? "111111111111" : "999999999999"}:root" }, Action = "kms:Decrypt", Resource = "*" }]
  })
}

resource "aws_kms_key" "title" {
  description = "title"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Sid = "P", Effect = "Allow", Principal = { AWS = "arn:aws:iam::${title("999999999999")}:root" }, Action = "kms:Decrypt", Resource = "*" }]
  })
}

resource "aws_kms_key" "indent" {
  description = "indent"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Sid = "P", Effect = "Allow", Principal = { AWS = "arn:aws:iam::${trimspace(indent(2, "999999999999"))}:root" }, Action = "kms:Decrypt", Resource = "*" }]
  })
}

resource "aws_kms_key" "trim" {
  description = "trim"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Sid = "P", Effect = "Allow", Principal = { AWS = "arn:aws:iam::${trim("xx999999999999xx", "x")}:root" }, Action = "kms:Decrypt", Resource = "*" }]
  })
}

resource "aws_kms_key" "contains" {
  description = "contains"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Sid = "P", Effect = "Allow", Principal = { AWS = "arn:aws:iam::${contains(["a", "b"], "b") ? "999999999999" : "111111111111"}:root" }, Action = "kms:Decrypt", Resource = "*" }]
  })
}

resource "aws_kms_key" "fileexists" {
  description = "fileexists"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Sid = "P", Effect = "Allow", Principal = { AWS = "arn:aws:iam::${fileexists("${path.module}/marker-999999999999.txt") ? "999999999999" : "111111111111"}:root" }, Action = "kms:Decrypt", Resource = "*" }]
  })
}

resource "aws_kms_key" "fileset" {
  description = "fileset"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Sid = "P", Effect = "Allow", Principal = { AWS = "arn:aws:iam::${regex("[0-9]{12}", tolist(fileset(path.module, "marker-*.txt"))[0])}:root" }, Action = "kms:Decrypt", Resource = "*" }]
  })
}

resource "aws_kms_key" "basename" {
  description = "basename"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Sid = "P", Effect = "Allow", Principal = { AWS = "arn:aws:iam::${trimsuffix(trimprefix(basename("/x/marker-999999999999.txt"), "marker-"), ".txt")}:root" }, Action = "kms:Decrypt", Resource = "*" }]
  })
}

resource "aws_kms_key" "endswith" {
  description = "endswith"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Sid = "P", Effect = "Allow", Principal = { AWS = "arn:aws:iam::${endswith("abc", "c") ? "999999999999" : "111111111111"}:root" }, Action = "kms:Decrypt", Resource = "*" }]
  })
}

resource "aws_kms_key" "alltrue" {
  description = "alltrue"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Sid = "P", Effect = "Allow", Principal = { AWS = "arn:aws:iam::${alltrue([true, true]) ? "999999999999" : "111111111111"}:root" }, Action = "kms:Decrypt", Resource = "*" }]
  })
}

resource "aws_kms_key" "length_str" {
  description = "length_str"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Sid = "P", Effect = "Allow", Principal = { AWS = "arn:aws:iam::${length("abc") == 3 ? "999999999999" : "111111111111"}:root" }, Action = "kms:Decrypt", Resource = "*" }]
  })
}

resource "aws_kms_key" "coalesce_num" {
  description = "coalesce_num"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Sid = "P", Effect = "Allow", Principal = { AWS = "arn:aws:iam::${coalesce(null, 999999999999)}:root" }, Action = "kms:Decrypt", Resource = "*" }]
  })
}

resource "aws_kms_key" "tobool" {
  description = "tobool"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Sid = "P", Effect = "Allow", Principal = { AWS = "arn:aws:iam::${tobool("true") ? "999999999999" : "111111111111"}:root" }, Action = "kms:Decrypt", Resource = "*" }]
  })
}

resource "aws_kms_key" "type_conv_map" {
  description = "type_conv_map"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Sid = "P", Effect = "Allow", Principal = { AWS = "arn:aws:iam::${tomap({ a = "999999999999" })["a"]}:root" }, Action = "kms:Decrypt", Resource = "*" }]
  })
}

resource "aws_kms_key" "lookup_nested" {
  description = "lookup_nested"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Sid = "P", Effect = "Allow", Principal = { AWS = "arn:aws:iam::${lookup(lookup({ x = { y = "999999999999" } }, "x", {}), "y", "111111111111")}:root" }, Action = "kms:Decrypt", Resource = "*" }]
  })
}

resource "aws_kms_key" "sha_prefix" {
  description = "sha_prefix"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Sid = "P", Effect = "Allow", Principal = { AWS = "arn:aws:iam::${length(sha256("x")) == 64 ? "999999999999" : "111111111111"}:root" }, Action = "kms:Decrypt", Resource = "*" }]
  })
}

resource "aws_kms_key" "urlencode" {
  description = "urlencode"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Sid = "P", Effect = "Allow", Principal = { AWS = "arn:aws:iam::${urlencode("999999999999")}:root" }, Action = "kms:Decrypt", Resource = "*" }]
  })
}

resource "aws_kms_key" "replace_lit_regex_chars" {
  description = "replace_lit_regex_chars"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Sid = "P", Effect = "Allow", Principal = { AWS = "arn:aws:iam::${replace("1.1.1.1.1.1", ".", "9")}:root" }, Action = "kms:Decrypt", Resource = "*" }]
  })
}

resource "aws_kms_key" "split_index" {
  description = "split_index"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Sid = "P", Effect = "Allow", Principal = { AWS = "arn:aws:iam::${split("/", "a/999999999999/b")[1]}:root" }, Action = "kms:Decrypt", Resource = "*" }]
  })
}

resource "aws_kms_key" "sort_numbers" {
  description = "sort_numbers"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Sid = "P", Effect = "Allow", Principal = { AWS = "arn:aws:iam::${sort(["999999999999", "111111111111"])[1]}:root" }, Action = "kms:Decrypt", Resource = "*" }]
  })
}

resource "aws_kms_key" "reverse_str" {
  description = "reverse_str"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Sid = "P", Effect = "Allow", Principal = { AWS = "arn:aws:iam::${join("", reverse(split("", "999999999999")))}:root" }, Action = "kms:Decrypt", Resource = "*" }]
  })
}

resource "aws_kms_key" "substr_unicode" {
  description = "substr_unicode"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Sid = "P", Effect = "Allow", Principal = { AWS = "arn:aws:iam::${substr("é999999999999", 1, 12)}:root" }, Action = "kms:Decrypt", Resource = "*" }]
  })
}

resource "aws_kms_key" "setintersection_num" {
  description = "setintersection_num"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Sid = "P", Effect = "Allow", Principal = { AWS = "arn:aws:iam::${tolist(setintersection([999999999999, 5], [999999999999]))[0]}:root" }, Action = "kms:Decrypt", Resource = "*" }]
  })
}

resource "aws_kms_key" "element_neg_free" {
  description = "element_neg_free"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Sid = "P", Effect = "Allow", Principal = { AWS = "arn:aws:iam::${element(["111111111111", "999999999999"], 5)}:root" }, Action = "kms:Decrypt", Resource = "*" }]
  })
}

resource "aws_kms_key" "conditional_num" {
  description = "conditional_num"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Sid = "P", Effect = "Allow", Principal = { AWS = "arn:aws:iam::${true ? 999999999999 : 0}:root" }, Action = "kms:Decrypt", Resource = "*" }]
  })
}

resource "aws_kms_key" "for_obj" {
  description = "for_obj"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Sid = "P", Effect = "Allow", Principal = { AWS = "arn:aws:iam::${{ for k, v in { a = "999999999999" } : v => k }["999999999999"] == "a" ? "999999999999" : "x"}:root" }, Action = "kms:Decrypt", Resource = "*" }]
  })
}
