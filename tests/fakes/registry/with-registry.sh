#!/bin/bash
# Run a command with registry peers: with-registry.sh [options] -- CMD [ARG...]
#   --mode noauth|token  (default: $RELKIT_REGISTRY_MODE, else noauth)
#   --second             also start an independent second registry (own storage, own token
#                        server and key, passwords suffixed '-2'), exported as REGISTRY2_*,
#                        TOKEN_SERVER2_*
#   --fixtures           push the test fixture set into the first registry and export
#                        REGISTRY_FIXTURES (the fixtures JSON)
#   --log-level L, --relative-urls, --token-ttl N   passed to start.sh
# Exports the env file's variables (REGISTRY_ADDR, REGISTRY_URL, REGISTRY_PID, ...) and
# REGISTRY_ENV_FILE, runs CMD, stops everything by PID on exit, and exits with CMD's status.
# The work directory is removed unless RELKIT_KEEP_REGISTRY=1. See README.md.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
mode=${RELKIT_REGISTRY_MODE:-noauth}
second=0
fixtures=0
start_opts=()
while [ $# -gt 0 ]; do
  case $1 in
    --mode) mode=$2; shift 2 ;;
    --mode=*) mode=${1#--mode=}; shift ;;
    --second) second=1; shift ;;
    --fixtures) fixtures=1; shift ;;
    --log-level|--token-ttl) start_opts+=("$1" "$2"); shift 2 ;;
    --relative-urls) start_opts+=("$1"); shift ;;
    --) shift; break ;;
    *) echo "with-registry: error: unknown option '$1'" >&2; exit 2 ;;
  esac
done
if [ $# -eq 0 ]; then
  echo "usage: with-registry.sh [--mode noauth|token] [--second] [--fixtures] -- CMD..." >&2
  exit 2
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/relkit-registry.XXXXXX")
# shellcheck disable=SC2317 # called by trap
cleanup() {
  local rc=$?
  for f in "$work/r2.env" "$work/r1.env"; do
    if [ -f "$f" ]; then "$here/stop.sh" "$f" || true; fi
  done
  if [ "${RELKIT_KEEP_REGISTRY:-0}" = 1 ]; then
    echo "with-registry: kept '$work'" >&2
  else
    rm -rf "$work"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

"$here/start.sh" --mode "$mode" --dir "$work/r1" --env-file "$work/r1.env" ${start_opts[@]+"${start_opts[@]}"}
set -a
# shellcheck disable=SC1091
. "$work/r1.env"
set +a
export REGISTRY_ENV_FILE="$work/r1.env"

if [ "$second" = 1 ]; then
  "$here/start.sh" --mode "$mode" --dir "$work/r2" --env-file "$work/r2.env" \
    --password-suffix -2 ${start_opts[@]+"${start_opts[@]}"}
  sed -e 's/^REGISTRY_/REGISTRY2_/' -e 's/^TOKEN_SERVER_/TOKEN_SERVER2_/' "$work/r2.env" >"$work/r2.exported.env"
  set -a
  # shellcheck disable=SC1091
  . "$work/r2.exported.env"
  set +a
  export REGISTRY2_ENV_FILE="$work/r2.exported.env"
fi

if [ "$fixtures" = 1 ]; then
  "$here/push-fixtures.sh" --env-file "$work/r1.env"
  export REGISTRY_FIXTURES="$work/r1/fixtures/fixtures.json"
fi

set +e
"$@"
rc=$?
set -e
exit $rc
