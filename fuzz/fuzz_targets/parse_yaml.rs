//! The YAML parser (CloudFormation short-form tags, aliases, flow collections).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match kmslint::fuzzing::yaml::parse_yaml(text) {
        Ok(node) => check_spans(text, &node),
        Err(e) => assert!(e.span.start <= e.span.end && e.span.end <= text.len()),
    }
});

fn check_spans(text: &str, node: &kmslint::fuzzing::Node) {
    assert!(node.span.start <= node.span.end && node.span.end <= text.len());
    for e in node.entries() {
        assert!(e.key_span.end <= text.len());
        check_spans(text, &e.value);
    }
    for i in node.items() {
        check_spans(text, i);
    }
}
