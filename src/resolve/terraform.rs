//! Terraform expressions -> `Doc`/`Value`, the way Terraform would evaluate them where that is
//! knowable before `apply`: variable defaults and tfvars, locals, string templates, `jsonencode`,
//! JSON in heredocs and strings, `data.aws_iam_policy_document`, `file()`/`templatefile()` inside
//! the scan root and a few list/string functions. Anything else (resource attributes, module
//! outputs, `count`/`for_each` values) becomes an explicit unknown whose reason names the
//! expression. Every value keeps the location of the text it came from.

use super::{Doc, DocEntry, DocKind, Part, Value, MAX_EVAL_STEPS, MAX_VALUE_LEN};
use crate::extract::ExtractError;
use crate::parse::hcl::{self, span_of, Block, Body, Expression, Piece};
use crate::parse::{Node, NodeKind, OffsetMap};
use crate::source::{FileId, Loc, SourceFile, Span};
use hcl_edit::expr::{BinaryOperator, ObjectKey, TraversalOperator, UnaryOperator};
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

/// Error code for problems found while evaluating (as opposed to parsing).
pub const CODE_FILE: &str = "kmslint::terraform::file";
const CODE_JSON: &str = "kmslint::parse::json";
/// Error code of a resolve limit hit (KMS000: the value was not checked).
pub const CODE_LIMIT: &str = "kmslint::resolve::limit";
/// Deepest chain of references (`local.a` -> `local.b` -> ...) followed.
pub const MAX_REF_DEPTH: usize = 64;
/// Deepest nesting of expressions evaluated, across references: each reference starts a new
/// expression tree, so the parser's own depth limit alone does not bound the recursion.
pub const MAX_EVAL_DEPTH: usize = 256;
/// Longest list `distinct()` is evaluated on (it compares every pair).
const MAX_DISTINCT: usize = 10_000;
/// Marks a non-literal part inside text that is about to be parsed as JSON.
const MARK_OPEN: char = '\u{E000}';
const MARK_CLOSE: char = '\u{E001}';

/// Where an expression to evaluate comes from.
#[derive(Clone, Copy, Debug)]
pub enum Def<'a> {
    /// An HCL expression in a unit file.
    Hcl { file: FileId, expr: &'a Expression },
    /// A JSON value (`.tfvars.json`, a `.tf.json` variable default): taken literally.
    Json { file: FileId, node: &'a Node },
    /// A `.tf.json` expression: strings are templates (`"${var.x}"`).
    JsonExpr { file: FileId, node: &'a Node },
}

/// The evaluation context of one module directory.
pub struct Module<'a> {
    /// The unit's files when extraction started; `FileId(i)` is `files[i]`.
    files: &'a [Arc<SourceFile>],
    /// Declared variables and their `default` (None: declared without default).
    vars: HashMap<String, Option<Def<'a>>>,
    /// Values from tfvars files, later ones already overriding earlier ones.
    var_values: HashMap<String, Def<'a>>,
    locals: HashMap<String, Def<'a>>,
    policy_docs: HashMap<String, (FileId, &'a Block)>,
    module_dir: PathBuf,
    /// Canonical scan root; `None` when it cannot be canonicalised (then no file is read).
    scan_root: Option<PathBuf>,
    stack: RefCell<Vec<String>>,
    errors: RefCell<Vec<ExtractError>>,
    /// Files read through `file()`/`templatefile()`: `FileId(files.len() + i)`.
    new_files: RefCell<Vec<Arc<SourceFile>>>,
    /// Files read through `file()` larger than this are refused (`[scan] max_file_size`).
    max_file_size: u64,
    /// Expressions evaluated so far, and the current nesting of evaluation.
    steps: Cell<usize>,
    depth: Cell<usize>,
}

/// Scope of one evaluation: which file's text the expression's spans point into, an optional map
/// when that text is itself decoded from somewhere else, and `templatefile()` variables.
#[derive(Clone, Copy)]
pub struct Scope<'s> {
    pub file: FileId,
    /// The text the expression was parsed from: the file, or a string decoded from it.
    pub src: &'s str,
    /// From `src` to the file, when `src` is decoded (a template in a `.tf.json` string).
    pub map: Option<&'s OffsetMap>,
    pub tvars: Option<&'s HashMap<String, Doc>>,
}

impl<'s> Scope<'s> {
    pub fn loc(&self, span: Option<Span>) -> Loc {
        Loc::new(self.file, self.file_span(span.unwrap_or_default()))
    }

    fn file_span(self, span: Span) -> Span {
        match self.map {
            Some(m) => map_span(m, span),
            None => span,
        }
    }

    fn text(&self, span: Option<Span>) -> &'s str {
        span.and_then(|s| self.src.get(s.start..s.end))
            .unwrap_or("")
    }
}

impl<'a> Module<'a> {
    pub fn new(files: &'a [Arc<SourceFile>], module_dir: &Path, scan_root: &Path) -> Self {
        Module {
            files,
            vars: HashMap::new(),
            var_values: HashMap::new(),
            locals: HashMap::new(),
            policy_docs: HashMap::new(),
            module_dir: module_dir.to_path_buf(),
            scan_root: scan_root.canonicalize().ok(),
            stack: RefCell::new(Vec::new()),
            errors: RefCell::new(Vec::new()),
            new_files: RefCell::new(Vec::new()),
            max_file_size: crate::check::DEFAULT_MAX_FILE_SIZE,
            steps: Cell::new(0),
            depth: Cell::new(0),
        }
    }

    /// Files read through `file()`/`templatefile()` larger than `bytes` are refused.
    pub fn set_max_file_size(&mut self, bytes: u64) {
        self.max_file_size = bytes;
    }

    /// Records a limit hit (a KMS000 finding: the value was not checked) and returns the unknown
    /// that stands for the value. Reported once per limit and module.
    fn limit(&self, loc: Loc, message: String) -> Doc {
        let mut errors = self.errors.borrow_mut();
        if !errors.iter().any(|e| e.message == message) {
            errors.push(ExtractError {
                file: loc.file,
                span: loc.span,
                message: message.clone(),
                code: CODE_LIMIT,
            });
        }
        unknown(message, loc)
    }

    /// Accounts for `len` more bytes substituted into one string; `Some(reason)` when that
    /// string would grow past `MAX_VALUE_LEN` (the bytes are then left out). Copying counts
    /// towards the step budget too, one step per 256 bytes.
    fn built(&self, so_far: &mut usize, len: usize, loc: Loc) -> Option<String> {
        *so_far = so_far.saturating_add(len);
        self.steps.set(self.steps.get().saturating_add(len / 256));
        if *so_far > MAX_VALUE_LEN {
            let Doc {
                kind: DocKind::Unknown(reason),
                ..
            } = self.limit(loc, format!("a string longer than {MAX_VALUE_LEN} bytes"))
            else {
                return Some(String::new());
            };
            return Some(reason);
        }
        None
    }

    /// A copy of a `templatefile()` variable: each use copies it, so each use costs its size.
    fn charged_clone(&self, d: &Doc) -> Doc {
        self.steps.set(self.steps.get().saturating_add(doc_size(d)));
        d.clone()
    }

    /// Runs one evaluation step one level deeper, unless a limit is hit.
    fn step(&self, loc: Loc, f: impl FnOnce() -> Doc) -> Doc {
        let steps = self.steps.get().saturating_add(1);
        self.steps.set(steps);
        if steps > MAX_EVAL_STEPS {
            return self.limit(
                loc,
                format!("the module needs more than {MAX_EVAL_STEPS} steps to evaluate"),
            );
        }
        let depth = self.depth.get();
        if depth >= MAX_EVAL_DEPTH {
            return self.limit(
                loc,
                format!("expressions nested deeper than {MAX_EVAL_DEPTH} levels"),
            );
        }
        self.depth.set(depth + 1);
        let out = f();
        self.depth.set(depth);
        out
    }

    /// Records the `variable`, `locals` and `data "aws_iam_policy_document"` blocks of a `.tf`
    /// file.
    pub fn add_config(&mut self, file: FileId, body: &'a Body) {
        for block in body.blocks() {
            match (block.ident.as_str(), block.labels.as_slice()) {
                ("variable", [name]) => {
                    let default = block.body.get_attribute("default").map(|a| Def::Hcl {
                        file,
                        expr: &a.value,
                    });
                    self.vars.insert(name.as_str().to_string(), default);
                }
                ("locals", []) => {
                    for a in block.body.attributes() {
                        let def = Def::Hcl {
                            file,
                            expr: &a.value,
                        };
                        self.locals.insert(a.key.as_str().to_string(), def);
                    }
                }
                ("data", [ty, name]) if ty.as_str() == "aws_iam_policy_document" => {
                    self.policy_docs
                        .insert(name.as_str().to_string(), (file, block));
                }
                _ => {}
            }
        }
    }

