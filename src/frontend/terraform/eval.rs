//! The evaluation context of one Terraform module directory and its expression evaluator:
//! variables (defaults, tfvars), locals, references, templates, conditionals and traversals, the
//! way Terraform would evaluate them where that is knowable before `apply`. Anything else
//! (resource attributes, module outputs) becomes an explicit unknown whose reason names the
//! expression. Every value keeps the location of the text it came from. Evaluation is bounded
//! (steps, depth, reference chains, string length): a limit hit is a KMS000, never a hang.

use super::json_text::*;
use crate::base::diag::{code, InputError};
use crate::base::limits::{DEFAULT_MAX_FILE_SIZE, MAX_EVAL_STEPS, MAX_VALUE_LEN};
use crate::base::source::{FileId, Loc, SourceFile, Span};
use crate::ir::{Doc, DocEntry, DocKind, Part, Value, Why};
use crate::parse::hcl::{self, span_of, Block, Body, Expression, Piece};
use crate::parse::{Node, OffsetMap};
use hcl_edit::expr::{BinaryOperator, ObjectKey, TraversalOperator, UnaryOperator};
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Deepest chain of references (`local.a` -> `local.b` -> ...) followed.
pub const MAX_REF_DEPTH: usize = 64;
/// Deepest nesting of expressions evaluated, across references: each reference starts a new
/// expression tree, so the parser's own depth limit alone does not bound the recursion.
pub const MAX_EVAL_DEPTH: usize = 256;

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
    pub(super) files: &'a [Arc<SourceFile>],
    /// Declared variables and their `default` (None: declared without default).
    pub(super) vars: HashMap<String, Option<Def<'a>>>,
    /// Values from tfvars files, later ones already overriding earlier ones.
    pub(super) var_values: HashMap<String, Def<'a>>,
    pub(super) locals: HashMap<String, Def<'a>>,
    pub(super) policy_docs: HashMap<String, (FileId, &'a Block)>,
    pub(super) module_dir: PathBuf,
    /// Canonical scan root; `None` when it cannot be canonicalised (then no file is read).
    pub(super) scan_root: Option<PathBuf>,
    pub(super) stack: RefCell<Vec<String>>,
    pub(super) errors: RefCell<Vec<InputError>>,
    /// Files read through `file()`/`templatefile()`: `FileId(files.len() + i)`.
    pub(super) new_files: RefCell<Vec<Arc<SourceFile>>>,
    /// Files read through `file()` larger than this are refused (`[scan] max_file_size`).
    pub(super) max_file_size: u64,
    /// Expressions evaluated so far, and the current nesting of evaluation.
    pub(super) steps: Cell<usize>,
    pub(super) depth: Cell<usize>,
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

    pub(super) fn file_span(self, span: Span) -> Span {
        match self.map {
            Some(m) => map_span(m, span),
            None => span,
        }
    }

    pub(super) fn text(&self, span: Option<Span>) -> &'s str {
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
            max_file_size: DEFAULT_MAX_FILE_SIZE,
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
    pub(super) fn limit(&self, loc: Loc, message: String) -> Doc {
        let mut errors = self.errors.borrow_mut();
        if !errors.iter().any(|e| e.message == message) {
            errors.push(InputError {
                file: loc.file,
                span: loc.span,
                message: message.clone(),
                code: code::RESOLVE_LIMIT,
            });
        }
        unknown(Why::reported(message), loc)
    }

    /// Accounts for `len` more bytes substituted into one string; `Some(reason)` when that
    /// string would grow past `MAX_VALUE_LEN` (the bytes are then left out). Copying counts
    /// towards the step budget too, one step per 256 bytes.
    pub(super) fn built(&self, so_far: &mut usize, len: usize, loc: Loc) -> Option<Why> {
        *so_far = so_far.saturating_add(len);
        self.steps.set(self.steps.get().saturating_add(len / 256));
        if *so_far > MAX_VALUE_LEN {
            let Doc {
                kind: DocKind::Unknown(reason),
                ..
            } = self.limit(loc, format!("a string longer than {MAX_VALUE_LEN} bytes"))
            else {
                return Some(Why::reported(String::new()));
            };
            return Some(reason);
        }
        None
    }

    /// A copy of a `templatefile()` variable: each use copies it, so each use costs its size.
    pub(super) fn charged_clone(&self, d: &Doc) -> Doc {
        self.steps.set(self.steps.get().saturating_add(doc_size(d)));
        d.clone()
    }

    /// Runs one evaluation step one level deeper, unless a limit is hit.
    pub(super) fn step(&self, loc: Loc, f: impl FnOnce() -> Doc) -> Doc {
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
    pub fn take_errors(&self) -> Vec<InputError> {
        std::mem::take(&mut *self.errors.borrow_mut())
    }

    /// Files read through `file()`/`templatefile()`, to add to the unit in this order.
    pub fn take_new_files(&self) -> Vec<Arc<SourceFile>> {
        std::mem::take(&mut *self.new_files.borrow_mut())
    }

    pub(super) fn error(
        &self,
        file: FileId,
        span: Span,
        message: impl Into<String>,
        code: &'static str,
    ) {
        let e = InputError {
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

    pub(super) fn src(&self, file: FileId) -> Option<Arc<SourceFile>> {
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
    pub(super) fn guarded(&self, name: &str, loc: Loc, f: impl FnOnce() -> Doc) -> Doc {
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

    pub(super) fn eval_def(&self, def: Def<'a>) -> Doc {
        match def {
            Def::Hcl { file, expr } => match self.src(file) {
                Some(f) => self.eval(self.scope_in(file, &f), expr),
                None => unsupported("source file missing", Loc::default()),
            },
            Def::Json { file, node } => json_value(file, node),
            Def::JsonExpr { file, node } => self.eval_json_expr(file, node),
        }
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
            None => unsupported(format!("{key} is not declared in this module"), loc),
        }
    }

    pub(super) fn var_def(&self, name: &str) -> Option<Def<'a>> {
        self.var_values
            .get(name)
            .copied()
            .or_else(|| self.vars.get(name).copied().flatten())
    }

    /// Evaluates an expression to a document (scalars become `DocKind::Scalar`).
    pub fn eval(&self, sc: Scope<'_>, expr: &Expression) -> Doc {
        self.step(sc.loc(span_of(expr)), || self.eval_expr(sc, expr))
    }

    pub(super) fn eval_expr(&self, sc: Scope<'_>, expr: &Expression) -> Doc {
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
                    None => unsupported(format!("`{name}` is not a known value here"), loc),
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
                None => unsupported(format!("`{}` is not evaluated", short(sc.text(span))), loc),
            },
            Expression::ForExpr(_) => unsupported(
                format!("for expression `{}` is not evaluated", short(sc.text(span))),
                loc,
            ),
        }
    }

    /// A condition, when it can be decided statically.
    pub(super) fn eval_bool(&self, sc: Scope<'_>, expr: &Expression) -> Option<bool> {
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
    pub(super) fn pieces_value(&self, sc: Scope<'_>, pieces: &[Piece<'_>]) -> Value {
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
                Piece::Directive { span } => v.push(Part::Unknown(Why::unsupported(format!(
                    "template directive `{}` is not evaluated",
                    short(sc.text(Some(*span)))
                )))),
            }
        }
        v
    }

    pub(super) fn traversal(&self, sc: Scope<'_>, t: &hcl_edit::expr::Traversal, loc: Loc) -> Doc {
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
                        None => {
                            unsupported(format!("local.{name} is not defined in this module"), loc)
                        }
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
                            None => unsupported(
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
            "count" | "each" => unsupported(
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

    pub(super) fn apply_ops(
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
                    None => {
                        return unsupported(format!("{} has no such attribute", short(text)), loc)
                    }
                },
                (DocKind::List(items), TraversalOperator::LegacyIndex(i)) => {
                    match usize::try_from(*i.value()).ok().and_then(|i| items.get(i)) {
                        Some(v) => v.clone(),
                        None => {
                            return unsupported(format!("{} is out of range", short(text)), loc)
                        }
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
                        None => {
                            return unsupported(format!("`{}` is not evaluated", short(text)), loc)
                        }
                    }
                }
                _ => return unsupported(format!("`{}` is not evaluated", short(text)), loc),
            };
        }
        d
    }
}

