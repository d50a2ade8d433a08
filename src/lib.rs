//! kmslint: finds dangerous AWS KMS key policies in CloudFormation and Terraform before they are
//! deployed.
//!
//! The pipeline, one module per stage, data flowing one way:
//! `discover` -> `parse` -> `extract` -> `resolve` -> `model` -> `rules` -> `report`.
//! This library does no terminal I/O; the binary (`main.rs`) parses arguments, prints and exits.

pub mod check;
pub mod config;
pub mod discover;
pub mod extract;
pub mod inventory;
pub mod model;
pub mod parse;
pub mod report;
pub mod resolve;
pub mod rules;
pub mod source;
pub mod suppress;

pub use check::{scan, Options, Report};
