//! CloudFormation: every `AWS::KMS::Key` / `AWS::KMS::ReplicaKey` `KeyPolicy`, as every
//! deployment of the template can produce it.
//!
//! * `intrinsics`: the evaluator (`Ref`, `Fn::Sub`, `Fn::If`, …), with `parameters` (the values
//!   a deployment can give each parameter) and `conditions` (which `Fn::If` branches a deployment
//!   can select);
//! * `policy`: one key's policy, statement by statement; `strings`: policies written as strings;
//! * `duplicates`: names declared twice (KMS017);
//! * the producers of templates: `nested` (local nested stacks, templates embedded as a string),
//!   `foreach` (LanguageExtensions `Fn::ForEach`), `serverless` (`serverless.yml`). SAM templates
//!   and CDK output are plain templates here: no SAM resource type creates a key.

pub mod conditions;
pub mod duplicates;
mod foreach;
pub mod intrinsics;
pub mod nested;
pub mod parameters;
mod policy;
pub mod serverless;
mod strings;
pub mod syntax;
mod yaml11;

use crate::base::diag::InputError;
use crate::base::source::{FileId, Loc, SourceFile};
use crate::ir::{Doc, DocKind, Extracted, PolicySite, SiteBody, Value};
use crate::parse::{yaml, Node, NodeKind};
use intrinsics::{intrinsic, Template, Variables};
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

pub const KEY_TYPES: [&str; 2] = ["AWS::KMS::Key", "AWS::KMS::ReplicaKey"];

/// Can a key policy depend on this resource (its text as written)? Its own key or alias; an
/// IAM role or user, which `Fn::GetAtt` may name as the key's own account; a nested or embedded
/// template, which may hold keys; a `kmslint` suppression in its `Metadata`. An anchor (`&`) may be used anywhere, so an entry holding
/// one is kept too, and so is one that uses an alias (`Type: *keytype`). Names are looked for
/// with escapes decoded too (`"AWS\x3A\x3AKMS…"`). Everything else (buckets, queues,
/// functions) is noise to a key policy.
pub fn resource_matters(text: &str) -> bool {
    const NEEDLES: [&str; 5] = [
        "AWS::KMS::",
        "AWS::IAM::",
        "AWS::CloudFormation::",
        "AWS::Serverless::Application",
        "kmslint",
    ];
    NEEDLES.iter().any(|needle| text.contains(needle))
        || text.contains('&')
        || uses_alias(text)
        || crate::frontend::holds_escaped(text, &NEEDLES)
}

/// A YAML alias (`*name` after a space or a flow indicator): whatever it stands for may be a
/// key's type or policy. `Action: kms:*` and `"*"` are not aliases.
fn uses_alias(text: &str) -> bool {
    let b = text.as_bytes();
    memchr::memchr_iter(b'*', b).any(|i| {
        let before = i.checked_sub(1).and_then(|j| b.get(j));
        matches!(
            before,
            None | Some(b' ' | b'\t' | b'\n' | b'[' | b'{' | b',')
        ) && b
            .get(i + 1)
            .is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-'))
    })
}

/// Parses a YAML document. Unless `all_resources`, the resources no key policy can depend on
/// (`resource_matters`) are left out of the parse: in a real template they are most of the
/// text, and YAML parsing is most of the cost. When the blanked text does not parse, the whole
/// text is parsed, so an error in a resource that matters is reported as before.
pub fn parse_yaml(text: &str, all_resources: bool) -> Result<Node, crate::parse::ParseError> {
    if !all_resources {
        if let Some(node) = yaml::parse_yaml_keeping(text, "Resources", resource_matters) {
            return Ok(node);
        }
    }
    yaml::parse_yaml(text)
}

/// A template is recognised by content: a format version, or a `Resources` map whose entries have
/// `AWS::…` (or `Custom::…`) types, or a LanguageExtensions `Fn::ForEach` among them.
pub fn is_template(root: &Node) -> bool {
    if root.get("AWSTemplateFormatVersion").is_some() {
        return true;
    }
    root.get("Resources").is_some_and(|r| {
        r.entries().iter().any(|e| {
            e.key.starts_with("Fn::ForEach::")
                || e.value.get("Type").and_then(Node::as_str).is_some_and(|t| {
                    t.starts_with("AWS::") || t.starts_with("Custom::") || t.starts_with("Alexa::")
                })
        })
    })
}

