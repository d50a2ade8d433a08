//! What a template says about itself, beside its policies: names it declares twice
//! (`ir::DuplicateId`, rule KMS017), and the parts only some deployments have
//! (`ir::Conditional`), which findings inside them name.

use super::facts::{Subject, SubjectKind, V};
use super::{Finding, Related};
use crate::ir::{Conditional, DuplicateId, Unit};
use std::sync::Arc;

/// One subject per duplicated name, at the first declaration (the one a reader meets first and
/// CloudFormation drops), the others related; the last is the one deployed.
pub fn duplicate_id_subject(d: &DuplicateId) -> Option<Subject> {
    let (first, rest) = d.locs.split_first()?;
    let mut s = Subject::new(SubjectKind::DuplicateId, *first);
    let section = if d.section == "template" {
        "the template".to_string()
    } else {
        format!("`{}`", d.section)
    };
    s.var(V::Key, d.name.clone())
        .var(V::Count, d.locs.len().to_string())
        .var(V::Section, section);
    let last = rest.len();
    s.related = rest
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let what = if i + 1 == last {
                format!("`{}` again: this copy is the one deployed", d.name)
            } else {
                format!("`{}` again, also dropped", d.name)
            };
            (*l, what)
        })
        .collect();
    Some(s)
}

/// Adds to each finding inside a conditional part the condition that deploys it (outermost
/// first), pointing at where the condition is named.
pub fn deployment_notes(findings: &mut [Finding], conditional: &[Conditional], unit: &Unit) {
    if conditional.is_empty() {
        return;
    }
    let mut parts: Vec<&Conditional> = conditional.iter().collect();
    parts.sort_by_key(|c| std::cmp::Reverse(c.scope.span.len()));
    for f in findings.iter_mut() {
        for c in &parts {
            let (Some(scope_file), Some(at_file)) = (unit.file(c.scope.file), unit.file(c.at.file))
            else {
                continue;
            };
            let inside = Arc::ptr_eq(scope_file, &f.file)
                && c.scope.span.start <= f.span.start
                && f.span.end <= c.scope.span.end;
            if inside {
                f.related.push(Related {
                    file: at_file.clone(),
                    span: c.at.span,
                    message: c.when.clone(),
                });
            }
        }
    }
}
