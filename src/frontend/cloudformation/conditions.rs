//! Template `Conditions`, decided over the values a deployment can give the parameters.
//!
//! CloudFormation conditions "can only reference other conditions and values from the Parameters
//! and Mappings sections" (User Guide, condition functions), so a condition is decided as soon as
//! every parameter it reads has a finite set of deployable values (its `AllowedValues`). One that
//! reads a free parameter or a pseudo parameter (`AWS::Region`) may go either way. A branch of
//! `Fn::If` that no deployable value selects is never deployed and is not checked.
//!
//! Questions are asked under a context of conditions already fixed (the branch being evaluated,
//! the key's own resource `Condition`), so `!If [IsProd, …]` nested under `IsProd` sees only
//! `IsProd = true`, and `${Env}` there takes only the values that make `IsProd` true.

use super::intrinsics::intrinsic;
use super::parameters::{Domain, Parameters};
use crate::parse::{Node, NodeKind};
use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Most parameter combinations enumerated to decide one question; past it every condition
/// involved may go either way (over-approximating, never dropping a deployable branch).
const MAX_COMBINATIONS: usize = 4096;
/// Deepest chain of `Condition` references followed.
const MAX_CONDITION_DEPTH: usize = 32;
/// Condition functions evaluated for one template, all questions together. Past it every
/// condition may go either way: a crafted template (conditions that each refer to the previous
/// one twice) cannot make the answer take exponential time.
const MAX_WORK: usize = 2_000_000;

/// Three-valued truth: a condition that depends on a value nobody can know is `Unknown`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tri {
    True,
    False,
    Unknown,
}

impl Tri {
    fn not(self) -> Tri {
        match self {
            Tri::True => Tri::False,
            Tri::False => Tri::True,
            Tri::Unknown => Tri::Unknown,
        }
    }

    /// The truth values it allows.
    fn values(self) -> &'static [bool] {
        match self {
            Tri::True => &[true],
            Tri::False => &[false],
            Tri::Unknown => &[false, true],
        }
    }
}

/// Parameter name -> the one value it has in a combination being tried.
type Assignment<'s> = HashMap<&'s str, &'s str>;

/// Conditions already decided where a question is asked: (condition name, value).
pub type Fixed = [(String, bool)];

/// A question asked in a context: (fixed conditions, what is asked about).
type Question<T> = (Vec<(String, bool)>, T);

/// The combinations of values some conditions can take together.
type Combinations = BTreeSet<Vec<bool>>;

pub struct Logic<'a> {
    conditions: Option<&'a Node>,
    mappings: Option<&'a Node>,
    params: Parameters<'a>,
    /// Parameters each condition reads, with the conditions it refers to followed.
    reads: RefCell<HashMap<String, BTreeSet<String>>>,
    /// Answers already computed: (fixed context, condition) -> possible values.
    answers: RefCell<HashMap<Question<Vec<String>>, Combinations>>,
    /// Deployable values of a parameter already computed, by fixed context.
    values: RefCell<HashMap<Question<String>, Option<Vec<String>>>>,
    /// Condition functions evaluated so far (`MAX_WORK`).
    work: Cell<usize>,
}

impl<'a> Logic<'a> {
    pub fn new(root: &'a Node, params: Parameters<'a>) -> Self {
        Logic {
            conditions: root.get("Conditions"),
            mappings: root.get("Mappings"),
            params,
            reads: RefCell::new(HashMap::new()),
            answers: RefCell::new(HashMap::new()),
            values: RefCell::new(HashMap::new()),
            work: Cell::new(0),
        }
    }

    pub fn exists(&self, name: &str) -> bool {
        self.conditions.and_then(|c| c.get(name)).is_some()
    }

