//! Offsets, depth, random text, resource skipping.

use super::*;

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
