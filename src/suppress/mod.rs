//! Suppressions, applied centrally after the rules (never by a rule itself).
//!
//! Two sources:
//! * a comment on the finding's line, or on the comment line(s) directly above it, in YAML
//!   (`#`) and HCL (`#`, `//`): `# kmslint:ignore KMS002 reason="vendor X contract"
//!   until=2027-03-31`. Only a real comment counts: the parser of the file says where its
//!   strings are, and a marker inside one (a Sid, a heredoc) is text;
//! * for CloudFormation (JSON and YAML), a resource's
//!   `Metadata: {kmslint: {ignore: [{rule: KMS002, reason: "…", until: "2027-03-31"}]}}`.
//!
//! What a suppression covers is the findings of one key policy at the place it annotates, and
//! of one target there: a principal of a statement (or the policy as a whole). A comment's
//! place is its line, in its own file, and a finding is there when it starts on that line, or
//! its statement or its key's declaration does, and its key is declared in that same file: a
//! comment above a shared Terraform local covers no key in another file. A `Metadata` entry's
//! place is that resource node, not its name (a duplicate logical id's other copy is another
//! node). When the place holds findings of more than one target (a one-line JSON policy, a
//! second account added to a reviewed statement), the suppression covers none and says so,
//! unless it names what it accepts: `sid=`, `principal=`, `account=` narrow it, and a principal
//! or an account named explicitly covers that one wherever it occurs at the place.
//!
//! A suppression needs a reason and may expire, at most `[suppressions] max_days` ahead. One
//! that has no reason, names an unknown rule, is malformed, has expired, reaches too far ahead,
//! is ambiguous or names KMS000 (a file that cannot be read is never checked: it cannot be
//! accepted, only excluded) suppresses nothing and is itself reported (KMS011, KMS013); one
//! that matches no finding is reported as unused (KMS014).

mod comments;
mod metadata;

pub use comments::from_comments;
pub use metadata::from_metadata;

use crate::base::date::Date;
use crate::base::source::{FileId, Loc, SourceFile, Span};
use crate::ir::Unit;
use crate::rules::engine::{self, Levels};
use crate::rules::facts::{Subject, SubjectKind, F, V};
use crate::rules::registry::Registry;
use crate::rules::{Finding, Suppressed};
use std::sync::Arc;

/// The rule no suppression may cover.
const PARSE_ERROR: &str = "KMS000";

/// Which findings a suppression covers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Findings at this 0-based line of the suppression's file (`None`: the comment is followed
    /// by a blank line or the end of the file, so it covers nothing).
    Line(Option<usize>),
    /// Findings of the CloudFormation resource declared by this key (its logical id and span)
    /// in the suppression's file.
    Resource { name: String, key: Span },
}

/// What a suppression says it accepts, beyond the rule: each narrows it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Selectors {
    /// The statement's Sid.
    pub sid: Option<String>,
    /// The principal, as written.
    pub principal: Option<String>,
    /// The account the principal (or condition) names.
    pub account: Option<String>,
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
    pub selectors: Selectors,
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
/// invalid, expired, ambiguous or unused. `max_days`: how far ahead an `until=` may be.
pub fn apply(
    unit: &Unit,
    suppressions: &[Suppression],
    findings: &mut [Finding],
    policy: &Policy<'_>,
) -> Vec<(Subject, Option<String>)> {
    let mut out = Vec::new();
    for s in suppressions {
        let resource = match &s.scope {
            Scope::Resource { name, .. } => Some(name.clone()),
            Scope::Line(_) => None,
        };
        let mut report = |problem: &str, rules: &str, detail: String| {
            out.push((problem_subject(s, problem, rules, detail), resource.clone()));
        };
        let shown = s.rules.join(", ");
        if let Some(why) = &s.malformed {
            report("malformed", &shown, why.clone());
            continue;
        }
        let Some(file) = unit.file(s.file) else {
            continue;
        };
        // Resolve each named rule to an id.
        let mut ids: Vec<(String, &str)> = Vec::new();
        let mut unknown = Vec::new();
        for name in &s.rules {
            match policy
                .reg
                .rules
                .iter()
                .find(|r| r.def.id.eq_ignore_ascii_case(name) || r.def.name == *name)
            {
                Some(r) => ids.push((r.def.id.clone(), name)),
                None => unknown.push(name.as_str()),
            }
        }
        if !unknown.is_empty() {
            report(
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
            );
        }
        if ids.iter().any(|(id, _)| id == PARSE_ERROR) {
            report(
                "unsuppressible",
                &shown,
                format!("{PARSE_ERROR} cannot be suppressed: nothing in a file that cannot be read or parsed was checked. Fix the file, or leave it out with [scan] exclude (the summary reports it)"),
            );
            continue;
        }
        let reason = s.reason.as_deref().map(str::trim).unwrap_or("");
        if reason.is_empty() {
            report(
                "missing_reason",
                &shown,
                "it gives no reason: say why the finding is acceptable, e.g. `reason=\"vendor X contract, ticket SEC-123\"`".into(),
            );
            continue;
        }
        if let Some(until) = s.until {
            if until < policy.today {
                report("expired", &shown, format!("expired on {until}"));
                continue;
            }
            let horizon = policy.today.plus_days(i64::from(policy.max_days));
            if until > horizon {
                report(
                    "too_far",
                    &shown,
                    format!(
                        "`until={until}` is more than {} days ahead (after {horizon}; [suppressions] max_days): review it again by then",
                        policy.max_days
                    ),
                );
                continue;
            }
        }
        let applied = Suppressed {
            reason: reason.to_string(),
            until: s.until,
            kind: match s.scope {
                Scope::Line(_) => "comment",
                Scope::Resource { .. } => "metadata",
            },
        };
        for (id, written) in &ids {
            let covered: Vec<usize> = findings
                .iter()
                .enumerate()
                .filter(|(_, f)| f.rule == *id && at_place(s, file, f) && selected(s, f))
                .map(|(i, _)| i)
                .collect();
            let targets = targets(findings, &covered);
            let named = s.selectors.principal.is_some() || s.selectors.account.is_some();
            if targets.len() > 1 && !named {
                report(
                    "ambiguous",
                    written,
                    format!(
                        "there are {id} findings of {} different principals or statements here ({}): say which one it accepts with `sid=`, `principal=` or `account=`",
                        targets.len(),
                        targets.join("; ")
                    ),
                );
                continue;
            }
            for &i in &covered {
                if let Some(f) = findings.get_mut(i) {
                    if !f.suppressed {
                        f.suppressed = true;
                        f.suppression = Some(applied.clone());
                    }
                }
            }
            let enabled = policy
                .reg
                .get(id)
                .is_some_and(|r| engine::level(r, policy.levels).is_some());
            if covered.is_empty() && enabled {
                report(
                    "unused",
                    written,
                    format!("it suppresses {written}, but there is no {id} finding here"),
                );
            }
        }
    }
    out
}

