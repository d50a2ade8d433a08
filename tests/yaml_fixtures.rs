//! The YAML parser on a realistic CloudFormation template (testdata/parse/yaml/).

use kmslint::fuzzing::yaml::{parse_yaml, scalar_offset_map};
use kmslint::fuzzing::Span;
use kmslint::fuzzing::{Node, NodeKind, ParseError};

const KMS_KEY: &str = include_str!("../testdata/parse/yaml/kms_key.yaml");

fn slice(text: &str, span: Span) -> &str {
    text.get(span.start..span.end)
        .unwrap_or("<span out of range>")
}

fn at<'n>(node: &'n Node, path: &[&str]) -> Option<&'n Node> {
    path.iter().try_fold(node, |n, k| match k.parse::<usize>() {
        Ok(i) => n.items().get(i),
        Err(_) => n.get(k),
    })
}

#[test]
fn template_keeps_tags_duplicates_and_source_text() -> Result<(), ParseError> {
    let text = KMS_KEY;
    let root = parse_yaml(text)?;
    let admin = at(&root, &["Parameters", "AdminAccount", "Default"]);
    assert_eq!(
        admin.map(|n| &n.kind),
        Some(&NodeKind::Scalar("012345678901".into()))
    );
    let rotation = at(
        &root,
        &["Resources", "Key", "Properties", "EnableKeyRotation"],
    );
    assert_eq!(rotation.and_then(Node::as_str), Some("yes"));

    let stmt = ["Resources", "Key", "Properties", "KeyPolicy", "Statement"];
    let principal = at(&root, &[&stmt[..], &["0", "Principal"]].concat());
    let dups = principal.map(Node::duplicate_keys).unwrap_or_default();
    assert_eq!(dups.len(), 1);
    let aws: Vec<(Option<&str>, &str)> = principal
        .map(|p| {
            p.entries()
                .iter()
                .map(|e| (e.value.tag.as_deref(), slice(text, e.value.span)))
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(
        aws,
        vec![
            (
                Some("Sub"),
                "!Sub 'arn:${AWS::Partition}:iam::${AdminAccount}:root'"
            ),
            (None, "'*'"),
        ]
    );

    let cond = at(&root, &[&stmt[..], &["1", "Condition"]].concat());
    assert_eq!(cond.and_then(|c| c.tag.as_deref()), Some("If"));
    let join = cond
        .and_then(|c| at(c, &["1", "StringEquals", "kms:ViaService"]))
        .map(|j| (j.tag.as_deref(), slice(text, j.span)));
    assert_eq!(
        join,
        Some((
            Some("Join"),
            "!Join ['', [s3., !Ref 'AWS::Region', .amazonaws.com]]"
        ))
    );
    let description = root.get("Description").map(|d| slice(text, d.span));
    assert_eq!(description, Some("Clé KMS — 鍵 🔑 with a policy"));
    Ok(())
}

#[test]
fn literal_json_policy_maps_back_into_the_file() -> Result<(), ParseError> {
    let text = KMS_KEY;
    let root = parse_yaml(text)?;
    let policy = at(&root, &["Resources", "JsonKey", "Properties", "KeyPolicy"]);
    let value = policy.and_then(Node::as_str).unwrap_or("");
    let map = policy.and_then(|p| scalar_offset_map(text, p));
    assert!(map.is_some());
    for needle in ["\"Principal\": {\"AWS\": \"*\"}", "\"2012-10-17\"", "}"] {
        let found = value.find(needle).zip(map.as_ref()).map(|(d, m)| {
            let span = Span::new(m.map(d), m.map(d + needle.len()));
            slice(text, span)
        });
        assert_eq!(found, Some(needle));
    }
    Ok(())
}

#[test]
fn the_same_template_with_crlf_and_a_bom_gives_the_same_values() -> Result<(), ParseError> {
    let text = format!("\u{feff}{}", KMS_KEY.replace('\n', "\r\n"));
    let root = parse_yaml(&text)?;
    let lf = parse_yaml(KMS_KEY)?;
    let path = [
        "Resources",
        "Key",
        "Properties",
        "KeyPolicy",
        "Statement",
        "1",
        "Action",
        "1",
    ];
    let node = at(&root, &path);
    assert_eq!(node.map(|n| slice(&text, n.span)), Some("kms:Encrypt"));
    assert_eq!(node.map(|n| &n.kind), at(&lf, &path).map(|n| &n.kind));
    let policy = at(&root, &["Resources", "JsonKey", "Properties", "KeyPolicy"]);
    let value = policy.and_then(Node::as_str).unwrap_or("");
    let map = policy.and_then(|p| scalar_offset_map(&text, p));
    let needle = "\"Action\": \"kms:*\"";
    let found = value
        .find(needle)
        .zip(map.as_ref())
        .map(|(d, m)| slice(&text, Span::new(m.map(d), m.map(d + needle.len()))));
    assert_eq!(found, Some(needle));
    Ok(())
}

/// A quoted scalar followed by a comment spans the scalar only, quotes included: the report
/// underlines `'*'`, not `'*' # note`.
#[test]
fn quoted_scalar_spans_stop_before_a_comment() -> Result<(), ParseError> {
    let text = "Principal:\n  AWS:\n    - '*' # note\n    - \"a\\\"b\"   # x\n    - 'it''s' #\nK: 'v'   # c\nL: !Sub \"${A}\" # d\nM: plain # e\n";
    let root = parse_yaml(text)?;
    let aws = at(&root, &["Principal", "AWS"])
        .map(Node::items)
        .unwrap_or(&[]);
    let spans: Vec<&str> = aws.iter().map(|n| slice(text, n.span)).collect();
    assert_eq!(spans, ["'*'", "\"a\\\"b\"", "'it''s'"]);
    assert_eq!(root.get("K").map(|n| slice(text, n.span)), Some("'v'"));
    assert_eq!(
        root.get("L").map(|n| slice(text, n.span)),
        Some("!Sub \"${A}\"")
    );
    assert_eq!(root.get("M").map(|n| slice(text, n.span)), Some("plain"));
    Ok(())
}
