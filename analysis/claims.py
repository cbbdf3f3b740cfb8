"""Prints the numbers docs/REPRODUCTION.md quotes, claim by claim, from the results files of the
figure experiments (data/figures/*.toml).

    .venv/bin/python analysis/claims.py KIND RESULTS.h5

KIND: scale (Fig. 1: gen error against init scale; the means include runs that blew up, counted beside
them with the median of the others), alignment (Fig. 2, 5, 7: gap between aligned loss curves of equal
c~, within each init scale and between neighbouring ones), branches (Fig. 3, 8: branch against c~; the
Q2 points' curve), recovery (Fig. 4, 9: recovery by n and c~, with GD stability, the runs from inside
(0, 1) near Q1, and their best gen error per data seed), minima (Fig. 10: runs near c~ = 0 that end at a
global minimum of the training loss off the target, and where that minimum lies), widths (Fig. 6: active
neurons against width). A file that cannot give the numbers is refused with one line on stderr and exit
code 2, as in figures.py.
"""
import argparse
import sys

import numpy as np

from figures import (ResultsError, blown_up_runs, exit_bad_input, load, median_of_the_rest, off_target_runs,
                     requested_c_tilde, trial_rows)


def scale(path):
    """Mean gen error and recoveries per (n, init scale); the mean includes runs that blew up (as
    figures.py fig1 draws it), so their count is printed beside it, with the median of the other runs
    (the typical run, which a few blown-up runs cannot move)."""
    t = load(path, needs=("n", "init_scale", "gen_error", "recovered", "status"))
    blown_up = blown_up_runs(t)
    print(f"{'n':>3} {'scale':>9} {'mean gen':>10} {'recovered':>10} {'blown up':>9} {'median of the rest':>19}")
    for n in sorted(set(t["n"])):
        for s in sorted(set(t["init_scale"])):
            rows = (t["n"] == n) & (t["init_scale"] == s)
            if not rows.any():
                continue
            median = median_of_the_rest(t, rows, blown_up)
            median = f"{'-':>19}" if np.isnan(median) else f"{median:19.2e}"
            print(f"{n:3d} {s:9.0e} {t['gen_error'][rows].mean():10.2e} "
                  f"{int(t['recovered'][rows].sum()):5d}/{rows.sum():<4d} {int(blown_up[rows].sum()):9d} {median}")


def alignment(path):
    """Theorem 1: curves of equal C/|C| (here: equal c~) coincide in aligned time; the largest gap in
    log10(loss) between them over their common range, with mu_gd and with mu1. Where a c~ holds several
    init scales, also the gap within each scale, and where it holds more than two, between each two
    neighbouring scales (how the collapse tightens as s -> 0)."""
    tr = load(path, "trajectories", needs=("traj", "iteration", "loss", "aligned_time", "aligned_time_mu1"))
    trials = load(path, needs=("trial", "c_tilde", "init_scale"))
    groups = {}
    rows_of = trial_rows(trials, tr["traj"], path)
    for row, trial_row in enumerate(rows_of):
        groups.setdefault(round(float(trials["c_tilde"][trial_row]), 6), []).append(row)
    for c, rows in sorted(groups.items()):
        _print_gaps(tr, rows, f"c~ {c:.4f}")
        scales = sorted({float(trials["init_scale"][rows_of[row]]) for row in rows})
        for scale in scales if len(scales) > 1 else ():
            _print_gaps(tr, _rows_at(rows, trials, rows_of, scale), f"c~ {c:.4f} at scale {scale:.0e}")
        for small, large in zip(scales, scales[1:]) if len(scales) > 2 else ():
            _print_gaps(tr, _rows_at(rows, trials, rows_of, small, large),
                        f"c~ {c:.4f} at scales {small:.0e} and {large:.0e}")


def _rows_at(rows, trials, rows_of, *scales):
    """The trajectory rows among `rows` whose trial has one of the init scales given."""
    return [row for row in rows if trials["init_scale"][rows_of[row]] in scales]


