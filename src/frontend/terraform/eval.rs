//! The expression evaluator of one Terraform module instance: variables (caller arguments,
//! tfvars, defaults), locals, references, templates, conditionals, operators and traversals, the
//! way Terraform would evaluate them where that is knowable before `apply`. Anything else
//! (resource attributes, module outputs) becomes an explicit unknown whose reason names the
//! expression. Every value keeps the location of the text it came from. Evaluation is bounded
//! (steps, depth, reference chains, string length): a limit hit is a KMS000, never a hang.

use super::decls::Decls;
use super::json_text::*;
use crate::base::diag::{code, InputError};
use crate::base::limits::{MAX_EVAL_STEPS, MAX_VALUE_LEN};
use crate::base::source::{FileId, Loc, SourceFile, Span};
use crate::ir::{Doc, DocEntry, DocKind, Value, Why};
use crate::parse::hcl::{self, span_of, Expression, Piece};
use crate::parse::{Node, OffsetMap};
use hcl_edit::expr::{ObjectKey, TraversalOperator};
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::path::PathBuf;
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
    /// A JSON value (`.tfvars.json`): taken literally.
    Json { file: FileId, node: &'a Node },
}

/// A value that crossed a module call: a finding at `arg` (the caller's argument) is shown at
/// `at` (where the module uses it), and the other way round.
#[derive(Clone, Debug, PartialEq)]
pub struct Via {
    /// Where the module reads the value (`var.key_users`); `None`: every finding of the site.
    pub at: Option<Loc>,
    /// The caller's argument expression.
    pub arg: Loc,
    pub note: String,
    /// Shown only with a finding no other crossing explains (the module call itself).
    pub fallback: bool,
}

/// What every instance of one unit shares: the files, the errors, the budget.
pub struct Shared<'a> {
    /// The unit's files when evaluation started; `FileId(i)` is `files[i]`.
    pub files: &'a [Arc<SourceFile>],
    /// Canonical scan root; `None` when it cannot be canonicalised (then no file is read).
    pub scan_root: Option<PathBuf>,
    pub stack: RefCell<Vec<String>>,
    pub errors: RefCell<Vec<InputError>>,
    /// Files read through `file()`/`templatefile()`: `FileId(files.len() + i)`.
    pub new_files: RefCell<Vec<Arc<SourceFile>>>,
    /// Files read through `file()` larger than this are refused (`[scan] max_file_size`).
    pub max_file_size: u64,
    /// Expressions evaluated so far, and the current nesting of evaluation.
    pub steps: Cell<usize>,
    pub depth: Cell<usize>,
    /// Set when a value read comes from a variable a caller, a tfvars file or `-var` can change.
    pub tainted: Cell<bool>,
    /// Errors Terraform itself would raise (`try()` and `can()` catch them).
    pub faults: Cell<usize>,
    /// Module-call crossings met while evaluating the current site.
    pub vias: RefCell<Vec<Via>>,
    /// Module and resource instances expanded so far.
    pub instances: Cell<usize>,
    /// The provider configuration of the key being evaluated (a global id), if known.
    pub key_provider: Cell<Option<usize>>,
    /// Set when a value read depends on which provider the key uses (the caller identity's
    /// account, an IAM resource's ARN): "the key's own account" is relative to it.
    pub key_relative: Cell<bool>,
    /// Every provider configuration of the unit: its account, when stated.
    pub providers: RefCell<Vec<super::providers::Provider>>,
    /// `.tf.json` files as the native syntax their trees were parsed from.
    pub natives: HashMap<FileId, &'a super::json_syntax::Native>,
    /// Every module directory of the unit (`Target::Dir(i)` is `dirs[i]`): for module outputs.
    pub dirs: &'a [super::decls::Decls<'a>],
    /// Module outputs evaluated so far (`module.a["x"].out`), and how many are being evaluated.
    pub outputs: RefCell<HashMap<String, (Doc, super::conditionals::Effects)>>,
    pub in_output: Cell<usize>,
    /// Variables (`module.a.partner.role`: path, name, attributes) a caller, a tfvars file or
    /// `-var` can change, read while a conditional's condition is evaluated (`recording` > 0).
    pub cond_reads: RefCell<Vec<(String, String)>>,
    /// Set when a reference names an instance that only some values of its `count`/`for_each`
    /// create: `try()` then keeps its later arguments as alternatives too.
    pub maybe_absent: Cell<bool>,
    /// `fileset()` results by the pattern joined to its directory: a module instantiated many
    /// times walks the disk once.
    pub filesets: RefCell<HashMap<PathBuf, Result<Vec<PathBuf>, Why>>>,
    pub recording: Cell<usize>,
    /// Variables whose value is not the one given while the branch of a conditional that value
    /// does not select is evaluated: a caller sets them so that the branch is taken.
    pub overrides: RefCell<Vec<(String, Doc)>>,
    /// Branches of conditionals checked both ways: findings inside name the condition.
    pub conditional: RefCell<Vec<crate::ir::Conditional>>,
}

