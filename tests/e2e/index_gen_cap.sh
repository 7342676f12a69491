#!/usr/bin/env bash
# index-gen and the releases list's 1000-result cap (emulator with 1005 releases): pages read in
# parallel, the releases past the cap found through the tags (default), or exit 4 with
# --no-past-cap; never a silent truncation.
. "$RELKIT_SRC/tests/lib/common.sh"
PY=$RELKIT_PYTHON
if [ -z "${RELKIT_EMU_API:-}" ]; then
    exec "$RELKIT_SRC/tests/fakes/github/with-emulator.sh" \
        --seed "$RELKIT_SRC/tests/fakes/github/seeds/idx_cap.json" -- bash "$0" "$@"
fi
REPO=relkit-test/many
stats() { curl -sf "$RELKIT_EMU_API/_emulator/stats"; }

t_case "cap: every release is indexed, past the 1000-result cap"
run index-gen --no-cache --no-metadata-fetch --repo "$REPO" --output "$T_TMP/o1"
expect_rc 0
expect_schema index-gen.output
expect_eq "$(json_get '["index"]["releases"]')" 1005 "releases"
expect_eq "$(json_get '["index"]["files"]')" 1005 "files"
expect_eq "$(json_get '["index"]["past_cap"]')" true "past_cap"
grep -q 'capped_pkg-0.1-py3-none-any.whl' "$T_TMP/o1/links.html" || t_fail "the oldest release is missing"
grep -q 'capped_pkg-0.1005-py3-none-any.whl' "$T_TMP/o1/links.html" || t_fail "the newest release is missing"

t_case "cap: the list pages were fetched with per_page=100 (10 pages, Link pagination)"
n=$(stats | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["routes"].get("api GET /repos/{o}/{r}/releases", 0))')
expect_eq "$n" 10 "list requests"

t_case "cap: an unchanged re-run past the cap is all 304s (no primary rate limit)"
run index-gen --cache-dir "$T_TMP/cache" --no-metadata-fetch --repo "$REPO" --output "$T_TMP/r1"
expect_rc 0
first=$(json_get '["index"]["requests"]["total"]')
before=$(stats | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["primary_rate_limit_spent"])')
run index-gen --cache-dir "$T_TMP/cache" --no-metadata-fetch --repo "$REPO" --output "$T_TMP/r2"
expect_rc 0
after=$(stats | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["primary_rate_limit_spent"])')
expect_eq "$after" "$before" "primary rate limit spent by the re-run"
expect_eq "$(json_get '["index"]["requests"]["not_modified"]')" "$first" "304s"
expect_eq "$(json_get '["index"]["releases"]')" 1005 "releases"
diff -r "$T_TMP/r1/simple" "$T_TMP/r2/simple" >/dev/null || t_fail "re-run output differs"

t_case "cap: --no-past-cap stops with exit 4 and says why"
run index-gen --no-cache --no-metadata-fetch --no-past-cap --repo "$REPO" --output "$T_TMP/o2"
expect_rc 4
expect_error_line index-gen
expect_err "stops at 1000 releases"
expect_no_file "$T_TMP/o2/links.html"

t_done
