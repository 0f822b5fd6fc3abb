"""The rig's real hub: the parts of `dev/cluster hub` that read API objects.

Run with the hub venv's Python (dev/build hub): the standard library and
pyyaml (which the chart's z2jh.py needs too).

  righub.py prepare --namespace NS --release R --dir DIR ...
      Reads the release's hub ConfigMap and Secret, its hub and proxy
      Deployments and its proxy-public Service (waiting for the load
      balancer's IP), and writes into DIR what the hub pod would see:
        etc/             = /usr/local/etc/jupyterhub/ in the pod
          jupyterhub_config.py, z2jh.py   the ConfigMap's, with that path
                                          pointed at DIR/etc/
          config/KEY      every ConfigMap key (the `config` volume)
          secret/KEY      every Secret key (the `secret` volume)
          rig_config.py   the wrapper (dev/rig/hub/rig_config.py)
        srv/claim-UID/   = /srv/jupyterhub (the hub-db-dir claim, by uid),
                         the working directory: the sqlite database
        kubeconfig       the rig's API server with a token of the hub's
                         ServiceAccount (what the pod's projected token is)
        run/{hub,proxy,standin}.json   argv, env and working directory of
                                       each process (0600: they hold tokens)
        run/portforwards.yaml          KWOK PortForward objects
        state.env        ports, IPs and pod names, for dev/cluster
      Files are 0600 and directories 0700. Nothing secret is printed.

  righub.py fingerprint --namespace NS --release R ...
      Prints what a change of the hub's or proxy's pod template changes
      (dev/cluster hub up restarts a running hub when it differs).

  righub.py exec FILE.json
      Becomes the process FILE describes (os.execve), so that the pid that
      dev/cluster recorded is the process itself.

  righub.py standin --listen 127.0.0.1:PORT --hub-version V
      The stand-in for every single-user server of one hub: answers any
      path (see dev/README.md, "A real hub").
"""

import argparse
import base64
import hashlib
import http.server
import json
import os
import re
import shutil
import signal
import socket
import socketserver
import subprocess
import sys
import time

import yaml

MOUNT = "/usr/local/etc/jupyterhub/"


def die(msg):
    print(f"[rig] error: {msg}", file=sys.stderr)
    sys.exit(1)


class Kube:
    def __init__(self, kubectl, kubeconfig, namespace):
        self.kubectl = kubectl
        self.kubeconfig = kubeconfig
        self.namespace = namespace

    def run(self, *args, check=True):
        cmd = [self.kubectl, "--kubeconfig", self.kubeconfig, "-n", self.namespace, *args]
        p = subprocess.run(cmd, capture_output=True, text=True)
        if check and p.returncode != 0:
            # kubectl's errors name objects, never their data.
            die(f"kubectl {' '.join(args[:3])}: {p.stderr.strip()}")
        return p

    def get(self, *args, check=True):
        p = self.run("get", *args, "-o", "json", check=check)
        return json.loads(p.stdout) if p.returncode == 0 else None


def write_private(path, data):
    """Writes bytes or text to path, 0600 from the start."""
    if isinstance(data, str):
        data = data.encode()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.chmod(path, 0o600)


def private_dir(path):
    os.makedirs(path, mode=0o700, exist_ok=True)
    os.chmod(path, 0o700)


def free_ports(start, count, taken):
    """`count` ports from `start` up (below 32768, out of the ephemeral
    range) that nothing on 127.0.0.1 has bound, listening or connected."""
    found = []
    port = start
    while len(found) < count:
        if port >= 32768:
            die(f"no {count} free ports between {start} and 32767 on 127.0.0.1")
        if port not in taken:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            try:
                s.bind(("127.0.0.1", port))
                found.append(port)
            except OSError:
                pass
            finally:
                s.close()
        port += 1
    return found


def env_name(service_name):
    return service_name.upper().replace("-", "_")


VAR_REF = re.compile(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)")


def expand(text, env):
    """Kubernetes' $(VAR) expansion in env values, command and args."""
    return VAR_REF.sub(lambda m: env.get(m.group(1), m.group(0)), text)