def _print_gaps(tr, rows, label):
    """The largest gap in log10(loss) between the recorded curves `rows` over their common aligned time.
    The curves are read as straight between checkpoints, so the gap (the largest less the smallest) is
    convex between two checkpoints of any curve and is largest at one: it is taken at every checkpoint
    of every curve, exactly."""
    for key, rate in (("aligned_time", "mu_gd"), ("aligned_time_mu1", "mu1")):
        curves = []
        for row in rows:
            used = (tr["iteration"][row] >= 0) & (tr["loss"][row] > 0)
            curves.append((tr[key][row][used], np.log10(tr["loss"][row][used])))
        lo = max(x[0] for x, _ in curves)
        hi = min(x[-1] for x, _ in curves)
        grid = np.unique(np.concatenate([x[(x >= lo) & (x <= hi)] for x, _ in curves] + [[lo, hi]]))
        values = np.array([np.interp(grid, x, y) for x, y in curves])
        gap = values.max(axis=0) - values.min(axis=0)
        largest = gap.max()  # three decimals, or two digits where those would print 0.000
        largest_text = f"{largest:.3f}" if largest >= 0.0005 or largest == 0 else f"{largest:.1e}"
        print(f"{label}, aligned with {rate:5s}: largest gap in log10(loss) {largest_text} "
              f"(at aligned time {grid[gap.argmax()]:.1f}; {len(curves)} curves over [{lo:.1f}, {hi:.1f}])")


def branches(path):
    t = load(path, needs=("trial", "recovered", "status", "branch", "c_tilde"))
    names = {0: "off", 1: "Q1", 2: "Q2"}
    conv = t["status"] == 0
    print(f"trials {len(t['trial'])}, recovered {int(t['recovered'].sum())}, converged {int(conv.sum())}, "
          + ", ".join(f"{names[b]} {int((t['branch'] == b).sum())}" for b in names))
    q1, q2 = t["c_tilde"][t["branch"] == 1], t["c_tilde"][t["branch"] == 2]
    if len(q1) and len(q2):
        print(f"c~ of Q2 runs: up to {q2.max():.4f}; c~ of Q1 runs: from {q1.min():.4f}; "
              f"in |C1/C2|: Q1 between {q1.min():.3f} and {1 / q1.min():.3f}")
    statuses = np.bincount(t["status"], minlength=4)
    print(f"status: converged {statuses[0]}, max_iters {statuses[1]}, stationary {statuses[2]}, diverged {statuses[3]}")
    # Fig. 3(a): the Q2 points lie on a curve in c~; the silent neuron is the one farther from ±w~0.
    q2_converged = (t["branch"] == 2) & conv
    if q2_converged.sum() >= 2 and "target_distance" in t:
        c = t["c_tilde"][q2_converged]
        distance = np.nanmax(t["target_distance"][q2_converged], axis=1)
        low, high = c.argmin(), c.argmax()
        print(f"Q2, converged: {int(q2_converged.sum())} runs; the silent neuron's distance to ±w~0 against c~: "
              f"Spearman {spearman(c, distance):.3f}, {distance[low]:.2f} at c~ {c[low]:.2f} "
              f"to {distance[high]:.2f} at c~ {c[high]:.2f}")


def spearman(x, y):
    """Spearman's rank correlation (no ties expected: continuous values)."""
    return float(np.corrcoef(np.argsort(np.argsort(x)), np.argsort(np.argsort(y)))[0, 1])


# A run from inside (0, 1) "near Q1": every neuron within this relative distance of ±w~0 and with
# |a_k| above this, i.e. on its way to the branch with all neurons aligned, recovered yet or not.
NEAR_Q1_DISTANCE = 0.05
NEAR_Q1_A = 0.05


