#!/usr/bin/env python3
"""The reference watch: when the API server delivers each probe pod's
change to a watcher, independent of any tool.

    watchref.py KUBECONFIG NAMESPACE LOG PROBE...

A tool's latency (write sent -> on its screen) holds the API server's part
(the write, then the watch event's delivery) and the tool's own (reading
the event, drawing it). This process watches each probe pod on its own
(one JSON watch per pod, `fieldSelector=metadata.name=...`, from the pod
as it is) and logs when each restart count arrived:

    <t> <pod> <restartCount>

t in CLOCK_MONOTONIC seconds, the clock the churn writer and the harness
read. It prints "watching" once every watch has sent the pod as it is (so
each is set up before the churn's first write), and runs until stdin
closes or SIGTERM.

One thread a pod: the probes get a tenth of the writes (20/s at 200/s), a
few hundred bytes of JSON a line, so the reader's own time is small next
to the milliseconds it measures.
"""

import json
import signal
import sys
import threading
import time
import urllib.parse

from kubeapi import Connection, Kubeconfig, pop_kubectl


def restart_count(pod):
    statuses = (pod.get("status") or {}).get("containerStatuses") or []
    counts = [c.get("restartCount", 0) for c in statuses]
    return max(counts) if counts else None


def main():
    args = sys.argv[1:]
    kubectl = pop_kubectl(args)
    if len(args) < 4:
        sys.exit("usage: watchref.py KUBECONFIG NAMESPACE LOG PROBE... [--kubectl K]")
    kubeconfig, ns, log_path, probes = args[0], args[1], args[2], args[3:]
    kc = Kubeconfig(kubeconfig, kubectl)
    log = open(log_path, "w", buffering=1)
    log_lock = threading.Lock()
    ready = threading.Barrier(len(probes) + 1)
    failures = []

    def watch(pod):
        conn = Connection(kc)
        # No resourceVersion: the server starts with the pod as it is now
        # (one ADDED), then its changes. A pod's own resourceVersion would
        # do only while the watch cache still holds it: a pod made half an
        # hour ago gets "too old resource version".
        query = urllib.parse.urlencode({
            "watch": "1",
            "fieldSelector": f"metadata.name={pod}",
            "timeoutSeconds": "3600",
        })
        try:
            resp = conn.stream(f"/api/v1/namespaces/{ns}/pods?{query}")
            if resp.status != 200:
                raise RuntimeError(f"watch {pod}: HTTP {resp.status}: {resp.read(300)!r}")
            first = json.loads(resp.readline() or b"{}")
            if first.get("type") != "ADDED":
                raise RuntimeError(f"watch {pod}: began with {json.dumps(first)[:300]}")
        except Exception as e:  # noqa: BLE001 - reported, the harness stops
            failures.append(str(e))
            ready.abort()
            return
        ready.wait()
        for line in resp:
            t = time.monotonic()
            event = json.loads(line)
            if event.get("type") == "ERROR":
                # Nothing more comes on this watch: said, so that a run with
                # no server's part has its reason in the harness's stderr.
                print(f"watchref: {pod}: {json.dumps(event)[:300]}", file=sys.stderr, flush=True)
                return
            if event.get("type") not in ("ADDED", "MODIFIED"):
                continue
            n = restart_count(event["object"])
            if n is not None:
                with log_lock:
                    log.write(f"{t:.6f} {pod} {n}\n")

    for pod in probes:
        threading.Thread(target=watch, args=(pod,), daemon=True).start()
    try:
        ready.wait(timeout=60)
    except threading.BrokenBarrierError:
        kc.close()
        sys.exit(f"watchref: {'; '.join(failures) or 'the watches did not start in 60 s'}")
    print("watching", flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        sys.stdin.read()
    finally:
        kc.close()


if __name__ == "__main__":
    main()
