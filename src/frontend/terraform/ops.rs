//! Operators (`!`, `-`, arithmetic, comparisons, `&&`, `||`, `==`) and `for` expressions, with
//! Terraform's semantics: `for` over a map walks its keys in lexical order, `if` filters,
//! `...` groups. A conditional value (`Choice`) flows through: each alternative is evaluated.

use super::eval::*;
use crate::base::limits::{MAX_ALTERNATIVES, MAX_INSTANCES};
use crate::base::source::Loc;
use crate::ir::{Doc, DocEntry, DocKind, Value, Why};
use hcl_edit::expr::{BinaryOp, BinaryOperator, ForExpr, UnaryOp, UnaryOperator};
use std::collections::HashMap;

/// A number as Terraform prints it: integers without a fraction, others in the shortest form.
pub fn fmt_num(f: f64) -> String {
    if f.is_finite() && f.fract() == 0.0 && f.abs() < 1e15 {
        return format!("{}", f as i64);
    }
    // Terraform computes with arbitrary precision (0.1 + 0.2 is 0.3): 15 significant digits
    // hide the binary floating point noise.
    let s = format!("{:.*e}", 14, f);
    match s.split_once('e') {
        Some((m, e)) => {
            let exp: i32 = e.parse().unwrap_or(0);
            let digits: String = m.chars().filter(|c| c.is_ascii_digit()).collect();
            let neg = f < 0.0;
            let digits = digits.trim_end_matches('0');
            let digits = if digits.is_empty() { "0" } else { digits };
            let point = exp + 1;
            let body = if point <= 0 {
                format!("0.{}{digits}", "0".repeat((-point) as usize))
            } else if (point as usize) >= digits.len() {
                format!("{digits}{}", "0".repeat(point as usize - digits.len()))
            } else {
                format!(
                    "{}.{}",
                    &digits[..point as usize],
                    &digits[point as usize..]
                )
            };
            if neg {
                format!("-{body}")
            } else {
                body
            }
        }
        None => s,
    }
}

pub fn parse_num(s: &str) -> Option<f64> {
    let t = s.trim();
    if t.is_empty() || t.starts_with('+') || t.contains(char::is_whitespace) {
        return None;
    }
    t.parse::<f64>().ok().filter(|f| f.is_finite())
}

pub(super) fn num(d: &Doc) -> Option<f64> {
    lit(d).and_then(parse_num)
}

/// Structural equality of two known values; `None` when either is not known.
pub(super) fn equal(a: &Doc, b: &Doc) -> Option<bool> {
    match (&a.kind, &b.kind) {
        (DocKind::Null, DocKind::Null) => Some(true),
        (DocKind::Null, k) | (k, DocKind::Null) => match k {
            DocKind::Unknown(_) | DocKind::Choice(_) => None,
            DocKind::Scalar(v) if v.unknown_reason().is_some() => None,
            _ => Some(false),
        },
        (DocKind::Scalar(x), DocKind::Scalar(y)) => match (x.as_lit(), y.as_lit()) {
            (Some(x), Some(y)) => Some(match (parse_num(x), parse_num(y)) {
                (Some(p), Some(q)) => p == q,
                _ => x == y,
            }),
            _ if x == y && x.unknown_reason().is_none() => Some(true),
            _ => None,
        },
        (DocKind::List(x), DocKind::List(y)) => {
            if x.len() != y.len() {
                return Some(false);
            }
            let mut all = true;
            for (p, q) in x.iter().zip(y) {
                all &= equal(p, q)?;
            }
            Some(all)
        }
        (DocKind::Map(x), DocKind::Map(y)) => {
            if x.len() != y.len() {
                return Some(false);
            }
            let mut all = true;
            for e in x {
                match b.get(&e.key) {
                    Some(v) => all &= equal(&e.value, v)?,
                    None => return Some(false),
                }
            }
            Some(all)
        }
        (DocKind::Unknown(_) | DocKind::Choice(_), _)
        | (_, DocKind::Unknown(_) | DocKind::Choice(_)) => None,
        (DocKind::Scalar(v), _) | (_, DocKind::Scalar(v)) if v.unknown_reason().is_some() => None,
        _ => Some(false),
    }
}

pub(super) fn bool_doc(b: bool, loc: Loc) -> Doc {
    Doc::scalar(Value::lit(b.to_string()), loc)
}

