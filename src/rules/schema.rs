//! The shape of a rule file. Rules are data: id, texts, and a `when` table over named facts.

use crate::config::Severity;
use crate::model::facts::SubjectKind;
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleDef {
    /// `KMS001`: stable forever, never reused.
    pub id: String,
    /// kebab-case name of the bad pattern: `wildcard-principal`.
    pub name: String,
    pub severity: Severity,
    /// Rules that are off unless the config turns them on.
    #[serde(default)]
    pub default_off: bool,
    /// What the rule is about: `principal`, `condition_value`, `duplicate`, `grant`, `policy`,
    /// `parse_error`, `suppression`.
    pub subject: Vec<String>,
    /// One line for `kmslint rules`.
    pub summary: String,
    /// The finding's message, with `{var}` placeholders.
    pub message: String,
    /// Per-subject message overrides, keyed by subject name.
    #[serde(default)]
    pub messages: BTreeMap<String, String>,
    /// The label under the offending span.
    pub label: String,
    /// How to fix it, one or two sentences.
    pub help: String,
    /// Markdown for `kmslint explain`: why it is dangerous, a bad and a good example.
    pub docs: String,
    /// Facts that must all hold: a value, or a list of accepted values.
    #[serde(default)]
    pub when: BTreeMap<String, Expected>,
    /// What an unknown fact means: `skip` (no finding) or `match`.
    #[serde(default)]
    pub on_unknown: OnUnknown,
}

impl RuleDef {
    /// The severity it runs at unless configured, or `off` for a rule that is off by default.
    pub fn default_level(&self) -> &'static str {
        if self.default_off {
            "off"
        } else {
            self.severity.as_str()
        }
    }
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum Expected {
    Bool(bool),
    Str(String),
    AnyOf(Vec<String>),
}

#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum OnUnknown {
    #[default]
    Skip,
    Match,
}

/// Facts each subject provides; a rule naming any other fact is rejected when loaded.
pub fn facts_of(kind: SubjectKind) -> &'static [&'static str] {
    match kind {
        SubjectKind::Principal => &[
            "effect",
            "element",
            "kind",
            "trust",
            "root",
            "caller_restricted",
            "caller_scope",
            "network_restricted",
            "service_scoped",
            "admin",
        ],
        SubjectKind::ConditionValue => &["effect", "element", "trust", "key_kind", "caller_scope"],
        SubjectKind::Duplicate => &[],
        SubjectKind::Grant => &["effect", "role", "kind", "trust", "caller_scope"],
        SubjectKind::Policy => &[
            "effect",
            "known",
            "trust",
            "caller_scope",
            "cross_account",
            "has_tag",
        ],
        SubjectKind::ParseError => &[],
        SubjectKind::Suppression => &["problem"],
    }
}

/// Message placeholders each subject provides.
pub fn vars_of(kind: SubjectKind) -> &'static [&'static str] {
    match kind {
        SubjectKind::Principal => &[
            "statement",
            "principal",
            "type",
            "account",
            "conditions",
            "admin_actions",
            "reason",
            "resource",
        ],
        SubjectKind::ConditionValue => &[
            "statement",
            "key",
            "value",
            "principal",
            "account",
            "reason",
            "resource",
        ],
        SubjectKind::Duplicate => &["key", "count", "resource"],
        SubjectKind::Grant => &["role", "principal", "account", "reason", "resource"],
        SubjectKind::Policy => &["reason", "resource", "tag"],
        SubjectKind::ParseError => &["message", "resource"],
        SubjectKind::Suppression => &["rules", "reason", "until", "detail", "resource"],
    }
}
