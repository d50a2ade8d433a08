//! Collection and type functions: element, index, lookup, concat, flatten, distinct, compact,
//! merge, keys, values, zipmap, contains, length, one, sort, slice, reverse, coalesce,
//! coalescelist, toset, tolist, tomap, tonumber, tobool, setunion, setintersection,
//! setsubtract, sum, max, min, range, alltrue, anytrue, chunklist, matchkeys, transpose,
//! setproduct.

use super::{items, list_doc, number, str_doc, string, whole, Bad, MAX_DISTINCT, R};
use crate::base::source::Loc;
use crate::frontend::terraform::eval::{lit, why_unknown, Module};
use crate::frontend::terraform::ops::{equal, fmt_num};
use crate::frontend::terraform::types::set_order;
use crate::ir::{Doc, DocEntry, DocKind, Why};
use std::collections::BTreeMap;

fn map_entries(d: &Doc) -> Result<&[DocEntry], Bad> {
    match &d.kind {
        DocKind::Map(e) => Ok(e),
        DocKind::Unknown(w) => Err(Bad::Unknown(w.clone())),
        _ => Err(Bad::Fault("not a map".into())),
    }
}

fn sorted(entries: &[DocEntry]) -> Vec<&DocEntry> {
    let mut es: Vec<&DocEntry> = entries.iter().collect();
    es.sort_by(|a, b| a.key.cmp(&b.key));
    es
}

fn contains(list: &[Doc], x: &Doc) -> Result<bool, Bad> {
    let mut unknown = None;
    for it in list {
        match equal(it, x) {
            Some(true) => return Ok(true),
            Some(false) => {}
            None => unknown = why_unknown(it).or_else(|| why_unknown(x)),
        }
    }
    match unknown {
        Some(w) => Err(Bad::Unknown(w)),
        None => Ok(false),
    }
}

fn guard(n: usize) -> Result<(), Bad> {
    if n > MAX_DISTINCT {
        return Err(Bad::Unknown(Why::unsupported(format!(
            "a list of more than {MAX_DISTINCT} elements"
        ))));
    }
    Ok(())
}

