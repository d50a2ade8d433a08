//! The YAML parser: tags, spans, offsets, limits, the lenient retry and resource skipping.

use super::offsets::value_start;
use super::*;
use crate::base::source::Span;
use crate::parse::{NodeKind, MAX_DEPTH};

mod documents;
mod offsets;

type R = Result<(), ParseError>;

fn slice(text: &str, span: Span) -> &str {
    text.get(span.start..span.end)
        .unwrap_or("<span out of range>")
}

fn kind(n: &Node) -> &'static str {
    match n.kind {
        NodeKind::Null => "null",
        NodeKind::Bool(_) => "bool",
        NodeKind::Number(_) => "number",
        NodeKind::String(_) => "string",
        NodeKind::Scalar(_) => "scalar",
        NodeKind::Seq(_) => "seq",
        NodeKind::Map(_) => "map",
        NodeKind::Alias(_) => "alias",
    }
}

fn at<'n>(node: &'n Node, path: &[&str]) -> Option<&'n Node> {
    path.iter().try_fold(node, |n, k| match k.parse::<usize>() {
        Ok(i) => n.items().get(i),
        Err(_) => n.get(k),
    })
}

/// (kind, tag, text of the span) of a node.
type Described<'t> = (&'static str, Option<String>, &'t str);

/// Describes the node at `path`.
fn describe<'t>(text: &'t str, path: &[&str]) -> Result<Option<Described<'t>>, ParseError> {
    let root = parse_yaml(text)?;
    // The value as written, after its tag (`span` itself starts at the tag).
    Ok(at(&root, path).map(|n| {
        let v = Span::new(value_start(text, n), n.span.end);
        (kind(n), n.tag.clone(), slice(text, v))
    }))
}

fn err(text: &str) -> Option<ParseError> {
    parse_yaml(text).err()
}

// --- CloudFormation short-form tags: one test per tag -------------------------------------

#[test]
fn closers_at_the_parent_indentation_are_accepted_like_cloudformation_does() -> R {
    let text = "K:\n  P: {\n    \"A\": [\n      1\n  ]\n  }\nL: x\n";
    let root = parse_yaml(text)?;
    let p = root.get("K").and_then(|k| k.get("P"));
    assert_eq!(
        p.map(|n| slice(text, n.span)),
        Some("{\n    \"A\": [\n      1\n  ]\n  }")
    );
    let one = p.and_then(|n| n.get("A")).and_then(|a| a.items().first());
    assert_eq!(one.map(|n| slice(text, n.span)), Some("1"));
    assert_eq!(root.get("L").map(|n| slice(text, n.span)), Some("x"));
    // A real indentation error stays an error.
    assert!(parse_yaml("a:\n  b: 1\n c: 2\n").is_err());
    // A quoted scalar whose lines run left of its key, as CloudFormation accepts.
    let text = "R:\n  - P: !Sub '{\n      \"A\": 1,\n   \"B\": 2\n  }'\n    Q: x\n";
    let root = parse_yaml(text)?;
    let item = root.get("R").and_then(|r| r.items().first());
    let p = item.and_then(|i| i.get("P"));
    assert_eq!(p.and_then(Node::as_str), Some("{ \"A\": 1, \"B\": 2 }"));
    assert_eq!(
        p.map(|n| slice(text, n.span)),
        Some("!Sub '{\n      \"A\": 1,\n   \"B\": 2\n  }'")
    );
    assert_eq!(
        item.and_then(|i| i.get("Q")).map(|n| slice(text, n.span)),
        Some("x")
    );
    Ok(())
}

#[test]
fn a_tagged_value_spans_from_its_tag() -> R {
    let text = "A: !Sub 'arn:${X}'\nB: !Join\n  - ''\n  - [a, b]\nC: !Ref\n";
    let root = parse_yaml(text)?;
    let whole = |k: &str| root.get(k).map(|n| slice(text, n.span));
    assert_eq!(whole("A"), Some("!Sub 'arn:${X}'"));
    assert_eq!(whole("B"), Some("!Join\n  - ''\n  - [a, b]"));
    assert_eq!(whole("C"), Some("!Ref"));
    Ok(())
}

