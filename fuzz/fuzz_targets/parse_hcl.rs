//! The Terraform HCL parser, then extraction of a module made of that one file.
#![no_main]
use kmslint::extract::{terraform, Unit};
use kmslint::source::SourceFile;
use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Err(e) = kmslint::parse::hcl::parse_hcl(text) {
        assert!(e.span.start <= e.span.end && e.span.end <= text.len());
    }
    let _ = kmslint::parse::hcl::parse_template(text);
    let mut unit = Unit::single(SourceFile::new("main.tf", text));
    // An empty scan root: file() and templatefile() never read anything.
    let _ = terraform::extract_module(&mut unit, Path::new(""), &[]);
});
