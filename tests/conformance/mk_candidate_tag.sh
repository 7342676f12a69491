#!/usr/bin/env bash
# mk-candidate-tag behind Prism: every request it sends to the GitHub API (matching refs,
# creating refs and tag objects, reading refs, tags and commits) and every response are
# validated against GitHub's OpenAPI description. Scenarios: candidate tags (one after the
# existing ones, a taken number, a 5xx before the write), an annotated tag, --reuse through an
# annotated tag, a date-only collision, a commit resolved by branch name with --date commit.
. "$(dirname "${BASH_SOURCE[0]}")/lib.bash"

scenario_tags() {
    set -e
    B=b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2
    A=a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1
    tag() { "$py" -c 'import json,sys; print(json.load(open(sys.argv[1]))["tag"])' "$1"; }
    mct() { mk-candidate-tag --repo tags/repo "$@" </dev/null; }
    mct --sha "$B" --date 20241119 >"$tmp/1.json"
    [ "$(tag "$tmp/1.json")" = candidate-20241119.4 ]
    mct --sha "$B" --date 20241119 --message "nightly" >"$tmp/2.json"
    [ "$(tag "$tmp/2.json")" = candidate-20241119.5 ]
    mct --sha "$A" --date 20241118 --reuse >"$tmp/3.json"
    [ "$(tag "$tmp/3.json")" = candidate-20241118.1 ]
    # another run takes .6 directly at the emulator; then a 5xx before the write, retried
    curl -sf -X POST -H "Authorization: Bearer $GH_TOKEN" "$RELKIT_EMU_API/repos/tags/repo/git/refs" \
        -d '{"ref": "refs/tags/candidate-20241119.6", "sha": "'"$A"'"}' >/dev/null
    curl -sf -X POST "$RELKIT_EMU_API/_emulator/faults" \
        -d '{"kind": "5xx", "status": 502, "route": "^POST /repos/tags/repo/git/refs", "count": 1}' >/dev/null
    RELKIT_HTTP_BACKOFF_MS=10 mct --sha "$B" --date 20241119 --dry-run >"$tmp/4.json"
    [ "$(tag "$tmp/4.json")" = candidate-20241119.7 ]
    RELKIT_HTTP_BACKOFF_MS=10 mct --sha "$B" --date 20241119 >"$tmp/5.json"
    [ "$(tag "$tmp/5.json")" = candidate-20241119.7 ]
    mct --sha main --date commit --preset iree --base-version 3.1.0 >"$tmp/6.json"
    [ "$(tag "$tmp/6.json")" = iree-3.1.0rc20241119 ]
    rc=0
    mct --sha main --date commit --preset iree --base-version 3.1.0 >/dev/null 2>"$tmp/7.err" || rc=$?
    [ "$rc" = 4 ]
}
conf_run glg_tags.json scenario_tags
conf_done
