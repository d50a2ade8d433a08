//! Template directives: `%{ if c }…%{ else }…%{ endif }` and `%{ for k, v in coll }…%{ endfor }`,
//! in string templates, heredocs and `templatefile()` files. Each literal and interpolation the
//! template produces is handed on in order, in a scope with the loop's names bound.

use super::eval::*;
use super::ops::elements;
use crate::base::source::Loc;
use crate::ir::{Doc, DocKind, Part, Value, Why};
use crate::parse::hcl::{self, span_of, Piece};
use hcl_edit::template::Directive;
use std::collections::HashMap;

/// What a template produces, in order.
pub(super) enum Emit<'x> {
    Piece(Scope<'x>, &'x Piece<'x>),
    /// A directive whose outcome is not known statically.
    Unknown(Why),
}

/// One piece of a template once evaluated.
enum Item {
    Lit(String),
    /// An interpolation: its value, its expression's text, where it is.
    Val(Doc, String, Loc),
    Unknown(Why),
}

impl<'a> Module<'a> {
    /// The string a template gives; directives (`%{ if }`, `%{ for }`) are expanded. An
    /// interpolated conditional value gives one string per alternative (`"…${c ? a : b}…"`).
    pub(super) fn pieces_doc(&self, sc: Scope<'_>, pieces: &[Piece<'_>], loc: Loc) -> Doc {
        let mut items = Vec::new();
        self.walk_pieces(sc, pieces, &mut |e| match e {
            Emit::Piece(_, Piece::Lit(l)) => items.push(Item::Lit(l.decoded())),
            Emit::Piece(sc, Piece::Interp { expr, span }) => {
                let d = self.eval(sc, expr);
                let text = sc.text(span_of(*expr)).to_string();
                items.push(Item::Val(d, text, sc.loc(Some(*span))));
            }
            Emit::Piece(_, Piece::Directive { .. }) => {}
            Emit::Unknown(why) => items.push(Item::Unknown(why)),
        });
        let vals: Vec<Doc> = items
            .iter()
            .filter_map(|i| match i {
                Item::Val(d, ..) => Some(d.clone()),
                _ => None,
            })
            .collect();
        let build = |vals: Vec<Doc>| -> Doc {
            let mut v = Value::default();
            let mut built = 0usize;
            let mut next = vals.into_iter();
            for it in &items {
                match it {
                    Item::Lit(s) => v.push(Part::Lit(s.clone())),
                    Item::Unknown(w) => v.push(Part::Unknown(w.clone())),
                    Item::Val(_, text, at) => {
                        let d = next.next().unwrap_or_else(|| Doc::new(DocKind::Null, *at));
                        let value = as_string_value(&d, text);
                        match self.built(&mut built, value.text_len(), *at) {
                            Some(reason) => v.push(Part::Unknown(reason)),
                            None => v.append(value),
                        }
                    }
                }
            }
            Doc::scalar(v, loc)
        };
        if vals.iter().any(|d| matches!(d.kind, DocKind::Choice(_))) {
            self.over(vals, loc, &build)
        } else {
            build(vals)
        }
    }

    /// Walks template pieces, expanding directives.
    pub(super) fn walk_pieces(
        &self,
        sc: Scope<'_>,
        pieces: &[Piece<'_>],
        f: &mut dyn for<'x> FnMut(Emit<'x>),
    ) {
        for p in pieces {
            let Piece::Directive { d, span } = p else {
                f(Emit::Piece(sc, p));
                continue;
            };
            let text = sc.text(Some(*span));
            match d {
                Directive::If(i) => {
                    let c = self.eval(sc, &i.if_expr.cond_expr);
                    let branch = match bool_of(&c) {
                        Some(true) => Some(&i.if_expr.template),
                        Some(false) => i.else_expr.as_ref().map(|e| &e.template),
                        None => {
                            let why = why_unknown(&c).unwrap_or_else(|| {
                                Why::unsupported(format!(
                                    "the condition of `{}` is not a bool",
                                    short(text)
                                ))
                            });
                            f(Emit::Unknown(why));
                            continue;
                        }
                    };
                    if let Some(t) = branch {
                        let inner = hcl::template_pieces(sc.src, t);
                        self.walk_pieces(sc, &inner, f);
                    }
                }
                Directive::For(fd) => {
                    let fe = &fd.for_expr;
                    let coll = self.eval(sc, &fe.collection_expr);
                    let els = match elements(&coll) {
                        Ok(e) => e,
                        Err(w) => {
                            let why = w.unwrap_or_else(|| {
                                Why::unsupported(format!(
                                    "`{}` walks a value that is not a collection",
                                    short(text)
                                ))
                            });
                            f(Emit::Unknown(why));
                            continue;
                        }
                    };
                    let inner = hcl::template_pieces(sc.src, &fe.template);
                    for (k, v) in els {
                        let mut vars: HashMap<String, crate::ir::Doc> =
                            sc.tvars.cloned().unwrap_or_default();
                        if let Some(kn) = &fe.key_var {
                            vars.insert(kn.as_str().to_string(), k);
                        }
                        vars.insert(fe.value_var.as_str().to_string(), v);
                        self.walk_pieces(sc.with(&vars), &inner, f);
                    }
                }
            }
        }
    }
}