def recovery(path):
    t = load(path, needs=("n", "recovered", "c_tilde", "status", "lr_times_sharpness", "branch", "data_seed",
                          "target_distance", "final_a", "gen_error"))
    print("max lr*sharp and lr*sharp>=2 count the converged runs only (their sharpness is at a minimum; nan: none "
          "converged)")
    print(f"{'n':>3} {'recovered':>10} {'c~=0':>6} {'0<c~<1':>8} {'c~=1':>6} {'max_iters':>9} {'max lr*sharp':>13} "
          f"{'lr*sharp>=2':>12} {'diverged':>9}  recovered on Q1/Q2/other  inside near Q1 (seeds; c~)")
    # Per-neuron columns are NaN past a trial's width (a sweep over width): those entries do not count.
    padding = np.isnan(t["target_distance"])
    near_q1 = (np.all((t["target_distance"] < NEAR_Q1_DISTANCE) | padding, axis=1)
               & np.all((np.abs(t["final_a"]) > NEAR_Q1_A) | padding, axis=1))
    if "width" in t and len(set(t["width"])) > 1:
        print(f"recovery: the rows below pool the widths {sorted(set(int(w) for w in t['width']))}", file=sys.stderr)
    for n in sorted(set(t["n"])):
        rows = t["n"] == n
        r = t["recovered"].astype(bool)
        c = t["c_tilde"]
        ends = {v: (rows & np.isclose(c, v)) for v in (0.0, 1.0)}
        inner = rows & ~np.isclose(c, 0.0) & ~np.isclose(c, 1.0)
        conv = rows & (t["status"] == 0)
        lrs = t["lr_times_sharpness"][conv]
        near = inner & near_q1
        where = (f" ({', '.join(str(int(s)) for s in sorted(set(t['data_seed'][near])))}; "
                 f"{c[near].min():.2f}-{c[near].max():.2f})" if near.any() else "")
        print(f"{n:3d} {int(r[rows].sum()):4d}/{rows.sum():<5d} {int(r[ends[0.0]].sum()):2d}/{ends[0.0].sum():<3d} "
              f"{int(r[inner].sum()):3d}/{inner.sum():<4d} {int(r[ends[1.0]].sum()):2d}/{ends[1.0].sum():<3d} "
              f"{int((rows & (t['status'] == 1)).sum()):9d} {lrs.max() if lrs.size else float('nan'):13.3f} "
              f"{int((lrs >= 2).sum()):12d} {int((rows & (t['status'] == 3)).sum()):9d}  "
              f"{int((r & rows & (t['branch'] == 1)).sum())}/{int((r & rows & (t['branch'] == 2)).sum())}/"
              f"{int((r & rows & (t['branch'] == 0)).sum())}  {int(near.sum())}{where}")
    print("best log10 gen error of the runs from inside (0, 1), per data seed:")
    for n in sorted(set(t["n"])):
        inner = ((t["n"] == n) & np.isfinite(t["c_tilde"]) & ~np.isclose(t["c_tilde"], 0.0)
                 & ~np.isclose(t["c_tilde"], 1.0))
        best = [f"{int(seed)}: {np.log10(max(np.nanmin(t['gen_error'][inner & (t['data_seed'] == seed)]), 1e-300)):.1f}"
                for seed in sorted(set(t["data_seed"][inner]))]
        print(f"{n:3d}  " + ", ".join(best))


