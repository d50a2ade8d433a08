//! Suppressions, applied centrally after the rules (never by a rule itself).
//!
//! Two sources:
//! * a comment on the finding's line, or on the comment line(s) directly above it, in YAML
//!   (`#`) and HCL (`#`, `//`):
//!   `# kmslint:ignore KMS002 reason="vendor X contract" until=2027-03-31`;
//! * for CloudFormation (JSON and YAML), the resource's
//!   `Metadata: {kmslint: {ignore: [{rule: KMS002, reason: "…", until: "2027-03-31"}]}}`,
//!   which covers every finding of that resource.
//!
//! A suppression needs a reason and may expire. One that has no reason, names an unknown rule, is
//! malformed or has expired does not suppress anything and is itself reported (KMS011, KMS013);
//! one that matches no finding is reported as unused (KMS014).

mod comments;
mod metadata;

pub use comments::from_comments;
pub use metadata::from_metadata;

use crate::base::date::Date;
use crate::base::source::{FileId, Loc, Span};
use crate::ir::Unit;
use crate::rules::engine::{self, Levels};
use crate::rules::facts::{Subject, SubjectKind, F, V};
use crate::rules::registry::Registry;
use crate::rules::{Finding, Suppressed};

/// Which findings a suppression covers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Findings that start on this 0-based line of the suppression's file (`None`: the comment
    /// is followed by a blank line or the end of the file, so it covers nothing).
    Line(Option<usize>),
    /// Every finding of this CloudFormation resource (logical id) in the suppression's file.
    Resource(String),
}

/// One suppression as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Suppression {
    pub file: FileId,
    /// The comment, or the `ignore` entry in `Metadata`.
    pub span: Span,
    /// Rule ids or names as written.
    pub rules: Vec<String>,
    pub reason: Option<String>,
    pub until: Option<Date>,
    pub scope: Scope,
    /// What is wrong with how it is written, if anything (it then suppresses nothing).
    pub malformed: Option<String>,
}

/// A problem with a suppression, to be reported through the rules engine.
fn problem_subject(s: &Suppression, problem: &str, rules: &str, detail: String) -> Subject {
    let mut subject = Subject::new(SubjectKind::Suppression, Loc::new(s.file, s.span));
    subject
        .fact(F::Problem, problem)
        .var(V::Rules, rules)
        .var(
            V::Reason,
            s.reason.clone().unwrap_or_else(|| "(none)".into()),
        )
        .var(
            V::Until,
            s.until
                .map_or_else(|| "(no date)".into(), |d| d.to_string()),
        )
        .var(V::Detail, detail);
    subject
}

/// Applies the unit's suppressions to its findings: marks the findings they cover as suppressed,
/// and returns subjects (with the resource they belong to) for every suppression that is
/// invalid, expired or unused.
pub fn apply(
    unit: &Unit,
    suppressions: &[Suppression],
    findings: &mut [Finding],
    levels: &Levels,
    reg: &Registry,
    today: Date,
) -> Vec<(Subject, Option<String>)> {
    let mut out = Vec::new();
    for s in suppressions {
        let resource = match &s.scope {
            Scope::Resource(r) => Some(r.clone()),
            Scope::Line(_) => None,
        };
        let shown = s.rules.join(", ");
        if let Some(why) = &s.malformed {
            out.push((
                problem_subject(s, "malformed", &shown, why.clone()),
                resource,
            ));
            continue;
        }
        let Some(file) = unit.file(s.file) else {
            continue;
        };
        // Resolve each named rule to an id.
        let mut ids: Vec<(String, &str)> = Vec::new();
        let mut unknown = Vec::new();
        for name in &s.rules {
            match reg
                .rules
                .iter()
                .find(|r| r.def.id.eq_ignore_ascii_case(name) || r.def.name == *name)
            {
                Some(r) => ids.push((r.def.id.clone(), name)),
                None => unknown.push(name.as_str()),
            }
        }
        if !unknown.is_empty() {
            out.push((
                problem_subject(
                    s,
                    "unknown_rule",
                    &shown,
                    format!(
                        "it names {} that kmslint does not have (`kmslint rules` lists them)",
                        unknown
                            .iter()
                            .map(|u| format!("`{u}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                            + if unknown.len() == 1 {
                                ", a rule"
                            } else {
                                ", rules"
                            }
                    ),
                ),
                resource.clone(),
            ));
        }
        let reason = s.reason.as_deref().map(str::trim).unwrap_or("");
        if reason.is_empty() {
            out.push((
                problem_subject(
                    s,
                    "missing_reason",
                    &shown,
                    "it gives no reason: say why the finding is acceptable, e.g. `reason=\"vendor X contract, ticket SEC-123\"`".into(),
                ),
                resource,
            ));
            continue;
        }
        if let Some(until) = s.until {
            if until < today {
                out.push((
                    problem_subject(s, "expired", &shown, format!("expired on {until}")),
                    resource,
                ));
                continue;
            }
        }
        let applied = Suppressed {
            reason: reason.to_string(),
            until: s.until,
            kind: match s.scope {
                Scope::Line(_) => "comment",
                Scope::Resource(_) => "metadata",
            },
        };
        for (id, written) in &ids {
            let mut used = false;
            for f in findings.iter_mut() {
                let related_here = f
                    .related
                    .iter()
                    .any(|r| r.suppressible && std::sync::Arc::ptr_eq(&r.file, file));
                if f.rule != *id || !(std::sync::Arc::ptr_eq(&f.file, file) || related_here) {
                    continue;
                }
                let here = std::sync::Arc::ptr_eq(&f.file, file);
                let covered = match &s.scope {
                    Scope::Line(Some(line)) => {
                        (here && file.lines().line_of(f.span.start) == *line)
                            || f.related.iter().any(|r| {
                                r.suppressible
                                    && std::sync::Arc::ptr_eq(&r.file, file)
                                    && file.lines().line_of(r.span.start) == *line
                            })
                    }
                    Scope::Line(None) => false,
                    Scope::Resource(r) => here && f.resource.as_deref() == Some(r.as_str()),
                };
                if covered {
                    used = true;
                    if !f.suppressed {
                        f.suppressed = true;
                        f.suppression = Some(applied.clone());
                    }
                }
            }
            let enabled = reg
                .get(id)
                .is_some_and(|r| engine::level(r, levels).is_some());
            if !used && enabled {
                out.push((
                    problem_subject(
                        s,
                        "unused",
                        written,
                        format!("it suppresses {written}, but there is no {id} finding here"),
                    ),
                    resource.clone(),
                ));
            }
        }
    }
    out
}
