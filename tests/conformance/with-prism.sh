#!/usr/bin/env bash
# Run a command with Prism validating every request and response between it and the emulator.
#
#   with-prism.sh [--] CMD ARGS...        (inside with-emulator.sh: needs RELKIT_EMU_API)
#   with-prism.sh                         (no command: only check the setup; what ctest runs)
#
# Starts Prism 5 in proxy mode with --errors in front of $RELKIT_EMU_API, using GitHub's
# OpenAPI description from npm @octokit/openapi (tests/node_modules), waits until it answers
# (at most 60 s), points the emulator's generated API URLs (Link headers, "url" fields) at Prism,
# exports GITHUB_API_URL (and RELKIT_PRISM_URL) = Prism, runs the command, stops Prism, and
# scans Prism's output: any request or response violation fails the run and is printed.
# RELKIT_PRISM_LOG=FILE keeps a copy of Prism's output for the run.
#
# Not behind Prism: the uploads host (upload_url; uploads.github.com in the OpenAPI), the
# asset-download host, and the github.com role of the api listener (browser_download_url):
# none of them is api.github.com.
#
# Narrow, documented exceptions (see tests/fakes/github/README.md, "Conformance"):
#  - three corrections to the OpenAPI copy given to Prism (below);
#  - Prism's own "Unable to match the returned status code" warning for non-2xx statuses GitHub
#    really sends but does not list per operation (304, 401, 403 rate limits, 429, 5xx);
#  - prism-no-redirect.js makes Prism hand 302s back to the client instead of following them.
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=${RELKIT_SRC:-$(cd "$here/../.." && pwd)}
py=${RELKIT_PYTHON:-/usr/bin/python3}
node=${RELKIT_NODE:-node}
mods=$src/tests/node_modules
prism=$mods/@stoplight/prism-cli/dist/index.js
spec_in=$mods/@octokit/openapi/generated/api.github.com.json

