//! Rough speed check against serde_json on a ~1 MB policy-like document:
//! `cargo test --release --test json_perf -- --ignored --nocapture`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use kmslint::fuzzing::json::parse_json;
use std::time::Instant;

fn document() -> String {
    let statement = r#"{"Sid": "Allow use of the key \"é\"", "Effect": "Allow", "Principal": {"AWS": ["arn:aws:iam::111122223333:role/Admin", "arn:aws:iam::444455556666:root"]}, "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*"], "Resource": "*", "Condition": {"NumericLessThan": {"kms:Size": 1.5e3}, "Bool": {"aws:SecureTransport": true}, "Null": null}}"#;
    let mut s = String::from("{\"Version\": \"2012-10-17\", \"Statement\": [\n");
    while s.len() < 1 << 20 {
        s.push_str("  ");
        s.push_str(statement);
        s.push_str(",\n");
    }
    s.push_str("  {}\n]}\n");
    s
}

#[test]
#[ignore]
fn parse_speed_is_close_to_serde_json() {
    let doc = document();
    let runs = 50;
    let best = |f: &dyn Fn()| {
        (0..runs)
            .map(|_| {
                let t = Instant::now();
                f();
                t.elapsed()
            })
            .min()
            .unwrap()
    };
    let ours = best(&|| drop(std::hint::black_box(parse_json(&doc).unwrap())));
    let serde = best(&|| {
        drop(std::hint::black_box(
            serde_json::from_str::<serde_json::Value>(&doc).unwrap(),
        ))
    });
    println!(
        "{} bytes: parse_json {:?}, serde_json::Value {:?} ({:.2}x)",
        doc.len(),
        ours,
        serde,
        ours.as_secs_f64() / serde.as_secs_f64()
    );
}
