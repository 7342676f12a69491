#!/bin/bash
# Self-test of the container-registry peer (tests/fakes/registry): in noauth and token
# mode, start docker-registry (and the token server), push the fixtures with skopeo,
# check digests, the OCI Accept quirk, token grants and denials, a cross-repository mount
# and that the log tells a mount from an upload, delete, a second registry, and stop by PID.
# Env: RELKIT_SRC (source dir), RELKIT_PYTHON (python3 with python3-jwt). Exit 0 = pass.
set -uo pipefail

src=${RELKIT_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
py=${RELKIT_PYTHON:-/usr/bin/python3}
export RELKIT_PYTHON=$py
fakes=$src/tests/fakes/registry
work=$(mktemp -d "${TMPDIR:-/tmp}/registry-selftest.XXXXXX")
passed=0
failed=0
env_files=()

ok() { passed=$((passed + 1)); echo "ok - $1"; }
fail() { failed=$((failed + 1)); echo "FAIL - $1${2:+: $2}"; }
check() { # check NAME CMD...: pass if CMD succeeds
  local name=$1; shift
  if "$@"; then ok "$name"; else fail "$name"; fi
}
eq() { # eq NAME EXPECTED ACTUAL
  if [ "$2" = "$3" ]; then ok "$1"; else fail "$1" "expected '$2', got '$3'"; fi
}

cleanup() {
  local f
  for f in ${env_files[@]+"${env_files[@]}"}; do
    [ -f "$f" ] && "$fakes/stop.sh" "$f" >/dev/null 2>&1
  done
  if [ "${RELKIT_KEEP_REGISTRY:-0}" = 1 ]; then echo "kept '$work'"; else rm -rf "$work"; fi
}
trap cleanup EXIT

for tool in docker-registry skopeo curl openssl; do
  if ! command -v "$tool" >/dev/null; then
    fail "prerequisite $tool" "not installed"
    echo "$passed passed, $failed failed"
    exit 1
  fi
done

# --- helpers ---------------------------------------------------------------------------

# token USER PASS SCOPE...: print a registry token (USER empty: anonymous), empty on error
token() {
  local user=$1 pass=$2 q="service=$REGISTRY_TOKEN_SERVICE" s
  shift 2
  for s in "$@"; do q="$q&scope=$s"; done
  local auth=()
  [ -n "$user" ] && auth=(-u "$user:$pass")
  curl -sf ${auth[@]+"${auth[@]}"} "$TOKEN_SERVER_URL/token?$q" |
    "$py" -c 'import json,sys; print(json.load(sys.stdin)["token"])' 2>/dev/null
}

# granted TOKEN: the JWT's access claim, one 'type:name:a,b' per line, sorted
granted() {
  "$py" - "$1" <<'EOF'
import base64, json, sys
p = sys.argv[1].split(".")[1]
claims = json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)))
print("\n".join(sorted("%s:%s:%s" % (a["type"], a["name"], ",".join(a["actions"]))
                        for a in claims["access"])))
EOF
}

# jwt_kid TOKEN: the kid of the JWT header
jwt_kid() {
  "$py" -c 'import base64,json,sys; h=sys.argv[1].split(".")[0]; print(json.loads(base64.urlsafe_b64decode(h+"="*(-len(h)%4)))["kid"])' "$1"
}

