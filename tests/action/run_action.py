#!/usr/bin/env python3
"""Runs this repository's composite action (action.yml) locally, the way the GitHub runner does.

Each `run:` step is executed with `bash --noprofile --norc -eo pipefail` and a fake GITHUB_*
environment (GITHUB_OUTPUT, GITHUB_PATH and GITHUB_STEP_SUMMARY files per step, RUNNER_TEMP,
RUNNER_OS, ...); `${{ }}` expressions in `env:`, `with:` and `if:` are evaluated over `inputs`,
`steps.<id>.outputs`, `github` and `runner`. `uses:` steps are simulated:

* actions/cache: a cache hit when --bin gives an already-built kmslint, which is copied to the
  cached path (so the test does not run `cargo install`); a miss otherwise;
* github/codeql-action/upload-sarif: records the upload and checks that the file is SARIF 2.1.0.

The source build itself (`cargo install ... --root R` in the action's "Build kmslint" step) can be
stubbed with --source-build-bin: a `cargo` first on PATH that logs its arguments (one per line, to
the file given by --cargo-log) and copies that binary to R/bin/kmslint. The step's script runs
unchanged; only `cargo` is a stand-in for a build that would take minutes.

Nothing leaves the machine: the proxy variables point at a closed port on 127.0.0.1, with
127.0.0.1 and localhost exempt, so a download from anywhere but a local test server fails.

Prints the log and writes a JSON result (--result): job status, each step's outcome, the action's
outputs, the job summary, the uploads and the workflow commands the steps printed.

Static checks, which fail the run: no `${{ }}` inside a `run:` script (script injection), every
`run:` step declares `shell: bash`.
"""

import argparse
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile

try:
    import yaml
except ImportError:  # pragma: no cover
    print("run_action.py needs PyYAML (pip install pyyaml)", file=sys.stderr)
    sys.exit(3)

EXPR = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
CONTEXT = re.compile(r"\b(inputs|steps|github|runner|env)((?:\.[A-Za-z_][A-Za-z0-9_-]*)+)")


