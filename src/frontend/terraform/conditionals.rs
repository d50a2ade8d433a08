//! Terraform conditionals checked both ways: `cond ? a : b` whose condition reads values a
//! caller, a tfvars file or `-var` can change (or that is not decided at all) gives both
//! branches, each named by its condition in the findings inside it (`ir::Conditional`). The
//! branch the values given do not select sees the variables the condition reads as unknown: a
//! caller sets them so that the branch is taken, never to the values that rule it out. What
//! evaluating a value set on the way (a variable read, relative to the key's provider) is
//! recorded with a value reused elsewhere (`Effects`).

use super::eval::*;
use crate::base::source::Loc;
use crate::ir::{Doc, DocKind, Why};
use crate::parse::hcl::{span_of, Expression};

impl<'a> Module<'a> {
    /// `cond ? a : b`. Decided by values a caller, a tfvars file or `-var` can change, or not
    /// decided at all, either branch may be deployed: both are checked, each finding in one
    /// naming the condition. The branch the values given do not select is evaluated with the
    /// variables the condition reads unknown (a caller sets them so that it is taken): never
    /// with values that rule it out (`var.org_id != "" ? {…var.org_id…} : {}`). `each`
    /// evaluates a branch: `eval` for a value, `eval_policy` for a policy (JSON text parsed).
    pub(super) fn conditional(
        &self,
        sc: Scope<'_>,
        c: &hcl_edit::expr::Conditional,
        loc: Loc,
        each: &dyn Fn(Scope<'_>, &Expression) -> Doc,
    ) -> Doc {
        let was = self.sh.tainted.replace(false);
        let mark = self.sh.cond_reads.borrow().len();
        self.sh.recording.set(self.sh.recording.get() + 1);
        let cond = self.eval_bool(sc, &c.cond_expr);
        self.sh
            .recording
            .set(self.sh.recording.get().saturating_sub(1));
        let tainted = self.sh.tainted.get();
        self.sh.tainted.set(was || tainted);
        let mut reads: Vec<(String, String)> = self
            .sh
            .cond_reads
            .borrow()
            .get(mark..)
            .unwrap_or(&[])
            .to_vec();
        if self.sh.recording.get() == 0 {
            self.sh.cond_reads.borrow_mut().truncate(mark);
        }
        reads.sort();
        reads.dedup();
        match cond {
            Some(true) if !tainted => return each(sc, &c.true_expr),
            Some(false) if !tainted => return each(sc, &c.false_expr),
            _ => {}
        }
        let text = short(sc.text(span_of(&c.cond_expr)));
        let branch = |expr: &Expression, b: bool| -> Doc {
            if sc.pin.is_none() {
                let given = match cond {
                    Some(v) => format!(" (with the values given it is {v})"),
                    None => String::new(),
                };
                self.sh
                    .conditional
                    .borrow_mut()
                    .push(crate::ir::Conditional {
                        scope: sc.loc(span_of(expr)),
                        at: sc.loc(span_of(&c.cond_expr)),
                        when: format!("deployed only when `{text}` is {b}{given}"),
                    });
            }
            if cond.is_none() || cond == Some(b) || reads.is_empty() {
                return each(sc, expr);
            }
            let base = self.sh.overrides.borrow().len();
            for (path, var) in &reads {
                let why = Why::input(format!("`var.{var}` as set so that `{text}` is {b}"));
                self.sh
                    .overrides
                    .borrow_mut()
                    .push((format!("{path}{var}"), unknown(why, loc)));
            }
            let d = each(sc, expr);
            self.sh.overrides.borrow_mut().truncate(base);
            d
        };
        choice(
            vec![branch(&c.true_expr, true), branch(&c.false_expr, false)],
            loc,
        )
    }

    /// `var.NAME.ATTR…`: the variable, unless a conditional's branch overrides it (or a part
    /// of it); read while a condition is evaluated, recorded when a caller can change it.
    pub(super) fn var_traversal(&self, name: &str, attrs: &[&str], loc: Loc) -> (Doc, usize) {
        let mut rel = name.to_string();
        let mut ids = vec![format!("{}{rel}", self.path)];
        for a in attrs {
            rel = format!("{rel}.{a}");
            ids.push(format!("{}{rel}", self.path));
        }
        let inside = format!("{}{rel}.", self.path);
        let over: Vec<(String, Doc)> = self
            .sh
            .overrides
            .borrow()
            .iter()
            .filter(|(k, _)| ids.contains(k) || k.starts_with(&inside))
            .cloned()
            .collect();
        // The whole value read, or a prefix of it, is overridden.
        for (k, d) in &over {
            if let Some(i) = ids.iter().position(|id| id == k) {
                self.sh.tainted.set(true);
                return (d.clone(), i + 1);
            }
        }
        let was = self.sh.tainted.replace(false);
        let mut v = self.var(name, loc);
        let tainted = self.sh.tainted.get();
        self.sh.tainted.set(was || tainted);
        if tainted && self.sh.recording.get() > 0 {
            self.sh
                .cond_reads
                .borrow_mut()
                .push((self.path.clone(), rel));
        }
        // Attributes inside the value read are overridden: replace them in it.
        let base = format!("{}{name}.", self.path);
        for (k, d) in &over {
            if let Some(rest) = k.strip_prefix(&base) {
                let path: Vec<&str> = rest.split('.').collect();
                v = replace_at(v, &path, d);
            }
        }
        (v, 1)
    }
}

/// `d` with the value at attribute path `path` replaced by `with` (where it exists).
fn replace_at(mut d: Doc, path: &[&str], with: &Doc) -> Doc {
    let Some((first, rest)) = path.split_first() else {
        return Doc::new(with.kind.clone(), d.loc);
    };
    match &mut d.kind {
        DocKind::Map(entries) => {
            for e in entries.iter_mut().filter(|e| e.key == *first) {
                let v = std::mem::replace(&mut e.value, Doc::new(DocKind::Null, e.key_loc));
                e.value = replace_at(v, rest, with);
            }
        }
        DocKind::Choice(alts) => {
            let taken = std::mem::take(alts);
            *alts = taken
                .into_iter()
                .map(|a| replace_at(a, path, with))
                .collect();
        }
        _ => {}
    }
    d
}

/// What evaluating a value set besides the value: whether it read a variable a caller can
/// change, whether it is relative to the key's provider, and the variables it read that way.
/// A value evaluated once and reused (a module output) replays them where it is reused.
#[derive(Clone, Debug, Default)]
pub struct Effects {
    tainted: bool,
    key_relative: bool,
    reads: Vec<(String, String)>,
}

impl<'a> Module<'a> {
    /// Evaluates `f`, and returns its value with the effects it had (which stay set).
    pub(super) fn with_effects(&self, f: impl FnOnce() -> Doc) -> (Doc, Effects) {
        let sh = self.sh;
        let was_tainted = sh.tainted.replace(false);
        let was_relative = sh.key_relative.replace(false);
        let mark = sh.cond_reads.borrow().len();
        // Reads are recorded even outside a condition: a later reuse may be inside one.
        sh.recording.set(sh.recording.get() + 1);
        let d = f();
        sh.recording.set(sh.recording.get().saturating_sub(1));
        let reads = sh.cond_reads.borrow().get(mark..).unwrap_or(&[]).to_vec();
        if sh.recording.get() == 0 {
            sh.cond_reads.borrow_mut().truncate(mark);
        }
        let e = Effects {
            tainted: sh.tainted.get(),
            key_relative: sh.key_relative.get(),
            reads,
        };
        sh.tainted.set(was_tainted || e.tainted);
        sh.key_relative.set(was_relative || e.key_relative);
        (d, e)
    }

    /// Sets again the effects a reused value had when it was evaluated.
    pub(super) fn replay(&self, e: &Effects) {
        let sh = self.sh;
        if e.tainted {
            sh.tainted.set(true);
        }
        if e.key_relative {
            sh.key_relative.set(true);
        }
        if sh.recording.get() > 0 {
            sh.cond_reads.borrow_mut().extend(e.reads.iter().cloned());
        }
    }
}