    pub fn params(&self) -> &Parameters<'a> {
        &self.params
    }

    /// The values `name` can take in a deployment consistent with `fixed`.
    pub fn possible(&self, name: &str, fixed: &Fixed) -> Vec<bool> {
        if let Some((_, v)) = fixed.iter().rev().find(|(n, _)| n == name) {
            return vec![*v];
        }
        let joint = self.joint(&[name.to_string()], fixed);
        let mut out: Vec<bool> = joint.iter().filter_map(|v| v.first().copied()).collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Every combination of values the conditions `names` can take together in a deployment
    /// consistent with `fixed` (each vector in the order of `names`).
    pub fn joint(&self, names: &[String], fixed: &Fixed) -> BTreeSet<Vec<bool>> {
        let key = (fixed.to_vec(), names.to_vec());
        if let Some(hit) = self.answers.borrow().get(&key) {
            return hit.clone();
        }
        let answer = self.enumerate(names, fixed);
        self.answers.borrow_mut().insert(key, answer.clone());
        answer
    }

    /// The deployable values of a parameter with a finite domain, given `fixed`: those for which
    /// some combination of the other parameters satisfies every fixed condition.
    pub fn values_of(&self, param: &str, fixed: &Fixed) -> Option<Vec<String>> {
        let key = (fixed.to_vec(), param.to_string());
        if let Some(hit) = self.values.borrow().get(&key) {
            return hit.clone();
        }
        let answer = self.compute_values(param, fixed);
        self.values.borrow_mut().insert(key, answer.clone());
        answer
    }

    fn compute_values(&self, param: &str, fixed: &Fixed) -> Option<Vec<String>> {
        let Domain::Finite(all) = self.params.domain(param) else {
            return None;
        };
        let relevant: BTreeSet<String> = fixed.iter().flat_map(|(n, _)| self.reads(n)).collect();
        if !relevant.contains(param) {
            return Some(all);
        }
        let mut out = Vec::new();
        for value in &all {
            let mut ok = false;
            let complete = self.for_each_assignment(&relevant, Some((param, value)), &mut |a| {
                if self.consistent(a, fixed) {
                    ok = true;
                    return true;
                }
                false
            });
            if ok || !complete {
                out.push(value.clone());
            }
        }
        Some(out)
    }

    fn enumerate(&self, names: &[String], fixed: &Fixed) -> BTreeSet<Vec<bool>> {
        let mut relevant: BTreeSet<String> = names.iter().flat_map(|n| self.reads(n)).collect();
        relevant.extend(fixed.iter().flat_map(|(n, _)| self.reads(n)));
        let mut found: BTreeSet<Vec<bool>> = BTreeSet::new();
        let complete = self.for_each_assignment(&relevant, None, &mut |a| {
            if !self.consistent(a, fixed) {
                return false;
            }
            let mut vectors: Vec<Vec<bool>> = vec![Vec::new()];
            for n in names {
                let t = match fixed.iter().rev().find(|(f, _)| f == n) {
                    Some((_, v)) => {
                        if *v {
                            Tri::True
                        } else {
                            Tri::False
                        }
                    }
                    None => self.condition(n, a, 0),
                };
                vectors = vectors
                    .into_iter()
                    .flat_map(|v| {
                        t.values().iter().map(move |b| {
                            let mut v = v.clone();
                            v.push(*b);
                            v
                        })
                    })
                    .collect();
            }
            found.extend(vectors);
            found.len() == 1 << names.len().min(16)
        });
        if !complete {
            // Too many combinations to try: every combination may happen.
            return all_vectors(names.len());
        }
        found
    }

    fn consistent(&self, a: &Assignment<'_>, fixed: &Fixed) -> bool {
        fixed.iter().all(|(n, v)| match self.condition(n, a, 0) {
            Tri::Unknown => true,
            Tri::True => *v,
            Tri::False => !*v,
        })
    }

    /// Calls `f` on every combination of the finite domains of `params` (free parameters stay
    /// unassigned), with `pin` held at one value; stops early when `f` says so. False when there
    /// were too many combinations to try.
    fn for_each_assignment(
        &self,
        params: &BTreeSet<String>,
        pin: Option<(&str, &str)>,
        f: &mut dyn FnMut(&Assignment<'_>) -> bool,
    ) -> bool {
        let domains: Vec<(String, Vec<String>)> = params
            .iter()
            .filter_map(|p| match pin {
                Some((name, value)) if name == p => Some((p.clone(), vec![value.to_string()])),
                _ => match self.params.domain(p) {
                    Domain::Finite(v) => Some((p.clone(), v)),
                    Domain::Any => None,
                },
            })
            .collect();
        let total = domains
            .iter()
            .try_fold(1usize, |acc, (_, v)| acc.checked_mul(v.len().max(1)));
        if total.is_none_or(|t| t > MAX_COMBINATIONS) {
            return false;
        }
        let mut index = vec![0usize; domains.len()];
        loop {
            if self.work.get() > MAX_WORK {
                return false;
            }
            let a: Assignment<'_> = domains
                .iter()
                .zip(&index)
                .filter_map(|((p, v), i)| v.get(*i).map(|x| (p.as_str(), x.as_str())))
                .collect();
            if f(&a) {
                return true;
            }
            // Next combination (odometer).
            let mut k = 0;
            loop {
                let Some((slot, (_, v))) = index.get_mut(k).zip(domains.get(k)) else {
                    return true;
                };
                *slot += 1;
                if *slot < v.len() {
                    break;
                }
                *slot = 0;
                k += 1;
            }
        }
    }

    /// When a condition has a value, in words: "condition `IsPublic` is true (`Mode` =
    /// `public`)", naming the parameter values that give it.
    pub fn describe(&self, name: &str, value: bool) -> String {
        let fixed = [(name.to_string(), value)];
        let mut values = Vec::new();
        for p in self.reads(name) {
            let Domain::Finite(all) = self.params.domain(&p) else {
                continue;
            };
            let Some(some) = self.values_of(&p, &fixed) else {
                continue;
            };
            if some.is_empty() || some.len() == all.len() {
                continue;
            }
            let shown: Vec<String> = some.iter().take(4).map(|v| format!("`{v}`")).collect();
            let more = if some.len() > 4 { ", …" } else { "" };
            let op = if some.len() == 1 { "=" } else { "in" };
            values.push(format!("`{p}` {op} {}{more}", shown.join(", ")));
        }
        let base = format!("condition `{name}` is {value}");
        if values.is_empty() {
            base
        } else {
            format!("{base} ({})", values.join("; "))
        }
    }

    /// Parameters a condition reads, following the conditions it refers to.
    fn reads(&self, name: &str) -> BTreeSet<String> {
        if let Some(hit) = self.reads.borrow().get(name) {
            return hit.clone();
        }
        let mut out = BTreeSet::new();
        let mut seen = BTreeSet::new();
        self.collect_reads(name, &mut out, &mut seen);
        self.reads
            .borrow_mut()
            .insert(name.to_string(), out.clone());
        out
    }

    fn collect_reads(&self, name: &str, out: &mut BTreeSet<String>, seen: &mut BTreeSet<String>) {
        if !seen.insert(name.to_string()) || seen.len() > 10_000 {
            return;
        }
        let Some(node) = self.conditions.and_then(|c| c.get(name)) else {
            return;
        };
        let mut stack = vec![node];
        while let Some(n) = stack.pop() {
            match intrinsic(n) {
                Some(("Ref", arg)) => {
                    if let Some(p) = arg.as_str().filter(|p| self.params.exists(p)) {
                        out.insert(p.to_string());
                    }
                }
                Some(("Condition", arg)) => {
                    if let Some(c) = arg.as_str() {
                        self.collect_reads(c, out, seen);
                    }
                }
                _ => {
                    if let Some(c) = condition_ref(n) {
                        self.collect_reads(c, out, seen);
                    }
                }
            }
            match &n.kind {
                NodeKind::Seq(items) => stack.extend(items),
                NodeKind::Map(entries) => stack.extend(entries.iter().map(|e| &e.value)),
                _ => {}
            }
        }
    }

    /// A named condition's value under one assignment.
    fn condition(&self, name: &str, a: &Assignment<'_>, depth: usize) -> Tri {
        match self.conditions.and_then(|c| c.get(name)) {
            Some(node) if depth < MAX_CONDITION_DEPTH => self.expr(node, a, depth + 1),
            _ => Tri::Unknown,
        }
    }

    fn expr(&self, node: &Node, a: &Assignment<'_>, depth: usize) -> Tri {
        let work = self.work.get() + 1;
        self.work.set(work);
        if depth > MAX_CONDITION_DEPTH || work > MAX_WORK {
            return Tri::Unknown;
        }
        if let Some(c) = condition_ref(node) {
            return self.condition(c, a, depth + 1);
        }
        let Some((name, arg)) = intrinsic(node) else {
            return match node.as_str() {
                Some("true") => Tri::True,
                Some("false") => Tri::False,
                _ => Tri::Unknown,
            };
        };
        let items = arg.items();
        match name {
            "Condition" => arg
                .as_str()
                .map_or(Tri::Unknown, |c| self.condition(c, a, depth + 1)),
            "Fn::Not" => items
                .first()
                .map_or(Tri::Unknown, |c| self.expr(c, a, depth + 1).not()),
            "Fn::And" => items.iter().fold(Tri::True, |acc, c| {
                match (acc, self.expr(c, a, depth + 1)) {
                    (Tri::False, _) | (_, Tri::False) => Tri::False,
                    (Tri::Unknown, _) | (_, Tri::Unknown) => Tri::Unknown,
                    _ => Tri::True,
                }
            }),
            "Fn::Or" => items.iter().fold(Tri::False, |acc, c| {
                match (acc, self.expr(c, a, depth + 1)) {
                    (Tri::True, _) | (_, Tri::True) => Tri::True,
                    (Tri::Unknown, _) | (_, Tri::Unknown) => Tri::Unknown,
                    _ => Tri::False,
                }
            }),
            "Fn::Equals" => match items {
                [x, y] => match (self.operand(x, a, depth), self.operand(y, a, depth)) {
                    (Some(x), Some(y)) => {
                        if x == y {
                            Tri::True
                        } else {
                            Tri::False
                        }
                    }
                    _ => Tri::Unknown,
                },
                _ => Tri::Unknown,
            },
            _ => Tri::Unknown,
        }
    }

    /// The text of a `Fn::Equals` operand under an assignment, when it is fixed.
    fn operand(&self, node: &Node, a: &Assignment<'_>, depth: usize) -> Option<String> {
        match intrinsic(node) {
            None => node.as_str().map(str::to_string),
            Some(("Ref", arg)) => {
                let name = arg.as_str()?;
                a.get(name).map(|v| (*v).to_string())
            }
            Some(("Fn::FindInMap", arg)) if depth < MAX_CONDITION_DEPTH => {
                let items = arg.items();
                let map = self.mappings?.get(items.first()?.as_str()?)?;
                let top = self.operand(items.get(1)?, a, depth + 1)?;
                let second = self.operand(items.get(2)?, a, depth + 1)?;
                map.get(&top)?.get(&second)?.as_str().map(str::to_string)
            }
            _ => None,
        }
    }
}

/// `{"Condition": "Name"}` as written inside `Fn::And`/`Fn::Or`/`Fn::Not`.
fn condition_ref(node: &Node) -> Option<&str> {
    match node.entries() {
        [e] if e.key == "Condition" => e.value.as_str(),
        _ => None,
    }
}

fn all_vectors(n: usize) -> BTreeSet<Vec<bool>> {
    let n = n.min(16);
    (0..1u32 << n)
        .map(|bits| (0..n).map(|i| bits & (1 << i) != 0).collect())
        .collect()
}

/// The `Fn::If` conditions a subtree uses, in document order (repeats kept).
pub fn if_conditions(node: &Node, out: &mut Vec<String>) {
    let mut stack = vec![node];
    while let Some(n) = stack.pop() {
        if out.len() > 64 {
            return;
        }
        if let Some(("Fn::If", arg)) = intrinsic(n) {
            if let Some(c) = arg.items().first().and_then(Node::as_str) {
                out.push(c.to_string());
            }
        }
        match &n.kind {
            NodeKind::Seq(items) => stack.extend(items.iter().rev()),
            NodeKind::Map(entries) => stack.extend(entries.iter().rev().map(|e| &e.value)),
            _ => {}
        }
    }
}

/// Counts of each name (to see whether a condition is used twice).
pub fn repeats(names: &[String]) -> bool {
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    for n in names {
        *seen.entry(n).or_default() += 1;
    }
    seen.values().any(|c| *c > 1)
}

pub fn full_product(found: &BTreeSet<Vec<bool>>, n: usize) -> bool {
    n <= 16 && found.len() == 1 << n
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;
    use crate::parse::yaml::parse_yaml;

    const TEMPLATE: &str = "
Parameters:
  Env: {Type: String, AllowedValues: [prod, dev, test], Default: dev}
  Free: {Type: String, Default: x}
Mappings:
  M:
    prod: {Open: 'yes'}
    dev: {Open: 'no'}
    test: {Open: 'no'}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
  IsDev: !Equals [dev, !Ref Env]
  ProdOrDev: !Or [!Condition IsProd, {Condition: IsDev}]
  Never: !And [!Condition IsProd, !Condition IsDev]
  NotProd: !Not [!Condition IsProd]
  Open: !Equals [!FindInMap [M, !Ref Env, Open], 'yes']
  InRegion: !Equals [!Ref 'AWS::Region', eu-west-1]
  FreeX: !Equals [!Ref Free, x]
";

    fn with<R>(f: impl FnOnce(&Logic<'_>) -> R) -> R {
        let root = parse_yaml(TEMPLATE).unwrap();
        let params = Parameters::new(&root, HashMap::new());
        let logic = Logic::new(&root, params);
        f(&logic)
    }

    #[test]
    fn conditions_are_decided_over_allowed_values() {
        with(|l| {
            assert_eq!(l.possible("IsProd", &[]), [false, true]);
            assert_eq!(l.possible("Never", &[]), [false]);
            assert_eq!(l.possible("ProdOrDev", &[]), [false, true]);
            assert_eq!(l.possible("Open", &[]), [false, true]);
            // A pseudo parameter or a parameter without AllowedValues: either way.
            assert_eq!(l.possible("InRegion", &[]), [false, true]);
            assert_eq!(l.possible("FreeX", &[]), [false, true]);
            // An undeclared condition: either way.
            assert_eq!(l.possible("Nope", &[]), [false, true]);
        });
    }

    #[test]
    fn a_fixed_condition_constrains_the_others_and_the_values() {
        with(|l| {
            let prod = [("IsProd".to_string(), true)];
            assert_eq!(l.possible("IsDev", &prod), [false]);
            assert_eq!(l.possible("NotProd", &prod), [false]);
            assert_eq!(l.possible("Open", &prod), [true]);
            assert_eq!(l.values_of("Env", &prod), Some(vec!["prod".to_string()]));
            let not_prod = [("IsProd".to_string(), false)];
            assert_eq!(
                l.values_of("Env", &not_prod),
                Some(vec!["dev".to_string(), "test".to_string()])
            );
            assert_eq!(l.values_of("Free", &prod), None);
            let joint = l.joint(&["IsProd".into(), "IsDev".into()], &[]);
            assert!(!joint.contains(&vec![true, true]));
            assert!(!full_product(&joint, 2));
            assert_eq!(
                l.describe("IsProd", false),
                "condition `IsProd` is false (`Env` in `dev`, `test`)"
            );
            assert_eq!(l.describe("InRegion", true), "condition `InRegion` is true");
        });
    }

    #[test]
    fn a_chain_of_conditions_that_doubles_stays_bounded() {
        let mut t = String::from(
            "Parameters:\n  P: {Type: String, AllowedValues: [a, b]}\nConditions:\n  C0: !Equals [!Ref P, a]\n",
        );
        for i in 1..40 {
            t.push_str(&format!(
                "  C{i}: !And [!Condition C{p}, !Not [!Condition C{p}]]\n",
                p = i - 1
            ));
        }
        let root = parse_yaml(&t).unwrap();
        let logic = Logic::new(&root, Parameters::new(&root, HashMap::new()));
        let started = std::time::Instant::now();
        let got = logic.possible("C39", &[]);
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
        // Cut off: may go either way (never a branch dropped on a guess).
        assert!(got.contains(&true) || got == [false]);
    }

    #[test]
    fn if_conditions_are_listed_with_repeats() {
        let node = parse_yaml("a: !If [C, !If [C, x, y], !If [D, z, w]]").unwrap();
        let mut names = Vec::new();
        if_conditions(&node, &mut names);
        assert_eq!(names, ["C", "C", "D"]);
        assert!(repeats(&names));
        assert!(!repeats(&names[1..]));
    }
}
