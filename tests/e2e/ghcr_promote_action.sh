#!/usr/bin/env bash
# tools/ghcr-promote/action.yml run through tests/lib/run_action.py against a registry peer:
# inputs become flags (rules one per line), the tool writes the outputs and the step summary.
. "$RELKIT_SRC/tests/lib/common.sh"
fakes=$RELKIT_SRC/tests/fakes/registry

if [ "${E2E_INNER:-}" != 1 ]; then
    E2E_INNER=1 exec "$fakes/with-registry.sh" --mode noauth --fixtures -- bash "$0" "$@"
fi
export RELKIT_HTTP_MAX_ATTEMPTS=2
R=$REGISTRY_ADDR
RA=$RELKIT_SRC/tests/lib/run_action.py
mkdir -p "$T_TMP/ws"
ra() { run "$RELKIT_PYTHON" "$RA" "$RELKIT_SRC/tools/ghcr-promote" --workdir "$T_TMP/ws" \
    --runner-temp "$T_TMP" --github token=unused --env "PATH=$PATH" "$@"; }
TT_TAG=0.0.5-ef93cf18b3aee66cc9ec703423de0ad3c6fde844-1d799da-52729064622

t_case "action: one image with repository and tag rules"
ra --input "src=$R/src/tt-shield/model-a:$TT_TAG" \
    --input "repo-rules=^src/tt-shield/=dst/tt-inference-server/
-dev-=-release-" \
    --input 'tag-rules=^([0-9]+\.[0-9]+\.[0-9]+)-([0-9a-f]{40})-([0-9a-f]{7})-[0-9]+$={1}-{2:7}-{3}'
expect_rc 0
expect_eq "$(json_get '["outputs"]["copied"]')" 1 copied
expect_eq "$(json_get '["outputs"]["to-build"]')" "[]" to-build
ctx=$(json_get '["outputs"]["context"]')
T_OUT=$ctx expect_schema ghcr-promote.output
grep -q "0.0.5-ef93cf1-1d799da" <<<"$ctx" || t_fail "context lacks the rewritten tag"
grep -q "### ghcr-promote" <<<"$(json_get '["summary"]')" || t_fail "no step summary"

t_case "action: inline image list, dry run, missing-ok"
ra --input "images=[\"$R/src/app:1.0\", \"$R/src/nope:1.0\"]" --input "repo-rules=^src/=act/" \
    --input dry-run=true --input missing-ok=true
expect_rc 0
expect_eq "$(json_get '["outputs"]["to-build"]')" "[\"$R/src/nope:1.0\"]" to-build
expect_eq "$(json_get '["summary"]')" "" "no summary in a dry run"
skopeo inspect --raw --tls-verify=false "docker://$R/act/app:1.0" >/dev/null 2>&1 && t_fail "a dry run wrote"

t_case "action: a failure fails the step"
ra --input "src=$R/src/nope:1.0" --input "dst=$R/dst/nope:1.0"
expect_rc 1
t_done
