#!/usr/bin/env bash
# Hostile inputs without a network peer: JSON contexts and lists (tests/data/hostile/context),
# tag names, templates and versions (tags), image references and lists (refs). Every case is
# one line of a MANIFEST: the tool refuses the input with one clear 'tool: error:' line and the
# documented exit status, prints nothing (or the JSON result it documents), writes nothing and
# leaks nothing (ASan build: detect_leaks=1). See tests/data/hostile/README.md.
. "$RELKIT_SRC/tests/lib/common.sh"
. "$RELKIT_SRC/tests/data/hostile/run_manifest.bash"
H=$RELKIT_SRC/tests/data/hostile

# the API is a closed port: a tool that reaches for the network instead of refusing fails (5)
export GITHUB_API_URL=http://127.0.0.1:$(hostile_closed_port)
# and so is the registry of the references cases
export REG=127.0.0.1:$(hostile_closed_port)

# a small git checkout for mk-candidate-tag --local; a tag created in it changes $WORK
git init -q "$T_TMP/git-template"
git -C "$T_TMP/git-template" -c user.email=t@example.invalid -c user.name=t \
    commit -q --allow-empty -m "hostile inputs"
# and a valid wheel, for the wheel-retag option cases
mkdir -p "$T_TMP/wheel-template"
"$RELKIT_PYTHON" "$RELKIT_SRC/tests/data/wheels/make_wheel.py" "$T_TMP/wheel-template" \
    --require 'x>=1.0; python_version>"3"' >/dev/null
hostile_pre_case() {
    case $CASE_CMD in *'$GIT'*)
        cp -a "$T_TMP/git-template" "$WORK/git"
        export GIT=$WORK/git ;;
    esac
    case $CASE_CMD in *'$WHEEL'*)
        cp "$T_TMP"/wheel-template/*.whl "$WORK/"
        WHEEL=$(echo "$WORK"/*.whl) && export WHEEL ;;
    esac
}

for kind in context tags refs; do
    [ -f "$H/$kind/MANIFEST" ] && hostile_run_manifest "$H/$kind"
done
hostile_report_times
t_done
