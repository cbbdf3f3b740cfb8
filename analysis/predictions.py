"""Prediction against measurement: for each architecture, the sample sizes the theory predicts
(`perfgen rank`: the optimistic size and the separation sizes of Q^2 and Q^1) beside the recovery a
sweep over n around them measures (`perfgen run`, gradient flow from a small initialization).

    .venv/bin/python analysis/predictions.py [-o TABLE.md] [--seeds 5] [--time 1e9] [--only NAME ...]

For m = 2 the inits are c~ on a grid of 11 values from 0 to 1: c~ = 0 and 1 are the zero-measure
inits the paper singles out ("special"), the 9 inside ones are generic; for m = 3 they are random
directions (init seeds), all generic. Each (n, init) runs on --seeds Gaussian datasets. Per n the
table counts recovered runs (gen_error below the threshold on the test set at the horizon --time) and gives the
95% Wilson interval of the generic rate, at each --threshold (default 1e-8, the paper's criterion, and
1e-12: near the separation size flow also converges to global minima that are not on the target set
but close to it, with gen_error 1e-9 .. 1e-8). Columns:
  first any      smallest n at which some run recovers (special or generic inits)
  first generic  smallest n at which some generic run recovers (its Wilson interval then lies above 0)
  first all      smallest n from which on every run recovers (up to the largest n swept), with the
                 Wilson lower bound of that rate
Bad input (an -o in a missing folder, a perfgen that is not one) gets one line and exit 2; a perfgen
run that fails gives exit 1.
"""
import argparse
import math
import os
import re
import subprocess
import sys
import tempfile
import time

import h5py
import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
C_GRID = [round(0.1 * k, 1) for k in range(11)]

# name, model width, input dim, activation (the target's too), init seeds for m >= 3
ARCHITECTURES = [
    ("m=2 d=1 tanh", 2, 1, "tanh"),
    ("m=2 d=1 rational", 2, 1, "rational"),
    ("m=2 d=2 tanh", 2, 2, "tanh"),
    ("m=2 d=3 tanh", 2, 3, "tanh"),
    ("m=3 d=1 tanh", 3, 1, "tanh"),
    ("m=3 d=1 rational", 3, 1, "rational"),
]


class Failed(Exception):
    """A perfgen call failed; main() prints its message and exits 1."""


class NotPerfgen(Failed):
    """--perfgen ran but did not answer as perfgen does: bad input, exit 2."""


def experiment(width, dim, activation, ns, seeds, max_time, init_seeds):
    ones = ", ".join(["1.0"] * dim)
    inits = (f"c_tilde = [{', '.join(str(c) for c in C_GRID)}]" if width == 2
             else f"init_seed = {{ range = [0, {init_seeds}] }}")
    return f"""name = "predictions"
[model]
width = {width}
input_dim = {dim}
activation = "{activation}"
[target]
w = [{ones}]
b = 1.0
activation = "{activation}"
[data]
distribution = "gaussian"
[init]
scale = 1e-8
[train]
method = "flow"
max_time = {max_time:g}
max_iters = 100000000
[sweep]
n = [{', '.join(str(n) for n in ns)}]
{inits}
data_seed = {{ range = [0, {seeds}] }}
"""


def call(perfgen, *args):
    run = subprocess.run([perfgen, *args], capture_output=True, text=True)
    if run.returncode != 0:
        raise Failed(f"perfgen {' '.join(args)} failed (exit {run.returncode}): {run.stderr.strip()}")
    return run.stdout


def predicted_sizes(perfgen, path):
    out = call(perfgen, "rank", path)
    found = re.search(r"^optimistic sample size: (\d+)$", out, re.M)
    if not found:
        raise NotPerfgen(f"{perfgen} rank {path} printed no optimistic sample size: is it perfgen?")
    optimistic = int(found.group(1))
    separation = {name: int(n) for name, n in re.findall(r"^separation sample size of (Q\^\d+) \(j = \d+\): (\d+)$",
                                                         out, re.M)}
    return optimistic, separation


def wilson(successes, total, z=1.96):
    if total == 0:
        return 0.0, 1.0
    p = successes / total
    centre = (p + z * z / (2 * total)) / (1 + z * z / total)
    half = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / (1 + z * z / total)
    return max(0.0, centre - half), min(1.0, centre + half)


def measure(perfgen, path, output, width):
    """Runs the sweep; returns per trial its n, whether its init is special (c~ = 0 or 1), its gen_error."""
    call(perfgen, "run", path, "-o", output, "--force", "--quiet", "--backend", "cpu")
    with h5py.File(output, "r") as f:
        t = f["trials"]
        n = t["n"][...]
        special = np.isin(t["c_tilde_requested"][...], [0.0, 1.0]) if width == 2 else np.zeros(n.shape, bool)
        return n, special, t["gen_error"][...]


def tally(n, special, recovered):
    """Per n: (recovered, runs) over the special inits, the generic ones and all."""
    rows = {}
    for value in sorted(set(n.tolist())):
        here = n == value
        generic = here & ~special
        rows[value] = {"special": (int(recovered[here & special].sum()), int((here & special).sum())),
                       "generic": (int(recovered[generic].sum()), int(generic.sum())),
                       "all": (int(recovered[here].sum()), int(here.sum()))}
    return rows


