#!/usr/bin/env bash
# index-gen makes the checks wheel-retag makes (common/wheel_check.c) even when its cache
# already holds a wheel's metadata: a cache entry written before those checks existed (local:
# no "checked" mark; remote: a METADATA that disagrees with the file name) is not trusted, the
# wheel is read and checked again. The hostile corpus covers the refusals themselves
# (tests/data/hostile/wheels, http: idx-remote-*).
. "$RELKIT_SRC/tests/lib/common.sh"
PY=$RELKIT_PYTHON
EMU=$RELKIT_SRC/tests/fakes/github/with-emulator.sh
SEEDS=$RELKIT_SRC/tests/fakes/github/seeds
export RELKIT_HTTP_BACKOFF_MS=50 RELKIT_HTTP_BACKOFF_MAX_MS=200 RELKIT_HTTP_MAX_WAIT_MS=5000

if [ -z "${RELKIT_EMU_API:-}" ]; then
    exec "$EMU" --seed "$SEEDS/idx_basic.json" -- bash "$0" "$@"
fi

# forge CACHE_DIR KEY_SUFFIX METADATA [LOCAL_FILE]: point the cache entry of KEY_SUFFIX (or,
# with LOCAL_FILE, a new entry for that file, as an older index-gen wrote it: no "checked")
# at a metadata blob holding METADATA
forge() {
    "$PY" - "$@" <<'PYEOF'
import hashlib, json, os, sys
cache, suffix, text = sys.argv[1], sys.argv[2], sys.argv[3].encode()
local = sys.argv[4] if len(sys.argv) > 4 else None
sha = hashlib.sha256(text).hexdigest()
os.makedirs(os.path.join(cache, "blobs"), exist_ok=True)
with open(os.path.join(cache, "blobs", sha), "wb") as f:
    f.write(text)
path = os.path.join(cache, "hashes.json")
db = json.load(open(path)) if os.path.exists(path) else {"version": 1, "files": {}}
if local:
    st = os.stat(local)
    data = open(local, "rb").read()
    db["files"]["file:" + os.path.realpath(local)] = {
        "size": st.st_size, "stamp": "%d.%09d" % divmod(st.st_mtime_ns, 10**9),
        "sha256": hashlib.sha256(data).hexdigest(), "metadata": sha}
else:
    keys = [k for k in db["files"] if k.endswith(suffix)]
    assert len(keys) == 1, keys
    db["files"][keys[0]]["metadata"] = sha
json.dump(db, open(path, "w"))
PYEOF
}

t_case "local: a cached entry from before the checks is read again, and the bad wheel refused"
"$PY" "$RELKIT_SRC/tests/data/hostile/wheels/make_hostile_wheels.py" "$T_TMP/gen" m-version-other >/dev/null ||
    t_fail "make_hostile_wheels.py failed"
WHL=$(find "$T_TMP/gen/m-version-other" -name '*.whl' | head -1)
forge "$T_TMP/cache1" "" $'Metadata-Version: 2.1\nName: demo_pkg\nVersion: 1.0\n' "$WHL"
run index-gen --dir "$(dirname "$WHL")" --output "$T_TMP/o1" --cache-dir "$T_TMP/cache1"
expect_rc 3
expect_error_line index-gen
expect_err "invalid wheel 'demo_pkg-1.0-py3-none-any.whl': METADATA Version '2.0' does not match the file name '1.0'"
[ -z "$(find "$(dirname "$WHL")" -name '*.metadata')" ] || t_fail "a .metadata was written"

t_case "local: a wheel that passed the checks is marked in the cache"
mkdir -p "$T_TMP/good"
"$PY" "$RELKIT_SRC/tests/data/hostile/wheels/make_hostile_wheels.py" "$T_TMP/gen" w-valid >/dev/null
cp "$T_TMP/gen/w-valid/"*.whl "$T_TMP/good/"
run index-gen --dir "$T_TMP/good" --output "$T_TMP/o2" --cache-dir "$T_TMP/cache2"
expect_rc 0
expect_eq "$("$PY" -c 'import json,sys; print([e.get("checked") for e in json.load(open(sys.argv[1]))["files"].values()])' "$T_TMP/cache2/hashes.json")" \
    "[True]" "checked mark"

t_case "remote: a cached METADATA that disagrees with the file name is read again"
REPO=relkit-test/wheels
run index-gen --repo "$REPO" --output "$T_TMP/o3" --cache-dir "$T_TMP/cache3"
expect_rc 0
forge "$T_TMP/cache3" "/dep_pkg-2.0-py3-none-any.whl" \
    $'Metadata-Version: 2.1\nName: dep_pkg\nVersion: 9.9\nRequires-Python: >=3.99\n'
run index-gen --repo "$REPO" --output "$T_TMP/o4" --cache-dir "$T_TMP/cache3"
expect_rc 0
[ "$(json_get '["index"]["requests"]["range_reads"]')" -ge 1 ] || t_fail "the wheel was not read again"
META=$(find "$T_TMP/o4/upload" -name 'dep_pkg-2.0-py3-none-any.whl.metadata' | head -1)
[ -n "$META" ] || t_fail "no .metadata written for dep_pkg-2.0"
grep -qx 'Version: 2.0' "$META" || t_fail "the cached METADATA was used: $(cat "$META")"
grep -qF 'data-requires-python="&lt;3"' "$T_TMP/o4/simple/dep-pkg/index.html" ||
    t_fail "the cached Requires-Python was used"

t_done
