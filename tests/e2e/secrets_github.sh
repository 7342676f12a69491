#!/usr/bin/env bash
# Secrets, GitHub side: every GitHub tool and every gh-release subcommand at -vv with marker
# tokens in GH_TOKEN (and, separately, GITHUB_TOKEN), plain and with GITHUB_ACTIONS=true
# (GITHUB_OUTPUT, GITHUB_STEP_SUMMARY): normal runs, --dry-run, and the error paths (401 bad
# credentials, 404, 5xx after retries, redirects to the asset-download host, credentials in
# GITHUB_API_URL). Each run is audited (tests/hardening/secrets/audit.py): every byte written
# to a file, pipe or socket (strace), every file left in its sandbox (output dirs, caches, ETag
# cache, GITHUB_OUTPUT/STEP_SUMMARY), every exec's argv. A token may go only to the API and
# uploads ports; its only other allowed appearance is '::add-mask::<token>' on stderr in
# Actions, which must be there. The emulator's log must show no Authorization on the
# downloads listener.
. "$RELKIT_SRC/tests/lib/common.sh"
if [ -z "${RELKIT_EMU_API:-}" ]; then
    exec "$RELKIT_SRC/tests/fakes/github/with-emulator.sh" \
        --seed "$RELKIT_SRC/tests/fakes/github/seeds/sec_github.json" -- bash "$0" "$@"
fi
. "$RELKIT_SRC/tests/hardening/secrets/lib.bash"
PY=$RELKIT_PYTHON
export RELKIT_HTTP_MAX_ATTEMPTS=2 RELKIT_HTTP_BACKOFF_MS=10 RELKIT_HTTP_BACKOFF_MAX_MS=20
unset GITHUB_REPOSITORY CI

GH_MARK=ghp_RELKITLEAKCHECK0123456789abcdefXYZ
GT_MARK=ghs_RKGITHUBTOKENLEAK9876543210zyxwvUT
BAD_MARK=ghp_RKBADCREDLEAK5555555555555555QQQ
URL_MARK=RKURLPASSWORDLEAK0000111122223333
port() { sed 's/.*://; s/[^0-9].*//' <<<"$1"; }
API_PORT=$(port "$RELKIT_EMU_API")
UP_PORT=$(port "$RELKIT_EMU_UPLOADS")
DL_PORT=$(port "$RELKIT_EMU_DOWNLOADS")
sec_secret GH_TOKEN "$GH_MARK" "$API_PORT $UP_PORT" "x-access-token token relkit-leak-bot"
sec_secret GITHUB_TOKEN "$GT_MARK" "$API_PORT $UP_PORT" "x-access-token token"
sec_secret BAD_TOKEN "$BAD_MARK" "$API_PORT $UP_PORT" "x-access-token token"
sec_secret URL_PASSWORD "$URL_MARK" "" "x-access-token"
export GH_TOKEN=$GH_MARK
unset GITHUB_TOKEN
export SEC_EXPECT_MASK=GH_TOKEN

