#!/usr/bin/env python3
"""Fault matrix and crash consistency of relkit's mutating commands.

usage: fmatrix.py faults|crash [--subset ci|full] [--scenarios A,B] [--json FILE] [--md FILE]
                  [--budget SECONDS] [--hold-ms N] [--max-k N] [--keep]
                  [--route TEXT] [--kind KIND] [--mode-only x1|always] [--k K,K] [--show]

faults: for each scenario (scenarios.py), a clean run records the routes the command uses (the
  emulator's request log, or the registry proxies' log) and the normalised final state. Then,
  for each route and fault kind, the fault is injected once ("x1": retries must absorb it) or on
  every request of that route ("always": retries run out), the command runs, and:
    - its exit status is 0 or 5, with exactly one "TOOL: error:" line when it is not 0, no
      stray stderr, and stdout empty or one JSON document;
    - after exit 0 the state already equals the clean run's;
    - the command runs again without faults: exit 0, and the state equals the clean run's
      (no duplicate release, asset, tag or image, no starter asset, nothing missing);
    - no temporary files are left (TMPDIR, the working directory, index and cache dirs).
crash: for each scenario and every k in 0..N (N: requests of a clean run), the command is
  started with every request after the k-th held by the server, killed with SIGKILL while it
  waits, the held requests are then either dropped (never applied) or applied (the server
  finishes what the dead client had sent), and the command runs again: exit 0, the state equals
  the clean run's. k = N kills the command as soon as its last request was answered.

The GitHub scenarios run against an emulator started here (seed: seed.py); the registry ones
against the registry peers of tests/fakes/registry/with-registry.sh --second --fixtures (this
script re-runs itself under it when REGISTRY_ADDR is not set) behind regproxy.RegProxy.

--subset ci: every fault kind in both modes on each scenario's first mutating route (gh-release
  create: the first two, POST git/refs and POST releases; index-gen: its download route), and
  the kill points of two scenarios. --subset full: every route, every kind
  (with the client-timeout kind), kill points for every scenario.
Results: one line per trial on stdout, a JSON file (--json) and Markdown tables written into
--md between this script's markers. Exit status 0 when every trial passed, 1 otherwise.
"""
import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True  # nothing written into the source tree (nor the emulator's)

import emu as E  # noqa: E402
import regproxy as RP  # noqa: E402
import scenarios as S  # noqa: E402
import report  # noqa: E402

SRC = os.environ.get("RELKIT_SRC") or os.path.abspath(os.path.join(HERE, "..", "..", ".."))
BIN = os.environ.get("RELKIT_BIN") or os.path.join(SRC, "build")
PY = os.environ.get("RELKIT_PYTHON", "/usr/bin/python3")
RUN_TIMEOUT = 120

# fault kinds: (name, mode, count); "apply" kinds only on mutating routes
GH_KINDS = [("5xx", "x1"), ("5xx-apply", "x1"), ("429", "x1"), ("secondary", "x1"),
            ("reset", "x1"), ("timeout", "x1"),
            ("5xx", "always"), ("5xx-apply", "always"), ("429", "always"),
            ("secondary", "always"), ("reset", "always"), ("slow", "always")]
REG_KINDS = [k for k in GH_KINDS if k[0] != "secondary"]
MUTATING = ("POST", "PUT", "PATCH", "DELETE")
TIMEOUT_MS, TIMEOUT_LATENCY_MS, SLOW_MS = 1000, 1800, 300

CI_CRASH = ["ghr-promote", "ghcr-within"]


class Trial:
    n = 0

    def __init__(self, ctx, label):
        Trial.n += 1
        self.key = "t%04d" % Trial.n
        self.dir = os.path.join(ctx.work, "trials", self.key)
        self.tmp = os.path.join(self.dir, "tmp")
        self.tmp2 = os.path.join(self.dir, "tmp2")
        self.cwd = os.path.join(self.dir, "cwd")
        for d in (self.tmp, self.tmp2, self.cwd):
            os.makedirs(d)
        self.label = label


