#!/usr/bin/env python3
"""Turn fmatrix.py's JSON results into test cases, with the known failures taken into account.

usage: verdict.py RESULTS.json [KNOWN_FAILURES.txt]

Prints one line per trial, "PASS|FAIL|XFAIL|XPASS<TAB>case name<TAB>details", and exits 1 when
any trial FAILed or XPASSed (a known failure that no longer fails: remove it from the list), or
when a clean run had problems. RELKIT_FAULTS_STRICT=1 ignores the list (every failure fails).

known_failures.txt: one fnmatch pattern per line over the case name, then " # " and why; blank
lines and lines starting with # are ignored; a pattern starting with "~" may pass or fail. Case names:
    faults  SCENARIO | WHERE ROUTE | KIND | MODE
    crash   SCENARIO | k=K | VARIANT
"""
import fnmatch
import json
import os
import sys


def case_name(mode, r):
    if mode == "faults":
        return "%s | %s %s | %s | %s" % (r["scenario"], r["where"], r["route"], r["kind"], r["mode"])
    return "%s | k=%d | %s" % (r["scenario"], r["k"], r["variant"])


def load_known(path):
    pats = []
    if path and os.path.exists(path) and os.environ.get("RELKIT_FAULTS_STRICT") != "1":
        for line in open(path):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            pat, _, why = line.partition(" # ")
            pat = pat.strip()
            pats.append((pat.lstrip("~"), why.strip(), pat.startswith("~")))
    return pats


def main():
    data = json.load(open(sys.argv[1]))
    known = load_known(sys.argv[2] if len(sys.argv) > 2 else "")
    bad = 0
    for name, c in data["cleans"].items():
        if c["problems"]:
            print("FAIL\tclean run of %s\t%s" % (name, "; ".join(c["problems"])))
            bad += 1
    for r in data["results"]:
        if r.get("skipped"):
            print("SKIP\t%s\tnot run: time budget" % case_name(data["mode"], r))
            continue
        name = case_name(data["mode"], r)
        hits = [(w, maybe) for p, w, maybe in known if fnmatch.fnmatchcase(name, p)]
        why = [w for w, _ in hits]
        details = "; ".join(r["fails"])
        if r["ok"] and why and all(maybe for _, maybe in hits):
            print("PASS\t%s\t(listed as a failure that may happen: %s)" % (name, why[0]))
        elif r["ok"] and why:
            print("XPASS\t%s\tlisted as a known failure (%s) but passed: remove it" % (name, why[0]))
            bad += 1
        elif r["ok"]:
            print("PASS\t%s\t%s" % (name, "; ".join(r.get("notes", []))))
        elif why:
            print("XFAIL\t%s\t%s [known: %s]" % (name, details, why[0]))
        else:
            print("FAIL\t%s\t%s" % (name, details))
            bad += 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
