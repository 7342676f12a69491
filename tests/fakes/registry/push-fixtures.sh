#!/bin/bash
# Push fixtures into a registry peer with skopeo and write the fixtures JSON:
#   push-fixtures.sh --env-file ENV [--fixtures DIR] [--out FILE] [--jobs N] [--env-prefix REGISTRY2]
# Without --fixtures, builds the small test set (make-fixtures.py --set test) into
# $REGISTRY_DIR/fixtures first. See README.md.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
exec "${RELKIT_PYTHON:-/usr/bin/python3}" "$here/push_fixtures.py" "$@"