fn tag_case(text: &str, tag: &str, kind: &'static str, written: &str) -> R {
    assert_eq!(
        describe(text, &["K"])?,
        Some((kind, Some(tag.to_string()), written)),
        "{text}"
    );
    Ok(())
}

#[test]
fn tag_sub() -> R {
    tag_case(
        "K: !Sub 'arn:${AWS::Partition}:iam::${AWS::AccountId}:root'\n",
        "Sub",
        "string",
        "'arn:${AWS::Partition}:iam::${AWS::AccountId}:root'",
    )
}

#[test]
fn tag_sub_with_variables_map() -> R {
    tag_case(
        "K: !Sub\n  - 'arn:${P}'\n  - P: !Ref X\n",
        "Sub",
        "seq",
        "- 'arn:${P}'\n  - P: !Ref X",
    )?;
    assert_eq!(
        describe("K: !Sub\n  - 'arn:${P}'\n  - P: !Ref X\n", &["K", "1", "P"])?,
        Some(("scalar", Some("Ref".into()), "X"))
    );
    Ok(())
}

#[test]
fn tag_ref() -> R {
    tag_case(
        "K: !Ref AWS::AccountId\n",
        "Ref",
        "scalar",
        "AWS::AccountId",
    )
}

#[test]
fn tag_getatt() -> R {
    tag_case("K: !GetAtt Role.Arn\n", "GetAtt", "scalar", "Role.Arn")
}

#[test]
fn tag_join() -> R {
    tag_case(
        "K: !Join [':', [a, !Ref B]]\n",
        "Join",
        "seq",
        "[':', [a, !Ref B]]",
    )?;
    assert_eq!(
        describe("K: !Join [':', [a, !Ref B]]\n", &["K", "1", "1"])?,
        Some(("scalar", Some("Ref".into()), "B"))
    );
    Ok(())
}

#[test]
fn tag_if() -> R {
    tag_case(
        "K: !If [IsProd, !Ref A, !Ref 'AWS::NoValue']\n",
        "If",
        "seq",
        "[IsProd, !Ref A, !Ref 'AWS::NoValue']",
    )?;
    assert_eq!(
        describe(
            "K: !If [IsProd, !Ref A, !Ref 'AWS::NoValue']\n",
            &["K", "2"]
        )?,
        Some(("string", Some("Ref".into()), "'AWS::NoValue'"))
    );
    Ok(())
}

#[test]
fn tag_select() -> R {
    tag_case(
        "K: !Select [0, !GetAZs '']\n",
        "Select",
        "seq",
        "[0, !GetAZs '']",
    )
}

#[test]
fn tag_split() -> R {
    tag_case(
        "K: !Split [',', !ImportValue Subnets]\n",
        "Split",
        "seq",
        "[',', !ImportValue Subnets]",
    )
}

#[test]
fn tag_findinmap() -> R {
    tag_case(
        "K: !FindInMap [Map, !Ref 'AWS::Region', Key]\n",
        "FindInMap",
        "seq",
        "[Map, !Ref 'AWS::Region', Key]",
    )
}

#[test]
fn tag_importvalue() -> R {
    tag_case(
        "K: !ImportValue\n  'Fn::Sub': '${Stack}-KeyArn'\n",
        "ImportValue",
        "map",
        "'Fn::Sub': '${Stack}-KeyArn'",
    )
}

#[test]
fn tag_base64() -> R {
    tag_case("K: !Base64 \"hello\"\n", "Base64", "string", "\"hello\"")
}

#[test]
fn tag_cidr() -> R {
    tag_case(
        "K: !Cidr [!GetAtt Vpc.CidrBlock, 6, 5]\n",
        "Cidr",
        "seq",
        "[!GetAtt Vpc.CidrBlock, 6, 5]",
    )?;
    assert_eq!(
        describe("K: !Cidr [!GetAtt Vpc.CidrBlock, 6, 5]\n", &["K", "0"])?,
        Some(("scalar", Some("GetAtt".into()), "Vpc.CidrBlock"))
    );
    Ok(())
}

#[test]
fn tag_getazs() -> R {
    tag_case("K: !GetAZs ''\n", "GetAZs", "string", "''")
}

#[test]
fn tag_equals() -> R {
    tag_case(
        "K: !Equals [!Ref Env, prod]\n",
        "Equals",
        "seq",
        "[!Ref Env, prod]",
    )
}

