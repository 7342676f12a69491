#!/usr/bin/env bash
# index-gen from GitHub releases, against the emulator: filters (drafts, prereleases, tag regex),
# digests, .metadata assets, range reads of the zip directory, the upload plan, --hash-missing,
# real pip through the download host, ETag reuse (no primary rate limit), faults survived, the
# 1000-result cap (past it through the tags, or exit 4), no token on the download host.
. "$RELKIT_SRC/tests/lib/common.sh"
PY=$RELKIT_PYTHON
EMU=$RELKIT_SRC/tests/fakes/github/with-emulator.sh
SEEDS=$RELKIT_SRC/tests/fakes/github/seeds
export RELKIT_HTTP_BACKOFF_MS=50 RELKIT_HTTP_BACKOFF_MAX_MS=200 RELKIT_HTTP_MAX_WAIT_MS=5000

if [ -z "${RELKIT_EMU_API:-}" ]; then
    exec "$EMU" --seed "$SEEDS/idx_basic.json" -- bash "$0" "$@"
fi
REPO=relkit-test/wheels
stats() { curl -sf "$RELKIT_EMU_API/_emulator/stats"; }
stat_get() { "$PY" -c 'import json,sys; d=json.load(sys.stdin); print(eval("d"+sys.argv[1]))' "$1"; }
faults() { curl -sf -X POST -H 'Content-Type: application/json' -d "$1" "$RELKIT_EMU_API/_emulator/faults" >/dev/null; }
sha_of() { "$PY" -c 'import hashlib,sys,urllib.request; print(hashlib.sha256(urllib.request.urlopen(sys.argv[1]).read()).hexdigest())' "$1"; }
gen() { run index-gen --no-cache --repo "$REPO" "$@"; }

t_case "github: drafts excluded, prereleases included, digests used, schema"
gen --output "$T_TMP/o1"
expect_rc 0
expect_schema index-gen.output
links=$(cat "$T_TMP/o1/links.html")
grep -q 'demo_pkg-2.0.0' <<<"$links" && t_fail "a draft's wheel is listed"
grep -q 'demo_pkg-1.1.0rc1-py3-none-any.whl#sha256=' <<<"$links" || t_fail "prerelease wheel missing"
grep -q 'other_tool-0.1' <<<"$links" || t_fail "tools release missing"
grep -q 'README.txt' <<<"$links" && t_fail "a non-distribution asset is listed"
expect_eq "$(json_get '["index"]["releases"]')" 3 "releases used"
expect_eq "$(json_get '["index"]["releases_skipped"]')" 1 "releases skipped (the draft)"
expect_eq "$(json_get '["index"]["without_hash"]')" '["dep_pkg-1.0-py3-none-any.whl"]' "without_hash"

t_case "github: metadata advertised only where <url>.metadata exists"
page=$(cat "$T_TMP/o1/simple/demo-pkg/index.html")
grep -qE 'demo_pkg-1.0.0-py3-none-any.whl#sha256=[0-9a-f]{64}" data-dist-info-metadata="sha256=[0-9a-f]{64}" data-core-metadata' <<<"$page" \
    || t_fail "1.0.0 metadata not advertised: $page"
grep -q '1.1.0rc1-py3-none-any.whl#sha256=[0-9a-f]*" data-core' <<<"$page" && t_fail "rc1 metadata advertised without a .metadata asset"
murl=$(grep -o 'http://[^"#]*demo_pkg-1.0.0-py3-none-any.whl' "$T_TMP/o1/links.html").metadata
want=$(grep -o 'data-core-metadata="sha256=[0-9a-f]*' <<<"$page" | head -1 | cut -d= -f3)
expect_eq "$(sha_of "$murl")" "$want" "advertised metadata hash"

t_case "github: Requires-Python read from the zip directory by range requests"
grep -qF 'dep_pkg-2.0-py3-none-any.whl#sha256=' "$T_TMP/o1/simple/dep-pkg/index.html" || t_fail "dep 2.0 missing"
grep -qF 'data-requires-python="&lt;3"' "$T_TMP/o1/simple/dep-pkg/index.html" || t_fail "no requires-python"
[ "$(json_get '["index"]["requests"]["range_reads"]')" -ge 4 ] || t_fail "no range reads"
expect_eq "$(json_get '["index"]["requests"]["downloads"]')" 0 "whole downloads"

t_case "github: .metadata files written for gh-release upload, per release"
f=$T_TMP/o1/upload/relkit-test/wheels/v1.1.0rc1/demo_pkg-1.1.0rc1-py3-none-any.whl.metadata
expect_file "$f"
grep -q '^Version: 1.1.0rc1' "$f" || t_fail "wrong metadata content"
expect_eq "$(json_get '["index"]["metadata_uploads"][2]["tag"]')" v1.1.0rc1 "upload group tag"
expect_eq "$(json_get '["index"]["metadata_uploads"][2]["files"][0]["name"]')" \
    demo_pkg-1.1.0rc1-py3-none-any.whl.metadata "upload name"

