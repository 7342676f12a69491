#!/bin/bash
# Start the registry peer: start.sh --mode noauth|token --dir WORKDIR --env-file FILE [options]
# Options: --users FILE, --password-suffix S, --log-level info|debug, --relative-urls,
# --token-ttl SECONDS, --timeout SECONDS. Returns once GET /v2/ answers. See README.md.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
exec "${RELKIT_PYTHON:-/usr/bin/python3}" "$here/peer.py" start "$@"
