//! kmslint: finds dangerous AWS KMS key policies in CloudFormation and Terraform before they are
//! deployed.
//!
//! The pipeline, data flowing one way (no module imports a later one; `tests/architecture.rs`
//! checks it):
//!
//! ```text
//! base      spans, severity, limits, AWS ids, trust: shared vocabulary at the bottom
//! parse     bytes -> spanned trees (JSON, YAML, HCL)
//! ir        the resolved policy every front end produces
//! discover  paths -> files and units
//! frontend  cloudformation/, terraform/, plan, bare: parsing glue, extraction, evaluation
//! model     typed statements: principals, accounts, what the conditions pin
//! inventory who outside the key's account can use it
//! rules     facts (one vocabulary), declarative rules, findings
//! suppress  inline and Metadata suppressions, applied after the rules
//! config    kmslint.toml
//! check     the driver: units, parallel batches, output order
//! report    human, JSON, SARIF, GitHub annotations and summary, inventory
//! ```
//!
//! This library does no terminal I/O; the binary (`main.rs`) parses arguments, prints and exits.
//! The public API is what a caller needs to scan and report: `scan`, `check_bytes`, the config
//! and the report types.

mod base;
mod check;
pub mod config;
mod discover;
mod frontend;
mod inventory;
mod ir;
mod model;
mod parse;
pub mod report;
mod rules;
mod suppress;

pub use base::aws::is_account_id;
pub use base::date::Date;
pub use base::severity::{RuleLevel, Severity};
pub use check::{
    check_bytes, check_policy_text, scan, scan_keys, Options, Report, Scan, Totals, UnitReport,
};
pub use config::{Config, ConfigError};
pub use discover::DiscoverError;
pub use inventory::{Access, KeyRecord};
pub use rules::registry::{Registry, Rule, RuleError};
pub use rules::schema::RuleDef;
pub use rules::{Finding, Related, Suppressed};

/// The parsers and front ends, for the fuzz targets, benchmarks and parser tests only: not a
/// stable API.
#[doc(hidden)]
pub mod fuzzing {
    pub use crate::base::source::{FileId, SourceFile, Span};
    pub use crate::frontend::cloudformation::{extract_template, is_template, resource_matters};
    pub use crate::frontend::plan::{extract_plan, looks_like_plan};
    pub use crate::frontend::terraform::extract_module;
    pub use crate::ir::Unit;
    pub use crate::parse::{differential, hcl, json, yaml, Node, NodeKind, ParseError};
}
