#!/usr/bin/env python3
"""run_action.py - run a composite GitHub Action's steps the way the runner does, for tests.

usage: run_action.py ACTION_DIR [--input NAME=VALUE]... [--env K=V]... [--workdir DIR]
                     [--github KEY=VALUE]... [--runner-temp DIR] [--map-action OWNER/REPO=DIR]...

Loads ACTION_DIR/action.yml (or ACTION_DIR itself when it is a file), checks the inputs
(unknown ones and missing required ones are errors) and applies the defaults, then runs each
step like the runner: `run:` steps through their shell (bash: `bash --noprofile --norc -eo
pipefail {0}`, sh: `sh -e {0}`, python: `python3 {0}`, or a custom `cmd {0}`), with `${{ }}`
expressions expanded, `if:` conditions, `env:`, `working-directory:`, `continue-on-error:`,
fresh GITHUB_OUTPUT / GITHUB_ENV / GITHUB_PATH / GITHUB_STEP_SUMMARY files per step (`k=v` and
`k<<DELIM` forms), GITHUB_ENV and GITHUB_PATH applied to later steps, and workflow commands
(::add-mask::, ::error:: ...) read from the step's output. Local `uses: ./path` (relative to the
workspace, as on the runner) and `--map-action`ed `owner/repo[/path]@ref` steps are run
recursively; other `uses:` steps (actions/cache ...) are skipped with a note.

Expressions: literals, the contexts inputs, steps, github, runner and env, operators
! < <= > >= == != && || (loose typing, case-insensitive strings, as GitHub's), [] . and .*, and
success() failure() always() cancelled() contains() startsWith() endsWith() format() join()
toJSON() fromJSON() hashFiles(). An undeclared input, an unknown step (or one not run yet), an
unknown github/runner property, context or function is an error; an output a step did not set
and an unset env variable are '' (as on the runner).

stdout: one JSON object {"outputs", "summary", "steps": [{id, name, outcome, conclusion, rc}],
"annotations", "env", "path"}. Step output goes to stderr. Exit: 0 ok, 1 a step failed (the
JSON is still printed), 2 usage error, invalid action, or an expression that cannot be
evaluated (strict: never a silent empty string).
"""
import argparse
import glob
import hashlib
import json
import math
import os
import platform
import re
import shlex
import shutil
import subprocess
import sys
import tempfile

import yaml

PROG = "run_action"
STATUS_FUNCS = ("success", "failure", "always", "cancelled")
STEP_KEYS = {"id", "name", "if", "run", "shell", "uses", "with", "env", "working-directory",
             "continue-on-error"}
SHELLS = {"bash": ("bash --noprofile --norc -eo pipefail {0}", ".sh"),
          "sh": ("sh -e {0}", ".sh"),
          "python": ("python3 {0}", ".py")}


class HarnessError(Exception):
    """The action cannot be run as written (exit 2)."""


class ExprError(HarnessError):
    pass


# ---------------------------------------------------------------- expressions: values

class Ctx(dict):
    """A context whose unknown keys are errors (inputs, steps, github, runner)."""

    def __init__(self, ctxname, *a, **kw):
        super().__init__(*a, **kw)
        self.ctxname = ctxname


class Filtered(list):
    """Result of a `.*` object filter."""


