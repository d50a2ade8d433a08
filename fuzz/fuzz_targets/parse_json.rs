//! The JSON parser, and JSON held in a JSON string (a `KeyPolicy` string, a plan's `policy`).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(node) = kmslint::fuzzing::json::parse_json(text) {
        // Spans must slice the text: reporters rely on it.
        check_spans(text, &node);
    }
    let _ = kmslint::fuzzing::json::parse_json_in_string(text, 7);
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
