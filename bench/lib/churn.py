#!/usr/bin/env python3
"""The churn: R pod status changes per second for S seconds.

    churn.py KUBECONFIG NAMESPACE RATE SECONDS LOG [--kubectl K]

Lists the namespace's user pods, prints "ready" and waits for the line

    go [PROBE...]

naming the probe pods: the rows the tool under test shows on its screen,
which the harness reads after the tool's complete list (so they are known
only then). It then plans the writes, prints "started <t>" (t of the first
write's schedule) and raises one container's restartCount per write (a
merge patch of the pod's status subresource, which every tool shows in its
restarts column). Every 10th write goes to the probe pods, in turn; the
rest are spread over all the other user pods, round robin (with no probes,
every write goes to them). Each write is logged as

    <t_send> <t_done> <pod> <restartCount> <http status> <probe 0|1>

with t in CLOCK_MONOTONIC seconds, and "done <seconds>" is printed at the
end. Four persistent HTTPS connections share the writes, so a slow answer
does not hold up the schedule.
"""

import json
import queue
import sys
import threading
import time

from kubeapi import Connection, Kubeconfig, pop_kubectl

WORKERS = 4
PROBE_EVERY = 10


def main():
    args = sys.argv[1:]
    kubectl = pop_kubectl(args)
    if len(args) != 5:
        sys.exit("usage: churn.py KUBECONFIG NAMESPACE RATE SECONDS LOG [--kubectl K]")
    kubeconfig, ns, rate, seconds, log_path = args
    rate, seconds = float(rate), float(seconds)
    kc = Kubeconfig(kubeconfig, kubectl)
    lister = Connection(kc)
    pods = lister.get_json(f"/api/v1/namespaces/{ns}/pods?labelSelector=component%3Dsingleuser-server")["items"]
    lister.close()
    statuses = {}
    for p in pods:
        cs = (p.get("status") or {}).get("containerStatuses")
        if cs:
            statuses[p["metadata"]["name"]] = cs
    del pods

    work = queue.Queue()
    log = open(log_path, "w", buffering=1)
    log_lock = threading.Lock()
    errors = []

    def worker():
        conn = Connection(kc)
        while True:
            item = work.get()
            if item is None:
                break
            name, value, probe, body = item
            t_send = time.monotonic()
            try:
                status, data = conn.request(
                    "PATCH",
                    f"/api/v1/namespaces/{ns}/pods/{name}/status",
                    body,
                    "application/merge-patch+json",
                )
            except Exception as e:  # noqa: BLE001 - logged, the run goes on
                status, data = 0, str(e).encode()
            t_done = time.monotonic()
            if status != 200 and len(errors) < 5:
                errors.append(f"{name}: HTTP {status}: {data[:200]!r}")
            with log_lock:
                log.write(f"{t_send:.6f} {t_done:.6f} {name} {value} {status} {probe}\n")
        conn.close()

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(WORKERS)]
    for t in threads:
        t.start()
    print("ready", flush=True)
    go = sys.stdin.readline().split()
    if not go or go[0] != "go":
        sys.exit(f"churn: expected 'go [PROBE...]', got {' '.join(go)!r}")
    probes = go[1:]
    missing = [p for p in probes if p not in statuses]
    if missing:
        sys.exit(f"churn: probe pods without container statuses: {missing}")
    plan = make_plan(statuses, probes, rate, seconds)

    t0 = time.monotonic()
    print(f"started {t0:.6f}", flush=True)
    for i, item in enumerate(plan):
        due = t0 + i / rate
        delay = due - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        work.put(item)
    for _ in threads:
        work.put(None)
    for t in threads:
        t.join()
    kc.close()
    for e in errors:
        print(f"churn: {e}", file=sys.stderr)
    print(f"done {time.monotonic() - t0:.3f}", flush=True)


def make_plan(statuses, probes, rate, seconds):
    """(pod, restartCount, probe 0|1, body) for every write, in order."""
    others = sorted(n for n in statuses if n not in probes)
    if not others:
        others = list(probes)
    counts = {n: max(c.get("restartCount", 0) for c in cs) for n, cs in statuses.items()}
    total = int(rate * seconds)
    plan = []
    oi = 0
    for i in range(total):
        if probes and i % PROBE_EVERY == 0:
            name = probes[(i // PROBE_EVERY) % len(probes)]
            probe = 1
        else:
            name = others[oi % len(others)]
            oi += 1
            probe = 0
        counts[name] += 1
        cs = [dict(c) for c in statuses[name]]
        cs[0]["restartCount"] = counts[name]
        body = json.dumps({"status": {"containerStatuses": cs}}).encode()
        plan.append((name, counts[name], probe, body))
    return plan


if __name__ == "__main__":
    main()
