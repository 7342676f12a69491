# run_manifest.bash - runs a hostile-input MANIFEST (sourced by tests/e2e/hostile_*.sh, after
# tests/lib/common.sh).
#
# A MANIFEST line is        NAME | RC | STDOUT | FRAGMENT | COMMAND
#   NAME      the case. $IN is the file DIR/NAME (else DIR/BASE, BASE being NAME up to an '@')
#             when it exists, and $ARG holds its exact bytes (for hostile command-line values).
#   RC        the expected exit status; RC:N when N 'tool: error:' lines are expected (default 1,
#             0 when RC is 0)
#   STDOUT    '-': nothing on stdout; 'json': one JSON document (RFC 8259: no NaN or Infinity)
#             valid against docs/schemas/TOOL.output.json;
#             'any': not looked at. '+writes' (json+writes) when the case succeeds and may write
#             to $OUT (hostile_post_case then checks what was written)
#   FRAGMENT  text an error line must contain ('-': none expected)
#   COMMAND   bash, eval'd in a fresh scratch directory, stdin from /dev/null unless redirected.
#             It may use $IN, $ARG, $OUT (a path the tool may be told to write to: afterwards it
#             must be absent or hold no file but a download's .NAME.ID.part), $WORK (a directory
#             whose content must not change), $CASE (NAME), $BASE and what the script exports.
#             The script's hostile_pre_case NAME (optional) prepares a case; $CASE_CMD is the
#             COMMAND it will run.
# '#' lines and blank lines are skipped; the COMMAND is the rest of the line, '|' included.
#
# Known failures: tests/data/hostile/KNOWN lists cases (NAME regular expressions) that fail
# because of a finding still open, with the finding's id (docs/hardening-hostile.md). Such a
# case is reported "known" and does not fail the script, unless HOSTILE_STRICT=1; a listed
# case that passes fails ("fixed: remove it from KNOWN"), so the list stays true. An id
# ending in /asan applies to the sanitizer build only (RELKIT_SANITIZE=1).
#
# Every case also checks: no sanitizer report on stderr (ASan, LeakSanitizer, UBSan), no
# control characters on stderr (a hostile value must not drive the terminal), every error
# line is the tool's own ('TOOL: error: ...'), nothing written under $HOME (the tools'
# caches and configs; $HOME is a scratch directory), and whatever hostile_post_case NAME (a
# function the script may define) checks. HOSTILE_ONLY=REGEX runs only the matching cases;
# HOSTILE_VALGRIND=1 runs every tool under valgrind (definite and indirect leaks and memory
# errors fail the case; slow, not for ctest).
HOSTILE_KNOWN_FILE=$RELKIT_SRC/tests/data/hostile/KNOWN
HOSTILE_KNOWN_SEEN=0
HOSTILE_FAILS=()
HOSTILE_IN_CASE=0
# failures inside a manifest case are collected, then reported or excused (KNOWN)
eval "$(declare -f t_fail | sed '1s/^t_fail/hostile_orig_t_fail/')"
t_fail() {
    if [ "$HOSTILE_IN_CASE" = 1 ]; then HOSTILE_FAILS+=("$*"); else hostile_orig_t_fail "$@"; fi
}
# the finding id of a known failing case, or nothing
hostile_known() {
    local re id rest
    [ -f "$HOSTILE_KNOWN_FILE" ] || return 0
    while read -r re id rest; do
        case $re in '' | '#'*) continue ;; esac
        case $id in */asan) [ "${RELKIT_SANITIZE:-0}" = 1 ] || continue ;; esac
        if [[ $1 =~ ^($re)$ ]]; then echo "${id%/asan}"; return; fi
    done <"$HOSTILE_KNOWN_FILE"
}
HOSTILE_TOOLS="get-latest-green mk-candidate-tag wheel-retag index-gen gh-release ghcr-promote"
HOSTILE_CASES=0
HOSTILE_TIMES=()

export HOME=$T_TMP/home XDG_CACHE_HOME=$T_TMP/home/.cache
mkdir -p "$HOME"
unset GITHUB_REPOSITORY GITHUB_TOKEN GITHUB_OUTPUT GITHUB_STEP_SUMMARY DOCKER_CONFIG \
    REGISTRY_USERNAME REGISTRY_PASSWORD CI
export GH_TOKEN=ghp_hostileTOKEN0123456789abcdef
export RELKIT_HTTP_MAX_ATTEMPTS=2 RELKIT_HTTP_BACKOFF_MS=10 RELKIT_HTTP_BACKOFF_MAX_MS=50 \
    RELKIT_HTTP_MAX_WAIT_MS=2000 RELKIT_HTTP_CONNECT_TIMEOUT_MS=5000 RELKIT_HTTP_STALL_S=20
