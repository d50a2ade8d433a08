//! Providers and references to what they read or create: `data.aws_caller_identity` is the
//! key's own account only when it uses the key's provider configuration; another configuration
//! is another account, known when its `assume_role.role_arn` or a single `allowed_account_ids`
//! names it. IAM roles, users and policies declared in the module with the key's provider are in
//! the key's own account. Everything else a resource or data source holds is only known after
//! apply.

use super::eval::*;
use crate::base::aws::{is_account_id, role_account};
use crate::base::source::Loc;
use crate::ir::{Doc, DocKind, Part, Value, Why};
use crate::parse::hcl::{span_of, Block, Expression};
use hcl_edit::expr::TraversalOperator;
use std::collections::HashMap;

/// One provider configuration of the unit.
#[derive(Clone, Debug)]
pub struct Provider {
    /// How messages name it: `aws`, `aws.prod`, `aws.prod in module.x`.
    pub name: String,
    /// Its account, when the configuration states it.
    pub account: Option<String>,
}

/// The local name a `provider = aws.x` attribute refers to.
fn provider_name(e: &Expression, src: &str) -> String {
    let t = span_of(e)
        .and_then(|s| src.get(s.start..s.end))
        .unwrap_or("aws");
    t.trim().to_string()
}

impl<'a> Module<'a> {
    /// Registers this instance's provider configurations: the inherited ones (`inherited`, from
    /// the caller's `providers` argument or its default `aws`) and the module's own blocks.
    pub(super) fn register_providers(&mut self, inherited: HashMap<String, usize>) {
        self.providers = inherited;
        for (local, file, block) in &self.d.providers {
            let account = self.src(*file).and_then(|f| {
                let sc = self.scope_in(*file, &f);
                provider_account(self, sc, block)
            });
            let mut all = self.sh.providers.borrow_mut();
            let where_ = self.path.trim_end_matches('.');
            let name = if where_.is_empty() {
                local.clone()
            } else {
                format!("{local} in {where_}")
            };
            all.push(Provider { name, account });
            self.providers.insert(local.clone(), all.len() - 1);
        }
        if !self.providers.contains_key("aws") {
            let mut all = self.sh.providers.borrow_mut();
            all.push(Provider {
                name: "aws".into(),
                account: None,
            });
            self.providers.insert("aws".into(), all.len() - 1);
        }
    }

    /// The global provider id a block uses (`provider = aws.x`, else the default `aws`).
    pub(super) fn provider_of(
        &self,
        file: crate::base::source::FileId,
        block: &Block,
    ) -> Option<usize> {
        let local = match (block.body.get_attribute("provider"), self.src(file)) {
            (Some(a), Some(f)) => provider_name(&a.value, self.scope_in(file, &f).src),
            _ => "aws".to_string(),
        };
        // Named but not configured or passed in: an account nobody states, never the default.
        Some(
            self.providers
                .get(&local)
                .copied()
                .unwrap_or_else(|| self.unstated_provider(&local)),
        )
    }

    /// The provider of the key being checked: the site's, else this instance's default `aws`.
    pub(super) fn key_provider(&self) -> Option<usize> {
        self.sh
            .key_provider
            .get()
            .or_else(|| self.providers.get("aws").copied())
    }

    /// The account of the key being checked when its provider configuration states it
    /// (`assume_role.role_arn`, a single `allowed_account_ids`), as a plan places it: a literal
    /// of that account in its policy is the key's own. `None` leaves it to `--key-account`.
    pub(super) fn stated_key_account(&self) -> Option<Value> {
        let p = self.key_provider()?;
        let account = self.sh.providers.borrow().get(p)?.account.clone()?;
        Some(Value::lit(account))
    }

    /// The first of a module argument's values (one per provider it was evaluated for) whose
    /// provider states its account, with "the key's own account" written as that account.
    pub(super) fn stated_alternative(&self, alts: &[(Option<usize>, Doc)]) -> Option<Doc> {
        let all = self.sh.providers.borrow();
        alts.iter().find_map(|(p, d)| {
            let account = all.get((*p)?)?.account.as_deref()?;
            Some(d.with_self_account(account))
        })
    }

