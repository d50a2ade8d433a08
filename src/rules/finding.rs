//! A finding, ready to report: what the rules engine makes of a subject that a rule matched.

use super::engine::Matched;
use super::facts::{SubjectKind, V};
use crate::base::date::Date;
use crate::base::severity::Severity;
use crate::base::source::{SourceFile, Span};
use std::collections::BTreeMap;
use std::sync::Arc;

/// One finding, ready to report.
#[derive(Clone, Debug)]
pub struct Finding {
    pub rule: String,
    pub name: String,
    pub severity: Severity,
    pub message: String,
    /// The text of the label under the offending span.
    pub label: String,
    pub help: String,
    pub file: Arc<SourceFile>,
    pub span: Span,
    /// Secondary locations (the first of two duplicate keys, a `NotPrincipal` key).
    pub related: Vec<Related>,
    pub resource: Option<String>,
    pub statement: Option<String>,
    /// The first principal the finding is about (`principals[0]`).
    pub principal: Option<String>,
    /// The account of the first principal, when it names one.
    pub account: Option<String>,
    /// Every principal the finding is about, in document order: one finding per statement and
    /// rule lists them all (each is also a label in `related`).
    pub principals: Vec<String>,
    /// Every account those principals (or restricting values) name.
    pub accounts: Vec<String>,
    pub suppressed: bool,
    /// Why it is suppressed, when it is.
    pub suppression: Option<Suppressed>,
    /// Findings of one rule on one statement (or grant) of one site share a group, and are
    /// reported as one (`merge`); None stands alone.
    pub group: Option<Group>,
    /// What the message was written from, so that a group can be written as one.
    pub words: Option<Arc<Words>>,
}

/// The site (its position in the unit's extraction) and statement (or grant) of a finding.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Group {
    pub site: usize,
    pub index: usize,
}

/// The subject's words a finding's message was rendered from.
#[derive(Clone, Debug, PartialEq)]
pub struct Words {
    pub kind: SubjectKind,
    pub vars: BTreeMap<V, String>,
    pub matched: Matched,
}

#[derive(Clone, Debug)]
pub struct Related {
    pub file: Arc<SourceFile>,
    pub span: Span,
    pub message: String,
    /// The place where the value was written (a module caller's argument): a suppression on its
    /// line covers the finding too.
    pub suppressible: bool,
}

impl Finding {
    /// Sort key: by file, position, then rule, so output is the same whatever the thread count.
    pub fn sort_key(&self) -> (&std::path::Path, usize, usize, &str, &str) {
        (
            self.file.path(),
            self.span.start,
            self.span.end,
            &self.rule,
            &self.message,
        )
    }

    /// 1-based (line, column) of the start and end.
    pub fn start_end(&self) -> ((usize, usize), (usize, usize)) {
        (
            self.file.line_col(self.span.start),
            self.file.line_col(self.span.end),
        )
    }
}

/// Why a finding is suppressed: the justification, for reports (SARIF `suppressions`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Suppressed {
    pub reason: String,
    pub until: Option<Date>,
    /// `comment` or `metadata`.
    pub kind: &'static str,
}
