# tests/conformance/lib.bash - what every tool's conformance script shares (sourced, bash).
#
# After sourcing: $src, $py, $bin, $emu and a scratch dir $tmp (removed on exit), the build on
# PATH. Define scenario functions, then `conf_run SEED FUNC...` for each seed (each FUNC runs
# in its own emulator behind Prism, with $tmp and $py exported), and `conf_done` last: it prints
# "N passed, N failed" and exits non-zero when a scenario failed.
set -u
src=${RELKIT_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
py=${RELKIT_PYTHON:-/usr/bin/python3}
bin=${RELKIT_BIN:-$src/build}
export RELKIT_PYTHON=$py RELKIT_SRC=$src PATH="$bin:$PATH"
emu=$src/tests/fakes/github
tmp=$(mktemp -d "${TMPDIR:-/tmp}/relkit-conf.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
conf_passed=0
conf_failed=0

conf_run() { # SEED FUNC...
    local seed=$1 fn
    shift
    export tmp py
    for fn in "$@"; do
        export -f "$fn"
        if "$emu/with-emulator.sh" --seed "$emu/seeds/$seed" -- \
            bash "$src/tests/conformance/with-prism.sh" -- bash -c "$fn"; then
            conf_passed=$((conf_passed + 1))
        else
            conf_failed=$((conf_failed + 1))
            echo "conformance: scenario $fn (seed $seed) failed" >&2
        fi
    done
}

conf_done() {
    echo "$conf_passed passed, $conf_failed failed"
    [ "$conf_failed" = 0 ]
}
