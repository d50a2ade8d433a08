//! Policies written as JSON text: heredocs, quoted strings and `.tfvars.json` values. Non-literal parts are carried through the JSON parse as markers, so
//! every element of the parsed policy keeps its span in the user's file.

use super::eval::*;
use super::templates::Emit;
use crate::base::diag::code;
use crate::base::source::{FileId, Loc, Span};
use crate::ir::{Doc, DocEntry, DocKind, Part, Value, Why};
use crate::parse::hcl::{self, span_of, Expression, Piece};
use crate::parse::{Node, NodeKind, OffsetMap};
use hcl_edit::expr::TraversalOperator;

impl<'a> Module<'a> {
    pub(super) fn policy_def(&self, def: Def<'a>) -> Doc {
        match def {
            Def::Hcl { file, expr } => match self.src(file) {
                Some(f) => self.eval_policy(self.scope_in(file, &f), expr),
                None => unsupported("source file missing", Loc::default()),
            },
            Def::Json { file, node } => match &node.kind {
                NodeKind::String(_) => match self.src(file) {
                    Some(f) => self.policy_from_json_string(file, &f.text, node),
                    None => unsupported("source file missing", Loc::default()),
                },
                _ => json_value(file, node),
            },
        }
    }

    /// Text of template pieces for JSON parsing: literal parts verbatim, other parts as markers
    /// (indexes into the returned parts). The map goes from the text to the file.
    pub(super) fn pieces_json_text(
        &self,
        sc: Scope<'_>,
        pieces: &[Piece<'_>],
    ) -> (String, OffsetMap, Vec<Part>) {
        let mut out = String::new();
        let mut map = OffsetMap::default();
        let mut parts = Vec::new();
        let mut built = 0usize;
        self.walk_pieces(sc, pieces, &mut |e| match e {
            Emit::Piece(_, Piece::Lit(l)) => l.decode_into(&mut out, &mut map),
            Emit::Piece(sc, Piece::Interp { expr, span }) => {
                map.push(out.len(), span.start);
                let loc = sc.loc(Some(*span));
                // `${jsonencode(...)}` inside a JSON heredoc: the JSON text itself.
                if let Some(text) = self.jsonencode_text(sc, expr) {
                    match self.built(&mut built, text.len(), loc) {
                        Some(reason) => push_marker(&mut out, &mut parts, Part::Unknown(reason)),
                        None => out.push_str(&text),
                    }
                    return;
                }
                let d = self.eval(sc, expr);
                let value = as_string_value(&d, sc.text(span_of(*expr)));
                if let Some(reason) = self.built(&mut built, value.text_len(), loc) {
                    push_marker(&mut out, &mut parts, Part::Unknown(reason));
                    return;
                }
                for part in value.parts {
                    match part {
                        Part::Lit(s) => out.push_str(&s),
                        other => push_marker(&mut out, &mut parts, other),
                    }
                }
            }
            Emit::Piece(_, Piece::Directive { .. }) => {}
            Emit::Unknown(why) => push_marker(&mut out, &mut parts, Part::Unknown(why)),
        });
        (out, map, parts)
    }

    pub(super) fn jsonencode_text(&self, sc: Scope<'_>, expr: &Expression) -> Option<String> {
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

    pub(super) fn eval_policy_expr(&self, sc: Scope<'_>, expr: &Expression) -> Doc {
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
            Expression::Conditional(c) => {
                self.conditional(sc, c, loc, &|sc, e| self.eval_policy(sc, e))
            }
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
                            "local" => self.d.locals.get(name.as_str()).copied(),
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
    pub(super) fn policy_from_value(&self, sc: Scope<'_>, expr: &Expression) -> Doc {
        let d = self.eval(sc, expr);
        self.policy_from_doc(d)
    }

    pub(super) fn policy_from_doc(&self, d: Doc) -> Doc {
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
                        DocKind::Unknown(Why::unsupported(format!(
                            "the policy is not valid JSON: {}",
                            e.message
                        ))),
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
    pub(super) fn parse_policy_text(
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
                    code::JSON,
                );
                Doc::new(
                    DocKind::Unknown(Why::reported(format!(
                        "the policy is not valid JSON: {}",
                        e.message
                    ))),
                    whole,
                )
            }
            Err(_) => unknown(unknown_text_reason(parts), whole),
        }
    }

    /// A JSON string in a JSON file (a `.tfvars.json` value) holding a policy.
    pub(super) fn policy_from_json_string(&self, file: FileId, text: &str, node: &Node) -> Doc {
        let loc = Loc::new(file, node.span);
        let literal = text.get(node.span.start..node.span.end).unwrap_or("");
        match crate::parse::json::string_literal_map(literal, node.span.start) {
            Some((inner, map)) => {
                let sc = Scope {
                    file,
                    src: text,
                    map: None,
                    tvars: None,
                    pin: self.pin,
                    template: false,
                };
                self.parse_policy_text(sc, &inner, &map, &[], loc)
            }
            None => unsupported("not a JSON string", loc),
        }
    }
}
/// Marks a non-literal part inside text that is about to be parsed as JSON.
pub(super) const MARK_OPEN: char = '\u{E000}';
pub(super) const MARK_CLOSE: char = '\u{E001}';

pub(super) fn push_marker(out: &mut String, parts: &mut Vec<Part>, part: Part) {
    out.push(MARK_OPEN);
    out.push_str(&parts.len().to_string());
    out.push(MARK_CLOSE);
    parts.push(part);
}

pub(super) fn unknown_text_reason(parts: &[Part]) -> Why {
    let first = parts.iter().find_map(|p| match p {
        Part::Unknown(r) => Some(r),
        _ => None,
    });
    match first {
        Some(r) => Why {
            reason: format!("the policy text is only known after apply: {r}"),
            cause: r.cause,
        },
        None => Why::unsupported("the policy text is only known after apply"),
    }
}

/// Splits a string with markers back into parts.
pub(super) fn unmark(s: &str, parts: &[Part]) -> Value {
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
            None => v.push(Part::Unknown(Why::unsupported("unresolved interpolation"))),
        }
        rest = &rest[close + MARK_CLOSE.len_utf8()..];
    }
    v.push(Part::Lit(rest.to_string()));
    v
}

pub(super) fn map_span(map: &OffsetMap, s: Span) -> Span {
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
        NodeKind::Alias(a) => unsupported(format!("alias *{a}"), loc),
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
pub(super) fn to_json_text(d: &Doc) -> Option<String> {
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