    /// The provider configurations a module call passes (`providers = { aws = aws.x }`), the
    /// default `aws` inherited unless mapped: local names in the called module -> global ids.
    pub(super) fn call_providers(&self, sc: Scope<'_>, call: &Block) -> HashMap<String, usize> {
        let mut inherited = HashMap::new();
        if let Some(p) = self.providers.get("aws") {
            inherited.insert("aws".to_string(), *p);
        }
        if let Some(Expression::Object(o)) = call.body.get_attribute("providers").map(|a| &a.value)
        {
            for (k, v) in o.iter() {
                // `aws.dst = …` is a traversal key: its text is the name.
                let name = crate::parse::hcl::object_key_name(sc.src, k)
                    .or_else(|| {
                        let span = crate::parse::hcl::span_of(k)?;
                        sc.src
                            .get(span.start..span.end)
                            .map(|t| t.trim().to_string())
                    })
                    .unwrap_or_default();
                let target = sc.text(span_of(v.expr())).trim().to_string();
                let id = match self.providers.get(&target) {
                    Some(id) => *id,
                    // Not configured here: an account nobody states, never the default one.
                    None => self.unstated_provider(&target),
                };
                inherited.insert(name, id);
            }
        }
        inherited
    }

    /// The global id of a provider named here but not configured (no block, not passed in):
    /// one per name and module instance, its account unknown.
    fn unstated_provider(&self, local: &str) -> usize {
        let where_ = self.path.trim_end_matches('.');
        let name = if where_.is_empty() {
            local.to_string()
        } else {
            format!("{local} in {where_}")
        };
        let mut all = self.sh.providers.borrow_mut();
        if let Some(i) = all
            .iter()
            .position(|p| p.name == name && p.account.is_none())
        {
            return i;
        }
        all.push(Provider {
            name,
            account: None,
        });
        all.len() - 1
    }

    /// The account of provider `p`, relative to the key being checked: the key's own account,
    /// an account id, or unknown.
    fn account_of(&self, p: Option<usize>, what: &str) -> Value {
        self.sh.key_relative.set(true);
        let key = self.key_provider();
        if p.is_some() && p == key {
            return Value::self_account();
        }
        let all = self.sh.providers.borrow();
        let acct = |id: Option<usize>| id.and_then(|i| all.get(i)).and_then(|p| p.account.clone());
        match (acct(p), acct(key)) {
            (Some(a), Some(k)) if a == k => Value::self_account(),
            (Some(a), _) => Value::lit(a),
            _ => {
                let name = |id: Option<usize>| {
                    id.and_then(|i| all.get(i))
                        .map_or_else(|| "?".to_string(), |p| format!("`{}`", p.name))
                };
                // The expression first, in backquotes: messages name the value by it.
                Value::unknown(Why::input(format!(
                    "`{what}` is the account of provider {}, not of the key's provider {}, and \
                     that provider does not state it (assume_role.role_arn or allowed_account_ids)",
                    name(p),
                    name(key)
                )))
            }
        }
    }

