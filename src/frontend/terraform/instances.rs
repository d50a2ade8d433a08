//! Module instances: each resource with `count`/`for_each` expanded into its instances, and each
//! module call evaluated with the caller's arguments (defaults only where unset), per instance,
//! recursively. Every key, key policy, grant and alias found becomes a site named by its
//! instance address (`module.shared_key["logs"].aws_kms_key.this`).

use super::decls::{Call, Decls, Target};
use super::eval::*;
use super::ops::elements;
use super::KEY_TYPES;
use crate::base::limits::{MAX_INSTANCES, MAX_MODULE_DEPTH, MAX_UNIT_INSTANCES};
use crate::base::source::Loc;
use crate::ir::{Doc, DocEntry, DocKind, Extracted, Grant, PolicySite, SiteBody, Value, Why};
use crate::parse::hcl::{span_of, Block};
use hcl_edit::expr::TraversalOperator;
use std::collections::{HashMap, HashSet};

/// `count` as a block's instance sees it.
pub(super) fn count_doc(index: Doc) -> Doc {
    let loc = index.loc;
    Doc::new(
        DocKind::Map(vec![DocEntry {
            key: "index".into(),
            key_loc: loc,
            value: index,
        }]),
        loc,
    )
}

/// `each` as a block's instance sees it.
pub(super) fn each_doc(key: Doc, value: Doc) -> Doc {
    let loc = key.loc;
    Doc::new(
        DocKind::Map(vec![
            DocEntry {
                key: "key".into(),
                key_loc: loc,
                value: key,
            },
            DocEntry {
                key: "value".into(),
                key_loc: loc,
                value,
            },
        ]),
        loc,
    )
}

/// One instance of a block: its address suffix (`[0]`, `["logs"]`) and the names it binds.
pub(super) type Instance = (String, HashMap<String, Doc>);

/// Meta-arguments of a module call, not passed to the module.
const META: &[&str] = &[
    "source",
    "version",
    "count",
    "for_each",
    "providers",
    "depends_on",
];

/// The resource types whose instances are sites.
fn is_site_type(ty: &str) -> bool {
    KEY_TYPES.contains(&ty)
        || super::indirect::INDIRECT_TYPES.contains(&ty)
        || matches!(ty, "aws_kms_key_policy" | "aws_kms_grant" | "aws_kms_alias")
}

/// Could a module whose source is not on disk build a key policy from these arguments?
fn could_reach_key(call: &Call<'_>) -> bool {
    let kmsish = |s: &str| {
        let s = s.to_ascii_lowercase();
        s.contains("kms") || s.contains("key_polic") || s.contains("key_statement")
    };
    call.block.body.attributes().any(|a| {
        let k = a.key.as_str();
        (k == "source" && a.value.as_str().is_some_and(kmsish)) || (!META.contains(&k) && kmsish(k))
    })
}

/// Whether an instance of a block with `count`/`for_each` exists: with every value they may
/// take, with some only, with none, or not known.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Presence {
    Always,
    Sometimes,
    Never,
    Unknown,
}

impl<'a> Module<'a> {
    /// Whether instance `key` (a count index or a for_each key, as text) of `block` exists.
    /// Referring to one that does not exist is an error in Terraform (which `try()` catches);
    /// one that only some deployments create is flagged (`maybe_absent`) for `try()`.
    pub(super) fn presence(&self, sc: Scope<'_>, block: &Block, key: &str) -> Presence {
        let count = block.body.get_attribute("count");
        let (attr, is_count) = match (count, block.body.get_attribute("for_each")) {
            (Some(c), _) => (c, true),
            (None, Some(f)) => (f, false),
            (None, None) => return Presence::Unknown,
        };
        let v = self.eval(sc, &attr.value);
        let (mut has, mut lacks) = (false, false);
        for alt in v.alternatives() {
            let present = if is_count {
                match (super::ops::num(alt), key.parse::<u64>()) {
                    (Some(n), Ok(i)) => Some((i as f64) < n),
                    (Some(_), Err(_)) => Some(false),
                    _ => None,
                }
            } else {
                match &alt.kind {
                    DocKind::Map(_) => Some(alt.get(key).is_some()),
                    DocKind::List(items) if items.iter().all(|i| lit(i).is_some()) => {
                        Some(items.iter().any(|i| lit(i) == Some(key)))
                    }
                    DocKind::Null => Some(false),
                    _ => None,
                }
            };
            match present {
                Some(true) => has = true,
                Some(false) => lacks = true,
                None => return Presence::Unknown,
            }
        }
        let p = match (has, lacks) {
            (true, false) => Presence::Always,
            (true, true) => Presence::Sometimes,
            (false, true) => Presence::Never,
            (false, false) => Presence::Unknown,
        };
        if p == Presence::Sometimes {
            self.sh.maybe_absent.set(true);
        }
        p
    }

