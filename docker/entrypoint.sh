#!/bin/sh
# relkit image entrypoint: `IMAGE TOOL [ARGS...]` runs a relkit tool (or any command) as a
# non-root user. Started as root, it runs the command as the owner of $GITHUB_WORKSPACE when
# that is a directory (a `docker://` step in GitHub Actions), as the relkit user otherwise.
set -eu
tools="get-latest-green mk-candidate-tag wheel-retag index-gen gh-release ghcr-promote"
case "${1:---help}" in
--help | -h | help)
    echo "usage: docker run IMAGE TOOL [ARGS...]"
    echo "tools: $tools (each has --help and a man page)"
    exit 0
    ;;
esac
if [ "$(id -u)" = 0 ]; then
    uid=$(id -u relkit)
    gid=$(id -g relkit)
    if [ -n "${GITHUB_WORKSPACE:-}" ] && [ -d "$GITHUB_WORKSPACE" ]; then
        uid=$(stat -c %u "$GITHUB_WORKSPACE")
        gid=$(stat -c %g "$GITHUB_WORKSPACE")
    fi
    if [ "$uid" = "$(id -u relkit)" ]; then
        export HOME=/home/relkit
    fi
    exec setpriv --reuid="$uid" --regid="$gid" --clear-groups -- "$@"
fi
exec "$@"
