//! CloudFormation intrinsics -> `Doc`/`Value`: `Ref`, `Fn::Sub`, `Fn::Join`, `Fn::If`,
//! `Fn::Select`, `Fn::Split`, `Fn::FindInMap`, `Fn::GetAtt`, `Fn::ImportValue`, ... in their long
//! (`{"Fn::Sub": …}`) and short (`!Sub …`) forms. What CloudFormation only knows at deploy time
//! becomes `Part::Unknown` with the reason.
//!
//! Every value a deployment can produce is kept: a parameter with `AllowedValues` is a `Choice`
//! of them, `Fn::If` is a `Choice` of the branches some deployable parameter values select (see
//! `conditions`), `Fn::FindInMap` a `Choice` of the entries its keys can reach. `AWS::NoValue`
//! removes the property or list item it stands for.

use super::conditions::Logic;
use super::parameters::{self, Domain, Parameters};
use super::syntax::source_text;
pub use super::syntax::{intrinsic, sub_pieces, untagged, SubPiece};
use crate::base::diag::{code, InputError};
use crate::base::limits::{MAX_ALTERNATIVES, MAX_DEPTH, MAX_EVAL_STEPS, MAX_VALUE_LEN};
use crate::base::source::{FileId, Loc, Span};
use crate::ir::{Conditional, Doc, DocEntry, DocKind, Part, Value, Why};
use crate::parse::{Node, NodeKind};
use std::cell::{Cell, RefCell};
use std::collections::HashMap;

/// Variables of another tool, expanded in the template's strings before CloudFormation sees
/// them (the Serverless Framework's `${self:…}`, `${aws:accountId}`, …).
pub trait Variables {
    /// The value of a string that holds such variables; `None` when it holds none.
    fn expand(&self, text: &str) -> Option<Value>;
    /// One variable, named as inside `${…}`; `None` when it is not one of this tool's.
    fn variable(&self, name: &str) -> Option<Value>;
    /// What a string that is exactly one variable naming a list or map stands for (the tool puts
    /// that value in the string's place).
    fn whole(&self, text: &str) -> Option<&Node>;
}

/// The template-wide context intrinsics refer to.
pub struct Template<'a> {
    pub file: FileId,
    pub root: &'a Node,
    pub logic: Logic<'a>,
    /// Conditions decided where the value being resolved sits (the `Fn::If` branch, the key's
    /// own resource `Condition`).
    fixed: RefCell<Vec<(String, bool)>>,
    /// Resolving a condition operand or mapping key: a parameter without `AllowedValues` may
    /// then be anything, not its `Default`.
    deciding: Cell<bool>,
    variables: Option<&'a dyn Variables>,
    /// Values resolved so far: `Fn::Sub` variables are resolved at each use, so a crafted
    /// template could otherwise make the work (and the strings) grow exponentially.
    steps: Cell<usize>,
    errors: RefCell<Vec<InputError>>,
    /// Shapes AWS rejects (a list parameter inside a list): the policy is not checked.
    invalid: RefCell<Vec<InputError>>,
    /// Branches only some deployments select.
    conditional: RefCell<Vec<Conditional>>,
}

impl<'a> Template<'a> {
    pub fn new(file: FileId, root: &'a Node) -> Self {
        Template::with(file, root, HashMap::new(), None)
    }

    /// A template whose parameters a parent stack sets (`given`), or whose strings another
    /// tool's `variables` fill in.
    pub fn with(
        file: FileId,
        root: &'a Node,
        given: HashMap<String, Doc>,
        variables: Option<&'a dyn Variables>,
    ) -> Self {
        Template {
            file,
            root,
            logic: Logic::new(root, Parameters::new(root, given)),
            fixed: RefCell::new(Vec::new()),
            deciding: Cell::new(false),
            variables,
            steps: Cell::new(0),
            errors: RefCell::new(Vec::new()),
            invalid: RefCell::new(Vec::new()),
            conditional: RefCell::new(Vec::new()),
        }
    }

