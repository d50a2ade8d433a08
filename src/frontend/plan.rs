//! `terraform show -json plan.out` (and `terraform show -json` of a state): the KMS resources of
//! `planned_values` (or `values`), root module and child modules, with policies as the JSON
//! strings the provider will send, positions mapped back into the plan file.

use super::cloudformation::nested::{template_in_string, Place};
use super::terraform::{json_value, node_to_doc, unknown};
use super::terraform::{INDIRECT_TYPES, KEY_TYPES};
use crate::base::diag::{code, InputError};
use crate::base::source::{FileId, Loc};
use crate::ir::{Doc, DocKind, Value, Why};
use crate::ir::{Extracted, Grant, PolicySite, SiteBody};
use crate::parse::{json, Node, NodeKind};
use std::collections::HashMap;

mod config;
use config::{Config, KeyAccount};

/// Child modules nested deeper than this are not walked.
const MAX_MODULE_DEPTH: usize = 64;

fn values_root(root: &Node) -> Option<&Node> {
    ["planned_values", "values"]
        .iter()
        .find_map(|k| root.get(k)?.get("root_module"))
}

/// A plan or state in Terraform's JSON output format.
pub fn looks_like_plan(node: &Node) -> bool {
    node.is_map() && node.get("format_version").is_some() && values_root(node).is_some()
}

pub fn extract_plan(file: FileId, text: &str, root: &Node) -> Extracted {
    let mut out = Extracted::default();
    let late = after_unknown(root);
    let cfg = Config::new(root);
    let at = Ctx {
        file,
        text,
        late: &late,
        cfg: &cfg,
    };
    if let Some(m) = values_root(root) {
        walk(&at, m, 0, &mut out);
    }
    out
}

/// `(address, attribute)` of every value `resource_changes` marks as only known after apply
/// (`after_unknown`): `planned_values` leaves such a value out, it does not mean "unset".
fn after_unknown(root: &Node) -> std::collections::HashSet<(String, String)> {
    let mut out = std::collections::HashSet::new();
    for rc in root.get("resource_changes").map(Node::items).unwrap_or(&[]) {
        let Some(address) = rc.get("address").and_then(Node::as_str) else {
            continue;
        };
        let Some(au) = rc.get("change").and_then(|c| c.get("after_unknown")) else {
            continue;
        };
        for e in au.entries() {
            if e.value.kind != NodeKind::Bool(false) && e.value.kind != NodeKind::Null {
                out.insert((address.to_string(), e.key.clone()));
            }
        }
    }
    out
}

type Late = std::collections::HashSet<(String, String)>;

/// What every module of one plan is read with.
struct Ctx<'a> {
    file: FileId,
    text: &'a str,
    late: &'a Late,
    cfg: &'a Config<'a>,
}

/// The account a key site gets from its provider configuration: `None` for the default
/// provider whose account the plan does not state (`--key-account`, else "self").
fn site_account(name: &str, ty: &str, conf: Option<&Node>, cfg: &Config<'_>) -> Option<Value> {
    let why = match cfg.key_account(conf, ty) {
        KeyAccount::Known(a) => return Some(Value::lit(a)),
        KeyAccount::Default => return None,
        KeyAccount::Unknown(provider) => format!(
            "the account of {name} is not known: its provider `{provider}` states none \
             (assume_role.role_arn, a single allowed_account_ids, or a data.aws_caller_identity \
             read with it)"
        ),
        KeyAccount::Unconfigured => format!(
            "the account of {name} is not known: the plan's configuration does not say which \
             provider creates it"
        ),
    };
    Some(Value::unknown(Why::input(why)))
}

