#!/usr/bin/python3
"""relkit's GitHub REST emulator (see README.md in this directory).

usage: emulator.py --seed SEED.json [--state FILE] --ports-file FILE [--faults FAULTS.json]
                   [--log FILE] [--latency-ms N]

Binds three listeners on 127.0.0.1 (api, uploads, downloads), then writes
{"api":P,"uploads":P,"downloads":P,"pid":PID} to --ports-file atomically.  Stops on SIGTERM or
SIGINT, or when its parent process goes away.
"""

import argparse
import json
import os
import shutil
import signal
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from ghemu import model as M  # noqa: E402
from ghemu.server import Emulator, Faults  # noqa: E402


def load_json(path, what):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        sys.exit("emulator: error: unable to read %s '%s': %s" % (what, path, e))


def load_seed(path, depth=0):
    """A seed may "include" other seed files (paths relative to it): their repositories,
    tokens and faults come first; the including seed's own keys win."""
    seed = load_json(path, "seed")
    if depth > 5:
        sys.exit("emulator: error: seed includes nested too deeply at '%s'" % path)
    incs = seed.pop("include", [])
    if not incs:
        return seed
    merged = {"repositories": [], "faults": []}
    for inc in incs:
        sub = load_seed(os.path.join(os.path.dirname(os.path.abspath(path)), inc), depth + 1)
        for k, v in sub.items():
            if k in ("repositories", "faults"):
                merged[k] += v
            elif k == "tokens":
                merged.setdefault("tokens", [])
                merged["tokens"] += v
            else:
                merged[k] = v
    for k, v in seed.items():
        if k in ("repositories", "faults"):
            merged[k] += v
        elif k == "tokens":
            merged.setdefault("tokens", [])
            merged["tokens"] += v
        else:
            merged[k] = v
    return merged


def main():
    ap = argparse.ArgumentParser(description="GitHub REST emulator for relkit tests")
    ap.add_argument("--seed", required=True)
    ap.add_argument("--state")
    ap.add_argument("--ports-file", required=True)
    ap.add_argument("--faults")
    ap.add_argument("--log")
    ap.add_argument("--latency-ms", type=int, default=0)
    args = ap.parse_args()

    seed = load_seed(args.seed)
    faults = list(seed.get("faults", []))
    if args.faults:
        f = load_json(args.faults, "faults")
        faults += f.get("faults", []) if isinstance(f, dict) else f
    if os.environ.get("RELKIT_EMU_FAULTS"):
        try:
            f = json.loads(os.environ["RELKIT_EMU_FAULTS"])
        except ValueError as e:
            sys.exit("emulator: error: RELKIT_EMU_FAULTS is not JSON: %s" % e)
        faults += f.get("faults", []) if isinstance(f, dict) else f
    try:
        Faults.parse(faults)
    except ValueError as e:
        sys.exit("emulator: error: %s" % e)

    blob_dir = args.state + ".blobs" if args.state else None
    try:
        model = M.Model(seed, args.state, blob_dir)
    except (M.SeedError, KeyError, TypeError, ValueError) as e:
        sys.exit("emulator: error: bad seed '%s': %s" % (args.seed, e))
    latency = args.latency_ms or int(seed.get("latency_ms", 0))
    emu = Emulator(model, faults, latency, args.log)
    emu.bind()
    emu.serve()

    ports = dict(emu.ports, pid=os.getpid())
    tmp = "%s.tmp.%d" % (args.ports_file, os.getpid())
    with open(tmp, "w") as f:
        json.dump(ports, f)
    os.replace(tmp, args.ports_file)

    stop = threading.Event()

    def on_signal(signum, frame):
        stop.set()
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    parent = os.getppid()
    while not stop.wait(0.5):
        if os.getppid() != parent:
            break
    emu.shutdown()
    with model.lock:
        model.save()
    if model.tmp_blob_dir:
        shutil.rmtree(model.tmp_blob_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
