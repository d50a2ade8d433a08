//! Property tests for the JSON parser, cross-checked against serde_json.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use kmslint::fuzzing::json::{parse_json, parse_json_in_string, string_literal_map};
use kmslint::fuzzing::{Node, NodeKind};
use proptest::prelude::*;
use serde_json::Value;

fn to_value(node: &Node) -> Value {
    match &node.kind {
        NodeKind::Null => Value::Null,
        NodeKind::Bool(b) => Value::Bool(*b),
        NodeKind::Number(s) => serde_json::from_str(s).expect("number serde accepts"),
        NodeKind::String(s) => Value::String(s.clone()),
        NodeKind::Seq(items) => Value::Array(items.iter().map(to_value).collect()),
        NodeKind::Map(entries) => Value::Object(
            entries
                .iter()
                .map(|e| (e.key.clone(), to_value(&e.value)))
                .collect(),
        ),
        k => panic!("JSON produced {k:?}"),
    }
}

/// Every node's span slices text that serde reads as the same value; every key span likewise.
fn check_spans(text: &str, node: &Node) {
    let slice = &text[node.span.start..node.span.end];
    let reread: Value = serde_json::from_str(slice).expect("span slices a JSON value");
    assert_eq!(reread, to_value(node), "span {:?}", node.span);
    assert!(node.tag.is_none());
    if let NodeKind::Number(s) = &node.kind {
        assert_eq!(s, slice);
    }
    for item in node.items() {
        check_spans(text, item);
    }
    for e in node.entries() {
        let key: String = serde_json::from_str(&text[e.key_span.start..e.key_span.end]).unwrap();
        assert_eq!(key, e.key);
        check_spans(text, &e.value);
    }
}

fn all_nodes<'a>(node: &'a Node, out: &mut Vec<&'a Node>) {
    out.push(node);
    node.items().iter().for_each(|n| all_nodes(n, out));
    node.entries().iter().for_each(|e| all_nodes(&e.value, out));
}

fn arb_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        any::<String>().prop_map(Value::String),
        "[a-zA-Z0-9:*/\"\\\\ é\n]{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(6, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
            prop::collection::btree_map("[a-zA-Z\"é]{0,6}|\\PC{0,6}", inner, 0..8)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Writes `s` as a JSON string literal, choosing how to write each character from `seed`, so