pub fn unknown(why: impl Into<Why>, loc: Loc) -> Doc {
    Doc::new(DocKind::Unknown(why.into()), loc)
}

/// A construct this evaluator does not implement: the gap is ours.
pub fn unsupported(reason: impl Into<String>, loc: Loc) -> Doc {
    unknown(Why::unsupported(reason), loc)
}

pub(super) fn is_known(d: &Doc) -> bool {
    match &d.kind {
        DocKind::Unknown(_) | DocKind::Choice(_) | DocKind::Null => false,
        DocKind::Scalar(v) => v.unknown_reason().is_none(),
        _ => true,
    }
}

/// The text of an expression, shortened for a message.
pub(super) fn short(text: &str) -> String {
    let one_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() > 60 {
        let cut: String = one_line.chars().take(57).collect();
        format!("{cut}...")
    } else {
        one_line
    }
}

/// A document used where Terraform needs a string (a template interpolation).
pub(super) fn as_string_value(d: &Doc, text: &str) -> Value {
    match &d.kind {
        DocKind::Scalar(v) => v.clone(),
        DocKind::Null => Value::default(),
        DocKind::Unknown(r) => Value::unknown(r.clone()),
        DocKind::Choice(alts) => {
            let vals: Vec<Value> = alts.iter().map(|a| as_string_value(a, text)).collect();
            match vals.split_first() {
                Some((first, rest)) if rest.iter().all(|v| v == first) => first.clone(),
                _ => Value::unknown(Why::unsupported(format!(
                    "`{}` is a conditional",
                    short(text)
                ))),
            }
        }
        DocKind::List(_) | DocKind::Map(_) => Value::unknown(Why::unsupported(format!(
            "`{}` is not a string",
            short(text)
        ))),
    }
}

/// Nodes and string bytes (per 256) of a document: the cost of copying it.
pub(super) fn doc_size(d: &Doc) -> usize {
    1 + match &d.kind {
        DocKind::Scalar(v) => v.text_len() / 256,
        DocKind::List(items) | DocKind::Choice(items) => items.iter().map(doc_size).sum(),
        DocKind::Map(entries) => entries.iter().map(|e| 1 + doc_size(&e.value)).sum(),
        DocKind::Null | DocKind::Unknown(_) => 0,
    }
}

pub(super) fn flatten_into(d: Doc, out: &mut Vec<Doc>) {
    match d.kind {
        DocKind::List(items) => items.into_iter().for_each(|i| flatten_into(i, out)),
        _ => out.push(d),
    }
}
