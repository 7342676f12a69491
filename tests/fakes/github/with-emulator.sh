#!/usr/bin/env bash
# Run a command against a fresh GitHub emulator.
#
#   with-emulator.sh [--seed FILE] [--state FILE] [--faults FILE] [--latency-ms N] [--log FILE]
#                    [--] CMD ARGS...
#
# Starts tests/fakes/github/emulator.py with $RELKIT_PYTHON (default /usr/bin/python3), waits
# for its ports file (at most 20 s), exports
#   GITHUB_API_URL        http://127.0.0.1:API
#   RELKIT_EMU_API        http://127.0.0.1:API        (also the /_emulator/ control endpoints)
#   RELKIT_EMU_UPLOADS    http://127.0.0.1:UPLOADS
#   RELKIT_EMU_DOWNLOADS  http://127.0.0.1:DOWNLOADS
#   RELKIT_EMU_PID        the emulator's process id
#   GH_TOKEN              ghp_relkitTEST0123456789SECRET (accepted by the default seed)
# unsets GITHUB_TOKEN, runs the command, stops the emulator and exits with the command's status.
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
py=${RELKIT_PYTHON:-/usr/bin/python3}
seed=$here/seeds/default.json
emu_args=()

usage() {
	echo "usage: with-emulator.sh [--seed FILE] [--state FILE] [--faults FILE] [--latency-ms N] [--log FILE] [--] CMD ARGS..." >&2
	exit 2
}

while [ $# -gt 0 ]; do
	case $1 in
	--seed) [ $# -ge 2 ] || usage; seed=$2; shift 2 ;;
	--state | --faults | --latency-ms | --log)
		[ $# -ge 2 ] || usage
		emu_args+=("$1" "$2"); shift 2 ;;
	--seed=* ) seed=${1#--seed=}; shift ;;
	--state=* | --faults=* | --latency-ms=* | --log=*) emu_args+=("$1"); shift ;;
	--) shift; break ;;
	-*) usage ;;
	*) break ;;
	esac
done
[ $# -ge 1 ] || usage

tmp=$(mktemp -d "${TMPDIR:-/tmp}/relkit-emu.XXXXXX") || exit 6
emu_pid=
cleanup() {
	if [ -n "$emu_pid" ]; then
		kill "$emu_pid" 2>/dev/null
		wait "$emu_pid" 2>/dev/null
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

"$py" "$here/emulator.py" --seed "$seed" --ports-file "$tmp/ports" "${emu_args[@]}" &
emu_pid=$!

for _ in $(seq 200); do
	[ -s "$tmp/ports" ] && break
	if ! kill -0 "$emu_pid" 2>/dev/null; then
		wait "$emu_pid"
		echo "with-emulator.sh: error: the emulator exited before listening" >&2
		emu_pid=
		exit 6
	fi
	sleep 0.1
done
if [ ! -s "$tmp/ports" ]; then
	echo "with-emulator.sh: error: the emulator did not start within 20 s" >&2
	exit 6
fi

read -r api uploads downloads < <("$py" -c 'import json,sys; p=json.load(open(sys.argv[1])); print(p["api"], p["uploads"], p["downloads"])' "$tmp/ports")
export RELKIT_EMU_API=http://127.0.0.1:$api
export RELKIT_EMU_UPLOADS=http://127.0.0.1:$uploads
export RELKIT_EMU_DOWNLOADS=http://127.0.0.1:$downloads
export RELKIT_EMU_PID=$emu_pid
export GITHUB_API_URL=$RELKIT_EMU_API
export GH_TOKEN=ghp_relkitTEST0123456789SECRET
unset GITHUB_TOKEN

"$@"
status=$?
exit $status