    /// The branches only some deployments select, seen so far (each once).
    pub fn take_conditional(&self) -> Vec<Conditional> {
        let mut all = std::mem::take(&mut *self.conditional.borrow_mut());
        Conditional::dedup(&mut all);
        all
    }

    /// Records that `branch` is deployed only when `cond` (named at `at`) is `value`.
    pub(super) fn branch(&self, at: &Node, branch: &Node, cond: &str, value: bool) {
        let c = Conditional {
            scope: self.loc(branch),
            at: self.loc(at),
            when: format!("deployed only when {}", self.logic.describe(cond, value)),
        };
        self.conditional.borrow_mut().push(c);
    }

    /// Limits hit while resolving (each one a KMS000 at the value it left unresolved).
    pub fn take_errors(&self) -> Vec<InputError> {
        std::mem::take(&mut *self.errors.borrow_mut())
    }

    /// Shapes AWS would reject, found since the last call.
    pub fn take_invalid(&self) -> Vec<InputError> {
        std::mem::take(&mut *self.invalid.borrow_mut())
    }

    /// Records a limit hit and returns the unknown that stands for the value.
    pub(super) fn limit(&self, node: &Node, message: String) -> Doc {
        let loc = self.loc(node);
        let mut errors = self.errors.borrow_mut();
        // One error per limit and template is enough: the first says where it was hit.
        if !errors.iter().any(|e| e.message == message) {
            errors.push(InputError {
                file: self.file,
                span: loc.span,
                message: message.clone(),
                code: code::RESOLVE_LIMIT,
            });
        }
        Doc::new(DocKind::Unknown(Why::reported(message)), loc)
    }

    pub(super) fn reject(&self, span: Span, message: String) {
        let mut invalid = self.invalid.borrow_mut();
        if !invalid.iter().any(|e| e.span == span) {
            invalid.push(InputError {
                file: self.file,
                span,
                message,
                code: code::TEMPLATE,
            });
        }
    }

    pub(super) fn loc(&self, node: &Node) -> Loc {
        Loc::new(self.file, node.span)
    }

