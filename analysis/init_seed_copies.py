#!/usr/bin/env python3
"""Whether a sweep's init seeds are independent trials (docs/EXPERIMENT_FILE.md, "Init seeds also nearly coincide").

Groups the trials of a perfgen results file by (cell, data seed); within a group only the init seed
differs. Prints how many groups have every init seed agreeing on `recovered` and `branch`, and the
median over the groups of the spread (largest − smallest) of log10 gen_error. Under imbalance control
at a small init scale the init seeds are near-copies (Theorem 1: a trial follows C/‖C‖, which c̃ fixes):
every group agrees and the spread is tiny, so the init seeds are not replicates.

Usage: .venv/bin/python analysis/init_seed_copies.py RESULTS.h5
Exit status: 0, or 2 for a file that is not a finished perfgen results file or has one init seed.
"""
import argparse
import sys

import h5py
import numpy as np


def refuse(message):
    print(f"init_seed_copies.py: {message}", file=sys.stderr)
    sys.exit(2)


def columns_of(path):
    """The /trials columns the comparison needs."""
    try:
        with h5py.File(path, "r") as f:
            trials = f["trials"]
            columns = {name: trials[name][()] for name in ("cell", "data_seed", "recovered", "branch",
                                                          "gen_error")}
    except (OSError, KeyError) as failure:
        refuse(f"{path} is not a finished perfgen results file ({failure})")
    return columns


def summarize(columns):
    """Groups agreeing, groups, the init seeds per group (smallest, largest), median spread."""
    order = np.lexsort((columns["data_seed"], columns["cell"]))
    cell, data_seed = columns["cell"][order], columns["data_seed"][order]
    starts = np.flatnonzero(np.r_[True, (cell[1:] != cell[:-1]) | (data_seed[1:] != data_seed[:-1])])
    sizes = np.diff(np.r_[starts, cell.size])
    if sizes.max() < 2:
        refuse("every (cell, data seed) has one init seed: nothing to compare")
    agree = np.ones(starts.size, dtype=bool)
    for name in ("recovered", "branch"):
        values = columns[name][order]
        agree &= np.minimum.reduceat(values, starts) == np.maximum.reduceat(values, starts)
    # A diverged trial's gen_error is NaN: fmax and fmin pass it over, as nanmedian does a group of them.
    log_error = np.log10(np.maximum(columns["gen_error"][order], np.finfo(float).tiny))
    spread = np.fmax.reduceat(log_error, starts) - np.fmin.reduceat(log_error, starts)
    return int(agree.sum()), int(starts.size), (int(sizes.min()), int(sizes.max())), float(np.nanmedian(spread))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", help="a perfgen results file (.h5)")
    args = parser.parse_args()
    agreeing, groups, (fewest, most), spread = summarize(columns_of(args.results))
    seeds = str(most) if fewest == most else f"{fewest} to {most}"
    print(f"{agreeing} of {groups} (cell, data seed) groups: all {seeds} init seeds agree on recovered and branch")
    print(f"median spread of log10 gen_error within a group: {spread:.2g}")


if __name__ == "__main__":
    main()
