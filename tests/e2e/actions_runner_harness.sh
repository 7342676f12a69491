#!/usr/bin/env bash
# tests/lib/run_action.py, the composite-action runner used by the action tests: inputs and
# defaults, outputs (k=v and k<<DELIM), GITHUB_ENV / GITHUB_PATH / GITHUB_STEP_SUMMARY, if:
# conditions, failing steps, expressions, strictness, nested local actions; then the root
# action.yml run through it.
. "$RELKIT_SRC/tests/lib/common.sh"

RA=$RELKIT_SRC/tests/lib/run_action.py
WS=$T_TMP/ws # the workspace (GITHUB_WORKSPACE) of every run
mkdir -p "$WS"

# act NAME: write stdin to $T_TMP/NAME/action.yml
act() { mkdir -p "$T_TMP/$1" && cat >"$T_TMP/$1/action.yml"; }
# ra ACTION ARGS...: run_action.py on $T_TMP/ACTION in the workspace
ra() { local a=$1; shift; run "$RELKIT_PYTHON" "$RA" "$T_TMP/$a" --workdir "$WS" "$@"; }
out() { json_get "[\"outputs\"][\"$1\"]" 2>/dev/null; }
step() { json_get "[\"steps\"][$1][\"$2\"]" 2>/dev/null; }
jget() { json_get "$1" 2>/dev/null; }

act inputs <<'EOF'
name: inputs
description: inputs, defaults and outputs
inputs:
  who:
    description: required, no default
    required: true
  greeting:
    description: has a default
    default: hello
  flag:
    description: YAML true stays the string "true"
    default: true
  where:
    description: a default with an expression
    default: ${{ github.action_path }}
  empty:
    description: no default, not required
outputs:
  msg:
    description: from a step
    value: ${{ steps.one.outputs.msg }}
  eq:
    description: a value holding =
    value: ${{ steps.one.outputs.eq }}
  flag:
    description: the input
    value: ${{ inputs.flag }}
  where:
    description: the input
    value: ${{ inputs.where }}
  empty:
    description: the input
    value: "[${{ inputs.empty }}]"
  unset:
    description: an output the step did not set
    value: "[${{ steps.one.outputs.never }}]"
runs:
  using: composite
  steps:
    - id: one
      shell: bash
      env:
        WHO: ${{ inputs.who }}
      run: |
        echo "msg=${{ inputs.greeting }}, $WHO" >>"$GITHUB_OUTPUT"
        echo "eq=a=b==c" >>"$GITHUB_OUTPUT"
EOF

t_case "inputs: defaults apply, given values win, outputs come from steps"
ra inputs --input who=world
expect_rc 0
expect_eq "$(out msg)" "hello, world" "msg"
expect_eq "$(out eq)" "a=b==c" "eq"
expect_eq "$(out flag)" "true" "flag"
expect_eq "$(out where)" "$T_TMP/inputs" "where"
expect_eq "$(out empty)" "[]" "empty"
expect_eq "$(out unset)" "[]" "unset"
ra inputs --input who=you --input greeting=hi --input flag=false
expect_eq "$(out msg)" "hi, you" "msg"
expect_eq "$(out flag)" "false" "flag"

t_case "inputs: a missing required input is an error"
ra inputs
expect_rc 2
expect_err "missing required input 'who'"
expect_eq "$T_OUT" "" "stdout"

t_case "inputs: an undeclared input is an error"
ra inputs --input who=x --input whom=y
expect_rc 2
expect_err "unexpected input(s) ['whom']"

act multiline <<'EOF'
name: multiline
description: the k<<DELIM form
outputs:
  text:
    description: three lines
    value: ${{ steps.s.outputs.text }}
  after:
    description: a k=v line after a block
    value: ${{ steps.s.outputs.after }}
  json:
    description: JSON through a block
    value: ${{ fromJSON(steps.s.outputs.json).list[1] }}
runs:
  using: composite
  steps:
    - id: s
      shell: bash
      run: |
        {
          echo "text<<EOT_1"
          printf 'line one\nkey=value\n\nline four\n'
          echo "EOT_1"
          echo "after=yes"
          printf 'json<<J\n{"list": [1,\n "two"]}\nJ\n'
        } >>"$GITHUB_OUTPUT"
