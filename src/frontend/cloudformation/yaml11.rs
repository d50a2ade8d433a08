//! CloudFormation reads YAML templates as YAML 1.1: an unquoted `yes`, `on`, `True` is the
//! boolean true and `no`, `off`, `FALSE` false, rendered `"true"`/`"false"` (a tag `Value: YES`
//! is deployed as "true"). kmslint keeps plain scalars as written, so these are resolved before
//! the template is read: `!Equals [!FindInMap [M, K, Flag], "yes"]` is false when Flag is `yes`.

use crate::parse::{Node, NodeKind};

/// YAML 1.1's boolean spellings (its `bool` type), as every YAML 1.1 resolver reads them.
fn boolean(s: &str) -> Option<&'static str> {
    match s {
        "yes" | "Yes" | "YES" | "on" | "On" | "ON" | "true" | "True" | "TRUE" => Some("true"),
        "no" | "No" | "NO" | "off" | "Off" | "OFF" | "false" | "False" | "FALSE" => Some("false"),
        _ => None,
    }
}

fn needs(n: &Node) -> bool {
    match &n.kind {
        NodeKind::Scalar(s) => n.tag.is_none() && boolean(s).is_some_and(|b| b != s),
        NodeKind::Seq(items) => items.iter().any(needs),
        NodeKind::Map(entries) => entries.iter().any(|e| needs(&e.value)),
        _ => false,
    }
}

fn resolve(n: &mut Node) {
    match &mut n.kind {
        NodeKind::Scalar(s) if n.tag.is_none() => {
            if let Some(b) = boolean(s) {
                *s = b.to_string();
            }
        }
        NodeKind::Seq(items) => items.iter_mut().for_each(resolve),
        NodeKind::Map(entries) => entries.iter_mut().for_each(|e| resolve(&mut e.value)),
        _ => {}
    }
}

/// The template with YAML 1.1 booleans written as CloudFormation renders them, when it has any
/// other spelling (`None`: nothing to change, no copy made).
pub(super) fn booleans(root: &Node) -> Option<Node> {
    if !needs(root) {
        return None;
    }
    let mut copy = root.clone();
    resolve(&mut copy);
    Some(copy)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::yaml::parse_yaml;

    #[test]
    fn yes_no_on_off_are_booleans_unless_quoted_or_tagged() {
        let root = parse_yaml("a: yes\nb: 'yes'\nc: !!str on\nd: [Off, NO, y, True]\n").ok();
        let got = root.as_ref().and_then(booleans);
        let text = |k: &str| {
            got.as_ref()
                .and_then(|r| r.get(k))
                .map(|n| match &n.kind {
                    NodeKind::Seq(items) => items
                        .iter()
                        .filter_map(Node::as_str)
                        .collect::<Vec<_>>()
                        .join(","),
                    _ => n.as_str().unwrap_or_default().to_string(),
                })
                .unwrap_or_default()
        };
        assert_eq!(text("a"), "true");
        assert_eq!(text("b"), "yes");
        assert_eq!(text("c"), "on");
        // `y` is no boolean in YAML 1.1's bool type.
        assert_eq!(text("d"), "false,false,y,true");
        let plain = parse_yaml("a: true\nb: x\n").ok();
        assert!(plain.as_ref().and_then(booleans).is_none());
    }
}