def newest_pod(kube, selector):
    pods = kube.get("pods", "-l", selector)["items"]
    pods = [p for p in pods if "deletionTimestamp" not in p["metadata"]]
    pods.sort(key=lambda p: p["metadata"]["creationTimestamp"])
    return pods[-1] if pods else None


class Resolver:
    """The env of a container as the kubelet makes it, from the rig's
    objects: Secrets and ConfigMaps read once each."""

    def __init__(self, kube, pod_fields):
        self.kube = kube
        self.pod_fields = pod_fields
        self.cache = {}

    def data(self, kind, name):
        key = (kind, name)
        if key not in self.cache:
            obj = self.kube.get(kind, name, check=False)
            data = (obj or {}).get("data") or {}
            if kind == "secret":
                data = {k: base64.b64decode(v).decode() for k, v in data.items()}
            self.cache[key] = data if obj else None
        return self.cache[key]

    def container_env(self, container, env):
        for src in container.get("envFrom") or []:
            prefix = src.get("prefix", "")
            for kind, ref in (("secret", src.get("secretRef")), ("configmap", src.get("configMapRef"))):
                if ref:
                    data = self.data(kind, ref["name"])
                    if data is None and not ref.get("optional"):
                        die(f"envFrom: no {kind} {ref['name']}")
                    for k, v in (data or {}).items():
                        env[prefix + k] = v
        for e in container.get("env") or []:
            name = e["name"]
            if "value" in e:
                env[name] = expand(e["value"], env)
                continue
            vf = e.get("valueFrom") or {}
            if "fieldRef" in vf:
                path = vf["fieldRef"]["fieldPath"]
                if path in self.pod_fields:
                    env[name] = self.pod_fields[path]
                else:
                    print(f"[rig] {name}: fieldRef {path} is not known on the rig; left unset", file=sys.stderr)
            elif "secretKeyRef" in vf or "configMapKeyRef" in vf:
                kind = "secret" if "secretKeyRef" in vf else "configmap"
                ref = vf.get("secretKeyRef") or vf.get("configMapKeyRef")
                data = self.data(kind, ref["name"])
                if data is not None and ref["key"] in data:
                    env[name] = data[ref["key"]]
                elif not ref.get("optional"):
                    die(f"env {name}: no key {ref['key']} in {kind} {ref['name']}")
            else:
                print(f"[rig] {name}: {list(vf)} is not known on the rig; left unset", file=sys.stderr)
        return env


def drop_flags(argv, names):
    """argv without `--name=value` and `--name value` for each name."""
    out = []
    skip = False
    for a in argv:
        if skip:
            skip = False
            continue
        flag = a.split("=", 1)[0]
        if flag in names:
            skip = "=" not in a
            continue
        out.append(a)
    return out


def wait_lb_ip(kube, service, timeout):
    t0 = time.monotonic()
    while True:
        svc = kube.get("service", service, check=False)
        if svc is None:
            die(f"no Service {service} in namespace {kube.namespace}")
        if svc["spec"].get("type") != "LoadBalancer":
            die(f"Service {service} is of type {svc['spec'].get('type')}, not LoadBalancer: the rig serves the hub at a load balancer's IP only")
        ingress = (svc.get("status", {}).get("loadBalancer") or {}).get("ingress") or []
        ip = ingress[0].get("ip") if ingress else None
        if ip:
            if not ip.startswith("127."):
                die(f"Service {service} has load balancer IP {ip}, not a loopback address: refusing to listen or send there")
            port = next((p["port"] for p in svc["spec"]["ports"] if p.get("name") == "http"), None)
            return ip, port
        if time.monotonic() - t0 > timeout:
            die(f"Service {service} got no load balancer IP in {timeout}s (is lb-controller running? dev/cluster status)")
        time.sleep(0.5)


def fingerprint_of(hub_deploy, proxy_deploy):
    """What a hub pod restart follows: the hub and proxy Deployments' pod
    templates (the chart puts its ConfigMap's and Secret's checksums in the
    hub's), so a helm upgrade that replaces the pods restarts the rig's hub."""
    templates = [d["spec"]["template"] if d else None for d in (hub_deploy, proxy_deploy)]
    return hashlib.sha256(json.dumps(templates, sort_keys=True).encode()).hexdigest()[:16]