class Ctx:
    def __init__(self, args):
        self.args = args
        self.src = SRC
        self.work = tempfile.mkdtemp(prefix="relkit-fmatrix.")
        self.emu = None
        self.p1 = self.p2 = None
        self.t0 = time.time()

    def over_budget(self):
        return self.args.budget and time.time() - self.t0 > self.args.budget


def log(msg):
    print(msg, flush=True)


# ---- running a tool ---------------------------------------------------------------------------

def tool_env(ctx, tmpdir, extra=None):
    env = dict(os.environ)
    for k in ("GITHUB_ACTIONS", "CI", "GITHUB_TOKEN", "REGISTRY_USERNAME", "REGISTRY_PASSWORD",
              "PIP_FIND_LINKS", "GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY"):
        env.pop(k, None)
    env.update({"PATH": BIN + ":" + env.get("PATH", ""), "GITHUB_REPOSITORY": S.REPO,
                "RELKIT_HTTP_BACKOFF_MS": "10", "RELKIT_HTTP_BACKOFF_MAX_MS": "50",
                "RELKIT_HTTP_MAX_WAIT_MS": "5000", "TMPDIR": tmpdir,
                "DOCKER_CONFIG": os.path.join(ctx.work, "docker-config")})
    if ctx.emu:
        env.update({k: v for k, v in ctx.emu.env().items() if v is not None})
    env.update(extra or {})
    return env


