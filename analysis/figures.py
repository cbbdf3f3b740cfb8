"""Draws the paper's figure types from a perfgen results file (or the shards of a run still going).

    .venv/bin/python analysis/figures.py KIND RESULTS.h5 [-o OUT.png]

KIND: fig1 (gen error against init scale per n: mean and median), trajectories (Fig. 2, 5, 7: loss
and parameters against aligned time; the loss alone where theta = false), fig3a (where the runs end:
the (a, w, b) of the neuron farther from ±w~0, beside the line Q1 and the plane Q2), fig3b (final
branch against |C1/C2|), fig4 (gen error against c_tilde per n and data seed; also Fig. 8, 9), fig6
(|a_k| against width, coloured by |C_k|), fig10 (shares of runs that recover and that converge off the
target against c_tilde near 0, per n), fig11 (final training loss against c_tilde of Fig. 4's runs that
did not reach loss_tol). Each function returns the numbers it drew, so tests can check them. RESULTS
may also be the run's .shards folder; a trial that a shard and a checkpoint both hold (a kill between
writing one and removing the other) is read once.
A file that is missing, not HDF5, not a perfgen result or without what KIND needs (a group or a
column), a fig4 or fig11 file whose (n, data seed, c~) lines would join runs of another axis, and an -o in a
missing folder or without an image format's extension, are refused with one line on stderr and exit
code 2.
"""
import argparse
import glob
import os
import sys
import tomllib

import h5py
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

BRANCH_COLOURS = {0: "0.6", 1: "tab:blue", 2: "tab:orange"}  # off target, Q1, Q2
BRANCH_NAMES = {0: "off target", 1: "Q1", 2: "Q2"}
INDEX_COORDINATES = ("neuron", "param", "checkpoint", "weight")  # the same in every shard: not concatenated
MAX_ITERS, DIVERGED = 1, 3  # /trials status
BLOWN_UP = 1e10  # a gen error no trained network reaches (θ = 0 gives mean f*², order 1): the run blew up
MISSING_GROUP_HINTS = {
    "trajectories": ": run with [trajectories] trials = [...] in the experiment (or --set "
                    "'trajectories.trials=[0, 5]') to record them",
}


class ResultsError(Exception):
    """A results file that cannot give what was asked of it; main() prints the message and exits 2."""


def _open(path):
    try:
        return h5py.File(path, "r")
    except OSError as error:
        raise ResultsError(f"{path} is not a readable HDF5 file ({error})") from None


def _read_group(files, group):
    """Concatenates one group's datasets over files (a finished file or a run's shards), by row."""
    columns = {}
    for path in files:
        with _open(path) as f:
            if "trials" not in f:
                raise ResultsError(f"{path} is not a perfgen results file: it has no /trials group")
            if group not in f:
                continue
            for name, dataset in f[group].items():
                columns.setdefault(name, []).append(dataset[...])
    row_dim = "trial" if group == "trials" else "traj"
    data = {name: np.concatenate(parts) if name not in INDEX_COORDINATES else parts[0]
            for name, parts in columns.items()}
    if row_dim in data:  # shards arrive in batch order; rows go by trial index
        order = np.argsort(data[row_dim], kind="stable")
        # A checkpoint a later shard overrides (a kill between the two) repeats trials: the files come
        # shards first, so the stable sort puts a trial's shard row first, and that one is kept.
        _, first = np.unique(data[row_dim][order], return_index=True)
        order = order[first]
        rows = len(data[row_dim])
        data = {k: (v[order] if v.shape[:1] == (rows,) and k not in INDEX_COORDINATES
                    else v) for k, v in data.items()}
    return data