    /// Declares a variable found elsewhere (`.tf.json`).
    pub fn add_variable(&mut self, name: &str, default: Option<Def<'a>>) {
        self.vars.insert(name.to_string(), default);
    }

    pub fn add_local(&mut self, name: &str, def: Def<'a>) {
        self.locals.insert(name.to_string(), def);
    }

    /// Applies one tfvars file; call in Terraform's precedence order (`terraform.tfvars`, then
    /// `*.auto.tfvars` in lexical order, then `--var-file`s) so later values win.
    pub fn add_tfvars(&mut self, file: FileId, body: &'a Body) {
        for a in body.attributes() {
            let def = Def::Hcl {
                file,
                expr: &a.value,
            };
            self.var_values.insert(a.key.as_str().to_string(), def);
        }
    }

    /// A `.tfvars.json` file: a JSON object of variable values.
    pub fn add_tfvars_json(&mut self, file: FileId, root: &'a Node) {
        for e in root.entries() {
            let def = Def::Json {
                file,
                node: &e.value,
            };
            self.var_values.insert(e.key.clone(), def);
        }
    }

    /// Errors met while evaluating (file() outside the root, invalid JSON in a policy string).
    pub fn take_errors(&self) -> Vec<ExtractError> {
        std::mem::take(&mut *self.errors.borrow_mut())
    }

    /// Files read through `file()`/`templatefile()`, to add to the unit in this order.
    pub fn take_new_files(&self) -> Vec<Arc<SourceFile>> {
        std::mem::take(&mut *self.new_files.borrow_mut())
    }

    fn error(&self, file: FileId, span: Span, message: impl Into<String>, code: &'static str) {
        let e = ExtractError {
            file,
            span,
            message: message.into(),
            code,
        };
        let mut errors = self.errors.borrow_mut();
        if !errors.contains(&e) {
            errors.push(e);
        }
    }

    fn src(&self, file: FileId) -> Option<Arc<SourceFile>> {
        let i = file.0 as usize;
        match self.files.get(i) {
            Some(f) => Some(f.clone()),
            None => self
                .new_files
                .borrow()
                .get(i.saturating_sub(self.files.len()))
                .cloned(),
        }
    }

