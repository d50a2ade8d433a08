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
/// first), pointing at where the condition is named. Parts are spans of a tree (nested or
/// apart), so each finding climbs from the last part that starts before it: logarithmic, not a
/// scan of every part.
pub fn deployment_notes(findings: &mut [Finding], conditional: &[Conditional], unit: &Unit) {
    if conditional.is_empty() {
        return;
    }
    let mut parts: Vec<&Conditional> = conditional.iter().collect();
    parts.sort_by_key(|c| {
        (
            c.scope.file,
            c.scope.span.start,
            std::cmp::Reverse(c.scope.span.end),
        )
    });
    // The nearest earlier part that contains each part (its parent in the tree).
    let mut parent: Vec<Option<usize>> = vec![None; parts.len()];
    let mut open: Vec<usize> = Vec::new();
    for i in 0..parts.len() {
        let c = parts[i];
        while let Some(&top) = open.last() {
            let t = parts[top];
            if t.scope.file == c.scope.file && t.scope.span.end >= c.scope.span.end {
                break;
            }
            open.pop();
        }
        parent[i] = open.last().copied();
        open.push(i);
    }
    for f in findings.iter_mut() {
        let Some(file) = (0..unit.files.len()).find(|&i| Arc::ptr_eq(&unit.files[i], &f.file))
        else {
            continue;
        };
        let key = (crate::base::source::FileId(file as u32), f.span.start);
        let after = parts.partition_point(|c| (c.scope.file, c.scope.span.start) <= key);
        let mut at = after.checked_sub(1);
        let mut hits = Vec::new();
        while let Some(i) = at {
            let c = parts[i];
            if c.scope.file != key.0 {
                break;
            }
            if c.scope.span.start <= f.span.start && f.span.end <= c.scope.span.end {
                hits.push(c);
            }
            at = parent[i];
        }
        for c in hits.into_iter().rev() {
            if let Some(at_file) = unit.file(c.at.file) {
                f.related.push(Related {
                    file: at_file.clone(),
                    span: c.at.span,
                    message: c.when.clone(),
                    suppressible: false,
                });
            }
        }
    }
}