# http METHOD PATH [TOKEN] [curl args...]: print the status; headers in $work/h, body in $work/b
http() {
  local method=$1 path=$2 tok=${3:-}
  shift 3 2>/dev/null || shift $#
  local auth=()
  [ -n "$tok" ] && auth=(-H "Authorization: Bearer $tok")
  local url=$path
  case $url in http*) ;; *) url=$REGISTRY_URL$path ;; esac
  local verb=(-X "$method")
  [ "$method" = HEAD ] && verb=(-I) # curl -X HEAD would wait for a body
  curl -s -o "$work/b" -D "$work/h" -w '%{http_code}' "${verb[@]}" ${auth[@]+"${auth[@]}"} "$@" "$url"
}
header() { grep -i "^$1:" "$work/h" | head -1 | cut -d' ' -f2- | tr -d '\r'; }
fixture() { "$py" -c 'import json,sys; d=json.load(open(sys.argv[1])); i=[i for i in d["images"] if i["name"]==sys.argv[2]][0]; print(eval(sys.argv[3], {}, {"i": i}))' "$FIXTURES" "$1" "$2"; }
logsum() { "$py" "$fakes/registry-log.py" "$REGISTRY_LOG" --since "$1" | "$py" -c "import json,sys; d=json.load(sys.stdin); print($2)"; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }
secs() { printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000)); }
# eq_log NAME EXPECTED OFFSET EXPR: like eq on logsum, waiting up to 3 s for the access
# log lines (written after the responses) to arrive
eq_log() {
  local got
  for _ in $(seq 30); do
    got=$(logsum "$3" "$4" | tr -d '(),')
    [ "$got" = "$2" ] && break
    sleep 0.1
  done
  eq "$1" "$2" "$got"
}
logsize() { stat -c %s "$REGISTRY_LOG"; }
# libtrust key ID of a certificate's public key, computed with openssl and coreutils only
libtrust_kid() {
  openssl x509 -in "$1" -pubkey -noout | openssl pkey -pubin -outform DER |
    openssl dgst -sha256 -binary | head -c 30 | base32 | tr -d '=\n' | sed 's/..../&:/g; s/:$//'
}

OCI_ACCEPT='application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.v2+json, application/vnd.docker.distribution.manifest.list.v2+json'

# --- one mode --------------------------------------------------------------------------