def minima(path):
    """Appendix B, Fig. 10: runs near c~ = 0 that reach a global minimum of the training loss (status
    converged) without recovering the target. Per n and requested c~: how many recover, how many stop
    at such a minimum, how many neither recover nor converge (at max_iters, or diverged), the median
    log10 gen error of those off target, and where the minimum lies: the neuron nearer ±w~0 (its
    |a| and relative distance to ±w~0) and the other one (its |a| and |w~|; the origin of Q2 is the
    target neuron beside a neuron at 0)."""
    t = load(path, needs=("n", "c_tilde_requested", "recovered", "status", "gen_error", "final_a", "target_distance",
                          "theta", "width"))
    if len(set(t["width"])) != 1 or int(t["width"][0]) != 2:
        raise ResultsError(f"{path} is not a sweep of two-neuron networks: minima compares a network's two neurons")
    requested = requested_c_tilde(t, path, "minima")
    per_neuron = t["theta"].shape[1] // 2  # θ is neuron-major: (a_k, w_k, b_k)
    weight_norm = np.stack([np.linalg.norm(t["theta"][:, k * per_neuron + 1:(k + 1) * per_neuron], axis=1)
                            for k in (0, 1)], axis=1)
    near = np.argmin(t["target_distance"], axis=1)  # the neuron nearer ±w~0
    rows, other = np.arange(len(near)), 1 - near
    # Per run: |a| and distance to ±w~0 of the nearer neuron, |a| and |w~| of the other.
    positions = (np.abs(t["final_a"][rows, near]), t["target_distance"][rows, near],
                 np.abs(t["final_a"][rows, other]), weight_norm[rows, other])
    off_target = off_target_runs(t)
    print("off target: converged (training loss below loss_tol), not recovered; unconverged: neither; medians "
          "over the runs off target")
    print(f"{'n':>3} {'c~':>8} {'recovered':>10} {'off target':>10} {'unconverged':>11} {'log10 gen':>9} "
          f"{'|a| near':>8} {'dist near':>9} {'|a| other':>9} {'|w~| other':>10}")
    recovered = t["recovered"].astype(bool)
    for n in sorted(set(t["n"])):
        for c in sorted(set(requested[t["n"] == n])):
            cell = (t["n"] == n) & (requested == c)
            off = cell & off_target
            if off.any():
                a_near, distance_near, a_other, weight_other = (np.median(p[off]) for p in positions)
                text = (f"{np.median(np.log10(t['gen_error'][off])):9.1f} {a_near:8.2f} {distance_near:9.3f} "
                        f"{a_other:9.3f} {weight_other:10.3f}")
            else:
                text = f"{'-':>9} {'-':>8} {'-':>9} {'-':>9} {'-':>10}"
            unconverged = cell & (t["status"] != 0) & ~recovered
            print(f"{n:3d} {c:8.2g} {int(recovered[cell].sum()):4d}/{cell.sum():<5d} {int(off.sum()):10d} "
                  f"{int(unconverged.sum()):11d} {text}")


def widths(path):
    """Fig. 6(a): which neurons carry the output. Per width: the count above 1% of the largest |a_k| and
    how many of them are among as many largest |C_k| (the paper's reading); then the largest neuron's
    |C_k| rank, the next |a_k|, the count above 10%, the longest m for which the m largest |a_k| are the
    m largest |C_k|, and the rank correlation of |a_k| and |C_k| (a threshold can cut through a bulk of
    neurons of nearly equal |a_k|; the order cannot)."""
    t = load(path, needs=("width", "final_a", "C", "gen_error", "status"))
    for row, width in enumerate(t["width"]):
        a = np.abs(t["final_a"][row][:width])
        c = np.abs(t["C"][row][:width])
        active = a > 0.01 * a.max()
        top_c = np.argsort(c)[::-1][: active.sum()]
        overlap = len(set(np.nonzero(active)[0]) & set(top_c))
        print(f"width {width:5d}: {int(active.sum()):4d} neurons with |a_k| > 1% of the largest; "
              f"{overlap} of them among the {int(active.sum())} largest |C_k|; gen error {t['gen_error'][row]:.1e}; "
              f"status {int(t['status'][row])}")
        by_a, by_c = np.argsort(a)[::-1], np.argsort(c)[::-1]
        same_top = next((m for m in range(1, width + 1) if set(by_a[:m]) != set(by_c[:m])), width + 1) - 1
        c_rank = int(np.nonzero(by_c == by_a[0])[0][0]) + 1
        next_a = f"{a[by_a[1]]:.3f}" if width > 1 else "-"
        correlation = f"{np.corrcoef(np.argsort(by_a), np.argsort(by_c))[0, 1]:.2f}" if width > 2 else "-"
        print(f"             the largest |a_k| ({a[by_a[0]]:.3f}) has |C_k| rank {c_rank}; next |a_k| {next_a}; "
              f"{int((a > 0.1 * a.max()).sum())} above 10%; the m largest |a_k| are the m largest |C_k| up to "
              f"m = {same_top}; rank correlation {correlation}")


KINDS = {"scale": scale, "alignment": alignment, "branches": branches, "recovery": recovery, "minima": minima,
         "widths": widths}


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("kind", choices=list(KINDS))
    parser.add_argument("results")
    args = parser.parse_args(argv)
    try:
        KINDS[args.kind](args.results)
    except ResultsError as error:
        exit_bad_input(parser, error)


if __name__ == "__main__":
    main(sys.argv[1:])
