#!/usr/bin/env python3
"""What the API server itself spends on the reads the cockpit makes, with
no tool in the way: the floor under a tool's figures on this machine.

    server_reads.py KUBECONFIG NAMESPACE [--runs N] [--kubectl K]

For the namespace's pods and events, the streaming list as the cockpit's
watchers ask for it (a watch with `sendInitialEvents`, in protobuf, read
until the bookmark that ends the objects): its time, its bytes and the
API server's CPU over it. Then the reads' probe (every 400 ms while the
panes are live) in two forms: the one-item list of the namespace's pods
that the cockpit sent until 2026-12-06, and the GET of a pod name no pod
has that it sends since: time per request and the API server's CPU per
request.

The API server's CPU is its process's utime + stime from /proc, the
process found by the kubeconfig's port, so this runs on the rig's machine,
and means something only while nothing else loads the rig.
"""

import statistics
import subprocess
import sys
import time
import urllib.parse

from kubeapi import Connection, Kubeconfig, pop_kubectl

PROTOBUF_WATCH = "application/vnd.kubernetes.protobuf;stream=watch"
# The annotation of the bookmark that ends a streaming list's objects.
END_OF_LIST = b"k8s.io/initial-events-end"
TICKS = 100  # USER_HZ


def apiserver_pid(port):
    out = subprocess.run(["pgrep", "-f", f"kube-apiserver.*--secure-port {port}"],
                         capture_output=True, text=True).stdout.split()
    if not out:
        raise SystemExit(f"server_reads: no kube-apiserver on port {port} on this machine")
    return int(out[0])


def cpu_s(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def streaming_list(kc, pid, ns, kind):
    """Seconds to the end of the list's objects, their bytes, the API
    server's CPU seconds."""
    query = urllib.parse.urlencode({
        "watch": "true", "sendInitialEvents": "true", "allowWatchBookmarks": "true",
        "resourceVersionMatch": "NotOlderThan"})
    conn = Connection(kc)
    cpu0, t0 = cpu_s(pid), time.monotonic()
    resp = conn.stream(f"/api/v1/namespaces/{ns}/{kind}?{query}", accept=PROTOBUF_WATCH)
    if resp.status != 200:
        raise SystemExit(f"server_reads: the streaming list of {kind}: HTTP {resp.status}: "
                         f"{resp.read(300)!r}")
    size, tail = 0, b""
    while True:
        chunk = resp.read1(1 << 20)
        if not chunk:
            raise SystemExit(f"server_reads: the {kind}' stream ended before its list did")
        size += len(chunk)
        # The marker may straddle two reads.
        if END_OF_LIST in tail + chunk:
            break
        tail = chunk[-len(END_OF_LIST):]
    took, cpu = time.monotonic() - t0, cpu_s(pid) - cpu0
    conn.close()
    return took, size, cpu


def per_request(kc, pid, path, accept, n=25):
    """Median and max ms of n requests of `path` on one connection, and the
    API server's CPU ms per request."""
    conn = Connection(kc)
    conn.request("GET", path, accept=accept)  # the connection made, outside the figures
    times = []
    cpu0 = cpu_s(pid)
    for _ in range(n):
        t = time.monotonic()
        conn.request("GET", path, accept=accept)
        times.append(time.monotonic() - t)
    cpu = cpu_s(pid) - cpu0
    conn.close()
    return statistics.median(times) * 1000, max(times) * 1000, cpu / n * 1000


def main():
    args = sys.argv[1:]
    kubectl = pop_kubectl(args)
    runs = 3
    if "--runs" in args:
        i = args.index("--runs")
        runs = int(args[i + 1])
        del args[i:i + 2]
    if len(args) != 2:
        raise SystemExit(__doc__.split("\n\n")[1])
    kc = Kubeconfig(args[0], kubectl)
    ns = args[1]
    pid = apiserver_pid(kc.port)
    for kind in ("pods", "events"):
        lists = [streaming_list(kc, pid, ns, kind) for _ in range(runs)]
        for took, size, cpu in lists:
            print(f"{kind}: streaming list {took:.2f} s, {size / 1e6:.1f} MB, "
                  f"API server CPU {cpu:.2f} s", flush=True)
        print(f"{kind}: median {statistics.median(t for t, _, _ in lists):.2f} s "
              f"of {runs}\n", flush=True)
    # Metadata only, as the cockpit asks (kube's list_metadata, get_metadata).
    metadata = "application/json;as=PartialObjectMetadata{};g=meta.k8s.io;v=v1"
    probes = {
        "a list of one pod (the probe until 2026-12-06)":
            (f"/api/v1/namespaces/{ns}/pods?limit=1", metadata.format("List")),
        "a GET of a pod name no pod has (the probe since)":
            (f"/api/v1/namespaces/{ns}/pods/jhub-cockpit.reads-probe", metadata.format("")),
    }
    for name, (path, accept) in probes.items():
        median, worst, cpu = per_request(kc, pid, path, accept)
        print(f"{name}: median {median:.0f} ms, max {worst:.0f} ms, "
              f"API server CPU {cpu:.0f} ms a request", flush=True)
    kc.close()


if __name__ == "__main__":
    main()
