//! Terraform's built-in functions as policies use them, with Terraform's own semantics
//! (hashicorp/terraform `internal/lang/funcs` and go-cty's stdlib), evaluated over `Doc`s.
//! An argument not known statically makes the result unknown, naming why; a conditional
//! argument is evaluated once per alternative. An argument Terraform rejects is a fault, which
//! `try()` and `can()` catch.

mod collections;
mod encoding;
mod fs;
mod hash;
mod net;
mod numbers;
mod re2;
mod strings;
mod text;
mod yaml;

use super::eval::*;
use crate::base::source::Loc;
use crate::ir::{Doc, DocKind, Value, Why};
use crate::parse::hcl::{span_of, Expression};

/// Longest list `distinct()` and the set functions are evaluated on (they compare pairs).
pub(super) const MAX_DISTINCT: usize = 10_000;

/// A whole number (go-cty converts it to a Go int: a fraction is an error); `what` names it
/// in the error.
pub(super) fn whole(x: f64, what: &str) -> Result<f64, Bad> {
    if x.fract() != 0.0 || !x.is_finite() {
        return Err(Bad::Fault(format!("{what} must be a whole number")));
    }
    Ok(x)
}

/// One value, or a choice between the values a deployment may give.
fn one_or_choice(mut alts: Vec<Doc>, loc: Loc) -> Doc {
    match alts.len() {
        1 => alts.remove(0),
        _ => Doc::new(DocKind::Choice(alts), loc),
    }
}

/// What a function's arguments are not.
#[derive(Clone)]
pub(super) enum Bad {
    /// Not known statically: the result is unknown for this reason.
    Unknown(Why),
    /// Terraform rejects it.
    Fault(String),
    /// No such function here (another family may have it).
    NoSuch,
}

pub(super) type R = Result<Doc, Bad>;

/// The literal string of an argument.
pub(super) fn string(d: &Doc) -> Result<String, Bad> {
    match &d.kind {
        DocKind::Scalar(v) => match v.as_lit() {
            Some(s) => Ok(s.to_string()),
            None => Err(Bad::Unknown(v.unknown_why().cloned().unwrap_or_else(
                || Why::unsupported("the string holds the key's own account"),
            ))),
        },
        DocKind::Unknown(w) => Err(Bad::Unknown(w.clone())),
        DocKind::Null => Err(Bad::Fault("a null argument".into())),
        DocKind::Choice(_) => Err(Bad::Unknown(Why::unsupported("a conditional argument"))),
        // A value built with jsonencode() is its JSON text.
        DocKind::List(_) | DocKind::Map(_) => encoding::json_text(d),
    }
}

/// The JSON text `jsonencode()` gives a known value.
pub(super) fn json_text(d: &Doc) -> Option<String> {
    encoding::json_text(d).ok()
}

/// A string argument as a value, whose parts may be the own account or unknown.
pub(super) fn value(d: &Doc) -> Result<Value, Bad> {
    match &d.kind {
        DocKind::Scalar(v) => Ok(v.clone()),
        DocKind::Unknown(w) => Err(Bad::Unknown(w.clone())),
        DocKind::Null => Err(Bad::Fault("a null argument".into())),
        _ => Err(Bad::Fault("not a string".into())),
    }
}

pub(super) fn number(d: &Doc) -> Result<f64, Bad> {
    let s = string(d)?;
    super::ops::parse_num(&s).ok_or_else(|| Bad::Fault(format!("`{s}` is not a number")))
}

/// The items of a list (or set, or tuple) argument.
pub(super) fn items(d: &Doc) -> Result<&[Doc], Bad> {
    match &d.kind {
        DocKind::List(items) => Ok(items),
        DocKind::Unknown(w) => Err(Bad::Unknown(w.clone())),
        DocKind::Scalar(v) => match v.unknown_why() {
            Some(w) => Err(Bad::Unknown(w.clone())),
            None => Err(Bad::Fault("not a list".into())),
        },
        DocKind::Null => Err(Bad::Fault("a null list".into())),
        DocKind::Choice(_) => Err(Bad::Unknown(Why::unsupported("a conditional argument"))),
        DocKind::Map(_) => Err(Bad::Fault("not a list".into())),
    }
}

pub(super) fn str_doc(s: impl Into<String>, loc: Loc) -> Doc {
    Doc::scalar(Value::lit(s.into()), loc)
}

pub(super) fn list_doc(items: Vec<Doc>, loc: Loc) -> Doc {
    Doc::new(DocKind::List(items), loc)
}

