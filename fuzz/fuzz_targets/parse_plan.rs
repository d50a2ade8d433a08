//! `terraform show -json` plans: JSON parse, then plan extraction (policy strings parsed too).
#![no_main]
use kmslint::fuzzing as kf;
use kmslint::fuzzing::FileId;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(node) = kmslint::fuzzing::json::parse_json(text) else {
        return;
    };
    let _ = kf::looks_like_plan(&node);
    let out = kf::extract_plan(FileId(0), text, &node);
    for e in &out.errors {
        assert!(e.span.start <= e.span.end && e.span.end <= text.len());
    }
});
