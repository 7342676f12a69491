#!/usr/bin/env python3
"""workflow_job.py - one job of a reusable workflow as a composite action, so that
tests/lib/run_action.py can run the job's relkit steps as they are written.

usage: workflow_job.py WORKFLOW.yml JOB OUT_DIR

Writes OUT_DIR/action.yml:
- inputs: the workflow_call inputs, defaults as strings (booleans "true"/"false");
- outputs: the job's outputs;
- steps: the job's steps, in order, except marketplace actions (actions/checkout, cache,
  artifacts: the harness has no use for them) and `uses: ./.relkit` (the setup, which builds
  relkit: the test puts the built tools on PATH instead). `uses: ./.relkit/tools/<tool>`
  stays as it is: run it with a workspace whose .relkit is the relkit source tree.
- run steps get `shell: bash` (a workflow's default) and the job's env.

Expressions are kept, with two rewrites for the contexts a composite action lacks:
`secrets.NAME` becomes '' (so `secrets.token || github.token` is the github token), and a
boolean input is compared as the string it is in an action: `inputs.dry-run` becomes
`(inputs.dry-run == 'true')`, so `!inputs.dry-run` and `if: inputs.pages` mean what they
mean in the workflow. Any other context an action cannot have (needs, jobs, matrix, vars) is
an error (exit 3).
"""
import os
import re
import sys

import yaml


class StrLoader(yaml.SafeLoader):
    pass


StrLoader.yaml_implicit_resolvers = {}

EXPR = re.compile(r"\$\{\{(.*?)\}\}", re.S)
FORBIDDEN = re.compile(r"\b(needs|jobs|matrix|vars|strategy)\.")


def rewrite_expr(e, booleans):
    e = re.sub(r"\bsecrets\.[A-Za-z_][\w-]*", "''", e)
    for b in booleans:
        e = re.sub(r"\binputs\.%s(?![\w-])" % re.escape(b), "(inputs.%s == 'true')" % b, e)
    m = FORBIDDEN.search(e)
    if m:
        raise ValueError("expression '%s' uses '%s', which a composite action does not have"
                         % (e.strip(), m.group(0)))
    return e


def rewrite(node, booleans, bare=False):
    if isinstance(node, str):
        if bare and "${{" not in node:
            return rewrite_expr(node, booleans)
        return EXPR.sub(lambda m: "${{" + rewrite_expr(m.group(1), booleans) + "}}", node)
    if isinstance(node, dict):
        return {k: rewrite(v, booleans, bare=(k == "if")) for k, v in node.items()}
    if isinstance(node, list):
        return [rewrite(v, booleans) for v in node]
    return node


def convert(wf, job_name):
    on = wf.get("on") or {}
    call = (on.get("workflow_call") or {}) if isinstance(on, dict) else {}
    job = (wf.get("jobs") or {}).get(job_name)
    if job is None:
        raise ValueError("no job '%s'" % job_name)
    inputs, booleans = {}, []
    for k, v in (call.get("inputs") or {}).items():
        v = v or {}
        spec = {"description": v.get("description", k), "required": v.get("required", "false")}
        if "default" in v:
            spec["default"] = str(v["default"])
        elif v.get("type") == "boolean":
            spec["default"] = "false"
        elif v.get("type") != "boolean" and str(v.get("required", "false")).lower() != "true":
            spec["default"] = ""
        if v.get("type") == "boolean":
            booleans.append(k)
        inputs[k] = spec
    steps = []
    for st in job.get("steps") or []:
        uses = (st.get("uses") or "").strip()
        if uses and not uses.startswith("./"):
            continue
        if uses in ("./.relkit", "./.relkit/"):
            continue
        st = dict(st)
        if "run" in st:
            st.setdefault("shell", "bash")
            if job.get("env"):
                st["env"] = dict(job["env"], **(st.get("env") or {}))
        steps.append(rewrite(st, booleans))
    outputs = {k: {"description": k, "value": rewrite(v, booleans)}
               for k, v in (job.get("outputs") or {}).items()}
    return {"name": "%s / %s" % (wf.get("name", "workflow"), job_name),
            "description": "job '%s' of a reusable workflow, as a composite action (tests)" % job_name,
            "inputs": inputs, "outputs": outputs,
            "runs": {"using": "composite", "steps": steps}}


def main(argv):
    if len(argv) != 3:
        sys.stderr.write("usage: workflow_job.py WORKFLOW.yml JOB OUT_DIR\n")
        return 2
    try:
        with open(argv[0], encoding="utf-8") as f:
            wf = yaml.load(f, Loader=StrLoader)
        action = convert(wf, argv[1])
    except (OSError, yaml.YAMLError, ValueError) as e:
        sys.stderr.write("workflow_job: error: %s\n" % e)
        return 3
    os.makedirs(argv[2], exist_ok=True)
    with open(os.path.join(argv[2], "action.yml"), "w", encoding="utf-8") as f:
        yaml.safe_dump(action, f, sort_keys=False, width=1000)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