#[test]
fn tag_and() -> R {
    tag_case(
        "K: !And\n  - !Condition A\n  - !Condition B\n",
        "And",
        "seq",
        "- !Condition A\n  - !Condition B",
    )
}

#[test]
fn tag_or() -> R {
    tag_case(
        "K: !Or [!Condition A, !Condition B]\n",
        "Or",
        "seq",
        "[!Condition A, !Condition B]",
    )
}

#[test]
fn tag_not() -> R {
    tag_case(
        "K: !Not [!Equals [!Ref Env, prod]]\n",
        "Not",
        "seq",
        "[!Equals [!Ref Env, prod]]",
    )
}

#[test]
fn tag_condition() -> R {
    tag_case("K: !Condition IsProd\n", "Condition", "scalar", "IsProd")
}

#[test]
fn tag_transform() -> R {
    tag_case(
        "K: !Transform\n  Name: AWS::Include\n  Parameters:\n    Location: s3://b/k\n",
        "Transform",
        "map",
        "Name: AWS::Include\n  Parameters:\n    Location: s3://b/k",
    )
}

#[test]
fn tag_on_flow_map_and_block_scalar() -> R {
    tag_case("K: !Transform {Name: X}\n", "Transform", "map", "{Name: X}")?;
    tag_case(
        "K: !Sub |\n  arn:${A}\n  x\n\nL: 1\n",
        "Sub",
        "string",
        "|\n  arn:${A}\n  x",
    )
}

#[test]
fn tag_with_anchor_and_line_break() -> R {
    tag_case("K: &a !Ref\n  X\n", "Ref", "scalar", "X")?;
    tag_case("K: !Ref &a X\n", "Ref", "scalar", "X")
}

#[test]
fn tag_on_empty_value_does_not_panic() -> R {
    let text = "K: !Ref\nL: !GetAtt\n";
    let root = parse_yaml(text)?;
    let k = at(&root, &["K"]);
    assert_eq!(k.map(kind), Some("null"));
    assert_eq!(k.and_then(|n| n.tag.as_deref()), Some("Ref"));
    assert_eq!(
        at(&root, &["L"]).and_then(|n| n.tag.as_deref()),
        Some("GetAtt")
    );
    assert_eq!(
        describe("- !Ref\n", &["0"])?.map(|d| d.1),
        Some(Some("Ref".into()))
    );
    assert_eq!(
        describe("!Ref", &[])?.map(|d| (d.0, d.1)),
        Some(("null", Some("Ref".into())))
    );
    Ok(())
}

#[test]
fn empty_values_have_empty_spans() -> R {
    let root = parse_yaml("{a: , b, c: 1}")?;
    for k in ["a", "b"] {
        assert_eq!(
            root.get(k).map(|n| (kind(n), n.span.is_empty())),
            Some(("null", true))
        );
    }
    let text = "K: !Ref\nL: &x\nM: 1\n";
    let root = parse_yaml(text)?;
    assert_eq!(root.get("K").map(|n| n.span), Some(Span::new(3, 7)));
    assert_eq!(
        root.get("L").map(|n| n.span),
        Some(Span::empty(text.find("&x").map_or(0, |i| i + 2)))
    );
    let text = "? a\n: 1\n? b\n";
    assert_eq!(describe(text, &[])?.map(|d| d.2), Some("? a\n: 1\n? b"));
    Ok(())
}

#[test]
fn standard_and_verbatim_tags_keep_their_handle() -> R {
    assert_eq!(
        describe("K: !!str 012\n", &["K"])?,
        Some(("string", Some("!!str".into()), "012"))
    );
    assert_eq!(
        describe("K: !!int 12\n", &["K"])?,
        Some(("scalar", Some("!!int".into()), "12"))
    );
    assert_eq!(
        describe("K: !<tag:example.com,2000:x> v\n", &["K"])?,
        Some(("scalar", Some("!<tag:example.com,2000:x>".into()), "v"))
    );
    assert_eq!(
        describe("K: !!str\n", &["K"])?.map(|d| (d.0, d.1)),
        Some(("string", Some("!!str".into())))
    );
    Ok(())
}
