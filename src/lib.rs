//! kmslint: finds dangerous AWS KMS key policies in CloudFormation and Terraform.
pub mod extract;
pub mod parse;
pub mod resolve;
pub mod source;