fn walk(at: &Ctx<'_>, module: &Node, depth: usize, out: &mut Extracted) {
    let (file, text, late) = (at.file, at.text, at.late);
    let module_address = module.get("address").and_then(Node::as_str).unwrap_or("");
    if depth > MAX_MODULE_DEPTH {
        out.errors.push(InputError {
            file,
            span: module.span,
            message: format!(
                "child modules nested deeper than {MAX_MODULE_DEPTH} levels: not checked"
            ),
            code: code::PLAN_LIMIT,
        });
        return;
    }
    let resources = module.get("resources").map(Node::items).unwrap_or(&[]);
    // Keys without a policy are reported through an aws_kms_key_policy when the module has one
    // (its key_id is only known after apply, so it cannot be matched to the key).
    let has_key_policy = resources
        .iter()
        .any(|r| r.get("type").and_then(Node::as_str) == Some("aws_kms_key_policy"));
    for r in resources {
        if r.get("mode")
            .and_then(Node::as_str)
            .is_some_and(|m| m != "managed")
        {
            continue;
        }
        let Some(ty) = r.get("type").and_then(Node::as_str) else {
            continue;
        };
        let is_key = KEY_TYPES.contains(&ty) || ty == "aws_kms_key_policy";
        let indirect = INDIRECT_TYPES.contains(&ty);
        if !is_key && !indirect && ty != "aws_kms_grant" {
            continue;
        }
        let address = r.get("address");
        let name = address
            .and_then(Node::as_str)
            .map(str::to_string)
            .unwrap_or_else(|| ty.to_string());
        let loc = Loc::new(file, address.map_or(r.span, |a| a.span));
        let conf = at.cfg.resource(module_address, r);
        // The configuration sets no such attribute: AWS applies the default key policy (the
        // plan shows the computed attribute as unknown). No configuration: not known.
        let unset = |attr: &str| conf.is_some_and(|c| !config::sets(c, attr));
        let key_account = site_account(&name, ty, conf, at.cfg);
        let values = r.get("values");
        let get = |k: &str| {
            values
                .and_then(|v| v.get(k))
                .filter(|n| n.kind != NodeKind::Null)
        };
        let is_late = |attr: &str| late.contains(&(name.clone(), attr.to_string()));
        let late_doc = |attr: &str| {
            unknown(
                Why::input(format!(
                    "{name}.{attr} is only known after apply (after_unknown in the plan)"
                )),
                loc,
            )
        };
        if indirect {
            let site = |body: SiteBody| PolicySite {
                resource: name.clone(),
                resource_type: ty.to_string(),
                loc,
                key_account: key_account.clone(),
                body,
                tags: Vec::new(),
            };
            let late_policy = |attr: &str| SiteBody::KeyPolicy(late_doc(attr));
            match ty {
                "awscc_kms_key" | "awscc_kms_replica_key" => {
                    let body = match get("key_policy") {
                        Some(p) => SiteBody::KeyPolicy(policy_string(file, text, p, out)),
                        None if unset("key_policy") => SiteBody::DefaultPolicy,
                        None if is_late("key_policy") => late_policy("key_policy"),
                        None => SiteBody::DefaultPolicy,
                    };
                    out.sites.push(site(body));
                }
                "aws_cloudcontrolapi_resource" => {
                    let kind = get("type_name").and_then(Node::as_str);
                    if !matches!(kind, Some("AWS::KMS::Key" | "AWS::KMS::ReplicaKey")) {
                        continue;
                    }
                    let body = match get("desired_state") {
                        Some(p) => match policy_string(file, text, p, out) {
                            // Not valid JSON (reported): any policy.
                            d if matches!(d.kind, DocKind::Unknown(_)) => SiteBody::KeyPolicy(d),
                            d => match d.get("KeyPolicy") {
                                Some(k) => SiteBody::KeyPolicy(k.clone()),
                                None => SiteBody::DefaultPolicy,
                            },
                        },
                        None if is_late("desired_state") => late_policy("desired_state"),
                        None => continue,
                    };
                    out.sites.push(site(body));
                }
                _ => match get("template_body") {
                    Some(t) => {
                        let given: HashMap<String, Doc> = get("parameters")
                            .map(|p| {
                                p.entries()
                                    .iter()
                                    .map(|e| (e.key.clone(), json_value(file, &e.value)))
                                    .collect()
                            })
                            .unwrap_or_default();
                        let literal = text.get(t.span.start..t.span.end).unwrap_or("");
                        let Some((body, map)) = json::string_literal_map(literal, t.span.start)
                        else {
                            continue;
                        };
                        let at = Place {
                            file,
                            text,
                            map: Some(&map),
                            fallback: t.span,
                        };
                        let mut got = template_in_string(at, &body, &given, &name);
                        // The stack's keys are made in the account of its provider.
                        for s in got.sites.iter_mut().filter(|s| s.key_account.is_none()) {
                            s.key_account.clone_from(&key_account);
                        }
                        out.absorb(got);
                    }
                    None if is_late("template_body") => {
                        out.sites.push(site(late_policy("template_body")))
                    }
                    None => {}
                },
            }
            continue;
        }
        let body = if is_key {
            match get("policy") {
                Some(p) => SiteBody::KeyPolicy(policy_string(file, text, p, out)),
                None if ty != "aws_kms_key_policy" && unset("policy") && has_key_policy => continue,
                None if ty != "aws_kms_key_policy" && unset("policy") => SiteBody::DefaultPolicy,
                None if is_late("policy") => SiteBody::KeyPolicy(late_doc("policy")),
                None if ty == "aws_kms_key_policy" => SiteBody::KeyPolicy(unknown(
                    format!("the policy of {name} is only known after apply"),
                    loc,
                )),
                None if has_key_policy => continue,
                None => SiteBody::DefaultPolicy,
            }
        } else {
            let principal = |attr: &str| match get(attr) {
                Some(n) => Some(json_value(file, n)),
                None if is_late(attr) => Some(late_doc(attr)),
                None => None,
            };
            SiteBody::Grant(Grant {
                grantee: principal("grantee_principal"),
                retiring: principal("retiring_principal"),
                operations: get("operations")
                    .map(|n| n.items().iter().map(|i| json_value(file, i)).collect())
                    .unwrap_or_default(),
            })
        };
        let tags = get("tags")
            .map(|t| {
                t.entries()
                    .iter()
                    .filter_map(|e| Some((e.key.clone(), Value::lit(e.value.as_str()?))))
                    .collect()
            })
            .unwrap_or_default();
        // A grant may be made on a key of another account: its provider says nothing of it.
        let key_account = if is_key { key_account } else { None };
        out.sites.push(PolicySite {
            resource: name,
            resource_type: ty.to_string(),
            loc,
            key_account,
            body,
            tags,
        });
    }
    for child in module.get("child_modules").map(Node::items).unwrap_or(&[]) {
        walk(at, child, depth + 1, out);
    }
}

