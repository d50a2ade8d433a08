//! Terraform's built-in functions as policies use them, evaluated over `Doc`s.

use super::eval::*;
use crate::base::source::Loc;
use crate::ir::{Doc, DocEntry, DocKind, Part, Value, Why};
use crate::parse::hcl::{span_of, Expression};

impl<'a> Module<'a> {
    pub(super) fn call(&self, sc: Scope<'_>, f: &hcl_edit::expr::FuncCall, loc: Loc) -> Doc {
        let name = f.name.name.as_str();
        let args: Vec<&Expression> = f.args.iter().collect();
        let text = sc.text(span_of(f));
        let not_evaluated = || unsupported(format!("`{}` is not evaluated", short(text)), loc);
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
            ("file", [path]) => match self.read_file(sc, path, loc, "file") {
                Some((_, f)) => Doc::scalar(Value::lit(f.text.as_str()), loc),
                None => unknown(
                    Why::reported(format!("`{}` could not be read", short(text))),
                    loc,
                ),
            },
            ("templatefile", [path, vars]) => self.templatefile(sc, path, vars, loc, false),
            _ => not_evaluated(),
        }
    }
}
/// Longest list `distinct()` is evaluated on (it compares every pair).
pub(super) const MAX_DISTINCT: usize = 10_000;

/// `format()` with `%s`, `%d`, `%v` and `%%`.
pub(super) fn format_value(fmt: &str, mut args: impl Iterator<Item = Doc>) -> Option<Value> {
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