def load(path, group="trials", needs=()):
    """The columns of /trials (or another group) of a results file, or of the shards of an unfinished
    run (PATH.shards/ next to it): partial files plot what is finished. Refuses a group that lacks a
    column named in needs (a file from another schema version, or written by hand)."""
    path = _results_path(path)
    if os.path.isfile(path):
        files = [path]
    else:  # shards (batches-*) before checkpoints (batch-N-checkpoint): see _read_group
        files = (sorted(glob.glob(os.path.join(path + ".shards", "batches-*.h5")))
                 + sorted(glob.glob(os.path.join(path + ".shards", "batch-*-checkpoint.h5"))))
    if not files:
        raise ResultsError(f"no results file or shards at {path}")
    data = _read_group(files, group)
    if not data:
        raise ResultsError(f"{path} has no /{group}" + MISSING_GROUP_HINTS.get(group, ""))
    missing = [name for name in needs if name not in data]
    if missing:
        raise ResultsError(f"{path} has no /{group} column(s) " + ", ".join(missing))
    return data


def trial_rows(trials, numbers, path):
    """The rows of /trials that hold the given trial numbers. An unfinished run's /trials holds only
    the finished trials, so a trial's number is not its row."""
    row_of = {int(trial): row for row, trial in enumerate(trials["trial"])}
    missing = sorted(set(int(n) for n in numbers) - row_of.keys())
    if missing:
        raise ResultsError(f"{path} has trajectories of trials that /trials lacks: "
                           + ", ".join(map(str, missing)))
    return [row_of[int(n)] for n in numbers]


def fig1(path, out):
    """Generalization error against initialization scale, one panel per n: the mean over seeds (the
    paper's curve) and the median of the runs that did not blow up (the typical run: where some runs
    recover and others do not, the mean is that of the failures)."""
    t = load(path, needs=("n", "init_scale", "gen_error", "status"))
    blown_up = blown_up_runs(t)
    if blown_up.any():  # the mean is kept as is (a science choice); the reader is told what is in it
        print(f"fig1: the means include {blown_up.sum()} of {blown_up.size} runs that diverged or whose "
              f"gen error is not finite or above {BLOWN_UP:g}", file=sys.stderr)
    ns = sorted(set(t["n"]))
    fig, axes = plt.subplots(1, len(ns), figsize=(3.2 * len(ns), 3), squeeze=False)
    drawn = {}
    for ax, n in zip(axes[0], ns):
        rows = t["n"] == n
        scales = np.array(sorted(set(t["init_scale"][rows])))
        mean = np.array([t["gen_error"][rows & (t["init_scale"] == s)].mean() for s in scales])
        median = np.array([median_of_the_rest(t, rows & (t["init_scale"] == s), blown_up) for s in scales])
        ax.loglog(t["init_scale"][rows], t["gen_error"][rows], ".", color="0.75", markersize=3)
        ax.loglog(scales, mean, "o-", color="tab:blue", label="mean")
        ax.loglog(scales, median, "s--", color="tab:orange", label="median")
        blown = int((rows & blown_up).sum())
        ax.set_title(f"n = {n} ({blown} blew up: their means off scale)" if blown else f"n = {n}",
                     fontsize="small" if blown else None)
        finite = t["gen_error"][rows & ~blown_up & (t["gen_error"] > 0)]
        if blown and finite.size:  # the axis spans the runs that stayed finite, not a loss of 1e50
            ax.set_ylim(finite.min() / 3, finite.max() * 3)
        ax.set_xlabel("initialization scale")
        drawn[int(n)] = (scales, mean, median)
    axes[0][0].set_ylabel("generalization error")
    axes[0][0].legend(fontsize="small")
    _save(fig, out)
    return drawn


