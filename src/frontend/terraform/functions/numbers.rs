//! Number functions: abs, ceil, floor, signum, pow, log, parseint (go-cty's stdlib and
//! hashicorp/terraform `internal/lang/funcs/number.go`). Numbers are kept as their decimal text;
//! integers too large for a float keep every digit where the function allows it (abs, parseint).

use super::{number, str_doc, string, whole, Bad, R};
use crate::base::source::Loc;
use crate::frontend::terraform::ops::fmt_num;
use crate::ir::Doc;

/// Longest number text worked on digit by digit (`parseint` of a long string).
const MAX_DIGITS: usize = 4_096;

pub(super) fn apply(name: &str, a: &[Doc], loc: Loc) -> R {
    let n = |i: usize| a.get(i).map_or(Err(Bad::NoSuch), number);
    match (name, a.len()) {
        ("abs", 1) => {
            let s = string(&a[0])?;
            let t = s.trim();
            // An integer keeps its digits: abs(-999999999999999999) is exact in Terraform.
            if let Some(digits) = int_digits(t) {
                return Ok(str_doc(digits, loc));
            }
            Ok(str_doc(fmt_num(n(0)?.abs()), loc))
        }
        ("ceil", 1) => Ok(str_doc(exact_or(&a[0], n(0)?.ceil())?, loc)),
        ("floor", 1) => Ok(str_doc(exact_or(&a[0], n(0)?.floor())?, loc)),
        ("signum", 1) => {
            // go-cty converts the argument to a Go int: a fraction is an error.
            let x = whole(n(0)?, "value")?;
            let sign = if x < 0.0 {
                "-1"
            } else if x > 0.0 {
                "1"
            } else {
                "0"
            };
            Ok(str_doc(sign, loc))
        }
        ("pow", 2) => {
            let r = n(0)?.powf(n(1)?);
            if r.is_nan() {
                return Err(Bad::Fault("result is not a number".into()));
            }
            finite(r).map(|r| str_doc(fmt_num(r), loc))
        }
        ("log", 2) => {
            let r = n(0)?.ln() / n(1)?.ln();
            if r.is_nan() {
                return Err(Bad::Fault("result is not a number".into()));
            }
            finite(r).map(|r| str_doc(fmt_num(r), loc))
        }
        ("parseint", 2) => {
            let text = string(&a[0])?;
            let base = whole(n(1)?, "value")?;
            if !(2.0..=62.0).contains(&base) {
                return Err(Bad::Fault(
                    "base must be a whole number between 2 and 62 inclusive".into(),
                ));
            }
            parseint(&text, base as u32)
                .map(|s| str_doc(s, loc))
                .ok_or_else(|| {
                    Bad::Fault(format!("cannot parse {text:?} as a base {base} integer"))
                })
        }
        _ => Err(Bad::NoSuch),
    }
}

/// The magnitude of an integer written in decimal (`-012` gives `12`), if it is one.
fn int_digits(t: &str) -> Option<String> {
    let body = t.strip_prefix('-').unwrap_or(t);
    if body.is_empty() || body.len() > MAX_DIGITS || !body.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let d = body.trim_start_matches('0');
    Some(if d.is_empty() { "0".into() } else { d.into() })
}

/// ceil/floor of an integer is the integer itself, every digit kept.
fn exact_or(d: &Doc, rounded: f64) -> Result<String, Bad> {
    let s = string(d)?;
    let t = s.trim();
    if let Some(digits) = int_digits(t) {
        let neg = t.starts_with('-') && digits != "0";
        return Ok(if neg { format!("-{digits}") } else { digits });
    }
    Ok(fmt_num(rounded))
}

fn finite(x: f64) -> Result<f64, Bad> {
    if x.is_finite() {
        Ok(x)
    } else {
        // Terraform keeps infinities as numbers; kmslint's numbers are decimal text.
        Err(Bad::Unknown(crate::ir::Why::unsupported(
            "an infinite number is not evaluated",
        )))
    }
}

/// Go's `big.Int.SetString(s, base)`: an optional sign, then digits of the base; up to base 36
/// letters in either case, above it `a`–`z` are 10–35 and `A`–`Z` 36–61. The result in decimal.
fn parseint(s: &str, base: u32) -> Option<String> {
    let (neg, body) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if body.is_empty() || body.len() > MAX_DIGITS {
        return None;
    }
    // Little-endian base-10^9 limbs: no overflow for any length.
    let mut limbs: Vec<u64> = vec![0];
    for c in body.chars() {
        let v = match c {
            '0'..='9' => c as u32 - '0' as u32,
            'a'..='z' => c as u32 - 'a' as u32 + 10,
            'A'..='Z' if base <= 36 => c as u32 - 'A' as u32 + 10,
            'A'..='Z' => c as u32 - 'A' as u32 + 36,
            _ => return None,
        };
        if v >= base {
            return None;
        }
        let mut carry = u64::from(v);
        for l in limbs.iter_mut() {
            let x = *l * u64::from(base) + carry;
            *l = x % 1_000_000_000;
            carry = x / 1_000_000_000;
        }
        if carry > 0 {
            limbs.push(carry);
        }
    }
    let mut out = String::new();
    for (i, l) in limbs.iter().rev().enumerate() {
        if i == 0 {
            out.push_str(&l.to_string());
        } else {
            out.push_str(&format!("{l:09}"));
        }
    }
    if neg && out != "0" {
        out.insert(0, '-');
    }
    Some(out)
}