    /// `data.<type>.<name>[...].<attr>`.
    pub(super) fn data_ref(
        &self,
        sc: Scope<'_>,
        ops: &[&TraversalOperator],
        text: &str,
        loc: Loc,
    ) -> Doc {
        let attr = |i: usize| attr_at(ops, i);
        let (Some(ty), Some(name)) = (attr(0), attr(1)) else {
            return unsupported(format!("`{}` is not evaluated", short(text)), loc);
        };
        // `data.x.y[0].attr`: one index for count/for_each.
        let (index, at) = match ops.get(2) {
            Some(TraversalOperator::Index(e)) => (Some(self.eval(sc, e)), 3),
            Some(TraversalOperator::LegacyIndex(i)) => {
                (Some(Doc::scalar(Value::lit(i.value().to_string()), loc)), 3)
            }
            _ => (None, 2),
        };
        let rest = ops.get(at + 1..).unwrap_or(&[]);
        let block = self.d.resources.iter().copied().find(|(_, b)| {
            b.ident.as_str() == "data"
                && b.labels.first().map(|l| l.as_str()) == Some(ty)
                && b.labels.get(1).map(|l| l.as_str()) == Some(name)
        });
        let what = format!("data.{ty}.{name}");
        // A policy document read whole (`one(data.d[*].json)`, `values(data.fe)[0].json`): its
        // instances, each an object with its `json`.
        if ty == "aws_iam_policy_document"
            && index.is_none()
            && !matches!(attr(2), Some("json" | "minified_json"))
        {
            if let Some(&(file, block)) = self.d.policy_docs.get(name) {
                let whole = self.policy_document_instances(file, block, &what, loc);
                return self.apply_ops(sc, whole, ops.get(2..).unwrap_or(&[]), text, loc);
            }
        }
        let d = match (ty, attr(at)) {
            ("aws_caller_identity", Some("account_id" | "id")) => {
                let p = match block {
                    Some((f, b)) => self.provider_of(f, b),
                    None => self.providers.get("aws").copied(),
                };
                Doc::scalar(self.account_of(p, &format!("{what}.account_id")), loc)
            }
            ("aws_caller_identity", Some("arn")) => {
                let p = block.and_then(|(f, b)| self.provider_of(f, b));
                let p = p.or_else(|| self.providers.get("aws").copied());
                let mut v = Value::lit("arn:aws:iam::");
                v.append(self.account_of(p, &format!("{what}.account_id")));
                v.push(Part::Lit(":".into()));
                v.push(Part::Unknown(Why::input(format!(
                    "{what}.arn is the identity that runs terraform"
                ))));
                Doc::scalar(v, loc)
            }
            // The role (or user) behind the session `arn` names (the caller identity's ARN):
            // in the same account as that identity.
            ("aws_iam_session_context", Some("issuer_arn")) => {
                let arn = block.and_then(|(f, b)| {
                    let a = b.body.get_attribute("arn")?;
                    let keep = self.src(f)?;
                    Some(self.eval(self.scope_in(f, &keep), &a.value))
                });
                let why = Why::input(format!(
                    "{what}.issuer_arn is the role of the identity that runs terraform"
                ));
                let account = arn.as_ref().and_then(|d| d.as_value()).and_then(|v| {
                    match v.parts.as_slice() {
                        [Part::Lit(p), account, ..]
                            if p == "arn:aws:iam::" || p == "arn:aws:sts::" =>
                        {
                            Some(account.clone())
                        }
                        _ => None,
                    }
                });
                match account {
                    Some(account) => {
                        let mut v = Value::lit("arn:aws:iam::");
                        v.push(account);
                        v.push(Part::Lit(":".into()));
                        v.push(Part::Unknown(why));
                        Doc::scalar(v, loc)
                    }
                    None => unknown(why, loc),
                }
            }
            ("aws_partition", Some("partition" | "id")) => Doc::scalar(Value::lit("aws"), loc),
            ("aws_partition", Some("dns_suffix")) => Doc::scalar(Value::lit("amazonaws.com"), loc),
            ("aws_iam_policy_document", Some("json" | "minified_json")) => {
                match self.d.policy_docs.get(name).copied() {
                    Some((file, block)) => {
                        if let (Some(i), Some(f)) = (index.as_ref().and_then(lit), self.src(file)) {
                            let bsc = self.scope_in(file, &f);
                            if self.presence(bsc, block, i) == super::instances::Presence::Never {
                                return self.fault(
                                    format!(
                                        "`{}`: data.aws_iam_policy_document.{name} has no \
                                         instance [{i}]",
                                        short(text)
                                    ),
                                    loc,
                                );
                            }
                        }
                        let tvars = match index {
                            Some(i) => match self.instance_vars(sc, file, block, &i) {
                                Ok(v) => Some(v),
                                Err(d) => return d,
                            },
                            None => None,
                        };
                        let key = format!("data.aws_iam_policy_document.{name}");
                        self.guarded(&key, loc, || {
                            self.policy_document(file, block, tvars.as_ref())
                        })
                    }
                    None => unsupported(
                        format!(
                            "data.aws_iam_policy_document.{name} is not defined in this module"
                        ),
                        loc,
                    ),
                }
            }
            _ => {
                return unknown(
                    format!("{} is read from the provider at plan time", short(text)),
                    loc,
                )
            }
        };
        self.apply_ops(sc, d, rest, text, loc)
    }