impl<'a> Module<'a> {
    /// Applies `f` to the arguments, once per combination of alternatives when some argument is
    /// a conditional value.
    pub(super) fn over(&self, args: Vec<Doc>, loc: Loc, f: &dyn Fn(Vec<Doc>) -> Doc) -> Doc {
        let Some(i) = args
            .iter()
            .position(|a| matches!(a.kind, DocKind::Choice(_)))
        else {
            return f(args);
        };
        let mut combos = 1usize;
        for a in &args {
            if let DocKind::Choice(alts) = &a.kind {
                combos = combos.saturating_mul(alts.len().max(1));
            }
        }
        if combos > MAX_ALTERNATIVES {
            return self.limit(
                loc,
                format!("more than {MAX_ALTERNATIVES} combinations of conditional values"),
            );
        }
        let alts = match args.get(i).map(|a| &a.kind) {
            Some(DocKind::Choice(alts)) => alts.clone(),
            _ => Vec::new(),
        };
        let out = alts
            .into_iter()
            .map(|alt| {
                let mut next = args.clone();
                if let Some(slot) = next.get_mut(i) {
                    *slot = alt;
                }
                self.over(next, loc, f)
            })
            .collect();
        choice(out, loc)
    }

    pub(super) fn unary(&self, sc: Scope<'_>, u: &UnaryOp, loc: Loc) -> Doc {
        let d = self.eval(sc, &u.expr);
        let op = *u.operator.value();
        self.over(vec![d], loc, &|mut a| {
            let d = a.pop().unwrap_or_else(|| Doc::new(DocKind::Null, loc));
            if let Some(w) = why_unknown(&d) {
                return unknown(w, loc);
            }
            match op {
                UnaryOperator::Not => match bool_of(&d) {
                    Some(b) => bool_doc(!b, loc),
                    None => self.fault("`!` needs a bool".into(), loc),
                },
                UnaryOperator::Neg => match num(&d) {
                    Some(n) => Doc::scalar(Value::lit(fmt_num(-n)), loc),
                    None => self.fault("`-` needs a number".into(), loc),
                },
            }
        })
    }

    pub(super) fn binary(&self, sc: Scope<'_>, b: &BinaryOp, loc: Loc) -> Doc {
        let op = *b.operator.value();
        let l = self.eval(sc, &b.lhs_expr);
        // `false && x` and `true || x` are decided without x.
        match (op, bool_of(&l)) {
            (BinaryOperator::And, Some(false)) => return bool_doc(false, loc),
            (BinaryOperator::Or, Some(true)) => return bool_doc(true, loc),
            _ => {}
        }
        let r = self.eval(sc, &b.rhs_expr);
        self.over(vec![l, r], loc, &|a| {
            let (Some(l), Some(r)) = (a.first(), a.get(1)) else {
                return unsupported("operator", loc);
            };
            self.binary_values(op, l, r, loc)
        })
    }

    fn binary_values(&self, op: BinaryOperator, l: &Doc, r: &Doc, loc: Loc) -> Doc {
        use BinaryOperator::*;
        match op {
            And | Or => {
                let and = op == And;
                match (bool_of(l), bool_of(r)) {
                    (Some(x), Some(y)) => bool_doc(if and { x && y } else { x || y }, loc),
                    (_, Some(y)) if y != and => bool_doc(y, loc),
                    _ => match why_unknown(l).or_else(|| why_unknown(r)) {
                        Some(w) => unknown(w, loc),
                        None => self.fault("`&&`/`||` need bools".into(), loc),
                    },
                }
            }
            Eq | NotEq => match equal(l, r) {
                Some(e) => bool_doc(e == (op == Eq), loc),
                None => match why_unknown(l).or_else(|| why_unknown(r)) {
                    Some(w) => unknown(w, loc),
                    None => unsupported("a comparison of values not known statically", loc),
                },
            },
            _ => {
                if let Some(w) = why_unknown(l).or_else(|| why_unknown(r)) {
                    return unknown(w, loc);
                }
                let (Some(x), Some(y)) = (num(l), num(r)) else {
                    return self.fault("arithmetic needs numbers".into(), loc);
                };
                let n = |f: f64| Doc::scalar(Value::lit(fmt_num(f)), loc);
                match op {
                    Less => bool_doc(x < y, loc),
                    LessEq => bool_doc(x <= y, loc),
                    Greater => bool_doc(x > y, loc),
                    GreaterEq => bool_doc(x >= y, loc),
                    Plus => n(x + y),
                    Minus => n(x - y),
                    Mul => n(x * y),
                    Div if y != 0.0 => n(x / y),
                    Mod if y != 0.0 => n(x % y),
                    _ => self.fault("division by zero".into(), loc),
                }
            }
        }
    }