/// A caller's argument to a module instance, evaluated in the caller.
#[derive(Clone, Debug)]
pub struct Arg {
    pub value: Doc,
    /// When the value depends on the key's provider (`value` is then for the first entry):
    /// its value for each provider a key of the module instance may use. A key using another
    /// provider reads an unknown.
    pub by_provider: Option<Vec<(Option<usize>, Doc)>>,
    pub tainted: bool,
    /// The argument's expression in the caller.
    pub loc: Loc,
    /// Crossings the value already made (nested modules).
    pub vias: Vec<Via>,
}

/// The evaluation context of one module instance.
pub struct Module<'a> {
    pub(super) sh: &'a Shared<'a>,
    pub(super) d: &'a Decls<'a>,
    /// Values from tfvars files and `--var`, later ones already overriding earlier ones (root).
    pub(super) var_values: HashMap<String, Def<'a>>,
    /// Root variables given on kmslint's command line (`--var`, `--var-file`): the values the
    /// plan uses, so a conditional on them is decided, not checked both ways.
    pub(super) given: std::collections::HashSet<String>,
    /// The caller's arguments; `None` for a root module, whose variables a caller, a tfvars file
    /// or `-var` can change.
    pub(super) args: Option<HashMap<String, Arg>>,
    /// Address prefix: `""`, `module.a["x"].`.
    pub(super) path: String,
    /// The module call, when this instance's own text is not the user's (a bundled module):
    /// every location inside it is shown at the call.
    pub(super) pin: Option<Loc>,
    /// Local provider names (`aws`, `aws.prod`) -> global provider ids.
    pub(super) providers: HashMap<String, usize>,
    /// Shown with every finding of this instance's sites (which bundled source was assumed).
    pub(super) notes: Vec<Via>,
}

/// Scope of one evaluation: which file's text the expression's spans point into, an optional map
/// when that text is itself decoded from somewhere else, and bound names (`templatefile()`
/// variables, `each`, `count`, iterators of `for` and `dynamic`).
#[derive(Clone, Copy)]
pub struct Scope<'s> {
    pub file: FileId,
    /// The text the expression was parsed from: the file, or a string decoded from it.
    pub src: &'s str,
    /// From `src` to the file, when `src` is not the file's text (a `.tf.json` file written as
    /// native syntax, a decoded string).
    pub map: Option<&'s OffsetMap>,
    pub tvars: Option<&'s HashMap<String, Doc>>,
    /// Every location is shown here (a bundled module's text).
    pub pin: Option<Loc>,
    /// Inside `templatefile()`: only the template's variables are visible.
    pub template: bool,
}

impl<'s> Scope<'s> {
    pub fn loc(&self, span: Option<Span>) -> Loc {
        if let Some(p) = self.pin {
            return p;
        }
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

    /// The same scope with more names bound.
    pub fn with<'t>(&self, vars: &'t HashMap<String, Doc>) -> Scope<'t>
    where
        's: 't,
    {
        Scope {
            tvars: Some(vars),
            ..*self
        }
    }
}

