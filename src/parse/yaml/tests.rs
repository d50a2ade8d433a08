//! The YAML parser: tags, spans, offsets, limits, the lenient retry and resource skipping.

use super::offsets::value_start;
use super::*;
use crate::base::source::Span;
use crate::parse::{NodeKind, MAX_DEPTH};

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

// --- scalars --------------------------------------------------------------------------------

#[test]
fn plain_scalars_are_never_coerced() -> R {
    let text = "a: 012345678901\nb: yes\nc: on\nd: true\ne: 1.50\nf: kms:*\n";
    let root = parse_yaml(text)?;
    for (k, v) in [
        ("a", "012345678901"),
        ("b", "yes"),
        ("c", "on"),
        ("d", "true"),
        ("e", "1.50"),
        ("f", "kms:*"),
    ] {
        assert_eq!(
            root.get(k).map(|n| &n.kind),
            Some(&NodeKind::Scalar(v.into()))
        );
        assert_eq!(root.get(k).map(|n| slice(text, n.span)), Some(v));
    }
    Ok(())
}

#[test]
fn null_forms() -> R {
    let root = parse_yaml("a:\nb: ~\nc: null\nd: Null\ne: NULL\nf: nULL\ng: 'null'\n")?;
    for k in ["a", "b", "c", "d", "e"] {
        assert_eq!(root.get(k).map(kind), Some("null"), "{k}");
    }
    assert_eq!(root.get("f").map(kind), Some("scalar"));
    assert_eq!(root.get("g").map(kind), Some("string"));
    Ok(())
}

#[test]
fn spans_of_every_scalar_style() -> R {
    let text = "plain: some value   # comment\nsingle: 'it''s'\ndouble: \"a\\tb\"\nmulti: first\n  second\nliteral: |\n  line1\n  line2\n\nfolded: >-\n  a\n  b\nkeep: |+\n  k\n\n\nlast: x\n";
    let root = parse_yaml(text)?;
    let check = |k: &str, written: &str, value: &str| {
        let n = root.get(k);
        assert_eq!(n.map(|n| slice(text, n.span)), Some(written), "{k}");
        assert_eq!(n.and_then(Node::as_str), Some(value), "{k}");
    };
    check("plain", "some value", "some value");
    check("single", "'it''s'", "it's");
    check("double", "\"a\\tb\"", "a\tb");
    check("multi", "first\n  second", "first second");
    check("literal", "|\n  line1\n  line2", "line1\nline2\n");
    check("folded", ">-\n  a\n  b", "a b");
    check("keep", "|+\n  k", "k\n\n\n");
    check("last", "x", "x");
    assert_eq!(
        root.get_entry("single").map(|e| slice(text, e.key_span)),
        Some("single")
    );
    assert_eq!(root.get("multi").map(kind), Some("scalar"));
    assert_eq!(root.get("literal").map(kind), Some("string"));
    Ok(())
}

#[test]
fn block_scalar_with_comment_and_indent_indicator() -> R {
    let text = "- |2-  # note\n    indented\n- x\n";
    assert_eq!(
        describe(text, &["0"])?,
        Some(("string", None, "|2-  # note\n    indented"))
    );
    let text = "a: # c\n  |\n  x\n";
    assert_eq!(describe(text, &["a"])?.map(|d| d.2), Some("|\n  x"));
    Ok(())
}

#[test]
fn quoted_keys_and_key_spans() -> R {
    let text = "\"AWS\": a\n'Service': b\n";
    let root = parse_yaml(text)?;
    let keys: Vec<(&str, &str)> = root
        .entries()
        .iter()
        .map(|e| (e.key.as_str(), slice(text, e.key_span)))
        .collect();
    assert_eq!(keys, vec![("AWS", "\"AWS\""), ("Service", "'Service'")]);
    Ok(())
}

// --- collections ----------------------------------------------------------------------------