run_mode() {
  local mode=$1 dir=$work/$1 t0 st
  echo "# mode $mode"
  t0=$(now_ms)
  if ! "$fakes/start.sh" --mode "$mode" --dir "$dir" --env-file "$dir.env"; then
    fail "$mode: start"
    return
  fi
  env_files+=("$dir.env")
  ok "$mode: start ($(secs $(($(now_ms) - t0))) s)"
  # shellcheck disable=SC1090
  . "$dir.env"
  local tok="" rtok=""
  check "$mode: env file has address and pid" test -n "$REGISTRY_ADDR" -a -n "$REGISTRY_PID"
  check "$mode: registry pid is docker-registry" grep -q docker-registry "/proc/$REGISTRY_PID/cmdline"

  st=$(http GET /v2/ "")
  if [ "$mode" = token ]; then
    eq "$mode: GET /v2/ without token is 401" 401 "$st"
    check "$mode: challenge names the realm" grep -qi "www-authenticate: Bearer realm=\"$REGISTRY_TOKEN_REALM\"" "$work/h"
  else
    eq "$mode: GET /v2/ is 200" 200 "$st"
  fi

  # fixtures
  t0=$(now_ms)
  if "$fakes/push-fixtures.sh" --env-file "$dir.env" 2>"$work/push.err"; then
    ok "$mode: push fixtures ($(secs $(($(now_ms) - t0))) s)"
  else
    fail "$mode: push fixtures" "$(cat "$work/push.err")"
    return
  fi
  FIXTURES=$dir/fixtures/fixtures.json
  local name ref digest raw
  for name in app multi tt-model-a app-docker multi-docker; do
    ref=$(fixture "$name" 'i["ref"]')
    digest=$(fixture "$name" 'i["digest"]')
    raw=$(skopeo inspect --raw --tls-verify=false --authfile "$REGISTRY_SKOPEO_AUTHFILE" "docker://$ref" | sha256sum | cut -d' ' -f1)
    eq "$mode: skopeo sees $name at its fixture digest" "$digest" "sha256:$raw"
  done
  local arm
  arm=$(fixture multi '[p["digest"] for p in i["platforms"] if p["architecture"]=="arm64"][0]')
  raw=$(skopeo inspect --raw --tls-verify=false --authfile "$REGISTRY_SKOPEO_AUTHFILE" \
    "docker://$REGISTRY_ADDR/src/multi@$arm" | sha256sum | cut -d' ' -f1)
  eq "$mode: arm64 child manifest of src/multi by digest" "$arm" "sha256:$raw"

  if [ "$mode" = token ]; then
    # the kid the token server puts in JWTs is the libtrust ID of the cert's key
    tok=$(token pusher "$REGISTRY_PASSWORD" repository:src/app:pull,push repository:dst/app:pull,push,delete \
      repository:src/multi:pull repository:src/app-docker:pull repository:src/multi-docker:pull)
    eq "$mode: JWT kid is the libtrust key ID of rootcertbundle" "$(libtrust_kid "$dir/token/cert.pem")" "$(jwt_kid "$tok")"
    eq "$mode: pusher gets what it asked" "$(printf 'repository:dst/app:pull,push,delete\nrepository:src/app-docker:pull\nrepository:src/app:pull,push\nrepository:src/multi-docker:pull\nrepository:src/multi:pull')" "$(granted "$tok")"
    rtok=$(token reader "$REGISTRY_READER_PASSWORD" repository:src/app:pull,push repository:dst/app:pull)
    eq "$mode: reader gets pull only on src/app, nothing on dst/app" "repository:src/app:pull" "$(granted "$rtok")"
    eq "$mode: anonymous gets pull on public/* only" "repository:public/base:pull" \
      "$(granted "$(token "" "" repository:public/base:pull,push repository:src/app:pull)")"
    st=$(curl -s -o /dev/null -w '%{http_code}' -u reader:wrong "$TOKEN_SERVER_URL/token?service=$REGISTRY_TOKEN_SERVICE&scope=repository:src/app:pull")
    eq "$mode: wrong password is 401 at the token server" 401 "$st"
    st=$(http GET /v2/src/app/manifests/1.0 "$rtok" -H "Accept: $OCI_ACCEPT")
    eq "$mode: reader can pull src/app" 200 "$st"
    st=$(http POST /v2/src/app/blobs/uploads/ "$rtok")
    eq "$mode: reader cannot push to src/app" 401 "$st"
    check "$mode: refusal says insufficient_scope" grep -qi 'error="insufficient_scope"' "$work/h"
    st=$(http GET /v2/dst/app/tags/list "$rtok")
    eq "$mode: reader token without dst/app access is refused" 401 "$st"
    st=$(http GET /v2/public/base/manifests/1.0 "$(token "" "" repository:public/base:pull)" -H "Accept: $OCI_ACCEPT")
    eq "$mode: anonymous token pulls public/base" 200 "$st"
  fi

  # OCI manifests need OCI media types in Accept
  digest=$(fixture app 'i["digest"]')
  st=$(http GET /v2/src/app/manifests/1.0 "$tok" -H 'Accept: */*')
  eq "$mode: OCI manifest with Accept */* is 404" 404 "$st"
  check "$mode: 404 says the accept header is the cause" grep -q "accept header" "$work/b"
  st=$(http GET /v2/src/app/manifests/1.0 "$tok" -H "Accept: $OCI_ACCEPT")
  eq "$mode: OCI manifest with OCI Accept is 200" 200 "$st"
  eq "$mode: Docker-Content-Digest is the fixture digest" "$digest" "$(header Docker-Content-Digest)"
  st=$(http GET /v2/src/multi/manifests/1.0 "$tok" -H 'Accept: application/vnd.oci.image.manifest.v1+json')
  eq "$mode: OCI index with only the OCI manifest type accepted is 404" 404 "$st"

  # Docker schema 2 without its type in Accept: converted to schema 1 (another digest);
  # a manifest list without the list type: the linux/amd64 manifest instead
  st=$(http GET /v2/src/app-docker/manifests/1.0 "$tok")
  eq "$mode: schema 2 without Accept comes back as signed schema 1" \
    "200 application/vnd.docker.distribution.manifest.v1+prettyjws" "$st $(header Content-Type)"
  check "$mode: ... with another digest" test "$(header Docker-Content-Digest)" != "$(fixture app-docker 'i["digest"]')"
  st=$(http GET /v2/src/multi-docker/manifests/1.0 "$tok" -H 'Accept: application/vnd.docker.distribution.manifest.v2+json')
  eq "$mode: manifest list with only schema 2 accepted answers the amd64 manifest" \
    "200 $(fixture multi-docker '[p["digest"] for p in i["platforms"] if p["architecture"]=="amd64"][0]')" \
    "$st $(header Docker-Content-Digest)"

  # cross-repository mount: 201, no bytes, and the log says so
  local layer off
  layer=$(fixture app 'i["blobs"][1]["digest"]')
  off=$(logsize)
  st=$(http POST "/v2/dst/app/blobs/uploads/?mount=$layer&from=src/app" "$tok")
  eq "$mode: mount from src/app into dst/app is 201" 201 "$st"
  eq "$mode: mount answers Docker-Content-Digest" "$layer" "$(header Docker-Content-Digest)"
  st=$(http HEAD "/v2/dst/app/blobs/$layer" "$tok")
  eq "$mode: mounted blob is in dst/app" 200 "$st"
  eq_log "$mode: log shows 1 mount, no upload" "1 0 0 0" "$off" \
    'd["kinds"].get("mount",0), d["kinds"].get("upload_start",0), d["kinds"].get("upload_patch",0), d["kinds"].get("upload_put",0)'

  # an upload, for contrast: POST 202, PATCH 202, PUT 201
  head -c 5000 /dev/urandom >"$work/blob"
  local bd loc
  bd=sha256:$(sha256sum "$work/blob" | cut -d' ' -f1)
  off=$(logsize)
  st=$(http POST /v2/dst/app/blobs/uploads/ "$tok")
  eq "$mode: upload session is 202" 202 "$st"
  loc=$(header Location)
  check "$mode: upload Location is absolute" test "${loc#"http://$REGISTRY_ADDR/"}" != "$loc"
  st=$(http PATCH "$loc" "$tok" -H 'Content-Type: application/octet-stream' --data-binary @"$work/blob")
  eq "$mode: PATCH is 202" 202 "$st"
  eq "$mode: PATCH Range is inclusive" "0-4999" "$(header Range)"
  loc=$(header Location)
  st=$(http PUT "$loc&digest=$bd" "$tok" -H 'Content-Type: application/octet-stream' -H 'Content-Length: 0')
  eq "$mode: PUT ?digest= is 201" 201 "$st"
  eq_log "$mode: log shows an upload, no mount" "0 1 1 1" "$off" \
    'd["kinds"].get("mount",0), d["kinds"].get("upload_start",0), d["kinds"].get("upload_patch",0), d["kinds"].get("upload_put",0)'

  # monolithic POST ?digest= is not supported: 202, the body is dropped
  head -c 300 /dev/urandom >"$work/blob2"
  bd=sha256:$(sha256sum "$work/blob2" | cut -d' ' -f1)
  st=$(http POST "/v2/dst/app/blobs/uploads/?digest=$bd" "$tok" -H 'Content-Type: application/octet-stream' --data-binary @"$work/blob2")
  eq "$mode: monolithic POST ?digest= only opens a session (202)" 202 "$st"
  st=$(http HEAD "/v2/dst/app/blobs/$bd" "$tok")
  eq "$mode: ... and stores nothing" 404 "$st"
  # a stale upload Location (an old _state) is refused
  st=$(http POST /v2/dst/app/blobs/uploads/ "$tok")
  loc=$(header Location)
  st=$(http PATCH "$loc" "$tok" -H 'Content-Type: application/octet-stream' --data-binary @"$work/blob2")
  st=$(http PATCH "$loc" "$tok" -H 'Content-Type: application/octet-stream' --data-binary @"$work/blob2")
  eq "$mode: PATCH on a stale Location is 404 BLOB_UPLOAD_INVALID" "404 BLOB_UPLOAD_INVALID" \
    "$st $(grep -o BLOB_UPLOAD_INVALID "$work/b")"

  if [ "$mode" = token ]; then
    # a token without pull on the source: the registry refuses the mount
    local dtok
    dtok=$(token dst-only dst-only-secret repository:dst/app2:pull,push repository:src/app:pull)
    eq "$mode: dst-only user gets no pull on src/app" "repository:dst/app2:pull,push" "$(granted "$dtok")"
    st=$(http POST "/v2/dst/app2/blobs/uploads/?mount=$layer&from=src/app" "$dtok")
    eq "$mode: mount without pull on the source is 401" 401 "$st"
  fi

  # delete is enabled: by digest 202, by tag 400
  local pdigest
  pdigest=$(fixture public-base 'i["digest"]')
  [ "$mode" = token ] && tok=$(token pusher "$REGISTRY_PASSWORD" repository:public/base:pull,delete)
  st=$(http DELETE /v2/public/base/manifests/1.0 "$tok")
  eq "$mode: DELETE manifest by tag is 400" 400 "$st"
  st=$(http DELETE "/v2/public/base/manifests/$pdigest" "$tok")
  eq "$mode: DELETE manifest by digest is 202" 202 "$st"
  st=$(http GET /v2/public/base/tags/list "$tok")
  eq "$mode: tag list after deleting the only manifest has tags null" '{"name":"public/base","tags":null}' "$(cat "$work/b")"

  # stop by PID
  local rpid=$REGISTRY_PID tpid=""
  [ "$mode" = token ] && tpid=$TOKEN_SERVER_PID
  "$fakes/stop.sh" "$dir.env"
  check "$mode: stop ends the registry" bash -c "! ps -o stat= -p $rpid | grep -qv Z"
  [ -n "$tpid" ] && check "$mode: stop ends the token server" bash -c "! ps -o stat= -p $tpid | grep -qv Z"
}