def trajectories(path, out):
    """Loss against aligned time (Theorem 1) for every recorded trial, and the first parameters: a1,
    the first weight of neuron 1, and a2 (θ is neuron-major, (a_k, w_k, b_k): a2 follows neuron 1's
    weights and bias). A run recorded with [trajectories] theta = false gets the loss panel alone."""
    tr = load(path, "trajectories", needs=("traj", "iteration", "aligned_time", "loss"))
    trials = load(path, needs=("trial", "init_scale", "width"))
    rows_of_trials = trial_rows(trials, tr["traj"], path)
    scales = trials["init_scale"][rows_of_trials]
    widths = trials["width"][rows_of_trials]
    with_theta = "theta" in tr
    fig, axes = plt.subplots(1, 2 if with_theta else 1, figsize=(10 if with_theta else 5.5, 3.6), squeeze=False)
    loss_ax = axes[0][0]
    theta_ax = axes[0][1] if with_theta else None
    drawn = {}
    for row, (trial, scale, width) in enumerate(zip(tr["traj"], scales, widths)):
        used = tr["iteration"][row] >= 0
        label = f"trial {trial}, s = {scale:.0e}"
        loss_ax.semilogy(tr["aligned_time"][row][used], tr["loss"][row][used], label=label)
        drawn[int(trial)] = (tr["aligned_time"][row][used], tr["loss"][row][used])
        if not with_theta:
            continue
        theta = tr["theta"][row][used]
        stride = int(np.isfinite(theta[0]).sum()) // int(width) if len(theta) else 0  # NaN pads past P
        for p, name in ((0, "a1"), (1, "w1"), (stride if width > 1 else -1, "a2")):
            if 0 <= p < theta.shape[1]:
                theta_ax.plot(tr["aligned_time"][row][used], theta[:, p], label=f"{name}, trial {trial}")
    for ax in axes[0]:  # the escape from the origin and the long convergence both visible
        ax.set_xscale("symlog", linthresh=10.0)
    loss_ax.set_xlabel("aligned time t + ln(|C|/|γ|)/μ_gd")
    loss_ax.set_ylabel("training loss")
    loss_ax.legend(fontsize=6)
    if with_theta:
        theta_ax.set_xlabel("aligned time")
        theta_ax.set_ylabel("parameter")
        theta_ax.legend(fontsize=5, ncol=2)
    _save(fig, out)
    return drawn


def fig3a(path, out):
    """Fig. 3(a) for m = 2, d = 1 with bias: where each run ends, as the (a, w, b) of its neuron farther
    from ±w~0 at the end (the silent one on Q2, as claims.py branches reads it), its sign chosen so that
    (w, b)·(w0, b0) >= 0 ((a, w, b) and (-a, -w, -b) are one neuron for odd σ); colour: c~. With the
    other neuron on the target (a0, w0, b0), Q1 is the line (t, w0, b0) and Q2 the plane a = 0."""
    t = load(path, needs=("width", "theta", "target_distance", "c_tilde", "branch", "n", "data_seed"))
    config = _config(path)
    model, target = config.get("model", {}), config.get("target", {})
    if model.get("input_dim", 1) != 1 or not model.get("bias", True) or np.any(t["width"] != 2):
        raise ResultsError(f"{path} is not a sweep of two-neuron networks with d = 1 and a bias: fig3a draws "
                           "one neuron's (a, w, b)")
    several = [name for name in ("n", "data_seed") if len(np.unique(t[name])) > 1]
    if several:  # the target set is that of one data set; points of several would mix their minima
        raise ResultsError(f"{path} has several values of {' and '.join(several)}: fig3a draws the runs on one "
                           "data set (e.g. --set 'sweep.n=[4]' --set 'sweep.data_seed=[3]' for Fig. 4(f))")
    a0, w0, b0 = target.get("a", 1.0), target.get("w", [1.0])[0], target.get("b", 1.0)
    neurons = t["theta"].reshape(-1, 2, 3)
    farther = np.argmax(t["target_distance"], axis=1)
    points = neurons[np.arange(len(farther)), farther]
    points = points * np.where(points[:, 1] * w0 + points[:, 2] * b0 < 0, -1.0, 1.0)[:, None]
    fig = plt.figure(figsize=(6, 4.8))
    ax = fig.add_subplot(projection="3d")
    reach = max(1.0, float(np.nanmax(np.abs(points[:, 1:]))))
    w, b = np.meshgrid(np.linspace(-reach, reach, 2), np.linspace(-reach, reach, 2))
    ax.plot_surface(np.zeros_like(w), w, b, color="tab:orange", alpha=0.15)
    line = np.array([min(0.0, a0, np.nanmin(points[:, 0])), max(0.0, a0, np.nanmax(points[:, 0]))])
    ax.plot(line, np.full(2, w0), np.full(2, b0), "--", color="tab:blue", label="Q1")
    drawn = {}
    for branch, marker in ((1, "^"), (2, "o"), (0, "x")):
        rows = t["branch"] == branch
        if rows.any():
            shown = ax.scatter(points[rows, 0], points[rows, 1], points[rows, 2], c=t["c_tilde"][rows],
                               cmap="viridis", vmin=0.0, vmax=1.0, marker=marker, s=10,
                               label=f"{BRANCH_NAMES[branch]} ({int(rows.sum())})")
            drawn[branch] = points[rows]
    if drawn:
        fig.colorbar(shown, ax=ax, label="c̃", shrink=0.6)
    ax.set_xlabel("a")
    ax.set_ylabel("w")
    ax.set_zlabel("b")
    ax.legend(fontsize=7)
    _save(fig, out)
    return drawn


