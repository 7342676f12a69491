#!/usr/bin/env bash
# gh-release behind Prism: every request it sends to the GitHub API and every response are
# validated against GitHub's OpenAPI description. The main scenario, on IREE's repository
# (seed ghr_iree): a nightly draft pre-release created at a commit, assets uploaded (one
# replaced with --clobber), validated and published, downloaded and verified, listed and
# viewed; the candidate promoted to v3.1.0 (tag, copies, wheels, publish); the nightly pruned
# with its tag. The uploads and downloads hosts are not behind Prism (not api.github.com).
. "$(dirname "${BASH_SOURCE[0]}")/lib.bash"

scenario_gh_release() {
    set -e
    export GITHUB_REPOSITORY=iree-org/iree RELKIT_HTTP_BACKOFF_MS=10
    local RC=iree-3.1.0rc20241119 HEAD=4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f70 d=$tmp
    get() { "$py" -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval("d" + sys.argv[2]))' "$@"; }
    mkdir -p "$d/dist"
    for n in iree_base_compiler-3.2.0rc20241125-cp311-cp311-manylinux_2_28_x86_64.whl \
        iree-dist-3.2.0rc20241125-linux-x86_64.tar.xz; do
        head -c 4096 /dev/urandom >"$d/dist/$n"
    done
    gh-release create iree-3.2.0rc20241125 --target $HEAD --draft --prerelease \
        --notes "nightly" </dev/null >"$d/create.json"
    gh-release create iree-3.2.0rc20241125 --draft </dev/null >/dev/null
    gh-release upload --context "$d/create.json" -j 2 "$d/dist"/* >"$d/upload.json"
    head -c 100 /dev/urandom >>"$d/dist/iree-dist-3.2.0rc20241125-linux-x86_64.tar.xz"
    gh-release upload --context "$d/create.json" --clobber "$d/dist"/*.tar.xz >/dev/null
    rc=0
    gh-release publish --context "$d/create.json" --expect '*.whl' --expect '*.zip' \
        >/dev/null 2>&1 || rc=$?
    [ "$rc" = 1 ]
    gh-release publish --context "$d/create.json" --expect '*.whl' --expect '*.tar.xz' >"$d/pub.json"
    [ "$(get "$d/pub.json" '["release"]["draft"]')" = False ]
    gh-release download --tag iree-3.2.0rc20241125 -D "$d/dl" >"$d/dl.json" </dev/null
    gh-release verify --tag iree-3.2.0rc20241125 --dir "$d/dl" </dev/null >/dev/null
    gh-release verify --tag $RC </dev/null >/dev/null
    gh-release list --prerelease --tag-regex '^iree-' </dev/null >"$d/list.json"
    gh-release view v3.0.0 </dev/null >/dev/null
    # the promotion, with hand-made "retagged" wheels (wheel-retag is not the subject here)
    gh-release download --tag $RC -D "$d/rc" '*.whl' </dev/null >/dev/null
    mkdir -p "$d/final"
    for f in "$d/rc"/*.whl; do cp "$f" "$d/final/$(basename "$f" | sed 's/3.1.0rc20241119/3.1.0/')"; done
    printf '{"files": [%s]}' "$(ls "$d/final"/*.whl | sed 's/.*/"&"/' | paste -sd,)" >"$d/wheels.json"
    gh-release promote --from $RC --copy 'iree-dist-*-linux-*.tar.xz' --notes "3.1.0" \
        --wheels "$d/wheels.json" </dev/null >"$d/promote.json"
    [ "$(get "$d/promote.json" '["release"]["prerelease"]')" = False ]
    gh-release view v3.1.0 </dev/null >"$d/view.json"
    [ "$(get "$d/view.json" '["release"]["latest"]')" = True ]
    sleep 2
    gh-release prune --older-than 1s --tag-regex '^iree-3\.2\.' --cleanup-tag --yes \
        </dev/null >"$d/prune.json"
    [ "$(get "$d/prune.json" '["deleted"][0]["tag"]')" = iree-3.2.0rc20241125 ]
}
conf_run ghr_iree.json scenario_gh_release
conf_done