    /// Scope for an expression of a unit file; the text is kept alive by `keep`.
    pub fn scope_in<'s>(&self, file: FileId, keep: &'s Arc<SourceFile>) -> Scope<'s> {
        Scope {
            file,
            src: &keep.text,
            map: None,
            tvars: None,
        }
    }

    /// Runs `f` with `name` on the reference stack, or returns an unknown if `name` is already
    /// being evaluated (a cycle) or the chain is too deep.
    fn guarded(&self, name: &str, loc: Loc, f: impl FnOnce() -> Doc) -> Doc {
        {
            let stack = self.stack.borrow();
            if stack.iter().any(|s| s == name) {
                // Terraform rejects the module ("Cycle: ..."): nothing in it is deployable.
                return self.limit(loc, format!("{name} refers to itself (a reference cycle)"));
            }
            if stack.len() >= MAX_REF_DEPTH {
                return self.limit(
                    loc,
                    format!("references chained more than {MAX_REF_DEPTH} deep"),
                );
            }
        }
        self.stack.borrow_mut().push(name.to_string());
        let out = f();
        self.stack.borrow_mut().pop();
        out
    }

    fn eval_def(&self, def: Def<'a>) -> Doc {
        match def {
            Def::Hcl { file, expr } => match self.src(file) {
                Some(f) => self.eval(self.scope_in(file, &f), expr),
                None => unknown("source file missing", Loc::default()),
            },
            Def::Json { file, node } => json_value(file, node),
            Def::JsonExpr { file, node } => self.eval_json_expr(file, node),
        }
    }

    fn policy_def(&self, def: Def<'a>) -> Doc {
        match def {
            Def::Hcl { file, expr } => match self.src(file) {
                Some(f) => self.eval_policy(self.scope_in(file, &f), expr),
                None => unknown("source file missing", Loc::default()),
            },
            Def::Json { file, node } => match &node.kind {
                NodeKind::String(_) => match self.src(file) {
                    Some(f) => self.policy_from_json_string(file, &f.text, node),
                    None => unknown("source file missing", Loc::default()),
                },
                _ => json_value(file, node),
            },
            Def::JsonExpr { file, node } => self.eval_json_policy(file, node),
        }
    }

    /// A string of a `.tf.json` file parsed as a template: its decoded text, the map back to the
    /// file, and the template.
    fn json_template(
        &self,
        file: FileId,
        node: &Node,
    ) -> Option<(String, OffsetMap, hcl_edit::template::Template)> {
        let f = self.src(file)?;
        let literal = f.text.get(node.span.start..node.span.end)?;
        let (text, map) = crate::parse::json::string_literal_map(literal, node.span.start)?;
        match hcl::parse_template(&text) {
            Ok(t) => Some((text, map, t)),
            Err(e) => {
                let span = map_span(&map, e.span);
                self.error(file, span, e.message, "kmslint::parse::hcl");
                None
            }
        }
    }

    /// Evaluates a value of Terraform's JSON syntax (`.tf.json`).
    pub fn eval_json_expr(&self, file: FileId, node: &Node) -> Doc {
        let loc = Loc::new(file, node.span);
        match &node.kind {
            NodeKind::String(_) => self.with_json_template(file, node, |sc, pieces| {
                if let [Piece::Interp { expr, .. }] = pieces {
                    return self.eval(sc, expr);
                }
                Doc::scalar(self.pieces_value(sc, pieces), loc)
            }),
            NodeKind::Seq(items) => Doc::new(
                DocKind::List(items.iter().map(|i| self.eval_json_expr(file, i)).collect()),
                loc,
            ),
            NodeKind::Map(entries) => Doc::new(
                DocKind::Map(
                    entries
                        .iter()
                        .map(|e| DocEntry {
                            key: e.key.clone(),
                            key_loc: Loc::new(file, e.key_span),
                            value: self.eval_json_expr(file, &e.value),
                        })
                        .collect(),
                ),
                loc,
            ),
            _ => json_value(file, node),
        }
    }

    /// A policy written in Terraform's JSON syntax: a string template holding JSON, or
    /// `"${jsonencode(...)}"` / `"${data.aws_iam_policy_document.x.json}"`.
    pub fn eval_json_policy(&self, file: FileId, node: &Node) -> Doc {
        let loc = Loc::new(file, node.span);
        if !matches!(node.kind, NodeKind::String(_)) {
            return self.eval_json_expr(file, node);
        }
        self.with_json_template(file, node, |sc, pieces| {
            if let [Piece::Interp { expr, .. }] = pieces {
                return self.eval_policy(sc, expr);
            }
            let (json, jmap, parts) = self.pieces_json_text(sc, pieces);
            self.parse_policy_text(sc, &json, &jmap, &parts, loc)
        })
    }

    /// Parses a `.tf.json` string as a template and hands its pieces, in a scope that maps back
    /// into the file, to `f`.
    fn with_json_template(
        &self,
        file: FileId,
        node: &Node,
        f: impl FnOnce(Scope<'_>, &[Piece<'_>]) -> Doc,
    ) -> Doc {
        let Some((text, map, t)) = self.json_template(file, node) else {
            return unknown("an invalid template", Loc::new(file, node.span));
        };
        let sc = Scope {
            file,
            src: &text,
            map: Some(&map),
            tvars: None,
        };
        let pieces = hcl::template_pieces(&text, &t);
        f(sc, &pieces)
    }

    /// The value of `var.<name>`: tfvars, else default, else unknown.
    pub fn var(&self, name: &str, loc: Loc) -> Doc {
        let key = format!("var.{name}");
        if let Some(def) = self.var_values.get(name).copied() {
            return self.guarded(&key, loc, || self.eval_def(def));
        }
        match self.vars.get(name) {
            Some(Some(def)) => {
                let def = *def;
                self.guarded(&key, loc, || self.eval_def(def))
            }
            Some(None) => unknown(
                format!("{key} has no default and no value in terraform.tfvars or *.auto.tfvars"),
                loc,
            ),
            None => unknown(format!("{key} is not declared in this module"), loc),
        }
    }

    fn var_def(&self, name: &str) -> Option<Def<'a>> {
        self.var_values
            .get(name)
            .copied()
            .or_else(|| self.vars.get(name).copied().flatten())
    }

    /// Evaluates an expression to a document (scalars become `DocKind::Scalar`).
    pub fn eval(&self, sc: Scope<'_>, expr: &Expression) -> Doc {
        self.step(sc.loc(span_of(expr)), || self.eval_expr(sc, expr))
    }

    fn eval_expr(&self, sc: Scope<'_>, expr: &Expression) -> Doc {
        let span = span_of(expr);
        let loc = sc.loc(span);
        match expr {
            Expression::Null(_) => Doc::new(DocKind::Null, loc),
            Expression::Bool(b) => Doc::scalar(Value::lit(b.value().to_string()), loc),
            Expression::Number(n) => {
                let written = sc.text(span).trim();
                let text = if written.is_empty() {
                    n.value().to_string()
                } else {
                    written.to_string()
                };
                Doc::scalar(Value::lit(text), loc)
            }
            Expression::String(s) => Doc::scalar(Value::lit(s.value().as_str()), loc),
            Expression::Array(a) => {
                let items = a.iter().map(|e| self.eval(sc, e)).collect();
                Doc::new(DocKind::List(items), loc)
            }
            Expression::Object(o) => {
                let mut entries = Vec::new();
                for (k, v) in o.iter() {
                    let key_loc = sc.loc(span_of(k));
                    // Names come from the text: parse_hcl may have renamed repeated keys.
                    let key = match hcl::object_key_name(sc.src, k) {
                        Some(name) => name,
                        None => match k {
                            ObjectKey::Ident(id) => id.as_str().to_string(),
                            ObjectKey::Expression(e) => {
                                // `(var.x) = ...` keys are evaluated.
                                let v = self.eval(sc, e);
                                v.as_value().map_or_else(
                                    || sc.text(span_of(e)).to_string(),
                                    |v| v.as_lit().map_or_else(|| v.render(), str::to_string),
                                )
                            }
                        },
                    };
                    entries.push(DocEntry {
                        key,
                        key_loc,
                        value: self.eval(sc, v.expr()),
                    });
                }
                Doc::new(DocKind::Map(entries), loc)
            }
            Expression::StringTemplate(t) => {
                let pieces = hcl::quoted_pieces(sc.src, t);
                if let [Piece::Interp { expr, .. }] = pieces.as_slice() {
                    let d = self.eval(sc, expr);
                    if !matches!(d.kind, DocKind::Scalar(_)) {
                        return d;
                    }
                }
                Doc::scalar(self.pieces_value(sc, &pieces), loc)
            }
            Expression::HeredocTemplate(h) => {
                let pieces = hcl::heredoc_pieces(sc.src, h);
                Doc::scalar(self.pieces_value(sc, &pieces), loc)
            }
            Expression::Parenthesis(p) => self.eval(sc, p.inner()),
            Expression::Variable(v) => {
                let name = v.as_str();
                match sc.tvars.and_then(|t| t.get(name)) {
                    Some(d) => self.charged_clone(d),
                    None => unknown(format!("`{name}` is not a known value here"), loc),
                }
            }
            Expression::Conditional(c) => match self.eval_bool(sc, &c.cond_expr) {
                Some(true) => self.eval(sc, &c.true_expr),
                Some(false) => self.eval(sc, &c.false_expr),
                None => Doc::new(
                    DocKind::Choice(vec![
                        self.eval(sc, &c.true_expr),
                        self.eval(sc, &c.false_expr),
                    ]),
                    loc,
                ),
            },
            Expression::FuncCall(f) => self.call(sc, f, loc),
            Expression::Traversal(t) => self.traversal(sc, t, loc),
            Expression::UnaryOp(_) | Expression::BinaryOp(_) => match self.eval_bool(sc, expr) {
                Some(b) => Doc::scalar(Value::lit(b.to_string()), loc),
                None => unknown(format!("`{}` is not evaluated", short(sc.text(span))), loc),
            },
            Expression::ForExpr(_) => unknown(
                format!("for expression `{}` is not evaluated", short(sc.text(span))),
                loc,
            ),
        }
    }

    /// A condition, when it can be decided statically.
    fn eval_bool(&self, sc: Scope<'_>, expr: &Expression) -> Option<bool> {
        match expr {
            Expression::Bool(b) => Some(*b.value()),
            Expression::Parenthesis(p) => self.eval_bool(sc, p.inner()),
            Expression::UnaryOp(u) if *u.operator.value() == UnaryOperator::Not => {
                self.eval_bool(sc, &u.expr).map(|b| !b)
            }
            Expression::BinaryOp(b) => {
                let op = *b.operator.value();
                match op {
                    BinaryOperator::And | BinaryOperator::Or => {
                        let l = self.eval_bool(sc, &b.lhs_expr);
                        let r = self.eval_bool(sc, &b.rhs_expr);
                        let and = op == BinaryOperator::And;
                        match (l, r) {
                            (Some(l), Some(r)) => Some(if and { l && r } else { l || r }),
                            (Some(x), None) | (None, Some(x)) if x != and => Some(x),
                            _ => None,
                        }
                    }
                    BinaryOperator::Eq | BinaryOperator::NotEq => {
                        let l = self.eval(sc, &b.lhs_expr);
                        let r = self.eval(sc, &b.rhs_expr);
                        // `x != null` is decidable whenever x is null or known to be a value.
                        let is_null = |d: &Doc| match &d.kind {
                            DocKind::Null => Some(true),
                            DocKind::Unknown(_) | DocKind::Choice(_) => None,
                            DocKind::Scalar(v) if v.unknown_reason().is_some() => None,
                            _ => Some(false),
                        };
                        if matches!(l.kind, DocKind::Null) || matches!(r.kind, DocKind::Null) {
                            let same = is_null(&l)? == is_null(&r)?;
                            return Some(same == (op == BinaryOperator::Eq));
                        }
                        let l = l.as_value().and_then(|v| v.as_lit().map(str::to_string))?;
                        let r = r.as_value().and_then(|v| v.as_lit().map(str::to_string))?;
                        Some((l == r) == (op == BinaryOperator::Eq))
                    }
                    _ => None,
                }
            }
            _ => {
                let d = self.eval(sc, expr);
                match d.as_value().and_then(|v| v.as_lit()) {
                    Some("true") => Some(true),
                    Some("false") => Some(false),
                    _ => None,
                }
            }
        }
    }

    /// The string value of template pieces.
    fn pieces_value(&self, sc: Scope<'_>, pieces: &[Piece<'_>]) -> Value {
        let mut v = Value::default();
        let mut built = 0usize;
        for p in pieces {
            match p {
                Piece::Lit(l) => v.push(Part::Lit(l.decoded())),
                Piece::Interp { expr, span } => {
                    let d = self.eval(sc, expr);
                    let value = as_string_value(&d, sc.text(Some(*span)));
                    match self.built(&mut built, value.text_len(), sc.loc(Some(*span))) {
                        Some(reason) => v.push(Part::Unknown(reason)),
                        None => v.append(value),
                    }
                }
                Piece::Directive { span } => v.push(Part::Unknown(format!(
                    "template directive `{}` is not evaluated",
                    short(sc.text(Some(*span)))
                ))),
            }
        }
        v
    }

    /// Text of template pieces for JSON parsing: literal parts verbatim, other parts as markers
    /// (indexes into the returned parts). The map goes from the text to the file.
    fn pieces_json_text(
        &self,
        sc: Scope<'_>,
        pieces: &[Piece<'_>],
    ) -> (String, OffsetMap, Vec<Part>) {
        let mut out = String::new();
        let mut map = OffsetMap::default();
        let mut parts = Vec::new();
        let mut built = 0usize;
        for p in pieces {
            match p {
                Piece::Lit(l) => l.decode_into(&mut out, &mut map),
                Piece::Interp { expr, span } => {
                    map.push(out.len(), span.start);
                    let loc = sc.loc(Some(*span));
                    // `${jsonencode(...)}` inside a JSON heredoc: the JSON text itself.
                    if let Some(text) = self.jsonencode_text(sc, expr) {
                        match self.built(&mut built, text.len(), loc) {
                            Some(reason) => {
                                push_marker(&mut out, &mut parts, Part::Unknown(reason))
                            }
                            None => out.push_str(&text),
                        }
                        continue;
                    }
                    let d = self.eval(sc, expr);
                    let value = as_string_value(&d, sc.text(Some(*span)));
                    if let Some(reason) = self.built(&mut built, value.text_len(), loc) {
                        push_marker(&mut out, &mut parts, Part::Unknown(reason));
                        continue;
                    }
                    for part in value.parts {
                        match part {
                            Part::Lit(s) => out.push_str(&s),
                            other => push_marker(&mut out, &mut parts, other),
                        }
                    }
                }
                Piece::Directive { span } => {
                    map.push(out.len(), span.start);
                    let reason = format!(
                        "template directive `{}` is not evaluated",
                        short(sc.text(Some(*span)))
                    );
                    push_marker(&mut out, &mut parts, Part::Unknown(reason));
                }
            }
        }
        (out, map, parts)
    }

    fn jsonencode_text(&self, sc: Scope<'_>, expr: &Expression) -> Option<String> {
        let f = expr.as_func_call()?;
        if f.name.name.as_str() != "jsonencode" || f.name.is_namespaced() {
            return None;
        }
        let arg = f.args.iter().next()?;
        to_json_text(&self.eval(sc, arg))
    }

    /// Evaluates an expression that holds a policy: JSON text (heredoc, string, file) is parsed;
    /// `jsonencode(...)` and `data.aws_iam_policy_document.X.json` give the document directly.
    pub fn eval_policy(&self, sc: Scope<'_>, expr: &Expression) -> Doc {
        self.step(sc.loc(span_of(expr)), || self.eval_policy_expr(sc, expr))
    }

    fn eval_policy_expr(&self, sc: Scope<'_>, expr: &Expression) -> Doc {
        let span = span_of(expr);
        let loc = sc.loc(span);
        match expr {
            Expression::String(_) => {
                let Some(lit) = span.and_then(|s| hcl::string_piece(sc.src, s)) else {
                    return self.policy_from_value(sc, expr);
                };
                let pieces = [Piece::Lit(lit)];
                let (text, map, parts) = self.pieces_json_text(sc, &pieces);
                self.parse_policy_text(sc, &text, &map, &parts, loc)
            }
            Expression::StringTemplate(t) => {
                let pieces = hcl::quoted_pieces(sc.src, t);
                // `"${x}"` is x itself, not x converted to a string.
                if let [Piece::Interp { expr, .. }] = pieces.as_slice() {
                    return self.eval_policy(sc, expr);
                }
                let (text, map, parts) = self.pieces_json_text(sc, &pieces);
                self.parse_policy_text(sc, &text, &map, &parts, loc)
            }
            Expression::HeredocTemplate(h) => {
                let pieces = hcl::heredoc_pieces(sc.src, h);
                let (text, map, parts) = self.pieces_json_text(sc, &pieces);
                self.parse_policy_text(sc, &text, &map, &parts, loc)
            }
            Expression::Parenthesis(p) => self.eval_policy(sc, p.inner()),
            Expression::Conditional(c) => match self.eval_bool(sc, &c.cond_expr) {
                Some(true) => self.eval_policy(sc, &c.true_expr),
                Some(false) => self.eval_policy(sc, &c.false_expr),
                None => Doc::new(
                    DocKind::Choice(vec![
                        self.eval_policy(sc, &c.true_expr),
                        self.eval_policy(sc, &c.false_expr),
                    ]),
                    loc,
                ),
            },
            Expression::FuncCall(f) if !f.name.is_namespaced() => {
                let args: Vec<&Expression> = f.args.iter().collect();
                match (f.name.name.as_str(), args.as_slice()) {
                    ("jsonencode", [arg]) => self.eval(sc, arg),
                    ("file", [path]) => self.file_policy(sc, path, loc),
                    ("templatefile", [path, vars]) => self.templatefile(sc, path, vars, loc, true),
                    ("jsondecode", [arg]) | ("tostring", [arg]) | ("trimspace", [arg]) => {
                        self.eval_policy(sc, arg)
                    }
                    _ => self.policy_from_value(sc, expr),
                }
            }
            Expression::Traversal(t) => {
                if let (Some(root), [op]) = (t.expr.as_variable(), t.operators.as_slice()) {
                    if let TraversalOperator::GetAttr(name) = op.value() {
                        let def = match root.as_str() {
                            "var" => self.var_def(name.as_str()),
                            "local" => self.locals.get(name.as_str()).copied(),
                            _ => None,
                        };
                        if let Some(def) = def {
                            let key = format!("{}.{}", root.as_str(), name.as_str());
                            return self.guarded(&key, loc, || self.policy_def(def));
                        }
                    }
                }
                self.policy_from_value(sc, expr)
            }
            _ => self.policy_from_value(sc, expr),
        }
    }

    /// Generic path: evaluate, and parse the result as JSON when it is a string. Spans inside
    /// can only point at the expression as a whole.
    fn policy_from_value(&self, sc: Scope<'_>, expr: &Expression) -> Doc {
        let d = self.eval(sc, expr);
        self.policy_from_doc(d)
    }

    fn policy_from_doc(&self, d: Doc) -> Doc {
        match d.kind {
            DocKind::Scalar(v) => {
                let mut text = String::new();
                let mut parts = Vec::new();
                for p in v.parts {
                    match p {
                        Part::Lit(s) => text.push_str(&s),
                        other => push_marker(&mut text, &mut parts, other),
                    }
                }
                let whole = d.loc;
                if parts.is_empty() && text.trim().is_empty() {
                    return Doc::new(DocKind::Null, whole);
                }
                match crate::parse::json::parse_json(&text) {
                    Ok(node) => node_to_doc(&node, whole.file, &|_| whole.span, &parts),
                    Err(e) if parts.is_empty() => Doc::new(
                        DocKind::Unknown(format!("the policy is not valid JSON: {}", e.message)),
                        whole,
                    ),
                    Err(_) => unknown(unknown_text_reason(&parts), whole),
                }
            }
            DocKind::Choice(alts) => Doc::new(
                DocKind::Choice(alts.into_iter().map(|a| self.policy_from_doc(a)).collect()),
                d.loc,
            ),
            kind => Doc::new(kind, d.loc),
        }
    }

    /// Parses JSON text built from a template; `map` goes from `text` to the scope's source.
    fn parse_policy_text(
        &self,
        sc: Scope<'_>,
        text: &str,
        map: &OffsetMap,
        parts: &[Part],
        whole: Loc,
    ) -> Doc {
        let file = sc.file;
        // `policy = ""` (a common variable default) means "no policy": AWS's default applies.
        if parts.is_empty() && text.trim().is_empty() {
            return Doc::new(DocKind::Null, whole);
        }
        match crate::parse::json::parse_json(text) {
            Ok(node) => node_to_doc(&node, file, &|s| sc.file_span(map_span(map, s)), parts),
            Err(e) if parts.is_empty() => {
                let span = sc.file_span(map_span(map, e.span));
                self.error(
                    file,
                    span,
                    format!("the policy is not valid JSON: {}", e.message),
                    CODE_JSON,
                );
                Doc::new(
                    DocKind::Unknown(format!("the policy is not valid JSON: {}", e.message)),
                    whole,
                )
            }
            Err(_) => unknown(unknown_text_reason(parts), whole),
        }
    }

    /// A JSON string in a JSON file (a `.tfvars.json` value) holding a policy.
    fn policy_from_json_string(&self, file: FileId, text: &str, node: &Node) -> Doc {
        let loc = Loc::new(file, node.span);
        let literal = text.get(node.span.start..node.span.end).unwrap_or("");
        match crate::parse::json::string_literal_map(literal, node.span.start) {
            Some((inner, map)) => {
                let sc = Scope {
                    file,
                    src: text,
                    map: None,
                    tvars: None,
                };
                self.parse_policy_text(sc, &inner, &map, &[], loc)
            }
            None => unknown("not a JSON string", loc),
        }
    }

    fn call(&self, sc: Scope<'_>, f: &hcl_edit::expr::FuncCall, loc: Loc) -> Doc {
        let name = f.name.name.as_str();
        let args: Vec<&Expression> = f.args.iter().collect();
        let text = sc.text(span_of(f));
        let not_evaluated = || unknown(format!("`{}` is not evaluated", short(text)), loc);
        if f.name.is_namespaced() || f.args.expand_final() {
            return not_evaluated();
        }
        let evals = || args.iter().map(|a| self.eval(sc, a)).collect::<Vec<_>>();
        match (name, args.as_slice()) {
            ("jsonencode", [arg]) => self.eval(sc, arg),
            ("jsondecode", [arg]) => self.eval_policy(sc, arg),
            ("tolist" | "toset" | "tostring" | "tomap" | "sensitive" | "nonsensitive", [arg]) => {
                self.eval(sc, arg)
            }
            ("concat", _) => {
                let mut items = Vec::new();
                for d in evals() {
                    match d.kind {
                        DocKind::List(xs) => items.extend(xs),
                        _ => items.push(d),
                    }
                }
                Doc::new(DocKind::List(items), loc)
            }
            ("flatten", [arg]) => {
                let mut items = Vec::new();
                flatten_into(self.eval(sc, arg), &mut items);
                Doc::new(DocKind::List(items), loc)
            }
            ("distinct" | "compact" | "sort", [arg]) => {
                let d = self.eval(sc, arg);
                match d.kind {
                    DocKind::List(xs) if name == "distinct" && xs.len() > MAX_DISTINCT => self
                        .limit(
                            loc,
                            format!("distinct() over more than {MAX_DISTINCT} items"),
                        ),
                    DocKind::List(xs) => {
                        let mut out: Vec<Doc> = Vec::new();
                        for x in xs {
                            let empty = x.as_value().and_then(|v| v.as_lit()) == Some("");
                            if name == "compact" && empty {
                                continue;
                            }
                            let dup = out.iter().any(|o| o.kind == x.kind);
                            if name == "distinct" && dup {
                                continue;
                            }
                            out.push(x);
                        }
                        Doc::new(DocKind::List(out), loc)
                    }
                    kind => Doc::new(kind, d.loc),
                }
            }
            ("merge", _) => {
                let mut entries: Vec<DocEntry> = Vec::new();
                for d in evals() {
                    match d.kind {
                        DocKind::Map(es) => {
                            for e in es {
                                entries.retain(|x| x.key != e.key);
                                entries.push(e);
                            }
                        }
                        DocKind::Null => {}
                        _ => return not_evaluated(),
                    }
                }
                Doc::new(DocKind::Map(entries), loc)
            }
            ("format", [fmt, rest @ ..]) => {
                let fmt = self.eval(sc, fmt);
                match fmt.as_value().and_then(|v| v.as_lit()) {
                    Some(f) => match format_value(f, rest.iter().map(|a| self.eval(sc, a))) {
                        Some(v) => Doc::scalar(v, loc),
                        None => not_evaluated(),
                    },
                    None => not_evaluated(),
                }
            }
            ("join", [sep, list]) => {
                let sep = self.eval(sc, sep);
                let list = self.eval(sc, list);
                match (sep.as_value().and_then(|v| v.as_lit()), &list.kind) {
                    (Some(sep), DocKind::List(items)) => {
                        let mut v = Value::default();
                        for (i, item) in items.iter().enumerate() {
                            if i > 0 {
                                v.push(Part::Lit(sep.to_string()));
                            }
                            v.append(as_string_value(item, text));
                        }
                        Doc::scalar(v, loc)
                    }
                    _ => not_evaluated(),
                }
            }
            ("lower" | "upper" | "trimspace", [arg]) => {
                let d = self.eval(sc, arg);
                match d.as_value().and_then(|v| v.as_lit()) {
                    Some(s) => {
                        let s = match name {
                            "lower" => s.to_lowercase(),
                            "upper" => s.to_uppercase(),
                            _ => s.trim().to_string(),
                        };
                        Doc::scalar(Value::lit(s), loc)
                    }
                    None => d,
                }
            }
            ("lookup", [map, key, default @ ..]) => {
                let m = self.eval(sc, map);
                let k = self.eval(sc, key);
                match (&m.kind, k.as_value().and_then(|v| v.as_lit())) {
                    (DocKind::Map(_), Some(k)) => match m.get(k) {
                        Some(v) => v.clone(),
                        None => match default {
                            [d] => self.eval(sc, d),
                            _ => not_evaluated(),
                        },
                    },
                    _ => not_evaluated(),
                }
            }
            ("coalesce" | "try", [first, ..]) => {
                let d = self.eval(sc, first);
                if is_known(&d) && d.as_value().and_then(|v| v.as_lit()) != Some("") {
                    d
                } else {
                    Doc::new(DocKind::Choice(evals()), loc)
                }
            }
            ("file", [path]) => match self.read_file(sc, path, loc) {
                Some((_, f)) => Doc::scalar(Value::lit(f.text.as_str()), loc),
                None => unknown(format!("`{}` could not be read", short(text)), loc),
            },
            ("templatefile", [path, vars]) => self.templatefile(sc, path, vars, loc, false),
            _ => not_evaluated(),
        }
    }

    fn traversal(&self, sc: Scope<'_>, t: &hcl_edit::expr::Traversal, loc: Loc) -> Doc {
        let text = sc.text(span_of(t));
        let ops: Vec<&TraversalOperator> = t.operators.iter().map(|o| o.value()).collect();
        let attr = |i: usize| match ops.get(i) {
            Some(TraversalOperator::GetAttr(a)) => Some(a.as_str()),
            _ => None,
        };
        let after_apply = || unknown(format!("{} is only known after apply", short(text)), loc);
        let Some(root) = t.expr.as_variable().map(|v| v.as_str()) else {
            let base = self.eval(sc, &t.expr);
            return self.apply_ops(sc, base, &ops, text, loc);
        };
        if let Some(d) = sc.tvars.and_then(|v| v.get(root)) {
            return self.apply_ops(sc, self.charged_clone(d), &ops, text, loc);
        }
        match root {
            "var" | "local" => {
                let Some(name) = attr(0) else {
                    return after_apply();
                };
                let base = if root == "var" {
                    self.var(name, loc)
                } else {
                    match self.locals.get(name).copied() {
                        Some(def) => {
                            self.guarded(&format!("local.{name}"), loc, || self.eval_def(def))
                        }
                        None => unknown(format!("local.{name} is not defined in this module"), loc),
                    }
                };
                self.apply_ops(sc, base, ops.get(1..).unwrap_or(&[]), text, loc)
            }
            "data" => {
                let (Some(ty), Some(name)) = (attr(0), attr(1)) else {
                    return after_apply();
                };
                // `data.x.y[0].attr`: an index from count/for_each is skipped, the data source
                // has one configuration for all its instances.
                let mut i = 2;
                if matches!(
                    ops.get(i),
                    Some(TraversalOperator::Index(_) | TraversalOperator::LegacyIndex(_))
                ) {
                    i += 1;
                }
                match (ty, attr(i)) {
                    ("aws_caller_identity", Some("account_id")) => {
                        Doc::scalar(Value::self_account(), loc)
                    }
                    ("aws_iam_policy_document", Some("json" | "minified_json")) => {
                        match self.policy_docs.get(name).copied() {
                            Some((file, block)) => {
                                let key = format!("data.aws_iam_policy_document.{name}");
                                self.guarded(&key, loc, || self.policy_document(file, block))
                            }
                            None => unknown(
                                format!("data.aws_iam_policy_document.{name} is not defined in this module"),
                                loc,
                            ),
                        }
                    }
                    _ => unknown(
                        format!("{} is read from the provider at plan time", short(text)),
                        loc,
                    ),
                }
            }
            "count" | "each" => unknown(
                format!("{} depends on the count/for_each expansion", short(text)),
                loc,
            ),
            "path" => match attr(0) {
                // Paths are resolved against the module directory by file().
                Some("module" | "root" | "cwd") => Doc::scalar(Value::lit("."), loc),
                _ => after_apply(),
            },
            "terraform" => unknown(format!("{} depends on the workspace", short(text)), loc),
            _ => after_apply(),
        }
    }

    fn apply_ops(
        &self,
        sc: Scope<'_>,
        mut d: Doc,
        ops: &[&TraversalOperator],
        text: &str,
        loc: Loc,
    ) -> Doc {
        for op in ops {
            d = match (&d.kind, op) {
                (DocKind::Unknown(_), _) => return d,
                (DocKind::Choice(alts), _) => {
                    let alts = alts
                        .iter()
                        .map(|a| self.apply_ops(sc, a.clone(), &[op], text, loc))
                        .collect();
                    Doc::new(DocKind::Choice(alts), d.loc)
                }
                (DocKind::Map(_), TraversalOperator::GetAttr(k)) => match d.get(k.as_str()) {
                    Some(v) => v.clone(),
                    None => return unknown(format!("{} has no such attribute", short(text)), loc),
                },
                (DocKind::List(items), TraversalOperator::LegacyIndex(i)) => {
                    match usize::try_from(*i.value()).ok().and_then(|i| items.get(i)) {
                        Some(v) => v.clone(),
                        None => return unknown(format!("{} is out of range", short(text)), loc),
                    }
                }
                (_, TraversalOperator::Index(e)) => {
                    let key = self.eval(sc, e);
                    let key = key.as_value().and_then(|v| v.as_lit().map(str::to_string));
                    let found = match (&d.kind, key) {
                        (DocKind::List(items), Some(k)) => {
                            k.parse::<usize>().ok().and_then(|i| items.get(i)).cloned()
                        }
                        (DocKind::Map(_), Some(k)) => d.get(&k).cloned(),
                        _ => None,
                    };
                    match found {
                        Some(v) => v,
                        None => return unknown(format!("`{}` is not evaluated", short(text)), loc),
                    }
                }
                _ => return unknown(format!("`{}` is not evaluated", short(text)), loc),
            };
        }
        d
    }

    /// Reads a file named by `file()`/`templatefile()`, relative to the module directory, only
    /// when it is inside the scan root. Returns its id and contents.
    fn read_file(
        &self,
        sc: Scope<'_>,
        path: &Expression,
        loc: Loc,
    ) -> Option<(FileId, Arc<SourceFile>)> {
        let p = self.eval(sc, path);
        let rel = p.as_value().and_then(|v| v.as_lit()).map(str::to_string)?;
        let rel = rel.strip_prefix("./").unwrap_or(&rel);
        let joined = normalize(&self.module_dir.join(rel));
        let inside = match (&self.scan_root, joined.canonicalize()) {
            (Some(root), Ok(c)) => c.starts_with(root).then_some(c),
            _ => None,
        };
        let Some(canonical) = inside else {
            let msg = if joined.exists() {
                format!("file() outside the scan root: {rel} is not read")
            } else {
                format!("file() names a file that does not exist: {rel}")
            };
            self.error(loc.file, loc.span, msg, CODE_FILE);
            return None;
        };
        // Already read (the same policy file used twice)?
        let display = joined;
        let existing = self
            .files
            .iter()
            .chain(self.new_files.borrow().iter())
            .position(|f| f.path == display);
        if let Some(i) = existing {
            let id = FileId(i as u32);
            return self.src(id).map(|f| (id, f));
        }
        let limit = self.max_file_size;
        let text = match std::fs::metadata(&canonical) {
            Ok(m) if m.len() > limit => Err(format!(
                "file() names a file larger than the {limit}-byte limit ([scan] max_file_size): {rel}"
            )),
            _ => std::fs::read_to_string(&canonical)
                .map_err(|e| format!("file() could not read {rel}: {e}")),
        };
        let text = match text {
            Ok(t) => t,
            Err(msg) => {
                self.error(loc.file, loc.span, msg, CODE_FILE);
                return None;
            }
        };
        let f = SourceFile::new(display, text);
        let mut new_files = self.new_files.borrow_mut();
        let id = FileId((self.files.len() + new_files.len()) as u32);
        new_files.push(f.clone());
        Some((id, f))
    }

    fn file_policy(&self, sc: Scope<'_>, path: &Expression, loc: Loc) -> Doc {
        match self.read_file(sc, path, loc) {
            Some((id, f)) => {
                let whole = Loc::new(id, Span::new(0, f.text.len()));
                let fsc = Scope {
                    file: id,
                    src: &f.text,
                    map: None,
                    tvars: None,
                };
                self.parse_policy_text(fsc, &f.text, &OffsetMap::shifted(0), &[], whole)
            }
            None => unknown(
                format!("`{}` is not read", short(sc.text(Some(loc.span)))),
                loc,
            ),
        }
    }

    fn templatefile(
        &self,
        sc: Scope<'_>,
        path: &Expression,
        vars: &Expression,
        loc: Loc,
        as_policy: bool,
    ) -> Doc {
        let Some((id, f)) = self.read_file(sc, path, loc) else {
            return unknown(
                format!("`{}` is not read", short(sc.text(Some(loc.span)))),
                loc,
            );
        };
        // The variables are evaluated first: `templatefile("a", {x = templatefile("a", …)})`
        // is fine. The template's own text calling templatefile() on itself is a cycle.
        let tvars: HashMap<String, Doc> = match self.eval(sc, vars).kind {
            DocKind::Map(es) => es.into_iter().map(|e| (e.key, e.value)).collect(),
            _ => HashMap::new(),
        };
        let key = format!("templatefile({})", f.path.display());
        self.guarded(&key, loc, || {
            self.template_doc(id, &f, &tvars, loc, as_policy)
        })
    }

    fn template_doc(
        &self,
        id: FileId,
        f: &Arc<SourceFile>,
        tvars: &HashMap<String, Doc>,
        loc: Loc,
        as_policy: bool,
    ) -> Doc {
        let template = match hcl::parse_template(&f.text) {
            Ok(t) => t,
            Err(e) => {
                self.error(id, e.span, e.message, "kmslint::parse::hcl");
                return unknown("the template file could not be parsed", loc);
            }
        };
        let tsc = Scope {
            file: id,
            src: &f.text,
            map: None,
            tvars: Some(tvars),
        };
        let pieces = hcl::template_pieces(&f.text, &template);
        let whole = Loc::new(id, Span::new(0, f.text.len()));
        if as_policy {
            let (text, map, parts) = self.pieces_json_text(tsc, &pieces);
            self.parse_policy_text(tsc, &text, &map, &parts, whole)
        } else {
            Doc::scalar(self.pieces_value(tsc, &pieces), whole)
        }
    }

    /// `data "aws_iam_policy_document"` as the JSON document the AWS provider renders:
    /// source documents, then this block's statements, then override documents, merged by sid.
    pub fn policy_document(&self, file: FileId, block: &Block) -> Doc {
        let Some(f) = self.src(file) else {
            return unknown("source file missing", Loc::default());
        };
        let sc = self.scope_in(file, &f);
        let loc = sc.loc(span_of(block));
        let label_loc = sc.loc(block.labels.last().and_then(span_of));
        let mut merged = PolicyParts::default();
        if let Some(a) = block.body.get_attribute("source_policy_documents") {
            for d in self.policy_list(sc, &a.value) {
                merged.merge(d);
            }
        }
        let mut current = PolicyParts::default();
        for (key, attr) in [("Version", "version"), ("Id", "policy_id")] {
            if let Some(a) = block.body.get_attribute(attr) {
                let d = self.eval(sc, &a.value);
                let entry = DocEntry {
                    key: key.to_string(),
                    key_loc: sc.loc(span_of(&a.key)),
                    value: d,
                };
                if key == "Version" {
                    current.version = Some(entry);
                } else {
                    current.id = Some(entry);
                }
            }
        }
        for sb in block.body.blocks() {
            match sb.ident.as_str() {
                "statement" => current.statements.push(self.statement(sc, sb)),
                "dynamic" if sb.labels.first().map(|l| l.as_str()) == Some("statement") => {
                    current.statements.extend(self.dynamic_statements(sc, sb));
                }
                _ => {}
            }
        }
        merged.merge_parts(current);
        if let Some(a) = block.body.get_attribute("override_policy_documents") {
            for d in self.policy_list(sc, &a.value) {
                merged.merge(d);
            }
        }
        let mut entries = Vec::new();
        let version = merged.version.unwrap_or_else(|| DocEntry {
            key: "Version".into(),
            key_loc: label_loc,
            value: Doc::scalar(Value::lit("2012-10-17"), label_loc),
        });
        entries.push(version);
        entries.extend(merged.id);
        entries.push(DocEntry {
            key: "Statement".into(),
            key_loc: label_loc,
            value: Doc::new(DocKind::List(merged.statements), loc),
        });
        Doc::new(DocKind::Map(entries), loc)
    }

    /// The documents of `source_policy_documents`/`override_policy_documents`.
    fn policy_list(&self, sc: Scope<'_>, expr: &Expression) -> Vec<Doc> {
        match expr {
            Expression::Array(a) => a.iter().map(|e| self.eval_policy(sc, e)).collect(),
            _ => {
                let d = self.eval(sc, expr);
                match d.kind {
                    DocKind::List(items) => items
                        .into_iter()
                        .map(|i| {
                            if i.entries().is_empty() {
                                self.policy_from_doc(i)
                            } else {
                                i
                            }
                        })
                        .collect(),
                    _ => vec![self.policy_from_doc(d)],
                }
            }
        }
    }

    /// `dynamic "statement" { for_each = …; content { … } }`: one statement per element when
    /// `for_each` is known; when it is not (`var.enabled ? [1] : []`), the content once with an
    /// unknown iterator, since it may be deployed.
    fn dynamic_statements(&self, sc: Scope<'_>, sb: &Block) -> Vec<Doc> {
        let loc = sc.loc(span_of(sb));
        let Some(content) = sb.body.get_blocks("content").next() else {
            return vec![unknown(
                "a dynamic \"statement\" block without content",
                loc,
            )];
        };
        let iterator = sb
            .body
            .get_attribute("iterator")
            .and_then(|a| a.value.as_variable().map(|v| v.as_str().to_string()))
            .unwrap_or_else(|| "statement".to_string());
        let for_each = sb
            .body
            .get_attribute("for_each")
            .map(|a| self.eval(sc, &a.value));
        // Each element as (key, value) for `iterator.key` / `iterator.value`.
        let elements: Option<Vec<(Doc, Doc)>> = match for_each.as_ref().map(|d| &d.kind) {
            Some(DocKind::List(items)) => Some(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, d)| (Doc::scalar(Value::lit(i.to_string()), d.loc), d.clone()))
                    .collect(),
            ),
            Some(DocKind::Map(entries)) => Some(
                entries
                    .iter()
                    .map(|e| {
                        (
                            Doc::scalar(Value::lit(e.key.clone()), e.key_loc),
                            e.value.clone(),
                        )
                    })
                    .collect(),
            ),
            Some(DocKind::Null) => Some(Vec::new()),
            _ => None,
        };
        let bind = |key: Doc, value: Doc| -> HashMap<String, Doc> {
            let mut vars: HashMap<String, Doc> = sc.tvars.cloned().unwrap_or_default();
            let l = value.loc;
            vars.insert(
                iterator.clone(),
                Doc::new(
                    DocKind::Map(vec![
                        DocEntry {
                            key: "key".into(),
                            key_loc: l,
                            value: key,
                        },
                        DocEntry {
                            key: "value".into(),
                            key_loc: l,
                            value,
                        },
                    ]),
                    l,
                ),
            );
            vars
        };
        let expand = |vars: &HashMap<String, Doc>| {
            let inner = Scope {
                tvars: Some(vars),
                ..sc
            };
            self.statement(inner, content)
        };
        match elements {
            Some(els) if els.len() <= 256 => {
                els.into_iter().map(|(k, v)| expand(&bind(k, v))).collect()
            }
            _ => {
                let why = format!(
                    "{iterator}.value: the elements of this dynamic block's for_each are not known statically"
                );
                let vars = bind(unknown(&why, loc), unknown(&why, loc));
                vec![expand(&vars)]
            }
        }
    }

    fn statement(&self, sc: Scope<'_>, sb: &Block) -> Doc {
        let loc = sc.loc(span_of(sb));
        let ident_loc = sc.loc(span_of(&sb.ident));
        let mut entries = Vec::new();
        let attr_entry = |attr: &str, key: &str| {
            sb.body.get_attribute(attr).map(|a| DocEntry {
                key: key.to_string(),
                key_loc: sc.loc(span_of(&a.key)),
                value: self.eval(sc, &a.value),
            })
        };
        entries.extend(attr_entry("sid", "Sid"));
        entries.push(attr_entry("effect", "Effect").unwrap_or_else(|| DocEntry {
            key: "Effect".into(),
            key_loc: ident_loc,
            value: Doc::scalar(Value::lit("Allow"), ident_loc),
        }));
        for (attr, key) in [
            ("actions", "Action"),
            ("not_actions", "NotAction"),
            ("resources", "Resource"),
            ("not_resources", "NotResource"),
        ] {
            entries.extend(attr_entry(attr, key));
        }
        for (ident, key) in [
            ("principals", "Principal"),
            ("not_principals", "NotPrincipal"),
        ] {
            if let Some(e) = self.principals(sc, sb, ident, key) {
                entries.push(e);
            }
        }
        if let Some(e) = self.conditions(sc, sb) {
            entries.push(e);
        }
        Doc::new(DocKind::Map(entries), loc)
    }

    /// `principals { type, identifiers }` blocks -> `{"AWS": [...], "Service": [...]}`, or `"*"`
    /// when a block has type `*` (as the provider renders it).
    fn principals(&self, sc: Scope<'_>, sb: &Block, ident: &str, key: &str) -> Option<DocEntry> {
        let blocks: Vec<&Block> = sb.body.get_blocks(ident).collect();
        let dynamic: Vec<&Block> = sb
            .body
            .get_blocks("dynamic")
            .filter(|b| b.labels.first().map(|l| l.as_str()) == Some(ident))
            .collect();
        let first = blocks.first().or(dynamic.first())?;
        let key_loc = sc.loc(span_of(&first.ident));
        let mut types: Vec<DocEntry> = Vec::new();
        let mut star: Option<Doc> = None;
        for b in &blocks {
            let ty_attr = b.body.get_attribute("type");
            let ty_doc = ty_attr.map(|a| self.eval(sc, &a.value));
            let ty = ty_doc
                .as_ref()
                .and_then(|d| d.as_value())
                .map(|v| v.as_lit().map_or_else(|| v.render(), str::to_string))
                .unwrap_or_default();
            let ty_loc = ty_doc.as_ref().map_or(sc.loc(span_of(*b)), |d| d.loc);
            let ids = match b.body.get_attribute("identifiers") {
                Some(a) => {
                    let mut items = Vec::new();
                    flatten_into(self.eval(sc, &a.value), &mut items);
                    items
                }
                None => Vec::new(),
            };
            if ty == "*" {
                let at = ids.first().map_or(ty_loc, |d| d.loc);
                star = Some(Doc::scalar(Value::lit("*"), at));
                continue;
            }
            match types.iter_mut().find(|e| e.key == ty) {
                Some(e) => {
                    if let DocKind::List(items) = &mut e.value.kind {
                        items.extend(ids);
                    }
                }
                None => types.push(DocEntry {
                    key: ty,
                    key_loc: ty_loc,
                    value: Doc::new(DocKind::List(ids), sc.loc(span_of(*b))),
                }),
            }
        }
        for d in &dynamic {
            types.push(DocEntry {
                key: "AWS".into(),
                key_loc: sc.loc(span_of(*d)),
                value: unknown(
                    format!("a dynamic \"{ident}\" block is not expanded"),
                    sc.loc(span_of(*d)),
                ),
            });
        }
        let value = match star {
            Some(s) => s,
            None => Doc::new(DocKind::Map(types), sc.loc(span_of(*first))),
        };
        Some(DocEntry {
            key: key.to_string(),
            key_loc,
            value,
        })
    }

    /// `condition { test, variable, values }` blocks -> `{test: {variable: [values]}}`.
    fn conditions(&self, sc: Scope<'_>, sb: &Block) -> Option<DocEntry> {
        let blocks: Vec<&Block> = sb.body.get_blocks("condition").collect();
        let dynamic = sb
            .body
            .get_blocks("dynamic")
            .find(|b| b.labels.first().map(|l| l.as_str()) == Some("condition"));
        let first = blocks.first().copied().or(dynamic)?;
        let key_loc = sc.loc(span_of(&first.ident));
        let mut tests: Vec<DocEntry> = Vec::new();
        let lit_of = |b: &Block, attr: &str| {
            b.body.get_attribute(attr).map(|a| {
                let d = self.eval(sc, &a.value);
                let s = d
                    .as_value()
                    .map(|v| v.as_lit().map_or_else(|| v.render(), str::to_string))
                    .unwrap_or_default();
                (s, d.loc)
            })
        };
        for b in &blocks {
            let block_loc = sc.loc(span_of(*b));
            let (test, test_loc) = lit_of(b, "test").unwrap_or((String::new(), block_loc));
            let (var, var_loc) = lit_of(b, "variable").unwrap_or((String::new(), block_loc));
            let mut values = Vec::new();
            if let Some(a) = b.body.get_attribute("values") {
                flatten_into(self.eval(sc, &a.value), &mut values);
            }
            let t = match tests.iter_mut().position(|e| e.key == test) {
                Some(i) => i,
                None => {
                    tests.push(DocEntry {
                        key: test,
                        key_loc: test_loc,
                        value: Doc::new(DocKind::Map(Vec::new()), block_loc),
                    });
                    tests.len() - 1
                }
            };
            let Some(DocKind::Map(vars)) = tests.get_mut(t).map(|e| &mut e.value.kind) else {
                continue;
            };
            match vars.iter_mut().find(|e| e.key == var) {
                Some(e) => {
                    if let DocKind::List(items) = &mut e.value.kind {
                        items.extend(values);
                    }
                }
                None => vars.push(DocEntry {
                    key: var,
                    key_loc: var_loc,
                    value: Doc::new(DocKind::List(values), block_loc),
                }),
            }
        }
        if let Some(d) = dynamic {
            tests.push(DocEntry {
                key: "?".into(),
                key_loc: sc.loc(span_of(d)),
                value: unknown(
                    "a dynamic \"condition\" block is not expanded",
                    sc.loc(span_of(d)),
                ),
            });
        }
        Some(DocEntry {
            key: "Condition".into(),
            key_loc,
            value: Doc::new(DocKind::Map(tests), sc.loc(span_of(first))),
        })
    }
}

