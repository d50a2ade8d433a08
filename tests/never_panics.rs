//! Property tests: no input makes a parser, an extractor or the whole pipeline panic, and every
//! finding points inside its file. Inputs are arbitrary text and real fixtures mutated (ranges
//! deleted, duplicated or truncated, syntax tokens inserted), so they get past the first byte.
//! The coverage-guided fuzzers in `fuzz/` search much longer; these run in `cargo test`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use kmslint::fuzzing::{self as kf, Unit};
use kmslint::fuzzing::{hcl, json, yaml, Node};
use kmslint::fuzzing::{FileId, SourceFile};
use kmslint::Config;
use kmslint::Registry;
use proptest::prelude::*;
use std::path::Path;
use std::sync::LazyLock;

static REG: LazyLock<Registry> = LazyLock::new(|| Registry::builtin().unwrap());

const CFN_YAML: &[&str] = &[
    include_str!("../testdata/cloudformation/short-form-tags.yaml"),
    include_str!("../testdata/cloudformation/parameters.yaml"),
    include_str!("../testdata/cloudformation/policy-block-string.yaml"),
    include_str!("../testdata/cloudformation/wildcard-conditions.yaml"),
];
const CFN_JSON: &[&str] = &[
    include_str!("../testdata/cloudformation/seed-template.json"),
    include_str!("../testdata/cloudformation/policy-json-string.json"),
    include_str!("../testdata/cloudformation/untrusted-accounts.json"),
];
const POLICY: &[&str] = &[
    include_str!("../testdata/cloudformation/seed-get-key-policy.json"),
    include_str!("../testdata/cloudformation/seed-remediation-policy.json"),
];
const TF: &[&str] = &[
    include_str!("../testdata/terraform/doc_source/main.tf"),
    include_str!("../testdata/terraform/heredoc_indented/main.tf"),
    include_str!("../testdata/terraform/jsonencode/main.tf"),
    include_str!("../testdata/terraform/conditional/main.tf"),
    include_str!("../testdata/terraform/local/main.tf"),
];
const PLAN: &str = include_str!("../testdata/terraform/plan/plan.json");

/// Tokens that matter to the parsers and resolvers.
const TOKENS: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    "(",
    ")",
    ",",
    ":",
    "\"",
    "'",
    "\\",
    "\n",
    "\r\n",
    "\t",
    " ",
    "- ",
    "? ",
    "&a ",
    "*a",
    "!Sub ",
    "!If ",
    "!Ref ",
    "!Join ",
    "!GetAtt ",
    "${",
    "$${",
    "%{",
    "<<EOF\n",
    "<<-EOT\n",
    "\nEOF\n",
    "EOT",
    "#",
    "//",
    "/*",
    "*/",
    "|",
    ">-",
    "---\n",
    "...",
    "\u{feff}",
    "é",
    "\u{0}",
    "null",
    "true",
    "1e999",
    "-0",
    "\"*\"",
    "{\"Fn::Sub\": \"${AWS::AccountId}\"}",
    "{\"Fn::If\": [\"C\", \"*\", \"1\"]}",
    "local.x",
    "var.x",
    "jsonencode(",
    "file(\"x\")",
    "templatefile(\"t\", {})",
    "data.aws_iam_policy_document.d.json",
    "Statement",
    "Principal",
    "AWS",
    "Condition",
    "NotPrincipal",
    "\"Effect\": \"Allow\"",
    "arn:aws:iam::*:root",
    "arn:aws:iam::444455556666:root",
    "aws_kms_key",
    "AWS::KMS::Key",
    "child_modules",
];

#[derive(Clone, Debug)]
enum Edit {
    Insert(usize, usize),
    Delete(usize, usize),
    Duplicate(usize, usize),
    Truncate(usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        4 => (any::<usize>(), 0..TOKENS.len()).prop_map(|(a, t)| Edit::Insert(a, t)),
        3 => (any::<usize>(), 1usize..40).prop_map(|(a, n)| Edit::Delete(a, n)),
        2 => (any::<usize>(), 1usize..80).prop_map(|(a, n)| Edit::Duplicate(a, n)),
        1 => any::<usize>().prop_map(Edit::Truncate),
    ]
}