    /// `count.index` / `each` of the instance `index` of a block with `count`/`for_each`.
    /// Every instance of a policy document as Terraform holds it: one object, a list (count)
    /// or a map by key (for_each), each object with its `json` and `minified_json`.
    fn policy_document_instances(
        &self,
        file: crate::base::source::FileId,
        block: &'a Block,
        what: &str,
        loc: Loc,
    ) -> Doc {
        let Some(f) = self.src(file) else {
            return unsupported(format!("{what}: source file missing"), loc);
        };
        let bsc = self.scope_in(file, &f);
        let object = |vars: Option<&HashMap<String, Doc>>| {
            let doc = self.guarded(what, loc, || self.policy_document(file, block, vars));
            let entry = |key: &str| crate::ir::DocEntry {
                key: key.into(),
                key_loc: loc,
                value: doc.clone(),
            };
            Doc::new(
                DocKind::Map(vec![entry("json"), entry("minified_json")]),
                loc,
            )
        };
        let is_count = block.body.get_attribute("count").is_some();
        if !is_count && block.body.get_attribute("for_each").is_none() {
            return object(None);
        }
        let mut items = Vec::new();
        let mut entries = Vec::new();
        for (suffix, vars) in self.expand(bsc, block, what) {
            if suffix == "[*]" {
                // Instances not known statically: which one a key reads is not known either.
                return unknown(
                    Why::input(format!("the instances of {what} are not known statically")),
                    loc,
                );
            }
            let o = object(Some(&vars));
            // `["key"]` or `[0]`: the key a for_each instance is found by.
            let key = suffix
                .strip_prefix('[')
                .and_then(|s| s.strip_suffix(']'))
                .map(|k| serde_json::from_str::<String>(k).unwrap_or_else(|_| k.to_string()));
            match (is_count, key) {
                (false, Some(k)) => entries.push(crate::ir::DocEntry {
                    key: k,
                    key_loc: loc,
                    value: o,
                }),
                _ => items.push(o),
            }
        }
        if is_count {
            Doc::new(DocKind::List(items), loc)
        } else {
            Doc::new(DocKind::Map(entries), loc)
        }
    }

    fn instance_vars(
        &self,
        sc: Scope<'_>,
        file: crate::base::source::FileId,
        block: &Block,
        index: &Doc,
    ) -> Result<HashMap<String, Doc>, Doc> {
        let _ = sc;
        let mut vars = HashMap::new();
        let Some(f) = self.src(file) else {
            return Ok(vars);
        };
        let bsc = self.scope_in(file, &f);
        if block.body.get_attribute("count").is_some() {
            vars.insert("count".into(), super::instances::count_doc(index.clone()));
        } else if let Some(a) = block.body.get_attribute("for_each") {
            let fe = self.eval(bsc, &a.value);
            let key = lit(index).map(str::to_string);
            let value = match (&fe.kind, &key) {
                (DocKind::Map(_), Some(k)) => fe.get(k).cloned(),
                (DocKind::List(items), Some(k)) => {
                    items.iter().find(|i| lit(i) == Some(k.as_str())).cloned()
                }
                _ => None,
            };
            let value = value.unwrap_or_else(|| {
                unknown(
                    Why::unsupported("the instance's for_each element is not known statically"),
                    index.loc,
                )
            });
            vars.insert(
                "each".into(),
                super::instances::each_doc(index.clone(), value),
            );
        }
        Ok(vars)
    }

