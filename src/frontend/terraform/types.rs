//! Variable type constraints, applied as Terraform converts a value to a variable's type: an
//! object type keeps only its declared attributes (others are dropped silently) and gives absent
//! `optional()` attributes their default or null; a set is de-duplicated and sorted.

use super::eval::*;
use crate::base::source::FileId;
use crate::ir::{Doc, DocEntry, DocKind};
use crate::parse::hcl::Expression;

impl<'a> Module<'a> {
    /// Converts `d` to the type written at `ty`.
    pub(super) fn convert(&self, d: Doc, ty: (FileId, &Expression)) -> Doc {
        let Some(f) = self.src(ty.0) else {
            return d;
        };
        let sc = self.scope_in(ty.0, &f);
        self.convert_in(sc, d, ty.1, 0)
    }

    fn convert_in(&self, sc: Scope<'_>, d: Doc, ty: &Expression, depth: usize) -> Doc {
        if depth > 32 {
            return d;
        }
        let loc = d.loc;
        let kind = match d.kind {
            DocKind::Choice(alts) => {
                let alts = alts
                    .into_iter()
                    .map(|a| self.convert_in(sc, a, ty, depth + 1))
                    .collect();
                return Doc::new(DocKind::Choice(alts), loc);
            }
            k @ (DocKind::Null | DocKind::Unknown(_) | DocKind::Scalar(_)) => {
                return Doc::new(k, loc)
            }
            k => k,
        };
        let Some(call) = ty.as_func_call() else {
            return Doc::new(kind, loc);
        };
        let args: Vec<&Expression> = call.args.iter().collect();
        let inner = args.first().copied();
        match (call.name.name.as_str(), kind, inner) {
            ("list" | "set", DocKind::List(items), Some(t)) => {
                let items: Vec<Doc> = items
                    .into_iter()
                    .map(|i| self.convert_in(sc, i, t, depth + 1))
                    .collect();
                let items = if call.name.name.as_str() == "set" {
                    set_order(items)
                } else {
                    items
                };
                Doc::new(DocKind::List(items), loc)
            }
            ("map", DocKind::Map(entries), Some(t)) => Doc::new(
                DocKind::Map(
                    entries
                        .into_iter()
                        .map(|e| DocEntry {
                            value: self.convert_in(sc, e.value, t, depth + 1),
                            ..e
                        })
                        .collect(),
                ),
                loc,
            ),
            ("object", DocKind::Map(entries), Some(Expression::Object(o))) => {
                let mut out = Vec::new();
                for (k, v) in o.iter() {
                    let Some(name) = crate::parse::hcl::object_key_name(sc.src, k) else {
                        continue;
                    };
                    let attr_ty = v.expr();
                    let (optional, inner_ty, default) = match attr_ty.as_func_call() {
                        Some(c) if c.name.name.as_str() == "optional" => {
                            let a: Vec<&Expression> = c.args.iter().collect();
                            (true, a.first().copied(), a.get(1).copied())
                        }
                        _ => (false, Some(attr_ty), None),
                    };
                    match entries.iter().find(|e| e.key == name) {
                        Some(e)
                            if !(optional
                                && matches!(e.value.kind, DocKind::Null)
                                && default.is_some()) =>
                        {
                            let value = match inner_ty {
                                Some(t) => self.convert_in(sc, e.value.clone(), t, depth + 1),
                                None => e.value.clone(),
                            };
                            out.push(DocEntry { value, ..e.clone() });
                        }
                        _ if optional => {
                            let value = match default {
                                Some(def) => self.eval(sc, def),
                                None => Doc::new(DocKind::Null, loc),
                            };
                            out.push(DocEntry {
                                key: name,
                                key_loc: loc,
                                value,
                            });
                        }
                        _ => {}
                    }
                }
                out.sort_by(|a, b| a.key.cmp(&b.key));
                Doc::new(DocKind::Map(out), loc)
            }
            ("tuple", DocKind::List(items), Some(Expression::Array(ts))) => {
                let ts: Vec<&Expression> = ts.iter().collect();
                let items = items
                    .into_iter()
                    .enumerate()
                    .map(|(i, it)| match ts.get(i) {
                        Some(t) => self.convert_in(sc, it, t, depth + 1),
                        None => it,
                    })
                    .collect();
                Doc::new(DocKind::List(items), loc)
            }
            (_, kind, _) => Doc::new(kind, loc),
        }
    }
}

/// A set's elements: duplicates dropped, strings in lexical byte order (Terraform's set order).
pub(super) fn set_order(items: Vec<Doc>) -> Vec<Doc> {
    let mut out: Vec<Doc> = Vec::new();
    for it in items {
        let dup = out.iter().any(|o| match (lit(o), lit(&it)) {
            (Some(a), Some(b)) => a == b,
            _ => o.kind == it.kind,
        });
        if !dup {
            out.push(it);
        }
    }
    if out.iter().all(|d| lit(d).is_some()) {
        out.sort_by(|a, b| lit(a).cmp(&lit(b)));
    }
    out
}