fn boundary(s: &str, at: usize) -> usize {
    let mut i = at % (s.len() + 1);
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn apply(seed: &str, edits: &[Edit]) -> String {
    let mut s = seed.to_string();
    for e in edits {
        match *e {
            Edit::Insert(at, t) => {
                let i = boundary(&s, at);
                s.insert_str(i, TOKENS[t]);
            }
            Edit::Delete(at, n) => {
                let i = boundary(&s, at);
                let j = boundary(&s, i + n);
                s.replace_range(i..j.max(i), "");
            }
            Edit::Duplicate(at, n) => {
                let i = boundary(&s, at);
                let j = boundary(&s, i + n).max(i);
                let piece = s[i..j].to_string();
                s.insert_str(j, &piece);
            }
            Edit::Truncate(at) => {
                let i = boundary(&s, at);
                if i > s.len() / 2 {
                    s.truncate(i);
                }
            }
        }
    }
    s
}

/// A seed from `seeds`, mutated.
fn mutated(seeds: &'static [&'static str]) -> impl Strategy<Value = String> {
    (0..seeds.len(), prop::collection::vec(edit(), 0..12)).prop_map(|(i, e)| apply(seeds[i], &e))
}

/// Text made of syntax tokens and arbitrary characters.
fn tokens() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            3 => (0..TOKENS.len()).prop_map(|t| TOKENS[t].to_string()),
            1 => any::<char>().prop_map(|c| c.to_string()),
        ],
        0..60,
    )
    .prop_map(|v| v.concat())
}

fn spans_in(text: &str, n: &Node) {
    assert!(n.span.start <= n.span.end && n.span.end <= text.len());
    for e in n.entries() {
        assert!(e.key_span.start <= e.key_span.end && e.key_span.end <= text.len());
        spans_in(text, &e.value);
    }
    for i in n.items() {
        spans_in(text, i);
    }
}

fn check_document(name: &str, text: &str) {
    for f in kmslint::check_bytes(name, text.as_bytes(), &Config::default(), &REG) {
        let len = f.file.text.len();
        assert!(f.span.start <= f.span.end && f.span.end <= len, "{f:?}");
        for r in &f.related {
            assert!(r.span.end <= r.file.text.len(), "{r:?}");
        }
    }
}

const CASES: u32 = 512;

proptest! {
    #![proptest_config(ProptestConfig { cases: CASES, ..ProptestConfig::default() })]

    #[test]
    fn json_never_panics(text in prop_oneof![mutated(CFN_JSON), mutated(POLICY), tokens(), any::<String>()]) {
        if let Ok(n) = json::parse_json(&text) {
            spans_in(&text, &n);
        }
        let quoted = serde_json::Value::String(text.clone()).to_string();
        let _ = json::parse_json_in_string(&quoted, 3);
        let _ = json::parse_json_in_string(&text, 0);
    }

    #[test]
    fn yaml_never_panics(text in prop_oneof![mutated(CFN_YAML), tokens(), any::<String>()]) {
        match yaml::parse_yaml(&text) {
            Ok(n) => spans_in(&text, &n),
            Err(e) => prop_assert!(e.span.start <= e.span.end && e.span.end <= text.len()),
        }
    }

    #[test]
    fn hcl_and_module_extraction_never_panic(text in prop_oneof![mutated(TF), tokens(), any::<String>()]) {
        if let Err(e) = hcl::parse_hcl(&text) {
            prop_assert!(e.span.start <= e.span.end && e.span.end <= text.len());
        }
        let _ = hcl::parse_template(&text);
        let mut unit = Unit::single(SourceFile::new("main.tf", text.as_str()));
        let out = kf::extract_module(&mut unit, Path::new(""), &[]);
        for e in &out.errors {
            let len = unit.file(e.file).map_or(0, |f| f.text.len());
            prop_assert!(e.span.start <= e.span.end && e.span.end <= len, "{:?}", e);
        }
    }

    #[test]
    fn plan_extraction_never_panics(edits in prop::collection::vec(edit(), 0..16)) {
        let text = apply(PLAN, &edits);
        if let Ok(node) = json::parse_json(&text) {
            let out = kf::extract_plan(FileId(0), &text, &node);
            for e in &out.errors {
                prop_assert!(e.span.start <= e.span.end && e.span.end <= text.len());
            }
        }
    }

    #[test]
    fn pipeline_never_panics_on_templates(text in prop_oneof![mutated(CFN_YAML), mutated(CFN_JSON)]) {
        check_document("template.yaml", &text);
        check_document("template.json", &text);
    }

    #[test]
    fn pipeline_never_panics_on_policies_plans_and_terraform(
        policy in mutated(POLICY),
        tf in mutated(TF),
        edits in prop::collection::vec(edit(), 0..8),
    ) {
        check_document("policy.json", &policy);
        check_document("main.tf", &tf);
        check_document("main.tf.json", &policy);
        check_document("plan.json", &apply(PLAN, &edits));
    }

    #[test]
    fn pipeline_never_panics_on_bytes(bytes in prop::collection::vec(any::<u8>(), 0..256), n in 0usize..4) {
        let name = ["t.yaml", "t.json", "main.tf", "t.template"][n];
        for f in kmslint::check_bytes(name, &bytes, &Config::default(), &REG) {
            prop_assert!(f.span.end <= f.file.text.len());
        }
    }
}