EOF

t_case "outputs: multi-line values through the delimiter form"
ra multiline
expect_rc 0
expect_eq "$(out text)" $'line one\nkey=value\n\nline four' "text"
expect_eq "$(out after)" "yes" "after"
expect_eq "$(out json)" "two" "json"

act nodelim <<'EOF'
name: nodelim
description: a block without its delimiter
runs:
  using: composite
  steps:
    - shell: bash
      run: printf 'text<<EOT\nno end\n' >>"$GITHUB_OUTPUT"
EOF

t_case "outputs: a block without its closing delimiter is an error"
ra nodelim
expect_rc 2
expect_err "matching delimiter 'EOT' not found"

act envpath <<'EOF'
name: envpath
description: GITHUB_ENV, GITHUB_PATH, step env, runner variables
outputs:
  seen:
    description: what the second step saw
    value: ${{ steps.two.outputs.seen }}
  ctx:
    description: env context after the first step
    value: ${{ steps.two.outputs.ctx }}
  tool:
    description: a command found through GITHUB_PATH
    value: ${{ steps.two.outputs.tool }}
  vars:
    description: runner variables
    value: ${{ steps.three.outputs.vars }}
runs:
  using: composite
  steps:
    - shell: bash
      env:
        ONLY_HERE: step-one
      run: |
        printf 'FROM_ONE=one\nMULTI<<X\na\nb\nX\n' >>"$GITHUB_ENV"
        mkdir -p "$RUNNER_TEMP/mybin"
        printf '#!/bin/sh\necho tool-ran\n' >"$RUNNER_TEMP/mybin/mytool"
        chmod +x "$RUNNER_TEMP/mybin/mytool"
        echo "$RUNNER_TEMP/mybin" >>"$GITHUB_PATH"
    - id: two
      shell: bash
      run: |
        echo "seen=$FROM_ONE|${ONLY_HERE:-unset}|$(printf %s "$MULTI" | tr '\n' +)" >>"$GITHUB_OUTPUT"
        echo "ctx=${{ env.FROM_ONE }}|${{ env.ONLY_HERE }}|${{ env.WF }}" >>"$GITHUB_OUTPUT"
        echo "tool=$(mytool)" >>"$GITHUB_OUTPUT"
    - id: three
      shell: bash
      working-directory: sub
      run: |
        echo "vars=$GITHUB_ACTIONS|$CI|$(basename "$GITHUB_ACTION_PATH")|$(basename "$PWD")|$WF|${RUNNER_TEMP:+temp}" >>"$GITHUB_OUTPUT"
EOF

t_case "GITHUB_ENV and GITHUB_PATH apply to later steps; step env does not"
mkdir -p "$WS/sub"
ra envpath --env WF=workflow-env
expect_rc 0
expect_eq "$(out seen)" "one|unset|a+b" "process env"
expect_eq "$(out ctx)" "one||workflow-env" "env context"
expect_eq "$(out tool)" "tool-ran" "PATH"
expect_eq "$(jget '["env"]["FROM_ONE"]')" "one" "env in the result"
expect_eq "$(jget '["path"][0]' | sed 's|.*/||')" "mybin" "path in the result"

t_case "steps see GITHUB_ACTIONS=true, CI, the action path, working-directory, RUNNER_TEMP"
expect_eq "$(out vars)" "true|true|envpath|sub|workflow-env|temp" "vars"

act conds <<'EOF'
name: conds
description: if conditions
inputs:
  mode:
    description: a, b
    default: a
outputs:
  ran:
    description: which steps ran
    value: ${{ steps.a.outputs.r }}${{ steps.b.outputs.r }}${{ steps.c.outputs.r }}${{ steps.d.outputs.r }}