t_case "github: no Authorization header reached the download host"
expect_eq "$(stats | stat_get '["downloads_rejected_authorization"]')" 0 "rejected authorization"

t_case "github: --prereleases exclude / only"
gen --output "$T_TMP/o2" --prereleases exclude
expect_rc 0
grep -q '1.1.0rc1' "$T_TMP/o2/links.html" && t_fail "prerelease listed"
gen --output "$T_TMP/o3" --prereleases only
expect_rc 0
grep -q 'demo_pkg-1.0.0' "$T_TMP/o3/links.html" && t_fail "a final release listed"
grep -q '1.1.0rc1' "$T_TMP/o3/links.html" || t_fail "prerelease missing"

t_case "github: --tag-regex"
gen --output "$T_TMP/o4" --tag-regex '^v[0-9]'
expect_rc 0
grep -q 'other_tool' "$T_TMP/o4/links.html" && t_fail "tag regex not applied"

t_case "github: --include-drafts"
gen --output "$T_TMP/o5" --include-drafts
expect_rc 0
grep -q 'demo_pkg-2.0.0' "$T_TMP/o5/links.html" || t_fail "draft missing"

t_case "github: --max-age drops old releases"
gen --output "$T_TMP/o6" --max-age 1d
expect_rc 0
expect_eq "$(json_get '["index"]["files"]')" 0 "files"

t_case "github: --hash-missing streams the asset once and records its hash"
gen --output "$T_TMP/o7" --hash-missing
expect_rc 0
expect_eq "$(json_get '["index"]["without_hash"]')" '[]' "without_hash"
expect_eq "$(json_get '["index"]["requests"]["downloads"]')" 1 "downloads"
url=$(grep -o 'http://[^"#]*dep_pkg-1.0-py3-none-any.whl' "$T_TMP/o7/links.html")
grep -qF "dep_pkg-1.0-py3-none-any.whl#sha256=$(sha_of "$url")" "$T_TMP/o7/links.html" || t_fail "wrong hash"

t_case "pip: installs from the GitHub-backed find-links page, using the .metadata asset"
run env -u PIP_FIND_LINKS "$PY" -m pip install --no-cache-dir --disable-pip-version-check \
    --target "$T_TMP/t1" -v --no-index -f "$T_TMP/o7/links.html" demo_pkg==1.0.0
expect_rc 0
grep -q "Obtaining dependency information for demo_pkg==1.0.0 from .*demo_pkg-1.0.0-py3-none-any.whl.metadata" <<<"$T_OUT" \
    || t_fail "pip did not use the .metadata asset"
expect_out "Successfully installed demo_pkg-1.0.0 dep_pkg-1.0"

t_case "github: an unchanged re-run is answered by 304s and the cache (no primary rate limit)"
# the first run reads wheels, which bumps their download_count, so the list changes once
run index-gen --cache-dir "$T_TMP/cache" --repo "$REPO" --output "$T_TMP/e0"
expect_rc 0
run index-gen --cache-dir "$T_TMP/cache" --repo "$REPO" --output "$T_TMP/e1"
expect_rc 0
expect_eq "$(json_get '["index"]["requests"]["range_reads"]')" 0 "range reads with a warm cache"
before=$(stats | stat_get '["primary_rate_limit_spent"]')
run index-gen --cache-dir "$T_TMP/cache" --repo "$REPO" --output "$T_TMP/e2"
expect_rc 0
after=$(stats | stat_get '["primary_rate_limit_spent"]')
expect_eq "$after" "$before" "primary rate limit spent by the re-run"
[ "$(json_get '["index"]["requests"]["not_modified"]')" -ge 1 ] || t_fail "no 304"
expect_eq "$(json_get '["index"]["requests"]["range_reads"]')" 0 "range reads on the re-run"
diff -r "$T_TMP/e1/simple" "$T_TMP/e2/simple" >/dev/null || t_fail "re-run output differs"

t_case "github: the ETag cache is a directory of entries, one per URL; an old etags.json goes"
ls "$T_TMP/cache/etags" | grep -qE '^[0-9a-f]{64}$' || t_fail "no entry named by a sha256"
head -c 14 "$T_TMP/cache/etags/$(ls "$T_TMP/cache/etags" | head -1)" | grep -q 'relkit-etag 2' \
    || t_fail "entry without its magic line"
