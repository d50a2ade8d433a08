#!/usr/bin/env bash
# bench/rss.sh — peak memory (RSS) of kmslint on the largest inputs its limits allow.
#
# Usage: bench/rss.sh [BIN]      default: target/release/kmslint (built if missing)
#
# Generates each input under $WORK (default bench/work/rss, reused), runs kmslint on it once
# under GNU time, and prints a Markdown table: input, size, exit status, peak RSS, wall time.
# The goal is a peak under 512 MiB on every row: the limits ([scan] max_file_size = 32 MiB, at
# most 1,000,000 values per JSON/YAML document, 4 MiB of HCL per module) and the driver (batches
# bounded in bytes, at most 4 MiB of input parsed at once across the workers) make it hold on
# any input. Inputs:
#   many-30mb      64 CloudFormation templates of 30 MiB (the issue's case), one key each
#   zeros-json     one 32 MiB JSON template that is mostly `[0,0,0,…]` (two bytes a tree node)
#   maps-yaml      one 32 MiB YAML template of one-entry maps (the costliest YAML per byte)
#   zeros-hcl      one 32 MiB .tf module of `[0,0,…]`
#   small-zeros    64 JSON files of 2 MiB of zeros (many adversarial files at once), --jobs 64
#   plan-32mb      a 32 MiB `terraform show -json` plan of realistic resources, on stdin
#   stdin-300mb    300 MB on standard input (read no further than the limit)
#   doubling       a 2 KB module doubling a principal list with concat() 40 times
# Needs: python3, GNU time (`/usr/bin/time`).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
BIN=${1:-$repo/target/release/kmslint}
WORK=${WORK:-$here/work/rss}
if [ ! -x "$BIN" ]; then (cd "$repo" && cargo build --release); fi
mkdir -p "$WORK"
cd "$WORK"

python3 - <<'PY'
import json, os
MB = 1024 * 1024
KEY = {"Type": "AWS::KMS::Key", "Properties": {"KeyPolicy": {"Statement": [
    {"Effect": "Allow", "Principal": "*", "Action": "kms:Decrypt", "Resource": "*"}]}}}

def once(path, make):
    if not os.path.exists(path):
        os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
        make(path)

def many(path):
    os.makedirs(path, exist_ok=True)
    res = {"Key": KEY}
    i = 0
    while i % 10000 or len(json.dumps(res)) < 30 * MB:
        res[f"Bucket{i}"] = {"Type": "AWS::S3::Bucket", "Properties": {
            "BucketName": f"bucket-{i:08d}", "Tags": [{"Key": "team", "Value": "platform"}]}}
        i += 1
    text = json.dumps({"AWSTemplateFormatVersion": "2010-09-09", "Resources": res})
    for n in range(64):
        with open(f"{path}/t{n:02d}.json", "w") as f:
            f.write(text)

def zeros_json(path, size=32 * MB - 4096):
    head = '{"AWSTemplateFormatVersion":"2010-09-09","Resources":{"K":' + json.dumps(KEY) + '},"X":['
    n = (size - len(head) - 2) // 2
    with open(path, "w") as f:
        f.write(head + ",".join(["0"] * n) + "]}")

def maps_yaml(path):
    with open(path, "w") as f:
        f.write('AWSTemplateFormatVersion: "2010-09-09"\nResources:\n  K:\n    Type: AWS::KMS::Key\nX:\n')
        line, size, i = "", 0, 0
        while size < 32 * MB - 4096:
            line = f"  - a{i % 10}: 0\n"
            f.write(line); size += len(line); i += 1

def zeros_hcl(path):
    head = 'resource "aws_kms_key" "k" {}\nlocals {\n  x = ['
    n = (32 * MB - 4096 - len(head)) // 2
    with open(path, "w") as f:
        f.write(head + ",".join(["0"] * n) + "]\n}\n")

def small_zeros(path):
    os.makedirs(path, exist_ok=True)
    for i in range(64):
        zeros_json(f"{path}/z{i:02d}.json", 2 * MB)

def plan(path):
    resources = []
    policy = json.dumps({"Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"},
                                        "Action": "kms:Decrypt", "Resource": "*"}]})
    resources.append({"address": "aws_kms_key.k", "mode": "managed", "type": "aws_kms_key",
                      "name": "k", "values": {"policy": policy}})
    i = 0
    while True:
        resources.append({"address": f"aws_s3_bucket.b{i}", "mode": "managed", "type": "aws_s3_bucket",
                          "name": f"b{i}", "provider_name": "registry.terraform.io/hashicorp/aws",
                          "values": {"bucket": f"bucket-{i:08d}", "force_destroy": False,
                                     "tags": {"team": "platform", "env": "prod"}, "versioning": [{"enabled": True}]}})
        i += 1
        if i % 1000 == 0 and len(json.dumps(resources)) > 31 * MB:
            break
    with open(path, "w") as f:
        json.dump({"format_version": "1.2", "terraform_version": "1.11.4",
                   "planned_values": {"root_module": {"resources": resources}}}, f)

def doubling(path):
    with open(path, "w") as f:
        f.write('locals {\n  l0 = ["arn:aws:iam::111122223333:root"]\n')
        for i in range(1, 41):
            f.write(f"  l{i} = concat(local.l{i-1}, local.l{i-1})\n")
        f.write('}\nresource "aws_kms_key" "k" {\n  policy = jsonencode({Statement = [{Effect = "Allow", '
                'Principal = { AWS = local.l40 }, Action = "kms:Decrypt", Resource = "*"}]})\n}\n')

once("many-30mb/t00.json", lambda p: many("many-30mb"))
once("zeros-json/t.json", zeros_json)
once("maps-yaml/t.yaml", maps_yaml)
once("zeros-hcl/main.tf", zeros_hcl)
once("small-zeros/z00.json", lambda p: small_zeros("small-zeros"))
once("plan-32mb.json", plan)
once("doubling/main.tf", doubling)
PY

measure() { # NAME SIZE-PATH COMMAND...
  local name=$1 sized=$2; shift 2
  local size rc
  size=$(du -sh "$sized" | cut -f1)
  set +e
  /usr/bin/time -o time.txt -f "%M %e" "$@" >/dev/null 2>err.txt
  rc=$?
  set -e
  read -r kb secs < <(tail -1 time.txt)
  printf '| %s | %s | %s | %s MiB | %s s |\n' "$name" "$size" "$rc" "$((kb / 1024))" "$secs"
}

echo "| input | size | exit | peak RSS | wall |"
echo "|---|---:|---:|---:|---:|"
measure many-30mb many-30mb "$BIN" --isolated --format json many-30mb
measure zeros-json zeros-json "$BIN" --isolated --format json zeros-json
measure maps-yaml maps-yaml "$BIN" --isolated --format json maps-yaml
measure zeros-hcl zeros-hcl "$BIN" --isolated --format json zeros-hcl
measure small-zeros small-zeros "$BIN" --isolated --jobs 64 --format json small-zeros
measure plan-32mb plan-32mb.json sh -c "'$BIN' --isolated --key-account 111122223333 --format json - < plan-32mb.json"
measure stdin-300mb /dev/null sh -c "yes '{\"Statement\": []}' | head -c 300000000 | '$BIN' --isolated -"
measure doubling doubling "$BIN" --isolated --format json doubling