pub(super) fn apply(m: &Module<'_>, name: &str, a: &[Doc], loc: Loc) -> R {
    let null = || Doc::new(DocKind::Null, loc);
    match (name, a) {
        ("length", [x]) => match &x.kind {
            DocKind::List(items) => Ok(str_doc(items.len().to_string(), loc)),
            DocKind::Map(es) => Ok(str_doc(es.len().to_string(), loc)),
            _ => string(x).map(|s| str_doc(s.chars().count().to_string(), loc)),
        },
        ("element", [l, i]) => {
            let l = items(l)?;
            let i = number(i)?;
            if i < 0.0 {
                return Err(Bad::Fault("a negative index".into()));
            }
            if l.is_empty() {
                return Err(Bad::Fault("an empty list".into()));
            }
            Ok(l[(i as usize) % l.len()].clone())
        }
        ("index", [l, x]) => {
            let l = items(l)?;
            for (i, it) in l.iter().enumerate() {
                if equal(it, x) == Some(true) {
                    return Ok(str_doc(i.to_string(), loc));
                }
            }
            Err(Bad::Fault("the item is not in the list".into()))
        }
        ("lookup", [m, k, rest @ ..]) if rest.len() <= 1 => {
            let es = map_entries(m)?;
            let k = string(k)?;
            match es.iter().rev().find(|e| e.key == k) {
                Some(e) => Ok(e.value.clone()),
                None => match rest.first() {
                    Some(d) => Ok(d.clone()),
                    None => Err(Bad::Fault(format!("no key `{k}`"))),
                },
            }
        }
        ("concat", _) => {
            let mut out = Vec::new();
            for l in a {
                out.extend(items(l)?.iter().cloned());
            }
            Ok(list_doc(out, loc))
        }
        ("flatten", [l]) => {
            fn flat(d: &Doc, out: &mut Vec<Doc>) -> Result<(), Bad> {
                match &d.kind {
                    DocKind::List(items) => items.iter().try_for_each(|i| flat(i, out)),
                    DocKind::Unknown(w) => Err(Bad::Unknown(w.clone())),
                    _ => {
                        out.push(d.clone());
                        Ok(())
                    }
                }
            }
            let mut out = Vec::new();
            items(l)?.iter().try_for_each(|i| flat(i, &mut out))?;
            Ok(list_doc(out, loc))
        }
        ("distinct", [l]) => {
            let l = items(l)?;
            guard(l.len())?;
            let mut out: Vec<Doc> = Vec::new();
            for it in l {
                if !contains(&out, it).unwrap_or(false) {
                    out.push(it.clone());
                }
            }
            Ok(list_doc(out, loc))
        }
        ("compact", [l]) => Ok(list_doc(
            items(l)?
                .iter()
                .filter(|d| !matches!(d.kind, DocKind::Null) && lit(d) != Some(""))
                .cloned()
                .collect(),
            loc,
        )),
        ("merge", _) => {
            let mut out: Vec<DocEntry> = Vec::new();
            for m in a {
                if matches!(m.kind, DocKind::Null) {
                    continue;
                }
                for e in map_entries(m)? {
                    out.retain(|x| x.key != e.key);
                    out.push(e.clone());
                }
            }
            out.sort_by(|x, y| x.key.cmp(&y.key));
            Ok(Doc::new(DocKind::Map(out), loc))
        }
        ("keys", [m]) => Ok(list_doc(
            sorted(map_entries(m)?)
                .into_iter()
                .map(|e| str_doc(e.key.clone(), e.key_loc))
                .collect(),
            loc,
        )),
        ("values", [m]) => Ok(list_doc(
            sorted(map_entries(m)?)
                .into_iter()
                .map(|e| e.value.clone())
                .collect(),
            loc,
        )),
        ("zipmap", [k, v]) => {
            let (k, v) = (items(k)?, items(v)?);
            if k.len() != v.len() {
                return Err(Bad::Fault("lists of different lengths".into()));
            }
            let mut out: Vec<DocEntry> = Vec::new();
            for (kd, vd) in k.iter().zip(v) {
                let key = string(kd)?;
                out.retain(|e| e.key != key);
                out.push(DocEntry {
                    key,
                    key_loc: kd.loc,
                    value: vd.clone(),
                });
            }
            out.sort_by(|x, y| x.key.cmp(&y.key));
            Ok(Doc::new(DocKind::Map(out), loc))
        }
        ("contains", [l, x]) => {
            let l = items(l)?;
            contains(l, x).map(|b| str_doc(b.to_string(), loc))
        }
        ("one", [l]) => {
            let l = items(l)?;
            match l {
                [] => Ok(null()),
                [x] => Ok(x.clone()),
                _ => Err(Bad::Fault("more than one element".into())),
            }
        }
        ("sort", [l]) => {
            let mut ss = Vec::new();
            for it in items(l)? {
                ss.push((string(it)?, it.loc));
            }
            ss.sort_by(|x, y| x.0.cmp(&y.0));
            Ok(list_doc(
                ss.into_iter().map(|(s, l)| str_doc(s, l)).collect(),
                loc,
            ))
        }
        ("reverse", [l]) => Ok(list_doc(items(l)?.iter().rev().cloned().collect(), loc)),
        ("slice", [l, s, e]) => {
            let l = items(l)?;
            let (s, e) = (number(s)? as usize, number(e)? as usize);
            match l.get(s..e) {
                Some(part) if s <= e => Ok(list_doc(part.to_vec(), loc)),
                _ => Err(Bad::Fault("indexes out of range".into())),
            }
        }
        ("coalesce", _) => {
            for d in a {
                match &d.kind {
                    DocKind::Null => continue,
                    _ if lit(d) == Some("") => continue,
                    DocKind::Unknown(w) => return Err(Bad::Unknown(w.clone())),
                    _ => return Ok(d.clone()),
                }
            }
            Err(Bad::Fault("no non-null, non-empty argument".into()))
        }
        ("coalescelist", _) => {
            for d in a {
                match &d.kind {
                    DocKind::Null => continue,
                    DocKind::List(items) if items.is_empty() => continue,
                    DocKind::List(_) => return Ok(d.clone()),
                    DocKind::Unknown(w) => return Err(Bad::Unknown(w.clone())),
                    _ => return Err(Bad::Fault("arguments must be lists".into())),
                }
            }
            Err(Bad::Fault("no non-empty list".into()))
        }
        ("toset", [l]) => {
            let l = items(l)?;
            guard(l.len())?;
            Ok(list_doc(set_order(l.to_vec()), loc))
        }
        ("tolist", [l]) => Ok(list_doc(items(l)?.to_vec(), loc)),
        ("tomap", [m]) => map_entries(m).map(|_| m.clone()),
        ("tonumber", [x]) => {
            if matches!(x.kind, DocKind::Null) {
                return Ok(null());
            }
            number(x).map(|n| str_doc(fmt_num(n), loc))
        }
        ("tobool", [x]) => match string(x)?.as_str() {
            b @ ("true" | "false") => Ok(str_doc(b, loc)),
            _ => Err(Bad::Fault("not a bool".into())),
        },
        ("setunion" | "setintersection" | "setsubtract", [first, rest @ ..]) => {
            let mut acc: Vec<Doc> = items(first)?.to_vec();
            for other in rest {
                let o = items(other)?;
                guard(acc.len() + o.len())?;
                acc = match name {
                    "setunion" => acc.into_iter().chain(o.iter().cloned()).collect(),
                    "setintersection" => acc
                        .into_iter()
                        .filter(|x| contains(o, x).unwrap_or(true))
                        .collect(),
                    _ => acc
                        .into_iter()
                        .filter(|x| !contains(o, x).unwrap_or(false))
                        .collect(),
                };
            }
            Ok(list_doc(set_order(acc), loc))
        }
        ("sum", [l]) => {
            let l = items(l)?;
            if l.is_empty() {
                return Err(Bad::Fault("cannot sum an empty list".into()));
            }
            let mut t = 0.0;
            for it in l {
                t += number(it)?;
            }
            Ok(str_doc(fmt_num(t), loc))
        }
        ("max" | "min", []) => Err(Bad::Fault("must pass at least one number".into())),
        ("max" | "min", _) => {
            let mut best: Option<f64> = None;
            for d in a {
                let n = number(d)?;
                best = Some(match best {
                    Some(b) if (name == "max") == (b >= n) => b,
                    _ => n,
                });
            }
            Ok(str_doc(fmt_num(best.unwrap_or(0.0)), loc))
        }
        ("range", _) if (1..=3).contains(&a.len()) => {
            let ns: Result<Vec<f64>, Bad> = a.iter().map(number).collect();
            let ns = ns?;
            let (start, end, step) = match ns.as_slice() {
                [e] => (0.0, *e, 1.0),
                [s, e] => (*s, *e, if e >= s { 1.0 } else { -1.0 }),
                [s, e, st] => (*s, *e, *st),
                _ => (0.0, 0.0, 1.0),
            };
            if step == 0.0 {
                return Err(Bad::Fault("step 0".into()));
            }
            let mut out = Vec::new();
            let mut x = start;
            while (step > 0.0 && x < end) || (step < 0.0 && x > end) {
                out.push(str_doc(fmt_num(x), loc));
                guard(out.len())?;
                x += step;
            }
            Ok(list_doc(out, loc))
        }
        ("alltrue" | "anytrue", [l]) => {
            // hashicorp/terraform collection.go: a null element is false; an unknown one makes
            // the result unknown unless another element already decides it.
            let all = name == "alltrue";
            let mut unknown = None;
            for it in items(l)? {
                if matches!(it.kind, DocKind::Null) {
                    if all {
                        return Ok(str_doc("false", loc));
                    }
                    continue;
                }
                if let Some(w) = why_unknown(it) {
                    unknown = Some(w);
                    continue;
                }
                match string(it)?.as_str() {
                    "true" if !all => return Ok(str_doc("true", loc)),
                    "false" if all => return Ok(str_doc("false", loc)),
                    "true" | "false" => {}
                    _ => return Err(Bad::Fault("not a list of bools".into())),
                }
            }
            match unknown {
                Some(w) => Err(Bad::Unknown(w)),
                None => Ok(str_doc(all.to_string(), loc)),
            }
        }
        ("chunklist", [l, size]) => {
            let l = items(l)?;
            let size = whole(number(size)?, "invalid size: value")?;
            if size < 0.0 {
                return Err(Bad::Fault("the size argument must be positive".into()));
            }
            if l.is_empty() {
                return Ok(list_doc(Vec::new(), loc));
            }
            if size == 0.0 {
                return Ok(list_doc(vec![list_doc(l.to_vec(), loc)], loc));
            }
            Ok(list_doc(
                l.chunks(size as usize)
                    .map(|c| list_doc(c.to_vec(), loc))
                    .collect(),
                loc,
            ))
        }
        ("matchkeys", [vals, ks, search]) => {
            let (vals, ks, search) = (items(vals)?, items(ks)?, items(search)?);
            if vals.len() != ks.len() {
                return Err(Bad::Fault(
                    "length of keys and values should be equal".into(),
                ));
            }
            guard(ks.len())?;
            guard(search.len())?;
            // Each key is compared with each searched value: the pairs count as steps.
            m.charge(ks.len().saturating_mul(search.len()), loc)?;
            let mut out = Vec::new();
            for (v, k) in vals.iter().zip(ks) {
                if contains(search, k)? {
                    out.push(v.clone());
                }
            }
            Ok(list_doc(out, loc))
        }
        ("transpose", [x]) => {
            let mut out: BTreeMap<String, DocEntry> = BTreeMap::new();
            for e in map_entries(x)? {
                if matches!(e.value.kind, DocKind::Null) {
                    return Err(Bad::Fault("input must not contain null list".into()));
                }
                for v in items(&e.value)? {
                    if matches!(v.kind, DocKind::Null) {
                        return Err(Bad::Fault("input list must not contain null string".into()));
                    }
                    let key = string(v)?;
                    let inner = str_doc(e.key.clone(), e.key_loc);
                    match out.get_mut(&key) {
                        Some(o) => {
                            if let DocKind::List(l) = &mut o.value.kind {
                                guard(l.len())?;
                                l.push(inner);
                            }
                        }
                        None => {
                            let e = DocEntry {
                                key: key.clone(),
                                key_loc: v.loc,
                                value: list_doc(vec![inner], loc),
                            };
                            out.insert(key, e);
                        }
                    }
                }
            }
            let mut out: Vec<DocEntry> = out.into_values().collect();
            for o in &mut out {
                if let DocKind::List(l) = &mut o.value.kind {
                    l.sort_by(|x, y| lit(x).cmp(&lit(y)));
                }
            }
            Ok(Doc::new(DocKind::Map(out), loc))
        }
        ("setproduct", _) if a.len() >= 2 => {
            let lists: Vec<&[Doc]> = a.iter().map(items).collect::<Result<_, _>>()?;
            let total = lists
                .iter()
                .try_fold(1usize, |t, l| t.checked_mul(l.len()))
                .unwrap_or(usize::MAX);
            guard(total.saturating_mul(a.len()))?;
            let mut out: Vec<Vec<Doc>> = vec![Vec::new()];
            for l in &lists {
                out = out
                    .into_iter()
                    .flat_map(|row| {
                        l.iter().map(move |x| {
                            let mut r = row.clone();
                            r.push(x.clone());
                            r
                        })
                    })
                    .collect();
            }
            Ok(list_doc(
                out.into_iter().map(|r| list_doc(r, loc)).collect(),
                loc,
            ))
        }
        ("setproduct", _) => Err(Bad::Fault("at least two arguments are required".into())),
        _ => Err(Bad::NoSuch),
    }
}
