#!/usr/bin/python3
"""Start and stop the relkit registry peer: Debian docker-registry (distribution 2.8)
on 127.0.0.1, optionally behind the token server of token_server.py.

  peer.py start --mode noauth|token --dir WORKDIR --env-file FILE [options]
  peer.py stop ENV_FILE

`start` returns once GET /v2/ answers (200, or 401 in token mode), within --timeout
seconds; the processes keep running in their own sessions and are stopped by PID
with `stop` (never by name). See README.md.
"""
import argparse
import datetime
import os
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ISSUER = "relkit-token-server"
SERVICE = "relkit-registry"


def die(msg):
    sys.stderr.write("registry-peer: error: %s\n" % msg)
    sys.exit(1)


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def make_key_and_cert(keyfile, certfile):
    """EC P-256 key and a self-signed certificate for it (the registry's rootcertbundle)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, ISSUER)])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    fd = os.open(keyfile, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM,
                                  serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    with open(certfile, "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))


def registry_config(a, port, realm):
    """distribution 2.8 configuration (YAML)."""
    lines = [
        "version: 0.1",
        "log:",
        "  level: %s" % a.log_level,
        "  formatter: json",
        "  accesslog:",
        "    disabled: false",
        "  fields:",
        "    service: registry",
        "storage:",
        "  filesystem:",
        "    rootdirectory: %s" % os.path.join(a.dir, "storage"),
        "  delete:",
        "    enabled: true",
        "  redirect:",
        "    disable: true",
        "  maintenance:",
        "    uploadpurging:",
        "      enabled: false",
        "http:",
        "  addr: 127.0.0.1:%d" % port,
        "  secret: relkit-registry-peer-secret",
        "  relativeurls: %s" % ("true" if a.relative_urls else "false"),
        "  draintimeout: 1s",
        "  headers:",
        "    X-Content-Type-Options: [nosniff]",
        "health:",
        "  storagedriver:",
        "    enabled: false",
    ]
    if a.mode == "token":
        lines += [
            "auth:",
            "  token:",
            "    realm: %s" % realm,
            "    service: %s" % SERVICE,
            "    issuer: %s" % ISSUER,
            "    rootcertbundle: %s" % os.path.join(a.dir, "token", "cert.pem"),
        ]
    return "\n".join(lines) + "\n"


def spawn(argv, logpath):
    # distribution reads REGISTRY_<SECTION>_<KEY> variables as configuration overrides
    # (REGISTRY_LOG=... breaks its YAML parsing): the peer's own exported variables
    # must not reach it
    env = {k: v for k, v in os.environ.items() if not k.startswith("REGISTRY")}
    log = open(logpath, "ab")
    try:
        return subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True,
                                close_fds=True, env=env)
    finally:
        log.close()


def kill_and_wait(pid, timeout=10.0):
    """SIGTERM, then SIGKILL after timeout; returns once the process is gone."""
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not alive(pid):
            return
        time.sleep(0.05)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        return
    while alive(pid):
        time.sleep(0.05)


def alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False
    if state == "Z":
        try:  # our own child: reap it
            os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            pass
        return False
    return True


def probe(url):
    """HTTP status of GET url, or None if nothing answers."""
    try:
        with urllib.request.urlopen(url, timeout=1) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code
    except (urllib.error.URLError, OSError):
        return None


def start_token_server(a, deadline):
    tdir = os.path.join(a.dir, "token")
    os.makedirs(tdir, exist_ok=True)
    key, cert = os.path.join(tdir, "key.pem"), os.path.join(tdir, "cert.pem")
    make_key_and_cert(key, cert)
    portfile = os.path.join(tdir, "port")
    if os.path.exists(portfile):
        os.unlink(portfile)
    argv = [sys.executable, os.path.join(HERE, "token_server.py"), "--port-file", portfile,
            "--key", key, "--users", a.users, "--password-suffix", a.password_suffix,
            "--issuer", ISSUER, "--service", SERVICE, "--ttl", str(a.token_ttl)]
    proc = spawn(argv, os.path.join(a.dir, "token.log"))
    while time.monotonic() < deadline:
        if os.path.exists(portfile):
            with open(portfile) as f:
                return proc, int(f.read())
        if proc.poll() is not None:
            die("token server exited with status %d, see '%s'"
                % (proc.returncode, os.path.join(a.dir, "token.log")))
        time.sleep(0.02)
    kill_and_wait(proc.pid)
    die("token server did not start within %ss" % a.timeout)


def start_registry(a, realm, deadline):
    """Start docker-registry on a free port; retry if another process took the port."""
    logpath = os.path.join(a.dir, "registry.log")
    cfgpath = os.path.join(a.dir, "config.yml")
    for _ in range(5):
        port = free_port()
        with open(cfgpath, "w") as f:
            f.write(registry_config(a, port, realm))
        proc = spawn(["docker-registry", "serve", cfgpath], logpath)
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                break
            status = probe("http://127.0.0.1:%d/v2/" % port)
            if status in (200, 401):
                return proc, port
            time.sleep(0.05)
        else:
            kill_and_wait(proc.pid)
            return None, None
        with open(logpath, "rb") as f:
            if b"address already in use" not in f.read():
                die("docker-registry exited with status %d, see '%s'" % (proc.returncode, logpath))
    return None, None


def write_auth_file(path, addr, user, password):
    """containers-auth.json(5) for skopeo: the pusher's credentials for this registry only."""
    import base64
    import json

    auth = base64.b64encode(("%s:%s" % (user, password)).encode()).decode()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump({"auths": {addr: {"auth": auth}}}, f)


