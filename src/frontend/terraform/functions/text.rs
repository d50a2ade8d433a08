//! More string functions: strcontains, regex and regexall (named groups give an object,
//! unnamed ones a list, a group that took no part is null: go-cty `stdlib/regexp.go`), indent,
//! urlencode, textencodebase64/textdecodebase64, csvdecode, basename, dirname, and
//! sensitive/nonsensitive (sensitivity never changes a value).

use super::{list_doc, number, str_doc, string, whole, Bad, R};
use crate::base::limits::MAX_VALUE_LEN;
use crate::base::source::Loc;
use crate::ir::{Doc, DocEntry, DocKind, Why};
use base64::Engine;

/// Most matches `regexall()` and rows `csvdecode()` give (each is a value in the policy).
const MAX_ITEMS: usize = 10_000;

pub(super) fn apply(name: &str, a: &[Doc], loc: Loc) -> R {
    match (name, a) {
        ("strcontains", [s, sub]) => Ok(str_doc(
            string(s)?.contains(string(sub)?.as_str()).to_string(),
            loc,
        )),
        ("regex", [p, s]) => {
            let re = Pattern::new(&string(p)?)?;
            let text = string(s)?;
            match re.re.captures(&text) {
                Some(c) => Ok(re.result(&c, loc)),
                None => Err(Bad::Fault(
                    "pattern did not match any part of the given string".into(),
                )),
            }
        }
        ("regexall", [p, s]) => {
            let re = Pattern::new(&string(p)?)?;
            let text = string(s)?;
            let mut out = Vec::new();
            for c in re.re.captures_iter(&text) {
                if out.len() >= MAX_ITEMS {
                    return Err(too_many("matches"));
                }
                out.push(re.result(&c, loc));
            }
            Ok(list_doc(out, loc))
        }
        ("indent", [n, s]) => {
            let n = whole(number(n)?, "the number of spaces")?;
            if n < 0.0 {
                return Err(Bad::Fault(
                    "the number of spaces must not be negative".into(),
                ));
            }
            let s = string(s)?;
            let lines = s.matches('\n').count();
            if lines == 0 {
                return Ok(str_doc(s, loc));
            }
            // `n` is bounded before the padding is built (a float may exceed usize).
            let too_long = || {
                Bad::Unknown(Why::unsupported(format!(
                    "a string longer than {MAX_VALUE_LEN} bytes"
                )))
            };
            if n > MAX_VALUE_LEN as f64 {
                return Err(too_long());
            }
            let n = n as usize;
            if n.saturating_mul(lines).saturating_add(s.len()) > MAX_VALUE_LEN {
                return Err(too_long());
            }
            Ok(str_doc(
                s.replace('\n', &format!("\n{}", " ".repeat(n))),
                loc,
            ))
        }
        ("urlencode", [s]) => Ok(str_doc(query_escape(&string(s)?), loc)),
        ("textencodebase64", [s, enc]) => {
            let s = string(s)?;
            let bytes = match encoding(&string(enc)?)? {
                Enc::Utf8 => s.into_bytes(),
                Enc::Utf16(le) => s
                    .encode_utf16()
                    .flat_map(|u| if le { u.to_le_bytes() } else { u.to_be_bytes() })
                    .collect(),
            };
            Ok(str_doc(
                base64::engine::general_purpose::STANDARD.encode(bytes),
                loc,
            ))
        }
        ("textdecodebase64", [s, enc]) => {
            let enc_name = string(enc)?;
            let enc = encoding(&enc_name)?;
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(string(s)?)
                .map_err(|e| Bad::Fault(format!("the given value is not valid base64: {e}")))?;
            let undefined = || {
                Bad::Fault(format!(
                    "the given string contains symbols that are not defined for {enc_name}"
                ))
            };
            let text = match enc {
                Enc::Utf8 => String::from_utf8(bytes).map_err(|_| undefined())?,
                Enc::Utf16(le) => {
                    if bytes.len() % 2 != 0 {
                        return Err(undefined());
                    }
                    let units: Vec<u16> = bytes
                        .chunks_exact(2)
                        .map(|c| {
                            let b = [c[0], c[1]];
                            if le {
                                u16::from_le_bytes(b)
                            } else {
                                u16::from_be_bytes(b)
                            }
                        })
                        .collect();
                    String::from_utf16(&units).map_err(|_| undefined())?
                }
            };
            if text.contains('\u{FFFD}') {
                return Err(undefined());
            }
            Ok(str_doc(text, loc))
        }
        ("csvdecode", [s]) => csvdecode(&string(s)?, loc),
        ("basename", [p]) => Ok(str_doc(basename(&string(p)?), loc)),
        ("dirname", [p]) => Ok(str_doc(dirname(&string(p)?), loc)),
        // Sensitivity hides a value in Terraform's output; it never changes it.
        ("sensitive" | "nonsensitive", [x]) => Ok(x.clone()),
        _ => Err(Bad::NoSuch),
    }
}

