# tests/hardening/secrets/lib.bash - run a tool in a sandbox under strace and audit it for
# secret leaks (sourced by tests/e2e/secrets_*.sh after tests/lib/common.sh).
#
#   sec_secret NAME VALUE "PORT..." ["USER..."]   a secret, where it may be sent (TCP ports)
#   sec_token_server TPORT "RPORT..."              bearer tokens from TPORT may go to RPORT only
#   sec_public VALUE                               an Authorization value that is not a secret here
#   SEC_MODE=plain|actions                         GITHUB_ACTIONS unset, or =true with
#                                                  GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files
#   SEC_EXPECT_MASK="NAME..."                      in actions mode, secrets whose
#                                                  '::add-mask::' line must be on stderr
#   SEC_STDIN=FILE                                 stdin (default /dev/null)
#   sec_run LABEL [VAR=VALUE...] CMD...            runs CMD (with @BOX@ in any argument replaced
#                                                  by the run's sandbox) at the sandbox's cwd,
#                                                  HOME, XDG_CACHE_HOME and TMPDIR; fills T_OUT,
#                                                  T_ERR, T_RC like run; VAR=VALUE (and -u VAR)
#                                                  set its environment (not in any traced argv);
#                                                  audits: every byte
#                                                  written (files, pipes, sockets: strace), the
#                                                  sandbox, GITHUB_OUTPUT/STEP_SUMMARY, argv of
#                                                  every exec. A violation fails the case.
#   $SEC_REPORT                                    the last run's audit report (JSON file)
#   $BOX                                           the last run's sandbox
#
# Every run's strace log is removed after a clean audit; with SEC_KEEP=DIR the logs of failed
# audits are copied there.
# shellcheck disable=SC2034 # T_OUT, SEC_ERR_PLAIN, BOX are read by the sourcing scripts
SEC_AUDIT="$RELKIT_SRC/tests/hardening/secrets/audit.py"
SEC_WORK="$T_TMP/sec"
if ! strace -f -qq -o /dev/null true 2>/dev/null; then
    echo "secrets: strace (Debian strace) is needed and must be allowed to ptrace" >&2
    exit 1
fi
SEC_N=0
SEC_RUNS=0
SEC_MODE=${SEC_MODE:-plain}
mkdir -p "$SEC_WORK"
echo '[]' >"$SEC_WORK/secrets.json"
echo '{}' >"$SEC_WORK/ts.json"
echo '[]' >"$SEC_WORK/public.json"

sec_secret() { # NAME VALUE "PORTS" ["USERS"]
    "$RELKIT_PYTHON" - "$SEC_WORK/secrets.json" "$1" "$2" "${3:-}" "${4:-}" <<'EOF'
import json, sys
p, name, value, ports, users = sys.argv[1:]
d = [s for s in json.load(open(p)) if s["name"] != name]
d.append({"name": name, "value": value, "ports": [int(x) for x in ports.split()], "users": users.split()})
json.dump(d, open(p, "w"))
EOF
}
sec_token_server() { # TPORT "RPORTS"
    "$RELKIT_PYTHON" - "$SEC_WORK/ts.json" "$1" "$2" <<'EOF'
import json, sys
p, t, r = sys.argv[1:]
d = json.load(open(p)); d[t] = [int(x) for x in r.split()]
json.dump(d, open(p, "w"))
EOF
}
sec_public() {
    "$RELKIT_PYTHON" - "$SEC_WORK/public.json" "$1" <<'EOF'
import json, sys
p, v = sys.argv[1:]
d = json.load(open(p)); d.append(v); json.dump(d, open(p, "w"))
EOF
}

SEC_TRACE="write,writev,pwrite64,pwritev,pwritev2,sendto,sendmsg,sendmmsg,recvfrom,recvmsg,execve"

