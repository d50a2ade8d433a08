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

/// Could this text hold a key policy at all? A cheap byte scan before any parse. A template
/// that nests a local template may hold none itself and deploy a child that does.
pub fn may_hold_policy(text: &str, explicit: bool) -> bool {
    text.contains("AWS::KMS::")
        || text.contains("aws_kms_")
        || cloudformation::nested::may_nest_locally(text)
        || (explicit && text.contains("Statement"))
}

fn looks_like_json(path: &Path, text: &str) -> bool {
    let ext_json = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    ext_json
        || text
            .trim_start_matches('\u{feff}')
            .trim_start()
            .starts_with('{')
}

/// Parses one document (JSON or YAML, by name and content) and extracts what its front end
/// finds: a CloudFormation template, a Terraform plan or, when named explicitly, a bare policy.
/// Anything else holds no key policy. A document that does not parse is one KMS000.
pub fn read_document(file: &SourceFile, opts: DocumentOptions<'_>) -> Document {
    let is_json = looks_like_json(&file.path, &file.text);
    let parsed = if is_json {
        json::parse_json(&file.text).map_err(|e| (e, code::JSON))
    } else {
        cloudformation::parse_yaml(&file.text, opts.no_prefilter).map_err(|e| (e, code::YAML))
    };
    let root = match parsed {
        Ok(root) => root,
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
                files: Vec::new(),
            };
        }
    };
    if cloudformation::is_template(&root) {
        let read = cloudformation::read_template(file, &root, is_json, opts.explicit);
        return Document {
            extracted: read.extracted,
            template: Some(root),
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
                files: Vec::new(),
            };
        }
    }
    let extracted = if is_json && plan::looks_like_plan(&root) {
        let mut out = plan::extract_plan(FileId(0), &file.text, &root);
        if let Some(account) = opts.key_account {
            for site in &mut out.sites {
                site.key_account = Some(Value::lit(account));
            }
        }
        out
    } else if opts.explicit && bare::is_policy(&root) {
        bare::extract_policy(file, &root, opts.key_account)
    } else {
        Extracted::default()
    };
    Document {
        extracted,
        template: None,
        files: Vec::new(),
    }
}
