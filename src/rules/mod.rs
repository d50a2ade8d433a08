//! Rules stage: declarative rule files (`rules/*.toml`, embedded at build time, plus any the
//! user's config adds) matched against the facts of each subject.
//!
//! * `facts`: the vocabulary (subjects, facts, placeholders), one table for producers and
//!   validator;
//! * `subjects`: the producers, from the model; `template`: names a template declares twice,
//!   and the condition that deploys a finding's part of it;
//! * `schema`, `registry`: rule files and their validation;
//! * `engine`: matching `when` against facts, and writing findings;
//! * `finding`: what is reported;
//! * `merge`: one finding per statement (or grant) and rule.

pub mod engine;
pub mod facts;
pub mod finding;
pub mod merge;
pub mod registry;
pub mod schema;
pub mod subjects;
pub mod template;

pub use finding::{Anchor, Finding, Group, Related, Suppressed, Words};