    /// `[for k, v in coll : expr if cond]` and `{for k, v in coll : key => value if cond}`.
    pub(super) fn for_expr(&self, sc: Scope<'_>, f: &ForExpr, loc: Loc) -> Doc {
        let coll = self.eval(sc, &f.intro.collection_expr);
        self.over(vec![coll], loc, &|mut a| {
            let coll = a.pop().unwrap_or_else(|| Doc::new(DocKind::Null, loc));
            self.for_one(sc, f, coll, loc)
        })
    }

    fn for_one(&self, sc: Scope<'_>, f: &ForExpr, coll: Doc, loc: Loc) -> Doc {
        let elements = match elements(&coll) {
            Ok(e) => e,
            Err(None) => {
                return self.fault("`for` over a value that is not a collection".into(), loc)
            }
            Err(Some(w)) => return unknown(w, loc),
        };
        if elements.len() > MAX_INSTANCES {
            return self.limit(
                loc,
                format!(
                    "a `for` expression over {} elements: more than the limit of {MAX_INSTANCES}",
                    elements.len()
                ),
            );
        }
        let kname = f.intro.key_var.as_ref().map(|k| k.as_str().to_string());
        let vname = f.intro.value_var.as_str().to_string();
        let mut list = Vec::new();
        let mut map: Vec<DocEntry> = Vec::new();
        for (k, v) in elements {
            let mut vars: HashMap<String, Doc> = sc.tvars.cloned().unwrap_or_default();
            match &kname {
                Some(kn) => {
                    vars.insert(kn.clone(), k);
                    vars.insert(vname.clone(), v);
                }
                None => {
                    vars.insert(vname.clone(), v);
                }
            }
            let inner = sc.with(&vars);
            if let Some(c) = &f.cond {
                let keep = self.eval(inner, &c.expr);
                if bool_of(&keep) == Some(false) {
                    continue;
                }
            }
            let value = self.eval(inner, &f.value_expr);
            match &f.key_expr {
                None => list.push(value),
                Some(ke) => {
                    let kd = self.eval(inner, ke);
                    let Some(key) = lit(&kd).map(str::to_string) else {
                        let w = why_unknown(&kd)
                            .unwrap_or_else(|| Why::unsupported("a map key that is not a string"));
                        return unknown(w, loc);
                    };
                    match map.iter_mut().find(|e| e.key == key) {
                        Some(e) if f.grouping => {
                            if let DocKind::List(items) = &mut e.value.kind {
                                items.push(value);
                            }
                        }
                        Some(_) => {
                            return self.fault(
                                format!(
                                    "two items of a `for` produce the key \"{key}\" (`...` \
                                     groups them)"
                                ),
                                loc,
                            )
                        }
                        None => {
                            let value = if f.grouping {
                                Doc::new(DocKind::List(vec![value]), loc)
                            } else {
                                value
                            };
                            map.push(DocEntry {
                                key,
                                key_loc: kd.loc,
                                value,
                            });
                        }
                    }
                }
            }
        }
        if f.key_expr.is_some() {
            map.sort_by(|a, b| a.key.cmp(&b.key));
            Doc::new(DocKind::Map(map), loc)
        } else {
            Doc::new(DocKind::List(list), loc)
        }
    }
}

/// The (key, value) pairs a `for`, `for_each` or `dynamic` block walks: a list by index, a map by
/// key in lexical order. `Err(Some(why))` when not known; `Err(None)` when not a collection.
pub(super) fn elements(coll: &Doc) -> Result<Vec<(Doc, Doc)>, Option<Why>> {
    match &coll.kind {
        DocKind::List(items) => Ok(items
            .iter()
            .enumerate()
            .map(|(i, d)| (Doc::scalar(Value::lit(i.to_string()), d.loc), d.clone()))
            .collect()),
        DocKind::Map(entries) => {
            let mut es: Vec<&DocEntry> = entries.iter().collect();
            es.sort_by(|a, b| a.key.cmp(&b.key));
            Ok(es
                .into_iter()
                .map(|e| {
                    (
                        Doc::scalar(Value::lit(e.key.clone()), e.key_loc),
                        e.value.clone(),
                    )
                })
                .collect())
        }
        DocKind::Unknown(w) => Err(Some(w.clone())),
        DocKind::Scalar(v) => Err(v.unknown_why().cloned()),
        DocKind::Null => Err(None),
        DocKind::Choice(_) => Err(Some(Why::unsupported("a conditional collection"))),
    }
}
