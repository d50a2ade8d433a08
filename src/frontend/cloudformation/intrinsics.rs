//! CloudFormation intrinsics -> `Doc`/`Value`: `Ref`, `Fn::Sub`, `Fn::Join`, `Fn::If`,
//! `Fn::Select`, `Fn::Split`, `Fn::FindInMap`, `Fn::GetAtt`, `Fn::ImportValue`, ... in their long
//! (`{"Fn::Sub": …}`) and short (`!Sub …`) forms. What CloudFormation only knows at deploy time
//! becomes `Part::Unknown` with the reason.

use crate::base::diag::{code, InputError};
use crate::base::limits::{MAX_ALTERNATIVES, MAX_DEPTH, MAX_EVAL_STEPS, MAX_VALUE_LEN};
use crate::base::source::{FileId, Loc};
use crate::ir::{Doc, DocEntry, DocKind, Part, Value, Why};
use crate::parse::{Node, NodeKind};
use std::cell::{Cell, RefCell};

/// The template-wide context intrinsics refer to.
pub struct Template<'a> {
    pub file: FileId,
    pub root: &'a Node,
    /// Values resolved so far: `Fn::Sub` variables are resolved at each use, so a crafted
    /// template could otherwise make the work (and the strings) grow exponentially.
    steps: Cell<usize>,
    errors: RefCell<Vec<InputError>>,
}

impl<'a> Template<'a> {
    pub fn new(file: FileId, root: &'a Node) -> Self {
        Template {
            file,
            root,
            steps: Cell::new(0),
            errors: RefCell::new(Vec::new()),
        }
    }

    /// Limits hit while resolving (each one a KMS000 at the value it left unresolved).
    pub fn take_errors(&self) -> Vec<InputError> {
        std::mem::take(&mut *self.errors.borrow_mut())
    }

    /// Records a limit hit and returns the unknown that stands for the value.
    fn limit(&self, node: &Node, message: String) -> Doc {
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

    fn loc(&self, node: &Node) -> Loc {
        Loc::new(self.file, node.span)
    }

    fn section(&self, name: &str) -> Option<&'a Node> {
        self.root.get(name)
    }

