//! String functions: format, formatlist, join, split, replace, trim*, lower, upper, substr,
//! chomp, startswith, endswith, tostring.

use super::{items, list_doc, str_doc, string, value, Bad, R};
use crate::base::source::Loc;
use crate::ir::{Doc, DocKind, Part, Value};

pub(super) fn apply(name: &str, a: &[Doc], loc: Loc) -> R {
    let s = |i: usize| {
        a.get(i)
            .map_or(Err(Bad::Fault("missing argument".into())), string)
    };
    let one = |f: &dyn Fn(String) -> String| -> R { Ok(str_doc(f(s(0)?), loc)) };
    match (name, a.len()) {
        ("format", n) if n >= 1 => format_doc(a, loc),
        ("formatlist", n) if n >= 1 => formatlist(a, loc),
        ("join", n) if n >= 2 => join(a, loc),
        ("split", 2) => {
            let (sep, text) = (s(0)?, s(1)?);
            let parts: Vec<Doc> = if sep.is_empty() {
                text.chars().map(|c| str_doc(c.to_string(), loc)).collect()
            } else {
                text.split(sep.as_str()).map(|p| str_doc(p, loc)).collect()
            };
            Ok(list_doc(parts, loc))
        }
        ("replace", 3) => replace(&s(0)?, &s(1)?, &s(2)?).map(|r| str_doc(r, loc)),
        ("lower", 1) => one(&|x| x.to_lowercase()),
        ("upper", 1) => one(&|x| x.to_uppercase()),
        ("trimspace", 1) => one(&|x| x.trim().to_string()),
        ("chomp", 1) => one(&|x| x.trim_end_matches(['\n', '\r']).to_string()),
        ("strrev", 1) => one(&|x| x.chars().rev().collect()),
        ("title", 1) => one(&|x| {
            let mut out = String::new();
            let mut start = true;
            for c in x.chars() {
                if start && c.is_alphabetic() {
                    out.extend(c.to_uppercase());
                } else {
                    out.push(c);
                }
                start = !c.is_alphanumeric();
            }
            out
        }),
        ("trimprefix", 2) => {
            let (x, p) = (s(0)?, s(1)?);
            Ok(str_doc(x.strip_prefix(p.as_str()).unwrap_or(&x), loc))
        }
        ("trimsuffix", 2) => {
            let (x, p) = (s(0)?, s(1)?);
            Ok(str_doc(x.strip_suffix(p.as_str()).unwrap_or(&x), loc))
        }
        ("trim", 2) => {
            let (x, cut) = (s(0)?, s(1)?);
            Ok(str_doc(x.trim_matches(|c| cut.contains(c)), loc))
        }
        ("startswith", 2) => Ok(str_doc(s(0)?.starts_with(&s(1)?).to_string(), loc)),
        ("endswith", 2) => Ok(str_doc(s(0)?.ends_with(&s(1)?).to_string(), loc)),
        ("substr", 3) => {
            let x = s(0)?;
            let off = super::number(&a[1])? as i64;
            let len = super::number(&a[2])? as i64;
            Ok(str_doc(substr(&x, off, len)?, loc))
        }
        ("tostring", 1) => match &a[0].kind {
            DocKind::Scalar(_) | DocKind::Null | DocKind::Unknown(_) => Ok(a[0].clone()),
            _ => Err(Bad::Fault(
                "only a primitive value converts to a string".into(),
            )),
        },
        _ => Err(Bad::NoSuch),
    }
}

/// `substr` counts characters; a negative offset counts from the end, a length of -1 (or past
/// the end) takes the rest.
fn substr(x: &str, off: i64, len: i64) -> Result<String, Bad> {
    let chars: Vec<char> = x.chars().collect();
    let n = chars.len() as i64;
    let start = if off < 0 { n + off } else { off };
    if start < 0 || start > n {
        return Err(Bad::Fault("offset out of range".into()));
    }
    let end = if len < 0 { n } else { (start + len).min(n) };
    Ok(chars
        .get(start as usize..end.max(start) as usize)
        .map(|c| c.iter().collect())
        .unwrap_or_default())
}

/// `replace(string, search, replacement)`: `search` in slashes is an RE2 regular expression
/// (`$1` refers to a group); otherwise every occurrence is replaced.
pub(super) fn replace(x: &str, search: &str, with: &str) -> Result<String, Bad> {
    if search.len() > 1 && search.starts_with('/') && search.ends_with('/') {
        let re = super::re2::compile(search.get(1..search.len() - 1).unwrap_or_default())?;
        return Ok(re.replace_all(x, with).into_owned());
    }
    if search.is_empty() {
        return Ok(x.to_string());
    }
    Ok(x.replace(search, with))
}

fn join(a: &[Doc], loc: Loc) -> R {
    let sep = string(&a[0])?;
    let mut v = Value::default();
    let mut first = true;
    for list in &a[1..] {
        for it in items(list)? {
            if !first {
                v.push(Part::Lit(sep.clone()));
            }
            first = false;
            v.append(value(it)?);
        }
    }
    Ok(Doc::scalar(v, loc))
}