sec_run() { # LABEL CMD...
    local label=$1 d args=() a
    shift
    SEC_N=$((SEC_N + 1))
    SEC_RUNS=$((SEC_RUNS + 1))
    d="$SEC_WORK/$(printf '%03d' "$SEC_N")-${label//[^A-Za-z0-9._-]/_}-$SEC_MODE"
    BOX="$d/box"
    mkdir -p "$BOX/home" "$BOX/cache" "$BOX/tmp" "$BOX/cwd"
    for a in "$@"; do args+=("${a//@BOX@/$BOX}"); done
    # LeakSanitizer cannot run under ptrace: leaks are the other tests' business
    local envs=(HOME="$BOX/home" XDG_CACHE_HOME="$BOX/cache" TMPDIR="$BOX/tmp"
        ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0") unsets=()
    while [ ${#args[@]} -gt 0 ] && [[ ${args[0]} == -u || ${args[0]} =~ ^[A-Za-z_][A-Za-z0-9_]*= ]]; do
        if [ "${args[0]}" = -u ]; then unsets+=(-u "${args[1]}"); args=("${args[@]:2}"); continue; fi
        envs+=("${args[0]}")
        args=("${args[@]:1}")
    done
    if [ "$SEC_MODE" = actions ]; then
        : >"$BOX/github_output"
        : >"$BOX/step_summary"
        envs+=(GITHUB_ACTIONS=true GITHUB_OUTPUT="$BOX/github_output"
            GITHUB_STEP_SUMMARY="$BOX/step_summary")
    fi
    (
        cd "$BOX/cwd" || exit 6
        unset GITHUB_ACTIONS GITHUB_OUTPUT GITHUB_STEP_SUMMARY
        exec env ${unsets[@]+"${unsets[@]}"} "${envs[@]}" strace -f -qq -yy -xx -s 4194304 -e trace="$SEC_TRACE" \
            -o "$d/strace.txt" "${args[@]}" >"$BOX/stdout" 2>"$BOX/stderr" <"${SEC_STDIN:-/dev/null}"
    )
    T_RC=$?
    T_OUT=$(cat "$BOX/stdout")
    T_ERR=$(cat "$BOX/stderr")
    "$RELKIT_PYTHON" - "$d/audit.json" "$d/strace.txt" "$BOX" "$SEC_MODE" "$SEC_WORK" <<'EOF'
import json, sys
out, st, box, mode, w = sys.argv[1:]
cfg = {"strace": st, "stderr": box + "/stderr", "scan": [box], "actions": mode == "actions",
       "secrets": json.load(open(w + "/secrets.json")),
       "token_servers": json.load(open(w + "/ts.json")),
       "known_public": json.load(open(w + "/public.json"))}
json.dump(cfg, open(out, "w"))
EOF
    SEC_REPORT="$d/report.json"
    if ! "$RELKIT_PYTHON" "$SEC_AUDIT" "$d/audit.json" >"$SEC_REPORT"; then
        t_fail "leak audit of '$label' ($SEC_MODE, exit $T_RC): $("$RELKIT_PYTHON" -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1]))["violations"])[:3000])' "$SEC_REPORT")"
        if [ -n "${SEC_KEEP:-}" ]; then mkdir -p "$SEC_KEEP" && cp -r "$d" "$SEC_KEEP/"; fi
    fi
    if [ "$SEC_MODE" = actions ] && [ -n "${SEC_EXPECT_MASK:-}" ]; then
        local missing
        missing=$("$RELKIT_PYTHON" -c 'import json,sys; m=set(json.load(open(sys.argv[1]))["masked"]); print(" ".join(n for n in sys.argv[2].split() if n not in m))' "$SEC_REPORT" "$SEC_EXPECT_MASK")
        [ -z "$missing" ] || t_fail "'$label': no '::add-mask::' for $missing on stderr in Actions"
    fi
    rm -f "$d/strace.txt"
}

# sec_report_get 'python expression over r (the report)'
sec_report_get() { "$RELKIT_PYTHON" -c 'import json,sys; r=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$SEC_REPORT" "$1"; }

# both modes: sec_both LABEL CMD... runs it plain, then in Actions mode (assertions on T_RC etc.
# apply to the Actions run; $SEC_RC_PLAIN keeps the plain run's exit code)
sec_both() {
    local label=$1
    shift
    SEC_MODE=plain sec_run "$label" "$@"
    SEC_RC_PLAIN=$T_RC
    SEC_ERR_PLAIN=$T_ERR
    SEC_MODE=actions sec_run "$label" "$@"
    [ "$SEC_RC_PLAIN" = "$T_RC" ] || t_fail "'$label': exit $SEC_RC_PLAIN plain, $T_RC in Actions"
}
