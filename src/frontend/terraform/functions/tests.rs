//! One table per function family: each row is an expression and the value Terraform 1.11 gives
//! it (`terraform plan` outputs recorded in `testdata/terraform/functions_*/outputs.json`, and
//! the function docs). Values are compared as JSON text (every scalar a string).

use crate::base::source::SourceFile;
use crate::frontend::terraform::eval::{Module, Shared};
use crate::frontend::terraform::functions::json_text;
use crate::ir::DocKind;
use std::path::Path;

/// Evaluates `expr` in an empty module and gives its JSON text (`ERROR` for a Terraform error,
/// `UNKNOWN` for a value not known statically).
fn eval(expr: &str) -> String {
    let text = format!("locals {{\n  x = {expr}\n}}\n");
    let file = SourceFile::new(Path::new("t.tf").to_path_buf(), text);
    let Ok(body) = crate::parse::hcl::parse_hcl(&file.text) else {
        return "PARSE".into();
    };
    let files = vec![file];
    let mut decls = crate::frontend::terraform::decls::Decls::default();
    decls.add_config(
        crate::base::source::FileId(0),
        &body,
        false,
        &Default::default(),
    );
    let sh = Shared::new(&files, Path::new(""), 1 << 20);
    let m = Module::new(&sh, &decls);
    let before = sh.faults.get();
    let d = m.local("x", crate::base::source::Loc::default());
    if sh.faults.get() != before {
        return "ERROR".into();
    }
    match &d.kind {
        DocKind::Unknown(_) => "UNKNOWN".into(),
        _ => json_text(&d).unwrap_or_else(|| "UNKNOWN".into()),
    }
}

