//! CloudFormation extraction (to be written).
