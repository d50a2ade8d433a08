//! Front ends, one per input format: each owns its parsing glue, its extraction of KMS key
//! policies and grants, and the evaluation of the format's expressions, and hands the model the
//! same intermediate representation (`ir::Extracted`).
//!
//! * `cloudformation`: templates (JSON and YAML, intrinsics in both forms);
//! * `terraform`: module directories (HCL, `.tf.json`, tfvars), with the expression evaluator;
//! * `plan`: `terraform show -json` output;
//! * `bare`: a bare key policy, as `aws kms get-key-policy` prints it.
//!
//! `read_document` decides which front end a single document (a JSON or YAML file, or standard
//! input) belongs to, by its content.

pub mod bare;
pub mod cloudformation;
pub mod plan;
pub mod terraform;

use crate::base::diag::{code, InputError};
use crate::base::source::{FileId, SourceFile};
use crate::ir::{Extracted, Value};
use crate::parse::{json, Node};
use std::path::Path;
use std::sync::Arc;

/// What reading one document gave.
#[derive(Debug, Default)]
pub struct Document {
    pub extracted: Extracted,
    /// The parsed CloudFormation template, for its `Metadata` suppressions.
    pub template: Option<Node>,
    /// Whether it is something kmslint reads: a template, a plan, a key policy (or it failed to
    /// parse while holding text a policy is written in: a KMS000). `false` for a document that
    /// is none of these (`package.json`, a Kubernetes manifest).
    pub recognised: bool,
    /// Other files the document read (a nested stack's local template): `FileId(1)` on.
    pub files: Vec<Arc<SourceFile>>,
}

/// How to read a document.
#[derive(Clone, Copy, Debug, Default)]
pub struct DocumentOptions<'a> {
    /// Named on the command line (or standard input): a bare policy is checked only then.
    pub explicit: bool,
    /// The account that owns the key, for plans and bare policies (`--key-account`).
    pub key_account: Option<&'a str>,
    /// Parse every part, instead of leaving out what no key policy can depend on.
    pub no_prefilter: bool,
}

/// The names whose text marks a file that may hold a key policy or grant.
const KEY_NAMES: [&str; 2] = ["AWS::KMS::", "aws_kms_"];

/// Could this text hold a key policy at all? A cheap byte scan before any parse. Every parser
/// decodes escapes (`"AWS::KMS\u003a:Key"` in JSON, `"AWS\x3A\x3AKMS…"` or an escaped line
/// break in YAML, `\u005f` in an HCL label), so the scan looks at the text with its escapes
/// decoded too (`holds_escaped`). A template that nests a local template may hold none itself
/// and deploy a child that does.
pub fn may_hold_policy(text: &str, explicit: bool) -> bool {
    KEY_NAMES.iter().any(|n| text.contains(n))
        || cloudformation::nested::may_nest_locally(text)
        || (explicit && (text.contains("Statement") || text.contains("Policy")))
        || holds_escaped(text, &KEY_NAMES)
}

/// Does the text, once its escapes are decoded, hold one of `needles` that it does not hold as
/// written? Escapes decoded: `\uXXXX`, `\UXXXXXXXX`, `\xXX` and a backslash before a line break
/// (YAML joins the lines, dropping the next line's indentation). Text without a backslash
/// costs one search.
pub fn holds_escaped(text: &str, needles: &[&str]) -> bool {
    if memchr::memchr(b'\\', text.as_bytes()).is_none() {
        return false;
    }
    let decoded = decode_escapes(text);
    needles.iter().any(|n| decoded.contains(n))
}

