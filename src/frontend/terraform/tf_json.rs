//! Terraform's JSON configuration syntax (`.tf.json`): the same blocks as objects, with
//! string values that are templates.

use super::decls::Decls;
use super::eval::{Def, Module};
use super::{tags_of, KEY_TYPES};
use crate::base::source::{FileId, Loc, SourceFile};
use crate::ir::{Doc, DocKind};
use crate::ir::{Grant, PolicySite, SiteBody};
use crate::parse::{Node, NodeKind};
use std::collections::HashSet;
use std::sync::Arc;

/// Members of a block-type object; Terraform also accepts an array of such objects.
fn objects(node: &Node) -> Vec<&Node> {
    match &node.kind {
        NodeKind::Map(_) => vec![node],
        NodeKind::Seq(items) => items.iter().filter(|i| i.is_map()).collect(),
        _ => Vec::new(),
    }
}

/// `(label, key span, body)` of every labelled object under `root[kind]`.
fn labelled<'n>(root: &'n Node, kind: &str) -> Vec<(&'n str, crate::base::source::Span, &'n Node)> {
    let mut out = Vec::new();
    for e in root.entries().iter().filter(|e| e.key == kind) {
        for obj in objects(&e.value) {
            for inner in obj.entries() {
                out.push((inner.key.as_str(), inner.key_span, &inner.value));
            }
        }
    }
    out
}

pub(super) fn add_config<'a>(module: &mut Decls<'a>, file: FileId, root: &'a Node) {
    for (name, _, body) in labelled(root, "variable") {
        let default = objects(body)
            .into_iter()
            .find_map(|b| b.get("default"))
            .map(|node| Def::Json { file, node });
        module.add_variable(name, default);
    }
    for e in root.entries().iter().filter(|e| e.key == "locals") {
        for obj in objects(&e.value) {
            for l in obj.entries() {
                module.add_local(
                    &l.key,
                    Def::JsonExpr {
                        file,
                        node: &l.value,
                    },
                );
            }
        }
    }
}

/// Keys named in an `aws_kms_key_policy`'s `key_id` (`"${aws_kms_key.x.id}"`).
pub(super) fn collect_targets(root: &Node, out: &mut HashSet<String>) {
    for (ty, _, by_name) in labelled(root, "resource") {
        if ty != "aws_kms_key_policy" {
            continue;
        }
        for obj in objects(by_name) {
            for r in obj.entries() {
                let key_id = objects(&r.value).into_iter().find_map(|b| b.get("key_id"));
                if let Some(s) = key_id.and_then(|k| k.as_str()) {
                    for ty in KEY_TYPES {
                        let mut rest = s;
                        while let Some(i) = rest.find(&format!("{ty}.")) {
                            let after = &rest[i + ty.len() + 1..];
                            let name: String = after
                                .chars()
                                .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '-')
                                .collect();
                            out.insert(format!("{ty}.{name}"));
                            rest = after;
                        }
                    }
                }
            }
        }
    }
}

pub(super) fn sites(
    module: &Module<'_>,
    file: FileId,
    _f: &Arc<SourceFile>,
    root: &Node,
    targeted: &HashSet<String>,
) -> Vec<PolicySite> {
    let mut out = Vec::new();
    for (ty, _, by_name) in labelled(root, "resource") {
        let is_key = KEY_TYPES.contains(&ty) || ty == "aws_kms_key_policy";
        if !is_key && ty != "aws_kms_grant" {
            continue;
        }
        for obj in objects(by_name) {
            for r in obj.entries() {
                let Some(body) = objects(&r.value).into_iter().next() else {
                    continue;
                };
                let address = format!("{ty}.{}", r.key);
                let loc = Loc::new(file, r.key_span);
                let site_body = if is_key {
                    match body.get("policy") {
                        Some(p) => match module.eval_json_policy(file, p) {
                            Doc {
                                kind: DocKind::Null,
                                ..
                            } if ty != "aws_kms_key_policy" => SiteBody::DefaultPolicy,
                            d => SiteBody::KeyPolicy(d),
                        },
                        None if targeted.contains(&address) => continue,
                        None => SiteBody::DefaultPolicy,
                    }
                } else {
                    let get = |k: &str| body.get(k).map(|n| module.eval_json_expr(file, n));
                    let operations = match get("operations") {
                        Some(Doc {
                            kind: DocKind::List(items),
                            ..
                        }) => items,
                        Some(d) => vec![d],
                        None => Vec::new(),
                    };
                    SiteBody::Grant(Grant {
                        grantee: get("grantee_principal"),
                        retiring: get("retiring_principal"),
                        operations,
                    })
                };
                let tags = body
                    .get("tags")
                    .map(|t| tags_of(&module.eval_json_expr(file, t)))
                    .unwrap_or_default();
                out.push(PolicySite {
                    resource: address,
                    resource_type: ty.to_string(),
                    loc,
                    key_account: None,
                    body: site_body,
                    tags,
                });
            }
        }
    }
    out
}