class Job:
    def __init__(self, action_dir, workspace, inputs, bin_path, runner_os="Linux",
                 runner_arch="X64", source_build_bin=None, cargo_log=None):
        self.action_dir = action_dir
        self.workspace = workspace
        self.bin_path = bin_path
        self.runner_os = runner_os
        self.runner_arch = runner_arch
        with open(os.path.join(action_dir, "action.yml"), encoding="utf-8") as f:
            self.action = yaml.safe_load(f)
        self.inputs = {}
        for name, spec in (self.action.get("inputs") or {}).items():
            self.inputs[name] = str(spec.get("default", ""))
        for name, value in inputs.items():
            if name not in self.inputs:
                raise SystemExit(f"action.yml has no input `{name}`")
            self.inputs[name] = value
        self.temp = tempfile.mkdtemp(prefix="runner-temp-")
        self.home = tempfile.mkdtemp(prefix="runner-home-")
        self.steps = {}
        self.failed = False
        self.path_additions = []
        if source_build_bin:
            self.path_additions.append(stub_cargo(self.temp, source_build_bin, cargo_log))
        self.summary = ""
        self.uploads = []
        self.log = []
        self.commands = []

    def lookup(self, context, dotted):
        parts = dotted.strip(".").split(".")
        if context == "inputs":
            return self.inputs.get(parts[0], "")
        if context == "steps":
            step = self.steps.get(parts[0], {})
            if len(parts) >= 3 and parts[1] == "outputs":
                return step.get("outputs", {}).get(parts[2], "")
            if len(parts) >= 2:
                return step.get(parts[1], "")
            return ""
        if context == "github":
            return {
                "action_path": self.action_dir,
                "workspace": self.workspace,
                "event_name": "pull_request",
                "repository": "example/infra",
                "sha": "0" * 40,
            }.get(parts[0], "")
        if context == "runner":
            return {"os": self.runner_os, "arch": self.runner_arch, "temp": self.temp}.get(parts[0], "")
        return ""

    def substitute(self, text):
        if not isinstance(text, str):
            return "" if text is None else str(text)
        return EXPR.sub(lambda m: str(self.evaluate(m.group(1))), text)

    def evaluate(self, expr):
        """A subset of the Actions expression language: contexts, string literals, ==, !=,
        &&, ||, !, parentheses, success(), failure(), always()."""
        py = CONTEXT.sub(lambda m: repr(self.lookup(m.group(1), m.group(2))), expr)
        py = (
            py.replace("&&", " and ")
            .replace("||", " or ")
            .replace("success()", repr(not self.failed))
            .replace("failure()", repr(self.failed))
            .replace("always()", "True")
        )
        py = re.sub(r"!(?!=)", " not ", py)
        value = eval(py, {"__builtins__": {}}, {})  # noqa: S307 - our own action.yml only
        if isinstance(value, bool):
            return "true" if value else "false"
        return value

    def condition(self, cond):
        if cond is None:
            return not self.failed
        cond = cond.strip()
        m = EXPR.fullmatch(cond)
        if m:
            cond = m.group(1)
        if not re.search(r"\b(success|failure|always|cancelled)\(\)", cond):
            cond = f"success() && ({cond})"
        return self.evaluate(cond) == "true" or self.evaluate(cond) is True

    def base_env(self):
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("GITHUB_", "RUNNER_", "INPUT_", "KMSLINT_"))
        }
        env.update(
            {
                "HOME": self.home,
                "CI": "true",
                "GITHUB_ACTIONS": "true",
                "GITHUB_WORKSPACE": self.workspace,
                "GITHUB_ACTION_PATH": self.action_dir,
                "GITHUB_REPOSITORY": "example/infra",
                "GITHUB_EVENT_NAME": "pull_request",
                "RUNNER_OS": self.runner_os,
                "RUNNER_ARCH": self.runner_arch,
                "RUNNER_TEMP": self.temp,
            }
        )
        for k in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "all_proxy"):
            env[k] = "http://127.0.0.1:9"
        env["no_proxy"] = env["NO_PROXY"] = "127.0.0.1,localhost"
        env["PATH"] = os.pathsep.join(self.path_additions + [env.get("PATH", "")])
        return env

    def run_step(self, index, step):
        sid = step.get("id", f"__step{index}")
        name = step.get("name") or step.get("uses") or f"step {index}"
        record = {"outcome": "skipped", "outputs": {}, "name": name}
        self.steps[sid] = record
        if not self.condition(step.get("if")):
            self.log.append(f"--- {name}: skipped")
            return
        self.log.append(f"--- {name}")
        if "uses" in step:
            self.simulate_uses(step, record)
            return
        files = {
            k: os.path.join(self.temp, f"{k.lower()}_{index}")
            for k in ("GITHUB_OUTPUT", "GITHUB_PATH", "GITHUB_STEP_SUMMARY", "GITHUB_ENV")
        }
        for path in files.values():
            open(path, "w").close()
        env = self.base_env()
        env.update(files)
        for k, v in (step.get("env") or {}).items():
            env[k] = self.substitute(v)
        script = os.path.join(self.temp, f"step_{index}.sh")
        with open(script, "w", encoding="utf-8") as f:
            f.write(step["run"])
        proc = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", script],
            cwd=self.workspace,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.log.append(proc.stdout.rstrip("\n"))
        self.commands.extend(l for l in proc.stdout.splitlines() if l.startswith("::"))
        record["outputs"] = parse_outputs(files["GITHUB_OUTPUT"])
        with open(files["GITHUB_OUTPUT"], encoding="utf-8") as f:
            record["output_file"] = f.read()
        with open(files["GITHUB_PATH"], encoding="utf-8") as f:
            self.path_additions = [l.strip() for l in f if l.strip()] + self.path_additions
        with open(files["GITHUB_STEP_SUMMARY"], encoding="utf-8") as f:
            self.summary += f.read()
        record["rc"] = proc.returncode
        record["outcome"] = "success" if proc.returncode == 0 else "failure"
        if proc.returncode != 0:
            self.log.append(f"Error: Process completed with exit code {proc.returncode}.")
            self.failed = True

    def simulate_uses(self, step, record):
        uses = step["uses"]
        with_ = {k: self.substitute(v) for k, v in (step.get("with") or {}).items()}
        if uses.startswith("actions/cache@"):
            hit = bool(self.bin_path)
            if hit:
                target = os.path.join(with_["path"], "bin")
                os.makedirs(target, exist_ok=True)
                shutil.copy2(self.bin_path, os.path.join(target, "kmslint"))
            record["outputs"] = {"cache-hit": "true" if hit else "false"}
            self.log.append(f"cache {'hit' if hit else 'miss'} for key {with_.get('key')}")
            record["outcome"] = "success"
        elif uses.startswith("github/codeql-action/upload-sarif@"):
            path = os.path.join(self.workspace, with_["sarif_file"])
            with open(path, encoding="utf-8") as f:
                doc = json.load(f)
            ok = doc.get("version") == "2.1.0" and doc.get("runs")
            self.uploads.append(
                {"sarif_file": with_["sarif_file"], "category": with_.get("category", ""),
                 "results": len(doc["runs"][0].get("results", [])) if ok else None}
            )
            record["outcome"] = "success" if ok else "failure"
            self.failed = self.failed or not ok
        else:
            raise SystemExit(f"run_action.py cannot simulate `uses: {uses}`")

    def run(self):
        for i, step in enumerate(self.action["runs"]["steps"]):
            self.run_step(i, step)
        outputs = {
            name: self.substitute(spec.get("value", ""))
            for name, spec in (self.action.get("outputs") or {}).items()
        }
        return {
            "status": "failure" if self.failed else "success",
            "steps": list(self.steps.values()),
            "outputs": outputs,
            "summary": self.summary,
            "uploads": self.uploads,
            "commands": self.commands,
            "log": "\n".join(self.log),
        }


