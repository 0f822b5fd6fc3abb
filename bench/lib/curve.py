#!/usr/bin/env python3
"""How each tool's cost grows with the class: a Markdown table from
bench/run's results.

    curve.py RESULTS.json...

RESULTS is a `bench/run --scale` file (one entry per size under "sizes") or
a file of one size (`bench/run`, `--quick`); several files add their sizes
up. One row per tool and size, the tools in bench/run's order and each
tool's sizes from small to large:

- RSS steady MB, and per 1,000 pods (steady / pods * 1000); the peak of
  the process tree beside it;
- the complete list's ms from start, and per 1,000 pods; beside it the
  API server's own list of the same pods with no tool reading it (the
  median of bench/run's three), the floor under every tool's;
- latency p50 / p99 ms, and each as a multiple of kubectl's at that size
  (kubectl get pods -w: the API server's own stream, drawn as lines); the
  tool's own part of it (from the API server's delivery, as a watch of
  its own saw it, to the screen), which the server's pace does not enter;
  and the writes a second the API server took during the tool's churn,
  which that pace follows;
- CPU % of one core under churn / idle, bytes/s to the terminal idle, the
  first frame's ms.

A tool that failed at a size shows "failed: <reason>"; one that showed no
user pod's row to measure latency on shows that in its latency cells.
"""

import json
import sys

TOOLS = ["jhub-cockpit", "kubectl", "kdash", "k9s"]
HEAD = ["tool", "pods", "changes/s", "RSS steady MB", "MB / 1k pods", "RSS peak MB",
        "complete list ms", "ms / 1k pods", "the server's own list ms", "latency p50 / p99 ms",
        "p50 / p99 vs kubectl", "tool's part p50 / p99 ms", "writes/s taken", "CPU churn / idle %", "idle bytes/s",
        "first frame ms"]


def sizes_of(results):
    """The per-size entries of a results file."""
    if "sizes" in results:
        return list(results["sizes"])
    return [results]


def get(d, *path):
    for k in path:
        if not isinstance(d, dict) or d.get(k) is None:
            return None
        d = d[k]
    return d


def num(v):
    if v is None:
        return "-"
    if isinstance(v, int) or abs(v) >= 1000:
        return f"{v:,.0f}"
    if abs(v) >= 100:
        return f"{v:.0f}"
    if abs(v) >= 1 or v == 0:
        return f"{v:.1f}"
    return f"{v:.2f}"


def short(error, width=70):
    text = (error or "").strip()
    first = text.splitlines()[0] if text else "?"
    first = first.split("; last screen")[0].rstrip(":; ")
    if len(first) > width:
        first = first[:width - 1].rstrip() + "…"
    return first


def ratio(v, base):
    if not isinstance(v, (int, float)) or not isinstance(base, (int, float)) or not base:
        return "-"
    return f"{v / base:.1f}x"


def rows(*files):
    """Table rows (lists of cells), tools in order, sizes ascending."""
    entries = []
    for results in files:
        entries.extend(sizes_of(results))
    entries.sort(key=lambda e: (e.get("user_pods") or e.get("pods") or 0))
    names = [t for t in TOOLS if any(t in e.get("tools", {}) for e in entries)]
    names += sorted({t for e in entries for t in e.get("tools", {})} - set(names))
    out = []
    for name in names:
        for e in entries:
            r = e.get("tools", {}).get(name)
            if r is None:
                continue
            pods = e.get("pods")
            rate = e.get("rate")
            head = [name, num(pods), f"{rate:g}" if isinstance(rate, (int, float)) else "-"]
            if "error" in r:
                out.append(head + [f"failed: {short(r['error'])}"] + [""] * (len(HEAD) - 4))
                continue
            k = pods / 1000 if pods else None
            rss = get(r, "rss_mb", "steady")
            full = get(r, "full_list_ms")
            p50, p99 = get(r, "latency_ms", "p50"), get(r, "latency_ms", "p99")
            lat_error = get(r, "latency_ms", "error")
            own = get(r, "latency_ms", "tool")
            if lat_error:
                latency, vs, own_part = f"failed: {short(lat_error, 50)}", "-", "-"
            else:
                own_part = f"{num(get(own, 'p50'))} / {num(get(own, 'p99'))}" if own else "-"
                latency = f"{num(p50)} / {num(p99)}"
                base = e.get("tools", {}).get("kubectl") or {}
                if name == "kubectl":
                    vs = "(baseline)"
                elif "error" in base or get(base, "latency_ms", "error"):
                    vs = "-"
                else:
                    vs = (f"{ratio(p50, get(base, 'latency_ms', 'p50'))} / "
                          f"{ratio(p99, get(base, 'latency_ms', 'p99'))}")
            cpu = f"{num(get(r, 'cpu_pct', 'churn'))} / {num(get(r, 'cpu_pct', 'idle'))}"
            out.append(head + [
                num(rss), num(rss / k) if rss is not None and k else "-",
                num(get(r, "rss_mb", "peak")),
                num(full), num(full / k) if full is not None and k else "-",
                num(get(e, "server_list_ms", "median_ms")),
                latency, vs, own_part, num(get(r, "churn", "achieved_rate")), cpu,
                num(get(r, "bytes_per_s", "idle")), num(get(r, "first_frame_ms")),
            ])
    return out


def markdown(table_rows):
    def cell(c):
        return str(c).replace("|", "\\|")
    lines = ["| " + " | ".join(HEAD) + " |", "|" + "|".join("---" for _ in HEAD) + "|"]
    for r in table_rows:
        lines.append("| " + " | ".join(cell(c) for c in r) + " |")
    return "\n".join(lines)


def main():
    if len(sys.argv) < 2 or sys.argv[1] in ("-h", "--help"):
        print(__doc__)
        sys.exit(0 if len(sys.argv) > 1 else 2)
    files = []
    for path in sys.argv[1:]:
        with open(path) as f:
            files.append(json.load(f))
    print(markdown(rows(*files)))


if __name__ == "__main__":
    main()