    fn section(&self, name: &str) -> Option<&'a Node> {
        self.root.get(name)
    }

    pub(super) fn resource_type(&self, logical_id: &str) -> Option<&'a str> {
        self.section("Resources")?
            .get(logical_id)?
            .get("Type")?
            .as_str()
    }

    /// Runs `f` with conditions held at the given values.
    pub fn with_fixed<R>(&self, conds: &[(String, bool)], f: impl FnOnce() -> R) -> R {
        let before = self.fixed.borrow().len();
        self.fixed.borrow_mut().extend(conds.iter().cloned());
        let out = f();
        self.fixed.borrow_mut().truncate(before);
        out
    }

    pub fn fixed(&self) -> Vec<(String, bool)> {
        self.fixed.borrow().clone()
    }

    /// The values a deployment can give a condition, in this context.
    pub fn possible(&self, condition: &str) -> Vec<bool> {
        self.logic.possible(condition, &self.fixed.borrow())
    }

    /// Resolves any template value into a document (`AWS::NoValue` gives `Null`).
    pub fn doc(&self, node: &Node) -> Doc {
        self.doc_at(node, 0)
    }

    pub(super) fn doc_at(&self, node: &Node, depth: usize) -> Doc {
        self.value_at(node, depth)
            .unwrap_or_else(|| Doc::new(DocKind::Null, self.loc(node)))
    }

    /// The value, or `None` where `AWS::NoValue` removes it.
    pub(super) fn value_at(&self, node: &Node, depth: usize) -> Option<Doc> {
        let loc = self.loc(node);
        if depth > MAX_DEPTH {
            return Some(self.limit(
                node,
                format!(
                    "intrinsic functions nested deeper than {} levels",
                    MAX_DEPTH
                ),
            ));
        }
        let steps = self.steps.get() + 1;
        self.steps.set(steps);
        if steps > MAX_EVAL_STEPS {
            return Some(self.limit(
                node,
                format!("the template needs more than {MAX_EVAL_STEPS} steps to resolve"),
            ));
        }
        if let Some((name, arg)) = intrinsic(node) {
            return self.intrinsic(name, arg, node, depth + 1);
        }
        Some(match &node.kind {
            NodeKind::Map(entries) => Doc::new(
                DocKind::Map(
                    entries
                        .iter()
                        .filter_map(|e| {
                            Some(DocEntry {
                                key: e.key.clone(),
                                key_loc: Loc::new(self.file, e.key_span),
                                value: self.value_at(&e.value, depth + 1)?,
                            })
                        })
                        .collect(),
                ),
                loc,
            ),
            NodeKind::Seq(items) => Doc::new(
                DocKind::List(
                    items
                        .iter()
                        .filter_map(|n| self.list_item(n, depth + 1))
                        .collect(),
                ),
                loc,
            ),
            NodeKind::Null => Doc::new(DocKind::Null, loc),
            NodeKind::Alias(name) => Doc::new(
                DocKind::Unknown(Why::unsupported(format!(
                    "YAML alias `*{name}` that could not be expanded"
                ))),
                loc,
            ),
            _ => {
                let text = node.as_str().unwrap_or_default();
                if let Some(target) = self.variables.and_then(|v| v.whole(text)) {
                    return self.value_at(target, depth + 1);
                }
                Doc::scalar(self.scalar(text), loc)
            }
        })
    }

    /// An element of a list (`None` when `AWS::NoValue` removes it). An intrinsic that gives a
    /// list there makes a list inside a list, which AWS rejects in a policy.
    pub(super) fn list_item(&self, n: &Node, depth: usize) -> Option<Doc> {
        let d = self.value_at(n, depth)?;
        if intrinsic(n).is_some() && holds_list(&d) {
            self.reject(
                n.span,
                format!(
                    "`{}` gives a list inside a list: CloudFormation passes the nested list on, \
                     and AWS rejects the policy (an element is a string, or a list of strings); \
                     use the list as the value itself, not as one of its elements",
                    source_text(n)
                ),
            );
        }
        Some(d)
    }

    /// A plain string: dynamic references (`{{resolve:ssm:…}}`) and another tool's variables are
    /// filled in at deploy time.
    fn scalar(&self, text: &str) -> Value {
        if let Some(v) = self.variables.and_then(|vars| vars.expand(text)) {
            return v;
        }
        dynamic_references(text)
    }

    pub(super) fn unknown(&self, node: &Node, why: impl Into<Why>) -> Doc {
        Doc::new(DocKind::Unknown(why.into()), self.loc(node))
    }

    /// An intrinsic used in a way CloudFormation rejects, or one kmslint does not evaluate.
    pub(super) fn unsupported(&self, node: &Node, reason: impl Into<String>) -> Doc {
        self.unknown(node, Why::unsupported(reason))
    }

    fn intrinsic(&self, name: &str, arg: &Node, whole: &Node, depth: usize) -> Option<Doc> {
        Some(match name {
            "Ref" => match arg.as_str() {
                Some(r) => return self.reference(r, whole),
                None => self.unsupported(whole, "`Ref` needs a name"),
            },
            "Fn::Sub" => self.sub(arg, whole, depth),
            "Fn::Join" => self.join(arg, whole, depth),
            "Fn::If" => return self.fn_if(arg, whole, depth),
            "Fn::Select" => self.select(arg, whole, depth),
            "Fn::Split" => self.split(arg, whole, depth),
            "Fn::FindInMap" => self.find_in_map(arg, whole, depth),
            "Fn::GetAtt" => self.get_att(arg, whole),
            "Fn::ImportValue" => self.import_value(arg, whole, depth),
            // LanguageExtensions: the object as a JSON string, which a policy reads as the object.
            "Fn::ToJsonString" => self.doc_at(&untagged(arg), depth),
            other => self.unsupported(
                whole,
                format!("`{other}` is evaluated by CloudFormation at deploy time"),
            ),
        })
    }

    /// `Fn::If`: the branches a deployment can select, each resolved with its condition fixed.
    fn fn_if(&self, arg: &Node, whole: &Node, depth: usize) -> Option<Doc> {
        let items = arg.items();
        let cond = items.first().and_then(Node::as_str);
        let (Some(cond), 3) = (cond, items.len()) else {
            return Some(self.unsupported(
                whole,
                "`Fn::If` takes [condition, value_if_true, value_if_false]",
            ));
        };
        // A condition the template does not declare (CloudFormation rejects that; a policy
        // snippet may lack its template) may go either way.
        let mut alts: Vec<Option<Doc>> = Vec::new();
        let possible = self.possible(cond);
        for value in possible.iter().rev().copied() {
            let branch = if value { &items[1] } else { &items[2] };
            if possible.len() > 1 {
                self.branch(&items[0], branch, cond, value);
            }
            let d = self.with_fixed(&[(cond.to_string(), value)], || {
                self.value_at(branch, depth)
            });
            if !alts.contains(&d) {
                alts.push(d);
            }
        }
        choice(alts, self.loc(whole))
    }

    /// `Ref` to a pseudo parameter, a template parameter or a resource.
    pub(super) fn reference(&self, name: &str, whole: &Node) -> Option<Doc> {
        let loc = self.loc(whole);
        match name {
            "AWS::AccountId" => return Some(Doc::scalar(Value::self_account(), loc)),
            "AWS::NoValue" => return None,
            // Known once the stack is deployed (its partition, region, name): never an account.
            "AWS::Partition" | "AWS::Region" | "AWS::URLSuffix" | "AWS::StackName"
            | "AWS::StackId" => {
                let why = Why::input(format!("`{name}` is set when the stack is deployed"));
                return Some(Doc::scalar(Value::unknown(why), loc));
            }
            "AWS::NotificationARNs" => {
                return Some(self.unknown(whole, "`AWS::NotificationARNs` is set at deploy time"))
            }
            _ => {}
        }
        let params = self.logic.params();
        if let Some(given) = params.given(name) {
            return Some(relocate(given.clone(), loc));
        }
        if let Some(p) = params.get(name) {
            return Some(self.parameter(name, &p, whole));
        }
        if self.resource_type(name).is_some() {
            return Some(self.unknown(
                whole,
                format!("`Ref {name}` is the resource's physical id, known only after deployment"),
            ));
        }
        Some(self.unsupported(
            whole,
            format!("`{name}` is not a parameter or resource of this template"),
        ))
    }

    /// A parameter's deployable values, located where it is used.
    fn parameter(&self, name: &str, p: &parameters::Param<'_>, whole: &Node) -> Doc {
        let loc = self.loc(whole);
        if self.deciding.get() && !p.is_list() {
            return match self.logic.params().domain(name) {
                Domain::Finite(_) => {
                    let values = self
                        .logic
                        .values_of(name, &self.fixed.borrow())
                        .unwrap_or_default();
                    one_or_choice(parameters::scalars(&values, loc), loc)
                }
                Domain::Any => self.unknown(
                    whole,
                    format!("parameter `{name}` can be given any value at deploy time"),
                ),
            };
        }
        if let Some(why) = parameters::unknown_reason(name, p) {
            if p.vpc_id() && !p.is_ssm() {
                let mut v = Value::lit("vpc-");
                v.push(Part::Unknown(why));
                let one = Doc::scalar(v, loc);
                return if p.is_list() {
                    Doc::new(DocKind::List(vec![one]), loc)
                } else {
                    one
                };
            }
            return self.unknown(whole, why);
        }
        if p.is_list() {
            if let Some(allowed) = p.allowed_values() {
                // Each element is one of the allowed values.
                let one = one_or_choice(parameters::scalars(&allowed, loc), loc);
                return Doc::new(DocKind::List(vec![one]), loc);
            }
            let elements = p.default_elements().unwrap_or_default();
            return Doc::new(DocKind::List(parameters::scalars(&elements, loc)), loc);
        }
        if p.allowed_values().is_some() {
            let mut values = self
                .logic
                .values_of(name, &self.fixed.borrow())
                .unwrap_or_default();
            if values.is_empty() {
                values = p.allowed_values().unwrap_or_default();
            }
            return one_or_choice(parameters::scalars(&values, loc), loc);
        }
        let text = p.default.and_then(Node::as_str).unwrap_or_default();
        Doc::scalar(Value::lit(text), loc)
    }

    fn get_att(&self, arg: &Node, whole: &Node) -> Doc {
        let (res, attr) = match &arg.kind {
            NodeKind::Seq(items) if items.len() == 2 => (
                items[0].as_str().unwrap_or_default().to_string(),
                items[1].as_str().unwrap_or_default().to_string(),
            ),
            _ => match arg.as_str().and_then(|s| s.split_once('.')) {
                Some((r, a)) => (r.to_string(), a.to_string()),
                None => return self.unsupported(whole, "`Fn::GetAtt` takes [resource, attribute]"),
            },
        };
        self.attribute(&res, &attr, whole)
    }

    /// `Fn::GetAtt` (or `${Res.Attr}` in `Fn::Sub`). An IAM role or user declared in this
    /// template lives in the key's own account, whatever its name turns out to be.
    pub(super) fn attribute(&self, res: &str, attr: &str, whole: &Node) -> Doc {
        let loc = self.loc(whole);
        let kind = match self.resource_type(res) {
            Some("AWS::IAM::Role") => Some("role"),
            Some("AWS::IAM::User") => Some("user"),
            _ => None,
        };
        if let (Some(kind), "Arn") = (kind, attr) {
            let mut v = Value::lit("arn:${AWS::Partition}:iam::");
            v.push(Part::SelfAccount);
            v.push(Part::Lit(format!(":{kind}/")));
            v.push(Part::Unknown(Why::input(format!(
                "the name of `{res}` is set at deploy time"
            ))));
            return Doc::scalar(v, loc);
        }
        if kind.is_some() && (attr == "RoleId" || attr == "UserId") {
            return self.unknown(
                whole,
                format!("`{res}.{attr}` is a unique id set at deploy time"),
            );
        }
        self.unknown(
            whole,
            format!("`{res}.{attr}` is a resource attribute, known only after deployment"),
        )
    }

    /// `Fn::ImportValue`: another stack's export, named in the reason.
    fn import_value(&self, arg: &Node, whole: &Node, depth: usize) -> Doc {
        let name = self.doc_at(&untagged(arg), depth);
        // The export's name first: a report shows the value as `${Developer-ARN}`.
        let reason = match parameters::literal_alternatives(&name) {
            Some(names) if names.len() == 1 => format!(
                "export `{}` of another stack (`Fn::ImportValue`) is known only at deploy time",
                names[0]
            ),
            Some(names) => format!(
                "one of the exports `{}` of other stacks (`Fn::ImportValue`) is known only at deploy time",
                names.join("`, `")
            ),
            None => "`Fn::ImportValue` of an export whose name is not known statically is known \
                     only at deploy time"
                .to_string(),
        };
        self.unknown(whole, reason)
    }

    /// A `Fn::Sub` variable: from the variable map, else a parameter, resource or attribute.
    pub(super) fn sub_variable(
        &self,
        name: &str,
        vars: Option<&Node>,
        whole: &Node,
        depth: usize,
    ) -> Option<Doc> {
        if let Some(var) = vars.and_then(|v| v.get(name)) {
            return self.value_at(var, depth);
        }
        if let Some(v) = self.variables.and_then(|vars| vars.variable(name)) {
            return Some(Doc::scalar(v, self.loc(whole)));
        }
        match name.split_once('.') {
            Some((r, a)) if !name.starts_with("AWS::") => Some(self.attribute(r, a, whole)),
            _ => self.reference(name, whole),
        }
    }

    fn sub(&self, arg: &Node, whole: &Node, depth: usize) -> Doc {
        let (template, vars) = match &arg.kind {
            NodeKind::Seq(items) if !items.is_empty() => (&items[0], items.get(1)),
            _ => (arg, None),
        };
        let Some(text) = template.as_str() else {
            return self.unsupported(whole, "`Fn::Sub` needs a string");
        };
        let mut pieces: Vec<Vec<Value>> = Vec::new();
        for piece in sub_pieces(text) {
            match piece {
                SubPiece::Lit { text, .. } => pieces.push(vec![Value::lit(text)]),
                SubPiece::Var { name, .. } => {
                    let resolved = self
                        .sub_variable(name, vars, whole, depth)
                        .unwrap_or_else(|| Doc::new(DocKind::Null, self.loc(whole)));
                    pieces.push(alternatives(&resolved, name));
                }
            }
        }
        self.concat(pieces, whole)
    }

    /// Every combination of the pieces' alternatives, as one value or a `Choice`.
    fn concat(&self, pieces: Vec<Vec<Value>>, whole: &Node) -> Doc {
        let loc = self.loc(whole);
        let mut acc = vec![Value::default()];
        // The length of the longest combination so far.
        let mut longest = 0usize;
        for alts in pieces {
            if acc.len().saturating_mul(alts.len()) > MAX_ALTERNATIVES {
                return self.limit(
                    whole,
                    format!(
                        "more than {MAX_ALTERNATIVES} combinations of conditional values in one string"
                    ),
                );
            }
            longest = longest.saturating_add(alts.iter().map(Value::text_len).max().unwrap_or(0));
            if longest > MAX_VALUE_LEN {
                return self.limit(whole, format!("a string longer than {MAX_VALUE_LEN} bytes"));
            }
            // Copying counts towards the step budget: one step per 256 bytes.
            if let [only] = alts.as_slice() {
                // The common case: no alternatives, append in place.
                let copied = acc.len().saturating_mul(only.text_len());
                self.charge(copied);
                for a in &mut acc {
                    a.append(only.clone());
                }
                continue;
            }
            let copied = acc.len().saturating_mul(alts.len()).saturating_mul(longest);
            self.charge(copied);
            acc = acc
                .iter()
                .flat_map(|a| {
                    alts.iter().map(move |b| {
                        let mut v = a.clone();
                        v.append(b.clone());
                        v
                    })
                })
                .collect();
        }
        acc.dedup();
        if acc.len() == 1 {
            let v = acc.pop().unwrap_or_default();
            Doc::scalar(v, loc)
        } else {
            Doc::new(
                DocKind::Choice(acc.into_iter().map(|v| Doc::scalar(v, loc)).collect()),
                loc,
            )
        }
    }

    /// Charges the step budget for copying `bytes` (one step per 256 bytes).
    pub(super) fn charge(&self, bytes: usize) {
        self.steps.set(self.steps.get().saturating_add(bytes / 256));
    }

    fn join(&self, arg: &Node, whole: &Node, depth: usize) -> Doc {
        let items = arg.items();
        if items.len() != 2 {
            return self.unsupported(whole, "`Fn::Join` takes [delimiter, [values]]");
        }
        let delim = items[0].as_str().unwrap_or_default();
        let list = self.doc_at(&items[1], depth);
        let parts = match &list.kind {
            DocKind::List(parts) => parts.clone(),
            DocKind::Unknown(r) => return self.unknown(whole, r.clone()),
            _ => vec![list.clone()],
        };
        let mut pieces = Vec::new();
        for (i, p) in parts.iter().enumerate() {
            if i > 0 {
                pieces.push(vec![Value::lit(delim)]);
            }
            pieces.push(alternatives(p, "a joined element"));
        }
        self.concat(pieces, whole)
    }

    fn select(&self, arg: &Node, whole: &Node, depth: usize) -> Doc {
        let items = arg.items();
        if items.len() != 2 {
            return self.unsupported(whole, "`Fn::Select` takes [index, [values]]");
        }
        let index = self
            .doc_at(&items[0], depth)
            .as_value()
            .and_then(Value::as_lit)
            .and_then(|s| s.trim().parse::<usize>().ok());
        let list = self.doc_at(&items[1], depth);
        match (index, &list.kind) {
            (Some(i), DocKind::List(values)) => match values.get(i) {
                Some(v) => v.clone(),
                None => self.unsupported(whole, format!("`Fn::Select` index {i} is out of range")),
            },
            (_, DocKind::Unknown(r)) => self.unknown(whole, r.clone()),
            _ => self.unknown(whole, "`Fn::Select` over values known only at deploy time"),
        }
    }

    fn split(&self, arg: &Node, whole: &Node, depth: usize) -> Doc {
        let loc = self.loc(whole);
        let items = arg.items();
        if items.len() != 2 {
            return self.unsupported(whole, "`Fn::Split` takes [delimiter, string]");
        }
        let delim = items[0].as_str().unwrap_or_default();
        let source = self.doc_at(&items[1], depth);
        match parameters::literal_alternatives(&source) {
            Some(texts) if !delim.is_empty() => {
                let lists: Vec<Doc> = texts
                    .iter()
                    .map(|s| {
                        Doc::new(
                            DocKind::List(
                                s.split(delim)
                                    .map(|p| Doc::scalar(Value::lit(p), source.loc))
                                    .collect(),
                            ),
                            loc,
                        )
                    })
                    .collect();
                one_or_choice(lists, loc)
            }
            _ => self.unknown(whole, "`Fn::Split` of a value known only at deploy time"),
        }
    }

    /// The keys a mapping lookup can use: `None` when any key may come (a free parameter, a
    /// pseudo parameter such as `AWS::Region`).
    fn keys(&self, node: &Node, depth: usize) -> Option<Vec<String>> {
        let before = self.deciding.replace(true);
        let doc = self.doc_at(node, depth);
        self.deciding.set(before);
        parameters::literal_alternatives(&doc)
            .filter(|keys| keys.iter().all(|k| !k.starts_with("${AWS::")))
    }

    /// `Fn::FindInMap`: every entry its keys can reach, and the LanguageExtensions `DefaultValue`
    /// when a key can fall outside the map. A key that is not in the map otherwise fails the
    /// deployment, so it reaches nothing.
    fn find_in_map(&self, arg: &Node, whole: &Node, depth: usize) -> Doc {
        let loc = self.loc(whole);
        let items = arg.items();
        if items.len() < 3 {
            return self.unsupported(whole, "`Fn::FindInMap` takes [map, top key, second key]");
        }
        let Some(map) = items[0]
            .as_str()
            .and_then(|m| self.section("Mappings").and_then(|s| s.get(m)))
        else {
            return self.unsupported(whole, "`Fn::FindInMap` names a mapping this template lacks");
        };
        let default = items.get(3).and_then(|o| o.get("DefaultValue"));
        let (k1, k2) = (self.keys(&items[1], depth), self.keys(&items[2], depth));
        let mut missing = false;
        let tops: Vec<&Node> = match &k1 {
            Some(keys) => keys
                .iter()
                .filter_map(|k| {
                    let hit = map.get(k);
                    missing |= hit.is_none();
                    hit
                })
                .collect(),
            None => {
                missing = true;
                map.entries().iter().map(|e| &e.value).collect()
            }
        };
        let mut found: Vec<Doc> = Vec::new();
        let push = |d: Doc, found: &mut Vec<Doc>| {
            if !found.contains(&d) {
                found.push(d);
            }
        };
        for top in tops {
            match &k2 {
                Some(keys) => {
                    for k in keys {
                        match top.get(k) {
                            Some(v) => push(self.doc_at(v, depth), &mut found),
                            None => missing = true,
                        }
                    }
                }
                None => {
                    missing = true;
                    for e in top.entries() {
                        push(self.doc_at(&e.value, depth), &mut found);
                    }
                }
            }
        }
        if let (true, Some(d)) = (missing, default) {
            push(self.doc_at(d, depth), &mut found);
        }
        match found.len() {
            0 => self.unsupported(whole, "`Fn::FindInMap` keys are not in the mapping"),
            _ => one_or_choice(found, loc),
        }
    }
}

