//! The Terraform HCL parser, then extraction of a module made of that one file.
#![no_main]
use kmslint::fuzzing::{self as kf, Unit};
use kmslint::fuzzing::SourceFile;
use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Err(e) = kmslint::fuzzing::hcl::parse_hcl(text) {
        assert!(e.span.start <= e.span.end && e.span.end <= text.len());
    }
    let _ = kmslint::fuzzing::hcl::parse_template(text);
    let mut unit = Unit::single(SourceFile::new("main.tf", text));
    // An empty scan root: file() and templatefile() never read anything.
    let _ = kf::extract_module(&mut unit, Path::new(""), &[]);
});