    /// `<type>.<name>[...].<attr>` of a managed resource.
    pub(super) fn resource_ref(
        &self,
        sc: Scope<'_>,
        ty: &str,
        ops: &[&TraversalOperator],
        text: &str,
        loc: Loc,
    ) -> Doc {
        let attr = |i: usize| attr_at(ops, i);
        let after_apply = || unknown(format!("{} is only known after apply", short(text)), loc);
        let Some(name) = attr(0) else {
            return after_apply();
        };
        let at = match ops.get(1) {
            Some(TraversalOperator::Index(_) | TraversalOperator::LegacyIndex(_)) => 2,
            _ => 1,
        };
        // A whole resource with for_each (`for_each = aws_kms_key.by_map`): its instance keys
        // are known; their attributes only after apply.
        if ops.len() == 1 {
            if let Some((file, block)) = self.d.resource(ty, name) {
                if let (Some(a), Some(f)) = (block.body.get_attribute("for_each"), self.src(file)) {
                    let fe = self.eval(self.scope_in(file, &f), &a.value);
                    let keys: Option<Vec<(String, Loc)>> = match &fe.kind {
                        DocKind::Map(es) => {
                            Some(es.iter().map(|e| (e.key.clone(), e.key_loc)).collect())
                        }
                        DocKind::List(items) => items
                            .iter()
                            .map(|i| lit(i).map(|s| (s.to_string(), i.loc)))
                            .collect(),
                        _ => None,
                    };
                    if let Some(keys) = keys {
                        let entries = keys
                            .into_iter()
                            .map(|(k, kl)| crate::ir::DocEntry {
                                value: unknown(
                                    format!("{ty}.{name}[\"{k}\"] is only known after apply"),
                                    kl,
                                ),
                                key: k,
                                key_loc: kl,
                            })
                            .collect();
                        return Doc::new(DocKind::Map(entries), loc);
                    }
                }
            }
        }
        let kind = match ty {
            "aws_iam_role" => "role",
            "aws_iam_user" => "user",
            "aws_iam_group" => "group",
            "aws_iam_policy" => "policy",
            _ => return after_apply(),
        };
        let Some((file, block)) = self.d.resource(ty, name) else {
            return after_apply();
        };
        let Some(f) = self.src(file) else {
            return after_apply();
        };
        let bsc = self.scope_in(file, &f);
        let name_doc = || -> Value {
            match block
                .body
                .get_attribute("name")
                .map(|a| self.eval(bsc, &a.value))
            {
                Some(d) if lit(&d).is_some() => d.as_value().cloned().unwrap_or_default(),
                _ => Value::unknown(Why::input(format!(
                    "the name of {ty}.{name} is chosen at apply"
                ))),
            }
        };
        let d = match attr(at) {
            Some("arn") => {
                let p = self.provider_of(file, block);
                let mut v = Value::lit("arn:aws:iam::");
                v.append(self.account_of(p, &format!("{ty}.{name}")));
                v.push(Part::Lit(format!(":{kind}")));
                let path = block
                    .body
                    .get_attribute("path")
                    .map(|a| self.eval(bsc, &a.value))
                    .and_then(|d| lit(&d).map(str::to_string))
                    .unwrap_or_else(|| "/".into());
                v.push(Part::Lit(path));
                v.append(name_doc());
                Doc::scalar(v, loc)
            }
            Some("name" | "id") => Doc::scalar(name_doc(), loc),
            _ => return after_apply(),
        };
        self.apply_ops(sc, d, ops.get(at + 1..).unwrap_or(&[]), text, loc)
    }
}

/// The account a `provider "aws"` block states: the last `assume_role { role_arn }`'s account
/// (blocks chain), else a single entry of `allowed_account_ids`.
fn provider_account(m: &Module<'_>, sc: Scope<'_>, block: &Block) -> Option<String> {
    // Several assume_role blocks are a chain: the provider ends in the last role's account.
    let last = block
        .body
        .get_blocks("assume_role")
        .filter_map(|ar| ar.body.get_attribute("role_arn"))
        .last();
    if let Some(a) = last {
        let d = m.eval(sc, &a.value);
        if let Some(acct) = lit(&d).and_then(role_account) {
            return Some(acct.to_string());
        }
    }
    let a = block.body.get_attribute("allowed_account_ids")?;
    match m.eval(sc, &a.value).kind {
        DocKind::List(items) if items.len() == 1 => items
            .first()
            .and_then(|d| lit(d))
            .filter(|a| is_account_id(a))
            .map(str::to_string),
        _ => None,
    }
}