/// A policy being merged the way the AWS provider's `IAMPolicyDoc.Merge` does it.
#[derive(Default)]
struct PolicyParts {
    version: Option<DocEntry>,
    id: Option<DocEntry>,
    statements: Vec<Doc>,
    /// Where each sid is in `statements` (a lookup, so that merging stays linear).
    by_sid: HashMap<String, usize>,
}

impl PolicyParts {
    fn merge(&mut self, doc: Doc) {
        let mut parts = PolicyParts::default();
        match &doc.kind {
            DocKind::Map(entries) => {
                for e in entries {
                    match e.key.as_str() {
                        "Version" => parts.version = Some(e.clone()),
                        "Id" => parts.id = Some(e.clone()),
                        "Statement" => match &e.value.kind {
                            DocKind::List(items) => parts.statements.extend(items.iter().cloned()),
                            _ => parts.statements.push(e.value.clone()),
                        },
                        _ => {}
                    }
                }
            }
            // An unknown or conditional document: its statements may be anything.
            _ => parts.statements.push(doc),
        }
        self.merge_parts(parts);
    }

    fn merge_parts(&mut self, new: PolicyParts) {
        if new.id.is_some() {
            self.id = new.id;
        }
        let newer = |v: &Option<DocEntry>| {
            v.as_ref()
                .and_then(|e| e.value.as_value())
                .and_then(|v| v.as_lit().map(str::to_string))
        };
        if newer(&new.version) > newer(&self.version) {
            self.version = new.version;
        }
        for st in new.statements {
            let sid = sid_of(&st).filter(|s| !s.is_empty());
            let existing = sid.as_ref().and_then(|s| self.by_sid.get(s).copied());
            match existing.and_then(|i| self.statements.get_mut(i)) {
                Some(slot) => *slot = st,
                None => {
                    if let Some(sid) = sid {
                        self.by_sid.insert(sid, self.statements.len());
                    }
                    self.statements.push(st);
                }
            }
        }
    }
}