fn formatlist(a: &[Doc], loc: Loc) -> R {
    let mut n: Option<usize> = None;
    for d in &a[1..] {
        if let DocKind::List(items) = &d.kind {
            match n {
                Some(m) if m != items.len() => {
                    return Err(Bad::Fault("lists of different lengths".into()))
                }
                _ => n = Some(items.len()),
            }
        } else if let DocKind::Unknown(w) = &d.kind {
            return Err(Bad::Unknown(w.clone()));
        }
    }
    let n = n.unwrap_or(1);
    let mut out = Vec::new();
    for i in 0..n {
        let mut row = vec![a[0].clone()];
        for d in &a[1..] {
            row.push(match &d.kind {
                DocKind::List(items) => items
                    .get(i)
                    .cloned()
                    .unwrap_or(Doc::new(DocKind::Null, loc)),
                _ => d.clone(),
            });
        }
        out.push(format_doc(&row, loc)?);
    }
    Ok(list_doc(out, loc))
}

/// `format(spec, args...)` with Terraform's verbs: `%s %v %#v %d %f %t %q %%`, widths,
/// precisions and the `-`/`0` flags.
pub(super) fn format_doc(a: &[Doc], loc: Loc) -> R {
    let spec = string(&a[0])?;
    let args = &a[1..];
    // go-cty's format: `%[n]` picks argument n (1-based); the next verb without one takes n+1.
    let mut next_arg = 1usize;
    let mut highest = 0usize;
    let mut v = Value::default();
    let mut chars = spec.chars().peekable();
    let mut lit = String::new();
    while let Some(c) = chars.next() {
        if c != '%' {
            lit.push(c);
            continue;
        }
        if chars.peek() == Some(&'%') {
            chars.next();
            lit.push('%');
            continue;
        }
        let mut flags = String::new();
        while let Some(&f) = chars.peek().filter(|c| "-+# 0".contains(**c)) {
            flags.push(f);
            chars.next();
        }
        let mut width = String::new();
        while let Some(&d) = chars.peek().filter(|c| c.is_ascii_digit()) {
            width.push(d);
            chars.next();
        }
        let mut prec: Option<usize> = None;
        if chars.peek() == Some(&'.') {
            chars.next();
            let mut p = String::new();
            while let Some(&d) = chars.peek().filter(|c| c.is_ascii_digit()) {
                p.push(d);
                chars.next();
            }
            prec = Some(p.parse().unwrap_or(0));
        }
        let mut arg_num = next_arg;
        if chars.peek() == Some(&'[') {
            chars.next();
            let mut n = String::new();
            while let Some(&d) = chars.peek().filter(|c| c.is_ascii_digit()) {
                n.push(d);
                chars.next();
            }
            if chars.next() != Some(']') || n.starts_with('0') || n.is_empty() || n.len() > 6 {
                return Err(Bad::Fault(
                    "invalid format string: a bad argument index".into(),
                ));
            }
            arg_num = n.parse().unwrap_or(0);
        }
        let verb = chars
            .next()
            .ok_or_else(|| Bad::Fault("a lone % at the end".into()))?;
        if !verb.is_ascii_alphabetic() {
            return Err(Bad::Fault(format!(
                "unrecognized format character {verb:?}"
            )));
        }
        let arg = args.get(arg_num.wrapping_sub(1)).ok_or_else(|| {
            Bad::Fault(format!(
                "not enough arguments for the format: need index {arg_num} but have {} total",
                args.len()
            ))
        })?;
        next_arg = arg_num + 1;
        highest = highest.max(arg_num);
        v.push(Part::Lit(std::mem::take(&mut lit)));
        let width: usize = width.parse().unwrap_or(0);
        let pad = |s: String| -> String {
            let n = s.chars().count();
            if n >= width {
                s
            } else if flags.contains('-') {
                format!("{s}{}", " ".repeat(width - n))
            } else if flags.contains('0') {
                format!("{}{s}", "0".repeat(width - n))
            } else {
                format!("{}{s}", " ".repeat(width - n))
            }
        };
        match verb {
            's' | 'v' if !flags.contains('#') && matches!(arg.kind, DocKind::Scalar(_)) => {
                let val = value(arg)?;
                match val.as_lit() {
                    Some(s) => v.push(Part::Lit(pad(s.to_string()))),
                    None => v.append(val),
                }
            }
            'v' => {
                let text = super::encoding::json_text(arg)?;
                v.push(Part::Lit(pad(text)));
            }
            'd' => {
                let n = super::number(arg)?;
                v.push(Part::Lit(pad(format!("{}", n.trunc() as i64))));
            }
            'f' => {
                let n = super::number(arg)?;
                v.push(Part::Lit(pad(format!("{:.*}", prec.unwrap_or(6), n))));
            }
            't' => v.push(Part::Lit(pad(string(arg)?))),
            'q' => {
                let s = string(arg)?;
                v.push(Part::Lit(pad(serde_json::Value::String(s).to_string())));
            }
            other => return Err(Bad::Fault(format!("the verb %{other} is not supported"))),
        }
    }
    if highest < args.len() {
        return Err(Bad::Fault(if highest == 0 {
            "too many arguments; no verbs in format string".into()
        } else {
            format!("too many arguments; only {highest} used by format string")
        }));
    }
    v.push(Part::Lit(lit));
    Ok(Doc::scalar(v, loc))
}