emu() { curl -fsS -X "$1" "$RELKIT_EMU_API/_emulator$2" ${3:+-H 'Content-Type: application/json' -d "$3"}; }
stat_of() { emu GET /stats | "$PY" -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
REPO=relkit-test/sec
SHA=5ec0000000000000000000000000000000000003
IN=$T_TMP/in
mkdir -p "$IN"
"$PY" "$RELKIT_SRC/tests/data/wheels/make_wheel.py" "$IN" --name relkit_sec --version 1.0.0rc2024030101 >/dev/null
WHEEL=$(ls "$IN"/*.whl)
printf 'release notes\n' >"$IN/notes.txt"

t_case "no tool takes a token from the command line (argv is not a channel)"
for t in get-latest-green mk-candidate-tag index-gen gh-release ghcr-promote wheel-retag; do
    h=$("$t" --help 2>&1)
    grep -qiE -- '--(token|password|auth|credentials?)\b' <<<"$h" && t_fail "$t --help offers a credential option"
    run "$t" --token "$BAD_MARK"
    [ "$T_RC" = 2 ] || t_fail "$t --token X: exit $T_RC, expected 2"
done
for c in create upload publish promote download list view verify prune; do
    grep -qiE -- '--(token|password|auth)\b' <<<"$(gh-release "$c" --help 2>&1)" && t_fail "gh-release $c offers a credential option"
done

t_case "every man page of a tool that reads a token says it is never taken from the command line"
for t in get-latest-green mk-candidate-tag index-gen gh-release ghcr-promote; do
    sed -n '/^\.SH ENVIRONMENT/,/^\.SH /p' "$RELKIT_SRC/docs/man/$t.1" | tr '\n' ' ' | grep -qiE 'never (taken )?from the command line' ||
        t_fail "docs/man/$t.1: ENVIRONMENT does not say the token is never taken from the command line"
done

t_case "get-latest-green: normal, per-job, dry-run"
sec_both glg get-latest-green -vv --repo "$REPO" --workflow ci.yml
expect_rc 0
expect_eq "$(json_get '["commit"]["sha"]')" "$SHA" "green commit"
sec_both glg-perjob get-latest-green -vv --repo relkit-test/demo --workflow ci.yml --per-job '(.*)'
expect_rc 0
sec_both glg-dry get-latest-green -vv --dry-run --repo relkit-test/demo --workflow ci.yml --required-from-branch
[ "$T_RC" = 0 ] || [ "$T_RC" = 1 ] || t_fail "exit $T_RC"

t_case "mk-candidate-tag: API tag, dry-run, local checkout"
sec_both mct-dry mk-candidate-tag -vv --dry-run --repo "$REPO" --sha "$SHA" --base-version 1.0.0 --date 2024-03-01
expect_rc 0
sec_both mct mk-candidate-tag -vv --reuse --repo "$REPO" --sha "$SHA" --base-version 1.0.0 --date 2024-03-01
expect_rc 0
TAG=$(json_get '["tag"]')
VERSION=$(json_get '["version"]')
expect_eq "$TAG" candidate-20240301.1 tag
expect_eq "$VERSION" 1.0.0rc2024030101 version
git -C "$IN" init -q repo && git -C "$IN/repo" -c user.name=t -c user.email=t@t commit -q --allow-empty -m one
SEC_EXPECT_MASK='' sec_both mct-local mk-candidate-tag -vv --local --checkout "$IN/repo" --base-version 1.0.0 --date 2024-03-01 --reuse
expect_rc 0

t_case "gh-release create, upload, publish (and their dry runs)"
sec_both create-dry gh-release create -vv --dry-run -R "$REPO" --tag "$TAG" --draft --prerelease
expect_rc 0
sec_both create gh-release create -vv -R "$REPO" --tag "$TAG" --draft --prerelease --notes "candidate"
expect_rc 0
sec_both upload-dry gh-release upload -vv --dry-run -R "$REPO" --tag "$TAG" "$WHEEL" "$IN/notes.txt"
expect_rc 0
sec_both upload gh-release upload -vv -R "$REPO" --tag "$TAG" -j 4 "$WHEEL" "$IN/notes.txt"
expect_rc 0
sec_both publish-dry gh-release publish -vv --dry-run -R "$REPO" --tag "$TAG" --expect '*.whl'
expect_rc 0
sec_both publish gh-release publish -vv -R "$REPO" --tag "$TAG" --expect '*.whl' --expect notes.txt
expect_rc 0

t_case "gh-release list, view, verify, download: the downloads host gets no token"
before=$(stat_of 'd["listeners"].get("downloads", 0)')
sec_both list gh-release list -vv -R "$REPO"
expect_rc 0
sec_both view gh-release view -vv -R "$REPO" --tag "$TAG"
expect_rc 0
sec_both verify gh-release verify -vv -R "$REPO" --tag "$TAG"
expect_rc 0
sec_both verify-dir gh-release verify -vv -R "$REPO" --tag "$TAG" "$WHEEL"
expect_rc 0
sec_both download gh-release download -vv -R "$REPO" --tag "$TAG" -D @BOX@/dl
expect_rc 0
echo "$T_OUT" >"$IN/downloaded.json"
after=$(stat_of 'd["listeners"].get("downloads", 0)')
[ "$after" -gt "$before" ] || t_fail "no request reached the downloads host ($before -> $after)"
expect_eq "$(stat_of 'd["downloads_rejected_authorization"]')" 0 "downloads with Authorization"

t_case "wheel-retag (no network) with the tokens in its environment"
SEC_EXPECT_MASK='' sec_both retag wheel-retag -vv --final -o @BOX@/final "$WHEEL"
expect_rc 0
SEC_MODE=plain sec_run retag-keep wheel-retag --final -o "$IN/final" "$WHEEL"
echo "$T_OUT" >"$IN/retagged.json"

t_case "gh-release promote (copies through the downloads host) and its dry run"
sec_both promote-dry gh-release promote -vv --dry-run -R "$REPO" --from "$TAG" --release-version 1.0.0 --copy 'notes.txt' --wheels "$IN/retagged.json"
expect_rc 0
sec_both promote gh-release promote -vv -R "$REPO" --from "$TAG" --release-version 1.0.0 --copy 'notes.txt' --wheels "$IN/retagged.json"
expect_rc 0
expect_eq "$(json_get '["release"]["tag"]')" v1.0.0 "stable tag"
expect_eq "$(stat_of 'd["downloads_rejected_authorization"]')" 0 "downloads with Authorization"

t_case "index-gen: remote metadata and hashes (range reads via redirects), ETag cache, re-run"
before=$(stat_of 'd["listeners"].get("downloads", 0)')
sec_both idx index-gen -vv --repo "$REPO" --output @BOX@/site --cache-dir @BOX@/igcache --hash-missing
expect_rc 0
after=$(stat_of 'd["listeners"].get("downloads", 0)')
[ "$after" -gt "$before" ] || t_fail "index-gen read nothing from the downloads host ($before -> $after)"
[ "$(json_get '["index"]["requests"]["range_reads"]')" -gt 0 ] || t_fail "no wheel metadata read remotely (range reads)"
grep -q 'relkit_sec-1.0.0rc2024030101-py3-none-any.whl#sha256=' "$BOX/site/links.html" || t_fail "the candidate wheel is not indexed with its hash"
SEC_MODE=plain sec_run idx-cache index-gen -vv --repo "$REPO" --output @BOX@/site --hash-missing
expect_rc 0
[ -n "$(find "$BOX/cache" -type f | head -1)" ] || t_fail "no default cache written under XDG_CACHE_HOME"
cp -r "$BOX/cache" "$IN/xdg"
# a re-run with the cache: conditional requests, no downloads
SEC_MODE=plain sec_run idx-rerun XDG_CACHE_HOME="$IN/xdg" index-gen -vv --repo "$REPO" --output @BOX@/site --hash-missing
expect_rc 0
grep -rqF "RELKITLEAK" "$IN/xdg" && t_fail "the ETag cache holds the token"
sec_both idx-dry index-gen -vv --dry-run --repo "$REPO" --output @BOX@/site --no-cache --hash-missing
expect_rc 0
expect_eq "$(stat_of 'd["downloads_rejected_authorization"]')" 0 "downloads with Authorization"
n=$(emu GET /log | "$PY" -c 'import json,sys; print(sum(1 for e in json.load(sys.stdin) if "/releases/download/" in e["path"] and e["authorization"]))')
expect_eq "$n" 0 "browser_download_url requests (github.com) carrying the token"

t_case "gh-release prune and its dry run"
sec_both prune-dry gh-release prune -vv --dry-run -R "$REPO" --older-than 30d --tag-regex '^nightly-'
expect_rc 0
sec_both prune gh-release prune -vv -R "$REPO" --older-than 30d --tag-regex '^nightly-' --yes --cleanup-tag
expect_rc 0

t_case "GITHUB_TOKEN alone (GH_TOKEN unset): same audit, its own marker masked"
SEC_EXPECT_MASK=GITHUB_TOKEN sec_both gt-list -u GH_TOKEN GITHUB_TOKEN="$GT_MARK" gh-release list -vv -R "$REPO"
expect_rc 0
SEC_EXPECT_MASK=GITHUB_TOKEN sec_both gt-dl -u GH_TOKEN GITHUB_TOKEN="$GT_MARK" gh-release download -vv -R "$REPO" --tag v1.0.0 -D @BOX@/dl
expect_rc 0
SEC_EXPECT_MASK=GITHUB_TOKEN sec_both gt-idx -u GH_TOKEN GITHUB_TOKEN="$GT_MARK" index-gen -vv --repo "$REPO" --output @BOX@/site --hash-missing
expect_rc 0
SEC_EXPECT_MASK=GITHUB_TOKEN sec_both gt-glg -u GH_TOKEN GITHUB_TOKEN="$GT_MARK" get-latest-green -vv --repo "$REPO" --workflow ci.yml
expect_rc 0

t_case "401 bad credentials: every GitHub tool, exit 4, the bad token masked too"
export SEC_EXPECT_MASK=BAD_TOKEN
bad() { sec_both "$1" GH_TOKEN="$BAD_MARK" "${@:2}"; expect_rc 4; expect_err "Bad credentials"; }
bad 401-glg get-latest-green -vv --repo "$REPO" --workflow ci.yml
bad 401-mct mk-candidate-tag -vv --repo "$REPO" --sha "$SHA" --base-version 1.0.0
bad 401-idx index-gen -vv --repo "$REPO" --output @BOX@/site --cache-dir @BOX@/c
for c in "list" "view --tag $TAG" "create --tag $TAG" "upload --tag $TAG $IN/notes.txt" "publish --tag $TAG" \
    "download --tag $TAG -D @BOX@/dl" "verify --tag $TAG" "promote --from $TAG" "prune --older-than 1d --yes"; do
    # shellcheck disable=SC2086
    bad "401-${c%% *}" gh-release $c -vv -R "$REPO"
done
export SEC_EXPECT_MASK=GH_TOKEN

t_case "404: unknown repository, tag, workflow"
sec_both 404-glg get-latest-green -vv --repo relkit-test/nope --workflow ci.yml
expect_rc 4
sec_both 404-mct mk-candidate-tag -vv --repo relkit-test/nope --sha "$SHA" --base-version 1.0.0
expect_rc 4
sec_both 404-idx index-gen -vv --repo relkit-test/nope --output @BOX@/site --no-cache
expect_rc 4
sec_both 404-view gh-release view -vv -R "$REPO" --tag no-such-tag
expect_rc 4
sec_both 404-dl gh-release download -vv -R "$REPO" --tag no-such-tag -D @BOX@/dl
expect_rc 4
sec_both 404-upload gh-release upload -vv -R "$REPO" --tag no-such-tag "$IN/notes.txt"
expect_rc 4

t_case "5xx until the retries are exhausted: exit 5, nothing leaked"
emu POST /faults '[{"route": ".*", "listener": "api", "kind": "5xx", "status": 502, "count": -1}]' >/dev/null
sec_both 5xx-glg get-latest-green -vv --repo "$REPO" --workflow ci.yml
expect_rc 5
sec_both 5xx-mct mk-candidate-tag -vv --repo "$REPO" --sha "$SHA" --base-version 1.0.0
expect_rc 5
sec_both 5xx-idx index-gen -vv --repo "$REPO" --output @BOX@/site --cache-dir @BOX@/c
expect_rc 5
sec_both 5xx-list gh-release list -vv -R "$REPO"
expect_rc 5
emu POST /faults '[{"route": ".*", "listener": "uploads", "kind": "5xx", "status": 503, "count": -1}]' >/dev/null
printf 'new bytes\n' >"$IN/fresh.txt"
sec_both 5xx-upload gh-release upload -vv -R "$REPO" --tag "$TAG" "$IN/fresh.txt"
expect_rc 5
emu POST /faults '[{"route": ".*", "listener": "downloads", "kind": "5xx", "status": 500, "count": -1}]' >/dev/null
sec_both 5xx-dl gh-release download -vv -R "$REPO" --tag "$TAG" -D @BOX@/dl
expect_rc 5
emu POST /faults '[]' >/dev/null
expect_eq "$(stat_of 'd["downloads_rejected_authorization"]')" 0 "downloads with Authorization"

t_case "credentials in GITHUB_API_URL: refused (exit 2), shown as ***, never sent"
u="http://x-access-token:$URL_MARK@127.0.0.1:$API_PORT"
for c in "get-latest-green --repo $REPO --workflow ci.yml" "mk-candidate-tag --repo $REPO --sha $SHA --base-version 1.0.0" \
    "index-gen --repo $REPO --output @BOX@/site" "gh-release list -R $REPO" "gh-release download -R $REPO --tag $TAG -D @BOX@/dl"; do
    # shellcheck disable=SC2086
    SEC_EXPECT_MASK='' sec_both "urlcred-${c%% *}" GITHUB_API_URL="$u" $c -vv
    expect_rc 2
    expect_err "credentials in a URL"
done

t_case "index-gen: an asset URL with user:password@ in the context is never printed or written"
printf '{"assets": [{"name": "relkit_x-1.0-py3-none-any.whl", "url": "http://u:%s@127.0.0.1:%s/relkit_x-1.0-py3-none-any.whl", "size": 10}]}\n' \
    "$URL_MARK" "$DL_PORT" >"$IN/ctx-cred.json"
SEC_EXPECT_MASK='' sec_both ctx-cred index-gen -vv --context "$IN/ctx-cred.json" --output @BOX@/site --no-cache
SEC_EXPECT_MASK='' sec_both ctx-cred-hash index-gen -vv --context "$IN/ctx-cred.json" --output @BOX@/site --no-cache --hash-missing

t_case "the emulator saw no Authorization on the downloads host, ever"
expect_eq "$(emu GET /log | "$PY" -c 'import json,sys; print(sum(1 for e in json.load(sys.stdin) if e["listener"] == "downloads" and e["authorization"]))')" 0 "downloads requests with Authorization"
expect_eq "$(stat_of 'd["downloads_rejected_authorization"]')" 0 "downloads_rejected_authorization"
echo "audited runs: $SEC_RUNS"

t_done