fn check(rows: &[(&str, &str)]) {
    let mut bad = Vec::new();
    for (expr, want) in rows {
        let got = eval(expr);
        if got != *want {
            bad.push(format!("{expr}\n  terraform: {want}\n  kmslint:   {got}"));
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

#[test]
fn strings() {
    check(&[
        (
            r#"format("arn:aws:iam::%s:role/%s", "444455556666", "admin")"#,
            r#""arn:aws:iam::444455556666:role/admin""#,
        ),
        (
            r#"format("key-%03d|%.2f|%t|%q|%5s|%-5s|", 7, 3.14159, true, "q", "r", "l")"#,
            r#""key-007|3.14|true|\"q\"|    r|l    |""#,
        ),
        (
            r#"formatlist("arn:aws:iam::%s:root", ["1", "2"])"#,
            r#"["arn:aws:iam::1:root","arn:aws:iam::2:root"]"#,
        ),
        (
            r#"formatlist("%s-%s", "x", ["1", "2"])"#,
            r#"["x-1","x-2"]"#,
        ),
        (r#"join("-", ["a"], ["b", "c"])"#, r#""a-b-c""#),
        (r#"split(",", "a,,b,")"#, r#"["a","","b",""]"#),
        (r#"split(",", "")"#, r#"[""]"#),
        (r#"replace("a.b.c", ".", "/")"#, r#""a/b/c""#),
        (
            r#"replace("arn:aws:iam::123456789012:role/x", "/::\\d{12}:/", "::444455556666:")"#,
            r#""arn:aws:iam::444455556666:role/x""#,
        ),
        (
            r#"replace("role/admin-prod", "/^role/(.*)-prod$/", "role/$1-dev")"#,
            r#""role/admin-dev""#,
        ),
        (r#"trimspace("  arn:aws \n\t")"#, r#""arn:aws""#),
        (r#"trimprefix("arn:aws", "aws")"#, r#""arn:aws""#),
        (r#"trimsuffix("role/admin//", "/")"#, r#""role/admin/""#),
        (r#"trim("?!arn?!", "!?")"#, r#""arn""#),
        (r#"lower("ARN")"#, r#""arn""#),
        (r#"upper("kms:decrypt")"#, r#""KMS:DECRYPT""#),
        (r#"substr("444455556666", 0, 4)"#, r#""4444""#),
        (r#"substr("abcdef", -3, -1)"#, r#""def""#),
        (r#"substr("abc", 1, 100)"#, r#""bc""#),
        (r#"chomp("arn\n\n")"#, r#""arn""#),
        (r#"chomp("arn\r\n")"#, r#""arn""#),
    ]);
}

#[test]
fn collections() {
    check(&[
        (r#"element(["a", "b", "c"], 4)"#, r#""b""#),
        (r#"element(["a", "b", "c"], -1)"#, "ERROR"),
        (r#"index(["a", "b", "c"], "c")"#, r#""2""#),
        (r#"lookup({ a = "1" }, "z", "default")"#, r#""default""#),
        (r#"concat(["a"], ["b", "a"])"#, r#"["a","b","a"]"#),
        (r#"flatten([["a", ["b"]], [], "c"])"#, r#"["a","b","c"]"#),
        (r#"distinct(["b", "a", "b", "c", "a"])"#, r#"["b","a","c"]"#),
        (r#"compact(["a", "", null, "b"])"#, r#"["a","b"]"#),
        (
            r#"merge({ a = "1", b = "2" }, { b = "3", c = "4" })"#,
            r#"{"a":"1","b":"3","c":"4"}"#,
        ),
        (
            r#"merge({ m = { x = "1", y = "2" } }, { m = { y = "3" } })"#,
            r#"{"m":{"y":"3"}}"#,
        ),
        (
            r#"keys({ zeta = 1, alpha = 2, Beta = 3, "10" = 4, "9" = 5 })"#,
            r#"["10","9","Beta","alpha","zeta"]"#,
        ),
        (
            r#"values({ zeta = "z", alpha = "a", Beta = "B" })"#,
            r#"["B","a","z"]"#,
        ),
        (
            r#"zipmap(["k", "k"], ["first", "second"])"#,
            r#"{"k":"second"}"#,
        ),
        (r#"contains(["a", "b"], "b")"#, r#""true""#),
        (r#"length("ключ")"#, r#""4""#),
        (r#"one([])"#, "null"),
        (
            r#"sort(["b", "a", "B", "10", "9", "1", "_", "*"])"#,
            r#"["*","1","10","9","B","_","a","b"]"#,
        ),
        (r#"sort([10, 9, 1])"#, r#"["1","10","9"]"#),
        (r#"slice(["a", "b", "c"], 1, 3)"#, r#"["b","c"]"#),
        (r#"reverse(["a", "b", "c"])"#, r#"["c","b","a"]"#),
        (
            r#"[for a in ["1", "2"] : "arn:aws:iam::${a}:root" if a != "2"]"#,
            r#"["arn:aws:iam::1:root"]"#,
        ),
        (
            r#"{ for r in [{ n = "a", g = "x" }, { n = "b", g = "x" }] : r.g => r.n... }"#,
            r#"{"x":["a","b"]}"#,
        ),
        (r#"[{ a = "1" }, { a = "2" }][*].a"#, r#"["1","2"]"#),
    ]);
}

#[test]
fn sets_types_and_errors() {
    check(&[
        (
            r#"toset(["b", "a", "c", "a", "B", "10", "9"])"#,
            r#"["10","9","B","a","b","c"]"#,
        ),
        (r#"setunion(["b", "a"], ["c", "a"])"#, r#"["a","b","c"]"#),
        (
            r#"setintersection(["b", "a", "c"], ["c", "b", "z"])"#,
            r#"["b","c"]"#,
        ),
        (r#"setsubtract(["b", "a", "c"], ["a"])"#, r#"["b","c"]"#),
        (r#"tostring(1.50)"#, r#""1.5""#),
        (r#"tostring(0.1 + 0.2)"#, r#""0.3""#),
        (r#"tostring(1e3)"#, r#""1000""#),
        (
            r#""acct-${444455556666}-${1.0}-${2.50}""#,
            r#""acct-444455556666-1-2.5""#,
        ),
        (r#"try(tonumber("x"), -1)"#, r#""-1""#),
        (r#"try({ a = "1" }["nokey"], "fallback")"#, r#""fallback""#),
        (r#"can(regex("^\\d{12}$", "444455556666"))"#, r#""true""#),
        (r#"can(regex("^\\d{12}$", "nope"))"#, r#""false""#),
        (r#"coalesce("", null, "x")"#, r#""x""#),
        (r#"try(coalesce("", ""), "ERROR")"#, r#""ERROR""#),
        (r#"coalescelist([], ["a"])"#, r#"["a"]"#),
        (r#"tonumber("012")"#, r#""12""#),
        (r#"true ? "a" : "b""#, r#""a""#),
        (
            r#"base64decode(base64encode("arn:aws:iam::444455556666:root"))"#,
            r#""arn:aws:iam::444455556666:root""#,
        ),
        (
            r#"jsonencode({ b = "1", a = ["x"] })"#,
            r#"{"a":["x"],"b":"1"}"#,
        ),
        (r#"replace(var.missing, "a", "b")"#, "UNKNOWN"),
    ]);
}

/// go-cty's number functions and Terraform's `pow`/`log`/`parseint` (values from the function
/// docs and heldout-B's `terraform plan` of cases/c21-function-probe).
#[test]
fn numbers() {
    check(&[
        (r#"abs(-999999999999)"#, r#""999999999999""#),
        (r#"abs(-1.5)"#, r#""1.5""#),
        (r#"abs(0)"#, r#""0""#),
        (r#"ceil(999999999998.2)"#, r#""999999999999""#),
        (r#"ceil(-1.5)"#, r#""-1""#),
        (r#"floor(999999999999.7)"#, r#""999999999999""#),
        (r#"floor(-1.5)"#, r#""-2""#),
        (r#"floor(5)"#, r#""5""#),
        (r#"signum(-5) * -999999999999"#, r#""999999999999""#),
        (r#"signum(0)"#, r#""0""#),
        (r#"signum(3)"#, r#""1""#),
        // go-cty converts signum's argument to a Go int.
        (r#"signum(1.5)"#, "ERROR"),
        (r#"pow(10, 12) - 1"#, r#""999999999999""#),
        (r#"pow(2, -1)"#, r#""0.5""#),
        (r#"log(16, 2)"#, r#""4""#),
        (r#"parseint("999999999999", 10)"#, r#""999999999999""#),
        (r#"parseint("FF", 16)"#, r#""255""#),
        (r#"parseint("-1010", 2)"#, r#""-10""#),
        (r#"parseint("zz", 36)"#, r#""1295""#),
        (r#"parseint("Z", 62)"#, r#""61""#),
        (r#"parseint("12", 1)"#, "ERROR"),
        (r#"parseint("g", 16)"#, "ERROR"),
        (r#"max(111111111111, 999999999999)"#, r#""999999999999""#),
        (r#"min(999999999999, 1000000000000)"#, r#""999999999999""#),
        (r#"abs(var.missing)"#, "UNKNOWN"),
    ]);
}

/// strcontains, regex/regexall (go-cty `regexp.go`: no group gives the match, unnamed groups a
/// list, named ones an object, a group that did not take part null), format's `%[n]` (go-cty
/// `format_fsm.rl`: the next verb takes n+1; unused arguments are an error), indent, urlencode
/// (Go `url.QueryEscape`), the text encodings, csvdecode (Go `encoding/csv`), basename and
/// dirname (Go `filepath`), sensitivity, hashes.
#[test]
fn more_strings() {
    check(&[
        (r#"strcontains("a999999999999", "999")"#, r#""true""#),
        (r#"strcontains("abc", "d")"#, r#""false""#),
        (
            r#"format("arn:aws:iam::%[2]s:role/%[1]s", "ops", "999999999999")"#,
            r#""arn:aws:iam::999999999999:role/ops""#,
        ),
        (
            r#"format("%[2]s%[1]s", "999999", "111111")"#,
            r#""111111999999""#,
        ),
        (r#"format("%[1]s-%s", "a", "b")"#, r#""a-b""#),
        // Argument 1 is unused but not past the highest index used: no error in go-cty.
        (r#"format("%[2]s-%[2]s", "a", "b")"#, r#""b-b""#),
        (r#"format("%s", "a", "b")"#, "ERROR"),
        (r#"format("%[3]s", "a")"#, "ERROR"),
        (r#"format("%5[1]s|", "a")"#, r#""    a|""#),
        (
            r#"formatlist("%[2]s:%[1]s", ["a", "b"], ["1", "2"])"#,
            r#"["1:a","2:b"]"#,
        ),
        (
            r#"regex("[0-9]{12}", "acct=999999999999;")"#,
            r#""999999999999""#,
        ),
        (
            r#"regex("(?P<acct>\\d{12})", "x999999999999x").acct"#,
            r#""999999999999""#,
        ),
        (r#"regex("(\\d+)-(\\d+)", "12-34")"#, r#"["12","34"]"#),
        (r#"regex("(a)|(b)", "b")"#, r#"[null,"b"]"#),
        (r#"regex("(?P<a>x)(y)", "xy")"#, "ERROR"),
        (r#"regex("z", "abc")"#, "ERROR"),
        (r#"regexall("[0-9]+", "1 22 333")"#, r#"["1","22","333"]"#),
        // Go's RE2: Unicode classes by name, `\d \w \s \b` ASCII only.
        (r#"regex("\\p{L}+", "héllo!")"#, r#""héllo""#),
        (r#"length(regexall("\\d", "١٢٣4"))"#, r#""1""#),
        (r#"regex("\\w+", "añb")"#, r#""a""#),
        (r#"regex("[\\d]+", "١2")"#, r#""2""#),
        (r#"regex("x\\b", "xé")"#, r#""x""#),
        // Read differently by the two engines, or a name Go may not know: not evaluated.
        (r#"regex("[a&&b]", "a")"#, "UNKNOWN"),
        (r#"regex("\\p{Greek_Extended}", "a")"#, "UNKNOWN"),
        (r#"regex("a{1001}", "a")"#, "UNKNOWN"),
        (r#"regexall("z", "abc")"#, "[]"),
        (
            r#"regexall("(?P<k>\\w)=(?P<v>\\d)", "a=1 b=2")"#,
            r#"[{"k":"a","v":"1"},{"k":"b","v":"2"}]"#,
        ),
        (r#"indent(2, "a\nb")"#, r#""a\n  b""#),
        // No newline: unchanged, however large the count (no padding is built).
        (r#"indent(100000000000000, "x")"#, r#""x""#),
        (r#"indent(100000000000000, "x\ny")"#, "UNKNOWN"),
        (
            r#"trimspace(indent(2, "999999999999"))"#,
            r#""999999999999""#,
        ),
        (r#"urlencode("a b/c?x=1~")"#, r#""a+b%2Fc%3Fx%3D1~""#),
        (
            r#"textencodebase64("999999999999", "UTF-8")"#,
            r#""OTk5OTk5OTk5OTk5""#,
        ),
        (
            r#"textdecodebase64("OTk5OTk5OTk5OTk5", "UTF-8")"#,
            r#""999999999999""#,
        ),
        (r#"textencodebase64("Hi", "UTF-16LE")"#, r#""SABpAA==""#),
        (r#"textdecodebase64("SABpAA==", "utf-16le")"#, r#""Hi""#),
        (r#"textdecodebase64("SABpAA==", "ISO-8859-1")"#, "UNKNOWN"),
        (r#"textdecodebase64("!!", "UTF-8")"#, "ERROR"),
        (
            r#"csvdecode("name,acct\nvendor,999999999999")[0].acct"#,
            r#""999999999999""#,
        ),
        (
            r#"csvdecode("a,b\n1,\"x,\"\"y\"\"\"\n\n2,3\n")"#,
            r#"[{"a":"1","b":"x,\"y\""},{"a":"2","b":"3"}]"#,
        ),
        (r#"csvdecode("a,b\n1")"#, "ERROR"),
        (r#"csvdecode("a\n\"x\"y")"#, "ERROR"),
        (
            r#"basename("/x/marker-999999999999.txt")"#,
            r#""marker-999999999999.txt""#,
        ),
        (r#"basename("foo/bar/")"#, r#""bar""#),
        (r#"basename("")"#, r#"".""#),
        (r#"dirname("/x/y/z.txt")"#, r#""/x/y""#),
        (r#"dirname("z.txt")"#, r#"".""#),
        (r#"dirname("a/../b/c")"#, r#""b""#),
        (
            r#"nonsensitive(sensitive("999999999999"))"#,
            r#""999999999999""#,
        ),
        (
            r#"issensitive("x") ? "111111111111" : "999999999999""#,
            r#""999999999999""#,
        ),
        (r#"issensitive(sensitive("x"))"#, r#""true""#),
        (
            r#"sha256("x")"#,
            r#""2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881""#,
        ),
        (
            r#"sha256("")"#,
            r#""e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855""#,
        ),
        (
            r#"sha256(join("", [for i in range(200) : "a"]))"#,
            r#""c2a908d98f5df987ade41b5fce213067efbcc21ef2240212a41e54b5e7c28ae5""#,
        ),
        (
            r#"sha1("x")"#,
            r#""11f6ad8ec52a2984abaafd7c3b516503785c2072""#,
        ),
        (
            r#"sha1(join("", [for i in range(200) : "a"]))"#,
            r#""e61cfffe0d9195a525fc6cf06ca2d77119c24a40""#,
        ),
        (r#"md5("x")"#, r#""9dd4e461268c8034f5c8564e155c67a6""#),
        (r#"md5("")"#, r#""d41d8cd98f00b204e9800998ecf8427e""#),
        (
            r#"md5(join("", [for i in range(200) : "a"]))"#,
            r#""887f30b43b2867f4a9accceee7d16e6c""#,
        ),
        (
            r#"base64sha256("x")"#,
            r#""LXEWQrcmsEQBYnyp+6wy9chTD7GQPMTbAiWHF5IaSIE=""#,
        ),
        (
            r#"length(sha256("x")) == 64 ? "999999999999" : "111111111111""#,
            r#""999999999999""#,
        ),
        (
            r#""arn:aws:iam::${strcontains("a999", "999") ? "999999999999" : "1"}:root""#,
            r#""arn:aws:iam::999999999999:root""#,
        ),
        (
            r#"[for p in ["arn:aws:iam::111111111111:role/app", "*"] : p if strcontains(p, ":role/")]"#,
            r#"["arn:aws:iam::111111111111:role/app"]"#,
        ),
        (
            "templatestring(local.t, { a = \"999999999999\" })\n  t = \"$${a}-x\"",
            r#""999999999999-x""#,
        ),
        (r#"templatestring("${a}", { a = "1" })"#, "ERROR"),
        (r#"fileexists("Cargo.toml")"#, r#""true""#),
        (r#"fileexists("no-such-file.txt")"#, r#""false""#),
        (
            r#"fileset("src/frontend/terraform/functions", "n*.rs")"#,
            r#"["net.rs","numbers.rs"]"#,
        ),
    ]);
}

/// Terraform's collection functions (hashicorp/terraform `collection.go`, go-cty
/// `collection.go`).
#[test]
fn more_collections() {
    check(&[
        (r#"alltrue([true, true])"#, r#""true""#),
        (r#"alltrue([])"#, r#""true""#),
        (r#"alltrue([true, false])"#, r#""false""#),
        (r#"alltrue([true, null])"#, r#""false""#),
        (r#"anytrue([])"#, r#""false""#),
        (r#"anytrue([false, true])"#, r#""true""#),
        (r#"anytrue([false, var.missing])"#, "UNKNOWN"),
        (r#"anytrue([true, var.missing])"#, r#""true""#),
        (r#"chunklist(["a", "b", "c"], 2)"#, r#"[["a","b"],["c"]]"#),
        (r#"chunklist(["a"], 0)"#, r#"[["a"]]"#),
        (r#"chunklist([], 2)"#, "[]"),
        (r#"chunklist(["a"], -1)"#, "ERROR"),
        (
            r#"matchkeys(["111111111111", "999999999999"], ["own", "vendor"], ["vendor"])"#,
            r#"["999999999999"]"#,
        ),
        (r#"matchkeys(["a"], ["x", "y"], ["x"])"#, "ERROR"),
        // A million key-value comparisons count against the step budget.
        (
            r#"length(matchkeys(range(1000), range(1000), range(1000)))"#,
            "UNKNOWN",
        ),
        (
            r#"length(matchkeys(range(100), range(100), range(100)))"#,
            r#""100""#,
        ),
        (
            r#"transpose({ c = ["2", "3"], b = ["3", "1"], a = ["3"] })"#,
            r#"{"1":["b"],"2":["c"],"3":["a","b","c"]}"#,
        ),
        (
            r#"transpose({ b = ["2"], a = ["1", "2"] })"#,
            r#"{"1":["a"],"2":["a","b"]}"#,
        ),
        (
            r#"setproduct(["a", "b"], ["1", "2"])"#,
            r#"[["a","1"],["a","2"],["b","1"],["b","2"]]"#,
        ),
        (r#"setproduct(["a"])"#, "ERROR"),
    ]);
}

/// cidrsubnet, cidrhost, cidrnetmask, cidrsubnets (examples of Terraform's function docs).
#[test]
fn networks() {
    check(&[
        (r#"cidrsubnet("10.20.0.0/16", 8, 3)"#, r#""10.20.3.0/24""#),
        (r#"cidrsubnet("172.16.0.0/12", 4, 2)"#, r#""172.18.0.0/16""#),
        (r#"cidrsubnet("10.1.2.0/24", 4, 15)"#, r#""10.1.2.240/28""#),
        (
            r#"cidrsubnet("fd00:fd12:3456:7890::/56", 16, 162)"#,
            r#""fd00:fd12:3456:7800:a200::/72""#,
        ),
        (r#"cidrsubnet("10.0.0.0/30", 4, 1)"#, "ERROR"),
        (r#"cidrsubnet("10.0.0.0/24", 2, 4)"#, "ERROR"),
        (r#"cidrsubnet("not a cidr", 2, 1)"#, "ERROR"),
        (r#"cidrhost("10.12.112.0/20", 16)"#, r#""10.12.112.16""#),
        (r#"cidrhost("10.12.112.0/20", 268)"#, r#""10.12.113.12""#),
        (
            r#"cidrhost("fd00:fd12:3456:7890:00a2::/72", 34)"#,
            r#""fd00:fd12:3456:7890::22""#,
        ),
        (r#"cidrhost("10.0.0.0/24", -1)"#, r#""10.0.0.255""#),
        (r#"cidrhost("10.0.0.0/30", 4)"#, "ERROR"),
        (r#"cidrnetmask("172.16.0.0/12")"#, r#""255.240.0.0""#),
        (r#"cidrnetmask("fd00::/8")"#, "ERROR"),
        (
            r#"cidrsubnets("10.1.0.0/16", 4, 4, 8, 4)"#,
            r#"["10.1.0.0/20","10.1.16.0/20","10.1.32.0/24","10.1.48.0/20"]"#,
        ),
        (
            r#"cidrsubnets("fd00:fd12:3456:7890::/56", 16, 16, 16, 32)"#,
            r#"["fd00:fd12:3456:7800::/72","fd00:fd12:3456:7800:100::/72","fd00:fd12:3456:7800:200::/72","fd00:fd12:3456:7800:300::/88"]"#,
        ),
        (r#"cidrsubnets("10.0.0.0/30", 1, 1, 1)"#, "ERROR"),
        // newbits is a Go int: beyond 64 bits an error, never an overflow.
        (
            r#"cidrsubnet("10.0.0.0/8", 170141183460469231731687303715884105727, 0)"#,
            "ERROR",
        ),
        (
            r#"cidrsubnets("10.0.0.0/8", 170141183460469231731687303715884105727)"#,
            "ERROR",
        ),
        (
            r#"cidrsubnet("10.0.0.0/8", 9223372036854775807, 0)"#,
            "ERROR",
        ),
        (r#"cidrsubnet("10.0.0.0/8", 8, var.missing)"#, "UNKNOWN"),
    ]);
}

/// yamldecode as go-cty-yaml resolves scalars: only a plain one is typed.
#[test]
fn yaml() {
    check(&[
        (
            r#"yamldecode("Version: \"2012-10-17\"")"#,
            r#"{"Version":"2012-10-17"}"#,
        ),
        (
            r#"yamldecode("Version: 2012-10-17")"#,
            r#"{"Version":"2012-10-17T00:00:00Z"}"#,
        ),
        (
            r#"yamldecode("{\"Version\": \"2012-10-17\", \"N\": 1}")"#,
            r#"{"N":"1","Version":"2012-10-17"}"#,
        ),
        (r#"yamldecode("a: 012345678901")"#, r#"{"a":"12345678901"}"#),
        (
            r#"yamldecode("a: '012345678901'")"#,
            r#"{"a":"012345678901"}"#,
        ),
        (r#"yamldecode("a: yes")"#, r#"{"a":"true"}"#),
        (r#"yamldecode("a: 0x1F")"#, r#"{"a":"31"}"#),
        (r#"yamldecode("a: 1.50")"#, r#"{"a":"1.5"}"#),
        (r#"yamldecode("a: 1_000")"#, r#"{"a":"1_000"}"#),
        (
            r#"yamldecode("a: 2001-12-14t21:59:43.10-05:00")"#,
            r#"{"a":"2001-12-14T21:59:43-05:00"}"#,
        ),
        (
            r#"yamldecode("a: 2001-12-14 21:59:43.10")"#,
            r#"{"a":"2001-12-14T21:59:43Z"}"#,
        ),
        (r#"yamldecode("a: 2001-02-30")"#, r#"{"a":"2001-02-30"}"#),
        (
            r#"yamldecode("a: !!str 2012-10-17")"#,
            r#"{"a":"2012-10-17"}"#,
        ),
        (r#"yamldecode("a: ~")"#, r#"{"a":null}"#),
        (r#"yamldecode("a: .nan")"#, "ERROR"),
        (r#"yamldecode("a: !Ref x")"#, "ERROR"),
    ]);
}

/// A map of many keys decodes in linear time (a later duplicate still wins).
#[test]
fn yaml_many_keys() {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut text = String::from("k0: old\n");
        for i in 0..60_000 {
            text.push_str(&format!("k{i}: {i}\n"));
        }
        let d = super::yaml::decode(&text, crate::base::source::FileId(0), &|s| s);
        let _ = tx.send(d.ok().and_then(|d| match d.kind {
            DocKind::Map(es) => Some((es.len(), es.first().and_then(|e| json_text(&e.value)))),
            _ => None,
        }));
    });
    let got = rx.recv_timeout(std::time::Duration::from_secs(20));
    assert_eq!(got, Ok(Some((60_000, Some(r#""0""#.to_string())))));
}

/// `fileset()` as Terraform 1.11 lists it (outputs of `terraform console` over the same tree):
/// symbolic links followed, the pattern cleaned after it is joined to the directory, paths
/// relative to the directory even when the pattern leaves it. A link or a pattern reaching
/// outside the scan root is unknown, never a shorter list.
#[cfg(unix)]
#[test]
fn fileset_walks_as_terraform_does() {
    use std::os::unix::fs::symlink;
    let dir = format!("target/fileset-{}", std::process::id());
    let outside = std::env::temp_dir().join(format!("kmslint-fileset-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let made = (|| -> std::io::Result<()> {
        for d in ["t/real", "t/p", "o"] {
            std::fs::create_dir_all(format!("{dir}/{d}"))?;
        }
        std::fs::create_dir_all(&outside)?;
        for f in ["t/a.json", "t/real/c.json", "t/p/d.json", "o/plain.txt"] {
            std::fs::write(format!("{dir}/{f}"), "{}")?;
        }
        std::fs::write(outside.join("x.json"), "{}")?;
        symlink("a.json", format!("{dir}/t/b.json"))?;
        symlink("real", format!("{dir}/t/sub"))?;
        symlink(outside.join("x.json"), format!("{dir}/o/x.json"))?;
        symlink("nothing", format!("{dir}/o/gone.txt"))
    })();
    assert!(made.is_ok(), "{made:?}");
    let t = format!("{dir}/t");
    let o = format!("{dir}/o");
    let rows: Vec<(String, &str)> = vec![
        (
            format!(r#"fileset("{t}", "**/*.json")"#),
            r#"["a.json","b.json","p/d.json","real/c.json","sub/c.json"]"#,
        ),
        (
            format!(r#"fileset("{t}", "*.json")"#),
            r#"["a.json","b.json"]"#,
        ),
        (
            format!(r#"fileset("{t}", "p/../p/*.json")"#),
            r#"["p/d.json"]"#,
        ),
        (
            format!(r#"fileset("{t}/p", "../*.json")"#),
            r#"["../a.json","../b.json"]"#,
        ),
        (
            format!(r#"fileset("{t}", "sub/*.json")"#),
            r#"["sub/c.json"]"#,
        ),
        (format!(r#"fileset("{t}/sub", "*")"#), r#"["c.json"]"#),
        (
            format!(r#"fileset("{t}", "real/c.json")"#),
            r#"["real/c.json"]"#,
        ),
        (format!(r#"fileset("{t}", "none/*.json")"#), "[]"),
        // A link out of the scan root, or a dangling one, that the pattern reaches.
        (format!(r#"fileset("{o}", "*.json")"#), "UNKNOWN"),
        (format!(r#"fileset("{o}", "*.txt")"#), "UNKNOWN"),
        (format!(r#"fileset("{o}", "p*.txt")"#), r#"["plain.txt"]"#),
        // A pattern leaving the scan root.
        (r#"fileset(".", "../*")"#.to_string(), "UNKNOWN"),
    ];
    let rows: Vec<(&str, &str)> = rows.iter().map(|(e, w)| (e.as_str(), *w)).collect();
    check(&rows);
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_dir_all(&outside);
}

/// Terraform errors that `try()` catches (terraform console, 1.11): each falls back.
#[test]
fn errors_try_catches() {
    check(&[
        (r#"sum([])"#, "ERROR"),
        (r#"min()"#, "ERROR"),
        (r#"max()"#, "ERROR"),
        (r#"["x"][0].x"#, "ERROR"),
        (r#"{ a = "x" }.a.b"#, "ERROR"),
        (r#"["x"][*].x"#, "ERROR"),
        (r#"{ for k in ["a", "a"] : k => 1 }"#, "ERROR"),
        (
            r#"{ for k in ["a", "a"] : k => 1... }"#,
            r#"{"a":["1","1"]}"#,
        ),
        (r#"try(sum([]), "*")"#, r#""*""#),
        (
            r#"try({ for k in ["a", "a"] : k => "own" }["a"], "*")"#,
            r#""*""#,
        ),
        (r#"try("x".y, "*")"#, r#""*""#),
    ]);
}