expect_eq "$(stat -c %a "$T_TMP/cache/etags")" 700 "mode of the ETag directory"
printf '{"version":1,"entries":{}}' >"$T_TMP/cache/etags.json"
run index-gen --cache-dir "$T_TMP/cache" --repo "$REPO" --output "$T_TMP/e3"
expect_rc 0
expect_no_file "$T_TMP/cache/etags.json"

t_case "github: ETag entries of the releases list are the slim text, under their own key"
# the list is read for a few keys only: its entry keeps those (not the whole answer) and says
# so on its URL line, so that a reader of the whole answer never takes it
slim=$(grep -l ' slim=id,tag_name,' "$T_TMP/cache/etags"/* | head -1)
[ -n "$slim" ] || t_fail "no slim entry for the releases list"
grep -q '"uploader"' "$slim" && t_fail "the slim entry holds keys index-gen does not read"
grep -q '"browser_download_url"' "$slim" || t_fail "the slim entry lacks the asset URLs"

t_case "github: entries of an older format are a cache miss, not misread"
for f in "$T_TMP/cache/etags"/*; do
    sed -i '1s/^relkit-etag 2$/relkit-etag 1/' "$f"
done
run index-gen --cache-dir "$T_TMP/cache" --repo "$REPO" --output "$T_TMP/e4"
expect_rc 0
expect_eq "$(json_get '["index"]["requests"]["not_modified"]')" 0 "304s from version-1 entries"
diff -r "$T_TMP/e1/simple" "$T_TMP/e4/simple" >/dev/null || t_fail "output after old entries differs"
head -c 14 "$T_TMP/cache/etags/$(ls "$T_TMP/cache/etags" | head -1)" | grep -q 'relkit-etag 2' \
    || t_fail "entries not rewritten in the current format"

t_case "github: --dry-run writes no ETag cache"
run index-gen --dry-run --cache-dir "$T_TMP/dry-cache" --repo "$REPO" --output "$T_TMP/dry"
expect_rc 0
expect_no_file "$T_TMP/dry-cache"

t_case "github: 5xx and a secondary rate limit on the list are survived"
faults '[{"kind": "5xx", "route": "/releases", "count": 1}, {"kind": "secondary", "route": "/releases", "after": 1, "count": 1, "retry_after": 1}]'
gen --output "$T_TMP/f1"
expect_rc 0
[ "$(json_get '["index"]["requests"]["retries"]')" -ge 2 ] || t_fail "no retries counted"
faults '[]'

t_case "github: a 5xx on the download host during range reads is retried"
faults '[{"kind": "5xx", "route": "github-production-release-asset", "listener": "downloads", "count": 2}]'
gen --output "$T_TMP/f2"
expect_rc 0
grep -qF 'data-requires-python="&lt;3"' "$T_TMP/f2/simple/dep-pkg/index.html" || t_fail "metadata lost"
faults '[]'

t_case "github: works without a token"
run env -u GH_TOKEN index-gen --no-cache --repo "$REPO" --output "$T_TMP/anon"
expect_rc 0
expect_eq "$(json_get '["index"]["releases"]')" 3 "releases"

t_case "context: an asset list on stdin is indexed"
"$PY" - "$RELKIT_EMU_API" >"$T_TMP/assets.json" <<'PYEOF'
import json, sys, urllib.request
rels = json.load(urllib.request.urlopen(sys.argv[1] + "/repos/relkit-test/wheels/releases"))
rel = [r for r in rels if r["tag_name"] == "v1.0.0"][0]
print(json.dumps({"assets": [{"name": a["name"], "browser_download_url": a["browser_download_url"],
                              "size": a["size"], "sha256": (a["digest"] or "")[7:] or None}
                             for a in rel["assets"]]}))
PYEOF
run_in "$T_TMP/assets.json" index-gen --no-cache --output "$T_TMP/ctx"
expect_rc 0
expect_eq "$(json_get '["index"]["files"]')" 3 "files from the context"
grep -qE 'demo_pkg-1.0.0-py3-none-any.whl#sha256=[0-9a-f]{64}" data-dist-info-metadata' "$T_TMP/ctx/links.html" \
    || t_fail "context .metadata not matched"

t_case "error: an unknown repository is a remote refusal"
run index-gen --no-cache --repo relkit-test/nope --output "$T_TMP/x"
expect_rc 4
expect_error_line index-gen
expect_err "relkit-test/nope"

t_case "error: a malformed repository name"
run index-gen --no-cache --repo 'bad name' --output "$T_TMP/x"
expect_rc 3
expect_err "bad name"

t_case "error: a persistent 5xx is a transient failure"
faults '[{"kind": "5xx", "route": "/releases", "count": -1}]'
run env RELKIT_HTTP_MAX_ATTEMPTS=2 index-gen --no-cache --repo "$REPO" --output "$T_TMP/x"
expect_rc 5
expect_error_line index-gen
faults '[]'

t_done