def is_num(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def to_num(v):
    if v is None:
        return 0.0
    if isinstance(v, bool):
        return 1.0 if v else 0.0
    if is_num(v):
        return float(v)
    if isinstance(v, str):
        s = v.strip()
        if s == "":
            return 0.0
        try:
            if re.fullmatch(r"[+-]?0x[0-9a-fA-F]+", s):
                return float(int(s, 16))
            if re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", s):
                return float(s)
        except ValueError:
            pass
        return math.nan
    return math.nan


def num_str(f):
    if math.isnan(f):
        return "NaN"
    if math.isinf(f):
        return "Infinity" if f > 0 else "-Infinity"
    if f == int(f) and abs(f) < 1e15:
        return str(int(f))
    return repr(f)


def jsonable(v):
    if isinstance(v, float) and not math.isnan(v) and not math.isinf(v) and v == int(v):
        return int(v)
    if isinstance(v, dict):
        return {k: jsonable(x) for k, x in v.items()}
    if isinstance(v, list):
        return [jsonable(x) for x in v]
    return v


def to_str(v):
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if is_num(v):
        return num_str(float(v))
    if isinstance(v, str):
        return v
    return json.dumps(jsonable(v), indent=2)


def truthy(v):
    if v is None or v is False:
        return False
    if is_num(v):
        return not (v == 0 or math.isnan(v))
    if isinstance(v, str):
        return v != ""
    return True


def loose_eq(a, b):
    if type(a) is not type(b) and not (is_num(a) and is_num(b)):
        if isinstance(a, (dict, list)) or isinstance(b, (dict, list)):
            return False
        x, y = to_num(a), to_num(b)
        return x == y
    if isinstance(a, str):
        return a.casefold() == b.casefold()
    if isinstance(a, (dict, list)):
        return a is b
    return a == b


def loose_cmp(a, b, op):
    if isinstance(a, str) and isinstance(b, str):
        x, y = a.casefold(), b.casefold()
    else:
        x, y = to_num(a), to_num(b)
        if math.isnan(x) or math.isnan(y):
            return False
    return {"<": x < y, "<=": x <= y, ">": x > y, ">=": x >= y}[op]


def get_prop(obj, key, expr):
    if isinstance(obj, Filtered):
        out = Filtered()
        for o in obj:
            v = get_prop(o, key, expr)
            if v is not None:
                out.append(v)
        return out
    if not isinstance(obj, dict):
        return None
    if key in obj:
        return obj[key]
    low = key.casefold()
    for k, v in obj.items():
        if k.casefold() == low:
            return v
    if isinstance(obj, Ctx):
        raise ExprError(f"unknown property '{key}' of '{obj.ctxname}' in '{expr}'")
    return None


# ---------------------------------------------------------------- expressions: parser

TOKEN_RE = re.compile(r"""
    (?P<ws>\s+)
  | (?P<str>'(?:[^']|'')*')
  | (?P<num>-?(?:0x[0-9a-fA-F]+|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?))
  | (?P<ident>[A-Za-z_][A-Za-z0-9_-]*)
  | (?P<op>==|!=|<=|>=|&&|\|\||[<>!()\[\].,*])
""", re.X)


def tokenize(src):
    toks, pos = [], 0
    while pos < len(src):
        m = TOKEN_RE.match(src, pos)
        if not m:
            raise ExprError(f"unexpected character '{src[pos]}' in '{src}'")
        pos = m.end()
        kind = m.lastgroup
        if kind == "ws":
            continue
        text = m.group()
        if kind == "str":
            toks.append(("lit", text[1:-1].replace("''", "'")))
        elif kind == "num":
            toks.append(("lit", to_num(text)))
        elif kind == "ident" and text in ("true", "false", "null"):
            toks.append(("lit", {"true": True, "false": False, "null": None}[text]))
        else:
            toks.append((kind, text))
    return toks


class Parser:
    """Recursive descent over the GitHub expression grammar; returns a tuple AST."""

    def __init__(self, src):
        self.src, self.toks, self.i = src, tokenize(src), 0

    def peek(self, *texts):
        if self.i < len(self.toks):
            t = self.toks[self.i]
            if t[0] in ("op",) and t[1] in texts:
                return t[1]
        return None

    def take(self, text):
        if not self.peek(text):
            raise ExprError(f"expected '{text}' in '{self.src}'")
        self.i += 1

    def parse(self):
        if not self.toks:
            raise ExprError("empty expression")
        node = self.binary(0)
        if self.i != len(self.toks):
            raise ExprError(f"unexpected '{self.toks[self.i][1]}' in '{self.src}'")
        return node

    LEVELS = (("||",), ("&&",), ("==", "!="), ("<", "<=", ">", ">="))

    def binary(self, level):
        if level == len(self.LEVELS):
            return self.unary()
        node = self.binary(level + 1)
        while True:
            op = self.peek(*self.LEVELS[level])
            if not op:
                return node
            self.i += 1
            node = ("bin", op, node, self.binary(level + 1))

    def unary(self):
        if self.peek("!"):
            self.i += 1
            return ("not", self.unary())
        return self.postfix(self.primary())

    def primary(self):
        if self.i >= len(self.toks):
            raise ExprError(f"unexpected end of '{self.src}'")
        kind, text = self.toks[self.i]
        self.i += 1
        if kind == "lit":
            return ("lit", text)
        if kind == "op" and text == "(":
            node = self.binary(0)
            self.take(")")
            return node
        if kind == "ident":
            if self.peek("("):
                self.i += 1
                args = []
                if not self.peek(")"):
                    args.append(self.binary(0))
                    while self.peek(","):
                        self.i += 1
                        args.append(self.binary(0))
                self.take(")")
                return ("call", text.lower(), args)
            return ("ctx", text)
        raise ExprError(f"unexpected '{text}' in '{self.src}'")

    def postfix(self, node):
        while True:
            if self.peek("."):
                self.i += 1
                if self.peek("*"):
                    self.i += 1
                    node = ("star", node)
                    continue
                if self.i >= len(self.toks) or self.toks[self.i][0] != "ident":
                    raise ExprError(f"expected a property name after '.' in '{self.src}'")
                node = ("prop", node, ("lit", self.toks[self.i][1]))
                self.i += 1
            elif self.peek("["):
                self.i += 1
                if self.peek("*"):
                    self.i += 1
                    self.take("]")
                    node = ("star", node)
                    continue
                idx = self.binary(0)
                self.take("]")
                node = ("prop", node, idx)
            else:
                return node


def uses_status_func(node):
    if node[0] == "call" and node[1] in STATUS_FUNCS:
        return True
    return any(isinstance(c, tuple) and uses_status_func(c) for c in node[1:]) or any(
        isinstance(c, list) and any(uses_status_func(x) for x in c) for c in node[1:])


# ---------------------------------------------------------------- expressions: evaluation

ARITY = {"success": (0, 0), "failure": (0, 0), "always": (0, 0), "cancelled": (0, 0),
         "contains": (2, 2), "startswith": (2, 2), "endswith": (2, 2), "format": (1, 99),
         "join": (1, 2), "tojson": (1, 1), "fromjson": (1, 1), "hashfiles": (1, 99)}


class Evaluator:
    def __init__(self, contexts, status, workspace):
        self.contexts = contexts      # name -> value
        self.status = status          # callable -> "success" | "failure"
        self.workspace = workspace

    def eval(self, node, src):
        kind = node[0]
        if kind == "lit":
            return node[1]
        if kind == "ctx":
            name = node[1].lower()
            if name not in self.contexts:
                raise ExprError(f"unknown context '{node[1]}' in '{src}'")
            return self.contexts[name]
        if kind == "prop":
            obj = self.eval(node[1], src)
            key = self.eval(node[2], src)
            if isinstance(obj, list) and not isinstance(obj, Filtered):
                if not is_num(key):
                    return None
                k = int(key)
                return obj[k] if 0 <= k < len(obj) else None
            return get_prop(obj, to_str(key), src)
        if kind == "star":
            obj = self.eval(node[1], src)
            if isinstance(obj, dict):
                return Filtered(obj.values())
            if isinstance(obj, list):
                return Filtered(obj)
            return Filtered()
        if kind == "not":
            return not truthy(self.eval(node[1], src))
        if kind == "bin":
            op, left = node[1], self.eval(node[2], src)
            if op == "&&":
                return self.eval(node[3], src) if truthy(left) else left
            if op == "||":
                return left if truthy(left) else self.eval(node[3], src)
            right = self.eval(node[3], src)
            if op == "==":
                return loose_eq(left, right)
            if op == "!=":
                return not loose_eq(left, right)
            return loose_cmp(left, right, op)
        if kind == "call":
            return self.call(node[1], node[2], src)
        raise ExprError(f"cannot evaluate '{src}'")

    def call(self, name, argn, src):
        if name not in ARITY:
            raise ExprError(f"unknown function '{name}' in '{src}'")
        lo, hi = ARITY[name]
        if not lo <= len(argn) <= hi:
            raise ExprError(f"wrong number of arguments to '{name}' in '{src}'")
        if name == "always":
            return True
        if name == "cancelled":
            return False
        if name == "success":
            return self.status() == "success"
        if name == "failure":
            return self.status() == "failure"
        args = [self.eval(a, src) for a in argn]
        if name == "contains":
            if isinstance(args[0], list):
                return any(loose_eq(x, args[1]) for x in args[0])
            return to_str(args[1]).casefold() in to_str(args[0]).casefold()
        if name == "startswith":
            return to_str(args[0]).casefold().startswith(to_str(args[1]).casefold())
        if name == "endswith":
            return to_str(args[0]).casefold().endswith(to_str(args[1]).casefold())
        if name == "format":
            return self.format(to_str(args[0]), [to_str(a) for a in args[1:]], src)
        if name == "join":
            sep = to_str(args[1]) if len(args) > 1 else ","
            if isinstance(args[0], list):
                return sep.join(to_str(x) for x in args[0])
            return to_str(args[0])
        if name == "tojson":
            return json.dumps(jsonable(args[0]), indent=2)
        if name == "fromjson":
            try:
                return json.loads(to_str(args[0]))
            except ValueError as e:
                raise ExprError(f"fromJSON: invalid JSON in '{src}': {e}") from None
        return self.hash_files([to_str(a) for a in args])

    @staticmethod
    def format(fmt, args, src):
        def sub(m):
            if m.group() in ("{{", "}}"):
                return m.group()[0]
            if m.group(1) is None or int(m.group(1)) >= len(args):
                raise ExprError(f"format: invalid placeholder '{m.group()}' in '{src}'")
            return args[int(m.group(1))]
        return re.sub(r"\{\{|\}\}|\{(\d+)\}|[{}]", sub, fmt)

    def hash_files(self, patterns):
        files, exclude = set(), set()
        root = os.path.realpath(self.workspace) + os.sep
        for p in patterns:
            neg = p.startswith("!")
            pat = os.path.join(self.workspace, p[1:] if neg else p)
            hits = {os.path.realpath(f) for f in glob.glob(pat, recursive=True)}
            hits = {f for f in hits if os.path.isfile(f) and f.startswith(root)}
            (exclude if neg else files).update(hits)
        files = sorted(files - exclude)
        if not files:
            return ""
        total = hashlib.sha256()
        for f in files:
            with open(f, "rb") as fh:
                total.update(hashlib.sha256(fh.read()).digest())
        return total.hexdigest()


def split_template(s):
    """Split a string into literal text and ${{ expr }} parts: [(is_expr, text)]."""
    parts, pos = [], 0
    while True:
        start = s.find("${{", pos)
        if start < 0:
            parts.append((False, s[pos:]))
            return parts
        parts.append((False, s[pos:start]))
        i, quote = start + 3, False
        while i < len(s):
            if s[i] == "'":
                quote = not quote
            elif not quote and s.startswith("}}", i):
                break
            i += 1
        else:
            raise ExprError(f"unterminated '${{{{' in '{s}'")
        parts.append((True, s[start + 3:i].strip()))
        pos = i + 2


def render(ev, s):
    """Expand every ${{ }} in a string (values are always strings)."""
    if not isinstance(s, str):
        raise HarnessError(f"expected a string, got {type(s).__name__}: {s!r}")
    return "".join(to_str(ev.eval(Parser(t).parse(), t)) if e else t for e, t in split_template(s))


def condition(ev, s):
    """An `if:` value: a bare expression or one ${{ }}; success() && (...) when no status call."""
    s = s.strip()
    parts = [p for p in split_template(s) if p[1] != "" or p[0]]
    if len(parts) == 1 and parts[0][0]:
        s = parts[0][1]
    elif any(e for e, _ in parts):
        return truthy(render(ev, s))
    node = Parser(s).parse()
    if not uses_status_func(node):
        node = ("bin", "&&", ("call", "success", []), node)
    return truthy(ev.eval(node, s))


# ---------------------------------------------------------------- files written by steps

def parse_env_file(path, what):
    """GITHUB_OUTPUT / GITHUB_ENV: `k=v` lines and `k<<DELIM` ... `DELIM` blocks."""
    with open(path, encoding="utf-8", newline="") as f:
        lines = f.read().split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    lines = [ln[:-1] if ln.endswith("\r") else ln for ln in lines]
    out, i = {}, 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if line == "":
            continue
        eq, hd = line.find("="), line.find("<<")
        if eq >= 0 and (hd < 0 or eq < hd):
            key, val = line[:eq], line[eq + 1:]
        elif hd >= 0:
            key, delim = line[:hd], line[hd + 2:]
            if delim == "":
                raise HarnessError(f"{what}: empty delimiter for '{key}'")
            body = []
            while i < len(lines) and lines[i] != delim:
                body.append(lines[i])
                i += 1
            if i >= len(lines):
                raise HarnessError(f"{what}: matching delimiter '{delim}' not found for '{key}'")
            i += 1
            val = "\n".join(body)
        else:
            raise HarnessError(f"{what}: invalid line '{line}'")
        if key == "":
            raise HarnessError(f"{what}: empty name in '{line}'")
        out[key] = val
    return out


def read_text(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


# ---------------------------------------------------------------- loading an action

class Loader(yaml.SafeLoader):
    """Scalars stay strings, as the runner reads action.yml (`default: true` is 'true')."""


Loader.yaml_implicit_resolvers = {}


def load_action(path):
    if os.path.isdir(path):
        for name in ("action.yml", "action.yaml"):
            if os.path.isfile(os.path.join(path, name)):
                path = os.path.join(path, name)
                break
        else:
            raise HarnessError(f"no action.yml in '{path}'")
    elif not os.path.isfile(path):
        raise HarnessError(f"no action.yml in '{path}'")
    try:
        with open(path, encoding="utf-8") as f:
            doc = yaml.load(f, Loader=Loader)
    except (OSError, yaml.YAMLError) as e:
        raise HarnessError(f"unable to load '{path}': {e}") from None
    if not isinstance(doc, dict):
        raise HarnessError(f"'{path}': not a mapping")
    runs = doc.get("runs")
    if not isinstance(runs, dict) or runs.get("using") != "composite":
        raise HarnessError(f"'{path}': only composite actions are supported (runs.using)")
    steps = runs.get("steps")
    if not isinstance(steps, list) or not steps:
        raise HarnessError(f"'{path}': runs.steps must be a non-empty list")
    ids = set()
    for n, st in enumerate(steps, 1):
        where = f"'{path}': step {n}"
        if not isinstance(st, dict):
            raise HarnessError(f"{where}: not a mapping")
        extra = set(st) - STEP_KEYS
        if extra:
            raise HarnessError(f"{where}: unknown keys {sorted(extra)}")
        if ("run" in st) == ("uses" in st):
            raise HarnessError(f"{where}: needs exactly one of 'run' and 'uses'")
        if "run" in st and "shell" not in st:
            raise HarnessError(f"{where}: a composite 'run' step needs 'shell'")
        if "uses" in st and ({"shell", "working-directory"} & set(st)):
            raise HarnessError(f"{where}: 'shell'/'working-directory' are for 'run' steps")
        sid = st.get("id")
        if sid is not None:
            if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]*", sid):
                raise HarnessError(f"{where}: invalid id '{sid}'")
            if sid in ids:
                raise HarnessError(f"{where}: duplicate id '{sid}'")
            ids.add(sid)
    for key in ("inputs", "outputs"):
        sect = doc.get(key) or {}
        if not isinstance(sect, dict):
            raise HarnessError(f"'{path}': '{key}' must be a mapping")
        for name, spec in sect.items():
            if spec is not None and not isinstance(spec, dict):
                raise HarnessError(f"'{path}': {key}.{name} must be a mapping")
            if key == "outputs" and "value" not in (spec or {}):
                raise HarnessError(f"'{path}': outputs.{name} needs 'value' in a composite action")
    return os.path.dirname(os.path.abspath(path)), doc


# ---------------------------------------------------------------- running

class Job:
    """State shared by the steps of one run: env and PATH additions, summary, annotations."""

    def __init__(self, args, base_env, github):
        self.workspace = os.path.abspath(args.workdir)
        self.temp = args.runner_temp
        self.base_env = base_env            # the process environment plus --env
        self.env_ctx = dict(args.env)       # the `env` context: --env and GITHUB_ENV
        self.path_add = []                  # GITHUB_PATH, newest first
        self.github = github
        self.maps = args.map_action
        self.summary = []
        self.annotations = []
        self.masks = []
        self.steps_json = []
        self.counter = 0
        self.runner = Ctx("runner", os="Linux", arch=runner_arch(), name="run_action",
                          temp=self.temp, tool_cache=os.path.join(self.temp, "_tool"),
                          debug="", environment="self-hosted")

    def note(self, msg):
        print(f"{PROG}: note: {msg}", file=sys.stderr)

    def mask(self, text):
        for m in self.masks:
            text = text.replace(m, "***")
        return text

    def run_action(self, action_dir, inputs, depth=0, label=""):
        """Runs one composite action; returns (outputs, ok)."""
        if depth > 10:
            raise HarnessError("actions nested more than 10 deep")
        adir, doc = load_action(action_dir)
        github = Ctx("github", self.github, action_path=adir)
        steps_ctx = Ctx("steps")
        state = {"failed": False}
        ev = Evaluator({"github": github, "runner": self.runner, "env": self.env_ctx,
                        "steps": steps_ctx},
                       lambda: "failure" if state["failed"] else "success", self.workspace)
        ev.contexts["inputs"] = self.resolve_inputs(doc, adir, inputs, ev)
        for n, st in enumerate(doc["runs"]["steps"], 1):
            ok = self.run_step(st, n, adir, github, ev, steps_ctx, state, depth, label)
            if not ok:
                state["failed"] = True
        outputs = {}
        for name, spec in (doc.get("outputs") or {}).items():
            outputs[name] = render(ev, spec["value"])
        return outputs, not state["failed"]

    def resolve_inputs(self, doc, adir, given, ev):
        decl = doc.get("inputs") or {}
        unknown = [k for k in given if k not in decl]
        if unknown:
            raise HarnessError(f"'{adir}': unexpected input(s) {unknown}; "
                               f"declared: {sorted(decl)}")
        inputs = Ctx("inputs")
        for name, spec in decl.items():
            spec = spec or {}
            if name in given:
                inputs[name] = given[name]
            elif "default" in spec:
                inputs[name] = render(ev, spec["default"])
            elif spec.get("required", "false").lower() == "true":
                raise HarnessError(f"'{adir}': missing required input '{name}'")
            else:
                inputs[name] = ""
        return inputs

    def run_step(self, st, n, adir, github, ev, steps_ctx, state, depth, label):
        sid = st.get("id")
        name = render(ev, st["name"]) if "name" in st else (sid or f"step {n}")
        shown = f"{label}{name}"
        cond = st.get("if", "")
        run = condition(ev, cond) if cond.strip() else not state["failed"]
        step_env = dict(self.env_ctx)
        if run:
            step_env.update({k: render(ev, v) for k, v in (st.get("env") or {}).items()})
        ev.contexts["env"] = step_env
        record = {"id": sid, "name": shown, "outcome": "skipped", "conclusion": "skipped",
                  "rc": None}
        result = Ctx("steps." + (sid or "?"), outputs={}, outcome="skipped",
                     conclusion="skipped")
        if run:
            coe = render(ev, st.get("continue-on-error", "false")).strip().lower() == "true"
            if "run" in st:
                rc, outputs = self.exec_run(st, n, adir, github, ev, step_env, shown)
            else:
                rc, outputs = self.exec_uses(st, ev, depth, shown)
            outcome = "success" if rc == 0 else ("skipped" if rc is None else "failure")
            conclusion = "success" if outcome == "failure" and coe else outcome
            record.update(outcome=outcome, conclusion=conclusion, rc=rc)
            result.update(outputs=outputs, outcome=outcome, conclusion=conclusion)
            if outcome == "failure":
                self.note(f"step '{shown}' failed with exit code {rc}"
                          + (" (continue-on-error)" if coe else ""))
        ev.contexts["env"] = self.env_ctx
        if depth == 0:
            self.steps_json.append(record)
        if sid:
            steps_ctx[sid] = result
        return record["conclusion"] != "failure"

    def step_files(self):
        self.counter += 1
        top = os.path.join(self.temp, "_runner_file_commands")
        os.makedirs(top, exist_ok=True)
        d = tempfile.mkdtemp(prefix=f"step{self.counter}.", dir=top)
        files = {}
        for var in ("GITHUB_OUTPUT", "GITHUB_ENV", "GITHUB_PATH", "GITHUB_STEP_SUMMARY",
                    "GITHUB_STATE"):
            files[var] = os.path.join(d, var.lower())
            open(files[var], "w").close()
        return d, files

    def exec_run(self, st, n, adir, github, ev, step_env, shown):
        script = render(ev, st["run"])
        shell = render(ev, st["shell"]).strip()
        template, ext = SHELLS.get(shell, (shell, ".sh"))
        if "{0}" not in template:
            raise HarnessError(f"step '{shown}': unsupported shell '{shell}'")
        wd = self.workspace
        if "working-directory" in st:
            wd = os.path.join(self.workspace, render(ev, st["working-directory"]))
        d, files = self.step_files()
        path = os.path.join(d, "script" + ext)
        with open(path, "w", encoding="utf-8") as f:
            f.write(script)
        argv = [a.replace("{0}", path) for a in shlex.split(template)]
        env = dict(self.base_env)
        env.update(step_env)
        env.update(files)
        env.update(runner_env(self, github, adir, st.get("id") or f"__run_{n}"))
        env["PATH"] = os.pathsep.join(self.path_add + [self.base_env.get("PATH", os.defpath)])
        print(f"{PROG}: step '{shown}'", file=sys.stderr)
        sys.stderr.flush()
        try:
            proc = subprocess.Popen(argv, cwd=wd, env=env, stdin=subprocess.DEVNULL,
                                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        except OSError as e:
            print(f"{PROG}: unable to start '{argv[0]}' in '{wd}': {e}", file=sys.stderr)
            return 127, {}
        stop = None
        for raw in proc.stdout:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            stop = self.command(line, shown, stop)
            sys.stderr.write(self.mask(line) + "\n")
        rc = proc.wait()
        sys.stderr.flush()
        outputs = parse_env_file(files["GITHUB_OUTPUT"], f"step '{shown}': GITHUB_OUTPUT")
        self.apply_files(files, shown)
        return rc, outputs

    def apply_files(self, files, shown):
        for k, v in parse_env_file(files["GITHUB_ENV"], f"step '{shown}': GITHUB_ENV").items():
            self.env_ctx[k] = v
            self.base_env[k] = v
        for line in read_text(files["GITHUB_PATH"]).splitlines():
            if line.strip():
                self.path_add.insert(0, line.strip())
        text = read_text(files["GITHUB_STEP_SUMMARY"])
        if text:
            self.summary.append(text)

    def command(self, line, shown, stop):
        """Workflow commands in a step's output; returns the stop-commands token if any."""
        m = re.match(r"^\s*::([A-Za-z0-9_-]+)(?:\s+([^:]*))?::(.*)$", line)
        if not m:
            return stop
        cmd, props, msg = m.group(1), m.group(2) or "", m.group(3)
        if stop is not None:
            return None if cmd == stop else stop
        if cmd == "stop-commands":
            return msg
        if cmd == "add-mask" and msg.strip():
            self.masks.append(msg.strip())
        elif cmd in ("error", "warning", "notice"):
            self.annotations.append({"step": shown, "level": cmd,
                                     "message": self.mask(unescape(msg)),
                                     "properties": self.mask(props)})
        elif cmd in ("set-output", "save-state", "set-env", "add-path"):
            raise HarnessError(f"step '{shown}': deprecated workflow command '::{cmd}'")
        return stop

    def exec_uses(self, st, ev, depth, shown):
        uses = st["uses"].strip()
        with_ = {k: render(ev, v) for k, v in (st.get("with") or {}).items()}
        target = None
        if uses.startswith("./") or uses == ".":
            target = os.path.join(self.workspace, uses)
        else:
            m = re.fullmatch(r"([^/@]+/[^/@]+)((?:/[^@]*)?)@(.+)", uses)
            if m and m.group(1) in self.maps:
                target = self.maps[m.group(1)] + m.group(2)
        if target is None:
            self.note(f"step '{shown}': skipping 'uses: {uses}' (not run by this harness)")
            return None, {}
        self.note(f"step '{shown}': running '{uses}' from '{target}'")
        outputs, ok = self.run_action(target, with_, depth + 1, f"{shown} / ")
        return (0 if ok else 1), outputs


def unescape(s):
    return s.replace("%0A", "\n").replace("%0D", "\r").replace("%25", "%")


def runner_arch():
    m = platform.machine().lower()
    return {"x86_64": "X64", "amd64": "X64", "aarch64": "ARM64", "arm64": "ARM64"}.get(m, "X86")


def runner_env(job, github, adir, action):
    env = {"CI": "true", "GITHUB_ACTIONS": "true", "GITHUB_ACTION": action,
           "GITHUB_ACTION_PATH": adir, "GITHUB_WORKSPACE": job.workspace,
           "RUNNER_TEMP": job.temp, "RUNNER_OS": job.runner["os"],
           "RUNNER_ARCH": job.runner["arch"], "RUNNER_TOOL_CACHE": job.runner["tool_cache"]}
    for key in ("repository", "repository_owner", "server_url", "api_url", "graphql_url", "sha",
                "ref", "ref_name", "event_name", "run_id", "run_number", "run_attempt",
                "actor", "job", "workflow"):
        env["GITHUB_" + key.upper()] = github[key]
    return env


# ---------------------------------------------------------------- main

GITHUB_KEYS = ("repository", "repository_owner", "sha", "ref", "ref_name", "event_name",
               "run_id", "run_number", "run_attempt", "actor", "job", "workflow")


def github_context(env, overrides, workspace):
    g = Ctx("github")
    for key in GITHUB_KEYS:
        g[key] = env.get("GITHUB_" + key.upper(), "")
    if not g["repository_owner"] and "/" in g["repository"]:
        g["repository_owner"] = g["repository"].split("/")[0]
    g["server_url"] = env.get("GITHUB_SERVER_URL", "https://github.com")
    g["api_url"] = env.get("GITHUB_API_URL", "https://api.github.com")
    g["graphql_url"] = env.get("GITHUB_GRAPHQL_URL", "https://api.github.com/graphql")
    g["workspace"] = workspace
    g["token"] = env.get("GITHUB_TOKEN", "")
    g["action"] = g["action_repository"] = g["action_ref"] = ""
    g["event"] = {}
    for k, v in overrides.items():
        if k == "event":
            try:
                v = json.loads(v)
            except ValueError as e:
                raise HarnessError(f"--github event=: invalid JSON: {e}") from None
        g[k] = v
    return g


def pairs(values, what):
    out = {}
    for v in values or []:
        if "=" not in v or v.startswith("="):
            raise HarnessError(f"{what} '{v}': expected NAME=VALUE")
        k, _, val = v.partition("=")
        out[k] = val
    return out


def main(argv):
    ap = argparse.ArgumentParser(prog="run_action.py", description=__doc__.split("\n")[0])
    ap.add_argument("action", help="directory holding action.yml, or the file itself")
    ap.add_argument("--input", action="append", metavar="NAME=VALUE")
    ap.add_argument("--env", action="append", metavar="K=V", help="workflow-level env")
    ap.add_argument("--github", action="append", metavar="KEY=VALUE", help="github context")
    ap.add_argument("--workdir", default=".", help="GITHUB_WORKSPACE (default: .)")
    ap.add_argument("--runner-temp", help="RUNNER_TEMP, kept (default: a fresh dir, removed)")
    ap.add_argument("--map-action", action="append", metavar="OWNER/REPO=DIR",
                    help="run `uses: OWNER/REPO[/path]@ref` from DIR[/path]")
    try:
        args = ap.parse_args(argv)
    except SystemExit as e:
        return 2 if e.code else 0
    made_temp = None
    try:
        inputs = pairs(args.input, "--input")
        args.env = pairs(args.env, "--env")
        args.map_action = {k: os.path.abspath(v)
                           for k, v in pairs(args.map_action, "--map-action").items()}
        if not os.path.isdir(args.workdir):
            raise HarnessError(f"--workdir '{args.workdir}': not a directory")
        if args.runner_temp:
            os.makedirs(args.runner_temp, exist_ok=True)
            args.runner_temp = os.path.abspath(args.runner_temp)
        else:
            args.runner_temp = made_temp = tempfile.mkdtemp(prefix="run_action.")
        base_env = dict(os.environ)
        base_env.update(args.env)
        github = github_context(base_env, pairs(args.github, "--github"),
                                os.path.abspath(args.workdir))
        job = Job(args, base_env, github)
        outputs, ok = job.run_action(args.action, inputs)
    except (HarnessError, OSError) as e:
        print(f"{PROG}: error: {e}", file=sys.stderr)
        return 2
    finally:
        if made_temp:
            shutil.rmtree(made_temp, ignore_errors=True)
    result = {"outputs": outputs, "summary": "".join(job.summary), "steps": job.steps_json,
              "annotations": job.annotations, "env": job.env_ctx,
              "path": job.path_add}
    json.dump(result, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
