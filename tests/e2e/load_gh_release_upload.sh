#!/usr/bin/env bash
# Load, CI size: gh-release upload of 100 assets with -j 8 into a draft (seed load_upload.json).
# Exact request counts against the design and bounded memory (a stated peak-RSS bound, not a
# timing). The full size (1,000) is tests/bench/load.sh.
#
# Requests, N new files into a draft release in a repository with R releases:
#   find the release      1 GET releases/tags/{tag} (404: drafts are not found by tag)
#                         + ceil(R/100) GET releases (drafts are in the list)
#   the assets snapshot   max(1, ceil(A/100)) GET releases/{id}/assets (A assets already there)
#   uploads               N POST to the uploads host, + 1 per 5xx answer (each retried)
#   N = 100, R = 1, A = 0: 1 + 1 + 1 + 100 = 103. A re-run: 1 + 1 + ceil(100/100) = 3, no upload.
# Memory bound: 60 MB (measured ~22 MB at 1,000 files), x5 in a sanitizer build.
. "$RELKIT_SRC/tests/lib/common.sh"
if [ -z "${RELKIT_EMU_API:-}" ]; then
    exec "$RELKIT_SRC/tests/fakes/github/with-emulator.sh" \
        --seed "$RELKIT_SRC/tests/fakes/github/seeds/load_upload.json" -- bash "$0" "$@"
fi
. "$RELKIT_SRC/tests/hardening/load/lib.bash"
export RELKIT_HTTP_BACKOFF_MS=10 RELKIT_HTTP_BACKOFF_MAX_MS=50
N=100
REPO=relkit-test/loadup
UP="uploads POST /repos/{owner}/{repo}/releases/{release_id}/assets"
mkdir -p "$T_TMP/files"
"$RELKIT_PYTHON" - "$T_TMP/files" "$N" <<'EOF'
import hashlib, sys
d, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    data = b"".join(hashlib.sha256(b"%d:%d" % (i, k)).digest() for k in range(64))  # 2 KiB
    open("%s/asset-%04d.bin" % (d, i), "wb").write(data)
EOF
emu() { curl -fsS -X "$1" "$RELKIT_EMU_API/_emulator$2" ${3:+-H 'Content-Type: application/json' -d "$3"}; }
# the uploaded assets of TAG as "name digest" lines, and the local files the same way
remote_assets() {
    emu GET /state | "$RELKIT_PYTHON" -c '
import json, sys
S = json.load(sys.stdin)
r = [r for r in S["repos"] if r["name"] == "loadup"][0]
rel = [x for x in r["releases"] if x["tag_name"] == sys.argv[1]][0]
print("\n".join(sorted("%s %s %s" % (a["name"], a["state"], a["digest"]) for a in (r["assets"][str(i)] for i in rel["assets"]))))' "$1"
}
local_assets() { (cd "$T_TMP/files" && sha256sum -- *.bin | awk '{print $2 " uploaded sha256:" $1}' | sort); }

t_case "upload of $N files (-j 8): 3 + $N requests, every asset complete, bounded memory"
run gh-release create -R "$REPO" --tag v1.0.0 --draft
expect_rc 0
emu_snap a
load_run up1 gh-release upload -R "$REPO" --tag v1.0.0 -j 8 "$T_TMP"/files/*.bin
emu_snap b
expect_rc 0
expect_eq "$(emu_delta a b "$UP")" "$N" "upload requests"
expect_eq "$(emu_delta a b '*')" $((3 + N)) "requests"
expect_eq "$(json_get '["gh_release"]["requests"]')" $((3 + N)) "requests (gh-release's own count)"
expect_eq "$(json_get '["gh_release"]["retries"]')" 0 "retries"
expect_eq "$(remote_assets v1.0.0)" "$(local_assets)" "assets on the release"
expect_rss_below 60 "gh-release upload of $N files"
figure "gh-release upload N=$N rss_kb=$LOAD_RSS_KB wall_s=$LOAD_WALL_S requests=$(emu_delta a b '*') expected=$((3 + N))"

t_case "re-run: 1 + 1 + ceil($N/100) requests, nothing uploaded, every file skipped"
emu_snap c
load_run up2 gh-release upload -R "$REPO" --tag v1.0.0 -j 8 "$T_TMP"/files/*.bin
emu_snap d
expect_rc 0
E=$((2 + (N + 99) / 100))
expect_eq "$(emu_delta c d '*')" "$E" "requests"
expect_eq "$(emu_delta c d "$UP")" 0 "upload requests"
expect_eq "$("$RELKIT_PYTHON" -c 'import json,sys; print(sorted({a["action"] for a in json.load(sys.stdin)["assets"]}))' <<<"$T_OUT")" "['skipped']" "actions"
figure "gh-release upload-rerun N=$N rss_kb=$LOAD_RSS_KB wall_s=$LOAD_WALL_S requests=$(emu_delta c d '*') expected=$E"

# an upload is a single HTTP attempt: gh-release lists the assets after a failure (a broken
# upload to remove?) and sends it again
t_case "7 uploads answered 502 (each retried once): 3 + $N + 7 + 7 asset listings, 7 retries"
run gh-release create -R "$REPO" --tag v2.0.0 --target 10ad00000000000000000000000000000000000a --draft
expect_rc 0
emu POST /faults '[{"route": "^POST /repos/", "listener": "uploads", "kind": "5xx", "status": 502, "count": 7, "after": 20}]' >/dev/null
emu_snap e
load_run up3 gh-release upload -R "$REPO" --tag v2.0.0 -j 8 "$T_TMP"/files/*.bin
emu_snap f
emu POST /faults '[]' >/dev/null
expect_rc 0
# R = 2 releases now: still one page of releases
expect_eq "$(emu_delta e f '*')" $((3 + N + 7 + 7)) "requests"
expect_eq "$(emu_delta e f '~uploads')" $((N + 7)) "requests to the uploads host"
expect_eq "$(json_get '["gh_release"]["retries"]')" 7 "retries"
expect_eq "$(remote_assets v2.0.0)" "$(local_assets)" "assets on the release"
figure "gh-release upload-5xx N=$N faults=7 rss_kb=$LOAD_RSS_KB wall_s=$LOAD_WALL_S requests=$(emu_delta e f '*') expected=$((3 + N + 7 + 7))"

t_done
