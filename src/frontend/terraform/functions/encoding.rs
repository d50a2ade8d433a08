//! Encoding functions: jsonencode (keys sorted bytewise, `<>&` and U+2028/U+2029 escaped, as
//! Terraform writes them), yamldecode, base64encode, base64decode.

use super::{str_doc, string, Bad, R};
use crate::base::source::Loc;
use crate::frontend::terraform::eval::Module;
use crate::frontend::terraform::json_text::node_to_doc;
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
            match crate::parse::yaml::parse_yaml(&text) {
                Ok(node) => {
                    Ok(m.pinned(yaml_types(node_to_doc(&node, loc.file, &|_| loc.span, &[]))))
                }
                Err(e) => Err(Bad::Fault(format!("invalid YAML: {}", e.message))),
            }
        }
        _ => Err(Bad::NoSuch),
    }
}

/// YAML's implicit types as Terraform's decoder reads them: an unquoted date is a timestamp.
fn yaml_types(d: Doc) -> Doc {
    let loc = d.loc;
    match d.kind {
        DocKind::Scalar(v) => {
            let s = v.as_lit().unwrap_or("");
            let b = s.as_bytes();
            let is_date = b.len() == 10
                && b.iter().enumerate().all(|(i, c)| {
                    if i == 4 || i == 7 {
                        *c == b'-'
                    } else {
                        c.is_ascii_digit()
                    }
                });
            if is_date {
                return str_doc(format!("{s}T00:00:00Z"), loc);
            }
            Doc::scalar(v, loc)
        }
        DocKind::List(items) => Doc::new(
            DocKind::List(items.into_iter().map(yaml_types).collect()),
            loc,
        ),
        DocKind::Map(es) => Doc::new(
            DocKind::Map(
                es.into_iter()
                    .map(|mut e| {
                        e.value = yaml_types(e.value);
                        e
                    })
                    .collect(),
            ),
            loc,
        ),
        k => Doc::new(k, loc),
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