fn sid_of(st: &Doc) -> Option<String> {
    st.get("Sid")
        .and_then(|d| d.as_value())
        .and_then(|v| v.as_lit().map(str::to_string))
}

pub fn unknown(reason: impl Into<String>, loc: Loc) -> Doc {
    Doc::new(DocKind::Unknown(reason.into()), loc)
}

fn is_known(d: &Doc) -> bool {
    match &d.kind {
        DocKind::Unknown(_) | DocKind::Choice(_) | DocKind::Null => false,
        DocKind::Scalar(v) => v.unknown_reason().is_none(),
        _ => true,
    }
}

/// The text of an expression, shortened for a message.
fn short(text: &str) -> String {
    let one_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() > 60 {
        let cut: String = one_line.chars().take(57).collect();
        format!("{cut}...")
    } else {
        one_line
    }
}

/// A document used where Terraform needs a string (a template interpolation).
fn as_string_value(d: &Doc, text: &str) -> Value {
    match &d.kind {
        DocKind::Scalar(v) => v.clone(),
        DocKind::Null => Value::default(),
        DocKind::Unknown(r) => Value::unknown(r.clone()),
        DocKind::Choice(alts) => {
            let vals: Vec<Value> = alts.iter().map(|a| as_string_value(a, text)).collect();
            match vals.split_first() {
                Some((first, rest)) if rest.iter().all(|v| v == first) => first.clone(),
                _ => Value::unknown(format!("`{}` is a conditional", short(text))),
            }
        }
        DocKind::List(_) | DocKind::Map(_) => {
            Value::unknown(format!("`{}` is not a string", short(text)))
        }
    }
}