def fig3b(path, out):
    """Final branch (colour) against |C1/C2| of θ0, per init seed; lines at 0.74 and 1.35 (paper)."""
    t = load(path, needs=("c", "branch", "init_seed"))
    fig, ax = plt.subplots(figsize=(6, 3.6))
    ratio = np.abs(t["c"])
    for branch, colour in BRANCH_COLOURS.items():
        rows = t["branch"] == branch
        ax.semilogy(t["init_seed"][rows], ratio[rows], ".", color=colour, label=BRANCH_NAMES[branch])
    for level in (0.74, 1.35):
        ax.axhline(level, color="k", linewidth=0.8)
    ax.set_xlabel("init seed")
    ax.set_ylabel("|C1/C2|")
    ax.legend()
    _save(fig, out)
    return {"ratio": ratio, "branch": t["branch"]}


def _results_path(path):
    """PATH for PATH, PATH/ or PATH.shards (the folder perfgen names when a run stops)."""
    path = path.rstrip("/") or path
    if path.endswith(".shards") and os.path.isdir(path):
        path = path[: -len(".shards")]
    return path


def _config(path):
    """The resolved experiment (a dict) of a results file, or of an unfinished run (its .shards/config.toml)."""
    path = _results_path(path)
    if not os.path.isfile(path):
        with open(os.path.join(path + ".shards", "config.toml"), "rb") as f:
            return tomllib.load(f)
    with _open(path) as f:
        config = f.attrs.get("config")
    if config is None:
        raise ResultsError(f"{path} is not a perfgen results file: it has no config attribute")
    try:
        return tomllib.loads(config.decode() if isinstance(config, bytes) else config)
    except tomllib.TOMLDecodeError as error:
        raise ResultsError(f"{path} is not a perfgen results file: its config is not TOML ({error})") from None


def requested_c_tilde(t, path, kind):
    """/trials c_tilde_requested, refused where the sweep asked for no c~ (all NaN: no c_tilde axis)."""
    c = t["c_tilde_requested"]
    if not np.isfinite(c).any():
        raise ResultsError(f"{path} requests no c_tilde (its sweep has no c_tilde axis): {kind} groups the runs by "
                           "the c~ they asked for (as data/figures/fig10.toml)")
    return c


def off_target_runs(t):
    """Rows of runs that converged (training loss below loss_tol) without recovering the target: they
    stopped at a global minimum of the training loss that is not the target."""
    return (t["status"] == 0) & ~t["recovered"].astype(bool)


def blown_up_runs(t):
    """Rows of runs that diverged or whose gen error is not finite or absurdly large: a diverged run
    stops at a loss up to divergence_loss (1e50), which would set a plot's axis range."""
    gen = t["gen_error"]
    return (t["status"] == DIVERGED) | ~np.isfinite(gen) | (gen > BLOWN_UP)


def median_of_the_rest(t, rows, blown_up):
    """The median gen error of the runs in `rows` that did not blow up; NaN where all did."""
    rest = t["gen_error"][rows & ~blown_up]
    return np.median(rest) if rest.size else np.nan