/// Where a template comes from and what it is given.
#[derive(Clone, Copy, Default)]
pub struct Origin<'a> {
    /// Values a parent stack passes for its parameters.
    pub given: Option<&'a HashMap<String, Doc>>,
    /// Another tool's variables in its strings (`serverless.yml`).
    pub variables: Option<&'a dyn Variables>,
    /// Read as YAML 1.2 by that tool (the Serverless Framework's js-yaml: `yes` stays a word),
    /// not as YAML 1.1 by CloudFormation.
    pub yaml12: bool,
}

/// What reading a template gave, with the other files it read (nested stacks): their ids follow
/// the template's own, from 1.
#[derive(Debug, Default)]
pub struct Read {
    pub extracted: Extracted,
    pub files: Vec<Arc<SourceFile>>,
}

/// Extracts the key policies of one parsed template, and of the local templates it nests
/// (read relative to `file`, never outside its folder). `explicit`: the template was named on
/// the command line, so its children are not checked on their own.
pub fn read_template(file: &SourceFile, root: &Node, is_json: bool, explicit: bool) -> Read {
    let mut read = Read {
        extracted: extract(FileId(0), &file.text, root, is_json, Origin::default()),
        files: Vec::new(),
    };
    nested::children(file, root, explicit, &mut read);
    read
}

/// Extracts the key policies of one parsed template.
pub fn extract_template(file: FileId, text: &str, root: &Node, is_json: bool) -> Extracted {
    extract(file, text, root, is_json, Origin::default())
}

/// Extracts the key policies of one parsed template, as `origin` deploys it.
pub fn extract(
    file: FileId,
    text: &str,
    root: &Node,
    is_json: bool,
    origin: Origin<'_>,
) -> Extracted {
    let resolved = if is_json || origin.yaml12 {
        None
    } else {
        yaml11::booleans(root)
    };
    let root = resolved.as_ref().unwrap_or(root);
    let expanded = foreach::expand(root);
    let root = expanded.as_ref().map_or(root, |(r, _)| r);
    let mut out = Extracted {
        duplicate_ids: duplicates::find(file, root),
        ..Extracted::default()
    };
    if let Some((_, errors)) = &expanded {
        out.errors
            .extend(errors.iter().map(|(span, message)| InputError {
                file,
                span: *span,
                message: message.clone(),
                code: crate::base::diag::code::TEMPLATE,
            }));
    }
    let given = origin.given.cloned().unwrap_or_default();
    let tpl = Template::with(file, root, given, origin.variables);
    let resources = duplicates::section_entries(root, "Resources");
    for res in duplicates::kept(&resources) {
        let Some(rtype) = res.value.get("Type").and_then(Node::as_str) else {
            continue;
        };
        // A resource whose `Condition` no deployment makes true is never created.
        let mut fixed = Vec::new();
        if let Some(cond) = res.value.get("Condition").and_then(Node::as_str) {
            if tpl.logic.exists(cond) {
                if !tpl.possible(cond).contains(&true) {
                    continue;
                }
                fixed.push((cond.to_string(), true));
            }
        }
        tpl.with_fixed(&fixed, || {
            if rtype == "AWS::KMS::Alias" {
                if let Some(alias) = alias_of(&tpl, &res.value) {
                    out.aliases.push(alias);
                }
                return;
            }
            if rtype == "AWS::CloudFormation::StackSet" || rtype == "AWS::CloudFormation::Stack" {
                nested::embedded(&tpl, text, is_json, &res.key, &res.value, &mut out);
                return;
            }
            if !KEY_TYPES.contains(&rtype) {
                return;
            }
            match key_site(&tpl, text, is_json, res, rtype) {
                Ok(site) => out.sites.push(site),
                Err(errors) => out.errors.extend(errors),
            }
        });
    }
    out.errors.extend(tpl.take_errors());
    out.conditional.extend(tpl.take_conditional());
    out
}

/// One key: its policy in every deployment (properties and policy behind `Fn::If` included).
fn key_site(
    tpl: &Template,
    text: &str,
    is_json: bool,
    res: &crate::parse::Entry,
    rtype: &str,
) -> Result<PolicySite, Vec<InputError>> {
    let mut policies: Vec<Option<Doc>> = Vec::new();
    let mut tags = Vec::new();
    for (props, conds) in alternatives(tpl, res.value.get("Properties"), 0) {
        let (policy, t) = tpl.with_fixed(&conds, || {
            let tags = props
                .and_then(|p| p.get("Tags"))
                .map(|t| tags_of(tpl, t))
                .unwrap_or_default();
            let policy = match props.and_then(|p| p.get("KeyPolicy")) {
                None => Ok(None),
                Some(policy) => policy::key_policy(tpl, text, policy, is_json),
            };
            (policy, tags)
        });
        let policy = policy?;
        if tags.is_empty() {
            tags = t;
        }
        if !policies.contains(&policy) {
            policies.push(policy);
        }
    }
    let loc = Loc::new(tpl.file, res.key_span);
    let body = if policies.iter().all(Option::is_none) {
        SiteBody::DefaultPolicy
    } else {
        match intrinsics::choice(policies, loc) {
            Some(doc) => SiteBody::KeyPolicy(doc),
            None => SiteBody::DefaultPolicy,
        }
    };
    Ok(PolicySite {
        resource: res.key.clone(),
        resource_type: rtype.to_string(),
        loc,
        key_account: None,
        body,
        tags,
    })
}

