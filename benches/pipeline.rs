//! Criterion micro-benchmarks: each parser and the model + rules, on generated inputs of a
//! realistic shape, so that a regression in one stage shows. `cargo bench --bench pipeline`.
#![allow(clippy::panic)]

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use kmslint::Config;
use kmslint::Registry;
use std::hint::black_box;

/// A key policy with `n` statements mixing principals and conditions.
fn policy_json(n: usize) -> String {
    let mut st = Vec::new();
    for i in 0..n {
        let principal = match i % 4 {
            0 => "\"*\"".to_string(),
            1 => format!(
                "{{\"AWS\": \"arn:aws:iam::{:012}:role/R{i}\"}}",
                100_000_000_000u64 + i as u64
            ),
            2 => "{\"Service\": \"logs.amazonaws.com\"}".to_string(),
            _ => "{\"AWS\": [\"arn:aws:iam::111111111111:root\", \"222222222222\"]}".to_string(),
        };
        let condition = match i % 3 {
            0 => ",\"Condition\": {\"StringEquals\": {\"aws:PrincipalOrgID\": \"o-a1b2c3d4e5\"}}",
            1 => ",\"Condition\": {\"Bool\": {\"aws:SecureTransport\": \"true\"}}",
            _ => "",
        };
        st.push(format!(
            "{{\"Sid\": \"S{i}\", \"Effect\": \"Allow\", \"Principal\": {principal}, \"Action\": [\"kms:Decrypt\", \"kms:DescribeKey\"], \"Resource\": \"*\"{condition}}}"
        ));
    }
    format!(
        "{{\"Version\": \"2012-10-17\", \"Statement\": [{}]}}",
        st.join(",\n")
    )
}

fn template_yaml(keys: usize) -> String {
    let mut s = String::from("AWSTemplateFormatVersion: '2010-09-09'\nResources:\n");
    for k in 0..keys {
        s.push_str(&format!(
            "  Key{k}:\n    Type: AWS::KMS::Key\n    Properties:\n      KeyPolicy:\n        Statement:\n          - Sid: Root\n            Effect: Allow\n            Principal: {{AWS: !Sub 'arn:aws:iam::${{AWS::AccountId}}:root'}}\n            Action: kms:*\n            Resource: '*'\n          - Sid: Org\n            Effect: Allow\n            Principal: '*'\n            Action: [kms:Decrypt]\n            Resource: '*'\n            Condition:\n              StringEquals: {{aws:PrincipalOrgID: o-a1b2c3d4e5}}\n"
        ));
    }
    s
}

fn module_hcl(keys: usize) -> String {
    let mut s = String::from("variable \"partner\" {\n  default = \"444455556666\"\n}\n");
    for k in 0..keys {
        s.push_str(&format!(
            "resource \"aws_kms_key\" \"k{k}\" {{\n  description = \"key {k}\"\n  policy = jsonencode({{\n    Version = \"2012-10-17\"\n    Statement = [{{\n      Sid = \"Partner\"\n      Effect = \"Allow\"\n      Principal = {{ AWS = \"arn:aws:iam::${{var.partner}}:root\" }}\n      Action = [\"kms:Decrypt\"]\n      Resource = \"*\"\n    }}]\n  }})\n}}\n"
        ));
    }
    s
}

fn parsers(c: &mut Criterion) {
    let mut g = c.benchmark_group("parse");
    let json = policy_json(2000);
    g.throughput(Throughput::Bytes(json.len() as u64));
    g.bench_function("json", |b| {
        b.iter(|| kmslint::fuzzing::json::parse_json(black_box(&json)))
    });
    let yaml = template_yaml(300);
    g.throughput(Throughput::Bytes(yaml.len() as u64));
    g.bench_function("yaml", |b| {
        b.iter(|| kmslint::fuzzing::yaml::parse_yaml(black_box(&yaml)))
    });
    let hcl = module_hcl(300);
    g.throughput(Throughput::Bytes(hcl.len() as u64));
    g.bench_function("hcl", |b| {
        b.iter(|| kmslint::fuzzing::hcl::parse_hcl(black_box(&hcl)))
    });
    g.finish();
}

/// A module of `keys` keys among `noise` unrelated resources, as real modules are.
fn noisy_module(keys: usize, noise: usize) -> String {
    let mut s = module_hcl(keys);
    for i in 0..noise {
        s.push_str(&format!(
            "resource \"aws_s3_bucket_policy\" \"b{i}\" {{\n  bucket = aws_s3_bucket.b{i}.id\n  policy = <<EOF\n{{\"Statement\": [{{\"Effect\": \"Allow\", \"Principal\": \"*\", \"Action\": \"s3:GetObject\", \"Resource\": \"${{aws_s3_bucket.b{i}.arn}}/*\"}}]}}\nEOF\n  tags = {{ Name = \"bucket-${{var.partner}}-{i}\", Team = \"data\" }}\n}}\n"
        ));
    }
    s
}

