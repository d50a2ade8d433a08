//! Differential: the scans that keep unrelated Terraform blocks and CloudFormation resources
//! out of the parse never change what is parsed of the rest (`parse::differential`). The first
//! byte picks HCL (even) or YAML (odd) and which entries are kept.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    if let Err(e) = kmslint::fuzzing::differential::check_reduced_parse(selector, text) {
        panic!("{e}");
    }
});
