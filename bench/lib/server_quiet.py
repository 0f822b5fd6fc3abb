"""Waits until the rig's API server has digested what came before a
measurement.

After `dev/cluster users 20000` the API server keeps close to a core busy
for minutes (the controllers' and KWOK's writes, its garbage collector on a
1 GB heap), and a tool started then lists 20,000 pods at that server's
leftover pace: one run measured 6.9 s where the same pods listed in 3.0 to
4.2 s twenty minutes later. Each tool's turn and the server's own list
(`server_reads.streaming_list`) start once the server's CPU over a window
is under a threshold, so every tool meets the same server; how long that
took and the CPU it settled at go into the results.

The API server's CPU is its process's utime + stime from /proc
(`server_reads.cpu_s`), so this runs on the rig's machine only.
"""

import time

from server_reads import cpu_s

WINDOW_S = 5.0


def wait(pid, max_pct, timeout, log=None):
    """Until the API server used at most `max_pct` % of one core over a
    window of WINDOW_S, or `timeout` s: {"waited_s", "cpu_pct" (the last
    window's), "quiet"}."""
    t0 = time.monotonic()
    next_log = t0 + 30
    while True:
        c0, w0 = cpu_s(pid), time.monotonic()
        time.sleep(WINDOW_S)
        pct = (cpu_s(pid) - c0) / (time.monotonic() - w0) * 100
        now = time.monotonic()
        quiet = pct <= max_pct
        if quiet or now - t0 >= timeout:
            return {"waited_s": round(now - t0, 1), "cpu_pct": round(pct, 1), "quiet": quiet}
        if log and now >= next_log:
            log(f"the API server is still busy ({pct:.0f} % of a core over {WINDOW_S:g} s, "
                f"waiting for {max_pct:g} %): {now - t0:.0f}s")
            next_log = now + 30