/// `{{resolve:ssm:…}}` and the other dynamic references: CloudFormation fetches them "during
/// stack and change set operations", so they are unknown before.
fn dynamic_references(text: &str) -> Value {
    if !text.contains("{{resolve:") {
        return Value::lit(text);
    }
    let mut v = Value::default();
    let mut rest = text;
    while let Some(start) = rest.find("{{resolve:") {
        let Some(len) = rest[start..].find("}}") else {
            break;
        };
        v.push(Part::Lit(rest[..start].to_string()));
        // `resolve:ssm:/path` first: a report shows the value as `${resolve:ssm:/path}`.
        let inner = &rest[start + 2..start + len];
        v.push(Part::Unknown(Why::input(format!(
            "`{inner}` is a dynamic reference CloudFormation resolves at deploy time"
        ))));
        rest = &rest[start + len + 2..];
    }
    v.push(Part::Lit(rest.to_string()));
    v
}

/// One document, a `Choice` of several, or `None` when every alternative is `AWS::NoValue`.
pub(super) fn choice(alts: Vec<Option<Doc>>, loc: Loc) -> Option<Doc> {
    if alts.iter().all(Option::is_none) {
        return None;
    }
    let mut docs: Vec<Doc> = Vec::new();
    for a in alts {
        // A removed alternative stays a `Null`: the element may be absent.
        let d = a.unwrap_or_else(|| Doc::new(DocKind::Null, loc));
        if !docs.contains(&d) {
            docs.push(d);
        }
    }
    Some(one_or_choice(docs, loc))
}

