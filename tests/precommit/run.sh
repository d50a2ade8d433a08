#!/usr/bin/env bash
# Runs the real pre-commit against this repository's .pre-commit-hooks.yaml, with
# `pre-commit try-repo`, on a scratch git repository holding a bad and a good template, and
# checks that the hook blocks the bad one and passes the good one.
#
# pre-commit installs a `language: rust` hook with `cargo install --path .`: a release build.
# Set CARGO_TARGET_DIR to reuse a build directory between runs; .ci/run also turns LTO off for
# this build (CARGO_PROFILE_RELEASE_*), which only changes how long it takes.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
export PRE_COMMIT_HOME="${PRE_COMMIT_HOME:-$scratch/pre-commit-home}"
export NO_COLOR=1

cd "$scratch"
git init -q work
cd work
git config user.email ci@example.invalid
git config user.name ci
cat > bad.template <<'YAML'
Resources:
  Key:
    Type: AWS::KMS::Key
    Properties:
      KeyPolicy:
        Statement:
          - Effect: Allow
            Principal: "*"
            Action: kms:Decrypt
            Resource: "*"
YAML
cat > good.yaml <<'YAML'
Resources:
  Key:
    Type: AWS::KMS::Key
    Properties:
      KeyPolicy:
        Statement:
          - Effect: Allow
            Principal: {AWS: !Sub "arn:aws:iam::${AWS::AccountId}:root"}
            Action: kms:*
            Resource: "*"
YAML
echo "not infrastructure" > notes.txt
git add .

echo "--- bad and good: the hook must fail, naming only bad.template"
set +e
out=$(pre-commit try-repo "$repo" kmslint --verbose --color never --files bad.template good.yaml notes.txt 2>&1)
rc=$?
set -e
printf '%s\n' "$out"
[ "$rc" -ne 0 ] || { echo "FAIL: the hook passed a wildcard principal"; exit 1; }
grep -q 'KMS001 wildcard-principal' <<<"$out" || { echo "FAIL: no KMS001 finding"; exit 1; }
grep -q 'bad.template:8:24' <<<"$out" || { echo "FAIL: finding not located"; exit 1; }
if grep -q 'good.yaml:' <<<"$out"; then echo "FAIL: a finding in good.yaml"; exit 1; fi
grep -q 'in 2 files' <<<"$out" || { echo "FAIL: notes.txt was passed to kmslint (files: filter)"; exit 1; }

echo "--- a module file changed alone: the hook must check it with its module directory"
mkdir -p mod
cat > mod/main.tf <<'HCL'
resource "aws_kms_key" "k" {
  policy = templatefile("${path.module}/policy.tftpl", { readers = local.readers })
}
HCL
cat > mod/locals.tf <<'HCL'
locals {
  readers = "*"
}
HCL
cat > mod/policy.tftpl <<'JSON'
{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "${readers}"}, "Action": "kms:Decrypt", "Resource": "*"}]}
JSON
git add mod
for changed in mod/main.tf mod/policy.tftpl; do
  set +e
  out=$(pre-commit try-repo "$repo" kmslint --verbose --color never --files "$changed" 2>&1)
  rc=$?
  set -e
  printf '%s\n' "$out"
  [ "$rc" -ne 0 ] || { echo "FAIL: $changed alone passed (its module gives Principal *)"; exit 1; }
  grep -q 'KMS001 wildcard-principal' <<<"$out" || { echo "FAIL: no KMS001 for $changed"; exit 1; }
done

echo "--- good only: the hook must pass"
set +e
out=$(pre-commit try-repo "$repo" kmslint --verbose --color never --files good.yaml 2>&1)
rc=$?
set -e
printf '%s\n' "$out"
[ "$rc" -eq 0 ] || { echo "FAIL: the hook blocked a good template"; exit 1; }
grep -q 'no findings in 1 file' <<<"$out" || { echo "FAIL: no summary line"; exit 1; }
echo "pre-commit hook: OK"
