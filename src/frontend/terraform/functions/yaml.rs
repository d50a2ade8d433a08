//! `yamldecode` with Terraform's semantics (zclconf/go-cty-yaml `resolve.go`): only a plain
//! (unquoted) scalar is resolved — `yes`/`on`/`true` are bools, `~`/`null` null, decimal, `0x`
//! and `0o` integers and floats numbers (written canonically: `012` is `12`), and a date or
//! date-time a timestamp in RFC 3339 (`2012-10-17` is `2012-10-17T00:00:00Z`). A quoted scalar,
//! or one tagged `!!str`, stays the string written, so a JSON document decodes as JSON would.

use super::{str_doc, Bad, R};
use crate::base::source::{FileId, Loc, Span};
use crate::frontend::terraform::ops::fmt_num;
use crate::ir::{Doc, DocEntry, DocKind, Why};
use crate::parse::{Node, NodeKind};
use std::collections::BTreeMap;

/// The document `text` holds; locations are `file` at `span(node span)`.
pub(super) fn decode(text: &str, file: FileId, span: &dyn Fn(Span) -> Span) -> R {
    match crate::parse::yaml::parse_yaml(text) {
        Ok(node) => to_doc(&node, file, span),
        Err(e) => Err(Bad::Fault(format!("invalid YAML: {}", e.message))),
    }
}

fn to_doc(node: &Node, file: FileId, span: &dyn Fn(Span) -> Span) -> R {
    let loc = Loc::new(file, span(node.span));
    let tag = node.tag.as_deref();
    Ok(match &node.kind {
        NodeKind::Null => Doc::new(DocKind::Null, loc),
        NodeKind::Bool(b) => str_doc(b.to_string(), loc),
        NodeKind::Number(s) => str_doc(canonical(s).unwrap_or_else(|| s.clone()), loc),
        NodeKind::String(s) => {
            scalar_tag(tag)?;
            str_doc(s.clone(), loc)
        }
        NodeKind::Scalar(s) => match resolve(s, scalar_tag(tag)?)? {
            Some(text) => str_doc(text, loc),
            None => Doc::new(DocKind::Null, loc),
        },
        NodeKind::Alias(a) => {
            return Err(Bad::Unknown(Why::unsupported(format!(
                "the YAML alias *{a} is not expanded"
            ))))
        }
        NodeKind::Seq(items) => Doc::new(
            DocKind::List(
                items
                    .iter()
                    .map(|i| to_doc(i, file, span))
                    .collect::<Result<_, _>>()?,
            ),
            loc,
        ),
        NodeKind::Map(entries) => {
            // A later duplicate key wins (go-cty-yaml sets the object attribute again); the
            // entries are then sorted by key, so where each one stood does not matter.
            let mut out: BTreeMap<&str, DocEntry> = BTreeMap::new();
            for e in entries {
                let value = to_doc(&e.value, file, span)?;
                out.insert(
                    &e.key,
                    DocEntry {
                        key: e.key.clone(),
                        key_loc: Loc::new(file, span(e.key_span)),
                        value,
                    },
                );
            }
            Doc::new(DocKind::Map(out.into_values().collect()), loc)
        }
    })
}

/// The standard tag of a scalar (`None` when untagged); other tags are an error in Terraform.
fn scalar_tag(tag: Option<&str>) -> Result<Option<&str>, Bad> {
    match tag {
        None => Ok(None),
        Some(t) => {
            let short = t
                .strip_prefix("tag:yaml.org,2002:")
                .map_or(t, |s| s)
                .trim_start_matches('!');
            match short {
                "str" | "bool" | "int" | "float" | "null" | "timestamp" | "binary" => {
                    Ok(Some(short))
                }
                _ => Err(Bad::Fault(format!("unsupported tag {t:?}"))),
            }
        }
    }
}

/// A plain scalar as go-cty-yaml resolves it: `Ok(None)` is null.
fn resolve(src: &str, tag: Option<&str>) -> Result<Option<String>, Bad> {
    let fail = |t: &str| Bad::Fault(format!("cannot parse {src:?} as !!{t}"));
    let as_bool = |s: &str| match s {
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            Some("true")
        }
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            Some("false")
        }
        _ => None,
    };
    let infinite = || {
        Bad::Unknown(Why::unsupported(
            "an infinite number from yamldecode is not evaluated",
        ))
    };
    let mut tag = tag;
    let hint = src.chars().next();
    let hinted = match hint {
        None => true,
        Some(c) => "+-0123456789yYnNtTfFoO~.".contains(c),
    };
    if hinted && !matches!(tag, Some("str" | "binary")) {
        if let Some(b) = as_bool(src) {
            return Ok(Some(b.into()));
        }
        if matches!(src, "" | "~" | "null" | "Null" | "NULL") {
            return Ok(None);
        }
        if matches!(
            src,
            ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" | "-.inf" | "-.Inf" | "-.INF"
        ) {
            return Err(infinite());
        }
        if tag.is_none() && matches!(src, ".nan" | ".NaN" | ".NAN") {
            return Err(Bad::Fault("floating point NaN is not supported".into()));
        }
        match hint {
            Some('.') => {
                if let Some(n) = canonical(src) {
                    return Ok(Some(n));
                }
            }
            Some(c) if c == '+' || c == '-' || c.is_ascii_digit() => {
                if matches!(tag, None | Some("timestamp")) {
                    if let Some(t) = timestamp(src) {
                        return Ok(Some(t));
                    }
                }
                if is_int(src) {
                    tag = Some("int");
                } else if is_float(src) {
                    tag = Some("float");
                }
            }
            _ => {}
        }
    }
    match tag {
        None | Some("str") => Ok(Some(src.to_string())),
        Some("binary") => Ok(Some(src.to_string())),
        Some("bool") => as_bool(src)
            .map(|b| Some(b.to_string()))
            .ok_or_else(|| fail("bool")),
        Some("null") => Ok(None),
        Some("timestamp") => timestamp(src).map(Some).ok_or_else(|| fail("timestamp")),
        Some(t) => {
            let plain = src.replace('_', "");
            canonical(&plain).map(Some).ok_or_else(|| fail(t))
        }
    }
}