[ "${1:-}" = "--" ] && shift
# Without a command (ctest runs every tests/conformance/*.sh), check the setup instead: node,
# Prism and the OpenAPI description are there, and the corrections below still apply to it.
selfcheck=0
[ $# -eq 0 ] && selfcheck=1
if [ $selfcheck -eq 0 ] && [ -z "${RELKIT_EMU_API:-}" ]; then
	echo "with-prism.sh: error: RELKIT_EMU_API is not set (run inside with-emulator.sh)" >&2
	exit 2
fi
for f in "$prism" "$spec_in"; do
	if [ ! -f "$f" ]; then
		echo "with-prism.sh: error: '$f' is missing (npm install in tests/)" >&2
		exit 6
	fi
done
command -v "$node" >/dev/null || { echo "with-prism.sh: error: node not found" >&2; exit 6; }
if [ $selfcheck -eq 1 ]; then
	"$node" -e 'process.exit(0)' || { echo "with-prism.sh: error: node does not run" >&2; exit 6; }
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/relkit-prism.XXXXXX") || exit 6
prism_pid=
restore_emulator() {
	"$py" - "$RELKIT_EMU_API" <<-'EOF' 2>/dev/null
	import sys, urllib.request
	req = urllib.request.Request(sys.argv[1] + "/_emulator/config", data=b'{"public_api_url": null}',
	                             method="POST", headers={"Content-Type": "application/json"})
	urllib.request.urlopen(req, timeout=5).read()
	EOF
}
cleanup() {
	if [ -n "$prism_pid" ]; then
		kill "$prism_pid" 2>/dev/null
		wait "$prism_pid" 2>/dev/null
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The OpenAPI copy Prism validates against, with three narrow corrections (README, "Conformance"):
#  1. release-asset.state also allows "starter" (a broken upload, which GitHub does return);
#  2. the workflow_id path parameter is anyOf integer/string, not oneOf: a numeric id such as
#     1001 matches both branches, so Prism rejects every numeric workflow id under oneOf;
#  3. the "created" query parameter (workflow runs) takes GitHub's date search syntax
#     (">=2024-01-07", "2024-01-05..2024-01-06"), so it loses its wrong "format: date-time".
"$py" - "$spec_in" "$tmp/api.github.com.json" <<-'EOF' || exit 6
	import json, sys
	with open(sys.argv[1]) as f:
	    spec = json.load(f)
	try:
	    comp = spec["components"]
	    state = comp["schemas"]["release-asset"]["properties"]["state"]
	    if "starter" not in state["enum"]:
	        state["enum"].append("starter")
	    wid = comp["parameters"]["workflow-id"]["schema"]
	    if "oneOf" in wid:
	        wid["anyOf"] = wid.pop("oneOf")
	    comp["parameters"]["created"]["schema"].pop("format", None)
	except (KeyError, TypeError) as e:
	    sys.exit("with-prism.sh: error: the OpenAPI corrections no longer apply (missing %s): "
	             "review them against this @octokit/openapi version" % e)
	with open(sys.argv[2], "w") as f:
	    json.dump(spec, f)
EOF
if [ $selfcheck -eq 1 ]; then
	echo "with-prism.sh: node, Prism and the corrected OpenAPI description are ready"
	echo "1 passed, 0 failed"
	exit 0
fi

# start Prism on a free port; ready = it answers anything (the probe path is in no spec, so
# Prism answers it itself); a port lost to a race is retried with another one
start_prism() {
	port=$("$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	"$node" --require "$here/prism-no-redirect.js" "$prism" proxy --errors -h 127.0.0.1 -p "$port" \
		"$tmp/api.github.com.json" "$RELKIT_EMU_API" >"$tmp/prism.log" 2>&1 &
	prism_pid=$!
	for _ in $(seq 240); do
		kill -0 "$prism_pid" 2>/dev/null || break
		if "$py" -c '
import sys, urllib.request, urllib.error
try:
    urllib.request.urlopen("http://127.0.0.1:%s/__relkit_prism_probe" % sys.argv[1], timeout=2)
except urllib.error.HTTPError:
    pass
' "$port" 2>/dev/null; then
			return 0
		fi
		sleep 0.25
	done
	kill "$prism_pid" 2>/dev/null
	wait "$prism_pid" 2>/dev/null
	prism_pid=
	return 1
}
ready=0
for _ in 1 2 3; do
	if start_prism; then
		ready=1
		break
	fi
	grep -q EADDRINUSE "$tmp/prism.log" || break
done
if [ $ready -ne 1 ]; then
	echo "with-prism.sh: error: Prism did not start within 60 s; its output:" >&2
	tail -20 "$tmp/prism.log" >&2
	exit 6
fi
mark=$(wc -l <"$tmp/prism.log")

export RELKIT_PRISM_URL=http://127.0.0.1:$port
export GITHUB_API_URL=$RELKIT_PRISM_URL
"$py" - "$RELKIT_EMU_API" "$RELKIT_PRISM_URL" <<-'EOF' || exit 6
	import json, sys, urllib.request
	body = json.dumps({"public_api_url": sys.argv[2]}).encode()
	req = urllib.request.Request(sys.argv[1] + "/_emulator/config", data=body, method="POST",
	                             headers={"Content-Type": "application/json"})
	urllib.request.urlopen(req, timeout=5).read()
EOF

"$@"
status=$?

restore_emulator
kill "$prism_pid" 2>/dev/null
wait "$prism_pid" 2>/dev/null
prism_pid=

# violations: every error, and every warning except the undeclared non-2xx status code one
tail -n +"$((mark + 1))" "$tmp/prism.log" >"$tmp/run.log"
[ -n "${RELKIT_PRISM_LOG:-}" ] && cp "$tmp/run.log" "$RELKIT_PRISM_LOG"
"$py" - "$tmp/run.log" <<-'EOF'
	import re, sys
	lines = open(sys.argv[1], encoding="utf-8", errors="replace").read().splitlines()
	bad, warned, last_req = [], 0, ""
	for ln in lines:
	    if "Request received" in ln:
	        last_req = ln
	    is_err = "\u2716" in ln or " error " in ln
	    is_viol = "Violation:" in ln
	    if is_viol and "Unable to match the returned status code" in ln and not is_err:
	        warned += 1
	        continue
	    if is_err or is_viol:
	        bad.append((last_req, ln))
	requests = sum(1 for ln in lines if "Request received" in ln)
	print("with-prism.sh: %d requests validated, %d violations, %d undeclared non-2xx statuses"
	      % (requests, len(bad), warned), file=sys.stderr)
	for req, ln in bad[:200]:
	    print("  " + req.strip(), file=sys.stderr)
	    print("    " + ln.strip(), file=sys.stderr)
	sys.exit(1 if bad else 0)
EOF
scan=$?
if [ $scan -ne 0 ]; then
	echo "with-prism.sh: error: OpenAPI violations (see above)" >&2
	[ $status -eq 0 ] && status=1
fi
exit $status
