//! How intrinsics are written: the long (`{"Fn::Sub": …}`) and short (`!Sub …`) forms, and
//! `Fn::Sub` strings taken apart into literal text and `${…}` placeholders.

use crate::parse::Node;

/// One piece of a `Fn::Sub` string, with its byte range in the string's value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SubPiece<'t> {
    Lit {
        text: &'t str,
        start: usize,
    },
    /// `${name}`: `start..end` covers the whole placeholder.
    Var {
        name: &'t str,
        start: usize,
        end: usize,
    },
}

/// Takes a `Fn::Sub` string apart. `${!Literal}` is written out as `${Literal}`; an unclosed
/// `${` is literal text.
pub fn sub_pieces(text: &str) -> Vec<SubPiece<'_>> {
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(rel) = text.get(at..).and_then(|r| r.find("${")) {
        let start = at + rel;
        if start > at {
            out.push(SubPiece::Lit {
                text: &text[at..start],
                start: at,
            });
        }
        let after = start + 2;
        if text.get(after..).is_some_and(|r| r.starts_with('!')) {
            out.push(SubPiece::Lit { text: "${", start });
            at = after + 1;
            continue;
        }
        let Some(close) = text.get(after..).and_then(|r| r.find('}')) else {
            break;
        };
        let end = after + close + 1;
        out.push(SubPiece::Var {
            name: text[after..after + close].trim(),
            start,
            end,
        });
        at = end;
    }
    if at < text.len() {
        out.push(SubPiece::Lit {
            text: &text[at..],
            start: at,
        });
    }
    out
}

/// The argument of a short-form function (`!ImportValue x`: the node itself, without its tag).
pub fn untagged(arg: &Node) -> std::borrow::Cow<'_, Node> {
    if arg.tag.is_none() {
        return std::borrow::Cow::Borrowed(arg);
    }
    let mut plain = arg.clone();
    plain.tag = None;
    std::borrow::Cow::Owned(plain)
}

/// How an intrinsic is written, for messages: `!Ref ReaderArns`, `Fn::Split`.
pub fn source_text(node: &Node) -> String {
    match intrinsic(node) {
        Some(("Ref", arg)) => format!("Ref {}", arg.as_str().unwrap_or_default()),
        Some((name, _)) => name.to_string(),
        None => "the value".to_string(),
    }
}

/// Recognises an intrinsic function in either form: a one-key map `{"Fn::Sub": …}` /
/// `{"Ref": …}`, or a short-form tag (`!Sub …`).
pub fn intrinsic(node: &Node) -> Option<(&str, &Node)> {
    if let Some(tag) = node.tag.as_deref() {
        let name = match tag {
            "Ref" => "Ref",
            "Condition" => "Condition",
            t if !t.starts_with('!') => return Some((long_name(t), node)),
            _ => return None,
        };
        return Some((name, node));
    }
    if let [entry] = node.entries() {
        let k = entry.key.as_str();
        if k == "Ref" || (k.starts_with("Fn::") && !k.starts_with("Fn::ForEach::")) {
            return Some((k, &entry.value));
        }
    }
    None
}

fn long_name(tag: &str) -> &'static str {
    match tag {
        "Sub" => "Fn::Sub",
        "Join" => "Fn::Join",
        "If" => "Fn::If",
        "Select" => "Fn::Select",
        "Split" => "Fn::Split",
        "FindInMap" => "Fn::FindInMap",
        "GetAtt" => "Fn::GetAtt",
        "ImportValue" => "Fn::ImportValue",
        "Base64" => "Fn::Base64",
        "Cidr" => "Fn::Cidr",
        "GetAZs" => "Fn::GetAZs",
        "Equals" => "Fn::Equals",
        "And" => "Fn::And",
        "Or" => "Fn::Or",
        "Not" => "Fn::Not",
        "Transform" => "Fn::Transform",
        "Length" => "Fn::Length",
        "ToJsonString" => "Fn::ToJsonString",
        _ => "Fn::Unknown",
    }
}