second_registry() {
  echo "# with-registry.sh --second --relative-urls (token)"
  local out
  # shellcheck disable=SC2016 # expanded by the inner bash
  out=$("$fakes/with-registry.sh" --mode token --second --fixtures --relative-urls -- bash -c '
    set -e
    skopeo copy --quiet --all --preserve-digests --src-tls-verify=false --dest-tls-verify=false \
      --src-creds "$REGISTRY_USERNAME:$REGISTRY_PASSWORD" --dest-creds "$REGISTRY2_USERNAME:$REGISTRY2_PASSWORD" \
      "docker://$REGISTRY_ADDR/src/multi:1.0" "docker://$REGISTRY2_ADDR/dst/multi:1.0"
    skopeo inspect --raw --tls-verify=false --creds "$REGISTRY2_USERNAME:$REGISTRY2_PASSWORD" \
      "docker://$REGISTRY2_ADDR/dst/multi:1.0" | sha256sum | cut -d" " -f1
    # the password of the first registry is refused by the second token server
    curl -s -o /dev/null -w "%{http_code}\n" -u "$REGISTRY_USERNAME:$REGISTRY_PASSWORD" "$TOKEN_SERVER2_URL/token?scope=repository:dst/multi:pull"
    echo "$REGISTRY_PID $REGISTRY2_PID $TOKEN_SERVER_PID $TOKEN_SERVER2_PID"
    tok=$(curl -s -u "$REGISTRY2_USERNAME:$REGISTRY2_PASSWORD" "$TOKEN_SERVER2_URL/token?scope=repository:dst/x:pull,push" | "$RELKIT_PYTHON" -c "import json,sys; print(json.load(sys.stdin)[\"token\"])")
    curl -s -o /dev/null -D - -X POST -H "Authorization: Bearer $tok" "$REGISTRY2_URL/v2/dst/x/blobs/uploads/" | grep -i ^location: | cut -d" " -f2 | cut -c1-20
  ' 2>"$work/second.err")
  local rc=$?
  eq "second: with-registry runs the command" 0 "$rc"
  [ "$rc" = 0 ] || { cat "$work/second.err"; return; }
  local digest pids
  digest=$(FIXTURES=$(ls "$work"/noauth/fixtures/fixtures.json) fixture multi 'i["digest"]')
  eq "second: cross-registry copy keeps the index digest" "$digest" "sha256:$(echo "$out" | sed -n 1p)"
  eq "second: registry 1 password refused by token server 2" 401 "$(echo "$out" | sed -n 2p)"
  pids=$(echo "$out" | sed -n 3p)
  check "second: everything stopped on exit" bash -c "! ps -o stat= -p ${pids// /,} | grep -qv Z"
  eq "second: --relative-urls gives relative Locations" "/v2/dst/x/blobs/uplo" "$(echo "$out" | sed -n 4p)"
}

start=$(now_ms)
run_mode noauth
run_mode token
second_registry
echo "# total $(secs $(($(now_ms) - start))) s"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