def release_names(kube, release):
    sel = f"component=hub,release={release}"
    cms = [cm for cm in kube.get("configmaps", "-l", sel)["items"] if "jupyterhub_config.py" in (cm.get("data") or {})]
    if not cms:
        die(f"no hub ConfigMap (labels {sel}, key jupyterhub_config.py) in namespace {kube.namespace}: is {release} a z2jh release there?")
    if len(cms) > 1:
        die(f"{len(cms)} hub ConfigMaps match {sel} in namespace {kube.namespace}")
    return cms[0]


def fingerprint(a):
    kube = Kube(a.kubectl, a.kubeconfig, a.namespace)
    names = release_names(kube, a.release)["data"]
    print(fingerprint_of(kube.get("deployment", names["hub"], check=False),
                         kube.get("deployment", names.get("proxy", "proxy"), check=False)))


def prepare(a):
    kube = Kube(a.kubectl, a.kubeconfig, a.namespace)
    sel = f"component=hub,release={a.release}"
    cm_obj = release_names(kube, a.release)
    cm = cm_obj["data"]
    names = {k: v for k, v in cm.items() if "\n" not in v}
    for key in ("hub", "proxy", "proxy-api", "proxy-public"):
        if not names.get(key):
            die(f"the hub ConfigMap {cm_obj['metadata']['name']} has no name for {key}")
    secret = kube.get("secret", names["hub"], check=False)
    if secret is None:
        die(f"no Secret {names['hub']} (the hub's) in namespace {a.namespace}")
    secret_data = {k: base64.b64decode(v) for k, v in (secret.get("data") or {}).items()}
    # The hub may reach nothing beyond loopback: a database server would be
    # somewhere else.
    values = yaml.safe_load(secret_data.get("values.yaml", b"")) or {}
    db_type = ((values.get("hub") or {}).get("db") or {}).get("type")
    if db_type not in ("sqlite-pvc", "sqlite-memory"):
        die(f"hub.db.type is {db_type}: the rig's hub runs with sqlite only (sqlite-pvc, sqlite-memory)")
    hub_deploy = kube.get("deployment", names["hub"])
    proxy_deploy = kube.get("deployment", names["proxy"], check=False)
    if proxy_deploy is None:
        die(f"no Deployment {names['proxy']}: the rig runs configurable-http-proxy as the chart's proxy (proxy.chp) only")

    lb_ip, lb_port = wait_lb_ip(kube, names["proxy-public"], a.lb_timeout)
    hub_pod = newest_pod(kube, sel)
    proxy_pod = newest_pod(kube, f"component=proxy,release={a.release}")

    d = os.path.abspath(a.dir)
    os.umask(0o077)
    for sub in ("", "etc", "etc/config", "etc/secret", "srv", "home", "logs", "run"):
        private_dir(os.path.join(d, sub))
    etc = os.path.join(d, "etc") + "/"
    # The ConfigMap and Secret volumes, fresh each time (a key removed by an
    # upgrade must not linger).
    for sub, data in (("config", {k: v.encode() for k, v in cm.items()}), ("secret", secret_data)):
        path = os.path.join(etc, sub)
        for old in os.listdir(path):
            os.unlink(os.path.join(path, old))
        for k, v in data.items():
            write_private(os.path.join(path, k), v)
    # The two files mounted by subPath, with the mount path moved here.
    for f in ("jupyterhub_config.py", "z2jh.py"):
        write_private(os.path.join(etc, f), cm[f].replace(MOUNT, etc))
    shutil.copyfile(a.wrapper, os.path.join(etc, "rig_config.py"))
    os.chmod(os.path.join(etc, "rig_config.py"), 0o600)

    # Ports: the hub, the proxy's API, the stand-in; not those of a hub of
    # this rig that is still starting.
    taken = set()
    hubs = os.path.dirname(d)
    for other in os.listdir(hubs):
        st = os.path.join(hubs, other, "state.env")
        if other != os.path.basename(d) and os.path.exists(st):
            for line in open(st):
                m = re.match(r"(HUB|API|STANDIN)_PORT=(\d+)", line)
                if m:
                    taken.add(int(m.group(2)))
    hub_port, api_port, standin_port = free_ports(a.port_from, 3, taken)

    # The hub's ServiceAccount, as the pod's projected token would be.
    spec = hub_deploy["spec"]["template"]["spec"]
    sa = spec.get("serviceAccountName") or "default"
    tok = kube.run("create", "token", sa, "--duration", "168h")
    token = tok.stdout.strip()
    view = json.loads(subprocess.run(
        [a.kubectl, "--kubeconfig", a.kubeconfig, "config", "view", "--raw", "--minify", "-o", "json"],
        capture_output=True, text=True, check=True).stdout)
    cluster = view["clusters"][0]["cluster"]
    kubeconfig = {
        "apiVersion": "v1", "kind": "Config",
        "clusters": [{"name": "rig", "cluster": {"server": cluster["server"], "certificate-authority-data": cluster["certificate-authority-data"]}}],
        "users": [{"name": f"system:serviceaccount:{a.namespace}:{sa}", "user": {"token": token}}],
        "contexts": [{"name": "rig", "context": {"cluster": "rig", "user": f"system:serviceaccount:{a.namespace}:{sa}", "namespace": a.namespace}}],
        "current-context": "rig",
    }
    write_private(os.path.join(d, "kubeconfig"), json.dumps(kubeconfig))

    node = shutil.which("node")
    if not node:
        die("node is not on PATH (configurable-http-proxy needs it)")
    venv_bin = os.path.join(a.venv, "bin")
    path = ":".join(dict.fromkeys([venv_bin, os.path.dirname(node), "/usr/local/bin", "/usr/bin", "/bin"]))
    base = {"PATH": path, "HOME": os.path.join(d, "home"), "LANG": "C.UTF-8"}
    # What Kubernetes gives a pod for each Service of its namespace (here
    # the three the chart's config reads), pointed at where they really are.
    services = {}
    for key, host, port in (("hub", "127.0.0.1", hub_port), ("proxy-api", "127.0.0.1", api_port), ("proxy-public", lb_ip, lb_port or 80)):
        n = env_name(names[key])
        services[f"{n}_SERVICE_HOST"] = host
        services[f"{n}_SERVICE_PORT"] = str(port)
        services[f"{n}_PORT"] = f"tcp://{host}:{port}"

    def fields(pod):
        f = {"metadata.namespace": a.namespace, "status.podIP": "127.0.0.1", "status.hostIP": "127.0.0.1"}
        if pod:
            f["metadata.name"] = pod["metadata"]["name"]
            f["metadata.uid"] = pod["metadata"]["uid"]
            f["spec.nodeName"] = pod["spec"].get("nodeName", "")
            f["spec.serviceAccountName"] = pod["spec"].get("serviceAccountName", "")
        return f

    # The hub: its container's command and env, as the Deployment has them.
    c = next(c for c in spec["containers"] if c["name"] == "hub")
    env = dict(base, **services)
    env = Resolver(kube, fields(hub_pod)).container_env(c, env)
    env.update({
        "KUBECONFIG": os.path.join(d, "kubeconfig"),
        "JHUB_RIG_RELEASE_CONFIG": os.path.join(etc, "jupyterhub_config.py"),
        "JHUB_RIG_HUB_PORT": str(hub_port),
        "JHUB_RIG_PROXY_API_PORT": str(api_port),
        "JHUB_RIG_STANDIN_URL": f"http://127.0.0.1:{standin_port}",
    })
    argv = [expand(x, env) for x in (c.get("command") or []) + (c.get("args") or [])]
    if not argv or argv[0] != "jupyterhub":
        die(f"the hub container runs {argv[:1]}, not jupyterhub (hub.command / hub.args): not supported on the rig")
    argv[0] = os.path.join(venv_bin, "jupyterhub")
    argv = [x.replace(MOUNT, etc) for x in argv]
    argv = [x.replace(etc + "jupyterhub_config.py", etc + "rig_config.py") for x in argv]
    if etc + "rig_config.py" not in " ".join(argv):
        die(f"the hub's args do not load {MOUNT}jupyterhub_config.py: not supported on the rig")
    # /srv/jupyterhub is the hub-db-dir claim (hub.db.type sqlite-pvc): one
    # directory per claim, so a release installed anew (a new claim) starts
    # with an empty database, as on GKE, and an upgrade keeps it.
    srv = os.path.join(d, "srv")
    claim = kube.get("pvc", names.get("hub-pvc", ""), check=False) if names.get("hub-pvc") else None
    if claim:
        srv = os.path.join(srv, f"claim-{claim['metadata']['uid']}")
        private_dir(srv)
    write_private(os.path.join(d, "run/hub.json"), json.dumps({"argv": argv, "env": env, "cwd": srv}))

    # The proxy: the chart's configurable-http-proxy flags, with its
    # addresses moved: public on the load balancer's IP (the Service's port,
    # as the load balancer would forward it), API and targets on loopback.
    pspec = proxy_deploy["spec"]["template"]["spec"]
    pc = next((c for c in pspec["containers"] if c["name"] == "chp"), None)
    if pc is None:
        die(f"the proxy Deployment {names['proxy']} has no chp container")
    penv = dict(base, **services)
    penv = Resolver(kube, fields(proxy_pod)).container_env(pc, penv)
    pargv = [expand(x, penv) for x in (pc.get("command") or []) + (pc.get("args") or [])]
    if not pargv or pargv[0] != "configurable-http-proxy":
        die(f"the proxy runs {pargv[:1]}, not configurable-http-proxy")
    if any(x.split("=", 1)[0] in ("--ssl-key", "--ssl-cert", "--redirect-port") for x in pargv):
        die("the proxy serves https (proxy.https): the rig's load balancer is plain http")
    pargv[0] = a.chp
    pargv = drop_flags(pargv, {"--ip", "--api-ip", "--api-port", "--default-target", "--error-target", "--port"})
    pargv += [f"--ip={lb_ip}", "--api-ip=127.0.0.1", f"--api-port={api_port}",
              f"--default-target=http://127.0.0.1:{hub_port}",
              f"--error-target=http://127.0.0.1:{hub_port}/hub/error", f"--port={lb_port or 80}"]
    write_private(os.path.join(d, "run/proxy.json"), json.dumps({"argv": pargv, "env": penv, "cwd": os.path.join(d, "home")}))

    # The venv's JupyterHub, read from its metadata (`jupyterhub --version`
    # imports the whole application: seconds).
    version = subprocess.run([os.path.join(venv_bin, "python"), "-c", "import importlib.metadata as m; print(m.version('jupyterhub'))"],
                             capture_output=True, text=True).stdout.strip()
    sargv = [os.path.join(venv_bin, "python"), os.path.abspath(__file__), "standin",
             "--listen", f"127.0.0.1:{standin_port}", "--hub-version", version]
    write_private(os.path.join(d, "run/standin.json"), json.dumps({"argv": sargv, "env": base, "cwd": os.path.join(d, "home")}))

    # kubectl port-forward to the hub pod (8081) and the proxy pod (its
    # container ports) reaches these processes through KWOK.
    forwards = []
    for pod, ports in ((hub_pod, [(8081, "127.0.0.1", hub_port)]),
                       (proxy_pod, [(8000, lb_ip, lb_port or 80), (8001, "127.0.0.1", api_port)])):
        if not pod:
            continue
        m = pod["metadata"]
        forwards.append({
            "apiVersion": "kwok.x-k8s.io/v1alpha1", "kind": "PortForward",
            "metadata": {
                "name": m["name"], "namespace": a.namespace,
                "labels": {"rig.jhub-cockpit/hub": a.release},
                "ownerReferences": [{"apiVersion": "v1", "kind": "Pod", "name": m["name"], "uid": m["uid"]}],
            },
            "spec": {"forwards": [{"ports": [p], "target": {"address": addr, "port": t}} for p, addr, t in ports]},
        })
    write_private(os.path.join(d, "run/portforwards.json"), json.dumps({"apiVersion": "v1", "kind": "List", "items": forwards}))

    state = {
        "HUB_PORT": hub_port, "API_PORT": api_port, "STANDIN_PORT": standin_port,
        "LB_IP": lb_ip, "LB_PORT": lb_port or 80,
        "HUB_POD": hub_pod["metadata"]["name"] if hub_pod else "",
        "PROXY_POD": proxy_pod["metadata"]["name"] if proxy_pod else "",
        "NAMESPACE": a.namespace, "RELEASE": a.release,
        "FINGERPRINT": fingerprint_of(hub_deploy, proxy_deploy),
    }
    write_private(os.path.join(d, "state.env"), "".join(f"{k}={v}\n" for k, v in state.items()))


