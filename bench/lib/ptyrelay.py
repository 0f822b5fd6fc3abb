#!/usr/bin/env python3
"""A pty between a tool and the terminal it runs in, counting what the tool
writes to the screen.

    ptyrelay.py STATS_FILE -- COMMAND [ARG...]

Runs COMMAND on a new pty of the same size as our own terminal, copies its
output to our stdout and our stdin to it, and appends to STATS_FILE:

    spawn <monotonic seconds> <child pid>
    first <monotonic seconds>              (the first byte of output)
    visible <monotonic seconds>            (the first byte that puts a
                                            character on the screen)
    bytes <monotonic seconds> <total>      (every 0.1 s while it changes)
    exit <monotonic seconds> <status>

Monotonic time is CLOCK_MONOTONIC, the same clock the harness reads. The
relay's own work is not the tool's: the harness measures the child's
process tree only.
"""

import fcntl
import os
import select
import signal
import struct
import sys
import termios
import time
import tty


class FirstVisible:
    """Finds the first byte of output that draws a character: not a
    control character, not a space, not inside an escape sequence. A
    full-screen tool's first bytes usually switch to the alternate screen
    and hide the cursor, which shows nothing: this is the moment its first
    frame reaches the terminal, without the harness's sampling of the
    screen in between."""

    def __init__(self):
        self.state = "text"

    def feed(self, data):
        """True when `data` draws a character."""
        for b in data:
            if self.state == "text":
                if b == 0x1B:
                    self.state = "esc"
                elif b > 0x20 and b != 0x7F:
                    return True
            elif self.state == "esc":
                if b == ord("["):
                    self.state = "csi"
                elif b in b"]PX^_":
                    self.state = "string"  # OSC, DCS, ...: to BEL or ESC \
                elif 0x20 <= b <= 0x2F:
                    pass  # an intermediate byte: the final one follows
                else:
                    self.state = "text"
            elif self.state == "csi":
                if 0x40 <= b <= 0x7E:
                    self.state = "text"
            elif self.state == "string":
                if b == 0x07:
                    self.state = "text"
                elif b == 0x1B:
                    self.state = "string-esc"
            elif self.state == "string-esc":
                self.state = "text" if b == ord("\\") else "string"
        return False


def main():
    if len(sys.argv) < 4 or sys.argv[2] != "--":
        sys.exit("usage: ptyrelay.py STATS_FILE -- COMMAND [ARG...]")
    stats_path, argv = sys.argv[1], sys.argv[3:]
    stats = open(stats_path, "a", buffering=1)
    # JHUB_BENCH_PTY_DUMP=FILE: also keep every byte, with timestamps, to
    # see what a tool sends (lines of "<t> <hex>").
    dump_path = os.environ.pop("JHUB_BENCH_PTY_DUMP", None)
    dump = open(dump_path, "w") if dump_path else None
    size = fcntl.ioctl(0, termios.TIOCGWINSZ, b"\0" * 8)
    t_spawn = time.monotonic()
    pid, master = os.forkpty()
    if pid == 0:
        fcntl.ioctl(0, termios.TIOCSWINSZ, size)
        try:
            os.execvp(argv[0], argv)
        finally:
            os._exit(127)
    fcntl.ioctl(master, termios.TIOCSWINSZ, size)
    stats.write(f"spawn {t_spawn:.6f} {pid}\n")

    def forward_winch(*_):
        try:
            fcntl.ioctl(master, termios.TIOCSWINSZ, fcntl.ioctl(0, termios.TIOCGWINSZ, b"\0" * 8))
            os.kill(pid, signal.SIGWINCH)
        except OSError:
            pass

    def forward_term(signum, _frame):
        try:
            os.kill(pid, signum)
        except OSError:
            pass

    signal.signal(signal.SIGWINCH, forward_winch)
    signal.signal(signal.SIGTERM, forward_term)
    signal.signal(signal.SIGHUP, forward_term)
    old = None
    try:
        old = termios.tcgetattr(0)
        tty.setraw(0)
    except termios.error:
        pass
    total = 0
    reported = -1
    last_report = 0.0
    first = False
    visible = FirstVisible()
    seen = False
    out = sys.stdout.fileno()
    try:
        while True:
            try:
                ready, _, _ = select.select([master, 0], [], [], 0.1)
            except InterruptedError:
                continue
            if master in ready:
                try:
                    data = os.read(master, 65536)
                except OSError:
                    data = b""
                if not data:
                    break
                if not first:
                    first = True
                    stats.write(f"first {time.monotonic():.6f}\n")
                if not seen and visible.feed(data):
                    seen = True
                    stats.write(f"visible {time.monotonic():.6f}\n")
                total += len(data)
                if dump:
                    dump.write(f"{time.monotonic():.6f} {data.hex()}\n")
                view = memoryview(data)
                while view:
                    n = os.write(out, view)
                    view = view[n:]
            if 0 in ready:
                data = os.read(0, 4096)
                if data:
                    os.write(master, data)
            now = time.monotonic()
            if total != reported and now - last_report >= 0.1:
                stats.write(f"bytes {now:.6f} {total}\n")
                reported, last_report = total, now
    finally:
        stats.write(f"bytes {time.monotonic():.6f} {total}\n")
        try:
            _, status = os.waitpid(pid, 0)
        except ChildProcessError:
            status = -1
        stats.write(f"exit {time.monotonic():.6f} {status}\n")
        if old is not None:
            termios.tcsetattr(0, termios.TCSADRAIN, old)


if __name__ == "__main__":
    main()