def stub_cargo(temp, binary, log):
    """A directory holding a `cargo` that stands in for `cargo install ... --root R`."""
    d = os.path.join(temp, "stub-cargo")
    os.makedirs(d, exist_ok=True)
    log = log or os.path.join(temp, "cargo-args.log")
    script = f"""#!/usr/bin/env bash
set -eu
printf '%s\\n' "$@" > {shlex.quote(log)}
root=
while [ "$#" -gt 0 ]; do
  if [ "$1" = --root ]; then root=$2; fi
  shift
done
[ -n "$root" ] || {{ echo "stub cargo: no --root" >&2; exit 101; }}
mkdir -p "$root/bin"
cp {shlex.quote(binary)} "$root/bin/kmslint"
echo "stub cargo: installed {shlex.quote(binary)} in $root/bin"
"""
    path = os.path.join(d, "cargo")
    with open(path, "w", encoding="utf-8") as f:
        f.write(script)
    os.chmod(path, 0o755)
    return d


def parse_outputs(path):
    out = {}
    with open(path, encoding="utf-8") as f:
        lines = f.read().splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            key, delim = line.split("<<", 1)
            value = []
            i += 1
            while i < len(lines) and lines[i] != delim:
                value.append(lines[i])
                i += 1
            out[key] = "\n".join(value)
        elif "=" in line:
            key, value = line.split("=", 1)
            out[key] = value
        i += 1
    return out


def static_checks(action):
    problems = []
    if action.get("runs", {}).get("using") != "composite":
        problems.append("the action is not a composite action")
    for i, step in enumerate(action["runs"]["steps"]):
        if "run" in step:
            if "${{" in step["run"]:
                problems.append(f"step {i} ({step.get('name')}): `${{{{ }}}}` inside run: (pass it through env:)")
            if step.get("shell") != "bash":
                problems.append(f"step {i} ({step.get('name')}): composite run steps need `shell: bash`")
    return problems


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--action-dir", required=True)
    ap.add_argument("--workspace", required=True)
    ap.add_argument("--bin", help="an already-built kmslint (simulates a cache hit)")
    ap.add_argument("--input", action="append", default=[], metavar="NAME=VALUE")
    ap.add_argument("--result", help="write the JSON result here")
    ap.add_argument("--runner-os", default="Linux", help="RUNNER_OS and runner.os (Linux)")
    ap.add_argument("--runner-arch", default="X64", help="RUNNER_ARCH and runner.arch (X64)")
    ap.add_argument("--source-build-bin", help="stub `cargo install` with this binary (see above)")
    ap.add_argument("--cargo-log", help="where the stub cargo writes its arguments")
    args = ap.parse_args()
    inputs = dict(i.split("=", 1) for i in args.input)
    job = Job(os.path.abspath(args.action_dir), os.path.abspath(args.workspace), inputs, args.bin,
              args.runner_os, args.runner_arch, args.source_build_bin, args.cargo_log)
    problems = static_checks(job.action)
    if problems:
        print("\n".join(problems), file=sys.stderr)
        return 4
    try:
        result = job.run()
    finally:
        # The runner's temp and home hold a copy of the binary: never leave them behind.
        shutil.rmtree(job.temp, ignore_errors=True)
        shutil.rmtree(job.home, ignore_errors=True)
    print(result["log"])
    print(f"job status: {result['status']}")
    if args.result:
        with open(args.result, "w", encoding="utf-8") as f:
            json.dump(result, f, indent=2)
    return 0 if result["status"] == "success" else 1


if __name__ == "__main__":
    sys.exit(main())