impl<'a> Shared<'a> {
    pub fn new(files: &'a [Arc<SourceFile>], scan_root: &std::path::Path, max: u64) -> Self {
        Shared {
            files,
            scan_root: super::files::canonical_root(scan_root),
            stack: RefCell::new(Vec::new()),
            errors: RefCell::new(Vec::new()),
            new_files: RefCell::new(Vec::new()),
            max_file_size: max,
            steps: Cell::new(0),
            depth: Cell::new(0),
            tainted: Cell::new(false),
            faults: Cell::new(0),
            vias: RefCell::new(Vec::new()),
            instances: Cell::new(0),
            key_provider: Cell::new(None),
            key_relative: Cell::new(false),
            providers: RefCell::new(Vec::new()),
            natives: HashMap::new(),
            dirs: &[],
            outputs: RefCell::new(HashMap::new()),
            in_output: Cell::new(0),
            cond_reads: RefCell::new(Vec::new()),
            maybe_absent: Cell::new(false),
            filesets: RefCell::new(HashMap::new()),
            recording: Cell::new(0),
            overrides: RefCell::new(Vec::new()),
            conditional: RefCell::new(Vec::new()),
        }
    }

    /// Records a limit hit (a KMS000 finding: the value was not checked) and returns the unknown
    /// that stands for the value. Reported once per limit and unit.
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
}

impl<'a> Module<'a> {
    pub fn new(sh: &'a Shared<'a>, d: &'a Decls<'a>) -> Self {
        Module {
            sh,
            d,
            var_values: HashMap::new(),
            given: std::collections::HashSet::new(),
            args: None,
            path: String::new(),
            pin: None,
            providers: HashMap::new(),
            notes: Vec::new(),
        }
    }

    pub(super) fn limit(&self, loc: Loc, message: String) -> Doc {
        self.sh.limit(loc, message)
    }

    /// A Terraform error (a missing attribute, an index out of range, a function's argument
    /// it rejects): `try()` and `can()` catch it; elsewhere it is a value kmslint cannot know.
    pub(super) fn fault(&self, reason: String, loc: Loc) -> Doc {
        self.sh.faults.set(self.sh.faults.get().saturating_add(1));
        unsupported(reason, loc)
    }