def _c_tilde_sweep(kind, column, path):
    """/trials and config of a file whose runs are one per (n, data_seed, c_tilde), as fig4 and fig11
    draw them: one line per n and data seed against a [sweep] c_tilde axis."""
    needs = ("n", "data_seed", "c_tilde", "gen_error", "status")
    t = load(path, needs=needs + ((column,) if column not in needs else ()))
    config = _config(path)
    if "c_tilde" not in config.get("sweep", {}):
        raise ResultsError(f"{path} does not sweep c_tilde: {kind} draws /trials {column} against a "
                           "[sweep] c_tilde axis, one panel per n and one line per data_seed "
                           "(as data/figures/fig4.toml)")
    others = [name for name in ("init_seed", "lr", "init_scale", "width", "activation", "max_iters")
              if name in t and len(np.unique(t[name])) > 1]
    if others:  # their trials would join one (n, data_seed) line, zig-zagging between them
        raise ResultsError(f"{path} also varies {', '.join(others)}: {kind} draws one line per n and "
                           "data_seed against c_tilde, so each (n, data_seed, c_tilde) must be one run")
    return t, config


def _lines_against_c_tilde(kind, t, ns, values, ylabel, out, marked=None):
    """One panel per n, one line per data seed of `values` (a /trials-long array) against c_tilde.
    Runs that blew up are left out and counted (panel titles, stderr); a line breaks at the c_tilde
    where they were. `marked` (optional rows) are drawn again as open circles."""
    left_out = blown_up_runs(t)
    if left_out.any():
        print(f"{kind}: left out {left_out.sum()} of {left_out.size} runs that diverged or whose gen error "
              f"is not finite or above {BLOWN_UP:g}", file=sys.stderr)
    fig, axes = plt.subplots(1, len(ns), figsize=(3.2 * len(ns), 3), squeeze=False)
    drawn = {}
    for ax, n in zip(axes[0], ns):
        for seed in sorted(set(t["data_seed"])):
            rows = (t["n"] == n) & (t["data_seed"] == seed)
            order = np.argsort(t["c_tilde"][rows])
            c = t["c_tilde"][rows][order]
            # NaN (not drawn, no axis range) where a run was left out, so the line breaks there
            y = np.where(left_out[rows][order], np.nan, values[rows][order])
            line, = ax.semilogy(c, y, "o-", markersize=3, label=f"seed {seed}")
            if marked is not None:
                open_rows = marked[rows][order]
                ax.semilogy(c[open_rows], y[open_rows], "o", markersize=6, markerfacecolor="none",
                            color=line.get_color())
            drawn[(int(n), int(seed))] = (c, y)
        dropped = int((left_out & (t["n"] == n)).sum())
        ax.set_title(f"n = {n}" + (f" ({dropped} diverged, left out)" if dropped else ""))
        ax.set_xlabel("c̃")
    axes[0][0].set_ylabel(ylabel)
    axes[0][-1].legend(fontsize=6)
    _save(fig, out)
    return drawn


def fig4(path, out):
    """Generalization error against c_tilde, one panel per n, one line per data seed; recovered runs
    are drawn at the recovery threshold as in the paper."""
    t, config = _c_tilde_sweep("fig4", "gen_error", path)
    threshold = config.get("eval", {}).get("recovery_threshold", 1e-8)
    return _lines_against_c_tilde("fig4", t, sorted(set(t["n"])), np.maximum(t["gen_error"], threshold),
                                  "generalization error", out)


def fig11(path, out):
    """The final training loss of Fig. 4's runs against c_tilde, one line per data seed, for the n
    where some run did not reach loss_tol (the paper's Fig. 11: n = 5 and 6); open circles: runs
    stopped at max_iters. Every n when all reached it."""
    t, config = _c_tilde_sweep("fig11", "final_loss", path)
    loss_tol = config.get("train", {}).get("loss_tol", 0.0)
    short = (t["final_loss"] > loss_tol) & ~blown_up_runs(t)
    ns = sorted(set(t["n"][short])) or sorted(set(t["n"]))
    return _lines_against_c_tilde("fig11", t, ns, t["final_loss"], "final training loss", out,
                                  marked=t["status"] == MAX_ITERS)


