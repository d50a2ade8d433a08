//! Scalars, collections, aliases and merge keys, documents.

use super::*;

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