def do_exec(a):
    spec = json.load(open(a.file))
    # What the processes write (the database, caches) is theirs alone.
    os.umask(0o077)
    # A background job of a non-interactive shell starts with SIGINT and
    # SIGQUIT ignored, and that is inherited through exec: the hub's
    # managed services (the idle culler) would then ignore the SIGINT the
    # hub stops them with, and every hub shutdown would wait 10 s for them.
    # A container starts with neither ignored.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGQUIT, signal.SIG_DFL)
    os.chdir(spec["cwd"])
    os.execve(spec["argv"][0], spec["argv"], spec["env"])


class StandIn(http.server.BaseHTTPRequestHandler):
    """Every single-user server of one hub. The hub waits for a server by
    asking for <its URL>/api (any answer below 500 will do) and reads the
    X-JupyterHub-Version header; through the proxy, /user/<name>/... is
    routed here for every user."""

    hub_version = ""

    def answer(self):
        path = self.path.split("?", 1)[0]
        if path.rstrip("/").endswith("/api"):
            body = json.dumps({"version": "rig stand-in"}).encode()
            ctype = "application/json"
        else:
            body = (
                "<!doctype html><title>rig stand-in</title>"
                "<p>No single-user server runs on the rig: this is its stand-in "
                "(dev/cluster hub). The pod exists; its container does not.</p>\n"
            ).encode()
            ctype = "text/html; charset=utf-8"
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-JupyterHub-Version", self.hub_version)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = answer

    def log_message(self, fmt, *args):
        # The path without its query (a ?token= must not reach the log).
        sys.stderr.write(f"{self.log_date_time_string()} {self.command} {self.path.split('?', 1)[0]}\n")


