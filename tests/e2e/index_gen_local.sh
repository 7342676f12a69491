#!/usr/bin/env bash
# index-gen from local directories, checked with real pip (offline, PIP_FIND_LINKS unset):
# find-links (file and http), --index-url over python3 -m http.server, PEP 658 .metadata,
# hash checking, Requires-Python, yanks; the PEP 691 JSON shape; determinism; error paths.
. "$RELKIT_SRC/tests/lib/common.sh"
PY=$RELKIT_PYTHON
W=$T_TMP/wheels
mkdir -p "$W"

# mkwheel DIR NAME VERSION [Requires-Python] [Requires-Dist...]: a small, deterministic wheel
mkwheel() {
    "$PY" - "$@" <<'PYEOF'
import sys, zipfile
d, name, ver = sys.argv[1:4]
rp = sys.argv[4] if len(sys.argv) > 4 else ""
deps = sys.argv[5:]
md = "Metadata-Version: 2.1\nName: %s\nVersion: %s\n" % (name, ver)
if rp:
    md += "Requires-Python: %s\n" % rp
for x in deps:
    md += "Requires-Dist: %s\n" % x
fn = "%s/%s-%s-py3-none-any.whl" % (d, name, ver)
with zipfile.ZipFile(fn, "w", zipfile.ZIP_DEFLATED) as z:
    def w(n, s):
        zi = zipfile.ZipInfo(n, (2024, 1, 1, 0, 0, 0))
        zi.compress_type = zipfile.ZIP_DEFLATED
        z.writestr(zi, s)
    w("%s/__init__.py" % name, "VERSION = %r\n" % ver)
    w("%s-%s.dist-info/METADATA" % (name, ver), md)
    w("%s-%s.dist-info/WHEEL" % (name, ver),
      "Wheel-Version: 1.0\nGenerator: relkit-test\nRoot-Is-Purelib: true\nTag: py3-none-any\n\n")
    w("%s-%s.dist-info/RECORD" % (name, ver), "")
PYEOF
}

