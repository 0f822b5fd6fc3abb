"""A minimal Kubernetes API client over the kubeconfig's client certificate:
persistent HTTPS connections, loopback only (the benchmark never talks to
anything but the rig)."""

import base64
import http.client
import ipaddress
import json
import os
import socket
import ssl
import subprocess
import tempfile
import urllib.parse


def pop_kubectl(args):
    """The value of `--kubectl K` among a script's arguments, taken out of
    them ("kubectl" when not given): the kubectl that reads the
    kubeconfig."""
    if "--kubectl" not in args:
        return "kubectl"
    i = args.index("--kubectl")
    kubectl = args[i + 1]
    del args[i : i + 2]
    return kubectl


class Kubeconfig:
    def __init__(self, path, kubectl="kubectl"):
        raw = subprocess.run(
            [kubectl, "--kubeconfig", path, "config", "view", "--raw", "--minify", "-o", "json"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        cfg = json.loads(raw)
        cluster = cfg["clusters"][0]["cluster"]
        user = cfg["users"][0]["user"]
        url = urllib.parse.urlsplit(cluster["server"])
        self.host = url.hostname
        self.port = url.port or 443
        if not _is_loopback(self.host):
            raise SystemExit(f"bench: refusing to talk to {self.host}: the benchmark only uses a rig on 127.0.0.0/8")
        self._dir = tempfile.mkdtemp(prefix="jhub-bench-tls-")
        self.ca = self._write("ca.crt", cluster["certificate-authority-data"])
        self.cert = self._write("client.crt", user["client-certificate-data"])
        self.key = self._write("client.key", user["client-key-data"])

    def _write(self, name, b64):
        path = os.path.join(self._dir, name)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(base64.b64decode(b64))
        return path

    def context(self):
        ctx = ssl.create_default_context(cafile=self.ca)
        ctx.load_cert_chain(self.cert, self.key)
        return ctx

    def close(self):
        for name in ("ca.crt", "client.crt", "client.key"):
            try:
                os.unlink(os.path.join(self._dir, name))
            except FileNotFoundError:
                pass
        try:
            os.rmdir(self._dir)
        except OSError:
            pass


def _is_loopback(host):
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class Connection:
    """One persistent HTTPS connection; reconnects once on a dropped one."""

    def __init__(self, kc):
        self.kc = kc
        self.ctx = kc.context()
        self.conn = None

    def _connect(self):
        self.conn = http.client.HTTPSConnection(self.kc.host, self.kc.port, context=self.ctx, timeout=30)
        self.conn.connect()
        self.conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def request(self, method, path, body=None, content_type="application/json",
                accept="application/json"):
        for attempt in (0, 1):
            if self.conn is None:
                self._connect()
            try:
                headers = {"Accept": accept}
                if body is not None:
                    headers["Content-Type"] = content_type
                self.conn.request(method, path, body=body, headers=headers)
                resp = self.conn.getresponse()
                data = resp.read()
                return resp.status, data
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = None
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def stream(self, path, accept="application/json"):
        """A GET whose answer is read as it comes (a watch): the response,
        its status unchecked, on a socket that waits as long as it takes.
        The connection is the stream's until it ends."""
        if self.conn is None:
            self._connect()
        self.conn.sock.settimeout(None)
        self.conn.request("GET", path, headers={"Accept": accept})
        return self.conn.getresponse()

    def get_json(self, path, accept="application/json"):
        status, data = self.request("GET", path, accept=accept)
        if status != 200:
            raise RuntimeError(f"GET {path}: HTTP {status}: {data[:300]!r}")
        return json.loads(data)

    def close(self):
        if self.conn is not None:
            self.conn.close()