runs:
  using: composite
  steps:
    - id: a
      if: inputs.mode == 'A'
      shell: bash
      run: echo "r=a" >>"$GITHUB_OUTPUT"
    - id: b
      if: ${{ inputs.mode != 'a' }}
      shell: bash
      run: echo "r=b" >>"$GITHUB_OUTPUT"
    - id: c
      if: steps.a.outcome == 'success' && (inputs.mode == 'x' || startsWith(inputs.mode, 'a'))
      shell: bash
      run: echo "r=c" >>"$GITHUB_OUTPUT"
    - id: d
      if: failure()
      shell: bash
      run: echo "r=d" >>"$GITHUB_OUTPUT"
EOF

t_case "if: bare and \${{ }} conditions, case-insensitive ==, &&/||, steps.X.outcome"
ra conds
expect_rc 0
expect_eq "$(out ran)" "ac" "ran with mode=a"
expect_eq "$(step 1 outcome)" "skipped" "step b"
expect_eq "$(step 3 outcome)" "skipped" "failure() step"
ra conds --input mode=b
expect_eq "$(out ran)" "b" "ran with mode=b"

act failing <<'EOF'
name: failing
description: a failing step
inputs:
  tolerate:
    description: continue-on-error for the failing step
    default: "false"
outputs:
  before:
    description: set before the failure
    value: ${{ steps.ok.outputs.v }}
  after:
    description: a success() step after the failure
    value: "[${{ steps.after.outputs.v }}]"
  cleanup:
    description: an always() step
    value: ${{ steps.cleanup.outputs.v }}
  onfail:
    description: a failure() step
    value: ${{ steps.onfail.outputs.v }}
  outcome:
    description: outcome/conclusion of the failing step
    value: ${{ steps.bad.outcome }}/${{ steps.bad.conclusion }}
runs:
  using: composite
  steps:
    - id: ok
      shell: bash
      run: echo "v=set" >>"$GITHUB_OUTPUT"
    - id: bad
      shell: bash
      continue-on-error: ${{ inputs.tolerate == 'true' }}
      run: |
        echo "about to fail"
        false
        echo "not reached"
    - id: after
      shell: bash
      run: echo "v=ran" >>"$GITHUB_OUTPUT"
    - id: onfail
      if: failure()
      shell: bash
      run: echo "v=ran" >>"$GITHUB_OUTPUT"
    - id: cleanup
      if: always()
      shell: bash
      run: echo "v=ran" >>"$GITHUB_OUTPUT"
EOF

t_case "a failing step: exit 1, the JSON still printed, later success() steps skipped"
ra failing
expect_rc 1
expect_eq "$(out before)" "set" "before"
expect_eq "$(out after)" "[]" "after"
expect_eq "$(out onfail)" "ran" "failure() step"
expect_eq "$(out cleanup)" "ran" "always() step"
expect_eq "$(out outcome)" "failure/failure" "outcome"
expect_eq "$(step 1 rc)" "1" "rc"
expect_err "about to fail"
expect_err "step 'bad' failed with exit code 1"
grep -q "not reached" <<<"$T_ERR" && t_fail "bash did not stop at the failing command (-e)"

t_case "continue-on-error: outcome failure, conclusion success, the action succeeds"
ra failing --input tolerate=true
expect_rc 0
expect_eq "$(out outcome)" "failure/success" "outcome"
expect_eq "$(out after)" "[ran]" "after"
expect_eq "$(out onfail)" "" "failure() step"

act pipefail <<'EOF'
name: pipefail
description: bash runs with -o pipefail
runs:
  using: composite
  steps:
    - shell: bash
      run: false | true
EOF

t_case "a failure inside a pipeline fails the step (bash -eo pipefail)"
ra pipefail
expect_rc 1

act exprs <<'EOF'
name: exprs
description: expression functions and operators
inputs:
  list:
    description: JSON
    default: '["a", "B", 3]'