impl<'a> Module<'a> {
    pub(super) fn call(&self, sc: Scope<'_>, f: &hcl_edit::expr::FuncCall, loc: Loc) -> Doc {
        let name = f.name.name.as_str();
        let args: Vec<&Expression> = f.args.iter().collect();
        let text = sc.text(span_of(f));
        if f.name.is_namespaced() {
            return unsupported(format!("`{}` is not evaluated", short(text)), loc);
        }
        match (name, args.as_slice()) {
            // `try` and `can` catch the errors of their arguments: evaluated one by one.
            ("try", _) => {
                let start = self.sh.faults.get();
                // Arguments that succeed only where an instance they name exists: the later
                // ones are deployed where it does not (`try(x[0].json, local.open)` with
                // `count = var.on ? 1 : 0`).
                let mut maybe = Vec::new();
                for a in &args {
                    let before = self.sh.faults.get();
                    let was = self.sh.maybe_absent.replace(false);
                    let d = self.eval(sc, a);
                    let absent = self.sh.maybe_absent.replace(was);
                    if self.sh.faults.get() == before {
                        maybe.push(d);
                        if !absent {
                            // The errors caught here do not reach an enclosing try() or can().
                            self.sh.faults.set(start);
                            return one_or_choice(maybe, loc);
                        }
                    }
                }
                if !maybe.is_empty() {
                    self.sh.faults.set(start);
                    return one_or_choice(maybe, loc);
                }
                return self.fault(format!("no argument of `{}` succeeds", short(text)), loc);
            }
            ("can", [a]) => {
                let before = self.sh.faults.get();
                let was = self.sh.maybe_absent.replace(false);
                let d = self.eval(sc, a);
                let absent = self.sh.maybe_absent.replace(was);
                let failed = self.sh.faults.get() != before;
                self.sh.faults.set(before);
                return match why_unknown(&d) {
                    _ if failed => str_doc("false", loc),
                    Some(w) => unknown(w, loc),
                    None if absent => {
                        one_or_choice(vec![str_doc("true", loc), str_doc("false", loc)], loc)
                    }
                    None => str_doc("true", loc),
                };
            }
            ("file", [path]) => {
                return match self.read_file(sc, path, loc, "file") {
                    Ok((_, f)) => Doc::scalar(super::files::file_value(&f.path, &f.text), loc),
                    Err(why) => unknown(why, loc),
                }
            }
            ("templatefile", [path, vars]) => return self.templatefile(sc, path, vars, loc, false),
            ("jsondecode", [arg]) => return self.eval_policy(sc, arg),
            _ => {}
        }
        if let Some(d) = self.call_special(sc, name, &args, text, loc) {
            return d;
        }
        let mut vals: Vec<Doc> = args.iter().map(|a| self.eval(sc, a)).collect();
        if f.args.expand_final() {
            // `f(a, list...)`: the last argument's elements are the remaining arguments.
            match vals.pop().map(|d| d.kind) {
                Some(DocKind::List(items)) => vals.extend(items),
                Some(DocKind::Unknown(w)) => return unknown(w, loc),
                _ => return unsupported(format!("`{}` is not evaluated", short(text)), loc),
            }
        }
        self.over(vals, loc, &|vals| {
            let r = self.apply(name, &vals, loc);
            match r {
                Some(Ok(d)) => d,
                Some(Err(Bad::Unknown(w))) => unknown(
                    Why {
                        reason: format!("`{}`: {}", short(text), w.reason),
                        cause: w.cause,
                    },
                    loc,
                ),
                Some(Err(Bad::Fault(why))) => {
                    self.fault(format!("`{}` fails in Terraform: {why}", short(text)), loc)
                }
                Some(Err(Bad::NoSuch)) | None => unsupported(
                    format!(
                        "the function {name}() is not evaluated (in `{}`)",
                        short(text)
                    ),
                    loc,
                ),
            }
        })
    }

    /// Counts `n` evaluation steps (work a function does, such as comparing pairs), unknown
    /// when the module's step budget is spent.
    pub(super) fn charge(&self, n: usize, loc: Loc) -> Result<(), Bad> {
        let steps = self.sh.steps.get().saturating_add(n);
        self.sh.steps.set(steps);
        if steps > crate::base::limits::MAX_EVAL_STEPS {
            let msg = format!(
                "the module needs more than {} steps to evaluate",
                crate::base::limits::MAX_EVAL_STEPS
            );
            return Err(match self.limit(loc, msg).kind {
                DocKind::Unknown(w) => Bad::Unknown(w),
                _ => Bad::Unknown(Why::reported(String::new())),
            });
        }
        Ok(())
    }

    /// One function over evaluated arguments; `None` when kmslint does not implement it.
    /// Families are tried in turn, each only when the ones before do not have the name.
    fn apply(&self, name: &str, a: &[Doc], loc: Loc) -> Option<R> {
        let families: [&dyn Fn() -> R; 7] = [
            &|| strings::apply(name, a, loc),
            &|| text::apply(name, a, loc),
            &|| collections::apply(self, name, a, loc),
            &|| numbers::apply(name, a, loc),
            &|| encoding::apply(self, name, a, loc),
            &|| hash::apply(name, a, loc),
            &|| net::apply(name, a, loc),
        ];
        families
            .iter()
            .map(|f| f())
            .find(|r| !matches!(r, Err(Bad::NoSuch)))
    }
}

#[cfg(test)]
mod tests;