mkwheel "$W" demo_pkg 1.0.0 "" "dep_pkg>=1"
mkwheel "$W" dep_pkg 1.0 ">=3.8"
mkwheel "$W" dep_pkg 1.5 ">=3.8"
mkwheel "$W" dep_pkg 2.0 "<3"
printf 'an sdist\n' >"$W/dep_pkg-1.0.tar.gz"
printf 'not a distribution\n' >"$W/NOTES.txt"
printf 'dep_pkg==1.5 broken "build" <b>\n# a comment\n' >"$T_TMP/yanks"
touch -d '2024-01-02 03:04:05 UTC' "$W"/*

pip_install() { # TARGET ARGS...
    local target=$1; shift
    env -u PIP_FIND_LINKS "$PY" -m pip install --no-cache-dir --disable-pip-version-check \
        --no-input --target "$target" -v "$@"
}

gen() { run index-gen --no-cache --yank-list "$T_TMP/yanks" "$@"; }

t_case "local dir: pages written, output matches the schema"
gen --dir "$W" --output "$W/index"
expect_rc 0
expect_schema index-gen.output
expect_file "$W/index/links.html"
expect_file "$W/index/simple/index.html"
expect_file "$W/index/simple/index.json"
expect_file "$W/index/simple/dep-pkg/index.html"
expect_file "$W/index/simple/demo-pkg/index.json"
expect_eq "$(json_get '["index"]["files"]')" 5 "files"
expect_eq "$(json_get '["index"]["projects"]["dep-pkg"]["versions"]')" 3 "dep-pkg versions"
expect_eq "$(json_get '["index"]["projects"]["dep-pkg"]["sdists"]')" 1 "dep-pkg sdists"
expect_eq "$(json_get '["index"]["without_hash"]')" "[]" "without_hash"

t_case "local dir: .metadata written next to each wheel, byte-identical to METADATA"
expect_file "$W/demo_pkg-1.0.0-py3-none-any.whl.metadata"
got=$("$PY" -c 'import sys,zipfile; z=zipfile.ZipFile(sys.argv[1]); sys.stdout.write(z.read("demo_pkg-1.0.0.dist-info/METADATA").decode())' "$W/demo_pkg-1.0.0-py3-none-any.whl")
expect_eq "$(cat "$W/demo_pkg-1.0.0-py3-none-any.whl.metadata")" "$got" ".metadata content"
expect_no_file "$W/dep_pkg-1.0.tar.gz.metadata"

t_case "anchors: quoted hrefs, sha256 fragments, escaped attributes, yanks"
page=$(cat "$W/index/simple/dep-pkg/index.html")
grep -qF '<a href="../../../dep_pkg-1.0-py3-none-any.whl#sha256=' <<<"$page" || t_fail "href: $page"
grep -qF 'data-requires-python="&lt;3"' <<<"$page" || t_fail "requires-python not escaped"
grep -qF 'data-yanked="broken &quot;build&quot; &lt;b&gt;"' <<<"$page" || t_fail "data-yanked: $page"
grep -qE 'data-core-metadata="sha256=[0-9a-f]{64}"' <<<"$page" || t_fail "no data-core-metadata"
grep -qE 'data-dist-info-metadata="sha256=[0-9a-f]{64}"' <<<"$page" || t_fail "no data-dist-info-metadata"
grep -q 'NOTES' "$W/index/links.html" && t_fail "a non-distribution file is listed"

t_case "PEP 691 JSON pages have the PEP 691/700 shape and agree with the files"
"$PY" - "$W/index/simple" "$W" <<'PYEOF' || t_fail "PEP 691 shape"
import hashlib, json, os, sys
import jsonschema
simple, wheels = sys.argv[1:3]
meta = {"type": "object", "required": ["api-version"],
        "properties": {"api-version": {"type": "string", "pattern": r"^1\.[01]$"}}}
hashes = {"type": "object", "additionalProperties": {"type": "string", "pattern": "^[0-9a-f]+$"}}
md = {"anyOf": [{"type": "boolean"}, hashes]}
file_s = {"type": "object", "required": ["filename", "url", "hashes", "size", "yanked"],
          "additionalProperties": False,
          "properties": {"filename": {"type": "string"}, "url": {"type": "string"},
                         "hashes": hashes, "requires-python": {"type": "string"},
                         "core-metadata": md, "dist-info-metadata": md,
                         "size": {"type": "integer"}, "upload-time": {"type": "string",
                         "pattern": r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$"},
                         "yanked": {"anyOf": [{"type": "boolean"}, {"type": "string"}]}}}
project_s = {"type": "object", "required": ["meta", "name", "files", "versions"],
             "properties": {"meta": meta, "name": {"type": "string"},
                            "files": {"type": "array", "items": file_s},
                            "versions": {"type": "array", "items": {"type": "string"}}}}
root_s = {"type": "object", "required": ["meta", "projects"],
          "properties": {"meta": meta, "projects": {"type": "array", "items": {
              "type": "object", "required": ["name"]}}}}
root = json.load(open(os.path.join(simple, "index.json")))
jsonschema.validate(root, root_s)
assert [p["name"] for p in root["projects"]] == ["demo-pkg", "dep-pkg"], root
for p in root["projects"]:
    page = json.load(open(os.path.join(simple, p["name"], "index.json")))
    jsonschema.validate(page, project_s)
    assert page["name"] == p["name"]
    for f in page["files"]:
        path = os.path.join(wheels, f["filename"])
        data = open(path, "rb").read()
        assert f["hashes"]["sha256"] == hashlib.sha256(data).hexdigest(), f
        assert f["size"] == len(data)
        assert f["upload-time"] == "2024-01-02T03:04:05Z", f
        assert os.path.normpath(os.path.join(simple, p["name"], f["url"])) == path, f
        if f["filename"].endswith(".whl"):
            m = open(path + ".metadata", "rb").read()
            assert f["core-metadata"] == {"sha256": hashlib.sha256(m).hexdigest()}, f
    if p["name"] == "dep-pkg":
        assert page["versions"] == ["1.0", "1.5", "2.0"], page["versions"]
        y = [f["yanked"] for f in page["files"] if "1.5" in f["filename"]]
        assert y == ['broken "build" <b>'], y
PYEOF

t_case "deterministic: a second generation is byte-identical"
gen --dir "$W" --output "$W/again"
expect_rc 0
diff -r "$W/index" "$W/again" >/dev/null || t_fail "outputs differ: $(diff -r "$W/index" "$W/again" | head -5)"

t_case "pip: find-links file page installs, skipping the Requires-Python mismatch, using .metadata"
run pip_install "$T_TMP/t1" --no-index -f "$W/index/links.html" demo_pkg
expect_rc 0
grep -q "Obtaining dependency information for demo_pkg from .*demo_pkg-1.0.0-py3-none-any.whl.metadata" <<<"$T_OUT" \
    || t_fail "pip did not use .metadata"
grep -q "Link requires a different Python" <<<"$T_OUT" || t_fail "no Requires-Python exclusion"
expect_out "Successfully installed demo_pkg-1.0.0 dep_pkg-1.0"

port=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
(cd "$W" && exec "$PY" -m http.server "$port" --bind 127.0.0.1) >/dev/null 2>&1 &
srv=$!
trap 'kill $srv 2>/dev/null; t_cleanup' EXIT
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/" >/dev/null && break; sleep 0.1; done

t_case "pip: --index-url http://127.0.0.1/simple/ with .metadata over http"
run pip_install "$T_TMP/t2" --index-url "http://127.0.0.1:$port/index/simple/" demo_pkg
expect_rc 0
grep -q "Obtaining dependency information for dep_pkg.*from http://127.0.0.1:$port/dep_pkg-1.0-py3-none-any.whl.metadata" <<<"$T_OUT" \
    || t_fail "pip did not fetch .metadata over http"
expect_out "Successfully installed demo_pkg-1.0.0 dep_pkg-1.0"

t_case "pip: find-links over http"
run pip_install "$T_TMP/t3" --no-index -f "http://127.0.0.1:$port/index/links.html" demo_pkg
expect_rc 0
expect_out "Successfully installed demo_pkg-1.0.0 dep_pkg-1.0"

t_case "yanks: by file name or NAME==VERSION (normalised), the first matching line wins"
printf 'dep_pkg-1.0.tar.gz sdist only\nDep.Pkg==1.0 first\ndep_pkg==1.0 second\ndep-pkg==2.0.0\n' >"$T_TMP/yanks2"
run index-gen --no-cache --yank-list "$T_TMP/yanks2" --dir "$W" --output "$T_TMP/y"
expect_rc 0
page=$(cat "$T_TMP/y/simple/dep-pkg/index.html")
grep -qF '>dep_pkg-1.0.tar.gz<' <<<"$page" || t_fail "sdist missing"
grep -qF 'data-yanked="sdist only">dep_pkg-1.0.tar.gz<' <<<"$page" || t_fail "file-name yank: $page"
grep -qF 'data-yanked="first">dep_pkg-1.0-py3-none-any.whl<' <<<"$page" || t_fail "first line: $page"
grep -qF 'data-yanked="">dep_pkg-2.0-py3-none-any.whl<' <<<"$page" || t_fail "2.0 == 2.0.0: $page"
grep -F "dep_pkg-1.5-" <<<"$page" | grep -qF data-yanked && t_fail "1.5 yanked"

t_case "pip: a yanked version is skipped unless pinned exactly"
run pip_install "$T_TMP/t4" --index-url "http://127.0.0.1:$port/index/simple/" "dep_pkg>=1.2,<2"
expect_rc 1
run pip_install "$T_TMP/t5" --index-url "http://127.0.0.1:$port/index/simple/" "dep_pkg==1.5"
expect_rc 0
expect_out "Successfully installed dep_pkg-1.5"
grep -qi "yanked" <<<"$T_OUT$T_ERR" || t_fail "no yank warning"

t_case "pip: a tampered wheel fails the hash check"
cp "$W/dep_pkg-1.0-py3-none-any.whl" "$T_TMP/orig.whl"
printf 'x' >>"$W/dep_pkg-1.0-py3-none-any.whl"
run pip_install "$T_TMP/t6" --index-url "http://127.0.0.1:$port/index/simple/" "dep_pkg==1.0"
expect_rc 1
expect_err "DO NOT MATCH THE HASHES"
cp "$T_TMP/orig.whl" "$W/dep_pkg-1.0-py3-none-any.whl"
touch -d '2024-01-02 03:04:05 UTC' "$W/dep_pkg-1.0-py3-none-any.whl"

t_case "--base-url: absolute hrefs for local files"
gen --dir "$W" --output "$T_TMP/based" --base-url "https://example.invalid/wheels/"
expect_rc 0
grep -qF 'href="https://example.invalid/wheels/demo_pkg-1.0.0-py3-none-any.whl#sha256=' "$T_TMP/based/links.html" \
    || t_fail "base url not used"

t_case "--find-links-name and --title"
gen --dir "$W" --output "$T_TMP/named" --find-links-name pip-release-links.html --title 'A & B'
expect_rc 0
expect_file "$T_TMP/named/pip-release-links.html"
grep -qF '<title>A &amp; B</title>' "$T_TMP/named/pip-release-links.html" || t_fail "title not escaped"

t_case "a re-run into the same output: pages of projects gone are removed, other files kept"
mkdir -p "$T_TMP/only-demo"
cp "$W/demo_pkg-1.0.0-py3-none-any.whl" "$T_TMP/only-demo/"
gen --dir "$W" --output "$T_TMP/same"
expect_rc 0
mkdir -p "$T_TMP/same/simple/not-ours"
echo keep >"$T_TMP/same/simple/not-ours/keep.txt"
gen --dir "$T_TMP/only-demo" --output "$T_TMP/same"
expect_rc 0
expect_no_file "$T_TMP/same/simple/dep-pkg"
expect_file "$T_TMP/same/simple/demo-pkg/index.html"
expect_file "$T_TMP/same/simple/not-ours/keep.txt"
expect_eq "$(json_get '["index"]["pages"]')" 5 "pages written"
ls -a "$T_TMP/same" "$T_TMP/same/simple" | grep -q '\.tmp-' && t_fail "a temporary file was left"

t_case "the cache: a second run reads hashes and metadata from it"
run index-gen --cache-dir "$T_TMP/cache" --dir "$W" --output "$T_TMP/c1"
expect_rc 0
run index-gen --cache-dir "$T_TMP/cache" --dir "$W" --output "$T_TMP/c2"
expect_rc 0
expect_eq "$(json_get '["index"]["cache_hits"]')" 5 "cache hits"
diff -r "$T_TMP/c1" "$T_TMP/c2" >/dev/null || t_fail "cached run differs"

t_case "--dry-run writes nothing"
run index-gen --no-cache --dry-run --dir "$W" --output "$T_TMP/dry"
expect_rc 0
expect_no_file "$T_TMP/dry"
expect_eq "$(json_get '["index"]["dry_run"]')" true "dry_run"

t_case "the context is kept and the index added"
echo '{"tag": "v1", "custom": {"x": 1}}' >"$T_TMP/ctx.json"
run index-gen --no-cache --context "$T_TMP/ctx.json" --dir "$W" --output "$T_TMP/ctx"
expect_rc 0
expect_eq "$(json_get '["custom"]["x"]')" 1 "unknown key kept"
expect_eq "$(json_get '["tag"]')" v1 "tag kept"

t_case "error: --output missing is a usage error"
run index-gen --dir "$W"
expect_rc 2
expect_error_line index-gen
expect_err "--output"

t_case "error: bad --prereleases value"
run index-gen --output "$T_TMP/x" --prereleases sometimes
expect_rc 2
expect_err "invalid --prereleases 'sometimes'"

t_case "error: bad --tag-regex"
run index-gen --output "$T_TMP/x" --tag-regex '(' --repo a/b
expect_rc 2
expect_err "invalid --tag-regex '('"

t_case "error: bad --max-age"
run index-gen --output "$T_TMP/x" --max-age soon
expect_rc 2
expect_err "invalid --max-age 'soon'"

t_case "error: a missing directory is invalid input"
run index-gen --no-cache --output "$T_TMP/x" --dir "$T_TMP/nope"
expect_rc 3
expect_err "unable to open directory '$T_TMP/nope'"

t_case "error: a malformed yank list"
printf 'dep_pkg==not-a-version\n' >"$T_TMP/badyank"
run index-gen --no-cache --output "$T_TMP/x" --dir "$W" --yank-list "$T_TMP/badyank"
expect_rc 3
expect_err "invalid yank list '$T_TMP/badyank': line 1"

t_case "error: the same file name with other content in two directories"
mkdir -p "$T_TMP/other"
mkwheel "$T_TMP/other" dep_pkg 1.0 ">=3.9"
run index-gen --no-cache --output "$T_TMP/x" --dir "$W" --dir "$T_TMP/other"
expect_rc 3
expect_err "'dep_pkg-1.0-py3-none-any.whl' appears twice with different content"

t_case "error: invalid JSON context"
echo '{"assets": [' >"$T_TMP/bad.json"
run index-gen --no-cache --context "$T_TMP/bad.json" --output "$T_TMP/x"
expect_rc 3
expect_err "invalid JSON"

t_case "error: a context asset without an http(s) url"
echo '[{"name": "a-1.0-py3-none-any.whl", "url": "file:///etc/passwd"}]' >"$T_TMP/badasset.json"
run index-gen --no-cache --context "$T_TMP/badasset.json" --output "$T_TMP/x"
expect_rc 3
expect_err "asset 'a-1.0-py3-none-any.whl' needs a name and an http(s) url"

t_case "error: a context asset whose url the index may not publish (the GitHub assets' rule)"
for bad in 'http://files.example/a-1.0-py3-none-any.whl|refusing plain http to '"'"'files.example'"'"'' \
    'https://u:secret@files.example/a-1.0-py3-none-any.whl|credentials in a URL for '"'"'files.example'"'"''; do
    printf '[{"name": "a-1.0-py3-none-any.whl", "url": "%s", "sha256": "%064d"}]\n' "${bad%%|*}" 0 \
        >"$T_TMP/badurl.json"
    run index-gen --no-cache --context "$T_TMP/badurl.json" --output "$T_TMP/badurl"
    expect_rc 3
    expect_error_line index-gen
    expect_err "the url of asset 'a-1.0-py3-none-any.whl' may not be published: ${bad#*|}"
    expect_no_file "$T_TMP/badurl"
    grep -q secret <<<"$T_ERR" && t_fail "the password reached stderr"
done

t_case "error: context keys of the wrong type are invalid input, nothing written"
for bad in '{"assets": {"name": "a-1.0-py3-none-any.whl"}}|"assets" is of type object, expected array' \
    '{"releases": {"assets": []}}|"releases" is of type object, expected array' \
    '{"releases": [5]}|"releases[0]" is not an object' \
    '{"releases": [{"tag": "v1", "assets": "x"}]}|"releases[0].assets" is of type string, expected array' \
    '{"assets": [], "release": 7}|"release" is of type int, expected object'; do
    printf '%s\n' "${bad%%|*}" >"$T_TMP/wrongtype.json"
    run index-gen --no-cache --context "$T_TMP/wrongtype.json" --output "$T_TMP/wrongtype"
    expect_rc 3
    expect_error_line index-gen
    expect_err "invalid context: ${bad#*|}"
    expect_no_file "$T_TMP/wrongtype"
done

t_case "error: a corrupt wheel is invalid input"
mkdir -p "$T_TMP/corrupt"
printf 'PK not a zip' >"$T_TMP/corrupt/bad_pkg-1.0-py3-none-any.whl"
run index-gen --no-cache --output "$T_TMP/x" --dir "$T_TMP/corrupt"
expect_rc 3
expect_err "invalid wheel 'bad_pkg-1.0-py3-none-any.whl'"

t_done
