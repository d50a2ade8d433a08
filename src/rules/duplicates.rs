//! Producer for names a template declares twice (`ir::DuplicateId`, rule KMS017).

use super::facts::{Subject, SubjectKind, V};
use crate::ir::DuplicateId;

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