def write_env(path, env):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        for k, v in env:
            f.write("%s=%s\n" % (k, shlex.quote(str(v))))
    os.replace(tmp, path)


def user_password(users, name, suffix):
    import json

    with open(users) as f:
        return json.load(f)["users"][name]["password"] + suffix


def cmd_start(a):
    a.dir = os.path.abspath(a.dir)
    os.makedirs(os.path.join(a.dir, "storage"), exist_ok=True)
    deadline = time.monotonic() + a.timeout
    token_proc, realm = None, ""
    if a.mode == "token":
        token_proc, tport = start_token_server(a, deadline)
        realm = "http://127.0.0.1:%d/token" % tport
    try:
        reg, port = start_registry(a, realm, deadline)
    except SystemExit:
        if token_proc:
            kill_and_wait(token_proc.pid)
        raise
    if reg is None:
        if token_proc:
            kill_and_wait(token_proc.pid)
        die("docker-registry did not answer GET /v2/ within %ss, see '%s'"
            % (a.timeout, os.path.join(a.dir, "registry.log")))
    password = user_password(a.users, "pusher", a.password_suffix)
    authfile = os.path.join(a.dir, "auth.json")
    write_auth_file(authfile, "127.0.0.1:%d" % port, "pusher", password)
    env = [
        ("REGISTRY_MODE", a.mode),
        ("REGISTRY_ADDR", "127.0.0.1:%d" % port),
        ("REGISTRY_URL", "http://127.0.0.1:%d" % port),
        ("REGISTRY_PID", reg.pid),
        ("REGISTRY_DIR", a.dir),
        ("REGISTRY_LOG", os.path.join(a.dir, "registry.log")),
        ("REGISTRY_CONFIG", os.path.join(a.dir, "config.yml")),
        ("REGISTRY_USERNAME", "pusher"),
        ("REGISTRY_PASSWORD", password),
        ("REGISTRY_SKOPEO_AUTHFILE", authfile),
    ]
    if a.mode == "token":
        env += [
            ("REGISTRY_TOKEN_REALM", realm),
            ("REGISTRY_TOKEN_SERVICE", SERVICE),
            ("REGISTRY_READER_USERNAME", "reader"),
            ("REGISTRY_READER_PASSWORD", user_password(a.users, "reader", a.password_suffix)),
            ("TOKEN_SERVER_PID", token_proc.pid),
            ("TOKEN_SERVER_URL", realm.rsplit("/", 1)[0]),
            ("TOKEN_SERVER_LOG", os.path.join(a.dir, "token.log")),
        ]
    write_env(a.env_file, env)
    return 0


def read_env(path):
    env = {}
    with open(path) as f:
        for line in f:
            k, sep, v = line.rstrip("\n").partition("=")
            if sep:
                env[k] = (shlex.split(v) or [""])[0]
    return env


def cmd_stop(a):
    """Stop every REGISTRY*_PID / TOKEN_SERVER*_PID of the env file, registries first."""
    import re

    env = read_env(a.env_file)
    pids = []
    for key, value in env.items():
        m = re.fullmatch(r"(REGISTRY|TOKEN_SERVER)\d*_PID", key)
        if m and value:
            expect = "docker-registry" if m.group(1) == "REGISTRY" else "token_server.py"
            pids.append((m.group(1) != "REGISTRY", int(value), expect))
    for _, pid, expect in sorted(pids):
        try:
            with open("/proc/%d/cmdline" % pid, "rb") as f:
                cmdline = f.read()
        except (FileNotFoundError, ProcessLookupError):
            continue
        if expect.encode() not in cmdline:
            continue  # the PID was reused by someone else: not ours any more
        kill_and_wait(pid)
    return 0


def main():
    ap = argparse.ArgumentParser(description="relkit registry peer")
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("start")
    s.add_argument("--mode", choices=("noauth", "token"), default="noauth")
    s.add_argument("--dir", required=True, help="work directory (storage, logs, config)")
    s.add_argument("--env-file", required=True)
    s.add_argument("--users", default=os.path.join(HERE, "users.json"))
    s.add_argument("--password-suffix", default="",
                   help="appended to every password (a second, independent registry)")
    s.add_argument("--log-level", choices=("error", "warn", "info", "debug"), default="info")
    s.add_argument("--relative-urls", action="store_true",
                   help="relative Location headers (http.relativeurls)")
    s.add_argument("--token-ttl", type=int, default=300)
    s.add_argument("--timeout", type=float, default=20.0)
    t = sub.add_parser("stop")
    t.add_argument("env_file")
    a = ap.parse_args()
    return cmd_start(a) if a.cmd == "start" else cmd_stop(a)


if __name__ == "__main__":
    sys.exit(main())
