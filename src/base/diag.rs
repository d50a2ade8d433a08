//! An input, or a part of one, that could not be read, parsed or evaluated within the limits:
//! nothing in it was checked, so it becomes a KMS000 finding at its own location (fail closed).

use super::source::{FileId, Span};

/// Where a problem comes from, shown as the finding's code (`kmslint::parse::json`).
pub mod code {
    pub const READ: &str = "kmslint::read";
    pub const DISCOVER: &str = "kmslint::discover";
    pub const JSON: &str = "kmslint::parse::json";
    pub const YAML: &str = "kmslint::parse::yaml";
    pub const HCL: &str = "kmslint::parse::hcl";
    /// A `file()`/`templatefile()` that could not be read.
    pub const TERRAFORM_FILE: &str = "kmslint::terraform::file";
    /// An evaluation limit was hit (steps, depth, string length, alternatives).
    pub const RESOLVE_LIMIT: &str = "kmslint::resolve::limit";
    /// A resolved policy too large to check.
    pub const POLICY_LIMIT: &str = "kmslint::policy::limit";
    /// A CloudFormation template AWS would reject, or a part of one kmslint cannot read (a list
    /// inside a list, a local nested-stack template that cannot be read).
    pub const TEMPLATE: &str = "kmslint::cloudformation";
    /// A plan nested deeper than the limit.
    pub const PLAN_LIMIT: &str = "kmslint::plan::limit";
}

/// A file, or a part of one, that could not be read or parsed: nothing in it was checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputError {
    pub file: FileId,
    pub span: Span,
    pub message: String,
    /// Where the error comes from, one of `code::*`.
    pub code: &'static str,
}