/// Nodes and string bytes (per 256) of a document: the cost of copying it.
fn doc_size(d: &Doc) -> usize {
    1 + match &d.kind {
        DocKind::Scalar(v) => v.text_len() / 256,
        DocKind::List(items) | DocKind::Choice(items) => items.iter().map(doc_size).sum(),
        DocKind::Map(entries) => entries.iter().map(|e| 1 + doc_size(&e.value)).sum(),
        DocKind::Null | DocKind::Unknown(_) => 0,
    }
}

fn flatten_into(d: Doc, out: &mut Vec<Doc>) {
    match d.kind {
        DocKind::List(items) => items.into_iter().for_each(|i| flatten_into(i, out)),
        _ => out.push(d),
    }
}

fn push_marker(out: &mut String, parts: &mut Vec<Part>, part: Part) {
    out.push(MARK_OPEN);
    out.push_str(&parts.len().to_string());
    out.push(MARK_CLOSE);
    parts.push(part);
}

fn unknown_text_reason(parts: &[Part]) -> String {
    let first = parts.iter().find_map(|p| match p {
        Part::Unknown(r) => Some(r.as_str()),
        _ => None,
    });
    match first {
        Some(r) => format!("the policy text is only known after apply: {r}"),
        None => "the policy text is only known after apply".into(),
    }
}

