# gh_release_lib.bash - helpers for the gh-release e2e scripts (sourced; not a test itself).
#
# Usage, at the top of a script, before anything else:
#   . "$RELKIT_SRC/tests/e2e/gh_release_lib.bash"
#   ghr_with_emulator SEED "$@"      # re-runs the script under with-emulator.sh (once)
#   . "$RELKIT_SRC/tests/lib/common.sh"
# Then: emu_* talk to the emulator's /_emulator/ control endpoints, asset_* read its state.

ghr_with_emulator() { # seed-name args...
    local seed=$1
    shift
    if [ -z "${RELKIT_EMU_API:-}" ]; then
        exec "$RELKIT_SRC/tests/fakes/github/with-emulator.sh" \
            --seed "$RELKIT_SRC/tests/fakes/github/seeds/$seed.json" -- bash "$0" "$@"
    fi
    # fast retries: the faults are short
    export RELKIT_HTTP_BACKOFF_MS=20 RELKIT_HTTP_BACKOFF_MAX_MS=100 RELKIT_HTTP_MAX_WAIT_MS=3000
    export GITHUB_REPOSITORY=relkit-test/ghr
    unset CI
}

emu() { # METHOD PATH [JSON]
    if [ $# -ge 3 ]; then
        curl -fsS -X "$1" "$RELKIT_EMU_API/_emulator$2" -H 'Content-Type: application/json' -d "$3"
    else
        curl -fsS -X "$1" "$RELKIT_EMU_API/_emulator$2"
    fi
}
emu_reset() { emu POST /reset >/dev/null; }
emu_faults() { emu POST /faults "$1" >/dev/null; }
emu_no_faults() { emu POST /faults '[]' >/dev/null; }
emu_log_clear() { emu POST /log/clear >/dev/null; }

# emu_py 'python code using S (the state) and L (the request log)' [args...]
emu_py() {
    local code=$1
    shift
    emu GET /state >"$T_TMP/.state.json"
    emu GET /log >"$T_TMP/.log.json"
    "$RELKIT_PYTHON" - "$T_TMP/.state.json" "$T_TMP/.log.json" "$@" <<EOF
import json, sys
S = json.load(open(sys.argv[1]))
L = json.load(open(sys.argv[2]))
A = sys.argv[3:]
def repo(full="${GITHUB_REPOSITORY:-relkit-test/ghr}"):
    o, n = full.split("/")
    return [r for r in S["repos"] if r["owner"] == o and r["name"] == n][0]
def releases(tag, full=None):
    r = repo(full) if full else repo()
    return [x for x in r["releases"] if x["tag_name"] == tag]
def assets(tag, full=None):
    r = repo(full) if full else repo()
    rel = releases(tag, full)[0]
    return [r["assets"][str(a)] for a in rel["assets"]]
$code
EOF
}

# "name state size" of every asset of the (first) release of TAG, sorted, one per line
asset_lines() { emu_py 'print("\n".join(sorted("%s %s %d" % (a["name"], a["state"], a["size"]) for a in assets(A[0]))))' "$1"; }
# number of releases carrying TAG
release_count() { emu_py 'print(len(releases(A[0])))' "$1"; }
# does refs/tags/TAG exist (yes/no)
tag_exists() { emu_py 'print("yes" if "refs/tags/" + A[0] in repo()["refs"] else "no")' "$1"; }

expect_assets() { # TAG "expected lines"
    local got
    got=$(asset_lines "$1")
    [ "$got" = "$2" ] || t_fail "assets of $1: got [$got], expected [$2]"
}

mkfile() { # path size-bytes [seed]
    "$RELKIT_PYTHON" -c 'import hashlib,sys
p,n,s=sys.argv[1],int(sys.argv[2]),sys.argv[3]
block=b"".join(hashlib.sha256(("%s:%d"%(s,i)).encode()).digest() for i in range(2048))
out=(block*(n//len(block)+1))[:n]
open(p,"wb").write(hashlib.sha256(s.encode()).digest()+out[32:] if n>=32 else out)' "$1" "$2" "${3:-$1}"
}
sha256() { sha256sum "$1" | cut -d' ' -f1; }
# a Python expression over d, the JSON on stdout: json_py '[a["name"] for a in d["assets"]]'
json_py() { "$RELKIT_PYTHON" -c 'import json,sys; d=json.loads(sys.stdin.read()); print(json.dumps(eval(sys.argv[1])))' "$1" <<<"$T_OUT"; }