fn decode_escapes(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('\\') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let hex = |n: usize| {
            after
                .get(1..=n)
                .filter(|h| h.bytes().all(|b| b.is_ascii_hexdigit()))
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .and_then(char::from_u32)
        };
        let (decoded, used) = match after.as_bytes().first() {
            Some(b'u') => (hex(4), 5),
            Some(b'U') => (hex(8), 9),
            Some(b'x') => (hex(2), 3),
            Some(b'\\') => (Some('\\'), 1),
            Some(b'\r' | b'\n') => {
                let joined = after.trim_start_matches(['\r', '\n']);
                let skip = after.len() - joined.trim_start_matches([' ', '\t']).len();
                rest = &after[skip..];
                continue;
            }
            _ => (None, 0),
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &after[used..];
            }
            None => {
                out.push('\\');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// JSON by name, or by content whatever the name: an object, or (named explicitly) one JSON
/// string (`get-key-policy --query Policy`) when it parses as one. YAML is a superset of JSON,
/// so this only picks the stricter parser.
fn looks_like_json(path: &Path, text: &str, explicit: bool) -> bool {
    let ext_json = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    let t = text.trim_start_matches('\u{feff}').trim_start();
    ext_json
        || t.starts_with('{')
        || (explicit
            && t.starts_with('"')
            && json::parse_json(text)
                .is_ok_and(|n| matches!(n.kind, crate::parse::NodeKind::String(_))))
}

/// Parses one document (JSON or YAML, by name and content) and extracts what its front end
/// finds: a CloudFormation template, a Terraform plan or, when named explicitly, a key policy in
/// any shape `aws kms get-key-policy` prints. A document that does not parse is one KMS000,
/// unless it was named explicitly and holds no text a policy is written in (then it is simply
/// not something kmslint reads).
pub fn read_document(file: &SourceFile, opts: DocumentOptions<'_>) -> Document {
    let is_json = looks_like_json(&file.path, &file.text, opts.explicit);
    // `get-key-policy --output text`: the policy, a tab and its name.
    let json_text = match bare::text_output_end(&file.text) {
        Some(end) if opts.explicit && is_json => file.text.get(..end).unwrap_or(&file.text),
        _ => file.text.as_str(),
    };
    let parsed = if is_json {
        json::parse_json(json_text).map_err(|e| (e, code::JSON))
    } else {
        cloudformation::parse_yaml(&file.text, opts.no_prefilter).map_err(|e| (e, code::YAML))
    };
    let root = match parsed {
        Ok(root) => root,
        Err(_) if opts.explicit && !may_hold_policy(&file.text, true) => {
            return Document::default();
        }
        Err((e, code)) => {
            let error = InputError {
                file: FileId(0),
                span: e.span,
                message: format!(
                    "could not parse as {}: {}",
                    if is_json { "JSON" } else { "YAML" },
                    e.message
                ),
                code,
            };
            return Document {
                extracted: Extracted {
                    errors: vec![error],
                    ..Extracted::default()
                },
                template: None,
                recognised: true,
                files: Vec::new(),
            };
        }
    };
    if cloudformation::is_template(&root) {
        let read = cloudformation::read_template(file, &root, is_json, opts.explicit);
        return Document {
            extracted: read.extracted,
            template: Some(root),
            recognised: true,
            files: read.files,
        };
    }
    if !is_json && cloudformation::serverless::is_serverless(&root) {
        if let Some(template) = cloudformation::serverless::template_of(&root) {
            let extracted = cloudformation::serverless::extract_serverless(
                FileId(0),
                &file.text,
                &root,
                &template,
            );
            return Document {
                extracted,
                template: Some(template),
                recognised: true,
                files: Vec::new(),
            };
        }
    }
    if is_json && plan::looks_like_plan(&root) {
        let mut out = plan::extract_plan(FileId(0), &file.text, &root);
        if let Some(account) = opts.key_account {
            // A key whose provider states its account (or leaves it unknown) keeps that.
            for site in out.sites.iter_mut().filter(|s| s.key_account.is_none()) {
                site.key_account = Some(Value::lit(account));
            }
        }
        return Document {
            extracted: out,
            template: None,
            recognised: true,
            files: Vec::new(),
        };
    }
    if !opts.explicit {
        return Document::default();
    }
    let extracted = if bare::is_policy(&root) {
        bare::extract_policy(file, &root, opts.key_account)
    } else {
        match bare::wrapped_policy(file, &root, is_json) {
            Some(Ok(policy)) => bare::extract_policy(file, &policy, opts.key_account),
            Some(Err(e)) => Extracted {
                errors: vec![e],
                ..Extracted::default()
            },
            None => return Document::default(),
        }
    };
    Document {
        extracted,
        template: None,
        recognised: true,
        files: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_are_decoded_before_the_scan() {
        assert!(may_hold_policy(r#"{"Type": "AWS::KMS\u003a:Key"}"#, false));
        assert!(may_hold_policy(
            "Type: \"AWS\\x3A\\x3AKMS\\x3A\\x3AKey\"",
            false
        ));
        assert!(may_hold_policy("Type: \"AWS::KM\\\n      S::Key\"", false));
        assert!(may_hold_policy(
            r#"resource "aws_kms\u005fkey" "k" {}"#,
            false
        ));
        assert!(may_hold_policy(r#"{"aws_kms\U0000005fkey": {}}"#, false));
        // Escapes that spell nothing of a key's name, and an escaped backslash, are not one.
        assert!(!may_hold_policy(
            "printf '\\x1b[31m'\napt-get install \\\n  curl\n",
            false
        ));
        assert!(!may_hold_policy(r#"{"a": "AWS::KMS\\u003a:Key"}"#, false));
        assert!(!may_hold_policy(r#"{"a": "\u00e9t\u00e9"}"#, false));
    }
}
