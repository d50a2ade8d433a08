//! What a plan's `configuration` says about a resource of `planned_values`: whether its
//! configuration sets a `policy` at all, and which provider configuration (so which account)
//! it uses. A plan of a state (`terraform show -json` of a state) has no configuration: nothing
//! is known from it, and the caller keeps to what the values say.

use crate::base::aws::{is_account_id, role_account};
use crate::parse::{Node, NodeKind};
use std::collections::HashMap;

/// The configuration of a plan, and the accounts its provider configurations are known to use.
pub(super) struct Config<'a> {
    /// Whether the plan has a configuration at all (a state has none).
    configured: bool,
    /// Resource blocks by their module's call names (`a.b`), mode, type and name: looked up
    /// once per planned resource, so indexed once per plan.
    resources: HashMap<(String, &'a str, &'a str, &'a str), &'a Node>,
    providers: Option<&'a Node>,
    /// provider_config_key -> the accounts `data.aws_caller_identity` read with it.
    identities: HashMap<String, Vec<String>>,
}

/// The account a key's provider configuration uses.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum KeyAccount {
    /// Stated: `assume_role.role_arn`, a single `allowed_account_ids`, or the caller identity
    /// read with that configuration.
    Known(String),
    /// The default `aws` configuration, its account not stated: `--key-account` (or "self").
    Default,
    /// Another configuration whose account nothing in the plan states (its name).
    Unknown(String),
    /// The plan has a configuration, but not for this resource, or without its provider.
    Unconfigured,
}

/// The call names of a module address: `module.a["k"].module.b[0]` -> `["a", "b"]`; the root
/// module is `Some([])`; anything else `None`.
pub(super) fn module_names(address: &str) -> Option<Vec<String>> {
    let mut out = Vec::new();
    let mut rest = address;
    while !rest.is_empty() {
        rest = rest.strip_prefix("module.")?;
        // A name runs to its index or to the next step (Terraform names may be any letters).
        let end = rest.find(['[', '.']).unwrap_or(rest.len());
        let (name, after) = rest.split_at(end);
        if name.is_empty() {
            return None;
        }
        out.push(name.to_string());
        rest = after;
        if let Some(r) = rest.strip_prefix('[') {
            rest = skip_index(r)?;
        }
        if !rest.is_empty() {
            rest = rest.strip_prefix('.')?;
        }
    }
    Some(out)
}

/// After `[`: skips a number or a quoted key and the closing `]`.
fn skip_index(r: &str) -> Option<&str> {
    if let Some(q) = r.strip_prefix('"') {
        let mut escaped = false;
        for (i, c) in q.char_indices() {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => return q.get(i + 1..)?.strip_prefix(']'),
                _ => {}
            }
        }
        None
    } else {
        let end = r.find(']')?;
        let digits = r.get(..end)?;
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        r.get(end + 1..)
    }
}

fn str_of<'n>(n: &'n Node, k: &str) -> Option<&'n str> {
    n.get(k).and_then(Node::as_str)
}

impl<'a> Config<'a> {
    pub(super) fn new(plan: &'a Node) -> Self {
        let conf = plan.get("configuration");
        let mut c = Config {
            configured: conf.is_some(),
            resources: HashMap::new(),
            providers: conf.and_then(|c| c.get("provider_config")),
            identities: HashMap::new(),
        };
        if let Some(root) = conf.and_then(|c| c.get("root_module")) {
            c.index(root, String::new(), 0);
        }
        for values in [
            plan.get("prior_state").and_then(|s| s.get("values")),
            plan.get("planned_values"),
        ] {
            if let Some(m) = values.and_then(|v| v.get("root_module")) {
                c.read_identities(m, 0);
            }
        }
        c
    }

    /// Indexes the resource blocks of a configuration module and of the modules it calls.
    fn index(&mut self, module: &'a Node, calls: String, depth: usize) {
        if depth > super::MAX_MODULE_DEPTH {
            return;
        }
        for r in module.get("resources").map(Node::items).unwrap_or(&[]) {
            if let (Some(mode), Some(ty), Some(name)) =
                (str_of(r, "mode"), str_of(r, "type"), str_of(r, "name"))
            {
                self.resources.insert((calls.clone(), mode, ty, name), r);
            }
        }
        for call in module.get("module_calls").map(Node::entries).unwrap_or(&[]) {
            if let Some(child) = call.value.get("module") {
                let inner = match calls.as_str() {
                    "" => call.key.clone(),
                    outer => format!("{outer}.{}", call.key),
                };
                self.index(child, inner, depth + 1);
            }
        }
    }