/// A policy attribute: a JSON string whose content is the policy document.
fn policy_string(file: FileId, text: &str, node: &Node, out: &mut Extracted) -> Doc {
    let loc = Loc::new(file, node.span);
    if !matches!(node.kind, NodeKind::String(_)) {
        return json_value(file, node);
    }
    let literal = text.get(node.span.start..node.span.end).unwrap_or("");
    match json::parse_json_in_string(literal, node.span.start) {
        Ok(policy) => node_to_doc(&policy, file, &|s| s, &[]),
        Err(e) => {
            let message = format!("the policy is not valid JSON: {}", e.message);
            out.errors.push(InputError {
                file,
                span: e.span,
                message: message.clone(),
                code: code::JSON,
            });
            Doc::new(DocKind::Unknown(Why::reported(message)), loc)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::base::source::SourceFile;
    use std::path::Path;

    fn load() -> Result<(std::sync::Arc<SourceFile>, Node), String> {
        let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/terraform/plan/plan.json");
        let text = std::fs::read_to_string(&p).map_err(|e| e.to_string())?;
        let node = json::parse_json(&text).map_err(|e| e.message)?;
        Ok((SourceFile::new(p, text), node))
    }

    #[test]
    fn plan_sites_name_module_addresses_and_map_spans() -> Result<(), String> {
        let (f, node) = load()?;
        assert!(looks_like_plan(&node));
        let out = extract_plan(FileId(0), &f.text, &node);
        assert!(out.errors.is_empty(), "{:?}", out.errors);
        let names: Vec<(&str, bool)> = out
            .sites
            .iter()
            .map(|s| (s.resource.as_str(), s.body == SiteBody::DefaultPolicy))
            .collect();
        assert_eq!(
            names,
            [
                ("aws_kms_key.app", false),
                ("aws_kms_key.scratch", true),
                ("module.logs.aws_kms_key.this", false),
                ("module.logs.aws_kms_grant.reader", false),
            ]
        );
        let logs = out.sites.get(2).ok_or("no logs key")?;
        let SiteBody::KeyPolicy(doc) = &logs.body else {
            return Err("no policy".into());
        };
        let st = doc
            .get("Statement")
            .map(|s| s.flatten())
            .unwrap_or_default();
        let partner = st
            .get(1)
            .and_then(|s| s.get("Principal")?.get("AWS"))
            .ok_or("no partner")?;
        assert_eq!(
            f.slice(partner.loc.span),
            "\\\"arn:aws:iam::444455556666:role/LogReader\\\""
        );
        assert_eq!(f.slice(logs.loc.span), "\"module.logs.aws_kms_key.this\"");
        assert_eq!(logs.tags, [("Team".to_string(), Value::lit("logs"))]);
        Ok(())
    }

    #[test]
    fn not_a_plan() {
        let n = json::parse_json(r#"{"Resources": {}}"#).ok();
        assert!(!n.as_ref().is_some_and(looks_like_plan));
    }

    #[test]
    fn invalid_policy_json_is_an_error_in_the_file() {
        let text = r#"{"format_version":"1.2","planned_values":{"root_module":{"resources":[
{"address":"aws_kms_key.k","mode":"managed","type":"aws_kms_key","values":{"policy":"{\"Statement\": [,]}"}}]}}}"#;
        let node = json::parse_json(text).ok();
        let out = node
            .as_ref()
            .map(|n| extract_plan(FileId(0), text, n))
            .unwrap_or_default();
        assert_eq!(out.errors.len(), 1);
        let at = out.errors.first().map(|e| e.span.start);
        assert_eq!(at, text.find(",]"));
    }

    fn sites(text: &str) -> Vec<PolicySite> {
        let node = json::parse_json(text).ok();
        node.as_ref()
            .map(|n| extract_plan(FileId(0), text, n).sites)
            .unwrap_or_default()
    }

    const UNSET: &str = r#"{"format_version":"1.2","planned_values":{"root_module":{"resources":[
{"address":"aws_kms_key.k","mode":"managed","type":"aws_kms_key","name":"k","values":{}}]}},
"resource_changes":[{"address":"aws_kms_key.k","change":{"after_unknown":{"policy":true}}}]"#;

    #[test]
    fn a_key_whose_configuration_sets_no_policy_has_the_default_policy() {
        let conf = |e: &str| {
            format!(
                r#"{UNSET},"configuration":{{"root_module":{{"resources":[{{"address":"aws_kms_key.k",
"mode":"managed","type":"aws_kms_key","name":"k","provider_config_key":"aws","expressions":{{{e}}}}}]}}}}}}"#
            )
        };
        let body = |t: &str| sites(t).first().map(|s| s.body == SiteBody::DefaultPolicy);
        assert_eq!(body(&conf("")), Some(true));
        assert_eq!(
            body(&conf(r#""policy":{"constant_value":null}"#)),
            Some(true)
        );
        // Set, but only known after apply; or no configuration to tell: not known.
        assert_eq!(
            body(&conf(r#""policy":{"references":["var.p"]}"#)),
            Some(false)
        );
        assert_eq!(body(&format!("{UNSET}}}")), Some(false));
    }

    #[test]
    fn a_key_takes_the_account_of_its_provider() {
        let plan = |provider: &str, expressions: &str| {
            format!(
                r#"{UNSET},"configuration":{{"provider_config":{{"{provider}":{{"name":"aws","expressions":{{{expressions}}}}}}},
"root_module":{{"resources":[{{"mode":"managed","type":"aws_kms_key","name":"k","provider_config_key":"{provider}"}}]}}}}}}"#
            )
        };
        let account = |t: &str| sites(t).first().map(|s| s.key_account_arg());
        let role =
            r#""assume_role":[{"role_arn":{"constant_value":"arn:aws:iam::222222222222:role/x"}}]"#;
        assert_eq!(
            account(&plan("aws.prod", role)),
            Some(Some("222222222222".into()))
        );
        let allowed = r#""allowed_account_ids":{"constant_value":["333333333333"]}"#;
        assert_eq!(
            account(&plan("aws.x", allowed)),
            Some(Some("333333333333".into()))
        );
        // The default provider stating nothing: --key-account, else "self".
        assert_eq!(account(&plan("aws", "")), Some(None));
        // An alias stating nothing: unknown (a reason, never an account id).
        let unknown = account(&plan("aws.x", "")).flatten().unwrap_or_default();
        assert!(unknown.contains("aws.x"), "{unknown}");
        let two = r#""allowed_account_ids":{"constant_value":["333333333333","444444444444"]}"#;
        let unknown = account(&plan("aws.x", two)).flatten().unwrap_or_default();
        assert!(unknown.contains("not known"), "{unknown}");
    }

    #[test]
    fn a_key_the_configuration_does_not_place_has_no_known_account() {
        // The configuration exists but names another resource, or this one without its
        // provider: never the default provider's account (--key-account).
        let plan = |resource: &str| {
            format!(
                r#"{UNSET},"configuration":{{"provider_config":{{"aws.x":{{"name":"aws"}}}},
"root_module":{{"resources":[{resource}]}}}}}}"#
            )
        };
        let unknown = |t: &str| {
            sites(t)
                .first()
                .and_then(|s| s.key_account_arg())
                .unwrap_or_default()
        };
        let other =
            r#"{"mode":"managed","type":"aws_kms_key","name":"other","provider_config_key":"aws"}"#;
        assert!(unknown(&plan(other)).contains("does not say"));
        let no_provider = r#"{"mode":"managed","type":"aws_kms_key","name":"k"}"#;
        assert!(unknown(&plan(no_provider)).contains("does not say"));
        // The default configuration is the only aws one: it creates every aws resource.
        let only_default =
            plan(other).replace(r#"{"aws.x":{"name":"aws"}}"#, r#"{"aws":{"name":"aws"}}"#);
        assert_eq!(
            sites(&only_default).first().map(|s| s.key_account_arg()),
            Some(None)
        );
        let two = plan(other).replace(
            r#"{"aws.x":{"name":"aws"}}"#,
            r#"{"aws":{"name":"aws"},"aws.x":{"name":"aws"}}"#,
        );
        assert!(unknown(&two).contains("does not say"));
    }

    #[test]
    fn a_stacks_keys_are_in_the_account_of_its_provider() {
        let template = r#"{\"Resources\":{\"K\":{\"Type\":\"AWS::KMS::Key\",\"Properties\":{\"KeyPolicy\":{\"Version\":\"2012-10-17\",\"Statement\":[]}}}}}"#;
        let text = format!(
            r#"{{"format_version":"1.2","planned_values":{{"root_module":{{"resources":[
{{"address":"aws_cloudformation_stack.s","mode":"managed","type":"aws_cloudformation_stack","name":"s",
"values":{{"template_body":"{template}"}}}}]}}}},
"configuration":{{"provider_config":{{"aws.x":{{"name":"aws","expressions":{{"assume_role":[{{"role_arn":{{"constant_value":"arn:aws:iam::222222222222:role/x"}}}}]}}}}}},
"root_module":{{"resources":[{{"mode":"managed","type":"aws_cloudformation_stack","name":"s","provider_config_key":"aws.x"}}]}}}}}}"#
        );
        let got = sites(&text);
        assert!(!got.is_empty());
        for s in got {
            assert_eq!(
                s.key_account_arg(),
                Some("222222222222".into()),
                "{}",
                s.resource
            );
        }
    }
}