/// A node some deployments have (`None`: removed), with the conditions that select it.
type Selected<'n> = (Option<&'n Node>, Vec<(String, bool)>);

/// The nodes a value can be in some deployment, with the conditions that select each:
/// `Properties: !If [IsProd, {…}, !Ref AWS::NoValue]` is two alternatives, one of them absent.
fn alternatives<'n>(tpl: &Template, node: Option<&'n Node>, depth: usize) -> Vec<Selected<'n>> {
    let Some(node) = node else {
        return vec![(None, Vec::new())];
    };
    match intrinsic(node) {
        Some(("Ref", arg)) if arg.as_str() == Some("AWS::NoValue") => vec![(None, Vec::new())],
        Some(("Fn::If", arg)) if depth < 16 => {
            let items = arg.items();
            let (Some(cond), 3) = (items.first().and_then(Node::as_str), items.len()) else {
                return vec![(Some(node), Vec::new())];
            };
            let mut out = Vec::new();
            let possible = tpl.possible(cond);
            for value in possible.iter().rev().copied() {
                let branch = if value { &items[1] } else { &items[2] };
                if possible.len() > 1 {
                    tpl.branch(&items[0], branch, cond, value);
                }
                let fixed = [(cond.to_string(), value)];
                let inner = tpl.with_fixed(&fixed, || alternatives(tpl, Some(branch), depth + 1));
                for (n, mut conds) in inner {
                    conds.insert(0, fixed[0].clone());
                    out.push((n, conds));
                }
            }
            out
        }
        _ => vec![(Some(node), Vec::new())],
    }
}

/// `AWS::KMS::Alias` -> (target key's logical id, alias name), when both are known statically.
fn alias_of(tpl: &Template, alias: &Node) -> Option<(String, String)> {
    let props = alias.get("Properties")?;
    let name = tpl
        .doc(props.get("AliasName")?)
        .as_value()?
        .as_lit()?
        .to_string();
    let target = props.get("TargetKeyId")?;
    let key = match intrinsic(target) {
        Some(("Ref", arg)) => arg.as_str()?.to_string(),
        Some(("Fn::GetAtt", arg)) => match &arg.kind {
            NodeKind::Seq(items) => items.first()?.as_str()?.to_string(),
            _ => arg.as_str()?.split('.').next()?.to_string(),
        },
        _ => return None,
    };
    Some((key, name))
}

fn tags_of(tpl: &Template, tags: &Node) -> Vec<(String, Value)> {
    tags.items()
        .iter()
        .filter_map(|t| {
            let key = t.get("Key")?.as_str()?.to_string();
            let value = match tpl.doc(t.get("Value")?).kind {
                DocKind::Scalar(v) => v,
                _ => Value::unknown("tag value is not a string"),
            };
            Some((key, value))
        })
        .collect()
}

/// The folder a template's relative paths start from.
fn folder(file: &SourceFile) -> &Path {
    file.path.parent().unwrap_or_else(|| Path::new(""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_resource_using_an_alias_or_an_escaped_name_matters() {
        assert!(resource_matters("  K:\n    Type: *keytype\n"));
        assert!(resource_matters(
            "  K: {Type: AWS::S3::Bucket, Tags: [*t]}\n"
        ));
        assert!(resource_matters(
            "  K:\n    Type: \"AWS\\x3A\\x3AKMS\\x3A\\x3AKey\"\n"
        ));
        assert!(resource_matters(
            "  R:\n    Type: \"AWS::IAM\\u003a:Role\"\n"
        ));
        assert!(!resource_matters(
            "  B:\n    Type: AWS::S3::Bucket\n    Properties: {Action: kms:*, P: \"*\", Q: a*b}\n"
        ));
        assert!(!resource_matters(
            "  F:\n    Properties: {Code: \"echo \\x1b\"}\n"
        ));
    }
}