if [ "${RELKIT_SANITIZE:-0}" = 1 ] || [ "${RELKIT_SANITIZE:-}" = ON ]; then
    # leaks fail the case even when the caller did not ask for them
    case ${ASAN_OPTIONS:-} in *detect_leaks=*) ;; *) export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=1 ;; esac
fi
if [ "${HOSTILE_VALGRIND:-0}" = 1 ]; then
    for _t in $HOSTILE_TOOLS; do
        eval "$_t() { valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect \
            --error-exitcode=99 \"\$RELKIT_BIN/$_t\" \"\$@\"; }"
    done
fi

# a closed port on 127.0.0.1: a tool that should not reach the network fails loudly (exit 5)
hostile_closed_port() {
    "$RELKIT_PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# the first relkit tool named in a command
hostile_tool_of() {
    local w
    for w in $1; do
        case " $HOSTILE_TOOLS " in *" $w "*) echo "$w"; return ;; esac
    done
    echo "?"
}

# is stdin one RFC 8259 JSON document?
hostile_strict_json() {
    "$RELKIT_PYTHON" -c '
import json, sys
def no(c): raise ValueError("not JSON: %s" % c)
try:
    json.loads(sys.stdin.buffer.read().decode("utf-8"), parse_constant=no)
except Exception as e:
    print(e); sys.exit(1)'
}

hostile_tree() { # a listing of files and their digests under $1 (empty when absent)
    [ -d "$1" ] || return 0
    (cd "$1" && find . -type f -print0 | sort -z | xargs -0 -r sha256sum)
}