def standin(a):
    host, port = a.listen.rsplit(":", 1)
    if not host.startswith("127."):
        die("the stand-in listens on loopback only")
    StandIn.hub_version = a.hub_version

    class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
        daemon_threads = True
        allow_reuse_address = True

    srv = Server((host, int(port)), StandIn)
    print(f"rig stand-in for single-user servers on http://{host}:{port}", file=sys.stderr, flush=True)
    srv.serve_forever()


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    pp = sub.add_parser("prepare")
    pp.add_argument("--namespace", required=True)
    pp.add_argument("--release", required=True)
    pp.add_argument("--dir", required=True)
    pp.add_argument("--kubectl", required=True)
    pp.add_argument("--kubeconfig", required=True)
    pp.add_argument("--venv", required=True)
    pp.add_argument("--chp", required=True)
    pp.add_argument("--wrapper", required=True)
    pp.add_argument("--port-from", type=int, required=True)
    pp.add_argument("--lb-timeout", type=int, default=90)
    pf = sub.add_parser("fingerprint")
    for arg in ("--namespace", "--release", "--kubectl", "--kubeconfig"):
        pf.add_argument(arg, required=True)
    pe = sub.add_parser("exec")
    pe.add_argument("file")
    ps = sub.add_parser("standin")
    ps.add_argument("--listen", required=True)
    ps.add_argument("--hub-version", default="")
    a = p.parse_args()
    {"prepare": prepare, "fingerprint": fingerprint, "exec": do_exec, "standin": standin}[a.cmd](a)


if __name__ == "__main__":
    main()
