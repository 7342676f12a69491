#!/usr/bin/env bash
# gh-release upload killed with SIGKILL at several moments (the emulator answers slowly, so the
# kill lands while listing, mid-body, between uploads, in the middle of a --clobber swap),
# then run again: the release converges to exactly one complete asset per file, with the
# files' bytes, and no temporary names; after each kill no file's bytes are lost.
. "$RELKIT_SRC/tests/e2e/gh_release_lib.bash"
ghr_with_emulator ghr_basic "$@"
. "$RELKIT_SRC/tests/lib/common.sh"

C4=d342c42d418a82e800bdbbe6d78f434d06037f61
D=$T_TMP/files
mkdir -p "$D" "$T_TMP/old"
# small ones fit in socket buffers (the server may finish them after the kill); the 24 MiB
# ones are cut mid-body (the server keeps a broken "starter" asset)
for i in 1 2 3 4; do mkfile "$D/small-$i.bin" 150000 "new-$i"; done
for i in 1 2; do mkfile "$D/big-$i.bin" 25165824 "new-big-$i"; done
for f in "$D"/*.bin; do mkfile "$T_TMP/old/$(basename "$f")" 1000 "old-$f"; done
names=$(cd "$D" && ls *.bin)

slow() { emu POST /config "{\"latency_ms\": $1}" >/dev/null; }

# the final state: each file once, complete, with its bytes; nothing else
check_final() { # tag
    local got want
    got=$(emu_py 'print("\n".join(sorted("%s %s %s" % (a["name"], a["state"], (a["digest"] or "-")[7:]) for a in assets(A[0]))))' "$1")
    want=$(cd "$D" && for f in $names; do echo "$f uploaded $(sha256 "$f")"; done | sort)
    [ "$got" = "$want" ] || t_fail "release $1: got [$got], expected [$want]"
}

# after a kill: every file's bytes (old or new) are still on the release, under its name or
# under the swap's names, complete
check_not_lost() { # tag
    local lost
    lost=$(emu_py '
import os
have = {}
for a in assets(A[0]):
    if a["state"] == "uploaded":
        have.setdefault(a["name"].replace("ghr-old--", "").replace("ghr-tmp--", ""), []).append(a["name"])
print(" ".join(n for n in A[1:] if n not in have))' "$1" $names)
    [ -z "$lost" ] || t_fail "release $1 lost: $lost"
}

# what the kills left behind, to show the re-runs had something to repair
left() { emu_py 'print(" ".join(sorted(set(("broken" if a["state"] != "uploaded" else "swap-name" if a["name"].startswith("ghr-") else "") for a in assets(A[0])) - {""})))' "$1"; }
SEEN=

n=0
for delay in 0.05 0.15 0.3 0.45 0.6 0.9 1.3; do
    n=$((n + 1))
    t_case "upload killed after ${delay}s, then run again"
    gh-release create kill-$n --target $C4 --draft -q </dev/null >/dev/null
    slow 120
    gh-release upload --tag kill-$n -j 3 -q "$D"/*.bin </dev/null >/dev/null 2>&1 &
    pid=$!
    sleep "$delay"
    kill -9 $pid 2>/dev/null
    wait $pid 2>/dev/null
    slow 0
    sleep 0.4 # the emulator finishes reading what the killed run had sent
    SEEN="$SEEN $(left kill-$n)"
    run gh-release upload --tag kill-$n -j 3 "$D"/*.bin
    expect_rc 0
    check_final kill-$n
done

n=0
for delay in 0.1 0.3 0.5 0.8 1.1 1.5; do
    n=$((n + 1))
    t_case "--clobber killed after ${delay}s: nothing lost, then run again"
    gh-release create swap-$n --target $C4 --draft -q </dev/null >/dev/null
    gh-release upload --tag swap-$n -q "$T_TMP/old"/*.bin </dev/null >/dev/null
    slow 100
    gh-release upload --tag swap-$n --clobber -j 3 -q "$D"/*.bin </dev/null >/dev/null 2>&1 &
    pid=$!
    sleep "$delay"
    kill -9 $pid 2>/dev/null
    wait $pid 2>/dev/null
    slow 0
    sleep 0.4
    check_not_lost swap-$n
    SEEN="$SEEN $(left swap-$n)"
    run gh-release upload --tag swap-$n --clobber -j 3 "$D"/*.bin
    expect_rc 0
    check_final swap-$n
done

t_case "the kills did leave broken uploads and swap leftovers behind"
grep -qw broken <<<"$SEEN" || t_fail "no kill left a broken upload: $SEEN"
grep -qw swap-name <<<"$SEEN" || t_fail "no kill left a swap name: $SEEN"
t_done
