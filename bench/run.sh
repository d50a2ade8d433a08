#!/usr/bin/env bash
# bench/run.sh — time kmslint against its peers and the I/O floor, in one go on this machine.
#
# Usage: bench/run.sh [CORPORA...]      default: corpus 1000 10000 100000
#   corpus   the real-world corpus in $SHARED/corpus
#   N        a synthetic corpus of N files from $SHARED/bench/make_synthetic.py (cached in $WORK)
#   modules-N  N Terraform root modules calling local and registry modules, from
#            bench/make_modules.py (module-instance evaluation; no peer reads module calls)
#
# For each corpus, hyperfine times (median of $RUNS runs after a warm-up; before every run the
# files are read once more, so each run starts with them in the page cache: some kernels evict
# cold page cache within minutes, which would otherwise time the disk instead of the tool):
#   cat         `cat` of every file: the I/O floor
#   kmslint     kmslint on the whole corpus (CloudFormation + Terraform)
#   checkov     Checkov restricted to its KMS key-policy check (--check CKV_AWS_33), on corpora of at
#               most $CHECKOV_MAX files (it needs about 80 s per 1,000 files here), $CHECKOV_RUNS runs
#   cfn-guard   cfn-guard with an equivalent KMS rule, on the CloudFormation files it can parse
#   kmslint-cfn kmslint on exactly those CloudFormation files, for the cfn-guard ratio
# and /usr/bin/time measures each command's peak RSS once. Prints a Markdown table (also written to
# $WORK/results.md): median wall time, files/s, MB/s, peak RSS, peer/kmslint and kmslint/floor.
#
# Environment: SHARED (default ../shared beside the repo), WORK (default bench/work), BENCH_VENV
# (peers; default $WORK/venv), RUNS (default 5), CHECKOV_MAX (default 1000), CHECKOV_RUNS (default 2;
# on the real-world corpus CHECKOV_CORPUS_RUNS, default 1),
# GUARD_MAX (largest synthetic corpus given to cfn-guard, default 10000), CHECKOV_CORPUS=0 to leave
# Checkov out on the real-world corpus (about 30 minutes a run on 2 cores),
# SKIP_INSTALL=1 to use the peers already in BENCH_VENV, PEERS=0 to time kmslint and `cat` only.
# Needs: hyperfine and GNU time (Debian packages `hyperfine`, `time`), python3, cargo.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
SHARED=${SHARED:-$repo/../shared}
WORK=${WORK:-$here/work}
BENCH_VENV=${BENCH_VENV:-$WORK/venv}
RUNS=${RUNS:-5}
CHECKOV_MAX=${CHECKOV_MAX:-1000}
CHECKOV_RUNS=${CHECKOV_RUNS:-2}
CHECKOV_CORPUS_RUNS=${CHECKOV_CORPUS_RUNS:-1}
GUARD_MAX=${GUARD_MAX:-10000}
mkdir -p "$WORK"
corpora=("$@")
[ ${#corpora[@]} -gt 0 ] || corpora=(corpus 1000 10000 100000)

for tool in hyperfine python3 cargo; do
  command -v "$tool" >/dev/null || { echo "bench/run.sh needs $tool" >&2; exit 2; }
done
[ -x /usr/bin/time ] || { echo "bench/run.sh needs GNU time (/usr/bin/time)" >&2; exit 2; }

PEERS=${PEERS:-1}
if [ "${SKIP_INSTALL:-0}" != 1 ] && [ "$PEERS" = 1 ]; then
  if [ ! -x "$BENCH_VENV/bin/checkov" ]; then
    python3 -m venv "$BENCH_VENV"
    "$BENCH_VENV/bin/pip" install -q --upgrade pip
    "$BENCH_VENV/bin/pip" install -q "checkov==3.3.30"
  fi
  if [ ! -x "$BENCH_VENV/bin/cfn-guard" ]; then
    cargo install --locked --root "$BENCH_VENV" cfn-guard --version 3.2.1
  fi
fi
export BC_SKIP_MAPPING=TRUE   # checkov: no network look-ups

(cd "$repo" && cargo build --release --locked -q)
kmslint=$repo/target/release/kmslint
guard=$BENCH_VENV/bin/cfn-guard
checkov=$BENCH_VENV/bin/checkov

# The same KMS rule as ../shared/bench/run_peers.sh gives cfn-guard: no bare wildcard principal in
# an Allow statement (cfn-guard cannot evaluate conditions or accounts).
rules=$WORK/kms.guard
cat > "$rules" <<'GUARD'
let kms_keys = Resources.*[ Type == 'AWS::KMS::Key' ]
rule KMS_KEY_POLICY_NO_WILDCARD_PRINCIPAL when %kms_keys !empty {
    %kms_keys.Properties.KeyPolicy.Statement[ Effect == 'Allow' ] {
        when Principal is_string { Principal != '*' }
        when Principal is_struct {
            when Principal.AWS is_string { Principal.AWS != '*' }
            when Principal.AWS is_list { Principal.AWS[*] != '*' }
        }
    }
}
GUARD

corpus_dir() {  # corpus_dir NAME -> directory
  if [ "$1" = corpus ]; then
    echo "$SHARED/corpus"
  elif [ "${1#modules-}" != "$1" ]; then
    local d=$WORK/$1
    if [ ! -f "$d.done" ]; then
      rm -rf "$d"
      python3 "$here/make_modules.py" "$d" -n "${1#modules-}" >/dev/null
      touch "$d.done"
    fi
    echo "$d"
  else
    local d=$WORK/synth-$1
    if [ ! -f "$d.done" ]; then
      rm -rf "$d"
      python3 "$SHARED/bench/make_synthetic.py" "$d" -n "$1" >/dev/null
      touch "$d.done"
    fi
    echo "$d"
  fi
}

# cfn-guard stops at the first file it cannot parse, so it gets a hard-linked view of the
# CloudFormation files it parses one by one (cached per corpus).
guard_view() {  # guard_view NAME DIR -> view directory
  local view=$WORK/guard-view-$1
  if [ ! -f "$view.done" ]; then
    rm -rf "$view"; mkdir -p "$view"
    find "$2" -type f \( -name '*.json' -o -name '*.yaml' -o -name '*.yml' -o -name '*.template' \) \
      ! -name '*.tf.json' -print0 | sort -z |
    while IFS= read -r -d '' f; do
      # Synthetic templates all parse; only the real-world corpus needs the per-file check.
      if [ "$1" != corpus ] || "$guard" validate -r "$rules" -d "$f" -S none >/dev/null 2>"$WORK/.g.err" || ! grep -q 'Error occurred' "$WORK/.g.err"; then
        rel=${f#"$2"/}; mkdir -p "$view/$(dirname "$rel")"
        ln "$f" "$view/$rel" 2>/dev/null || cp "$f" "$view/$rel"
      fi
    done
    touch "$view.done"
  fi
  echo "$view"
}

count() {  # count DIR -> "files bytes" (licence and manifest files of the corpus left out)
  find "$1" -type f ! -name 'LICENSE*' ! -name 'NOTICE*' ! -name 'MANIFEST.md' -printf '%s\n' |
    awk '{n++; b+=$1} END {print n+0, b+0}'
}

rss() {  # rss CMD... -> peak RSS in KB
  /usr/bin/time -f '%M' -o "$WORK/.rss" "$@" >/dev/null 2>&1 || true
  tail -1 "$WORK/.rss"
}

results=$WORK/results.tsv
printf 'corpus\ttool\tfiles\tbytes\tmedian_s\trss_kb\n' > "$results"
for c in "${corpora[@]}"; do
  dir=$(corpus_dir "$c")
  # Peers run on the real-world corpus and on synthetic corpora up to their limits.
  guarded=0; checkoved=0
  if [ "$PEERS" = 1 ]; then
    case $c in
      corpus) guarded=1; [ "${CHECKOV_CORPUS:-1}" = 1 ] && checkoved=1 ;;
      modules-*) ;;
      *) [ "$c" -le "$GUARD_MAX" ] && guarded=1; [ "$c" -le "$CHECKOV_MAX" ] && checkoved=1 ;;
    esac
  fi
  if [ "$guarded" = 1 ]; then view=$(guard_view "$c" "$dir"); else view=$dir; fi
  read -r nfiles nbytes < <(count "$dir")
  read -r gfiles gbytes < <(count "$view")
  echo ">> $c: $nfiles files, $nbytes bytes ($gfiles CloudFormation files cfn-guard parses)" >&2
  cmd_cat="find '$dir' -type f -print0 | xargs -0 cat > /dev/null"
  cmd_k="'$kmslint' --isolated --format json '$dir' > /dev/null"
  cmd_kc="'$kmslint' --isolated --format json '$view' > /dev/null"
  cmd_g="'$guard' validate -r '$rules' -d '$view' -S fail > /dev/null"
  rm -f "$WORK/h-$c.json" "$WORK/hc-$c.json"   # no figure from an earlier run in this table
  warm_all="find '$dir' -type f -print0 | xargs -0 cat > /dev/null"
  warm_view="find '$view' -type f -print0 | xargs -0 cat > /dev/null"
  if [ "$guarded" = 1 ]; then
    hyperfine -i -w 1 -r "$RUNS" --export-json "$WORK/h-$c.json" \
      --prepare "$warm_all" -n cat "$cmd_cat" --prepare "$warm_all" -n kmslint "$cmd_k" \
      --prepare "$warm_view" -n cfn-guard "$cmd_g" --prepare "$warm_view" -n kmslint-cfn "$cmd_kc" >&2
  else
    hyperfine -i -w 1 -r "$RUNS" --export-json "$WORK/h-$c.json" \
      --prepare "$warm_all" -n cat "$cmd_cat" --prepare "$warm_all" -n kmslint "$cmd_k" >&2
  fi
  if [ "$checkoved" = 1 ]; then
    # Checkov takes minutes (half an hour on the corpus): its peak RSS is read from the timed runs
    # themselves instead of one more run.
    checkov_runs=$CHECKOV_RUNS
    [ "$c" = corpus ] && checkov_runs=$CHECKOV_CORPUS_RUNS
    hyperfine -i -w 0 -r "$checkov_runs" --export-json "$WORK/hc-$c.json" -n checkov \
      "/usr/bin/time -f %M -o '$WORK/.rss-checkov' '$checkov' -d '$dir' --framework terraform,cloudformation --quiet --compact -o json --skip-download --check CKV_AWS_33 > /dev/null" >&2
    checkov_rss=$(tail -1 "$WORK/.rss-checkov")
  else
    checkov_rss=
  fi
  python3 - "$WORK" "$c" "$results" "$nfiles" "$nbytes" "$gfiles" "$gbytes" \
    "$(rss sh -c "$cmd_cat")" "$(rss "$kmslint" --isolated --format json "$dir")" \
    "$([ "$view" = "$dir" ] || rss "$guard" validate -r "$rules" -d "$view" -S fail)" \
    "$([ "$view" = "$dir" ] || rss "$kmslint" --isolated --format json "$view")" \
    "$checkov_rss" <<'PY'