    /// The instances of a block with `count` or `for_each`. A count or collection that is not
    /// known gives one instance (`[*]`) whose `count.index`/`each` are unknown; one that a
    /// caller, a tfvars file or `-var` can change and that is empty by default too.
    pub(super) fn expand(&self, sc: Scope<'_>, block: &Block, what: &str) -> Vec<Instance> {
        let loc = sc.loc(span_of(block));
        let count = block.body.get_attribute("count");
        let for_each = block.body.get_attribute("for_each");
        let (attr, is_count) = match (count, for_each) {
            (Some(c), _) => (c, true),
            (None, Some(f)) => (f, false),
            (None, None) => return vec![(String::new(), HashMap::new())],
        };
        let was = self.sh.tainted.replace(false);
        let v = self.eval(sc, &attr.value);
        let tainted = self.sh.tainted.get();
        self.sh.tainted.set(was || tainted);
        let alts = match v.kind {
            DocKind::Choice(alts) => alts,
            kind => vec![Doc::new(kind, v.loc)],
        };
        let mut out: Vec<Instance> = Vec::new();
        let mut generic: Option<Why> = None;
        for alt in alts {
            if is_count {
                match super::ops::num(&alt) {
                    Some(n) if n >= 0.0 => {
                        let n = n as usize;
                        if n > MAX_INSTANCES {
                            self.limit(
                                loc,
                                format!("{what} has count = {n}: more than the limit of {MAX_INSTANCES} instances"),
                            );
                            return Vec::new();
                        }
                        for i in 0..n {
                            let key = format!("[{i}]");
                            if out.iter().any(|(k, _)| *k == key) {
                                continue;
                            }
                            let mut vars = HashMap::new();
                            vars.insert(
                                "count".into(),
                                count_doc(Doc::scalar(
                                    Value::lit(i.to_string()),
                                    attr.value_loc(sc),
                                )),
                            );
                            out.push((key, vars));
                        }
                    }
                    _ => {
                        generic = Some(why_unknown(&alt).unwrap_or_else(|| {
                            Why::unsupported("the count is not a number known statically")
                        }))
                    }
                }
                continue;
            }
            let els = match &alt.kind {
                // A set of strings: each element is its own key.
                DocKind::List(items) => Ok(items
                    .iter()
                    .map(|d| (d.clone(), d.clone()))
                    .collect::<Vec<_>>()),
                DocKind::Null => Ok(Vec::new()),
                _ => elements(&alt),
            };
            match els {
                Ok(els) => {
                    if els.len() > MAX_INSTANCES {
                        self.limit(
                            loc,
                            format!(
                                "{what} has a for_each over {} elements: more than the limit of {MAX_INSTANCES} instances",
                                els.len()
                            ),
                        );
                        return Vec::new();
                    }
                    for (k, val) in els {
                        let Some(ks) = lit(&k).map(str::to_string) else {
                            generic = Some(why_unknown(&k).unwrap_or_else(|| {
                                Why::unsupported("a for_each key that is not a string")
                            }));
                            continue;
                        };
                        let key = format!("[{}]", serde_json::Value::String(ks));
                        if out.iter().any(|(k, _)| *k == key) {
                            continue;
                        }
                        let mut vars = HashMap::new();
                        vars.insert("each".into(), each_doc(k, val));
                        out.push((key, vars));
                    }
                }
                Err(w) => {
                    generic = Some(w.unwrap_or_else(|| {
                        Why::unsupported("the for_each is not a map or a set of strings")
                    }))
                }
            }
        }
        if generic.is_none() && out.is_empty() && tainted {
            generic = Some(Why::input(format!(
                "{what}: `{}` has no element by default, and a caller, a tfvars file or -var can \
                 give it some",
                short(sc.text(span_of(&attr.value)))
            )));
        }
        if let Some(why) = generic {
            let u = |w: &Why| unknown(w.clone(), loc);
            let mut vars = HashMap::new();
            if is_count {
                vars.insert("count".into(), count_doc(u(&why)));
            } else {
                vars.insert("each".into(), each_doc(u(&why), u(&why)));
            }
            out.push(("[*]".into(), vars));
        }
        out
    }