outputs:
  format:
    description: format
    value: ${{ format('{0}-{1} {{literal}} {0}', 'x', 42) }}
  tojson:
    description: toJSON of an object
    value: "${{ toJSON(fromJSON('{\"k\": [1, true, null]}')) }}"
  contains:
    description: contains on an array and a string
    value: ${{ contains(fromJSON(inputs.list), 'b') }}/${{ contains('Hello', 'ELL') }}/${{ contains(fromJSON(inputs.list), 'z') }}
  andor:
    description: "&& and || return operands"
    value: ${{ '' || 'fallback' }}/${{ 'x' && 'y' }}/${{ null || false }}
  numbers:
    description: loose comparisons
    value: ${{ '10' == 10 }}/${{ 2 < 10 }}/${{ '0x10' == 16 }}/${{ 'abc' == 'ABC' }}/${{ 1.5 }}
  join:
    description: join and endsWith
    value: ${{ join(fromJSON(inputs.list), '+') }}/${{ endsWith('file.whl', '.WHL') }}
  quote:
    description: a quote inside a string literal, and }} inside one
    value: ${{ 'it''s }} fine' }}
  star:
    description: the .* filter
    value: ${{ join(fromJSON('[{"n":"a"},{"n":"b"}]').*.n, ',') }}
runs:
  using: composite
  steps:
    - shell: bash
      run: "true"
EOF

t_case "expressions: format, toJSON/fromJSON, contains, join, && ||, loose comparisons"
ra exprs
expect_rc 0
expect_eq "$(out format)" "x-42 {literal} x" "format"
expect_eq "$(out tojson)" $'{\n  "k": [\n    1,\n    true,\n    null\n  ]\n}' "toJSON"
expect_eq "$(out contains)" "true/true/false" "contains"
expect_eq "$(out andor)" "fallback/y/false" "&& ||"
expect_eq "$(out numbers)" "true/true/true/true/1.5" "comparisons"
expect_eq "$(out join)" "a+B+3/true" "join"
expect_eq "$(out quote)" "it's }} fine" "quote"
expect_eq "$(out star)" "a,b" "star"

act hashfiles <<'EOF'
name: hashfiles
description: hashFiles over the workspace
outputs:
  some:
    description: two files
    value: ${{ hashFiles('hf/**/*.txt', '!hf/skip.txt') }}
  none:
    description: no file
    value: "[${{ hashFiles('nothing/*') }}]"
  outside:
    description: files outside the workspace are not hashed
    value: "[${{ hashFiles('../inputs/*') }}]"
runs:
  using: composite
  steps:
    - shell: bash
      run: "true"
EOF