pub(super) fn one_or_choice(mut docs: Vec<Doc>, loc: Loc) -> Doc {
    if docs.len() == 1 {
        docs.pop().unwrap_or_else(|| Doc::new(DocKind::Null, loc))
    } else if docs.is_empty() {
        Doc::new(DocKind::Null, loc)
    } else {
        Doc::new(DocKind::Choice(docs), loc)
    }
}

/// A value from elsewhere (a parent stack's parameter), located where it is used.
fn relocate(mut doc: Doc, loc: Loc) -> Doc {
    doc.loc = loc;
    match &mut doc.kind {
        DocKind::List(items) | DocKind::Choice(items) => {
            let moved: Vec<Doc> = std::mem::take(items)
                .into_iter()
                .map(|d| relocate(d, loc))
                .collect();
            *items = moved;
        }
        DocKind::Map(entries) => {
            for e in entries.iter_mut() {
                e.key_loc = loc;
                let v = std::mem::replace(&mut e.value, Doc::new(DocKind::Null, loc));
                e.value = relocate(v, loc);
            }
        }
        _ => {}
    }
    doc
}

/// Is this a list (or may it be one)?
fn holds_list(doc: &Doc) -> bool {
    match &doc.kind {
        DocKind::List(_) => true,
        DocKind::Choice(alts) => alts.iter().any(holds_list),
        _ => false,
    }
}

/// The values a resolved piece may take: one, several (a `Choice`), or an unknown.
pub(super) fn alternatives(doc: &Doc, what: &str) -> Vec<Value> {
    match &doc.kind {
        DocKind::Scalar(v) => vec![v.clone()],
        DocKind::Null => vec![Value::default()],
        DocKind::Unknown(r) => vec![Value::unknown(r.clone())],
        DocKind::Choice(alts) => alts.iter().flat_map(|a| alternatives(a, what)).collect(),
        _ => vec![Value::unknown(Why::unsupported(format!(
            "`{what}` is not a single string"
        )))],
    }
}