hostile_trim() {
    local s=$1
    s=${s#"${s%%[![:space:]]*}"}
    printf '%s' "${s%"${s##*[![:space:]]}"}"
}

# hostile_run_manifest DIR [MANIFEST]: every case of DIR/MANIFEST (default DIR/MANIFEST)
hostile_run_manifest() {
    local dir=$1 manifest=${2:-$1/MANIFEST} line name rc out frag cmd
    while IFS= read -r line || [ -n "$line" ]; do
        case $line in '' | '#'*) continue ;; esac
        IFS='|' read -r name rc out frag cmd <<<"$line"
        name=$(hostile_trim "$name") rc=$(hostile_trim "$rc") out=$(hostile_trim "$out")
        frag=${frag# } frag=${frag% }
        if [ -n "${HOSTILE_ONLY:-}" ] && ! [[ $name =~ $HOSTILE_ONLY ]]; then continue; fi
        hostile_case "$dir" "$name" "$rc" "$out" "$frag" "$cmd"
    done <"$manifest"
}

hostile_case() {
    local dir=$1 name=$2 rc_spec=$3 out_mode=$4 frag=$5 cmd=$6
    local want_rc=${rc_spec%%:*} want_lines tool case_dir t0 t1 ms n_err work_before home_before
    want_lines=$([ "$rc_spec" != "$want_rc" ] && echo "${rc_spec#*:}" || { [ "$want_rc" = 0 ] && echo 0 || echo 1; })
    [ "$frag" = - ] && want_lines=0
    t_case "$name"
    HOSTILE_CASES=$((HOSTILE_CASES + 1))
    HOSTILE_FAILS=()
    HOSTILE_IN_CASE=1
    case_dir=$T_TMP/cases/$name
    mkdir -p "$case_dir/work"
    export CASE=$name BASE=${name%%@*} OUT=$case_dir/out WORK=$case_dir/work IN=
    ARG= # not exported: a hostile value may be too large for the environment
    if [ -e "$dir/$CASE" ]; then IN=$dir/$CASE; elif [ -e "$dir/$BASE" ]; then IN=$dir/$BASE; fi
    if [ -n "$IN" ] && [ -f "$IN" ] && [ "$(stat -c %s "$IN")" -lt 65536 ]; then
        ARG=$(cat "$IN"; printf x) ARG=${ARG%x}
    fi
    export CASE_CMD=$cmd
    if declare -F hostile_pre_case >/dev/null; then hostile_pre_case "$name"; fi
    work_before=$(hostile_tree "$WORK")
    home_before=$(hostile_tree "$HOME")
    tool=$(hostile_tool_of "$cmd")
    t0=$(date +%s%N)
    (cd "$case_dir" && eval "$cmd") </dev/null >"$case_dir/stdout" 2>"$case_dir/stderr"
    T_RC=$?
    t1=$(date +%s%N)
    ms=$(((t1 - t0) / 1000000))
    HOSTILE_TIMES+=("$ms $name")
    T_OUT=$(cat "$case_dir/stdout")
    T_ERR=$(cat "$case_dir/stderr")
    expect_rc "$want_rc"
    if grep -aqE 'Sanitizer|runtime error:|==[0-9]+==ERROR|Invalid read|Invalid write|definitely lost' "$case_dir/stderr"; then
        t_fail "sanitizer report: $(grep -a -m3 -E 'Sanitizer|runtime error:|ERROR|Invalid|lost' "$case_dir/stderr")"
    fi
    if LC_ALL=C grep -aq $'[\x01-\x08\x0b-\x0c\x0e-\x1f\x7f]' "$case_dir/stderr"; then
        t_fail "control characters on stderr: $(LC_ALL=C cat -v "$case_dir/stderr" | head -c 200)"
    fi
    local writes=0
    case $out_mode in *+writes) writes=1 out_mode=${out_mode%+writes} ;; esac
    case $out_mode in
    -) [ ! -s "$case_dir/stdout" ] || t_fail "stdout not empty: $(head -c 200 "$case_dir/stdout")" ;;
    json)
        if ! hostile_strict_json <"$case_dir/stdout" >"$case_dir/json-check"; then
            t_fail "stdout is not one JSON document: $(cat "$case_dir/json-check")"
        elif [ -f "$RELKIT_SRC/docs/schemas/$tool.output.json" ] &&
            ! "$RELKIT_PYTHON" "$RELKIT_SRC/tests/lib/schema_check.py" \
                "$RELKIT_SRC/docs/schemas/$tool.output.json" <"$case_dir/stdout" >"$case_dir/schema-check" 2>&1; then
            t_fail "stdout does not match docs/schemas/$tool.output.json: $(head -c 300 "$case_dir/schema-check")"
        fi ;;
    any) ;;
    *) t_fail "MANIFEST: bad STDOUT field '$out_mode'" ;;
    esac
    n_err=$(grep -acE '^[a-z][a-z0-9-]*: error: ' "$case_dir/stderr")
    [ "$n_err" = "$want_lines" ] || t_fail "$n_err error lines, expected $want_lines: $T_ERR"
    if grep -aE '^[a-z][a-z0-9-]*: error: ' "$case_dir/stderr" | grep -avqE "^$tool: error: "; then
        t_fail "an error line that is not '$tool: error:': $T_ERR"
    fi
    if [ "$frag" != - ] && ! grep -aE "^$tool: error: " "$case_dir/stderr" | grep -aqF -- "$frag"; then
        t_fail "no '$tool: error:' line with '$frag': $T_ERR"
    fi
    if [ -e "$OUT" ] && [ "$writes" = 0 ]; then
        local left
        left=$(find "$OUT" -type f ! -name '.*.part' | head -5)
        [ -z "$left" ] || t_fail "files written: $left"
    fi
    [ "$(hostile_tree "$WORK")" = "$work_before" ] || t_fail "the input directory changed"
    [ "$(hostile_tree "$HOME")" = "$home_before" ] || t_fail "files written under \$HOME: $(find "$HOME" -type f | head -3)"
    if declare -F hostile_post_case >/dev/null; then hostile_post_case "$name"; fi
    HOSTILE_IN_CASE=0
    hostile_verdict "$name" "$ms"
}

hostile_verdict() {
    local known f
    known=$(hostile_known "$1")
    if [ -n "$known" ] && [ "${#HOSTILE_FAILS[@]}" -gt 0 ] && [ "${HOSTILE_STRICT:-0}" != 1 ]; then
        HOSTILE_KNOWN_SEEN=$((HOSTILE_KNOWN_SEEN + 1))
        echo "    known failure ($known): ${HOSTILE_FAILS[0]}"
        return
    fi
    if [ -n "$known" ] && [ "${#HOSTILE_FAILS[@]}" = 0 ]; then
        t_fail "listed in KNOWN ($known) but passes: fixed? remove it from tests/data/hostile/KNOWN"
        return
    fi
    for f in "${HOSTILE_FAILS[@]}"; do t_fail "$f"; done
    [ "${#HOSTILE_FAILS[@]}" = 0 ] || echo "    (case took $2 ms${known:+; known: $known})" >&2
}

# the slowest cases and the total, for the log
hostile_report_times() {
    local total=0 l
    for l in "${HOSTILE_TIMES[@]}"; do total=$((total + ${l%% *})); done
    echo "$HOSTILE_KNOWN_SEEN known failures (tests/data/hostile/KNOWN)"
    echo "$HOSTILE_CASES cases in $((total / 1000)).$(printf '%03d' $((total % 1000))) s of tool time; slowest:"
    printf '%s\n' "${HOSTILE_TIMES[@]}" | sort -rn | head -5 | sed 's/^\([0-9]*\) /    \1 ms  /'
}
