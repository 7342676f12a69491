#!/usr/bin/env bash
# Load, CI size: index-gen over 1,500 releases x 3 wheels (seed load_index_1500.json), past
# the 1000-release list cap. Exact request counts against the design, and bounded memory
# (a stated peak-RSS bound, not a timing). The full size (10,000) is tests/bench/load.sh.
#
# Requests, N releases (all published, one tag each, no other tags), per_page=100:
#   releases list pages   min(ceil(N/100), 10)      (the list stops at 1000 releases)
#   matching-refs/tags    1                         (past the cap: every tag, one answer)
#   releases/tags/{tag}   N - 1000                  (each tag the list did not show)
#   N = 1500: 10 + 1 + 500 = 511. An unchanged re-run with the cache: the same 511, all 304,
#   no primary rate limit spent.
# Memory bound: 120 MB (measured ~71 MB; ~41 KB per release, see docs/hardening-secrets-load.md),
# x5 in a sanitizer build.
. "$RELKIT_SRC/tests/lib/common.sh"
if [ -z "${RELKIT_EMU_API:-}" ]; then
    exec "$RELKIT_SRC/tests/fakes/github/with-emulator.sh" \
        --seed "$RELKIT_SRC/tests/fakes/github/seeds/load_index_1500.json" -- bash "$0" "$@"
fi
. "$RELKIT_SRC/tests/hardening/load/lib.bash"
N=1500
REPO=relkit-test/load
LIST="api GET /repos/{o}/{r}/releases"
TAGS="api GET /repos/{o}/{r}/git/matching-refs/{ref}"
BYTAG="api GET /repos/{o}/{r}/releases/tags/{tag}"
pages() { echo $((($1 + 99) / 100)); }
E_LIST=$(($(pages $N) < 10 ? $(pages $N) : 10))
E_TAGS=1
E_BYTAG=$((N - 1000))
E_TOTAL=$((E_LIST + E_TAGS + E_BYTAG))

t_case "full generation over $N releases: $E_LIST + $E_TAGS + $E_BYTAG = $E_TOTAL requests, bounded memory"
emu_snap a
load_run full index-gen --repo "$REPO" --output "$T_TMP/site" --cache-dir "$T_TMP/cache" --no-metadata-fetch
emu_snap b
expect_rc 0
expect_eq "$(json_get '["index"]["releases"]')" "$N" releases
expect_eq "$(json_get '["index"]["files"]')" $((N * 3)) files
expect_eq "$(emu_delta a b "$LIST")" "$E_LIST" "releases list pages"
expect_eq "$(emu_delta a b "$TAGS")" "$E_TAGS" "tag lists (matching-refs)"
expect_eq "$(emu_delta a b "$BYTAG")" "$E_BYTAG" "releases looked up by tag"
expect_eq "$(emu_delta a b '*')" "$E_TOTAL" "requests (emulator)"
expect_eq "$(json_get '["index"]["requests"]["total"]')" "$E_TOTAL" "requests (index-gen's own count)"
expect_rss_below 120 "index-gen over $N releases"
figure "index-gen full N=$N rss_kb=$LOAD_RSS_KB wall_s=$LOAD_WALL_S requests=$(emu_delta a b '*') expected=$E_TOTAL"
grep -q "load_pkg1-1.0.1-py3-none-any.whl" "$T_TMP/site/links.html" || t_fail "the oldest release is missing"
grep -q "load_pkg3-1.0.$N-py3-none-any.whl" "$T_TMP/site/links.html" || t_fail "the newest release is missing"

t_case "unchanged re-run: the same $E_TOTAL requests, all 304, no rate limit, same pages"
emu_snap c
load_run rerun index-gen --repo "$REPO" --output "$T_TMP/site2" --cache-dir "$T_TMP/cache" --no-metadata-fetch
emu_snap d
expect_rc 0
expect_eq "$(emu_delta c d '*')" "$E_TOTAL" "requests"
expect_eq "$(json_get '["index"]["requests"]["not_modified"]')" "$E_TOTAL" "304s"
expect_eq "$(emu_spent c d)" 0 "primary rate limit spent"
diff -r "$T_TMP/site/simple" "$T_TMP/site2/simple" >/dev/null || t_fail "the re-run's pages differ"
expect_rss_below 120 "index-gen re-run over $N releases"
figure "index-gen rerun N=$N rss_kb=$LOAD_RSS_KB wall_s=$LOAD_WALL_S requests=$(emu_delta c d '*') expected=$E_TOTAL not_modified=$(json_get '["index"]["requests"]["not_modified"]')"

t_case "pre-releases (every second one) filtered out: the same requests (filters apply after listing)"
emu_snap e
load_run filtered index-gen --repo "$REPO" --output "$T_TMP/site3" --no-cache --no-metadata-fetch --prereleases exclude
emu_snap f
expect_rc 0
expect_eq "$(json_get '["index"]["releases"]')" $((N / 2)) "stable releases (every 2nd is a pre-release)"
expect_eq "$(emu_delta e f '*')" "$E_TOTAL" "requests"

t_done
