//! kmslint: finds dangerous AWS KMS key policies in CloudFormation and Terraform.
pub mod parse;
pub mod source;
