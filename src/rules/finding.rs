//! A finding, ready to report: what the rules engine makes of a subject that a rule matched.

use crate::base::date::Date;
use crate::base::severity::Severity;
use crate::base::source::{SourceFile, Span};
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
    pub principal: Option<String>,
    pub account: Option<String>,
    pub suppressed: bool,
    /// Why it is suppressed, when it is.
    pub suppression: Option<Suppressed>,
    /// Where the key policy it is about is written, for suppressions; `None` for a finding about
    /// a file as a whole (KMS000) or about a suppression.
    pub anchor: Option<Anchor>,
}

/// Where the key policy a finding is about is written: its resource's declaration (a logical
/// id, a block label) and, for a finding about one statement, that statement.
#[derive(Clone, Debug)]
pub struct Anchor {
    pub site: (Arc<SourceFile>, Span),
    pub statement: Option<(Arc<SourceFile>, Span)>,
}

#[derive(Clone, Debug)]
pub struct Related {
    pub file: Arc<SourceFile>,
    pub span: Span,
    pub message: String,
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
