//! Arbitrary bytes through the whole check of one document, as the CLI does it: the first byte
//! picks the file name (template, plan, bare policy, Terraform), the rest is the file. Every
//! finding must point inside its file, and so must what the template extractor returns (the
//! reporters clamp spans, so check them before that).
#![no_main]
use kmslint::Config;
use kmslint::fuzzing as kf;
use kmslint::Registry;
use kmslint::fuzzing::FileId;
use libfuzzer_sys::fuzz_target;
use std::sync::LazyLock;

static REG: LazyLock<Option<Registry>> = LazyLock::new(|| Registry::builtin().ok());
const NAMES: [&str; 6] = [
    "template.yaml",
    "template.json",
    "policy.json",
    "main.tf",
    "main.tf.json",
    "stack.template",
];

fuzz_target!(|data: &[u8]| {
    let Some((first, rest)) = data.split_first() else {
        return;
    };
    let Some(reg) = REG.as_ref() else {
        return;
    };
    let name = NAMES[usize::from(*first) % NAMES.len()];
    let cfg = Config::default();
    for f in kmslint::check_bytes(name, rest, &cfg, reg) {
        let len = f.file.text.len();
        assert!(f.span.start <= f.span.end && f.span.end <= len, "{f:?}");
        for r in &f.related {
            assert!(r.span.start <= r.span.end && r.span.end <= r.file.text.len());
        }
    }
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let is_json = name.ends_with(".json");
    let parsed = if is_json {
        kmslint::fuzzing::json::parse_json(text)
    } else {
        kmslint::fuzzing::yaml::parse_yaml(text)
    };
    if let Ok(root) = parsed {
        if kf::is_template(&root) {
            let out = kf::extract_template(FileId(0), text, &root, is_json);
            for e in &out.errors {
                assert!(
                    e.span.start <= e.span.end && e.span.end <= text.len(),
                    "{e:?}"
                );
            }
        }
    }
});
