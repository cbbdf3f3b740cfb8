"""Locates the Q1/Q2 boundary in c~ for Example 1 (data/example1.toml: n = 6 grid points, s = 1e-8, ½Σ loss)
by bisection on grids of c~, at one or more learning rates, and reports the bracket of c~* = |C2/C1| at the
boundary and 1/c~* (the paper's |c| ≈ 0.74 and 1.35 are these two readings).

    .venv/bin/python analysis/boundary.py --lr 0.05 --lr 0.1 [--tolerance 0.002] [--time 5e6]
    .venv/bin/python analysis/boundary.py --flow [--tolerance 0.0005] [--time 1e7]

--flow trains by gradient flow (train.method = "flow", the lr → 0 limit) and prints lr 0; --csv FILE
appends one line per search (lr, low, high, time budget) for analysis/boundary_fit.py.

Each round runs perfgen on `--points` values of c~ inside the current bracket, each with two
iteration budgets (half and all of --time / lr steps). A run that converged is on the branch it
reached; one stopped by its budget is classified by the trend of its weaker neuron (smaller |a|)
between the two budgets: heading for Q2, its |a| shrinks faster than its distance to ±w~0 (it falls
silent wherever it points); heading for Q1, its distance shrinks faster (it turns onto the target
while keeping a share of the output).
The bracket becomes [largest c~ heading for Q2, smallest heading for Q1] until it is narrower than
2 × tolerance. Runs whose trend cannot be read are reported as undecided. The first round also runs
--lo and --hi: unless they reach Q2 and Q1, the boundary is not between them, and the search stops
there (exit 2) rather than report an edge of the range. A search that stops making progress (every
run inside the bracket undecided) prints its wider bracket with a note saying so.
"""
import argparse
import os
import subprocess
import sys
import tempfile

import h5py
import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Example 1 on its 6 grid points, s = 1e-8, ½Σ: the fixture the tests and `perfgen bench` use too.
FIXTURE = os.path.join(ROOT, "data", "example1.toml")


def descent_settings(lr, c_values, half, full):
    return ["name=boundary", f"train.lr={lr}", "train.loss_tol=1e-15", f"sweep.c_tilde=[{c_values}]",
            f"sweep.max_iters=[{half}, {full}]"]


def flow_settings(c_values, time):
    """Gradient flow: no lr; each budget is a run of its own (max_time is not a sweep axis)."""
    return ["name=boundary-flow", 'train.method="flow"', "train.loss_tol=1e-15", f"train.max_time={time:g}",
            "train.max_iters=100000000", f"sweep.c_tilde=[{c_values}]"]


class PerfgenFailed(Exception):
    """A perfgen run of a round ended in error; main() prints its message instead of a traceback."""


def run_perfgen(perfgen, settings, work):
    """Runs the fixture with these --set overrides; returns the /trials columns the verdicts need."""
    output = os.path.join(work, "round.h5")
    if os.path.exists(output):  # the last round's file must not pass for this round's
        os.remove(output)
    overrides = [arg for setting in settings for arg in ("--set", setting)]
    run = subprocess.run([perfgen, "run", FIXTURE, *overrides, "-o", output, "--force", "--quiet", "--backend", "cpu"],
                         capture_output=True, text=True)
    if run.returncode != 0:
        raise PerfgenFailed(f"{perfgen} run failed (exit {run.returncode}) {run.stderr.strip()}".strip())
    if not os.path.isfile(output):
        raise PerfgenFailed(f"{perfgen} run exited 0 but wrote no results file: is {perfgen} perfgen?")
    with h5py.File(output, "r") as f:
        return {name: f["trials"][name][...]
                for name in ("c_tilde", "max_iters", "status", "branch", "final_a", "target_distance")}


