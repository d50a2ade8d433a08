//! Encoding functions: jsonencode (keys sorted bytewise, `<>&` and U+2028/U+2029 escaped, as
//! Terraform writes them), yamldecode, base64encode, base64decode.

use super::{str_doc, string, Bad, R};
use crate::base::source::Loc;
use crate::frontend::terraform::eval::Module;
use crate::ir::{Doc, DocKind, Why};
use base64::Engine;

pub(super) fn apply(m: &Module<'_>, name: &str, a: &[Doc], loc: Loc) -> R {
    match (name, a) {
        // The document itself: a policy built with jsonencode keeps every element's location.
        ("jsonencode", [x]) => Ok(x.clone()),
        ("base64encode", [x]) => Ok(str_doc(
            base64::engine::general_purpose::STANDARD.encode(string(x)?),
            loc,
        )),
        ("base64decode", [x]) => {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(string(x)?)
                .map_err(|e| Bad::Fault(format!("invalid base64: {e}")))?;
            String::from_utf8(bytes)
                .map(|s| str_doc(s, loc))
                .map_err(|_| Bad::Fault("the decoded bytes are not UTF-8".into()))
        }
        ("yamldecode", [x]) => {
            let text = string(x)?;
            super::yaml::decode(&text, loc.file, &|_| loc.span).map(|d| m.pinned(d))
        }
        _ => Err(Bad::NoSuch),
    }
}

/// A known value as Terraform's `jsonencode` writes it.
pub(super) fn json_text(d: &Doc) -> Result<String, Bad> {
    fn quote(s: &str) -> String {
        let mut out = String::from("\"");
        for c in s.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                '<' => out.push_str("\\u003c"),
                '>' => out.push_str("\\u003e"),
                '&' => out.push_str("\\u0026"),
                '\u{2028}' => out.push_str("\\u2028"),
                '\u{2029}' => out.push_str("\\u2029"),
                c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
                c => out.push(c),
            }
        }
        out.push('"');
        out
    }
    Ok(match &d.kind {
        DocKind::Null => "null".into(),
        // kmslint does not keep Terraform's types: every scalar is written as a string (an
        // account id must stay one).
        DocKind::Scalar(v) => match v.as_lit() {
            Some(s) => quote(s),
            None => {
                return Err(Bad::Unknown(v.unknown_why().cloned().unwrap_or_else(
                    || Why::unsupported("the text holds the key's own account"),
                )))
            }
        },
        DocKind::List(items) => {
            let inner: Result<Vec<String>, Bad> = items.iter().map(json_text).collect();
            format!("[{}]", inner?.join(","))
        }
        DocKind::Map(entries) => {
            let mut es: Vec<_> = entries.iter().collect();
            es.sort_by(|a, b| a.key.cmp(&b.key));
            let inner: Result<Vec<String>, Bad> = es
                .iter()
                .map(|e| json_text(&e.value).map(|v| format!("{}:{}", quote(&e.key), v)))
                .collect();
            format!("{{{}}}", inner?.join(","))
        }
        DocKind::Unknown(w) => return Err(Bad::Unknown(w.clone())),
        DocKind::Choice(_) => return Err(Bad::Unknown(Why::unsupported("a conditional value"))),
    })
}