def fig10(path, out):
    """Appendix B, Fig. 10's question: the share of runs that recover and the share that converge off
    the target (training loss below loss_tol, not recovered) against c_tilde near 0, one colour per n,
    pooled over the other axes. The c~ axis is logarithmic above 1e-12 and linear below, so c~ = 0 shows."""
    t = load(path, needs=("n", "c_tilde_requested", "recovered", "status"))
    requested = requested_c_tilde(t, path, "fig10")
    recovered = t["recovered"].astype(bool)
    off = off_target_runs(t)
    fig, ax = plt.subplots(figsize=(6, 3.6))
    drawn = {}
    for n in sorted(set(t["n"])):
        rows = t["n"] == n
        c = np.array(sorted(set(requested[rows])))
        cells = [rows & (requested == value) for value in c]
        share = np.array([recovered[cell].mean() for cell in cells])
        off_share = np.array([off[cell].mean() for cell in cells])
        line, = ax.plot(c, share, "o-", markersize=4, label=f"n = {n}, recovered")
        ax.plot(c, off_share, "s--", markersize=3, color=line.get_color(), label=f"n = {n}, off target")
        drawn[int(n)] = (c, share, off_share)
    ax.set_xscale("symlog", linthresh=1e-12)
    ax.set_xlabel("c̃ (linear below 1e-12)")
    ax.set_ylabel("share of runs")
    ax.set_ylim(-0.03, 1.03)
    ax.legend(fontsize=6, ncol=2)
    _save(fig, out)
    return drawn


def fig6(path, out):
    """|a_k| of every neuron against the network width, coloured by |C_k| (Fig. 6(a))."""
    t = load(path, needs=("width", "final_a", "C"))
    fig, ax = plt.subplots(figsize=(6, 3.6))
    drawn = {}
    for row, width in enumerate(t["width"]):
        a = np.abs(t["final_a"][row][:width])
        c = np.abs(t["C"][row][:width])
        points = ax.scatter(np.full(width, width), a, c=c, cmap="viridis", s=8)
        drawn[int(width)] = a
    fig.colorbar(points, ax=ax, label="|C_k|")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("width m")
    ax.set_ylabel("|a_k| at the end")
    _save(fig, out)
    return drawn


def _save(fig, out):
    fig.tight_layout()
    fig.savefig(out, dpi=80)
    plt.close(fig)


KINDS = {"fig1": fig1, "trajectories": trajectories, "fig3a": fig3a, "fig3b": fig3b, "fig4": fig4, "fig6": fig6,
         "fig10": fig10, "fig11": fig11}


def check_output(out):
    """Refuses an image path that cannot be written before any work, as perfgen run refuses its -o."""
    if os.path.isdir(out):
        raise ResultsError(f"{out} is a folder: give -o a file name")
    extension = os.path.splitext(out)[1][1:].lower()
    formats = plt.gcf().canvas.get_supported_filetypes()
    plt.close("all")
    if extension not in formats:  # matplotlib would add .png to a name without one, or fail after the work
        raise ResultsError(f"-o {out}: the file name must end in an image format matplotlib writes "
                           f"({', '.join('.' + f for f in sorted(formats))})")
    folder = os.path.dirname(os.path.abspath(out))
    if not os.path.isdir(folder) or not os.access(folder, os.W_OK):
        raise ResultsError(f"cannot write {out}: the folder {folder} is missing or not writable")


def exit_bad_input(parser, error):
    """One line on stderr and exit code 2 (bad input), not a traceback."""
    print(f"{parser.prog}: {error}", file=sys.stderr)
    sys.exit(2)


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("kind", choices=sorted(KINDS))
    parser.add_argument("results")
    parser.add_argument("-o", "--output", default=None)
    args = parser.parse_args(argv)
    out = args.output or f"{args.kind}.png"
    try:
        check_output(out)
        KINDS[args.kind](args.results, out)
    except ResultsError as error:
        exit_bad_input(parser, error)
    print(f"wrote {out}")


if __name__ == "__main__":
    main(sys.argv[1:])
