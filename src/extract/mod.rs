//! Extract stage: parsed files -> `PolicySite`s, every KMS key policy and grant with its location.
//!
//! Each extractor resolves the expressions it meets (through `resolve`) and hands the model a
//! format-independent `Doc`, so one model and one rule set serve every input format.

pub mod cloudformation;
pub mod plan;
pub mod terraform;

use crate::resolve::{Doc, Value};
use crate::source::{FileId, Loc, SourceFile, Span};
use std::sync::Arc;

/// The files analysed together: one CloudFormation template, or one Terraform module directory
/// (its `.tf`/`.tf.json` files, tfvars and any `file()` it reads). `FileId(i)` is `files[i]`.
#[derive(Debug, Default)]
pub struct Unit {
    pub files: Vec<Arc<SourceFile>>,
}

impl Unit {
    pub fn single(file: Arc<SourceFile>) -> Self {
        Unit { files: vec![file] }
    }

    pub fn file(&self, id: FileId) -> Option<&Arc<SourceFile>> {
        self.files.get(id.0 as usize)
    }

    /// Adds a file and returns its id.
    pub fn add(&mut self, file: Arc<SourceFile>) -> FileId {
        self.files.push(file);
        FileId(self.files.len().saturating_sub(1) as u32)
    }
}

/// One key policy or grant found in a unit.
#[derive(Clone, Debug, PartialEq)]
pub struct PolicySite {
    /// CloudFormation logical id, or Terraform address (`aws_kms_key.logs`,
    /// `module.logs.aws_kms_key.this`).
    pub resource: String,
    /// `AWS::KMS::Key`, `aws_kms_key_policy`, ...
    pub resource_type: String,
    /// The resource declaration (its logical id or block label).
    pub loc: Loc,
    /// The account that owns the key when the file says so literally (plans, bare policies,
    /// `--key-account`); otherwise the key's account is "self".
    pub key_account: Option<Value>,
    pub body: SiteBody,
    /// Resource tags, for the inventory and tagging rules.
    pub tags: Vec<(String, Value)>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum SiteBody {
    /// A key policy document, resolved.
    KeyPolicy(Doc),
    /// A key declared without a policy: AWS applies the default key policy (own account only).
    DefaultPolicy,
    /// A grant (`aws_kms_grant`, `AWS::KMS::Grant` is not a CloudFormation type).
    Grant(Grant),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Grant {
    pub grantee: Option<Doc>,
    pub retiring: Option<Doc>,
    pub operations: Vec<Doc>,
}

/// A file, or a part of one, that could not be read or parsed: nothing in it was checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExtractError {
    pub file: FileId,
    pub span: Span,
    pub message: String,
    /// Where the error comes from, e.g. `kmslint::parse::json`.
    pub code: &'static str,
}

/// What extraction found in one unit.
#[derive(Debug, Default)]
pub struct Extracted {
    pub sites: Vec<PolicySite>,
    pub errors: Vec<ExtractError>,
    /// Aliases declared for keys: (the key's resource name, `alias/…`), for the inventory.
    pub aliases: Vec<(String, String)>,
}
