#!/usr/bin/env python3
"""How well the progress line's ETA predicted a run's end (docs/CLI.md, "The progress line").

Runs COMMAND (a `perfgen run` without --quiet) under a pseudo-terminal, so that perfgen draws its
progress line, and timestamps every redraw. At 10, 25, 50, 75 and 90% of the run's wall time it takes
the last line drawn and prints (time of that line + its ETA) / actual end, and the same for the
"(up to ...)" figure when the line shows one: 1.00 is a perfect prediction, below 1 too early.

Usage: python3 bench/eta.py [--at 10,25,50,75,90] -- COMMAND...
"""
import argparse
import os
import pty
import re
import subprocess
import sys
import time

LINE = re.compile(r"trials \d+/\d+ \((\d+)%\), \d+ s elapsed, ETA ([\d.]+) (s|min|h)(?: \(up to ([\d.]+) (s|min|h)\))?")
UNIT = {"s": 1.0, "min": 60.0, "h": 3600.0}


def redraws(command):
    """(seconds since the start, ETA seconds, up-to seconds or None) of every progress line; wall time."""
    controller, terminal = pty.openpty()
    start = time.monotonic()
    child = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=terminal)
    os.close(terminal)
    lines, pending = [], ""
    while True:
        try:
            chunk = os.read(controller, 4096).decode("utf-8", "replace")
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        now = time.monotonic() - start
        pending += chunk
        *complete, pending = re.split(r"[\r\n]", pending)
        for text in complete:
            match = LINE.search(text)
            if match:
                eta = float(match.group(2)) * UNIT[match.group(3)]
                most = float(match.group(4)) * UNIT[match.group(5)] if match.group(4) else None
                lines.append((now, eta, most))
    status = child.wait()
    wall = time.monotonic() - start
    os.close(controller)
    if status != 0:
        sys.exit(f"eta.py: the command exited with {status}")
    return lines, wall


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--at", default="10,25,50,75,90", help="percentages of the wall time (default 10,25,50,75,90)")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- then the perfgen run command")
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("no command given (put it after --)")
    points = [float(p) for p in args.at.split(",")]
    lines, wall = redraws(command)
    print(f"wall {wall:.1f} s, {len(lines)} progress lines")
    print("% of wall   predicted end / actual end   up to / actual end")
    for percent in points:
        shown = [line for line in lines if line[0] <= wall * percent / 100]
        if not shown:
            print(f"{percent:9.0f}   (no line drawn yet)")
            continue
        t, eta, most = shown[-1]
        up_to = f"{(t + most) / wall:.2f}" if most is not None else "-"
        print(f"{percent:9.0f}   {(t + eta) / wall:26.2f}   {up_to:>18}")


if __name__ == "__main__":
    main()
