#!/usr/bin/env python3
"""Findings per rule on the real-world corpus, before and after, with every finding that
disappeared accounted for by its cause.

    python3 bench/corpus_findings.py --before OLD --after NEW [--corpus ../shared/corpus]

OLD and NEW are kmslint binaries (run as `BIN --isolated --format json CORPUS` from the repository
root) or JSON reports they wrote. Prints a Markdown table of findings per rule and the causes of
every finding that is gone, and exits 1 if a finding is gone for no cause below (a true finding
lost, or a change this script does not know).

Causes, in the order they are tried (see the README, "The real-world corpus"):
  merged        one finding per statement and rule: another principal's finding of the same rule
                and statement now lists it
  folded        KMS004/KMS009 on a principal that KMS001/KMS002 already reports (whose message now
                names the administrative actions)
  unknown       KMS004 on a principal whose account is unknown: KMS005 reports it alone
  invalid       the policy is one KMS016 invalid-policy finding: AWS rejects it
  reported      KMS005 on a policy a KMS000 already reports (invalid JSON, a missing file)
  scoped        KMS008 on a service scoped by a source whose account is a parameter: KMS005 says so
  metadata      KMS008 on a statement that allows only key metadata (kms:DescribeKey)
  alternatives  KMS001 on a wildcard whose Condition pins the caller in every Fn::If alternative
"""

import argparse
import collections
import json
import os
import re
import subprocess
import sys


def report(source, corpus):
    if source.endswith(".json") and os.path.isfile(source):
        with open(source, encoding="utf-8") as f:
            return json.load(f)
    out = subprocess.run(
        [source, "--isolated", "--format", "json", corpus],
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode not in (0, 1):
        sys.exit(f"{source} exited {out.returncode}: {out.stderr[:2000]}")
    return json.loads(out.stdout)


UNKNOWN = re.compile(r"\$\{(?:[^{}]|\{[^{}]*\})*\}")


def loose(principal):
    """A principal with what is unknown blanked out: `${?}` before, `${PartnerAccount}` after."""
    if principal is None:
        return None
    return UNKNOWN.sub("${}", principal)


def principals(f):
    ps = f.get("principals") or ([f["principal"]] if f.get("principal") else [])
    return {loose(p) for p in ps}


def resource(f):
    """The resource as its module declares it: a module directory checked through its callers
    names it by instance (`module.kms[0].aws_kms_key.this`), alone by its local address."""
    r = f.get("resource") or ""
    r = re.sub(r'^(module\.[^.\[]+(\[[^\]]*\])?\.)+', "", r)
    return re.sub(r'\[[^\]]*\]$', "", r)


def key(f):
    return (f["file"], resource(f), f.get("statement"))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--before", required=True)
    ap.add_argument("--after", required=True)
    ap.add_argument("--corpus", default="../shared/corpus")
    args = ap.parse_args()
    old = report(args.before, args.corpus)["findings"]
    new = report(args.after, args.corpus)["findings"]

    by_stmt = collections.defaultdict(list)
    for n in new:
        by_stmt[key(n)].append(n)
    # Where each KMS016 points: its statement, and the lines of its spans.
    invalid = collections.defaultdict(list)
    for n in new:
        if n["rule"] == "KMS016":
            spans = [(n["line"], n["end_line"])]
            spans += [(r["line"], r["end_line"]) for r in n.get("related", [])]
            invalid[(n["file"], resource(n))].append((n.get("statement"), spans))

    def rejected(o):
        for statement, spans in invalid.get((o["file"], resource(o)), []):
            if statement is not None and statement == o.get("statement"):
                return True
            if any(a <= o["line"] <= b for a, b in spans):
                return True
        return False
    kms000_files = {n["file"] for n in new if n["rule"] == "KMS000"}
    used = set()
    fate = collections.Counter()
    gone = []

    def cause(o):
        same = by_stmt.get(key(o), [])
        mine = loose(o.get("principal"))
        for n in same:
            if n["rule"] != o["rule"]:
                continue
            if o.get("principal") is None and n.get("principal") is None:
                if n["line"] == o["line"] and id(n) not in used:
                    used.add(id(n))
                    return "kept"
                continue
            # `${?}` is now the expression it stands for (`var.x`, `${Param}`), whole or in part.
            vague = "${?}" in (o.get("principal") or "")
            if (
                mine in principals(n)
                or vague
                or o.get("principal") is None
                or n.get("principal") is None
            ):
                if id(n) not in used and (vague or loose(n.get("principal")) == mine):
                    used.add(id(n))
                    return "kept"
                return "merged"
        if o["rule"] in ("KMS004", "KMS009"):
            if any(n["rule"] in ("KMS001", "KMS002") and mine in principals(n) for n in same):
                return "folded"
            if o.get("account") is None and any(n["rule"] == "KMS005" for n in same):
                return "unknown"
        if rejected(o):
            return "invalid"
        if o["rule"] == "KMS005" and o["file"] in kms000_files and o.get("statement") is None:
            return "reported"
        if o["rule"] == "KMS008":
            if any(n["rule"] == "KMS005" for n in same):
                return "scoped"
            if not same and "describe" in (o.get("statement") or "").lower():
                return "metadata"
        if o["rule"] == "KMS001" and not same and "Condition" in o["message"]:
            return "alternatives"
        if o["rule"] == "KMS005" and any(n["rule"] == "KMS018" for n in same):
            return "unevaluated"
        return None

    # Principal findings first, so that a statement's first principal is the one kept.
    for o in sorted(old, key=lambda f: (f["file"], f["line"], f["column"], f["rule"])):
        c = cause(o)
        if c is None:
            gone.append(o)
            c = "UNACCOUNTED"
        fate[(o["rule"], c)] += 1

    rules = sorted({f["rule"] for f in old} | {f["rule"] for f in new})
    before = collections.Counter(f["rule"] for f in old)
    after = collections.Counter(f["rule"] for f in new)
    causes = ["merged", "folded", "unknown", "invalid", "reported", "scoped", "metadata",
              "alternatives", "unevaluated", "UNACCOUNTED"]
    print("| rule | before | after | " + " | ".join(c for c in causes) + " |")
    print("|---|---:|---:|" + "---:|" * len(causes))
    for r in rules:
        cells = [str(fate[(r, c)] or "") for c in causes]
        print(f"| {r} | {before[r]} | {after[r]} | " + " | ".join(cells) + " |")
    total = [str(sum(fate[(r, c)] for r in rules) or "") for c in causes]
    print(f"| **all** | **{len(old)}** | **{len(new)}** | " + " | ".join(total) + " |")
    new_only = [n for n in new if id(n) not in used]
    print()
    print(f"{len(new_only)} finding(s) of the new run match no old one:")
    for n in new_only:
        print(f"  {n['rule']} {n['file']}:{n['line']} {n['message'][:140]}")
    if gone:
        print(f"\n{len(gone)} finding(s) disappeared for no known cause:")
        for o in gone:
            print(f"  {o['rule']} {o['file']}:{o['line']} {o['message'][:140]}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