/// What suppressions are judged by: the rules and their levels, today and the horizon.
pub struct Policy<'a> {
    pub reg: &'a Registry,
    pub levels: &'a Levels,
    pub today: Date,
    /// How far ahead an `until=` may be (`[suppressions] max_days`).
    pub max_days: u32,
}

/// Is the finding at the place the suppression annotates?
fn at_place(s: &Suppression, file: &Arc<SourceFile>, f: &Finding) -> bool {
    let Some(anchor) = &f.anchor else {
        return false;
    };
    let (site_file, site_span) = &anchor.site;
    // A value a module instance received from its caller: a comment on the caller's argument
    // (a related location marked suppressible) covers the finding too.
    if let Scope::Line(Some(line)) = &s.scope {
        let on_caller_line = f.related.iter().any(|r| {
            r.suppressible
                && Arc::ptr_eq(&r.file, file)
                && file.lines().line_of(r.span.start) == *line
        });
        if on_caller_line {
            return true;
        }
    }
    if !Arc::ptr_eq(site_file, file) {
        return false;
    }
    match &s.scope {
        Scope::Resource { key, .. } => site_span == key,
        Scope::Line(None) => false,
        Scope::Line(Some(line)) => {
            let on = |start: usize| file.lines().line_of(start) == *line;
            (Arc::ptr_eq(&f.file, file) && on(f.span.start))
                || anchor
                    .statement
                    .as_ref()
                    .is_some_and(|(sf, sp)| Arc::ptr_eq(sf, file) && on(sp.start))
                || on(site_span.start)
        }
    }
}

/// Does the finding match what the suppression names?
fn selected(s: &Suppression, f: &Finding) -> bool {
    let sel = &s.selectors;
    let sid = f
        .statement
        .as_deref()
        .map(|st| st.trim_matches('"'))
        .unwrap_or("");
    sel.sid.as_deref().is_none_or(|want| want == sid)
        && sel
            .principal
            .as_deref()
            .is_none_or(|want| f.principal.as_deref() == Some(want))
        && sel
            .account
            .as_deref()
            .is_none_or(|want| f.account.as_deref() == Some(want))
}

/// The distinct targets (key, statement, principal) of the covered findings, as shown.
fn targets(findings: &[Finding], covered: &[usize]) -> Vec<String> {
    let mut out: Vec<(usize, usize, String)> = Vec::new();
    for f in covered.iter().filter_map(|&i| findings.get(i)) {
        let Some(anchor) = &f.anchor else {
            continue;
        };
        let site = anchor.site.1.start;
        let statement = anchor
            .statement
            .as_ref()
            .map_or(usize::MAX, |(_, s)| s.start);
        let who = match (&f.statement, &f.principal) {
            (Some(st), Some(p)) => format!("{} statement {st} principal {p}", key_name(f)),
            (Some(st), None) => format!("{} statement {st}", key_name(f)),
            (None, Some(p)) => format!("{} principal {p}", key_name(f)),
            (None, None) => key_name(f),
        };
        let t = (site, statement, who);
        if !out.contains(&t) {
            out.push(t);
        }
    }
    out.into_iter().map(|(_, _, w)| w).collect()
}

fn key_name(f: &Finding) -> String {
    f.resource.clone().unwrap_or_else(|| "the policy".into())
}