def start_tool(ctx, argv, trial, tmpdir, extra=None):
    argv = [os.path.join(BIN, argv[0])] + argv[1:]
    return subprocess.Popen(argv, env=tool_env(ctx, tmpdir, extra), cwd=trial.cwd,
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def run_tool(ctx, argv, trial, tmpdir, extra=None):
    t = time.time()
    p = start_tool(ctx, argv, trial, tmpdir, extra)
    try:
        out, err = p.communicate(timeout=RUN_TIMEOUT)
        rc = p.returncode
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate()
        rc = "hang"
    res = {"rc": rc, "out": out.decode(errors="replace"), "err": err.decode(errors="replace"),
           "secs": round(time.time() - t, 2)}
    if ctx.args.show:
        log("   $ %s -> exit %s\n%s" % (" ".join(argv[:4]), rc, res["err"].rstrip()))
    return res


def check_output(tool, r, max_errors=1):
    """The shape of a run's output: [problem, ...]. A batch (ghcr-promote --images) may say one
    error line per failed item: max_errors."""
    probs = []
    lines = [ln for ln in r["err"].splitlines() if ln.strip()]
    errs = [ln for ln in lines if ln.startswith(tool + ": error: ")]
    stray = [ln for ln in lines if not ln.startswith(tool + ": ")]
    if r["rc"] == "hang":
        return ["no exit within %d s" % RUN_TIMEOUT]
    if r["rc"] < 0:
        probs.append("killed by signal %d" % -r["rc"])
    if r["rc"] == 0 and errs:
        probs.append("error line on success: " + errs[0][:160])
    if r["rc"] != 0 and not 1 <= len(errs) <= max_errors:
        probs.append("%d error lines (want %s): %s" % (
            len(errs), "1" if max_errors == 1 else "1 to %d" % max_errors, " | ".join(errs)[:200]))
    if stray:
        probs.append("stray stderr: " + stray[0][:160])
    if r["out"].strip():
        try:
            json.loads(r["out"])
        except ValueError:
            probs.append("stdout is not one JSON document")
    elif r["rc"] == 0:
        probs.append("no JSON on stdout")
    return probs


def error_line(tool, r):
    for ln in r["err"].splitlines():
        if ln.startswith(tool + ": error: "):
            return ln[len(tool) + 9:]
    return ""


# ---- backends ---------------------------------------------------------------------------------

def reset_backend(ctx, sc):
    if sc.backend == "github":
        ctx.emu.reset()
        ctx.emu.faults([])
        ctx.emu.clear_log()
    else:
        ctx.p1.set_faults([])
        ctx.p2.set_faults([])
        ctx.p1.take_log()
        ctx.p2.take_log()
        ctx.counter.reset()


def request_log(ctx, sc):
    if sc.backend == "github":
        return [e for e in ctx.emu.log() if e.get("route") not in (None, "control")]
    return sorted(ctx.p1.take_log() + ctx.p2.take_log(), key=lambda e: e["seq"])


def routes_of(sc, entries):
    """[(where, route, mutating)] in order of first use."""
    seen, out = set(), []
    for e in entries:
        where = e["listener"] if sc.backend == "github" else e["proxy"]
        key = (where, e["route"])
        if key in seen:
            continue
        seen.add(key)
        mut = e["method"] in MUTATING or (sc.backend == "github" and where == "uploads")
        out.append((where, e["route"], mut))
    return out


def fault_spec(ctx, sc, where, route, kind, mode):
    count = 1 if mode == "x1" else -1
    ra = 1 if mode == "x1" else 0
    if sc.backend == "github":
        f = {"route": ctx.routes.regex(where, route), "listener": where, "count": count}
        if kind in ("5xx", "5xx-apply"):
            f.update(kind="5xx", status=502, apply=kind == "5xx-apply")
        elif kind in ("429", "secondary"):
            f.update(kind=kind, retry_after=ra)
        elif kind == "reset":
            f.update(kind="reset")
        elif kind == "slow":
            f.update(kind="latency", ms=SLOW_MS)
        elif kind == "timeout":
            f.update(kind="latency", ms=TIMEOUT_LATENCY_MS)
        return f
    f = {"route": route, "count": count}
    if kind == "slow":
        f.update(kind="latency", ms=SLOW_MS)
    elif kind == "timeout":
        f.update(kind="latency", ms=TIMEOUT_LATENCY_MS)
    else:
        f.update(kind=kind, retry_after=ra)
    return f


def inject(ctx, sc, where, spec):
    if sc.backend == "github":
        ctx.emu.faults([spec])
    else:
        (ctx.p1 if where == "r1" else ctx.p2).set_faults([spec])


def clear_faults(ctx, sc):
    if sc.backend == "github":
        ctx.emu.faults([])
    else:
        ctx.p1.set_faults([])
        ctx.p2.set_faults([])


def fired(ctx, sc, where):
    if sc.backend == "github":
        return sum(f["fired"] for f in ctx.emu.fault_counters())
    return (ctx.p1 if where == "r1" else ctx.p2).fired()


# ---- the clean run ----------------------------------------------------------------------------

def clean_run(ctx, sc):
    reset_backend(ctx, sc)
    trial = Trial(ctx, "clean")
    argv = sc.prepare(ctx, trial)
    r = run_tool(ctx, argv, trial, trial.tmp)
    entries = request_log(ctx, sc)
    probs = check_output(sc.tool, r, sc.max_errors)
    if r["rc"] != 0 or probs:
        raise RuntimeError("%s: the clean run failed (exit %s): %s %s" % (
            sc.name, r["rc"], "; ".join(probs), r["err"][-400:]))
    state = sc.state(ctx, trial)
    left = sc.leftovers(ctx, trial)
    # idempotency without faults: a second run changes nothing
    r2 = run_tool(ctx, argv, trial, trial.tmp2)
    d2 = sc.diff(state, sc.state(ctx, trial))
    return {"trial": trial, "argv": argv, "state": state, "entries": entries,
            "routes": routes_of(sc, entries), "n": len(entries), "secs": r["secs"],
            "problems": probs + ["leftover " + x for x in left] +
            (["second run: exit %s %s" % (r2["rc"], error_line(sc.tool, r2))] if r2["rc"] else []) +
            ["second run: " + x for x in d2]}


def clean_or_none(ctx, sc, cleans):
    """The clean run, or None (recorded as a problem) when it fails: nothing to compare with."""
    try:
        return clean_run(ctx, sc)
    except (RuntimeError, OSError, ValueError) as e:
        log("== %s: SKIPPED: %s" % (sc.name, e))
        cleans[sc.name] = {"n": 0, "routes": [], "secs": 0, "problems": [str(e)[:600]],
                           "argv": []}
        return None


# ---- fault trials -----------------------------------------------------------------------------

def kinds_for(ctx, sc, mutating, where):
    kinds = GH_KINDS if sc.backend == "github" else REG_KINDS
    out = []
    for kind, mode in kinds:
        if kind == "5xx-apply" and (not mutating or where == "uploads" or where == "downloads"):
            continue
        if kind == "timeout" and ctx.args.subset == "ci":
            continue
        out.append((kind, mode))
    return out


def fault_trial(ctx, sc, clean, where, route, mutating, kind, mode):
    reset_backend(ctx, sc)
    trial = Trial(ctx, "%s %s %s" % (route, kind, mode))
    argv = sc.prepare(ctx, trial)
    extra = {"RELKIT_HTTP_TIMEOUT_MS": str(TIMEOUT_MS)} if kind == "timeout" else None
    spec = fault_spec(ctx, sc, where, route, kind, mode)
    inject(ctx, sc, where, spec)
    r1 = run_tool(ctx, argv, trial, trial.tmp, extra)
    if kind == "timeout":
        time.sleep((TIMEOUT_LATENCY_MS + 300) / 1000.0)  # the late request lands
    nfired = fired(ctx, sc, where)
    clear_faults(ctx, sc)
    res = {"scenario": sc.name, "tool": sc.tool, "command": sc.command, "where": where,
           "route": route, "mutating": mutating, "kind": kind, "mode": mode, "fired": nfired,
           "rc1": r1["rc"], "err1": error_line(sc.tool, r1), "secs1": r1["secs"]}
    fails, notes = [], []
    fails += ["run: " + p for p in check_output(sc.tool, r1, sc.max_errors)]
    if r1["rc"] not in (0, 5):
        fails.append("run: exit %s (want 0 or 5)" % r1["rc"])
    st1 = sc.state(ctx, trial)
    d1 = sc.diff(clean["state"], st1)
    if r1["rc"] == 0 and d1:
        fails += ["after exit 0: " + x for x in d1]
    elif d1:
        notes.append("after exit %s: %s" % (r1["rc"], "; ".join(d1[:3])))
    fails += ["after run: leftover " + x for x in sc.leftovers(ctx, trial)]
    r2 = run_tool(ctx, argv, trial, trial.tmp2)
    res.update(rc2=r2["rc"], err2=error_line(sc.tool, r2), secs2=r2["secs"])
    fails += ["re-run: " + p for p in check_output(sc.tool, r2, sc.max_errors)]
    if r2["rc"] != 0:
        fails.append("re-run: exit %s: %s" % (r2["rc"], res["err2"][:160]))
    d2 = sc.diff(clean["state"], sc.state(ctx, trial))
    fails += ["re-run: " + x for x in d2]
    fails += ["re-run: leftover " + x for x in sc.leftovers(ctx, trial)]
    if getattr(sc, "rerun_twice", None):
        r3 = run_tool(ctx, argv, trial, trial.tmp2)
        d3 = sc.diff(clean["state"], sc.state(ctx, trial))
        if r3["rc"] != 0 or d3:
            fails.append("third run (warm cache): exit %s %s" % (r3["rc"], "; ".join(d3[:3])))
    if sc.backend == "registry":
        res["upload_sessions"] = sc.sessions(ctx, trial)
    if nfired == 0:
        notes.append("the fault never fired")
    if mode == "x1" and r1["rc"] == 5 and nfired:
        notes.append("one fault was not absorbed by the retries")
    res.update(fails=fails, notes=notes, ok=not fails,
               diff_after_failure=d1 if r1["rc"] != 0 else [])
    return res


def select_routes(ctx, sc, clean):
    routes = clean["routes"]
    if ctx.args.subset == "full":
        return routes
    mut = [r for r in routes if r[2]]
    if mut:
        return mut[:sc.ci_routes]
    dl = [r for r in routes if r[0] == "downloads"]
    return (dl or routes)[:1]


def run_faults(ctx, scs):
    results, cleans = [], {}
    for sc in scs:
        clean = clean_or_none(ctx, sc, cleans)
        if clean is None:
            continue
        cleans[sc.name] = {"n": clean["n"], "routes": clean["routes"], "secs": clean["secs"],
                           "problems": clean["problems"], "argv": clean["argv"]}
        log("== %s: %s (%d requests, %d routes)%s" % (
            sc.name, " ".join(clean["argv"][:3]), clean["n"], len(clean["routes"]),
            "; CLEAN RUN PROBLEMS: " + "; ".join(clean["problems"]) if clean["problems"] else ""))
        for where, route, mut in select_routes(ctx, sc, clean):
            if ctx.args.route and ctx.args.route not in route:
                continue
            for kind, mode in kinds_for(ctx, sc, mut, where):
                if (ctx.args.kind and kind != ctx.args.kind) or \
                        (ctx.args.mode_only and mode != ctx.args.mode_only):
                    continue
                if ctx.over_budget():
                    results.append({"scenario": sc.name, "tool": sc.tool, "command": sc.command,
                                    "where": where, "route": route, "kind": kind, "mode": mode,
                                    "skipped": True, "ok": True, "fails": [], "notes": []})
                    continue
                t = time.time()
                res = fault_trial(ctx, sc, clean, where, route, mut, kind, mode)
                res["secs"] = round(time.time() - t, 2)
                results.append(res)
                log("%s %-14s %-58s %-9s %-6s fired=%-2d exit=%s rerun=%s %s%s" % (
                    "ok  " if res["ok"] else "FAIL", sc.name, route[:58], kind, mode, res["fired"],
                    res["rc1"], res["rc2"], "; ".join(res["fails"])[:300],
                    (" [" + "; ".join(res["notes"])[:200] + "]") if res["notes"] else ""))
    return results, cleans


# ---- crash trials -----------------------------------------------------------------------------

def hold(ctx, sc, k, applied):
    if sc.backend == "github":
        f = [{"route": ".*", "kind": "latency", "ms": ctx.args.hold_ms, "after": k, "count": -1}]
        if not applied:
            f.append({"route": ".*", "kind": "5xx", "status": 503, "after": k, "count": -1})
        ctx.emu.faults(f)
    else:
        ctx.counter.hold_after(k)


def held(ctx, sc, k):
    if sc.backend == "github":
        return ctx.emu.fault_counters()[0]["seen"] > k
    return ctx.counter.held() > 0


def release(ctx, sc, applied):
    """Let the held requests finish (applied or not) and wait until the server is idle."""
    if sc.backend == "github":
        end = time.time() + ctx.args.hold_ms / 1000.0 + 10
        while time.time() < end:
            seen = ctx.emu.fault_counters()[0]["seen"]
            if len(ctx.emu.log()) >= seen:
                break
            time.sleep(0.01)
        ctx.emu.faults([])
        time.sleep(0.05)
    else:
        ctx.counter.release(applied)
        ctx.counter.idle()


def crash_trial(ctx, sc, clean, k, applied, late_ms=0):
    reset_backend(ctx, sc)
    trial = Trial(ctx, "k=%d" % k)
    argv = sc.prepare(ctx, trial)
    late = k >= clean["n"]
    late_at = None
    if not late:
        hold(ctx, sc, k, applied)
    p = start_tool(ctx, argv, trial, trial.tmp)
    end = time.time() + RUN_TIMEOUT
    outcome = "finished"
    while time.time() < end:
        if p.poll() is not None:
            break
        if late:
            if late_at is None and len(request_log_peek(ctx, sc)) >= clean["n"]:
                late_at = time.time()
            if late_at is not None and time.time() - late_at >= late_ms / 1000.0:
                p.send_signal(signal.SIGKILL)
                outcome = "killed"
                break
        elif held(ctx, sc, k):
            p.send_signal(signal.SIGKILL)
            outcome = "killed"
            break
        time.sleep(0.003)
    else:
        p.kill()
        outcome = "hang"
    p.communicate()
    if outcome == "killed" and p.returncode != -signal.SIGKILL:
        outcome = "finished"  # it exited on its own just before the signal
    if not late:
        release(ctx, sc, applied)
    seen = len(request_log(ctx, sc))
    left_kill = sc.leftovers(ctx, trial)
    r2 = run_tool(ctx, argv, trial, trial.tmp2)
    fails = ["re-run: " + x for x in check_output(sc.tool, r2, sc.max_errors)]
    if r2["rc"] != 0:
        fails.append("re-run: exit %s: %s" % (r2["rc"], error_line(sc.tool, r2)[:200]))
    d2 = sc.diff(clean["state"], sc.state(ctx, trial))
    fails += ["re-run: " + x for x in d2]
    left2 = [x for x in sc.leftovers(ctx, trial) if x not in left_kill]
    # what the killed run left in the served/cached dirs and was not cleaned by the re-run
    stale = [x for x in sc.leftovers(ctx, trial) if x in left_kill and not x.startswith("TMPDIR")]
    fails += ["re-run: leftover " + x for x in left2 if not x.startswith("TMPDIR")]
    notes = []
    if stale:
        notes.append("left by the killed run, still there: " + ", ".join(stale[:3]))
    tmp_left = [x for x in left_kill if x.startswith("TMPDIR")]
    if tmp_left:
        notes.append("killed run left in TMPDIR: " + ", ".join(tmp_left[:3]))
    if outcome == "hang":
        fails.append("the command neither finished nor reached request %d" % (k + 1))
    res = {"scenario": sc.name, "tool": sc.tool, "command": sc.command, "k": k, "n": clean["n"],
           "variant": ("late+%dms" % late_ms if late_ms else "late") if late else
                      ("applied" if applied else "dropped"),
           "outcome": outcome, "requests": seen, "rc2": r2["rc"], "fails": fails, "notes": notes,
           "ok": not fails}
    if sc.backend == "registry":
        res["upload_sessions"] = sc.sessions(ctx, trial)
    return res


def request_log_peek(ctx, sc):
    if sc.backend == "github":
        return [e for e in ctx.emu.log() if e.get("route") not in (None, "control")]
    with ctx.p1.lock, ctx.p2.lock:
        return ctx.p1.log + ctx.p2.log


def run_crash(ctx, scs):
    results, cleans = [], {}
    for sc in scs:
        clean = clean_or_none(ctx, sc, cleans)
        if clean is None:
            continue
        cleans[sc.name] = {"n": clean["n"], "secs": clean["secs"], "problems": clean["problems"],
                           "argv": clean["argv"]}
        log("== %s: %d requests in a clean run%s" % (
            sc.name, clean["n"], "; CLEAN RUN PROBLEMS: " + "; ".join(clean["problems"])
            if clean["problems"] else ""))
        ks = list(range(0, min(clean["n"], ctx.args.max_k) + 1))
        if ctx.args.k:
            ks = [int(x) for x in ctx.args.k.split(",")]
        for k in ks:
            variants = [(False, 0), (True, 0)] if k < clean["n"] else [(None, ms) for ms in sc.late_ms]
            for applied, late_ms in variants:
                if ctx.over_budget():
                    results.append({"scenario": sc.name, "tool": sc.tool, "k": k, "skipped": True,
                                    "ok": True, "fails": [], "notes": [], "n": clean["n"],
                                    "variant": "late" if applied is None else
                                    ("applied" if applied else "dropped")})
                    continue
                t = time.time()
                res = crash_trial(ctx, sc, clean, k, bool(applied), late_ms)
                res["secs"] = round(time.time() - t, 2)
                results.append(res)
                log("%s %-14s k=%-3d/%-3d %-8s %-8s requests=%-3d rerun=%s %s%s" % (
                    "ok  " if res["ok"] else "FAIL", sc.name, k, clean["n"], res["variant"],
                    res["outcome"], res["requests"], res["rc2"], "; ".join(res["fails"])[:300],
                    (" [" + "; ".join(res["notes"])[:200] + "]") if res["notes"] else ""))
    return results, cleans


# ---- session ----------------------------------------------------------------------------------

def pick(args):
    if args.scenarios:
        names = args.scenarios.split(",")
        unknown = [n for n in names if n not in S.BY_NAME]
        if unknown:
            sys.exit("fmatrix: error: unknown scenario '%s' (known: %s)" % (
                unknown[0], ", ".join(S.BY_NAME)))
        return [S.BY_NAME[n] for n in names]
    if args.mode == "crash" and args.subset == "ci":
        return [S.BY_NAME[n] for n in CI_CRASH]
    return list(S.ALL)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("mode", choices=("faults", "crash"))
    ap.add_argument("--subset", choices=("ci", "full"), default="ci")
    ap.add_argument("--scenarios", default="")
    ap.add_argument("--json", default="")
    ap.add_argument("--md", default="")
    ap.add_argument("--budget", type=float, default=0, help="stop starting trials after S seconds")
    ap.add_argument("--hold-ms", type=int, default=400)
    ap.add_argument("--max-k", type=int, default=200)
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    ap.add_argument("--route", default="", help="only routes containing this text")
    ap.add_argument("--kind", default="", help="only this fault kind (faults) ")
    ap.add_argument("--mode-only", default="", help="only x1 or always (faults)")
    ap.add_argument("--k", default="", help="only these kill points, e.g. 3,4 (crash)")
    ap.add_argument("--show", action="store_true", help="print each run's stderr")
    args = ap.parse_args()
    scs = pick(args)

    if any(s.backend == "registry" for s in scs) and not os.environ.get("REGISTRY2_ADDR"):
        wr = os.path.join(SRC, "tests/fakes/registry/with-registry.sh")
        os.execv("/bin/bash", ["bash", wr, "--mode", "noauth", "--second", "--fixtures", "--",
                               PY, os.path.abspath(__file__)] + sys.argv[1:])

    ctx = Ctx(args)
    os.makedirs(os.path.join(ctx.work, "docker-config"))
    try:
        if any(s.backend == "github" for s in scs):
            seed = os.path.join(ctx.work, "seed.json")
            subprocess.run([PY, os.path.join(HERE, "seed.py"), seed, os.path.join(ctx.work, "seed-wheels")],
                           check=True)
            ctx.emu = E.Emulator(SRC, seed, ctx.work)
            ctx.routes = E.Routes(SRC)
        if any(s.backend == "registry" for s in scs):
            ctx.counter = RP.Counter()
            ctx.r1, ctx.r2 = os.environ["REGISTRY_ADDR"], os.environ["REGISTRY2_ADDR"]
            ctx.storage1 = os.path.join(os.environ["REGISTRY_DIR"], "storage")
            ctx.storage2 = os.path.join(os.environ["REGISTRY2_DIR"], "storage")
            ctx.p1 = RP.RegProxy(ctx.r1, "r1", ctx.counter)
            ctx.p2 = RP.RegProxy(ctx.r2, "r2", ctx.counter)
        for sc in scs:
            sc.setup_session(ctx)
        if args.mode == "faults":
            results, cleans = run_faults(ctx, scs)
        else:
            results, cleans = run_crash(ctx, scs)
    finally:
        if ctx.emu:
            ctx.emu.stop()
        for p in (ctx.p1, ctx.p2):
            if p:
                p.close()
        if not args.keep:
            shutil.rmtree(ctx.work, ignore_errors=True)
        else:
            log("kept %s" % ctx.work)
    secs = round(time.time() - ctx.t0, 1)
    summary = report.summary(args.mode, results, cleans, secs, args.subset)
    log(summary["line"])
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"mode": args.mode, "subset": args.subset, "secs": secs, "cleans": cleans,
                       "results": results, "summary": summary}, f, indent=1, default=str)
    if args.md:
        report.write_md(args.md, args.mode, results, cleans, summary, args.subset)
    return 0 if summary["failed"] == 0 and not any(c["problems"] for c in cleans.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