    /// The configuration block of a resource of the module at `module_address` (a child
    /// module's `address`, `""` for the root).
    pub(super) fn resource(&self, module_address: &str, r: &Node) -> Option<&'a Node> {
        let (mode, ty, name) = (str_of(r, "mode")?, str_of(r, "type")?, str_of(r, "name")?);
        let calls = module_names(module_address)?.join(".");
        self.resources.get(&(calls, mode, ty, name)).copied()
    }

    fn read_identities(&mut self, module: &'a Node, depth: usize) {
        if depth > super::MAX_MODULE_DEPTH {
            return;
        }
        let address = str_of(module, "address").unwrap_or("");
        for r in module.get("resources").map(Node::items).unwrap_or(&[]) {
            if str_of(r, "mode") != Some("data") || str_of(r, "type") != Some("aws_caller_identity")
            {
                continue;
            }
            let Some(account) = r.get("values").and_then(|v| str_of(v, "account_id")) else {
                continue;
            };
            let key = self
                .resource(address, r)
                .and_then(|c| str_of(c, "provider_config_key"));
            if let Some(key) = key {
                let seen = self.identities.entry(key.to_string()).or_default();
                if !seen.iter().any(|a| a == account) {
                    seen.push(account.to_string());
                }
            }
        }
        for child in module.get("child_modules").map(Node::items).unwrap_or(&[]) {
            self.read_identities(child, depth + 1);
        }
    }

    /// The account of the provider configuration a resource's configuration block `conf` uses.
    /// A plan without configuration (a state) states none: the default provider's.
    /// `resource_type` names the provider (`aws_kms_key` -> `aws`) when the block is missing.
    pub(super) fn key_account(&self, conf: Option<&Node>, resource_type: &str) -> KeyAccount {
        if !self.configured {
            return KeyAccount::Default;
        }
        let key = conf.and_then(|c| str_of(c, "provider_config_key"));
        let Some(key) = key.or_else(|| self.only_configuration(resource_type)) else {
            return KeyAccount::Unconfigured;
        };
        if let Some(a) = self.stated(key) {
            return KeyAccount::Known(a);
        }
        match self.identities.get(key).map(Vec::as_slice) {
            Some([one]) if is_account_id(one) => KeyAccount::Known(one.clone()),
            // Read with it, but more than one account or not an account id: not known.
            Some(_) => KeyAccount::Unknown(key.to_string()),
            None if key == "aws" || key == "awscc" => KeyAccount::Default,
            None => KeyAccount::Unknown(key.to_string()),
        }
    }

    /// The root module's default configuration of a resource type's provider when it is the
    /// only configuration of that provider: every such resource is created by it, whatever
    /// the configuration says (or leaves out) about the resource itself.
    fn only_configuration(&self, resource_type: &str) -> Option<&'a str> {
        let provider = resource_type.split('_').next()?;
        let mut of_provider = self
            .providers?
            .entries()
            .iter()
            .filter(|e| str_of(&e.value, "name") == Some(provider));
        match (of_provider.next(), of_provider.next()) {
            (Some(only), None) if only.key == provider => Some(only.key.as_str()),
            _ => None,
        }
    }

    /// The last `assume_role[].role_arn`'s account (blocks chain), else a single
    /// `allowed_account_ids`.
    fn stated(&self, key: &str) -> Option<String> {
        let e = self.providers?.get(key)?.get("expressions")?;
        let constant = |n: &'a Node| n.get("constant_value");
        // Several assume_role blocks are a chain: the provider ends in the last role's account.
        let last = e
            .get("assume_role")
            .map(Node::items)
            .unwrap_or(&[])
            .iter()
            .rev()
            .find_map(|ar| ar.get("role_arn"));
        let acct = last
            .and_then(constant)
            .and_then(Node::as_str)
            .and_then(role_account);
        if let Some(a) = acct {
            return Some(a.to_string());
        }
        match e.get("allowed_account_ids").and_then(constant)?.items() {
            [one] => one
                .as_str()
                .filter(|a| is_account_id(a))
                .map(str::to_string),
            _ => None,
        }
    }
}

/// Whether a resource's configuration block sets `attr` to something other than a literal
/// `null` (a computed attribute left unset shows as unknown in the plan).
pub(super) fn sets(conf: &Node, attr: &str) -> bool {
    match conf.get("expressions").and_then(|e| e.get(attr)) {
        None => false,
        Some(e) => !e
            .get("constant_value")
            .is_some_and(|v| v.kind == NodeKind::Null),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn module_addresses() {
        let n = |s: &str| module_names(s);
        assert_eq!(n(""), Some(vec![]));
        assert_eq!(n("module.a"), Some(vec!["a".to_string()]));
        assert_eq!(
            n("module.a[\"x.module.y]\"].module.b[0]"),
            Some(vec!["a".to_string(), "b".to_string()])
        );
        assert_eq!(n("module.a[\"k\\\"]\"]"), Some(vec!["a".to_string()]));
        assert_eq!(n("module.a[x]"), None);
        // Terraform names may hold any letters.
        assert_eq!(n("module.ключ[0]"), Some(vec!["ключ".to_string()]));
        assert_eq!(n("aws_kms_key.k"), None);
        assert_eq!(n("module.a[\"open"), None);
    }
}