fn too_many(what: &str) -> Bad {
    Bad::Unknown(Why::unsupported(format!(
        "more than {MAX_ITEMS} {what} are not evaluated"
    )))
}

/// A compiled pattern and the shape of its result (go-cty `regexPatternResultType`).
struct Pattern {
    re: regex::Regex,
    /// `None`: no groups (the match itself); `Some(true)`: named groups (an object).
    named: Option<bool>,
}

impl Pattern {
    fn new(p: &str) -> Result<Pattern, Bad> {
        let re = super::re2::compile(p)?;
        let names: Vec<Option<&str>> = re.capture_names().skip(1).collect();
        let named = names.iter().filter(|n| n.is_some()).count();
        let named = match (named, names.len() - named) {
            (0, 0) => None,
            (0, _) => Some(false),
            (_, 0) => Some(true),
            _ => {
                return Err(Bad::Fault(
                    "invalid regexp pattern: cannot mix both named and unnamed capture groups"
                        .into(),
                ))
            }
        };
        Ok(Pattern { re, named })
    }

    fn result(&self, c: &regex::Captures<'_>, loc: Loc) -> Doc {
        let group = |m: Option<regex::Match<'_>>| match m {
            Some(m) => str_doc(m.as_str(), loc),
            // A group inside one that did not match: null.
            None => Doc::new(DocKind::Null, loc),
        };
        match self.named {
            None => group(c.get(0)),
            Some(false) => list_doc(c.iter().skip(1).map(group).collect(), loc),
            Some(true) => {
                let mut es: Vec<DocEntry> = self
                    .re
                    .capture_names()
                    .skip(1)
                    .flatten()
                    .map(|n| DocEntry {
                        key: n.to_string(),
                        key_loc: loc,
                        value: group(c.name(n)),
                    })
                    .collect();
                es.sort_by(|x, y| x.key.cmp(&y.key));
                Doc::new(DocKind::Map(es), loc)
            }
        }
    }
}