/// Splits a string with markers back into parts.
fn unmark(s: &str, parts: &[Part]) -> Value {
    let mut v = Value::default();
    let mut rest = s;
    while let Some(open) = rest.find(MARK_OPEN) {
        let Some(close) = rest[open..].find(MARK_CLOSE).map(|c| open + c) else {
            break;
        };
        v.push(Part::Lit(rest[..open].to_string()));
        let idx = rest[open + MARK_OPEN.len_utf8()..close]
            .parse::<usize>()
            .ok();
        match idx.and_then(|i| parts.get(i)) {
            Some(p) => v.push(p.clone()),
            None => v.push(Part::Unknown("unresolved interpolation".into())),
        }
        rest = &rest[close + MARK_CLOSE.len_utf8()..];
    }
    v.push(Part::Lit(rest.to_string()));
    v
}

fn map_span(map: &OffsetMap, s: Span) -> Span {
    // The end maps through the run that starts there, if any: after an escape (`\"` -> `"`) that
    // is the byte after the escape, and after text substituted for an interpolation it is the
    // end of the interpolation. Token ends never fall on a skipped indentation.
    let start = map.map(s.start);
    Span::new(start, map.map(s.end).max(start))
}

/// A parsed JSON node -> `Doc`, with spans moved through `span` and markers resolved.
pub fn node_to_doc(node: &Node, file: FileId, span: &dyn Fn(Span) -> Span, parts: &[Part]) -> Doc {
    let loc = Loc::new(file, span(node.span));
    match &node.kind {
        NodeKind::Null => Doc::new(DocKind::Null, loc),
        NodeKind::Bool(b) => Doc::scalar(Value::lit(b.to_string()), loc),
        NodeKind::Number(s) | NodeKind::Scalar(s) => Doc::scalar(Value::lit(s.as_str()), loc),
        NodeKind::String(s) => Doc::scalar(unmark(s, parts), loc),
        NodeKind::Alias(a) => unknown(format!("alias *{a}"), loc),
        NodeKind::Seq(items) => Doc::new(
            DocKind::List(
                items
                    .iter()
                    .map(|i| node_to_doc(i, file, span, parts))
                    .collect(),
            ),
            loc,
        ),
        NodeKind::Map(entries) => Doc::new(
            DocKind::Map(
                entries
                    .iter()
                    .map(|e| DocEntry {
                        key: unmark(&e.key, parts).render(),
                        key_loc: Loc::new(file, span(e.key_span)),
                        value: node_to_doc(&e.value, file, span, parts),
                    })
                    .collect(),
            ),
            loc,
        ),
    }
}