import json, os, sys
work, c, out, nf, nb, gf, gb, r_cat, r_k, r_g, r_kc, r_ck = sys.argv[1:13]
med = {}
for f in (f"h-{c}.json", f"hc-{c}.json"):
    p = os.path.join(work, f)
    if os.path.exists(p):
        for r in json.load(open(p))["results"]:
            med[r["command"]] = r["median"]
rows = [("cat", nf, nb, r_cat), ("kmslint", nf, nb, r_k), ("checkov", nf, nb, r_ck),
        ("cfn-guard", gf, gb, r_g), ("kmslint-cfn", gf, gb, r_kc)]
with open(out, "a") as o:
    for tool, files, size, rss in rows:
        if tool in med:
            o.write(f"{c}\t{tool}\t{files}\t{size}\t{med[tool]:.4f}\t{rss or 0}\n")
PY
done

python3 - "$results" <<'PY' | tee "$WORK/results.md"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
by = {}
for r in rows:
    by.setdefault(r["corpus"], {})[r["tool"]] = r
print("| corpus | tool | files | MB | median s | files/s | MB/s | peak RSS MB | vs kmslint |")
print("|---|---|---:|---:|---:|---:|---:|---:|---|")
for c, tools in by.items():
    k, kc, cat = tools.get("kmslint"), tools.get("kmslint-cfn"), tools.get("cat")
    for t in ("cat", "kmslint", "checkov", "cfn-guard", "kmslint-cfn"):
        r = tools.get(t)
        if not r:
            continue
        s, n, b = float(r["median_s"]), int(r["files"]), int(r["bytes"])
        if t == "cat" and k:
            ratio = f"kmslint/floor {float(k['median_s']) / s:.1f}x"
        elif t == "checkov" and k:
            ratio = f"{s / float(k['median_s']):.0f}x slower"
        elif t == "cfn-guard" and kc:
            ratio = f"{s / float(kc['median_s']):.1f}x slower (same files)"
        else:
            ratio = ""
        print(f"| {c} | {t} | {n} | {b/1e6:.1f} | {s:.3f} | {n/s:,.0f} | {b/1e6/s:.1f} | {int(r['rss_kb'])/1024:.0f} | {ratio} |")
PY
