//! Shared vocabulary at the bottom of the pipeline: every stage may use it, it uses no stage.
//!
//! * `source`: files and byte spans;
//! * `severity`: how serious a finding is;
//! * `diag`: an input that could not be read or parsed (becomes a KMS000 finding);
//! * `limits`: the bounds every stage keeps to on untrusted input;
//! * `aws`: AWS identifiers (account ids, organization ids, ARNs);
//! * `trust`: the team's trust list and the typed decision "whose account is this";
//! * `date`: calendar dates for suppressions' `until=`;
//! * `printable`: input text made safe to print (no forged lines, no terminal escapes).

pub mod aws;
pub mod date;
pub mod diag;
pub mod limits;
pub mod printable;
pub mod severity;
pub mod source;
pub mod trust;