/// raw text, short escapes and `\u` escapes (with surrogate pairs) all occur.
fn escape_randomly(s: &str, mut seed: u64) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let short = match c {
            '"' => Some("\\\""),
            '\\' => Some("\\\\"),
            '\n' => Some("\\n"),
            '\t' => Some("\\t"),
            '/' => Some("\\/"),
            _ => None,
        };
        let must_escape = (c as u32) < 0x20 || c == '"' || c == '\\';
        match (seed % 3, short) {
            (0, Some(e)) => out.push_str(e),
            (1, _) | (_, None) if must_escape || seed % 3 == 1 => {
                let mut units = [0u16; 2];
                for u in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{u:04x}"));
                }
            }
            (_, Some(e)) if must_escape => out.push_str(e),
            _ => out.push(c),
        }
    }
    out.push('"');
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn serialized_values_parse_back_equal(v in arb_value()) {
        for text in [serde_json::to_string(&v).unwrap(), serde_json::to_string_pretty(&v).unwrap()] {
            let node = parse_json(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
            let expected: Value = serde_json::from_str(&text).unwrap();
            prop_assert_eq!(to_value(&node), expected);
            check_spans(&text, &node);
        }
    }

    #[test]
    fn json_in_a_string_maps_spans_to_the_outer_file(
        v in arb_value(),
        seed in 1u64..,
        prefix in "\\PC{0,4}",
        pretty in any::<bool>(),
    ) {
        let inner = if pretty {
            serde_json::to_string_pretty(&v).unwrap()
        } else {
            serde_json::to_string(&v).unwrap()
        };
        let literal = escape_randomly(&inner, seed);
        let outer = format!("{{{}: {literal}}}", serde_json::to_string(&prefix).unwrap());
        let lit = parse_json(&outer).unwrap().entries()[0].value.span;
        let (decoded, map) = string_literal_map(&outer[lit.start..lit.end], lit.start).unwrap();
        prop_assert_eq!(&decoded, &inner);
        let plain = parse_json(&inner).unwrap();
        let mut mapped = parse_json(&decoded).unwrap();
        mapped.remap(&|o| map.map(o));
        prop_assert_eq!(&parse_json_in_string(&outer[lit.start..lit.end], lit.start).unwrap(), &mapped);
        let (mut a, mut b) = (Vec::new(), Vec::new());
        all_nodes(&plain, &mut a);
        all_nodes(&mapped, &mut b);
        prop_assert_eq!(a.len(), b.len());
        for (p, m) in a.iter().zip(&b) {
            let fragment = &outer[m.span.start..m.span.end];
            let unescaped: String = serde_json::from_str(&format!("\"{fragment}\"")).unwrap();
            prop_assert_eq!(&unescaped, &inner[p.span.start..p.span.end]);
            for (pe, me) in p.entries().iter().zip(m.entries()) {
                let fragment = &outer[me.key_span.start..me.key_span.end];
                let unescaped: String = serde_json::from_str(&format!("\"{fragment}\"")).unwrap();
                prop_assert_eq!(&unescaped, &inner[pe.key_span.start..pe.key_span.end]);
            }
        }
    }

    #[test]
    fn utf16_escapes_decode_like_utf16_lossy(units in prop::collection::vec(
        prop_oneof![0xD7F0u16..0xE010, any::<u16>()], 0..12)
    ) {
        let literal: String = std::iter::once("\"".to_owned())
            .chain(units.iter().map(|u| format!("\\u{u:04X}")))
            .chain(std::iter::once("\"".to_owned()))
            .collect();
        let node = parse_json(&literal).unwrap();
        prop_assert_eq!(node.kind, NodeKind::String(String::from_utf16_lossy(&units)));
    }

    #[test]
    fn never_panics_on_arbitrary_text(s in "\\PC*", bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        let _ = parse_json(&s);
        let _ = parse_json(&String::from_utf8_lossy(&bytes));
        let _ = string_literal_map(&s, 7);
        let _ = parse_json_in_string(&s, 7);
    }

    #[test]
    fn agrees_with_serde_on_json_like_text(s in "[\\[\\]{}:, \n\"\\\\/0-9a-fnrtulsEe.+\\-\u{1}é]{0,48}") {
        let _ = string_literal_map(&s, 0);
        agree_with_serde(&s)?;
    }

    /// One edit to a valid document: mostly near-miss JSON, which reaches every error path.
    #[test]
    fn agrees_with_serde_on_edited_documents(
        v in arb_value(),
        at in any::<prop::sample::Index>(),
        edit in 0u8..3,
        c in prop::sample::select(&['[', ']', '{', '}', ',', ':', '"', '\\', '0', '-', 'e', '.', ' ', '\u{1}', 'é'][..]),
    ) {
        let text = serde_json::to_string(&v).unwrap();
        let mut chars: Vec<char> = text.chars().collect();
        let i = at.index(chars.len() + 1);
        match edit {
            0 if i < chars.len() => { chars.remove(i); }
            1 if i < chars.len() => chars[i] = c,
            _ => chars.insert(i, c),
        }
        let edited: String = chars.into_iter().collect();
        agree_with_serde(&edited)?;
    }

}

/// serde's verdict on `s` must match ours, and when both accept, the values must match.
fn agree_with_serde(s: &str) -> Result<(), TestCaseError> {
    let ours = parse_json(s);
    match serde_json::from_str::<Value>(s) {
        Ok(v) => {
            let node = ours.unwrap_or_else(|e| panic!("{s:?}: serde accepts, we say {e}"));
            prop_assert_eq!(to_value(&node), v);
            check_spans(s, &node);
        }
        // serde also rejects lone surrogates and floats out of f64 range; we keep both.
        Err(serde_err) => match ours {
            Ok(node) => {
                let msg = serde_err.to_string();
                prop_assert!(
                    msg.contains("surrogate") || msg.contains("out of range"),
                    "{:?}: we accept {:?}, serde says {}",
                    s,
                    node,
                    msg
                );
            }
            Err(e) => {
                prop_assert!(e.span.start <= e.span.end && e.span.end <= s.len());
                prop_assert!(s.is_char_boundary(e.span.start) && s.is_char_boundary(e.span.end));
            }
        },
    }
    Ok(())
}

#[test]
fn error_spans_are_in_range_for_truncated_documents() {
    let doc = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": ["arn:aws:iam::111122223333:root", "\u00e9\ud83d\ude00"]}, "Action": "kms:*", "Resource": "*", "N": -1.5e+3}]}"#;
    for end in 0..doc.len() {
        let t = &doc[..end];
        let e = parse_json(t).expect_err(t);
        assert!(
            e.span.end <= t.len() && e.span.start <= e.span.end,
            "{t:?}: {e:?}"
        );
    }
    assert!(parse_json(doc).is_ok());
}