/// A JSON value taken literally (tfvars.json).
pub fn json_value(file: FileId, node: &Node) -> Doc {
    node_to_doc(node, file, &|s| s, &[])
}

/// A fully known document as compact JSON text (for `${jsonencode(...)}` in a heredoc).
fn to_json_text(d: &Doc) -> Option<String> {
    fn quote(s: &str) -> String {
        serde_json::Value::String(s.to_string()).to_string()
    }
    Some(match &d.kind {
        DocKind::Null => "null".into(),
        DocKind::Scalar(v) => quote(v.as_lit()?),
        DocKind::List(items) => {
            let inner: Option<Vec<String>> = items.iter().map(to_json_text).collect();
            format!("[{}]", inner?.join(","))
        }
        DocKind::Map(entries) => {
            let inner: Option<Vec<String>> = entries
                .iter()
                .map(|e| to_json_text(&e.value).map(|v| format!("{}:{}", quote(&e.key), v)))
                .collect();
            format!("{{{}}}", inner?.join(","))
        }
        DocKind::Choice(_) | DocKind::Unknown(_) => return None,
    })
}

/// `format()` with `%s`, `%d`, `%v` and `%%`.
fn format_value(fmt: &str, mut args: impl Iterator<Item = Doc>) -> Option<Value> {
    let mut v = Value::default();
    let mut chars = fmt.chars();
    let mut lit = String::new();
    while let Some(c) = chars.next() {
        if c != '%' {
            lit.push(c);
            continue;
        }
        match chars.next()? {
            '%' => lit.push('%'),
            's' | 'd' | 'v' => {
                v.push(Part::Lit(std::mem::take(&mut lit)));
                v.append(as_string_value(&args.next()?, fmt));
            }
            _ => return None,
        }
    }
    v.push(Part::Lit(lit));
    Some(v)
}

/// Removes `.` and resolves `..` lexically, so a display path stays readable.
fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                let last_is_parent =
                    matches!(out.components().next_back(), Some(Component::ParentDir));
                if last_is_parent || !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}