/// `[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+`
fn is_int(s: &str) -> bool {
    let body = s.strip_prefix(['-', '+']).unwrap_or(s);
    let digits = |t: &str, f: fn(&u8) -> bool| !t.is_empty() && t.as_bytes().iter().all(f);
    digits(body, u8::is_ascii_digit)
        || s.strip_prefix("0o")
            .is_some_and(|t| digits(t, |b| (b'0'..=b'7').contains(b)))
        || s.strip_prefix("0x")
            .is_some_and(|t| digits(t, u8::is_ascii_hexdigit))
}

/// `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`
fn is_float(s: &str) -> bool {
    let body = s.strip_prefix(['-', '+']).unwrap_or(s);
    let (mant, exp) = match body.find(['e', 'E']) {
        Some(i) => (&body[..i], Some(&body[i + 1..])),
        None => (body, None),
    };
    let all = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    let mant_ok = match mant.split_once('.') {
        Some((i, f)) => {
            (!i.is_empty() && all(i) && all(f)) || (i.is_empty() && !f.is_empty() && all(f))
        }
        None => !mant.is_empty() && all(mant),
    };
    let exp_ok = exp.is_none_or(|e| {
        let e = e.strip_prefix(['-', '+']).unwrap_or(e);
        !e.is_empty() && all(e)
    });
    mant_ok && exp_ok
}

/// A number's text as Terraform writes the number: integers with every digit and no leading
/// zero, `0x`/`0o` integers in decimal, other numbers in their shortest form.
fn canonical(s: &str) -> Option<String> {
    let (neg, body) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let sign = |d: String| if neg && d != "0" { format!("-{d}") } else { d };
    if !body.is_empty() && body.bytes().all(|b| b.is_ascii_digit()) {
        let d = body.trim_start_matches('0');
        return Some(sign(if d.is_empty() { "0".into() } else { d.into() }));
    }
    let radix = |p: &str, r: u32| {
        body.strip_prefix(p)
            .and_then(|t| u64::from_str_radix(t, r).ok())
            .map(|n| sign(n.to_string()))
    };
    if let Some(n) = radix("0x", 16).or_else(|| radix("0o", 8)) {
        return Some(n);
    }
    if !is_float(s) {
        return None;
    }
    let f: f64 = s.parse().ok()?;
    f.is_finite().then(|| fmt_num(f))
}

/// go-cty-yaml `parseTimestamp` (a date, or a date-time with `T`/`t` and a zone, or with a
/// space and none), written as Go's `time.RFC3339`.
fn timestamp(s: &str) -> Option<String> {
    let b = s.as_bytes();
    if b.len() < 5 || !b[..4].iter().all(u8::is_ascii_digit) || b[4] != b'-' {
        return None;
    }
    let mut i = 5;
    // 1 or 2 digits, as Go's layouts "1", "2", "15", "4", "5" read them.
    let num = |i: &mut usize| -> Option<u32> {
        let start = *i;
        while *i < b.len() && *i - start < 2 && b[*i].is_ascii_digit() {
            *i += 1;
        }
        s.get(start..*i).filter(|t| !t.is_empty())?.parse().ok()
    };
    let year: u32 = s[..4].parse().ok()?;
    let month = num(&mut i)?;
    if b.get(i) != Some(&b'-') {
        return None;
    }
    i += 1;
    let day = num(&mut i)?;
    let leap = (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400);
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    if day < 1 || day > days {
        return None;
    }
    let date = format!("{year:04}-{month:02}-{day:02}");
    let sep = match b.get(i) {
        None => return Some(format!("{date}T00:00:00Z")),
        Some(c) => *c,
    };
    i += 1;
    let hour = num(&mut i)?;
    (b.get(i) == Some(&b':')).then_some(())?;
    i += 1;
    let min = num(&mut i)?;
    (b.get(i) == Some(&b':')).then_some(())?;
    i += 1;
    let sec = num(&mut i)?;
    if hour > 23 || min > 59 || sec > 59 {
        return None;
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == start {
            return None;
        }
    }
    let time = format!("{date}T{hour:02}:{min:02}:{sec:02}");
    let rest = s.get(i..)?;
    match sep {
        b' ' if rest.is_empty() => Some(format!("{time}Z")),
        b'T' | b't' if matches!(rest, "Z" | "+00:00" | "-00:00") => Some(format!("{time}Z")),
        b'T' | b't' => {
            let z = rest.as_bytes();
            let ok = z.len() == 6
                && matches!(z[0], b'+' | b'-')
                && z[1..3].iter().all(u8::is_ascii_digit)
                && z[3] == b':'
                && z[4..6].iter().all(u8::is_ascii_digit);
            ok.then(|| format!("{time}{rest}"))
        }
        _ => None,
    }
}
