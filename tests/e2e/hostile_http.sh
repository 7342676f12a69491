#!/usr/bin/env bash
# Hostile HTTP answers (tests/fakes/hostile/server.py, cases from tests/data/hostile/http/
# cases.py): huge, truncated and malformed bodies, wrong JSON types, bad Link and
# WWW-Authenticate headers, redirect loops and redirects to another host, zip-bomb gzip,
# rate-limit garbage, hostile asset names, hostile remote wheels (index-gen's range reads), for
# the GitHub tools (GITHUB_API_URL) and
# ghcr-promote (a 127.0.0.1 registry). Each case: the documented exit status, one clear error
# line, nothing written, nothing leaked; and across all cases no credential ever reaches the
# other host, and no case sends a write (POST, PUT, PATCH, DELETE) unless the MANIFEST says so.
. "$RELKIT_SRC/tests/lib/common.sh"
H=$RELKIT_SRC/tests/data/hostile/http
if [ "${E2E_INNER:-}" != 1 ]; then
    casedir=$(mktemp -d "${TMPDIR:-/tmp}/relkit-hostile-cases.XXXXXX")
    "$RELKIT_PYTHON" "$H/cases.py" "$casedir/cases.json" || exit 1
    E2E_INNER=1 "$RELKIT_SRC/tests/fakes/hostile/with-hostile.sh" \
        --cases "$casedir/cases.json" -- bash "$0" "$@"
    rc=$?
    rm -rf "$casedir"
    exit $rc
fi
. "$RELKIT_SRC/tests/data/hostile/run_manifest.bash"

# cases that may write: the write is the hostile answer's subject (mk-candidate-tag creates
# the next tag after ignoring refs it cannot read; the server refuses it with 404)
WRITES_OK='^(mct-refs-wrong-types|mct-refs-n-overflow)'
PORTS_JSON=$(cat "$HOSTILE_PORTS")
port_of() { "$RELKIT_PYTHON" -c 'import json,sys; print(json.loads(sys.argv[1])["cases"][sys.argv[2]])' "$PORTS_JSON" "$1"; }
log_since() { # the log lines of the current case since byte offset $1
    tail -c +"$(($1 + 1))" "$HOSTILE_LOG"
}
hostile_pre_case() {
    local p
    p=$(port_of "$BASE") || { echo "no server case '$BASE'" >&2; return; }
    export API=http://127.0.0.1:$p REG=127.0.0.1:$p GITHUB_API_URL=http://127.0.0.1:$p
    LOG_OFF=$(stat -c %s "$HOSTILE_LOG")
}
hostile_post_case() {
    local new
    sleep 0.05 # the server logs a request before answering; let the last line land
    new=$(log_since "$LOG_OFF")
    if grep -q '"listener": "other"' <<<"$new" && grep '"listener": "other"' <<<"$new" | grep -q '"auth": true'; then
        t_fail "a credential was sent to the other host: $(grep '"auth": true' <<<"$new" | grep '"other"' | head -1)"
    fi
    if ! [[ $1 =~ $WRITES_OK ]] && grep -qE '"method": "(POST|PUT|PATCH|DELETE)"' <<<"$new"; then
        t_fail "a write was sent: $(grep -E '"method": "(POST|PUT|PATCH|DELETE)"' <<<"$new" | head -1 | cut -c1-200)"
    fi
    case $1 in
    gh-list-link-last-huge* | gh-view-assets-link-loop*)
        local n
        n=$(grep -c . <<<"$new")
        [ "$n" -le 20 ] || t_fail "$n requests for one hostile Link header" ;;
    gh-list-retry-after-huge*)
        [ "${HOSTILE_TIMES[-1]%% *}" -lt 5000 ] || t_fail "waited on a Retry-After it should refuse" ;;
    gh-list-error-huge-message*)
        [ "$(awk '{ if (length($0) > m) m = length($0) } END { print m + 0 }' <<<"$T_ERR")" -le 1100 ] ||
            t_fail "an error line longer than 1100 bytes" ;;
    gh-list-error-control-chars*)
        ! LC_ALL=C grep -q $'[\x01-\x08\x0b\x0c\x0e-\x1f\x7f]' <<<"$T_ERR" ||
            t_fail "control characters from the server reach stderr: $(cat -v <<<"$T_ERR" | head -c 200)" ;;
    gh-dl-name-absolute*)
        [ ! -e /tmp/relkit-hostile-evil.whl ] || t_fail "wrote /tmp/relkit-hostile-evil.whl" ;;
    gh-dl-huge*)
        ! grep -q 'got 104857600 bytes' <<<"$T_ERR" || t_fail "read the whole 100 MiB body of a 3-byte asset" ;;
    idx-remote-*)
        local meta
        meta=$(find "$OUT" -name '*.metadata' 2>/dev/null | head -1)
        case $1 in
        idx-remote-range-lie)
            [ -n "$meta" ] && [ "$(head -c 16 "$meta")" = "Metadata-Version" ] ||
                t_fail "the .metadata of a wheel read whole after a bad 206 is not its METADATA: $(head -c 20 "${meta:-/dev/null}" | od -c | head -1)" ;;
        *) [ -z "$meta" ] || t_fail "a .metadata was written for a hostile remote wheel: $meta" ;;
        esac ;;
    idx-asset-names*)
        ! grep -rqiE 'javascript:|<script' "$OUT" 2>/dev/null || t_fail "hostile URL or name in the pages: $(grep -rhoiE '.{20}(javascript:|<script).{20}' "$OUT" | head -2)" ;;
    esac
}

hostile_run_manifest "$H"
hostile_report_times
t_done
