//! Names a template declares twice. CloudFormation requires a logical id to be "unique within
//! the template" and calls duplicate sections "undefined behavior"; the service itself keeps the
//! last copy without a word (observed: aws-cli#2404, cfn-language-discussion#96), while cfn-lint,
//! SAM's and the Serverless Framework's loaders reject the file. A reviewer reading the first
//! copy reviews what is never deployed, so each such name is a finding (KMS017).
//!
//! Reported: duplicate top-level sections, duplicate `Parameters`/`Conditions`/`Mappings`
//! entries (any of them can change a key policy's values), and duplicate `Resources` logical ids
//! where a copy is a resource kmslint reads (keys, aliases, IAM roles and users a policy can
//! name, nested stacks). A duplicated bucket or queue is cfn-lint's business, not a key policy's.

use crate::base::source::{FileId, Loc};
use crate::ir::DuplicateId;
use crate::parse::{Entry, Node};

/// Resource types whose duplicate logical id can change what a key policy means.
const POLICY_TYPES: [&str; 8] = [
    "AWS::KMS::Key",
    "AWS::KMS::ReplicaKey",
    "AWS::KMS::Alias",
    "AWS::IAM::Role",
    "AWS::IAM::User",
    "AWS::CloudFormation::Stack",
    "AWS::CloudFormation::StackSet",
    "AWS::Serverless::Application",
];

/// The entries of every `section` of the template, in order (a duplicated section's entries
/// included).
pub fn section_entries<'a>(root: &'a Node, section: &str) -> Vec<&'a Entry> {
    root.entries()
        .iter()
        .filter(|e| e.key == section)
        .flat_map(|e| e.value.entries())
        .collect()
}

/// The entries CloudFormation keeps: the last of each name.
pub fn kept<'a>(entries: &[&'a Entry]) -> Vec<&'a Entry> {
    entries
        .iter()
        .enumerate()
        .filter(|(i, e)| !entries[i + 1..].iter().any(|l| l.key == e.key))
        .map(|(_, e)| *e)
        .collect()
}

pub fn find(file: FileId, root: &Node) -> Vec<DuplicateId> {
    let mut out = Vec::new();
    for (name, spans) in root.duplicate_keys() {
        out.push(DuplicateId {
            section: "template".into(),
            name: name.to_string(),
            locs: spans.into_iter().map(|s| Loc::new(file, s)).collect(),
        });
    }
    for section in ["Parameters", "Conditions", "Mappings", "Resources"] {
        let entries = section_entries(root, section);
        for (i, e) in entries.iter().enumerate() {
            if entries[..i].iter().any(|p| p.key == e.key) {
                continue;
            }
            let copies: Vec<&&Entry> = entries[i..].iter().filter(|o| o.key == e.key).collect();
            if copies.len() < 2 {
                continue;
            }
            let matters = section != "Resources"
                || copies.iter().any(|c| {
                    c.value
                        .get("Type")
                        .and_then(Node::as_str)
                        .is_none_or(|t| POLICY_TYPES.contains(&t))
                });
            if matters {
                out.push(DuplicateId {
                    section: section.into(),
                    name: e.key.clone(),
                    locs: copies.iter().map(|c| Loc::new(file, c.key_span)).collect(),
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;
    use crate::parse::yaml::parse_yaml;

    #[test]
    fn duplicates_that_can_change_a_key_policy_are_found() {
        let root = parse_yaml(
            "Parameters:\n  P: {Type: String}\n  P: {Type: String}\nResources:\n  B: {Type: 'AWS::S3::Bucket'}\n  B: {Type: 'AWS::S3::Bucket'}\n  K: {Type: 'AWS::KMS::Key'}\n  K: {Type: 'AWS::S3::Bucket'}\nOutputs: {}\nOutputs: {}\n",
        )
        .unwrap();
        let found: Vec<(String, String, usize)> = find(FileId(0), &root)
            .into_iter()
            .map(|d| (d.section, d.name, d.locs.len()))
            .collect();
        assert_eq!(
            found,
            [
                ("template".into(), "Outputs".into(), 2),
                ("Parameters".into(), "P".into(), 2),
                ("Resources".into(), "K".into(), 2),
            ]
        );
        let res = section_entries(&root, "Resources");
        let kept: Vec<&str> = kept(&res).iter().map(|e| e.key.as_str()).collect();
        assert_eq!(kept, ["B", "K"]);
        assert_eq!(kept_types(&root), ["AWS::S3::Bucket", "AWS::S3::Bucket"]);
    }

    fn kept_types(root: &Node) -> Vec<&str> {
        let res = section_entries(root, "Resources");
        kept(&res)
            .iter()
            .filter_map(|e| e.value.get("Type").and_then(Node::as_str))
            .collect()
    }
}