/// Go's `url.QueryEscape`: every byte but `A-Za-z0-9-_.~` percent-encoded, a space as `+`.
fn query_escape(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

enum Enc {
    Utf8,
    /// Little-endian when true.
    Utf16(bool),
}

/// An IANA encoding name (case-insensitive); others are not evaluated here.
fn encoding(name: &str) -> Result<Enc, Bad> {
    match name.to_ascii_uppercase().as_str() {
        "UTF-8" | "UTF8" | "CSUTF8" => Ok(Enc::Utf8),
        "UTF-16LE" | "CSUTF16LE" => Ok(Enc::Utf16(true)),
        "UTF-16BE" | "CSUTF16BE" => Ok(Enc::Utf16(false)),
        _ => Err(Bad::Unknown(Why::unsupported(format!(
            "the text encoding {name:?} is not evaluated"
        )))),
    }
}

/// Go's `encoding/csv` reader as `csvdecode` uses it: the first record names the columns, every
/// record has as many fields, `"` quotes a field (`""` inside is one quote), `\r\n` is `\n`, blank
/// lines are skipped. The result is a list of objects.
fn csvdecode(text: &str, loc: Loc) -> R {
    let text = text.replace("\r\n", "\n");
    let mut records: Vec<Vec<String>> = Vec::new();
    let mut chars = text.chars().peekable();
    let mut line = 1usize;
    let err =
        |line: usize, what: &str| Bad::Fault(format!("CSV parse error on line {line}: {what}"));
    while chars.peek().is_some() {
        if chars.peek() == Some(&'\n') {
            chars.next();
            line += 1;
            continue;
        }
        let mut fields = Vec::new();
        loop {
            let mut field = String::new();
            if chars.peek() == Some(&'"') {
                chars.next();
                loop {
                    match chars.next() {
                        Some('"') if chars.peek() == Some(&'"') => {
                            chars.next();
                            field.push('"');
                        }
                        Some('"') => break,
                        Some(c) => {
                            if c == '\n' {
                                line += 1;
                            }
                            field.push(c);
                        }
                        None => return Err(err(line, "extraneous or missing \" in quoted-field")),
                    }
                }
                match chars.peek() {
                    None | Some(',') | Some('\n') => {}
                    Some(_) => return Err(err(line, "extraneous or missing \" in quoted-field")),
                }
            } else {
                while let Some(&c) = chars.peek() {
                    if c == ',' || c == '\n' {
                        break;
                    }
                    if c == '"' {
                        return Err(err(line, "bare \" in non-quoted-field"));
                    }
                    field.push(c);
                    chars.next();
                }
            }
            fields.push(field);
            match chars.next() {
                Some(',') => continue,
                Some('\n') => {
                    line += 1;
                    break;
                }
                _ => break,
            }
        }
        if records.len() > MAX_ITEMS {
            return Err(too_many("CSV rows"));
        }
        if let Some(first) = records.first() {
            if first.len() != fields.len() {
                return Err(err(line.saturating_sub(1), "wrong number of fields"));
            }
        }
        records.push(fields);
    }
    let Some((head, rows)) = records.split_first() else {
        return Err(Bad::Fault("missing header line".into()));
    };
    let mut out = Vec::new();
    for r in rows {
        let mut es: Vec<DocEntry> = head
            .iter()
            .zip(r)
            .map(|(k, v)| DocEntry {
                key: k.clone(),
                key_loc: loc,
                value: str_doc(v.clone(), loc),
            })
            .collect();
        es.sort_by(|x, y| x.key.cmp(&y.key));
        out.push(Doc::new(DocKind::Map(es), loc));
    }
    Ok(list_doc(out, loc))
}

/// Go's `filepath.Clean` (slash-separated).
fn clean(p: &str) -> String {
    let rooted = p.starts_with('/');
    let mut out: Vec<&str> = Vec::new();
    for part in p.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if matches!(out.last(), Some(l) if *l != "..") {
                    out.pop();
                } else if !rooted {
                    out.push("..");
                }
            }
            x => out.push(x),
        }
    }
    let body = out.join("/");
    match (rooted, body.is_empty()) {
        (true, _) => format!("/{body}"),
        (false, true) => ".".into(),
        (false, false) => body,
    }
}

/// Go's `filepath.Base`.
fn basename(p: &str) -> String {
    if p.is_empty() {
        return ".".into();
    }
    let t = p.trim_end_matches('/');
    if t.is_empty() {
        return "/".into();
    }
    t.rsplit('/').next().unwrap_or(t).to_string()
}

/// Go's `filepath.Dir`.
fn dirname(p: &str) -> String {
    let dir = match p.rfind('/') {
        Some(i) => &p[..=i],
        None => "",
    };
    clean(dir)
}