    /// Accounts for `len` more bytes substituted into one string; `Some(reason)` when that
    /// string would grow past `MAX_VALUE_LEN` (the bytes are then left out). Copying counts
    /// towards the step budget too, one step per 256 bytes.
    pub(super) fn built(&self, so_far: &mut usize, len: usize, loc: Loc) -> Option<Why> {
        *so_far = so_far.saturating_add(len);
        let steps = &self.sh.steps;
        steps.set(steps.get().saturating_add(len / 256));
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

    /// A copy of a bound value: each use copies it, so each use costs its size.
    pub(super) fn charged_clone(&self, d: &Doc) -> Doc {
        let steps = &self.sh.steps;
        steps.set(steps.get().saturating_add(doc_size(d)));
        d.clone()
    }

    /// Runs one evaluation step one level deeper, unless a limit is hit.
    pub(super) fn step(&self, loc: Loc, f: impl FnOnce() -> Doc) -> Doc {
        let steps = self.sh.steps.get().saturating_add(1);
        self.sh.steps.set(steps);
        if steps > MAX_EVAL_STEPS {
            return self.limit(
                loc,
                format!("the module needs more than {MAX_EVAL_STEPS} steps to evaluate"),
            );
        }
        let depth = self.sh.depth.get();
        if depth >= MAX_EVAL_DEPTH {
            return self.limit(
                loc,
                format!("expressions nested deeper than {MAX_EVAL_DEPTH} levels"),
            );
        }
        self.sh.depth.set(depth + 1);
        let out = f();
        self.sh.depth.set(depth);
        out
    }

    pub(super) fn src(&self, file: FileId) -> Option<Arc<SourceFile>> {
        self.sh.src(file)
    }

    pub(super) fn error(
        &self,
        file: FileId,
        span: Span,
        message: impl Into<String>,
        code: &'static str,
    ) {
        self.sh.error(file, span, message, code)
    }

    /// Scope for an expression of a unit file; the text is kept alive by `keep`.
    /// The scope of a file's own expressions: its text, or for a `.tf.json` file the native
    /// syntax its tree was parsed from (mapped back into the file).
    pub fn scope_in<'s>(&'s self, file: FileId, keep: &'s Arc<SourceFile>) -> Scope<'s> {
        let (src, map) = match self.sh.natives.get(&file) {
            Some(n) => (n.text.as_str(), Some(&n.map)),
            None => (keep.text.as_str(), None),
        };
        Scope {
            file,
            src,
            map,
            tvars: None,
            pin: self.pin,
            template: false,
        }
    }

    /// Runs `f` in `sc` moved to `file` (an override file's argument of a block read in
    /// `sc`), keeping its bound names; in `sc` itself when `file` is `None`.
    pub(super) fn in_file<R>(
        &self,
        sc: Scope<'_>,
        file: Option<FileId>,
        f: impl FnOnce(Scope<'_>) -> R,
    ) -> Option<R> {
        let Some(file) = file.filter(|f| *f != sc.file) else {
            return Some(f(sc));
        };
        let keep = self.src(file)?;
        let own = self.scope_in(file, &keep);
        Some(f(Scope {
            file,
            src: own.src,
            map: own.map,
            ..sc
        }))
    }

    /// Runs `f` with `name` on the reference stack, or returns an unknown if `name` is already
    /// being evaluated (a cycle) or the chain is too deep.
    pub(super) fn guarded(&self, name: &str, loc: Loc, f: impl FnOnce() -> Doc) -> Doc {
        let name = format!("{}{name}", self.path);
        {
            let stack = self.sh.stack.borrow();
            if stack.contains(&name) {
                // Reading a module output evaluates every argument of its instance, which
                // Terraform does not (its graph is per value): a loop met there is not a cycle
                // of the configuration, only a value this evaluation cannot reach.
                if self.sh.in_output.get() > 0 {
                    return unknown(
                        format!(
                            "`{name}` is reached again while a module output is read (a \
                             reference cycle, or one this evaluation cannot tell apart)"
                        ),
                        loc,
                    );
                }
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
        self.sh.stack.borrow_mut().push(name);
        let out = f();
        self.sh.stack.borrow_mut().pop();
        out
    }

    pub(super) fn eval_def(&self, def: Def<'a>) -> Doc {
        match def {
            Def::Hcl { file, expr } => match self.src(file) {
                Some(f) => self.eval(self.scope_in(file, &f), expr),
                None => unsupported("source file missing", Loc::default()),
            },
            Def::Json { file, node } => self.pinned(json_value(file, node)),
        }
    }

    /// A document whose locations are all shown at this instance's pin, if it has one.
    pub(super) fn pinned(&self, d: Doc) -> Doc {
        match self.pin {
            Some(p) => repin(d, p),
            None => d,
        }
    }

    /// The value of `var.<name>`: the caller's argument, tfvars, the default, else unknown.
    pub fn var(&self, name: &str, loc: Loc) -> Doc {
        let key = format!("var.{name}");
        let decl = self.d.vars.get(name);
        if let Some(args) = &self.args {
            if let Some(arg) = args.get(name) {
                if arg.tainted {
                    self.sh.tainted.set(true);
                }
                let mut vias = self.sh.vias.borrow_mut();
                for v in &arg.vias {
                    if !vias.contains(v) {
                        vias.push(v.clone());
                    }
                }
                if self.pin.is_none() {
                    let via = Via {
                        at: Some(loc),
                        arg: arg.loc,
                        note: format!(
                            "the value comes from the argument `{name}` of {}",
                            self.path.trim_end_matches('.')
                        ),
                        fallback: false,
                    };
                    if !vias.contains(&via) {
                        vias.push(via);
                    }
                }
                drop(vias);
                let absolute;
                let value = match &arg.by_provider {
                    None => &arg.value,
                    Some(alts) => {
                        self.sh.key_relative.set(true);
                        let kp = self.key_provider();
                        match alts.iter().find(|(p, _)| *p == kp) {
                            Some((_, d)) => d,
                            // Evaluated for a provider that states its account: "the own
                            // account" there is that account, whichever provider this key uses.
                            None => match self.stated_alternative(alts) {
                                Some(d) => {
                                    absolute = d;
                                    &absolute
                                }
                                None => {
                                    return unknown(
                                        Why::input(format!(
                                            "`{key}` names an account relative to the provider \
                                             the caller passes to {}, and this key uses another \
                                             provider",
                                            self.path.trim_end_matches('.')
                                        )),
                                        loc,
                                    )
                                }
                            },
                        }
                    }
                };
                let v = self.charged_clone(value);
                // An explicit `null` is null: the default does not apply (Terraform), unless
                // the variable is declared `nullable = false`.
                let v = self.not_null(v, decl, &key);
                return match decl.and_then(|d| d.ty) {
                    Some(ty) => self.convert(v, ty),
                    None => v,
                };
            }
        } else if !self.given.contains(name) {
            self.sh.tainted.set(true);
        }
        let def = self
            .var_values
            .get(name)
            .copied()
            .or_else(|| decl.and_then(|d| d.default));
        let v = match (def, decl) {
            (Some(def), _) => self.guarded(&key, loc, || self.eval_def(def)),
            (None, Some(_)) if self.args.is_some() => unknown(
                Why::input(format!(
                    "{key} is required by {} and not set by its caller",
                    self.path.trim_end_matches('.')
                )),
                loc,
            ),
            (None, Some(_)) => unknown(
                Why::input(format!(
                    "{key} has no default and no value in terraform.tfvars or *.auto.tfvars"
                )),
                loc,
            ),
            (None, None) => {
                return unsupported(format!("{key} is not declared in this module"), loc)
            }
        };
        let v = self.not_null(v, decl, &key);
        match decl.and_then(|d| d.ty) {
            Some(ty) => self.convert(v, ty),
            None => v,
        }
    }

    /// A variable declared `nullable = false` set to null takes its default (an error without
    /// one); each alternative of a choice on its own.
    fn not_null(&self, v: Doc, decl: Option<&super::decls::Var<'a>>, key: &str) -> Doc {
        let Some(decl) = decl.filter(|d| d.non_null) else {
            return v;
        };
        match v.kind {
            DocKind::Null => match decl.default {
                Some(def) => self.guarded(key, v.loc, || self.eval_def(def)),
                None => self.fault(format!("{key} must not be null (nullable = false)"), v.loc),
            },
            DocKind::Choice(alts) => Doc::new(
                DocKind::Choice(
                    alts.into_iter()
                        .map(|a| self.not_null(a, Some(decl), key))
                        .collect(),
                ),
                v.loc,
            ),
            kind => Doc::new(kind, v.loc),
        }
    }

    pub(super) fn var_def(&self, name: &str) -> Option<Def<'a>> {
        if self.args.as_ref().is_some_and(|a| a.contains_key(name)) {
            return None;
        }
        self.var_values
            .get(name)
            .copied()
            .or_else(|| self.d.vars.get(name).and_then(|v| v.default))
    }

    pub(super) fn local(&self, name: &str, loc: Loc) -> Doc {
        match self.d.locals.get(name).copied() {
            Some(def) => self.guarded(&format!("local.{name}"), loc, || self.eval_def(def)),
            None => unsupported(format!("local.{name} is not defined in this module"), loc),
        }
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
                let text = if !written.is_empty() && written.bytes().all(|b| b.is_ascii_digit()) {
                    written.trim_start_matches('0').to_string()
                } else {
                    match written.parse::<f64>() {
                        Ok(f) if !written.is_empty() => super::ops::fmt_num(f),
                        _ => n.value().to_string(),
                    }
                };
                let text = if text.is_empty() {
                    "0".to_string()
                } else {
                    text
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
                self.pieces_doc(sc, &pieces, loc)
            }
            Expression::HeredocTemplate(h) => {
                let pieces = hcl::heredoc_pieces(sc.src, h);
                self.pieces_doc(sc, &pieces, loc)
            }
            Expression::Parenthesis(p) => self.eval(sc, p.inner()),
            Expression::Variable(v) => {
                let name = v.as_str();
                match sc.tvars.and_then(|t| t.get(name)) {
                    Some(d) => self.charged_clone(d),
                    None => unsupported(format!("`{name}` is not a known value here"), loc),
                }
            }
            Expression::Conditional(c) => self.conditional(sc, c, loc, &|sc, e| self.eval(sc, e)),
            Expression::FuncCall(f) => self.call(sc, f, loc),
            Expression::Traversal(t) => self.traversal(sc, t, loc),
            Expression::UnaryOp(u) => self.unary(sc, u, loc),
            Expression::BinaryOp(b) => self.binary(sc, b, loc),
            Expression::ForExpr(f) => self.for_expr(sc, f, loc),
        }
    }

    /// A condition, when it can be decided statically.
    pub(super) fn eval_bool(&self, sc: Scope<'_>, expr: &Expression) -> Option<bool> {
        let d = self.eval(sc, expr);
        bool_of(&d)
    }

    pub(super) fn traversal(&self, sc: Scope<'_>, t: &hcl_edit::expr::Traversal, loc: Loc) -> Doc {
        let text = sc.text(span_of(t));
        let ops: Vec<&TraversalOperator> = t.operators.iter().map(|o| o.value()).collect();
        let attr = |i: usize| attr_at(&ops, i);
        let Some(root) = t.expr.as_variable().map(|v| v.as_str()) else {
            let base = self.eval(sc, &t.expr);
            return self.apply_ops(sc, base, &ops, text, loc);
        };
        if let Some(d) = sc.tvars.and_then(|v| v.get(root)) {
            return self.apply_ops(sc, self.charged_clone(d), &ops, text, loc);
        }
        if sc.template {
            return self.fault(format!("`{root}` is not a variable of this template"), loc);
        }
        let rest = |from: usize| ops.get(from..).unwrap_or(&[]);
        match root {
            "var" | "local" => {
                let Some(name) = attr(0) else {
                    return unsupported(format!("`{}` is not evaluated", short(text)), loc);
                };
                if root == "var" {
                    let attrs: Vec<&str> = (1..).map_while(attr).collect();
                    let (base, used) = self.var_traversal(name, &attrs, loc);
                    return self.apply_ops(sc, base, rest(used), text, loc);
                }
                let base = self.local(name, loc);
                self.apply_ops(sc, base, rest(1), text, loc)
            }
            "data" => self.data_ref(sc, &ops, text, loc),
            "count" | "each" => unsupported(
                format!(
                    "{} is used outside a block with count/for_each",
                    short(text)
                ),
                loc,
            ),
            "path" => match attr(0) {
                // Paths are resolved against the module directory by file().
                Some("module" | "root" | "cwd") => Doc::scalar(Value::lit("."), loc),
                _ => unsupported(format!("`{}` is not evaluated", short(text)), loc),
            },
            "terraform" => unknown(format!("{} depends on the workspace", short(text)), loc),
            "module" => self.module_ref(sc, &ops, text, loc),
            ty => self.resource_ref(sc, ty, &ops, text, loc),
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
        for (i, op) in ops.iter().enumerate() {
            d = match (&d.kind, op) {
                (DocKind::Unknown(_), _) => return d,
                (_, TraversalOperator::AttrSplat(_) | TraversalOperator::FullSplat(_)) => {
                    let rest = ops.get(i + 1..).unwrap_or(&[]);
                    let items = match d.kind {
                        DocKind::List(items) => items,
                        DocKind::Null => Vec::new(),
                        DocKind::Choice(_) => {
                            return unsupported(format!("`{}` is a conditional", short(text)), loc)
                        }
                        _ => vec![d],
                    };
                    let out = items
                        .into_iter()
                        .map(|it| self.apply_ops(sc, it, rest, text, loc))
                        .collect();
                    return Doc::new(DocKind::List(out), loc);
                }
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
                        return self.fault(
                            format!("{} has no attribute `{}`", short(text), k.as_str()),
                            loc,
                        )
                    }
                },
                (DocKind::Null, TraversalOperator::GetAttr(_)) => {
                    return self.fault(format!("{} reads an attribute of null", short(text)), loc)
                }
                // Strings, numbers, bools and lists have no attributes (Terraform: "Unsupported
                // attribute"; `try()` falls back).
                (DocKind::Scalar(_) | DocKind::List(_), TraversalOperator::GetAttr(k)) => {
                    return self.fault(
                        format!(
                            "{} reads attribute `{}` of a value that has none",
                            short(text),
                            k.as_str()
                        ),
                        loc,
                    )
                }
                (DocKind::List(items), TraversalOperator::LegacyIndex(n)) => {
                    match usize::try_from(*n.value()).ok().and_then(|n| items.get(n)) {
                        Some(v) => v.clone(),
                        None => return self.fault(format!("{} is out of range", short(text)), loc),
                    }
                }
                (_, TraversalOperator::Index(e)) => {
                    let key = self.eval(sc, e);
                    if let DocKind::Unknown(w) = &key.kind {
                        return unknown(w.clone(), loc);
                    }
                    let key = key.as_value().and_then(|v| v.as_lit().map(str::to_string));
                    let found = match (&d.kind, &key) {
                        (DocKind::List(items), Some(k)) => super::ops::parse_num(k)
                            .filter(|n| *n >= 0.0 && n.fract() == 0.0)
                            .and_then(|n| items.get(n as usize))
                            .cloned(),
                        (DocKind::Map(_), Some(k)) => d.get(k).cloned(),
                        _ => None,
                    };
                    match found {
                        Some(v) => v,
                        None if key.is_none() => {
                            return unsupported(
                                format!("the index in `{}` is not known statically", short(text)),
                                loc,
                            )
                        }
                        None => {
                            return self
                                .fault(format!("`{}` has no such element", short(text)), loc)
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

/// Alternatives, any of which may be deployed; identical ones are kept once.
pub fn choice(alts: Vec<Doc>, loc: Loc) -> Doc {
    let mut out: Vec<Doc> = Vec::new();
    for a in alts {
        let parts = match a.kind {
            DocKind::Choice(inner) => inner,
            kind => vec![Doc::new(kind, a.loc)],
        };
        for p in parts {
            if !out.contains(&p) {
                out.push(p);
            }
        }
    }
    if out.len() == 1 {
        if let Some(one) = out.pop() {
            return one;
        }
    }
    Doc::new(DocKind::Choice(out), loc)
}

/// Every location of a document moved to `at`.
pub fn repin(d: Doc, at: Loc) -> Doc {
    let kind = match d.kind {
        DocKind::List(items) => DocKind::List(items.into_iter().map(|i| repin(i, at)).collect()),
        DocKind::Choice(items) => {
            DocKind::Choice(items.into_iter().map(|i| repin(i, at)).collect())
        }
        DocKind::Map(entries) => DocKind::Map(
            entries
                .into_iter()
                .map(|e| DocEntry {
                    key: e.key,
                    key_loc: at,
                    value: repin(e.value, at),
                })
                .collect(),
        ),
        other => other,
    };
    Doc::new(kind, at)
}

/// The literal text of a scalar.
pub(super) fn lit(d: &Doc) -> Option<&str> {
    d.as_value().and_then(|v| v.as_lit())
}

/// A boolean, when decided.
pub(super) fn bool_of(d: &Doc) -> Option<bool> {
    match lit(d) {
        Some("true") => Some(true),
        Some("false") => Some(false),
        _ => None,
    }
}

/// Why a value is not (wholly) known at its top level: an unknown document or a scalar with an
/// unknown part.
pub(super) fn why_unknown(d: &Doc) -> Option<Why> {
    match &d.kind {
        DocKind::Unknown(w) => Some(w.clone()),
        DocKind::Scalar(v) => v.unknown_why().cloned(),
        _ => None,
    }
}

/// The attribute name of traversal step `i` (`.name`), if it is one.
pub(super) fn attr_at<'o>(ops: &[&'o TraversalOperator], i: usize) -> Option<&'o str> {
    match ops.get(i) {
        Some(TraversalOperator::GetAttr(a)) => Some(a.as_str()),
        _ => None,
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
        // A value built with jsonencode(): its JSON text.
        DocKind::List(_) | DocKind::Map(_) => match super::functions::json_text(d) {
            Some(t) => Value::lit(t),
            None => Value::unknown(Why::unsupported(format!(
                "`{}` is not a string",
                short(text)
            ))),
        },
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