def classify(perfgen, lr, c_values, budget, work):
    """Verdicts for c_values: budget is the steps of gradient descent at lr, or the time of flow (lr 0)."""
    c_list = ", ".join(f"{c:.6f}" for c in c_values)
    if lr == 0:
        half_run = run_perfgen(perfgen, flow_settings(c_list, budget / 2), work)
        full_run = run_perfgen(perfgen, flow_settings(c_list, budget), work)
        t = {name: np.stack([half_run[name], full_run[name]], axis=1).reshape((-1,) + half_run[name].shape[1:])
             for name in full_run}  # interleaved as the gradient-descent sweep: half, full per c~
    else:
        t = run_perfgen(perfgen, descent_settings(lr, c_list, budget // 2, budget), work)
    verdicts = []
    for i in range(len(c_values)):
        half, full = 2 * i, 2 * i + 1  # cells run c_tilde, then max_iters fastest
        if t["status"][full] == 0:  # converged: the branch it reached
            verdicts.append({1: "Q1", 2: "Q2"}.get(int(t["branch"][full]), "undecided"))
            continue
        weak = int(np.argmin(np.abs(t["final_a"][full])))
        a_ratio = abs(t["final_a"][full][weak]) / abs(t["final_a"][half][weak])
        d_ratio = t["target_distance"][full][weak] / t["target_distance"][half][weak]
        if a_ratio < 0.99 * d_ratio:
            verdicts.append("Q2")
        elif d_ratio < 0.99 * a_ratio:
            verdicts.append("Q1")
        else:
            verdicts.append("undecided")
    return verdicts


class NotBracketed(Exception):
    """--lo does not reach Q2 or --hi does not reach Q1: the boundary is not between them."""


def locate(perfgen, lr, lo, hi, tolerance, time_budget, points, log):
    steps = time_budget if lr == 0 else int(time_budget / lr)
    with tempfile.TemporaryDirectory() as work:
        first = True
        while hi - lo > 2 * tolerance:
            grid = np.linspace(lo, hi, points + 2)
            if not first:  # the ends are known: lo reaches Q2, hi reaches Q1
                grid = grid[1:-1]
            verdicts = classify(perfgen, lr, grid, steps, work)
            if first:  # the first round also runs the ends, which must bracket the boundary
                log.write(f"lr {lr}: ends {lo:.4f}:{verdicts[0]}, {hi:.4f}:{verdicts[-1]}\n")
                if verdicts[0] != "Q2" or verdicts[-1] != "Q1":
                    raise NotBracketed(f"lr {lr}: --lo {lo:g} reaches {verdicts[0]} and --hi {hi:g} reaches "
                                       f"{verdicts[-1]}; the boundary lies between a c~ that reaches Q2 and "
                                       "one that reaches Q1: widen [--lo, --hi] (or give more --time)")
                grid, verdicts, first = grid[1:-1], verdicts[1:-1], False
            log.write(f"lr {lr}: " + ", ".join(f"{c:.4f}:{v}" for c, v in zip(grid, verdicts)) + "\n")
            q2 = [c for c, v in zip(grid, verdicts) if v == "Q2"]
            q1 = [c for c, v in zip(grid, verdicts) if v == "Q1"]
            new_lo = max([lo] + q2)
            new_hi = min([hi] + [c for c in q1 if c > new_lo])
            if (new_lo, new_hi) == (lo, hi):
                log.write(f"lr {lr}: no progress (undecided runs); stopping at [{lo:.4f}, {hi:.4f}]\n")
                return lo, hi, False
            lo, hi = new_lo, new_hi
    return lo, hi, True


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lr", type=float, action="append", default=[])
    parser.add_argument("--flow", action="store_true", help="also gradient flow (printed as lr 0)")
    parser.add_argument("--csv", help="append lr,low,high,time lines to this file")
    parser.add_argument("--lo", type=float, default=0.5, help="a c~ known to reach Q2")
    parser.add_argument("--hi", type=float, default=0.95, help="a c~ known to reach Q1")
    parser.add_argument("--tolerance", type=float, default=0.002)
    parser.add_argument("--time", type=float, default=5e6, help="time budget t = lr · iterations per run")
    parser.add_argument("--points", type=int, default=9)
    parser.add_argument("--perfgen", default=os.path.join(ROOT, "build", "perfgen"))
    args = parser.parse_args(argv)
    if not args.lr and not args.flow:
        parser.error("give at least one --lr, or --flow")
    if any(lr <= 0 for lr in args.lr):
        parser.error("--lr must be > 0 (gradient flow is --flow)")
    if not 0 <= args.lo < args.hi <= 1:
        parser.error("need 0 <= --lo < --hi <= 1")
    if args.points < 1:
        parser.error("--points must be at least 1")
    if not (os.path.isfile(args.perfgen) and os.access(args.perfgen, os.X_OK)):
        print(f"{parser.prog}: {args.perfgen} is not an executable perfgen binary (build it, or give --perfgen)",
              file=sys.stderr)
        sys.exit(2)
    print(f"{'lr':>8} {'c~ low':>9} {'c~ high':>9} {'c~* (midpoint)':>20} {'1/c~*':>12}")
    for lr in args.lr + ([0.0] if args.flow else []):
        try:
            lo, hi, narrowed = locate(args.perfgen, lr, args.lo, args.hi, args.tolerance, args.time, args.points,
                                      sys.stderr)
        except PerfgenFailed as error:
            print(f"{parser.prog}: {error}", file=sys.stderr)
            sys.exit(1)
        except NotBracketed as error:
            print(f"{parser.prog}: {error}", file=sys.stderr)
            sys.exit(2)
        mid = 0.5 * (lo + hi)
        note = "" if narrowed else "  (stopped wider than --tolerance: undecided runs; more --time narrows it)"
        print(f"{lr:8.4f} {lo:9.6f} {hi:9.6f} {mid:9.6f} ± {0.5 * (hi - lo):.6f} {1 / mid:12.4f}{note}", flush=True)
        if args.csv:
            with open(args.csv, "a") as f:
                f.write(f"{lr},{lo:.6f},{hi:.6f},{args.time:g}\n")


if __name__ == "__main__":
    main(sys.argv[1:])