t_case "hashFiles: sha256 over each file's sha256; '' when nothing matches or outside the workspace"
mkdir -p "$WS/hf/sub"
echo one >"$WS/hf/a.txt"
echo two >"$WS/hf/sub/b.txt"
echo skip >"$WS/hf/skip.txt"
ra hashfiles
expect_rc 0
hash_want=$("$RELKIT_PYTHON" -c 'import hashlib, sys
h = hashlib.sha256()
for f in sys.argv[1:]:
    h.update(hashlib.sha256(open(f, "rb").read()).digest())
print(h.hexdigest())' "$WS/hf/a.txt" "$WS/hf/sub/b.txt")
expect_eq "$(out some)" "$hash_want" "hash"
expect_eq "$(out none)" "[]" "no match"
expect_eq "$(out outside)" "[]" "outside"

# strict: each of these is an error (exit 2), never an empty string
strict_case() { # NAME EXPRESSION MESSAGE
    t_case "strict: $1"
    act strict <<EOF
name: strict
description: strict
inputs:
  known:
    description: known
    default: x
runs:
  using: composite
  steps:
    - id: first
      shell: bash
      run: echo "\${{ $2 }}"
EOF
    ra strict
    expect_rc 2
    expect_err "$3"
    expect_eq "$T_OUT" "" "stdout"
}
strict_case "an undeclared input" "inputs.unknown" "unknown property 'unknown' of 'inputs'"
strict_case "an unknown step" "steps.nope.outputs.x" "unknown property 'nope' of 'steps'"
strict_case "a step not run yet (itself)" "steps.first.outputs.x" "unknown property 'first' of 'steps'"
strict_case "an unknown context" "secrets.TOKEN" "unknown context 'secrets'"
strict_case "an unknown github property" "github.nonsense" "unknown property 'nonsense' of 'github'"
strict_case "an unknown function" "frobnicate(1)" "unknown function 'frobnicate'"
strict_case "wrong arity" "contains('a')" "wrong number of arguments to 'contains'"
strict_case "a syntax error" "inputs.known ==" "unexpected end"
strict_case "an unterminated string" "'abc" "unterminated"
strict_case "invalid JSON to fromJSON" "fromJSON('{nope')" "fromJSON: invalid JSON"

t_case "strict: a composite run step without shell is rejected like the runner does"
act noshell <<'EOF'
name: noshell
description: no shell
runs:
  using: composite
  steps:
    - run: echo hi
EOF
ra noshell
expect_rc 2
expect_err "needs 'shell'"

act cmds <<'EOF'
name: cmds
description: workflow commands and the step summary
runs:
  using: composite
  steps:
    - shell: bash
      run: |
        echo "::add-mask::s3cr3t-value"
        echo "the value is s3cr3t-value"
        echo "::error file=x.c,line=3::broken%0Atwice"
        echo "## one" >>"$GITHUB_STEP_SUMMARY"
    - shell: bash
      run: |
        echo "::warning::careful"
        echo "two" >>"$GITHUB_STEP_SUMMARY"
EOF

t_case "workflow commands: ::error::/::warning:: annotations, ::add-mask::, the step summary"
ra cmds
expect_rc 0
expect_eq "$(jget '["annotations"][0]["level"]')" "error" "level"
expect_eq "$(jget '["annotations"][0]["message"]')" $'broken\ntwice' "message"
expect_eq "$(jget '["annotations"][0]["properties"]')" "file=x.c,line=3" "properties"
expect_eq "$(jget '["annotations"][1]["message"]')" "careful" "warning"
expect_eq "$(jget '["summary"]')" $'## one\ntwo' "summary"
expect_err "the value is ***"
grep -q "is s3cr3t-value" <<<"$T_ERR" && t_fail "masked value printed"

act outer <<'EOF'
name: outer
description: calls local actions
inputs:
  word:
    description: passed down
    default: down
outputs:
  inner:
    description: from the nested action
    value: ${{ steps.nested.outputs.echoed }}
  mapped:
    description: from a mapped owner/repo action
    value: ${{ steps.mapped.outputs.echoed }}
  cache:
    description: a skipped uses step has no outputs
    value: "[${{ steps.cache.outputs.cache-hit }}]"
runs:
  using: composite
  steps:
    - id: nested
      uses: ./actions/inner
      with:
        text: ${{ inputs.word }}-${{ runner.os }}
    - id: mapped
      uses: someone/relkit/tools/inner@v1
      with:
        text: mapped
    - id: cache
      uses: actions/cache@v4
      with:
        path: x
        key: k
    - shell: bash
      run: echo "NESTED_ENV=$NESTED_ENV" >>"$GITHUB_OUTPUT"
EOF
mkdir -p "$WS/actions/inner" "$T_TMP/repo/tools/inner"
cat >"$WS/actions/inner/action.yml" <<'EOF'
name: inner
description: echoes its input
inputs:
  text:
    description: the text
    required: true
outputs:
  echoed:
    description: the text
    value: ${{ steps.e.outputs.echoed }}
runs:
  using: composite
  steps:
    - id: e
      shell: bash
      env:
        TEXT: ${{ inputs.text }}
      run: |
        echo "echoed=$TEXT" >>"$GITHUB_OUTPUT"
        echo "NESTED_ENV=from-inner" >>"$GITHUB_ENV"
EOF
cp "$WS/actions/inner/action.yml" "$T_TMP/repo/tools/inner/action.yml"

t_case "uses: a local ./path (from the workspace) runs nested, others are skipped with a note"
ra outer --map-action "someone/relkit=$T_TMP/repo"
expect_rc 0
expect_eq "$(out inner)" "down-Linux" "nested output"
expect_eq "$(out mapped)" "mapped" "--map-action output"
expect_eq "$(out cache)" "[]" "skipped step outputs"
expect_eq "$(step 2 outcome)" "skipped" "actions/cache outcome"
expect_err "skipping 'uses: actions/cache@v4'"
expect_eq "$(jget '["env"]["NESTED_ENV"]')" "from-inner" "GITHUB_ENV from a nested action"

t_case "uses: a nested action missing a required input is an error"
sed -i 's/^        text: mapped$/        other: x/' "$T_TMP/outer/action.yml"
ra outer --map-action "someone/relkit=$T_TMP/repo"
expect_rc 2
expect_err "unexpected input(s) ['other']"

t_case "usage: a bad --input and a missing action dir are usage errors"
run "$RELKIT_PYTHON" "$RA" "$T_TMP/inputs" --input novalue
expect_rc 2
expect_err "expected NAME=VALUE"
run "$RELKIT_PYTHON" "$RA" "$T_TMP/does-not-exist"
expect_rc 2
expect_err "no action.yml"

# --- the root action.yml through the harness
# Always on a copy of the tree: a build the action starts never touches the shared build/.

mkdir -p "$T_TMP/src"
tar -C "$RELKIT_SRC" --exclude=./.git --exclude='./build*' --exclude=./out \
    --exclude=./tests/node_modules -cf - . | tar -C "$T_TMP/src" -xf -
want=$(sed -n 's/^project(relkit VERSION \([^ )]*\).*/\1/p' "$RELKIT_SRC/CMakeLists.txt")
# rootact RUNNER_TEMP ARGS...: the root action of the copy
rootact() {
    local rt=$1; shift
    run "$RELKIT_PYTHON" "$RA" "$T_TMP/src" --workdir "$WS" --runner-temp "$rt" \
        --input cache=false "$@"
}

t_case "root action: use-installed takes the tools already on PATH and skips the build"
rootact "$T_TMP/rt1" --input use-installed=true
expect_rc 0
expect_eq "$(out version)" "$want" "version"
expect_eq "$(out bin-dir)" "$(cd "$RELKIT_BIN" && pwd)" "bin-dir"
expect_eq "$(step 3 outcome)" "skipped" "build step"
expect_eq "$(jget '["path"]')" "[]" "GITHUB_PATH (already on PATH)"
expect_no_file "$T_TMP/rt1/relkit"

t_case "root action: a ref without a repository fails with an ::error::"
rootact "$T_TMP/rt1" --input ref=v1
expect_rc 1
expect_eq "$(jget '["annotations"][0]["message"]')" \
    "relkit setup: 'ref' needs 'repository'" "annotation"

# the builds do not depend on the sanitizer build: the normal build's ctest runs them
if [ "${RELKIT_SANITIZE:-0}" = 1 ] || [ "${RELKIT_SANITIZE:-}" = ON ]; then
    echo "root action builds: checked by the normal build's run of this script"
else
    t_case "root action: use-installed with another version builds; a built version that differs fails"
    rootact "$T_TMP/rt2" --input use-installed=true --input version=0.0.0-other
    expect_rc 1
    [ "$(step 3 outcome)" = success ] ||
        t_fail "the build step failed:"$'\n'"$(tail -n 15 <<<"$T_ERR")"
    expect_file "$T_TMP/rt2/relkit/bin/get-latest-green"
    expect_eq "$(jget '["annotations"][0]["message"]')" \
        "relkit setup: built relkit $want, but version '0.0.0-other' was asked for" "annotation"

    t_case "root action: builds, installs into RUNNER_TEMP/relkit and adds it to GITHUB_PATH"
    rootact "$T_TMP/rt2"
    expect_rc 0
    expect_eq "$(out bin-dir)" "$T_TMP/rt2/relkit/bin" "bin-dir"
    expect_eq "$(out version)" "$want" "version"
    expect_eq "$(jget '["path"][0]')" "$T_TMP/rt2/relkit/bin" "GITHUB_PATH"
    [ "$T_RC" = 0 ] && for tool in "$T_TMP"/src/tools/*/; do
        tool=$(basename "$tool")
        [ -f "$T_TMP/src/tools/$tool/main.c" ] || continue
        v=$("$T_TMP/rt2/relkit/bin/$tool" --version 2>&1) || t_fail "$tool --version: $v"
        expect_eq "$v" "$tool (relkit) $want" "$tool --version"
    done
    [ "$T_RC" = 0 ] && for man in "$T_TMP"/src/docs/man/*.1; do
        [ -e "$man" ] && expect_file "$T_TMP/rt2/relkit/share/man/man1/$(basename "$man")"
    done
fi

t_done
