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
