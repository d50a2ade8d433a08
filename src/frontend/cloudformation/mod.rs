//! CloudFormation: every `AWS::KMS::Key` / `AWS::KMS::ReplicaKey` `KeyPolicy`, as an object or as
//! a JSON string, resolved through the template's parameters, mappings and pseudo parameters
//! (`intrinsics`).

pub mod intrinsics;

use crate::base::diag::{code, InputError};
use crate::base::source::{FileId, Loc};
use crate::ir::{Doc, DocKind, Extracted, PolicySite, SiteBody, Value, Why};
use crate::parse::{json, yaml, Node, NodeKind};
use intrinsics::Template;

pub const KEY_TYPES: [&str; 2] = ["AWS::KMS::Key", "AWS::KMS::ReplicaKey"];

/// Can a key policy depend on this resource (its text as written)? Its own key or alias; an
/// IAM role or user, which `Fn::GetAtt` may name as the key's own account; a `kmslint`
/// suppression in its `Metadata`. An anchor (`&`) may be used anywhere, so an entry holding
/// one is kept too, and so is one that uses an alias (`Type: *keytype`). Names are looked for
/// with escapes decoded too (`"AWS\x3A\x3AKMS…"`). Everything else (buckets, queues,
/// functions) is noise to a key policy.
pub fn resource_matters(text: &str) -> bool {
    const NEEDLES: [&str; 3] = ["AWS::KMS::", "AWS::IAM::", "kmslint"];
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
/// `AWS::…` (or `Custom::…`) types.
pub fn is_template(root: &Node) -> bool {
    if root.get("AWSTemplateFormatVersion").is_some() {
        return true;
    }
    root.get("Resources").is_some_and(|r| {
        r.entries().iter().any(|e| {
            e.value.get("Type").and_then(Node::as_str).is_some_and(|t| {
                t.starts_with("AWS::") || t.starts_with("Custom::") || t.starts_with("Alexa::")
            })
        })
    })
}

/// Extracts the key policies of one parsed template.
pub fn extract_template(file: FileId, text: &str, root: &Node, is_json: bool) -> Extracted {
    let mut out = Extracted::default();
    let tpl = Template::new(file, root);
    let Some(resources) = root.get("Resources") else {
        return out;
    };
    for res in resources.entries() {
        let Some(rtype) = res.value.get("Type").and_then(Node::as_str) else {
            continue;
        };
        if rtype == "AWS::KMS::Alias" {
            if let Some(alias) = alias_of(&tpl, &res.value) {
                out.aliases.push(alias);
            }
            continue;
        }
        if !KEY_TYPES.contains(&rtype) {
            continue;
        }
        let props = res.value.get("Properties");
        let tags = props
            .and_then(|p| p.get("Tags"))
            .map(|t| tags_of(&tpl, t))
            .unwrap_or_default();
        let body = match props.and_then(|p| p.get("KeyPolicy")) {
            None => SiteBody::DefaultPolicy,
            Some(policy) => match policy_doc(&tpl, file, text, policy, is_json) {
                Ok(doc) => SiteBody::KeyPolicy(doc),
                Err(e) => {
                    out.errors.push(e);
                    continue;
                }
            },
        };
        out.sites.push(PolicySite {
            resource: res.key.clone(),
            resource_type: rtype.to_string(),
            loc: Loc::new(file, res.key_span),
            key_account: None,
            body,
            tags,
        });
    }
    out.errors.extend(tpl.take_errors());
    out
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
    let key = match intrinsics::intrinsic(target) {
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
            let value = tpl
                .doc(t.get("Value")?)
                .as_value()
                .cloned()
                .unwrap_or_else(|| Value::unknown("tag value is not a string"));
            Some((key, value))
        })
        .collect()
}

/// The policy as a document. A JSON string (`KeyPolicy: '{"Statement": …}'`) is parsed, and its
/// spans are mapped back into the template so findings point inside the string.
fn policy_doc(
    tpl: &Template,
    file: FileId,
    text: &str,
    policy: &Node,
    is_json: bool,
) -> Result<Doc, InputError> {
    let (NodeKind::String(inner) | NodeKind::Scalar(inner)) = &policy.kind else {
        return Ok(tpl.doc(policy));
    };
    if policy.tag.is_some() {
        // `!Sub '{…}'` and the like: resolve first; a JSON body built by intrinsics is not
        // something we can read statically.
        let doc = tpl.doc(policy);
        return Ok(match doc.as_value().and_then(Value::as_lit) {
            Some(_) | None => Doc::new(
                DocKind::Unknown(Why::unsupported(
                    "the key policy is a string built by an intrinsic function",
                )),
                doc.loc,
            ),
        });
    }
    let literal = text.get(policy.span.start..policy.span.end).unwrap_or("");
    let map = if is_json {
        json::string_literal_map(literal, policy.span.start).map(|(_, m)| m)
    } else {
        yaml::scalar_offset_map(text, policy)
    };
    let mut node = json::parse_json(inner).map_err(|e| {
        let span = match &map {
            // A block scalar's value may end in a newline the file does not have (the last
            // line of a truncated file): clamp to the file.
            Some(m) => crate::base::source::Span::new(
                m.map(e.span.start).min(text.len()),
                m.map(e.span.end).min(text.len()),
            ),
            None => policy.span,
        };
        InputError {
            file,
            span,
            message: format!("the KeyPolicy string is not valid JSON: {}", e.message),
            code: code::JSON,
        }
    })?;
    match &map {
        Some(m) => node.remap(&|o| m.map(o).min(text.len())),
        None => {
            let s = policy.span;
            node.remap(&|_| s.start);
        }
    }
    Ok(tpl.doc(&node))
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