    /// Every site of this instance and of the module instances it calls.
    pub fn collect(&self, dirs: &'a [Decls<'a>], out: &mut Extracted, chain: &mut Vec<usize>) {
        let targeted = self.targeted();
        for (file, block) in self.d.resources.iter().copied() {
            if block.ident.as_str() != "resource" {
                continue;
            }
            let (Some(ty), Some(name)) = (block.labels.first(), block.labels.get(1)) else {
                continue;
            };
            let (ty, name) = (ty.as_str(), name.as_str());
            if !is_site_type(ty) {
                continue;
            }
            let Some(f) = self.src(file) else { continue };
            let sc = self.scope_in(file, &f);
            let local = format!("{ty}.{name}");
            // count/for_each are evaluated for this key's provider too.
            self.sh.key_provider.set(self.provider_of(file, block));
            for (suffix, vars) in self.expand(sc, block, &local) {
                if !self.count_instance(sc.loc(span_of(block))) {
                    return;
                }
                let address = format!("{}{local}{suffix}", self.path);
                let isc = sc.with(&vars);
                self.sh.key_provider.set(self.provider_of(file, block));
                self.sh.vias.borrow_mut().clear();
                if ty == "aws_kms_alias" {
                    out.aliases.extend(self.alias_of(isc, block, &suffix));
                    continue;
                }
                if super::indirect::INDIRECT_TYPES.contains(&ty) {
                    let mut got = self.indirect_sites(isc, block, ty, &local, &address);
                    for site in std::mem::take(&mut got.sites) {
                        self.push_site(out, site);
                    }
                    out.absorb(got);
                    continue;
                }
                if let Some(site) = self.block_site(isc, block, ty, &local, address, &targeted) {
                    self.push_site(out, site);
                }
            }
        }
        for call in &self.d.calls {
            self.call_module(call, dirs, out, chain);
        }
    }

    fn count_instance(&self, loc: Loc) -> bool {
        let n = self.sh.instances.get() + 1;
        self.sh.instances.set(n);
        if n > MAX_UNIT_INSTANCES {
            self.limit(
                loc,
                format!("the root module expands to more than {MAX_UNIT_INSTANCES} instances"),
            );
            return false;
        }
        true
    }

    fn push_site(&self, out: &mut Extracted, site: PolicySite) {
        let vias: Vec<Via> = std::mem::take(&mut *self.sh.vias.borrow_mut());
        for v in vias.iter().chain(&self.notes) {
            out.via.push(crate::ir::SiteVia {
                resource: site.resource.clone(),
                at: v.at,
                arg: v.arg,
                note: v.note.clone(),
                fallback: v.fallback,
            });
        }
        out.sites.push(site);
    }

    /// Keys whose policy an `aws_kms_key_policy` of this module sets.
    fn targeted(&self) -> HashSet<String> {
        let mut t = HashSet::new();
        for (_, b) in &self.d.resources {
            if b.labels.first().map(|l| l.as_str()) == Some("aws_kms_key_policy") {
                if let Some(a) = b.body.get_attribute("key_id") {
                    super::collect_key_refs(&a.value, &mut t);
                }
            }
        }
        t
    }

    /// One module call: each of its instances, evaluated with the caller's arguments.
    fn call_module(
        &self,
        call: &Call<'a>,
        dirs: &'a [Decls<'a>],
        out: &mut Extracted,
        chain: &mut Vec<usize>,
    ) {
        let Some(f) = self.src(call.file) else { return };
        let sc = self.scope_in(call.file, &f);
        let label = sc.loc(call.block.labels.first().and_then(span_of));
        let idx = match &call.target {
            Target::Dir(i) => *i,
            Target::Missing(why) | Target::Unread(why) => {
                // A module not installed is reported when its arguments name keys; one on disk
                // that is not read, always (any module may create keys with its defaults).
                if matches!(call.target, Target::Unread(_)) || could_reach_key(call) {
                    out.sites.push(PolicySite {
                        resource: format!("{}module.{}", self.path, call.name),
                        resource_type: "module".into(),
                        loc: label,
                        key_account: None,
                        body: SiteBody::KeyPolicy(unknown(Why::input(why.clone()), label)),
                        tags: Vec::new(),
                    });
                }
                return;
            }
        };
        let Some(decls) = dirs.get(idx) else { return };
        if chain.contains(&idx) || chain.len() >= MAX_MODULE_DEPTH {
            self.limit(
                label,
                format!(
                    "module.{} calls itself, or module calls nest deeper than {MAX_MODULE_DEPTH}",
                    call.name
                ),
            );
            return;
        }
        let (instances, fixed) = self.expand_call(sc, call);
        for (suffix, vars) in instances {
            if !self.count_instance(label) {
                return;
            }
            let csc = sc.with(&vars);
            let child = self.child(csc, call, decls, &suffix, label, fixed);
            chain.push(idx);
            child.collect(dirs, out, chain);
            chain.pop();
        }
    }

    /// The instances of a module call, its count/for_each evaluated for the provider the called
    /// module's keys use by default; with whether their `each`/`count` depend on it.
    fn expand_call(&self, sc: Scope<'_>, call: &Call<'a>) -> (Vec<Instance>, bool) {
        let default = self.call_providers(sc, call.block).get("aws").copied();
        let saved = self.sh.key_provider.replace(default);
        let was = self.sh.key_relative.replace(false);
        let what = format!("module.{}", call.name);
        let instances = self.expand(sc, call.block, &what);
        let relative = self.sh.key_relative.get();
        self.sh.key_relative.set(was || relative);
        self.sh.key_provider.set(saved);
        (instances, relative)
    }

    /// `module.NAME.OUTPUT` (`module.NAME[KEY].OUTPUT` for a call with count/for_each): the
    /// output's value in that instance of the called module, evaluated there with this
    /// module's arguments. Unknown when the module's source is not on disk or the instance
    /// cannot be told.
    pub(super) fn module_ref(
        &self,
        sc: Scope<'_>,
        ops: &[&TraversalOperator],
        text: &str,
        loc: Loc,
    ) -> Doc {
        let name = attr_at(ops, 0).unwrap_or("?");
        let output_unknown = |why: &str| {
            unknown(
                format!("{} is an output of module {name} ({why})", short(text)),
                loc,
            )
        };
        let Some(call) = self.d.calls.iter().find(|c| c.name == name) else {
            return output_unknown("no such module call");
        };
        let Target::Dir(idx) = call.target else {
            return output_unknown("its source is not on disk; known from a plan");
        };
        let (Some(decls), Some(f)) = (self.sh.dirs.get(idx), self.src(call.file)) else {
            return output_unknown("known from a plan");
        };
        let csc = self.scope_in(call.file, &f);
        let (mut instances, fixed) = self.expand_call(csc, call);
        let meta = ["count", "for_each"]
            .iter()
            .any(|m| call.block.body.get_attribute(m).is_some());
        // Which instance: `[KEY]` after the name when the call has count/for_each.
        let (want, rest) = if meta {
            let key = match ops.get(1) {
                Some(TraversalOperator::Index(e)) => {
                    let d = self.eval(sc, e);
                    lit(&d).map(str::to_string)
                }
                Some(TraversalOperator::LegacyIndex(n)) => Some(n.to_string()),
                _ => None,
            };
            let Some(key) = key else {
                return output_unknown("which instance is not known statically");
            };
            if self.presence(csc, call.block, &key) == Presence::Never {
                return self.fault(
                    format!("`{}`: module.{name} has no instance [{key}]", short(text)),
                    loc,
                );
            }
            let quoted = format!("[{}]", serde_json::Value::String(key.clone()));
            let bare = format!("[{key}]");
            let found = instances
                .iter()
                .position(|(s, _)| *s == quoted || *s == bare);
            match found {
                Some(i) => (i, ops.get(2..).unwrap_or(&[])),
                None => return output_unknown("no such instance"),
            }
        } else {
            (0, ops.get(1..).unwrap_or(&[]))
        };
        let Some(output) = attr_at(rest, 0) else {
            return output_unknown("all its outputs at once are not evaluated");
        };
        let Some(&(ofile, oexpr)) = decls.outputs.get(output) else {
            return output_unknown("the module has no such output");
        };
        if instances.get(want).is_none() {
            return output_unknown("no such instance");
        }
        let (suffix, vars) = instances.swap_remove(want);
        let label = csc.loc(call.block.labels.first().and_then(span_of));
        let key = format!("module.{name}{suffix}.{output}");
        // An output may name the key's own account: it is evaluated per key provider.
        let memo = format!("{}{key} {:?}", self.path, self.key_provider());
        // Inside a branch evaluated with overridden variables, the value is not the usual one.
        let memoize = self.sh.overrides.borrow().is_empty();
        let cached = memoize
            .then(|| self.sh.outputs.borrow().get(&memo).cloned())
            .flatten();
        let value = match cached {
            Some((d, effects)) => {
                // What reading it did the first time (a variable a caller can change) holds
                // here too: a conditional on it is not decided.
                self.replay(&effects);
                d
            }
            None => {
                // Crossings met inside belong to that instance, not to the site read here.
                let saved = std::mem::take(&mut *self.sh.vias.borrow_mut());
                self.sh.in_output.set(self.sh.in_output.get() + 1);
                let (d, effects) = self.with_effects(|| {
                    self.guarded(&key, loc, || {
                        let child = self.child(csc.with(&vars), call, decls, &suffix, label, fixed);
                        let Some(of) = child.src(ofile) else {
                            return output_unknown("source file missing");
                        };
                        child.eval(child.scope_in(ofile, &of), oexpr)
                    })
                });
                self.sh
                    .in_output
                    .set(self.sh.in_output.get().saturating_sub(1));
                *self.sh.vias.borrow_mut() = saved;
                if memoize {
                    self.sh
                        .outputs
                        .borrow_mut()
                        .insert(memo, (d.clone(), effects));
                }
                d
            }
        };
        // Shown where this module uses it: the statement is the user's, and the message names
        // the value.
        let d = self.apply_ops(sc, value, rest.get(1..).unwrap_or(&[]), text, loc);
        repin(d, loc)
    }

    /// The instance `suffix` of a module call, its arguments evaluated here. An argument that
    /// names the key's own account (the caller identity) is evaluated for each provider the
    /// instance's keys may use: this call's own `providers`, and the key reading an output
    /// (`fixed`: the instance's `each`/`count` were evaluated for its default provider only).
    fn child(
        &self,
        sc: Scope<'_>,
        call: &Call<'a>,
        decls: &'a Decls<'a>,
        suffix: &str,
        label: Loc,
        fixed: bool,
    ) -> Module<'a> {
        // Providers: the default `aws` is inherited; `providers = { aws = aws.x }` maps names.
        let inherited = self.call_providers(sc, call.block);
        let mut cands: Vec<Option<usize>> = vec![inherited.get("aws").copied()];
        if !fixed {
            let mut others: Vec<Option<usize>> = inherited.values().map(|p| Some(*p)).collect();
            others.push(self.sh.key_provider.get());
            others.sort();
            for p in others {
                if !cands.contains(&p) {
                    cands.push(p);
                }
            }
        }
        let saved_key = self.sh.key_provider.get();
        let mut args = HashMap::new();
        for a in call.block.body.attributes() {
            let k = a.key.as_str();
            if META.contains(&k) {
                continue;
            }
            let was = self.sh.tainted.replace(false);
            let was_relative = self.sh.key_relative.replace(false);
            let saved = std::mem::take(&mut *self.sh.vias.borrow_mut());
            self.sh.key_provider.set(cands.first().copied().flatten());
            let value = self.eval(sc, &a.value);
            let vias = std::mem::replace(&mut *self.sh.vias.borrow_mut(), saved);
            let tainted = self.sh.tainted.get();
            let relative = self.sh.key_relative.get();
            let by_provider = relative.then(|| {
                let mut alts = vec![(cands.first().copied().flatten(), value.clone())];
                for p in cands.iter().skip(1) {
                    self.sh.key_provider.set(*p);
                    let saved = std::mem::take(&mut *self.sh.vias.borrow_mut());
                    let v = self.eval(sc, &a.value);
                    *self.sh.vias.borrow_mut() = saved;
                    alts.push((*p, v));
                }
                alts
            });
            self.sh.key_provider.set(saved_key);
            self.sh.tainted.set(was);
            self.sh.key_relative.set(was_relative || relative);
            args.insert(
                k.to_string(),
                Arg {
                    value,
                    by_provider,
                    tainted,
                    loc: sc.loc(span_of(&a.value)),
                    vias,
                },
            );
        }
        let pin = if decls.bundled {
            Some(self.pin.unwrap_or(label))
        } else {
            self.pin
        };
        let mut notes = self.notes.clone();
        if let Some(n) = &call.note {
            notes.push(Via {
                at: None,
                arg: label,
                note: n.clone(),
                fallback: false,
            });
        }
        if self.pin.is_none() {
            notes.push(Via {
                at: None,
                arg: label,
                note: format!(
                    "in the instance {}module.{}{suffix} of this module call",
                    self.path, call.name
                ),
                fallback: true,
            });
        }
        let mut child = Module::new(self.sh, decls);
        child.args = Some(args);
        child.path = format!("{}module.{}{suffix}.", self.path, call.name);
        child.pin = pin;
        child.notes = notes;
        child.register_providers(inherited);
        child
    }

    /// `aws_kms_alias` -> (target key's address, alias name), when both are known statically.
    fn alias_of(&self, sc: Scope<'_>, b: &Block, suffix: &str) -> Vec<(String, String)> {
        let name = b
            .body
            .get_attribute("name")
            .and_then(|a| lit(&self.eval(sc, &a.value)).map(str::to_string));
        let mut keys = HashSet::new();
        if let Some(a) = b.body.get_attribute("target_key_id") {
            super::collect_key_refs(&a.value, &mut keys);
        }
        let Some(name) = name else {
            return Vec::new();
        };
        let _ = suffix;
        let mut out: Vec<(String, String)> = keys
            .into_iter()
            .map(|addr| (format!("{}{addr}", self.path), name.clone()))
            .collect();
        out.sort();
        out.dedup();
        out
    }

    /// Argument `name` of resource block `b` (`local`: its address here), after override
    /// files, evaluated in the file that sets it: as a policy document, or as a value.
    pub(super) fn resource_arg(
        &self,
        sc: Scope<'_>,
        local: &str,
        b: &'a Block,
        name: &str,
        policy: bool,
    ) -> Option<Doc> {
        let (file, e) = self.d.attribute(local, b, name)?;
        let d = self.in_file(sc, file, |sc| {
            if policy {
                self.eval_policy(sc, e)
            } else {
                self.eval(sc, e)
            }
        });
        Some(d.unwrap_or_else(|| unsupported("source file missing", sc.loc(span_of(e)))))
    }

    fn block_site(
        &self,
        sc: Scope<'_>,
        b: &'a Block,
        ty: &str,
        local: &str,
        address: String,
        targeted: &HashSet<String>,
    ) -> Option<PolicySite> {
        let loc = labels_loc(sc, b);
        let body = if KEY_TYPES.contains(&ty) || ty == "aws_kms_key_policy" {
            match self.resource_arg(sc, local, b, "policy", true) {
                Some(d) => match d {
                    Doc {
                        kind: DocKind::Null,
                        ..
                    } if ty != "aws_kms_key_policy" => SiteBody::DefaultPolicy,
                    d => SiteBody::KeyPolicy(d),
                },
                // A key whose policy an aws_kms_key_policy sets is reported through that resource.
                None if targeted.contains(local) => return None,
                None if ty == "aws_kms_key_policy" => SiteBody::KeyPolicy(unknown(
                    Why::unsupported("aws_kms_key_policy without a policy"),
                    loc,
                )),
                None => SiteBody::DefaultPolicy,
            }
        } else if ty == "aws_kms_grant" {
            let get = |name: &str| self.resource_arg(sc, local, b, name, false);
            let operations = match get("operations") {
                Some(d) => match d.kind {
                    DocKind::List(items) => items,
                    _ => vec![d],
                },
                None => Vec::new(),
            };
            SiteBody::Grant(Grant {
                grantee: get("grantee_principal"),
                retiring: get("retiring_principal"),
                operations,
            })
        } else {
            return None;
        };
        let tags = self
            .resource_arg(sc, local, b, "tags", false)
            .map(|d| super::tags_of(&d))
            .unwrap_or_default();
        // Grants keep --key-account: the key a grant names may be in another account.
        let key_account = match ty {
            "aws_kms_grant" => None,
            _ => self.stated_key_account(),
        };
        Some(PolicySite {
            resource: address,
            resource_type: ty.to_string(),
            loc,
            key_account,
            body,
            tags,
        })
    }
}

trait ValueLoc {
    fn value_loc(&self, sc: Scope<'_>) -> Loc;
}

impl ValueLoc for hcl_edit::structure::Attribute {
    fn value_loc(&self, sc: Scope<'_>) -> Loc {
        sc.loc(span_of(&self.value))
    }
}

/// Where a resource block's findings are shown: its labels (`"aws_kms_key" "logs"`).
pub(super) fn labels_loc(sc: Scope<'_>, b: &Block) -> Loc {
    let first = b.labels.first().and_then(span_of);
    let last = b.labels.last().and_then(span_of);
    match (first, last) {
        (Some(f), Some(l)) => sc.loc(Some(f.cover(l))),
        _ => sc.loc(span_of(b)),
    }
}
