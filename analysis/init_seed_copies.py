#!/usr/bin/env python3
"""Whether a sweep's init seeds are independent trials (docs/EXPERIMENT_FILE.md, "Init seeds also nearly coincide").

Groups the trials of a perfgen results file by (cell, data seed); within a group only the init seed
differs. Prints how many groups have every init seed agreeing on `recovered` and `branch`, and the
median over the groups of the spread (largest − smallest) of log10 gen_error. Under imbalance control
at a small init scale the init seeds are near-copies (Theorem 1: a trial follows C/‖C‖, which c̃ fixes):
every group agrees and the spread is tiny, so the init seeds are not replicates.

Usage: python3 analysis/init_seed_copies.py RESULTS.h5
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
    keys = np.stack([columns["cell"], columns["data_seed"]], axis=1)
    _, group = np.unique(keys, axis=0, return_inverse=True)
    group = group.ravel()
    seeds_per_group = np.bincount(group)
    if seeds_per_group.max() < 2:
        refuse("every (cell, data seed) has one init seed: nothing to compare")
    log_error = np.log10(np.maximum(columns["gen_error"], np.finfo(float).tiny))
    agreeing, spreads = 0, []
    for g in range(len(seeds_per_group)):
        members = group == g
        same = (np.unique(columns["recovered"][members]).size == 1
                and np.unique(columns["branch"][members]).size == 1)
        agreeing += same
        spreads.append(log_error[members].max() - log_error[members].min())
    return agreeing, len(seeds_per_group), int(np.median(seeds_per_group)), float(np.median(spreads))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", help="a perfgen results file (.h5)")
    args = parser.parse_args()
    agreeing, groups, seeds, spread = summarize(columns_of(args.results))
    print(f"{agreeing} of {groups} (cell, data seed) groups: all {seeds} init seeds agree on recovered and branch")
    print(f"median spread of log10 gen_error within a group: {spread:.2g}")


if __name__ == "__main__":
    main()