    fn resource_type(&self, logical_id: &str) -> Option<&'a str> {
        self.section("Resources")?
            .get(logical_id)?
            .get("Type")?
            .as_str()
    }

    /// Resolves any template value into a document.
    pub fn doc(&self, node: &Node) -> Doc {
        self.doc_at(node, 0)
    }

    fn doc_at(&self, node: &Node, depth: usize) -> Doc {
        let loc = self.loc(node);
        if depth > MAX_DEPTH {
            return self.limit(
                node,
                format!(
                    "intrinsic functions nested deeper than {} levels",
                    MAX_DEPTH
                ),
            );
        }
        let steps = self.steps.get() + 1;
        self.steps.set(steps);
        if steps > MAX_EVAL_STEPS {
            return self.limit(
                node,
                format!("the template needs more than {MAX_EVAL_STEPS} steps to resolve"),
            );
        }
        if let Some((name, arg)) = intrinsic(node) {
            return self.intrinsic(name, arg, node, depth + 1);
        }
        match &node.kind {
            NodeKind::Map(entries) => Doc::new(
                DocKind::Map(
                    entries
                        .iter()
                        .map(|e| DocEntry {
                            key: e.key.clone(),
                            key_loc: Loc::new(self.file, e.key_span),
                            value: self.doc_at(&e.value, depth + 1),
                        })
                        .collect(),
                ),
                loc,
            ),
            NodeKind::Seq(items) => Doc::new(
                DocKind::List(items.iter().map(|n| self.doc_at(n, depth + 1)).collect()),
                loc,
            ),
            NodeKind::Null => Doc::new(DocKind::Null, loc),
            NodeKind::Alias(name) => Doc::new(
                DocKind::Unknown(Why::unsupported(format!(
                    "YAML alias `*{name}`: CloudFormation does not expand aliases"
                ))),
                loc,
            ),
            _ => Doc::scalar(Value::lit(node.as_str().unwrap_or_default()), loc),
        }
    }

    fn unknown(&self, node: &Node, why: impl Into<Why>) -> Doc {
        Doc::new(DocKind::Unknown(why.into()), self.loc(node))
    }

    /// An intrinsic used in a way CloudFormation rejects, or one kmslint does not evaluate.
    fn unsupported(&self, node: &Node, reason: impl Into<String>) -> Doc {
        self.unknown(node, Why::unsupported(reason))
    }

    fn intrinsic(&self, name: &str, arg: &Node, whole: &Node, depth: usize) -> Doc {
        let loc = self.loc(whole);
        match name {
            "Ref" => match arg.as_str() {
                Some(r) => self.reference(r, whole),
                None => self.unsupported(whole, "`Ref` needs a name"),
            },
            "Fn::Sub" => self.sub(arg, whole, depth),
            "Fn::Join" => self.join(arg, whole, depth),
            "Fn::If" => {
                let items = arg.items();
                if items.len() == 3 {
                    Doc::new(
                        DocKind::Choice(vec![
                            self.doc_at(&items[1], depth),
                            self.doc_at(&items[2], depth),
                        ]),
                        loc,
                    )
                } else {
                    self.unsupported(
                        whole,
                        "`Fn::If` takes [condition, value_if_true, value_if_false]",
                    )
                }
            }
            "Fn::Select" => self.select(arg, whole, depth),
            "Fn::Split" => self.split(arg, whole, depth),
            "Fn::FindInMap" => self.find_in_map(arg, whole, depth),
            "Fn::GetAtt" => self.get_att(arg, whole),
            "Fn::ImportValue" => self.unknown(
                whole,
                "`Fn::ImportValue` reads another stack's export, known only at deploy time",
            ),
            other => self.unsupported(
                whole,
                format!("`{other}` is evaluated by CloudFormation at deploy time"),
            ),
        }
    }

    /// `Ref` to a pseudo parameter, a template parameter or a resource.
    fn reference(&self, name: &str, whole: &Node) -> Doc {
        let loc = self.loc(whole);
        match name {
            "AWS::AccountId" => return Doc::scalar(Value::self_account(), loc),
            "AWS::NoValue" => return Doc::new(DocKind::Null, loc),
            "AWS::Partition" | "AWS::Region" | "AWS::URLSuffix" | "AWS::StackName"
            | "AWS::StackId" => return Doc::scalar(Value::lit(format!("${{{name}}}")), loc),
            "AWS::NotificationARNs" => {
                return self.unknown(whole, "`AWS::NotificationARNs` is set at deploy time")
            }
            _ => {}
        }
        if let Some(param) = self.section("Parameters").and_then(|p| p.get(name)) {
            let ptype = param.get("Type").and_then(Node::as_str).unwrap_or("String");
            if ptype.starts_with("AWS::SSM::Parameter::Value") {
                return self.unknown(
                    whole,
                    format!("parameter `{name}` is read from SSM Parameter Store at deploy time"),
                );
            }
            let Some(default) = param.get("Default") else {
                return self.unknown(
                    whole,
                    format!(
                        "parameter `{name}` has no Default: its value is chosen at deploy time"
                    ),
                );
            };
            // Findings point where the value is used; the message names the parameter.
            let text = default.as_str().unwrap_or_default();
            if ptype == "CommaDelimitedList" || ptype.starts_with("List<") {
                let items = match &default.kind {
                    NodeKind::Seq(items) => items
                        .iter()
                        .map(|n| Doc::scalar(Value::lit(n.as_str().unwrap_or_default()), loc))
                        .collect(),
                    _ => text
                        .split(',')
                        .map(|s| Doc::scalar(Value::lit(s.trim()), loc))
                        .collect(),
                };
                return Doc::new(DocKind::List(items), loc);
            }
            return Doc::scalar(Value::lit(text), loc);
        }
        if self.resource_type(name).is_some() {
            return self.unknown(
                whole,
                format!("`Ref {name}` is the resource's physical id, known only after deployment"),
            );
        }
        self.unsupported(
            whole,
            format!("`{name}` is not a parameter or resource of this template"),
        )
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
    fn attribute(&self, res: &str, attr: &str, whole: &Node) -> Doc {
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

    fn sub(&self, arg: &Node, whole: &Node, depth: usize) -> Doc {
        let (template, vars) = match &arg.kind {
            NodeKind::Seq(items) if !items.is_empty() => (&items[0], items.get(1)),
            _ => (arg, None),
        };
        let Some(text) = template.as_str() else {
            return self.unsupported(whole, "`Fn::Sub` needs a string");
        };
        let mut pieces: Vec<Vec<Value>> = Vec::new();
        let mut rest = text;
        while let Some(start) = rest.find("${") {
            pieces.push(vec![Value::lit(&rest[..start])]);
            let after = &rest[start + 2..];
            // `${!Literal}` is written out as `${Literal}`.
            if let Some(lit) = after.strip_prefix('!') {
                pieces.push(vec![Value::lit("${")]);
                rest = lit;
                continue;
            }
            let Some(end) = after.find('}') else {
                pieces.push(vec![Value::lit(&rest[start..])]);
                rest = "";
                break;
            };
            let name = after[..end].trim();
            rest = &after[end + 1..];
            let resolved = match vars.and_then(|v| v.get(name)) {
                Some(var) => self.doc_at(var, depth),
                None => match name.split_once('.') {
                    Some((r, a)) if !name.starts_with("AWS::") => self.attribute(r, a, whole),
                    _ => self.reference(name, whole),
                },
            };
            pieces.push(alternatives(&resolved, name));
        }
        pieces.push(vec![Value::lit(rest)]);
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
                self.steps
                    .set(self.steps.get().saturating_add(copied / 256));
                for a in &mut acc {
                    a.append(only.clone());
                }
                continue;
            }
            let copied = acc.len().saturating_mul(alts.len()).saturating_mul(longest);
            self.steps
                .set(self.steps.get().saturating_add(copied / 256));
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
        match source.as_value().and_then(Value::as_lit) {
            Some(s) if !delim.is_empty() => Doc::new(
                DocKind::List(
                    s.split(delim)
                        .map(|p| Doc::scalar(Value::lit(p), source.loc))
                        .collect(),
                ),
                loc,
            ),
            _ => self.unknown(whole, "`Fn::Split` of a value known only at deploy time"),
        }
    }

    /// `Fn::FindInMap`: a key that is not literal (`!Ref AWS::Region`) may be any entry, so
    /// every candidate is a possible value.
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
        // A pseudo parameter (`${AWS::Region}`) is not a literal key: any entry may apply.
        let key = |n: &Node| {
            self.doc_at(n, depth)
                .as_value()
                .and_then(Value::as_lit)
                .filter(|k| !k.starts_with("${AWS::"))
                .map(str::to_string)
        };
        let (k1, k2) = (key(&items[1]), key(&items[2]));
        let tops: Vec<&Node> = match &k1 {
            Some(k) => map.get(k).into_iter().collect(),
            None => map.entries().iter().map(|e| &e.value).collect(),
        };
        let mut found: Vec<Doc> = Vec::new();
        for top in tops {
            match &k2 {
                Some(k) => {
                    if let Some(v) = top.get(k) {
                        found.push(self.doc_at(v, depth));
                    }
                }
                None => found.extend(top.entries().iter().map(|e| self.doc_at(&e.value, depth))),
            }
        }
        match found.len() {
            0 => self.unsupported(whole, "`Fn::FindInMap` keys are not in the mapping"),
            1 => found.pop().unwrap_or_else(|| Doc::new(DocKind::Null, loc)),
            _ => Doc::new(DocKind::Choice(found), loc),
        }
    }
}

