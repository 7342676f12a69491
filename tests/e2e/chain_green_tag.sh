#!/usr/bin/env bash
# get-latest-green | mk-candidate-tag, as a nightly runs them: the green commit of glg/deep
# (depth 30, committed 2024-11-01T09:00:00Z) gets a candidate tag and an rc version; a second
# nightly of the day gets the next number; nothing green stops the chain; the context passes
# through a file as the composite actions pass it; the action.yml files validate.
if [ -z "${RELKIT_EMU_API:-}" ]; then
    exec "$RELKIT_SRC/tests/fakes/github/with-emulator.sh" \
        --seed "$RELKIT_SRC/tests/fakes/github/seeds/glg_green.json" -- bash "$0" "$@"
fi
. "$RELKIT_SRC/tests/lib/common.sh"
set -o pipefail
unset SOURCE_DATE_EPOCH GITHUB_RUN_NUMBER GITHUB_REPOSITORY

GREEN=$(printf 'deep:9' | sha1sum | cut -d' ' -f1)
WF=(--workflow ci.yml --workflow lint.yml --workflow build.yml)
chain() { # chain GLG_ARGS... -- MCT_ARGS...
    local glg=() mct=()
    while [ $# -gt 0 ] && [ "$1" != -- ]; do glg+=("$1"); shift; done
    shift
    mct=("$@")
    get-latest-green "${glg[@]}" 2>"$T_TMP/glg.err" </dev/null |
        mk-candidate-tag "${mct[@]}" >"$T_TMP/.out" 2>"$T_TMP/.err"
    T_RC=$?
    T_OUT=$(cat "$T_TMP/.out")
    T_ERR="$(cat "$T_TMP/glg.err")
$(cat "$T_TMP/.err")"
}
ref_sha() {
    curl -sf -H "Authorization: Bearer $GH_TOKEN" "$RELKIT_EMU_API/repos/glg/deep/git/ref/tags/$1" |
        "$RELKIT_PYTHON" -c 'import json,sys; print(json.load(sys.stdin)["object"]["sha"])' 2>/dev/null
}

mkdir -p "$T_TMP/compiler" "$T_TMP/runtime"
printf '{"package-version": "3.1.0.dev"}\n' >"$T_TMP/compiler/version.json"
printf '{"package-version": "3.1.0.dev"}\n' >"$T_TMP/runtime/version.json"
VF=(--version-file "$T_TMP/compiler/version.json" --version-file "$T_TMP/runtime/version.json")

t_case "the nightly: green commit -> candidate tag with an rc version"
chain --repo glg/deep "${WF[@]}" -- --date commit "${VF[@]}" --write-local
expect_rc 0
expect_eq "$(json_get '["tag"]')" candidate-20241101.1 "tag"
expect_eq "$(json_get '["sha"]')" "$GREEN" "sha"
expect_eq "$(json_get '["commit"]["sha"]')" "$GREEN" "get-latest-green's commit kept"
expect_eq "$(json_get '["green"]["depth"]')" 30 "get-latest-green's report kept"
expect_eq "$(json_get '["version"]')" 3.1.0rc2024110101 "version"
expect_eq "$(json_get '["repo"]')" glg/deep "repo"
expect_eq "$(ref_sha candidate-20241101.1)" "$GREEN" "the tag in the repository"
grep -q "\"iree-revision\": \"$GREEN\"" "$T_TMP/runtime/version_local.json" || t_fail "version_local.json"
expect_schema mk-candidate-tag.output

t_case "a second nightly of the same day: the next number, a higher version"
chain --repo glg/deep "${WF[@]}" -- --date commit "${VF[@]}"
expect_rc 0
expect_eq "$(json_get '["tag"]')" candidate-20241101.2 "tag"
expect_eq "$(json_get '["version"]')" 3.1.0rc2024110102 "version"

t_case "the iree preset: a date-only tag, then a collision on the same day (exit 4)"
chain --repo glg/deep "${WF[@]}" -- --date commit --preset iree "${VF[@]}"
expect_rc 0
expect_eq "$(json_get '["tag"]')" iree-3.1.0rc20241101 "tag"
chain --repo glg/deep "${WF[@]}" -- --date commit --preset iree "${VF[@]}"
expect_rc 4
expect_err "tag 'iree-3.1.0rc20241101' already exists"

t_case "nothing green: the chain stops, no tag"
chain --repo glg/none --workflow ci.yml -- --date 20241101
expect_rc 2
expect_err "no green commit on 'main'"
expect_err "mk-candidate-tag: error: no commit"

t_case "the context through a file, as composite actions pass it"
run get-latest-green --repo glg/depth1 --workflow ci.yml
expect_rc 0
printf '%s' "$T_OUT" >"$T_TMP/ctx.json"
run mk-candidate-tag --context "$T_TMP/ctx.json" --date commit --dry-run
expect_rc 0
expect_eq "$(json_get '["tag"]')" candidate-20241101.1 "tag"
expect_eq "$(json_get '["sha"]')" "$(printf 'depth1:2' | sha1sum | cut -d' ' -f1)" "sha"
expect_eq "$(json_get '["repo"]')" glg/depth1 "repo"

t_case "the same chain as composite actions (tests/lib/run_action.py), context passed along"
RA=$RELKIT_SRC/tests/lib/run_action.py
mkdir -p "$T_TMP/ws"
ra() { # ACTION_DIR ARGS...: outputs JSON of the action in $T_OUT
    local dir=$1
    shift
    run "$RELKIT_PYTHON" "$RA" "$RELKIT_SRC/tools/$dir" --workdir "$T_TMP/ws" --runner-temp "$T_TMP" \
        --github "token=$GH_TOKEN" --env "PATH=$PATH" --env "GITHUB_API_URL=$GITHUB_API_URL" "$@"
}
ra get-latest-green --input repo=glg/deep --input "workflows=ci.yml
lint.yml
build.yml"
expect_rc 0
expect_eq "$(json_get '["outputs"]["sha"]')" "$GREEN" "get-latest-green sha output"
printf '%s' "$(json_get '["outputs"]["context"]')" >"$T_TMP/green-context.json"
grep -q "at depth 30" <<<"$(json_get '["summary"]')" || t_fail "no step summary"
ra mk-candidate-tag --input "context=$(cat "$T_TMP/green-context.json")" --input date=commit \
    --input base-version=3.1.0
expect_rc 0
expect_eq "$(json_get '["outputs"]["tag"]')" candidate-20241101.3 "tag output"
expect_eq "$(json_get '["outputs"]["version"]')" 3.1.0rc2024110103 "version output"
expect_eq "$(json_get '["outputs"]["sha"]')" "$GREEN" "sha output"
expect_eq "$(ref_sha candidate-20241101.3)" "$GREEN" "the tag in the repository"

t_case "action: nothing green fails the step, the context output still set"
ra get-latest-green --input repo=glg/none --input workflows=ci.yml
expect_rc 1
expect_eq "$(json_get '["steps"][0]["rc"]')" 1 "step exit"
grep -q '"passed_over"' <<<"$(json_get '["outputs"]["context"]')" || t_fail "context output"

t_case "action: mk-candidate-tag dry run with a template and version files"
ra mk-candidate-tag --input repo=glg/deep --input "sha=$GREEN" --input date=20241101 \
    --input preset=snapshot --input dry-run=true --input "version-files=$T_TMP/compiler/version.json"
expect_rc 0
expect_eq "$(json_get '["outputs"]["tag"]')" snapshot-20241101.01 "tag"
expect_eq "$(json_get '["outputs"]["n"]')" 1 "n"

t_case "the action.yml files validate (action-validator)"
validator=$RELKIT_SRC/tests/node_modules/.bin/action-validator
if [ -x "$validator" ] && command -v node >/dev/null; then
    for tool in get-latest-green mk-candidate-tag; do
        "$validator" "$RELKIT_SRC/tools/$tool/action.yml" >"$T_TMP/av.out" 2>&1 ||
            t_fail "$tool/action.yml: $(cat "$T_TMP/av.out")"
    done
else
    echo "skipped: no action-validator (./run deps installs it)"
fi

t_done
