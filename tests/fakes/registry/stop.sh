#!/bin/bash
# Stop a registry peer started by start.sh: stop.sh ENV_FILE. Kills the PIDs recorded in
# ENV_FILE (SIGTERM, then SIGKILL after 10 s) and waits until they are gone.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
if [ $# -ne 1 ]; then
  echo "usage: stop.sh ENV_FILE" >&2
  exit 2
fi
exec "${RELKIT_PYTHON:-/usr/bin/python3}" "$here/peer.py" stop "$1"