/// A template of `keys` keys among `noise` unrelated resources.
fn noisy_template(keys: usize, noise: usize) -> String {
    let mut s = template_yaml(keys);
    for i in 0..noise {
        s.push_str(&format!(
            "  Bucket{i}:\n    Type: AWS::S3::Bucket\n    Properties:\n      BucketName: !Sub 'data-${{AWS::AccountId}}-{i}'\n      Tags:\n        - Key: Team\n          Value: data\n      LifecycleConfiguration:\n        Rules:\n          - Id: expire\n            Status: Enabled\n            ExpirationInDays: 30\n"
        ));
    }
    s
}

/// The scans that keep unrelated blocks and resources out of the parse, against the whole
/// parse they save.
fn skipping_noise(c: &mut Criterion) {
    let mut g = c.benchmark_group("skip_noise");
    let hcl = noisy_module(10, 300);
    g.throughput(Throughput::Bytes(hcl.len() as u64));
    g.bench_function("hcl_block_scan", |b| {
        b.iter(|| kmslint::fuzzing::hcl::top_level_blocks(black_box(&hcl)))
    });
    g.bench_function("hcl_whole_parse", |b| {
        b.iter(|| kmslint::fuzzing::hcl::parse_hcl(black_box(&hcl)))
    });
    let kms = |blk: &kmslint::fuzzing::hcl::TopBlock| {
        blk.ident == "variable"
            || blk
                .labels
                .first()
                .is_some_and(|l| l.starts_with("aws_kms_"))
    };
    g.bench_function("hcl_kms_blocks_parse", |b| {
        b.iter(|| {
            kmslint::fuzzing::hcl::blank_blocks(black_box(&hcl), kms)
                .map(|t| kmslint::fuzzing::hcl::parse_hcl(&t))
        })
    });
    let yaml = noisy_template(10, 300);
    g.throughput(Throughput::Bytes(yaml.len() as u64));
    g.bench_function("yaml_whole_parse", |b| {
        b.iter(|| kmslint::fuzzing::yaml::parse_yaml(black_box(&yaml)))
    });
    g.bench_function("yaml_kms_resources_parse", |b| {
        b.iter(|| {
            kmslint::fuzzing::yaml::parse_yaml_keeping(
                black_box(&yaml),
                "Resources",
                kmslint::fuzzing::resource_matters,
            )
        })
    });
    g.finish();
}

fn model_and_rules(c: &mut Criterion) {
    let reg = match Registry::builtin() {
        Ok(r) => r,
        Err(e) => panic!("{e}"),
    };
    let mut cfg = Config::default();
    cfg.trust.accounts.insert("222222222222".into());
    cfg.trust.organizations.insert("o-a1b2c3d4e5".into());
    let mut g = c.benchmark_group("check_policy");
    for n in [10usize, 100, 1000] {
        let text = policy_json(n);
        g.throughput(Throughput::Elements(n as u64));
        g.bench_with_input(BenchmarkId::from_parameter(n), &text, |b, text| {
            b.iter(|| {
                kmslint::check_policy_text(
                    "policy.json",
                    black_box(text),
                    &cfg,
                    &reg,
                    Some("111111111111"),
                )
            })
        });
    }
    g.finish();
}

/// A root module as real ones are: a call of the registry kms module (evaluated from its bundled
/// source) with `for`-built inputs, and keys expanded by `for_each`, `count` and `dynamic`.
fn terraform_module(instances: usize) -> String {
    format!(
        r#"locals {{
  accounts = [for i in range({instances}) : format("%012d", 444455550000 + i)]
}}
module "kms" {{
  source     = "terraform-aws-modules/kms/aws"
  version    = "~> 4.0"
  key_users  = [for a in local.accounts : "arn:aws:iam::${{a}}:root"]
  key_administrators = ["arn:aws:iam::111122223333:role/admin"]
  key_statements = [{{
    sid        = "Service"
    actions    = ["kms:Decrypt"]
    resources  = ["*"]
    principals = [{{ type = "Service", identifiers = ["logs.amazonaws.com"] }}]
    condition  = [{{ test = "StringEquals", variable = "aws:SourceAccount", values = local.accounts }}]
  }}]
}}
data "aws_iam_policy_document" "p" {{
  for_each = toset(local.accounts)
  dynamic "statement" {{
    for_each = [each.key]
    content {{
      sid       = "A${{statement.key}}"
      actions   = ["kms:Decrypt"]
      resources = ["*"]
      principals {{
        type        = "AWS"
        identifiers = ["arn:aws:iam::${{statement.value}}:root"]
      }}
    }}
  }}
}}
resource "aws_kms_key" "each" {{
  for_each = toset(local.accounts)
  policy   = data.aws_iam_policy_document.p[each.key].json
}}
"#
    )
}

fn evaluator(c: &mut Criterion) {
    let reg = match Registry::builtin() {
        Ok(r) => r,
        Err(e) => panic!("{e}"),
    };
    let cfg = Config::default();
    let mut g = c.benchmark_group("terraform_evaluate");
    for n in [1usize, 10, 100] {
        let text = terraform_module(n);
        g.throughput(Throughput::Elements(n as u64));
        g.bench_with_input(BenchmarkId::from_parameter(n), &text, |b, text| {
            b.iter(|| kmslint::check_bytes("main.tf", black_box(text.as_bytes()), &cfg, &reg))
        });
    }
    g.finish();
}

criterion_group!(benches, parsers, skipping_noise, model_and_rules, evaluator);
criterion_main!(benches);
