//! `Metadata: {kmslint: {ignore: [...]}}` of CloudFormation resources.

use super::{Scope, Selectors, Suppression};
use crate::base::date::Date;
use crate::base::source::FileId;
use crate::parse::{Node, NodeKind};

/// `Metadata.kmslint.ignore` entries of every resource of a CloudFormation template.
pub fn from_metadata(file: FileId, root: &Node) -> Vec<Suppression> {
    let mut out = Vec::new();
    let Some(resources) = root.get("Resources") else {
        return out;
    };
    for res in resources.entries() {
        let Some(kmslint) = res.value.get("Metadata").and_then(|m| m.get("kmslint")) else {
            continue;
        };
        // The resource node, not its name: the other copy of a duplicate logical id is another.
        let scope = Scope::Resource {
            name: res.key.clone(),
            key: res.key_span,
        };
        let entries: Vec<&Node> = match (&kmslint.kind, kmslint.get("ignore")) {
            (_, Some(list)) if matches!(list.kind, NodeKind::Seq(_)) => {
                list.items().iter().collect()
            }
            (_, Some(one)) => vec![one],
            (NodeKind::Map(_), None) => {
                out.push(Suppression {
                    file,
                    span: kmslint.span,
                    rules: Vec::new(),
                    reason: None,
                    until: None,
                    scope: scope.clone(),
                    selectors: Selectors::default(),
                    malformed: Some(
                        "`Metadata.kmslint` has no `ignore` list: write `ignore: [{rule: KMS002, reason: \"…\"}]`"
                            .into(),
                    ),
                });
                continue;
            }
            _ => continue,
        };
        for e in entries {
            out.push(metadata_entry(file, e, scope.clone()));
        }
    }
    out
}

fn metadata_entry(file: FileId, e: &Node, scope: Scope) -> Suppression {
    let mut s = Suppression {
        file,
        span: e.span,
        rules: Vec::new(),
        reason: None,
        until: None,
        scope,
        selectors: Selectors::default(),
        malformed: None,
    };
    let mut problems = Vec::new();
    if let Some(rule) = e.as_str() {
        // `ignore: [KMS002]`: a rule without a reason.
        s.rules.push(rule.to_string());
        return s;
    }
    if !e.is_map() {
        s.malformed = Some("an `ignore` entry is a map: `{rule: KMS002, reason: \"…\"}`".into());
        return s;
    }
    for entry in e.entries() {
        match entry.key.as_str() {
            "rule" | "id" | "rules" => {
                let values: Vec<&Node> = match &entry.value.kind {
                    NodeKind::Seq(items) => items.iter().collect(),
                    _ => vec![&entry.value],
                };
                for v in values {
                    match v.as_str() {
                        Some(r) => s.rules.extend(
                            r.split([',', ' '])
                                .filter(|x| !x.is_empty())
                                .map(str::to_string),
                        ),
                        None => problems.push("`rule` is not a string".to_string()),
                    }
                }
            }
            "reason" => s.reason = entry.value.as_str().map(str::to_string),
            "sid" | "principal" | "account" => {
                let Some(v) = entry.value.as_str().map(str::to_string) else {
                    problems.push(format!("`{}` is not a string", entry.key));
                    continue;
                };
                match entry.key.as_str() {
                    "sid" => s.selectors.sid = Some(v),
                    "principal" => s.selectors.principal = Some(v),
                    _ => s.selectors.account = Some(v),
                }
            }
            "until" => match entry.value.as_str().and_then(|d| Date::parse(d.trim())) {
                Some(d) => s.until = Some(d),
                None => problems.push("`until` is not a date; write it as YYYY-MM-DD".into()),
            },
            other => problems.push(format!(
                "unknown key `{other}` (an entry takes `rule`, `reason`, `until` and, to say what it accepts, `sid`, `principal`, `account`)"
            )),
        }
    }
    if s.rules.is_empty() {
        problems.push("it names no rule: add `rule: KMS002`".into());
    }
    if !problems.is_empty() {
        s.malformed = Some(problems.join("; "));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        Date::parse(s).unwrap_or(Date {
            year: 0,
            month: 0,
            day: 0,
        })
    }

    #[test]
    fn metadata_entries() {
        let text = r#"{"Resources": {"K": {"Type": "AWS::KMS::Key", "Metadata": {"kmslint": {"ignore": [
            {"rule": "KMS002", "reason": "vendor", "until": "2027-03-31"},
            {"rule": "KMS009"},
            "KMS001",
            {"rule": "KMS002", "reasn": "typo"}]}}}}}"#;
        let root = match crate::parse::json::parse_json(text) {
            Ok(r) => r,
            Err(e) => panic!("{e}"),
        };
        let s = from_metadata(FileId(0), &root);
        assert_eq!(s.len(), 4);
        assert!(matches!(&s[0].scope, Scope::Resource { name, .. } if name == "K"));
        assert_eq!(s[0].reason.as_deref(), Some("vendor"));
        assert_eq!(s[0].until, Some(d("2027-03-31")));
        assert_eq!(s[1].reason, None);
        assert_eq!(s[2].rules, vec!["KMS001"]);
        assert!(s[3]
            .malformed
            .as_deref()
            .is_some_and(|m| m.contains("reasn")));
    }
}
