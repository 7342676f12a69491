#!/usr/bin/env bash
# Hostile wheels (tests/data/hostile/wheels): path traversal, absolute paths, links out of the
# tree, duplicates, zip bombs, truncated and ZIP64 edge cases, bad RECORD, METADATA, WHEEL and
# file names, written by make_hostile_wheels.py at test time (~2 MB). wheel-retag (and
# index-gen --dir for some) refuses each with one clear line and exit 3, writes nothing,
# leaves its input alone and leaks nothing; the real zip bomb is streamed in bounded memory.
. "$RELKIT_SRC/tests/lib/common.sh"
. "$RELKIT_SRC/tests/data/hostile/run_manifest.bash"
H=$RELKIT_SRC/tests/data/hostile/wheels
export GITHUB_API_URL=http://127.0.0.1:$(hostile_closed_port)

"$RELKIT_PYTHON" "$H/make_hostile_wheels.py" "$T_TMP/gen" || { echo "make_hostile_wheels.py failed" >&2; exit 1; }
hostile_pre_case() {
    cp "$T_TMP/gen/$BASE"/* "$WORK/"
    W=$(find "$WORK" -maxdepth 1 -type f | head -1) && export W
}
# the real bomb (256 MiB of zeros in 250 KB) is streamed: memory stays flat
RSS_MAX_KB=$([ "${RELKIT_SANITIZE:-0}" = 1 ] && echo 400000 || echo 100000)
hostile_post_case() {
    local rss
    case $1 in w-bomb-payload-real)
        rss=$(tail -n 1 "$WORK/../rss" 2>/dev/null)
        [ -n "$rss" ] && [ "$rss" -lt "$RSS_MAX_KB" ] || t_fail "max RSS ${rss:-?} KB, over $RSS_MAX_KB KB"
        echo "    max RSS ${rss:-?} KB for 256 MiB inflated" ;;
    esac
}

hostile_run_manifest "$H"
hostile_report_times
t_done