def firsts(rows):
    ns = sorted(rows)
    first_any = next((n for n in ns if rows[n]["all"][0] > 0), None)
    first_generic = next((n for n in ns if rows[n]["generic"][0] > 0), None)
    first_all = None
    for n in reversed(ns):  # the smallest n from which on every run recovers
        if rows[n]["all"][0] != rows[n]["all"][1]:
            break
        first_all = n
    return first_any, first_generic, first_all


def separation_by_alignment(separation, width):
    """The separation sizes of the branch with one neuron on the target (the rest silent) and of the one
    with every neuron on it: `perfgen rank` names them Q^m and Q^1."""
    return separation.get(f"Q^{width}"), separation.get("Q^1")


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-o", "--output", help="write the tables (markdown) here too")
    parser.add_argument("--seeds", type=int, default=5, help="Gaussian datasets per (n, init)")
    parser.add_argument("--init-seeds", type=int, default=11, help="random inits per dataset for m >= 3")
    parser.add_argument("--time", type=float, default=1e9, help="gradient-flow horizon t")
    parser.add_argument("--only", action="append", help="architecture names to run (default: all)")
    parser.add_argument("--threshold", type=float, action="append",
                        help="recovery thresholds on gen_error (default: 1e-8, the paper's, and 1e-12)")
    parser.add_argument("--perfgen", default=os.path.join(ROOT, "build", "perfgen"))
    args = parser.parse_args(argv)
    if not (os.path.isfile(args.perfgen) and os.access(args.perfgen, os.X_OK)):
        parser.exit(2, f"{parser.prog}: {args.perfgen} is not an executable perfgen binary "
                       "(build it, or give --perfgen)\n")
    if args.output and not os.path.isdir(os.path.dirname(os.path.abspath(args.output))):
        parser.exit(2, f"{parser.prog}: {args.output}: the folder does not exist\n")
    args.threshold = args.threshold or [1e-8, 1e-12]
    names = [a[0] for a in ARCHITECTURES]
    for name in args.only or []:
        if name not in names:
            parser.exit(2, f"{parser.prog}: --only {name!r}: not one of {', '.join(names)}\n")
    lines = ["| architecture | P | optimistic (rank) | separation, 1 / all neurons aligned | threshold | first any | "
             "first generic | first all | seconds |", "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    details = []
    try:
        with tempfile.TemporaryDirectory() as work:
            for name, width, dim, activation in ARCHITECTURES:
                if args.only and name not in args.only:
                    continue
                path = os.path.join(work, "e.toml")
                with open(path, "w") as f:  # the rank needs the model and target only
                    f.write(experiment(width, dim, activation, [1], 1, args.time, 1))
                optimistic, separation = predicted_sizes(args.perfgen, path)
                one, every = separation_by_alignment(separation, width)
                ns = list(range(max(1, optimistic - 1), max(separation.values()) + 5))
                with open(path, "w") as f:
                    f.write(experiment(width, dim, activation, ns, args.seeds, args.time, args.init_seeds))
                started = time.monotonic()
                n, special, gen_error = measure(args.perfgen, path, os.path.join(work, "r.h5"), width)
                seconds = time.monotonic() - started
                for threshold in args.threshold:
                    rows = tally(n, special, gen_error < threshold)
                    first_any, first_generic, first_all = firsts(rows)
                    all_bound = ""
                    if first_all is not None:
                        k = sum(rows[v]["all"][1] for v in rows if v >= first_all)
                        all_bound = f" (rate ≥ {wilson(k, k)[0]:.2f})"
                    lines.append(f"| {name} | {width * (dim + 2)} | {optimistic} | {one} / {every} | {threshold:g} | "
                                 f"{first_any or 'none'} | {first_generic or 'none'} | "
                                 f"{first_all if first_all is not None else 'none'}{all_bound} | {seconds:.0f} |")
                    print(lines[-1], file=sys.stderr, flush=True)
                    details.append(f"\n{name}, gen_error < {threshold:g}: recovered per n (special inits c~ = 0, 1 | "
                                   "generic inits, 95% Wilson)")
                    for v, r in rows.items():
                        lo, hi = wilson(*r["generic"])
                        special_text = f"{r['special'][0]}/{r['special'][1]}" if r["special"][1] else "-"
                        details.append(f"  n = {v:2d}: special {special_text:>6}  generic {r['generic'][0]:3d}/"
                                       f"{r['generic'][1]:<3d} [{lo:.2f}, {hi:.2f}]")
    except NotPerfgen as error:
        print(f"{parser.prog}: {error}", file=sys.stderr)
        sys.exit(2)
    except Failed as error:
        print(f"{parser.prog}: {error}", file=sys.stderr)
        sys.exit(1)
    header = (f"gradient flow to t = {args.time:g} from s = 1e-8, Gaussian data ({args.seeds} datasets); "
              f"recovered: gen_error below the threshold")
    text = "\n".join([header, ""] + lines + details) + "\n"
    print(text, end="")
    if args.output:
        with open(args.output, "w") as f:
            f.write(text)


if __name__ == "__main__":
    main(sys.argv[1:])