#[test]
fn duplicate_keys_are_all_kept_in_order() -> R {
    let text = "Principal:\n  AWS: a\n  Service: s\n  AWS: b\n";
    let root = parse_yaml(text)?;
    let p = at(&root, &["Principal"]);
    let entries: Vec<(&str, &str, &str)> = p
        .map(|p| {
            p.entries()
                .iter()
                .map(|e| {
                    (
                        e.key.as_str(),
                        slice(text, e.key_span),
                        slice(text, e.value.span),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(
        entries,
        vec![
            ("AWS", "AWS", "a"),
            ("Service", "Service", "s"),
            ("AWS", "AWS", "b")
        ]
    );
    let dups = p.map(Node::duplicate_keys).unwrap_or_default();
    assert_eq!(dups.len(), 1);
    assert_eq!(
        dups.first()
            .map(|d| d.1.iter().map(|s| slice(text, *s)).collect::<Vec<_>>()),
        Some(vec!["AWS", "AWS"])
    );
    Ok(())
}

#[test]
fn collection_spans() -> R {
    let text = "a:\n  - x\n  - y: 1\n    z: 2\n\nb: {k: [1, 2] }\nc: [ ]\n";
    assert_eq!(describe(text, &[])?.map(|d| d.2), Some(text.trim_end()));
    assert_eq!(
        describe(text, &["a"])?.map(|d| d.2),
        Some("- x\n  - y: 1\n    z: 2")
    );
    assert_eq!(
        describe(text, &["a", "1"])?.map(|d| d.2),
        Some("y: 1\n    z: 2")
    );
    assert_eq!(describe(text, &["b"])?.map(|d| d.2), Some("{k: [1, 2] }"));
    assert_eq!(describe(text, &["b", "k"])?.map(|d| d.2), Some("[1, 2]"));
    assert_eq!(describe(text, &["c"])?, Some(("seq", None, "[ ]")));
    Ok(())
}

#[test]
fn aliases_are_copies_spanned_at_the_alias() -> R {
    let text = "base: &b {x: 1, y: [a, b]}\ncopy: *b\nkey: !Ref &r Foo\nref: *r\n";
    let root = parse_yaml(text)?;
    let copy = at(&root, &["copy"]).ok_or_else(|| ParseError::new("no copy", Span::empty(0)))?;
    assert_eq!(slice(text, copy.span), "*b");
    assert_eq!(copy.get("x").and_then(Node::as_str), Some("1"));
    assert_eq!(at(copy, &["y", "1"]).and_then(Node::as_str), Some("b"));
    // Every span in the copy is the alias's, keys included.
    assert!(copy
        .entries()
        .iter()
        .all(|e| slice(text, e.key_span) == "*b"));
    assert_eq!(
        at(copy, &["y", "0"]).map(|n| slice(text, n.span)),
        Some("*b")
    );
    // The tag travels with the copy.
    let r = at(&root, &["ref"]);
    assert_eq!(r.and_then(|n| n.tag.as_deref()), Some("Ref"));
    assert_eq!(r.and_then(Node::as_str), Some("Foo"));
    // The anchored node itself is unchanged.
    assert_eq!(
        describe(text, &["base"])?.map(|d| d.2),
        Some("{x: 1, y: [a, b]}")
    );
    Ok(())
}

#[test]
fn merge_keys_merge_under_the_keys_written_beside_them() -> R {
    let text = "base: &b {x: 1, y: 2}\nother: &o {y: 9, z: 3}\nd:\n  <<: [*b, *o]\n  x: 5\n";
    let root = parse_yaml(text)?;
    let d = at(&root, &["d"]).ok_or_else(|| ParseError::new("no d", Span::empty(0)))?;
    let keys: Vec<&str> = d.entries().iter().map(|e| e.key.as_str()).collect();
    // Merged first, the earlier mapping wins over the later, the written key over both, and no
    // key comes twice (a duplicate would be a finding of its own).
    assert_eq!(keys, ["y", "z", "x"]);
    assert_eq!(d.get("x").and_then(Node::as_str), Some("5"));
    assert_eq!(d.get("y").and_then(Node::as_str), Some("2"));
    assert_eq!(d.get("z").and_then(Node::as_str), Some("3"));
    assert!(d.duplicate_keys().is_empty());
    // A single merged mapping, inline.
    let root = parse_yaml("d:\n  <<: {a: 1}\n  b: 2\n")?;
    assert_eq!(at(&root, &["d", "a"]).and_then(Node::as_str), Some("1"));
    // A quoted `<<` is an ordinary key; a merge of a scalar is an error at the value.
    let root = parse_yaml("d:\n  '<<': {a: 1}\n")?;
    assert!(at(&root, &["d", "<<", "a"]).is_some());
    let text = "d:\n  <<: 3\n";
    assert_eq!(err(text).map(|e| e.span.start), text.find('3'));
    Ok(())
}

#[test]
fn an_alias_to_its_own_ancestor_is_an_error() {
    let text = "a: &a [1, *a]\n";
    let e = err(text);
    assert!(
        e.as_ref()
            .is_some_and(|e| e.message.contains("contains it")),
        "{e:?}"
    );
    assert_eq!(e.map(|e| e.span.start), text.find("*a"));
}

#[test]
fn complex_keys_are_errors_at_the_key() {
    let text = "a: 1\n? [x, y]\n: 2\n";
    let e = err(text);
    assert_eq!(
        e.as_ref().map(|e| e.message.as_str()),
        Some("complex mapping keys are not supported")
    );
    assert_eq!(e.map(|e| e.span.start), text.find('['));
    let text = "{a: 1, {b: 2}: 3}";
    let e = err(text);
    assert_eq!(
        e.as_ref().map(|e| e.message.as_str()),
        Some("complex mapping keys are not supported")
    );
    assert_eq!(e.map(|e| e.span.start), text.find("{b"));
    let text = "? - a\n: 1\n";
    assert_eq!(
        err(text).map(|e| e.message),
        Some("complex mapping keys are not supported".into())
    );
}

#[test]
fn empty_and_comment_only_streams_are_null() -> R {
    for text in ["", "# nothing\n", "\u{feff}", "---\n", "\n\n"] {
        let n = parse_yaml(text)?;
        assert_eq!(n.kind, NodeKind::Null, "{text:?}");
    }
    assert_eq!(parse_yaml("")?.span, Span::empty(0));
    Ok(())
}

#[test]
fn a_second_document_is_an_error_at_its_marker() -> R {
    for text in [
        "a: 1\n---\nb: 2\n",
        "--- !Foo\na: 1\n...\n--- b\n",
        "a: 1\n--- # an empty second document\n",
    ] {
        let e = err(text);
        assert!(
            e.as_ref()
                .is_some_and(|e| e.message.contains("second YAML document")),
            "{text:?}: {e:?}"
        );
        let second = text.rfind("---");
        assert_eq!(
            e.map(|e| (e.span.start, e.span.len())),
            second.map(|s| (s, 3)),
            "{text:?}"
        );
    }
    // One document, with its markers, is fine.
    let root = parse_yaml("--- !Foo\na: 1\n...\n")?;
    assert_eq!(root.tag.as_deref(), Some("Foo"));
    assert_eq!(root.entries().len(), 1);
    Ok(())
}

// --- offsets --------------------------------------------------------------------------------

#[test]
fn non_ascii_text_gives_byte_spans() -> R {
    let text = "# é 🎉 日本語\nDescription: \"clé 🔑 キー\"\nk: 日本\nz: !Sub '${A}é'\nlit: |\n  ü\n  🎉\nend: x\n";
    let root = parse_yaml(text)?;
    let check = |k: &str, written: &str| {
        assert_eq!(
            root.get(k)
                .map(|n| slice(text, Span::new(value_start(text, n), n.span.end))),
            Some(written),
            "{k}"
        );
        assert_eq!(
            root.get_entry(k).map(|e| slice(text, e.key_span)),
            Some(k),
            "{k}"
        );
    };
    check("Description", "\"clé 🔑 キー\"");
    check("k", "日本");
    check("z", "'${A}é'");
    check("lit", "|\n  ü\n  🎉");
    check("end", "x");
    Ok(())
}

#[test]
fn bom_is_accepted() -> R {
    let text = "\u{feff}a: b\n";
    assert_eq!(describe(text, &["a"])?.map(|d| d.2), Some("b"));
    let root = parse_yaml(text)?;
    assert_eq!(
        root.get_entry("a").map(|e| slice(text, e.key_span)),
        Some("a")
    );
    Ok(())
}

#[test]
fn crlf_spans_slice_exactly_the_value() -> R {
    let text =
        "a: 1\r\nb:\r\n  c: value on line 3\r\n  d: 'q'\r\ne: |\r\n  x\r\n  y\r\nf: [1, 2]\r\n";
    assert_eq!(
        describe(text, &["b", "c"])?.map(|d| d.2),
        Some("value on line 3")
    );
    assert_eq!(describe(text, &["b", "d"])?.map(|d| d.2), Some("'q'"));
    assert_eq!(
        describe(text, &["b"])?.map(|d| d.2),
        Some("c: value on line 3\r\n  d: 'q'")
    );
    assert_eq!(
        describe(text, &["e"])?.map(|d| d.2),
        Some("|\r\n  x\r\n  y")
    );
    assert_eq!(describe(text, &["f"])?.map(|d| d.2), Some("[1, 2]"));
    Ok(())
}

// --- errors ---------------------------------------------------------------------------------

#[test]
fn scan_errors_are_located_in_bytes() {
    let text = "é: 1\nkey: [1, 2\nb: 3\n";
    let e = err(text);
    assert!(
        e.as_ref().is_some_and(|e| !e.message.contains(" line ")),
        "{e:?}"
    );
    assert_eq!(e.map(|e| e.span.start), text.find("b: 3").map(|i| i + 1));

    let text = "ü: 1\n- b\n";
    let e = err(text);
    assert!(
        e.as_ref()
            .is_some_and(|e| e.message.contains("did not find expected key")),
        "{e:?}"
    );
    assert_eq!(e.map(|e| e.span.start), text.find('b'));

    let e = err("a: *nope\n");
    assert!(
        e.as_ref()
            .is_some_and(|e| e.message.contains("unknown anchor")),
        "{e:?}"
    );

    let e = err("a: 'unterminated\n");
    assert!(e.is_some());
}

#[test]
fn tab_indentation_is_a_located_error() {
    for text in [
        "Statement:\n\tEffect: Allow\n",
        "a:\n  b: 1\n\tc: 2\n",
        "é:\n  - x\n\t- y\n",
    ] {
        let e = err(text);
        assert!(
            e.as_ref().is_some_and(|e| e.message.contains("not tabs")),
            "{text:?} {e:?}"
        );
        assert_eq!(
            e.map(|e| slice(text, e.span).to_string()),
            Some("\t".into()),
            "{text:?}"
        );
    }
}

#[test]
fn alias_bomb_is_an_error_fast() {
    let mut text = String::from(
        "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    for (prev, name) in ["a", "b", "c", "d", "e", "f", "g", "h", "i"]
        .iter()
        .zip(["b", "c", "d", "e", "f", "g", "h", "i", "j"])
    {
        let refs = vec![format!("*{prev}"); 9].join(",");
        text.push_str(&format!("{name}: &{name} [{refs}]\n"));
    }
    let started = std::time::Instant::now();
    let e = err(&text);
    assert!(started.elapsed() < std::time::Duration::from_secs(2));
    assert!(
        e.as_ref()
            .is_some_and(|e| e.message.contains("aliases expand to more than")),
        "{e:?}"
    );
    // At the alias that crossed the limit.
    assert!(e.is_some_and(|e| text.get(e.span.start..).is_some_and(|t| t.starts_with('*'))));
}

// --- depth ----------------------------------------------------------------------------------

#[test]
fn deep_flow_nesting_is_an_error_not_a_crash() {
    let text = "[".repeat(100_000);
    let e = err(&text);
    assert_eq!(
        e.as_ref().map(|e| e.message.as_str()),
        Some("nesting deeper than 256 levels")
    );
    assert!(e.is_some_and(|e| e.span.start < 300));
    let text = format!("a: {}", "{b: ".repeat(100_000));
    assert_eq!(
        err(&text).map(|e| e.message),
        Some("nesting deeper than 256 levels".into())
    );
}

#[test]
fn deep_block_nesting_is_an_error_not_a_crash() -> R {
    let nested = |depth: usize| {
        let mut text = String::new();
        for i in 0..depth {
            text.push_str(&" ".repeat(i));
            text.push_str("k:\n");
        }
        text.push_str(&" ".repeat(depth));
        text.push_str("v\n");
        text
    };
    // `depth` keys make `depth` nested maps.
    let ok = parse_yaml(&nested(MAX_DEPTH))?;
    assert!(ok.is_map());
    let text = nested(MAX_DEPTH + 1);
    let e = err(&text);
    assert_eq!(
        e.as_ref().map(|e| e.message.as_str()),
        Some("nesting deeper than 256 levels")
    );
    assert_eq!(
        e.map(|e| slice(&text, e.span).to_string()),
        Some("k".into())
    );
    let text = nested(20_000);
    assert!(err(&text).is_some());
    let seqs = "- ".repeat(100_000) + "x\n";
    assert_eq!(
        err(&seqs).map(|e| e.message),
        Some("nesting deeper than 256 levels".into())
    );
    Ok(())
}

// --- offset maps ----------------------------------------------------------------------------

fn offset_map_case(text: &str, path: &[&str], needles: &[&str]) -> Result<bool, ParseError> {
    let root = parse_yaml(text)?;
    let Some(node) = at(&root, path) else {
        return Ok(false);
    };
    let Some(map) = scalar_offset_map(text, node) else {
        return Ok(false);
    };
    let value = node.as_str().unwrap_or("");
    for needle in needles {
        let Some(d) = value.find(needle) else {
            return Ok(false);
        };
        let start = map.map(d);
        let end = map.map(d + needle.len());
        assert_eq!(
            slice(text, Span::new(start, end)),
            *needle,
            "{text:?} {needle:?}"
        );
    }
    Ok(true)
}

#[test]
fn offset_map_for_literal_json_policy() -> R {
    let text = "Resources:\n  Key:\n    Properties:\n      KeyPolicy: |\n        {\n          \"Statement\": [{\n            \"Principal\": {\"AWS\": \"*\"},\n\n            \"Action\": \"kms:*\"\n          }]\n        }\n      Other: x\n";
    let path = ["Resources", "Key", "Properties", "KeyPolicy"];
    assert!(offset_map_case(
        text,
        &path,
        &["\"Statement\"", "{\"AWS\": \"*\"}", "\"kms:*\"", "}]"]
    )?);
    let crlf = text.replace('\n', "\r\n");
    assert!(offset_map_case(
        &crlf,
        &path,
        &["\"Principal\"", "\"kms:*\""]
    )?);
    let strip = text.replace("KeyPolicy: |", "KeyPolicy: |-");
    assert!(offset_map_case(&strip, &path, &["\"Action\""])?);
    let keep = text.replace("KeyPolicy: |", "KeyPolicy: |+ # keep");
    assert!(offset_map_case(&keep, &path, &["\"Action\""])?);
    let tagged = text.replace("KeyPolicy: |", "KeyPolicy: !Sub |");
    assert!(offset_map_case(&tagged, &path, &["\"Action\""])?);
    let unicode = text.replace("kms:*", "kms:é🎉");
    assert!(offset_map_case(&unicode, &path, &["\"kms:é🎉\""])?);
    Ok(())
}

#[test]
fn offset_map_for_flow_scalars() -> R {
    assert!(offset_map_case("a: {\"k\": 1}\n", &["a"], &["\"k\""]).is_ok());
    assert!(offset_map_case(
        "a: '{\"k\": 1}'\n",
        &["a"],
        &["\"k\"", "1}"]
    )?);
    assert!(offset_map_case(
        "a: 'it''s {\"k\": 1}'\n",
        &["a"],
        &["it", "s {\"k\"", "1}"]
    )?);
    assert!(offset_map_case("a: \"{'k': 1}\"\n", &["a"], &["'k'"])?);
    assert!(offset_map_case("a: !Sub é{k}\n", &["a"], &["{k}"])?);
    Ok(())
}

#[test]
fn offset_map_refuses_what_it_cannot_map() -> R {
    assert!(!offset_map_case("a: >\n  {\"k\":\n  1}\n", &["a"], &[])?);
    assert!(!offset_map_case("a: \"{\\\"k\\\": 1}\"\n", &["a"], &[])?);
    assert!(!offset_map_case("a: multi\n  line\n", &["a"], &[])?);
    assert!(!offset_map_case("a: 'multi\n  line'\n", &["a"], &[])?);
    assert!(!offset_map_case("a: [1]\n", &["a"], &[])?);
    Ok(())
}

proptest::proptest! {
    #[test]
    fn never_panics_on_arbitrary_text(text in "\\PC*") {
        let _ = parse_yaml(&text);
    }

    #[test]
    fn never_panics_on_yaml_like_text(text in "[ \\t\\r\\n:\\-?,\\[\\]{}|>!&*#'\"%@`a-cé🎉0-9~.<>+]{0,80}") {
        if let Ok(node) = parse_yaml(&text) {
            check_spans(&text, &node);
        }
    }
}

/// Every span lies on char boundaries inside the text, and offset maps stay inside too.
fn check_spans(text: &str, node: &Node) {
    assert!(
        node.span.start <= node.span.end && text.get(node.span.start..node.span.end).is_some(),
        "{text:?} {node:?}"
    );
    if let Some(map) = scalar_offset_map(text, node) {
        let len = node.as_str().map_or(0, str::len);
        assert!(map.map(len) <= text.len(), "{text:?} {node:?}");
    }
    for e in node.entries() {
        assert!(
            text.get(e.key_span.start..e.key_span.end).is_some(),
            "{text:?} {e:?}"
        );
        check_spans(text, &e.value);
    }
    node.items().iter().for_each(|n| check_spans(text, n));
}

const TEMPLATE: &str = "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  Bucket:\n    Type: AWS::S3::Bucket\n    Properties:\n      Tags:\n        - Key: a\n          Value: |\n            text\n\n  # a comment\n  Key:\n    Type: AWS::KMS::Key\n    Properties:\n      KeyPolicy: {Statement: [{Effect: Allow, Principal: '*'}]}\n  Queue:\n    Type: AWS::SQS::Queue\nOutputs:\n  Arn:\n    Value: !GetAtt Key.Arn\n";

#[test]
fn dropped_resources_leave_every_other_span_in_place() -> Result<(), String> {
    let keep = |t: &str| t.contains("AWS::KMS::");
    let kept = drop_section_entries(TEMPLATE, "Resources", keep)
        .ok_or("no drop")?
        .text;
    assert!(
        !kept.contains("Bucket") && !kept.contains("Queue"),
        "{kept}"
    );
    assert!(kept.contains("  Key:\n") && kept.contains("Outputs:"));
    let node = parse_yaml_keeping(TEMPLATE, "Resources", keep).ok_or("no parse")?;
    let full = parse_yaml(TEMPLATE).map_err(|e| e.to_string())?;
    let key = |n: &Node| {
        n.get("Resources")
            .and_then(|r| r.get("Key"))
            .map(|k| (k.span, format!("{k:?}")))
    };
    assert_eq!(
        key(&node),
        key(&full),
        "the kept resource is parsed as in the whole text"
    );
    assert_eq!(
        node.get("Outputs").map(|o| o.span),
        full.get("Outputs").map(|o| o.span)
    );
    check_spans(TEMPLATE, &node);
    Ok(())
}

#[test]
fn a_parse_that_disagrees_with_the_scan_is_not_used() {
    let keep = |t: &str| t.contains("AWS::KMS::");
    // The `Resources:` line is inside a quoted scalar; the `B:` line is inside K's scalar.
    for text in [
        "Description: 'a\nResources:\n  A:\n    Type: AWS::S3::Bucket\n  K:\n    Type: AWS::KMS::Key'\n",
        "Resources:\n  K:\n    Type: AWS::KMS::Key\n    D: \"x\n  B:\n    Type: AWS::S3::Bucket\n    E: y\"\n",
    ] {
        assert!(yaml_parses(text), "{text:?}");
        assert!(
            parse_yaml_keeping(text, "Resources", keep).is_none(),
            "{text:?}"
        );
    }
}

fn yaml_parses(text: &str) -> bool {
    parse_yaml(text).is_ok()
}

#[test]
fn resource_drop_gives_up_on_layouts_it_does_not_know() {
    let keep = |t: &str| t.contains("AWS::KMS::");
    for text in [
        // Flow-style section, a list, a shallower line, a tab, a strange column-0 line.
        "Resources: {A: {Type: AWS::S3::Bucket}}\n",
        "Resources:\n  - A\n",
        "Resources:\n    A:\n      Type: AWS::S3::Bucket\n  B:\n    Type: AWS::KMS::Key\n",
        "Resources:\n\tA:\n",
        // A lone carriage return breaks a YAML line too.
        "Resources:\n  A:\n    Type: AWS::S3::Bucket\n    V: x\rZ: 1\n  K:\n    Type: AWS::KMS::Key\n",
        "Resources:\n  A:\n    Type: AWS::S3::Bucket\n    Value: '\n}'\n  K:\n    Type: AWS::KMS::Key\n",
        // Nothing to drop.
        "Resources:\n  K:\n    Type: AWS::KMS::Key\n",
        "Parameters:\n  A:\n    Type: String\n",
    ] {
        assert!(
            drop_section_entries(text, "Resources", keep).is_none(),
            "{text:?}"
        );
    }
}
