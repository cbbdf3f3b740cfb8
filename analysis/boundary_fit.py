"""Fits the Q1/Q2 boundary c~*(lr) of Example 1 (n = 6 grid) against the learning rate, with the
gradient-flow value at lr = 0, and says which learning rate the paper's 0.74 corresponds to.

    .venv/bin/python analysis/boundary_fit.py BOUNDARIES.csv [-o boundary_lr.png] [--paper 0.74]

BOUNDARIES.csv holds lines `lr,low,high,time` as analysis/boundary.py --csv appends them (lr 0:
gradient flow, from --flow). The fit is a weighted least-squares polynomial in lr (degree 2; weights
1/half-width²) over the gradient-descent rows only, so that its value at lr = 0 is a prediction the
flow row checks independently. Prints the fit, its intercept against the flow value, and the lr at
which the fit reaches --paper; draws the points, the fit and the flow value with -o. Bad input
(missing file, a line that is not four numbers, fewer than three gradient-descent rows) gets one line
on stderr and exit 2.
"""
import argparse
import sys

import numpy as np

from figures import ResultsError, check_output


def read_rows(path):
    rows = []
    with open(path) as f:
        for number, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            fields = line.split(",")
            try:
                lr, low, high, time = (float(x) for x in fields)
            except ValueError:
                raise ValueError(f"{path}:{number}: expected lr,low,high,time, got {line!r}") from None
            if not (lr >= 0 and low <= high):
                raise ValueError(f"{path}:{number}: needs lr >= 0 and low <= high, got {line!r}")
            rows.append((lr, low, high, time))
    return rows


def fit(rows, degree=2):
    """Weighted polynomial fit of the boundary midpoints of the gradient-descent rows; returns the
    coefficients (highest power first) and their covariance."""
    gd = [(lr, 0.5 * (lo + hi), max(0.5 * (hi - lo), 1e-5)) for lr, lo, hi, _ in rows if lr > 0]
    if len(gd) <= degree:
        raise ValueError(f"need at least {degree + 1} gradient-descent rows to fit, got {len(gd)}")
    lr, mid, half = (np.array(v) for v in zip(*gd))
    # np.polyfit's weights multiply the residuals (1/σ). A bracket's half-width is a bound, not a standard
    # deviation, so the covariance is the one scaled by the residuals, which needs more rows than
    # coefficients (how many more depends on the numpy version: None where it refuses).
    coefficients = np.polyfit(lr, mid, degree, w=1.0 / half)
    try:
        covariance = np.polyfit(lr, mid, degree, w=1.0 / half, cov=True)[1]
    except (ValueError, np.linalg.LinAlgError):
        covariance = None
    return coefficients, covariance


def lr_reaching(coefficients, value, lr_max):
    """The smallest lr in (0, lr_max·4] at which the fit equals value, or None."""
    shifted = np.array(coefficients, dtype=float)
    shifted[-1] -= value
    roots = [r.real for r in np.roots(shifted) if abs(r.imag) < 1e-12 and 0 < r.real <= 4 * lr_max]
    return min(roots) if roots else None


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("csv")
    parser.add_argument("-o", "--output", help="PNG of the points and the fit")
    parser.add_argument("--paper", type=float, default=0.74, help="the paper's boundary value (Fig. 3b)")
    args = parser.parse_args(argv)
    if args.output:
        try:
            check_output(args.output)  # a folder that exists, a format matplotlib writes
        except ResultsError as error:
            print(f"{parser.prog}: {error}", file=sys.stderr)
            sys.exit(2)
    try:
        rows = read_rows(args.csv)
        coefficients, covariance = fit(rows)
    except (OSError, ValueError) as error:
        print(f"{parser.prog}: {error}", file=sys.stderr)
        sys.exit(2)
    print(f"{'lr':>8} {'c~* low':>8} {'c~* high':>8} {'fit':>8}")
    for lr, lo, hi, _ in sorted(rows):
        print(f"{lr:8.4f} {lo:8.4f} {hi:8.4f} {np.polyval(coefficients, lr):8.4f}")
    terms = "".join(f" {'-' if c < 0 else '+'} {abs(c):.4g}·lr" + (f"^{power}" if power > 1 else "")
                    for power, c in sorted((len(coefficients) - 1 - k, c) for k, c in enumerate(coefficients[:-1])))
    intercept_error = np.sqrt(covariance[-1, -1]) if covariance is not None else float("nan")
    print(f"fit over gradient descent: c~*(lr) = {coefficients[-1]:.4f}{terms}")
    print(f"fit at lr = 0: {coefficients[-1]:.5f} ± {intercept_error:.5f} (1 sigma from the residuals)")
    flow = [(lo, hi) for lr, lo, hi, _ in rows if lr == 0]
    for lo, hi in flow:
        print(f"gradient flow (lr = 0): {0.5 * (lo + hi):.5f} ± {0.5 * (hi - lo):.5f}")
    lr_max = max(lr for lr, *_ in rows)
    paper_lr = lr_reaching(coefficients, args.paper, lr_max)
    print(f"the fit reaches the paper's {args.paper} at lr = " + (f"{paper_lr:.3f}" if paper_lr else "none in range"))
    if args.output:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        gd = [(lr, 0.5 * (lo + hi), 0.5 * (hi - lo)) for lr, lo, hi, _ in rows if lr > 0]
        figure, axes = plt.subplots(figsize=(6, 4))
        axes.errorbar(*zip(*gd), fmt="o", color="tab:blue", capsize=3, label="gradient descent (bisection bracket)")
        for lo, hi in flow:
            axes.errorbar([0.0], [0.5 * (lo + hi)], [0.5 * (hi - lo)], fmt="s", color="tab:red", capsize=3,
                          label="gradient flow")
        grid = np.linspace(0, lr_max * 1.05, 200)
        axes.plot(grid, np.polyval(coefficients, grid), color="0.4", label="quadratic fit to gradient descent")
        axes.axhline(args.paper, color="tab:orange", linestyle="--", label=f"paper, Fig. 3(b): {args.paper}")
        axes.set_xlabel("learning rate (½Σ loss)")
        axes.set_ylabel("boundary c~* = |C2/C1|")
        axes.set_title("Example 1, n = 6 grid: Q1/Q2 boundary by learning rate")
        axes.legend(fontsize=8)
        figure.tight_layout()
        figure.savefig(args.output, dpi=120)
        print(f"wrote {args.output}")


if __name__ == "__main__":
    main(sys.argv[1:])