/// The values a resolved piece may take: one, several (a `Choice`), or an unknown.
fn alternatives(doc: &Doc, what: &str) -> Vec<Value> {
    match &doc.kind {
        DocKind::Scalar(v) => vec![v.clone()],
        DocKind::Null => vec![Value::default()],
        DocKind::Unknown(r) => vec![Value::unknown(r.clone())],
        DocKind::Choice(alts) => alts.iter().flat_map(|a| alternatives(a, what)).collect(),
        _ => vec![Value::unknown(format!("`{what}` is not a single string"))],
    }
}

/// Recognises an intrinsic function in either form: a one-key map `{"Fn::Sub": …}` /
/// `{"Ref": …}`, or a short-form tag (`!Sub …`).
pub fn intrinsic(node: &Node) -> Option<(&str, &Node)> {
    if let Some(tag) = node.tag.as_deref() {
        let name = match tag {
            "Ref" => "Ref",
            "Condition" => "Condition",
            t if !t.starts_with('!') => return Some((long_name(t), node)),
            _ => return None,
        };
        return Some((name, node));
    }
    if let [entry] = node.entries() {
        let k = entry.key.as_str();
        if k == "Ref" || k.starts_with("Fn::") {
            return Some((k, &entry.value));
        }
    }
    None
}

fn long_name(tag: &str) -> &'static str {
    match tag {
        "Sub" => "Fn::Sub",
        "Join" => "Fn::Join",
        "If" => "Fn::If",
        "Select" => "Fn::Select",
        "Split" => "Fn::Split",
        "FindInMap" => "Fn::FindInMap",
        "GetAtt" => "Fn::GetAtt",
        "ImportValue" => "Fn::ImportValue",
        "Base64" => "Fn::Base64",
        "Cidr" => "Fn::Cidr",
        "GetAZs" => "Fn::GetAZs",
        "Equals" => "Fn::Equals",
        "And" => "Fn::And",
        "Or" => "Fn::Or",
        "Not" => "Fn::Not",
        "Transform" => "Fn::Transform",
        "Length" => "Fn::Length",
        "ToJsonString" => "Fn::ToJsonString",
        _ => "Fn::Unknown",
    }
}
