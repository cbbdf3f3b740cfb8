"""Each figure type drawn from a small file that the perfgen binary writes in the test; checks the image
and the numbers it was drawn from. Run by CTest (analysis.figures) with PERFGEN_BINARY set."""
import glob
import itertools
import os
import re
import subprocess
import sys

import h5py
import numpy as np
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ANALYSIS = os.path.join(ROOT, "analysis")
sys.path.insert(0, ANALYSIS)
import boundary  # noqa: E402
import claims  # noqa: E402
import figures  # noqa: E402

PERFGEN = os.environ.get("PERFGEN_BINARY", os.path.join(ROOT, "build", "perfgen"))


def run(tmp_path, experiment, *extra):
    output = str(tmp_path / (os.path.basename(experiment).replace(".toml", ".h5")))
    subprocess.run([PERFGEN, "run", os.path.join(ROOT, "data", "figures", experiment), "-o", output, "--quiet",
                    "--backend", "cpu", *extra], check=True, capture_output=True)
    return output


def check_png(path):
    with open(path, "rb") as f:
        data = f.read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    assert len(data) > 10_000, "suspiciously small image"


SHIPPED_EXPERIMENTS = sorted(glob.glob(os.path.join(ROOT, "data", "*.toml")) +
                             glob.glob(os.path.join(ROOT, "data", "figures", "*.toml")))


@pytest.mark.parametrize("experiment", SHIPPED_EXPERIMENTS, ids=os.path.basename)
def test_a_shipped_experiment_plans_to_the_trial_count_its_header_gives(experiment):
    """Every experiment file in data/ is accepted, and its header (the leading comments) gives the number
    of trials perfgen plans: the first "N trials" in it."""
    done = subprocess.run([PERFGEN, "plan", experiment], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    planned = int(next(line.split()[1] for line in done.stdout.splitlines() if line.startswith("trials ")))
    with open(experiment, encoding="utf-8") as f:
        header = "".join(itertools.takewhile(lambda line: line.startswith("#"), f))
    stated = re.search(r"(\d[\d_,]*) trials?\b", header)
    assert stated, "the header gives no trial count"
    assert int(re.sub(r"[_,]", "", stated.group(1))) == planned, stated.group(0)


def test_fig1_gen_error_against_scale(tmp_path):
    drawn = figures.fig1(run(tmp_path, "fig1a-c-small.toml"), str(tmp_path / "fig1.png"))
    check_png(tmp_path / "fig1.png")
    assert sorted(drawn) == [2, 3, 4]
    scales, mean, median = drawn[2]
    assert len(scales) == 7 and np.all(np.diff(scales) > 0)
    assert np.all(mean > 1e-3), "two points never recover the target"
    assert np.all(median > 1e-3) and median.shape == mean.shape


def test_trajectories_align_in_aligned_time(tmp_path):
    drawn = figures.trajectories(run(tmp_path, "fig2-small.toml"), str(tmp_path / "fig2.png"))
    check_png(tmp_path / "fig2.png")
    assert len(drawn) == 6
    # Theorem 1: the same c~ at different scales traces one curve in aligned time. Where each loss curve
    # first falls below half its start, the aligned times agree closely.
    crossing = []
    for aligned, loss in drawn.values():
        below = np.nonzero(loss < 0.5 * loss[0])[0]
        assert below.size, "loss must fall"
        crossing.append(aligned[below[0]])
    assert np.ptp(crossing) < 0.15 * np.mean(np.abs(crossing)) + 5.0


@pytest.fixture(scope="module")
def fig3_small(tmp_path_factory):
    return run(tmp_path_factory.mktemp("fig3"), "fig3-small.toml")


def test_fig3b_branch_against_ratio(tmp_path, fig3_small):
    drawn = figures.fig3b(fig3_small, str(tmp_path / "fig3b.png"))
    check_png(tmp_path / "fig3b.png")
    assert drawn["ratio"].shape == (100,)
    assert set(np.unique(drawn["branch"])) <= {0, 1, 2}
    assert np.any(drawn["branch"] == 2), "n = 6 small inits reach Q2 for imbalanced seeds"


def test_fig3a_puts_the_q2_runs_silent_neuron_on_the_plane_a_0(tmp_path, fig3_small):
    """The Q2 runs' drawn neuron is the silent one (a ≈ 0) and lies, as Theorem 1's dynamics leave it,
    on the diagonal w = b through the origin (the direction of w~0 = (1, 1))."""
    drawn = figures.fig3a(fig3_small, str(tmp_path / "fig3a.png"))
    check_png(tmp_path / "fig3a.png")
    with h5py.File(fig3_small) as f:
        branch = f["trials/branch"][...]
    assert sum(len(points) for points in drawn.values()) == len(branch)
    q2 = drawn[2]
    assert len(q2) == (branch == 2).sum() > 0
    assert np.all(np.abs(q2[:, 0]) < 1e-3)
    assert np.all(np.abs(q2[:, 1] - q2[:, 2]) < 0.05) and np.ptp(q2[:, 1]) > 0.2, q2[:, 1:]  # a stretch of it


def test_fig4_gen_error_against_c_tilde(tmp_path):
    drawn = figures.fig4(run(tmp_path, "fig4-small.toml"), str(tmp_path / "fig4.png"))
    check_png(tmp_path / "fig4.png")
    assert len(drawn) == 25  # 5 n × 5 data seeds
    for seed in range(5):
        c, gen = drawn[(2, seed)]
        assert len(c) == 11 and np.all(gen > 1e-8), "n = 2 never recovers"
    # lr 0.5 under ½Σ: 33 runs (most at n = 6) diverge at gen errors near 1e50; they are left out (issue 13)
    # as NaN, which breaks their line
    gen = np.concatenate([gen for _, gen in drawn.values()])
    assert gen.size == 275 and 0 < np.isnan(gen).sum() < 275 and np.nanmax(gen) < 1


def test_fig11_final_loss_of_the_runs_that_stopped_short(tmp_path, monkeypatch):
    path = run(tmp_path, "fig4-small.toml")
    figs = []
    monkeypatch.setattr(figures, "_save", lambda fig, out: figs.append(fig))
    drawn = figures.fig11(path, str(tmp_path / "fig11.png"))
    with h5py.File(path) as f:
        t = {name: f["trials"][name][:] for name in ("n", "data_seed", "c_tilde", "final_loss", "status")}
    short = (t["final_loss"] > 1e-15) & (t["status"] != figures.DIVERGED)
    assert short.any() and not short.all()
    panels = sorted({n for n, _ in drawn})
    assert panels == sorted(set(t["n"][short])), "a panel for each n with a run that stopped short, no other"
    assert [ax.get_title().split(" (")[0] for ax in figs[0].axes] == [f"n = {n}" for n in panels]
    for (n, seed), (c, loss) in drawn.items():
        rows = (t["n"] == n) & (t["data_seed"] == seed) & (t["status"] != figures.DIVERGED)
        assert np.array_equal(np.sort(loss[np.isfinite(loss)]), np.sort(t["final_loss"][rows])), (n, seed)
    # each line is followed by its open circles: the runs stopped at max_iters
    circles = sum(len(line.get_xdata()) for ax in figs[0].axes for line in ax.get_lines()[1::2])
    assert circles == int(((t["status"] == figures.MAX_ITERS) & np.isin(t["n"], panels)).sum())


def test_fig6_neuron_magnitudes_against_width(tmp_path):
    drawn = figures.fig6(run(tmp_path, "fig6-small.toml"), str(tmp_path / "fig6.png"))
    check_png(tmp_path / "fig6.png")
    assert sorted(drawn) == [2, 5, 10, 50]
    assert all(len(drawn[w]) == w for w in drawn)


@pytest.fixture(scope="module")
def fig10_small(tmp_path_factory):
    return run(tmp_path_factory.mktemp("fig10"), "fig10-small.toml")


def test_minima_of_fig10_small(fig10_small, capsys):
    """At c~ = 0 neuron 2 starts at exactly 0 and stays there (σ(0) = 0: no gradient reaches it); the
    table's counts are the file's."""
    path = fig10_small
    claims.minima(path)
    rows = [line.split() for line in capsys.readouterr().out.splitlines()[2:]]
    with h5py.File(path) as f:
        t = {name: f["trials"][name][...] for name in ("c_tilde_requested", "theta", "recovered", "status")}
    at_zero = t["c_tilde_requested"] == 0
    assert at_zero.sum() == 4 and np.all(t["theta"][at_zero, 5:] == 0) and np.any(t["theta"][~at_zero, 5:] != 0)
    for row, c in zip(rows, (0.0, 0.01)):
        cell = t["c_tilde_requested"] == c
        off = cell & (t["status"] == 0) & (t["recovered"] == 0)
        assert row[:4] == ["6", f"{c:g}", f"{int(t['recovered'][cell].sum())}/4", str(int(off.sum()))], row


def test_fig10_shares_of_recovered_and_off_target_runs(tmp_path, fig10_small):
    path = fig10_small
    drawn = figures.fig10(path, str(tmp_path / "fig10.png"))
    check_png(tmp_path / "fig10.png")
    with h5py.File(path) as f:
        t = {name: f["trials"][name][...] for name in ("c_tilde_requested", "recovered", "status")}
    c, share, off_share = drawn[6]
    assert list(c) == [0.0, 0.01]
    for value, recovered, off in zip(c, share, off_share):
        cell = t["c_tilde_requested"] == value
        assert recovered == t["recovered"][cell].mean()
        assert off == ((t["status"][cell] == 0) & (t["recovered"][cell] == 0)).mean()


def test_plots_work_on_an_unfinished_run(tmp_path):
    output = run(tmp_path, "fig4-small.toml", "--shard", "0/3", "--set", "run.batch_size=25")
    assert not os.path.exists(output) and os.path.isdir(output + ".shards")
    drawn = figures.fig4(output, str(tmp_path / "partial.png"))
    check_png(tmp_path / "partial.png")
    assert 0 < sum(len(c) for c, _ in drawn.values()) < 275


# Bad input (issue 13): files written here with h5py, in perfgen's layout where it matters, so these
# tests need no perfgen run.
FIG4_CONFIG = """name = "tiny"
[eval]
recovery_threshold = 1e-8
[sweep]
n = [3, 6]
c_tilde = { linspace = [0.0, 1.0, 3] }  # 3 values
data_seed = [0]
"""
FIG1_CONFIG = """name = "tiny-scales"
[sweep]
n = [3, 6]
init_scale = [1e-8, 1e-4, 1.0]
"""
BAD_INPUTS = ("missing", "not HDF5", "not perfgen")
SCRIPT_KINDS = [("figures", k) for k in figures.KINDS] + [("claims", k) for k in claims.KINDS]


def write_results(path, config, **trials):
    """A results file with the root config attribute and one /trials dataset per column given."""
    with h5py.File(path, "w") as f:
        f.attrs["title"] = "perfgen results"
        f.attrs["config"] = config
        for name, values in trials.items():
            f.create_dataset(f"trials/{name}", data=values)
    return str(path)


def six_trials(status, gen_error):
    """n 3 and 6 (rows 0-2, 3-5) × c~ 0, 0.5, 1, data seed 0."""
    return dict(trial=np.arange(6), n=np.repeat([3, 6], 3).astype(np.int32), data_seed=np.zeros(6, np.int64),
                c_tilde=np.tile([0.0, 0.5, 1.0], 2), init_scale=np.full(6, 1e-8),
                status=np.array(status, np.int8), gen_error=np.array(gen_error))


def bad_input(tmp_path, problem):
    """A missing file, a file that is not HDF5, or an HDF5 file that is not a perfgen result."""
    path = tmp_path / "input.h5"
    if problem == "not HDF5":
        path.write_text("not HDF5\n")
    elif problem == "not perfgen":
        with h5py.File(path, "w") as f:
            f["temperature"] = np.arange(3.0)
    return str(path)


def run_script(script, *args):
    return subprocess.run([sys.executable, os.path.join(ANALYSIS, script), *args], capture_output=True, text=True,
                          env={**os.environ, "MPLBACKEND": "Agg"})


def exit_code_and_stderr(main, argv, capsys):
    with pytest.raises(SystemExit) as stop:
        main(argv)
    return stop.value.code, capsys.readouterr().err


def test_trajectories_of_a_file_without_them_is_refused(tmp_path):
    path = write_results(tmp_path / "r.h5", FIG4_CONFIG, **six_trials([0] * 6, [1e-3] * 6))
    done = run_script("figures.py", "trajectories", path, "-o", str(tmp_path / "t.png"))
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert f"{path} has no /trajectories" in done.stderr and "[trajectories] trials" in done.stderr
    assert not (tmp_path / "t.png").exists()


def test_claims_help_prints_usage():
    done = run_script("claims.py", "--help")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage: claims.py") and "recovery" in done.stdout


@pytest.mark.parametrize("script", [figures, claims, boundary], ids=lambda module: module.__name__)
def test_every_script_prints_help(script, capsys):
    with pytest.raises(SystemExit) as stop:
        script.main(["--help"])
    assert stop.value.code == 0
    assert capsys.readouterr().out.startswith("usage:")


@pytest.mark.parametrize("problem", BAD_INPUTS)
@pytest.mark.parametrize("script, kind", SCRIPT_KINDS)
def test_bad_results_files_are_refused_in_one_line(tmp_path, capsys, script, kind, problem):
    path = bad_input(tmp_path, problem)
    if script == "figures":
        code, err = exit_code_and_stderr(figures.main, [kind, path, "-o", str(tmp_path / "x.png")], capsys)
    else:
        code, err = exit_code_and_stderr(claims.main, [kind, path], capsys)
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and path in err, err
    expected = {"missing": "no results file", "not HDF5": "not a readable HDF5 file",
                "not perfgen": "not a perfgen results file: it has no /trials group"}[problem]
    assert expected in err


@pytest.mark.parametrize("problem", BAD_INPUTS)
def test_boundary_refuses_a_perfgen_that_is_not_a_program(tmp_path, capsys, problem):
    path = bad_input(tmp_path, problem)
    code, err = exit_code_and_stderr(boundary.main, ["--lr", "0.1", "--perfgen", path], capsys)
    assert code == 2
    assert err.strip().endswith(f"{path} is not an executable perfgen binary (build it, or give --perfgen)")


def test_fig4_refuses_a_file_that_does_not_sweep_c_tilde(tmp_path, capsys):
    path = write_results(tmp_path / "fig1.h5", FIG1_CONFIG, **six_trials([0] * 6, [1e-3] * 6))
    code, err = exit_code_and_stderr(figures.main, ["fig4", path, "-o", str(tmp_path / "fig4.png")], capsys)
    assert code == 2
    assert f"{path} does not sweep c_tilde" in err
    assert all(name in err for name in ("gen_error", "one panel per n", "data_seed"))
    assert not (tmp_path / "fig4.png").exists()


def test_fig4_leaves_diverged_runs_out_of_the_axis_range(tmp_path, monkeypatch, capsys):
    # n = 6: one run diverged at a huge loss, one ended with a NaN gen error; n = 3 is clean.
    path = write_results(tmp_path / "r.h5", FIG4_CONFIG,
                         **six_trials([0, 1, 0, 3, 0, 1], [1e-3, 2e-2, 1e-9, 1e50, 5e-3, np.nan]))
    figs = []
    monkeypatch.setattr(figures, "_save", lambda fig, out: figs.append(fig))
    drawn = figures.fig4(path, str(tmp_path / "fig4.png"))
    assert len(drawn[(3, 0)][0]) == 3 and np.array_equal(drawn[(6, 0)][1], [np.nan, 5e-3, np.nan], equal_nan=True)
    n3, n6 = figs[0].axes[:2]
    for ax in (n3, n6):
        low, high = ax.get_ylim()
        assert 1e-10 < low and high < 1, ax.get_ylim()
    assert n3.get_title() == "n = 3" and n6.get_title() == "n = 6 (2 diverged, left out)"
    assert "left out 2 of 6 runs" in capsys.readouterr().err


def test_fig4_breaks_a_line_where_runs_were_left_out(tmp_path, monkeypatch):
    # n = 3, c~ 0, 0.5, 1: the run at c~ = 0.5 diverged; the line must not join c~ 0 to c~ 1.
    path = write_results(tmp_path / "r.h5", FIG4_CONFIG,
                         **six_trials([0, 3, 0, 0, 0, 0], [1e-3, 1e50, 1e-2, 1e-3, 1e-3, 1e-3]))
    figs = []
    monkeypatch.setattr(figures, "_save", lambda fig, out: figs.append(fig))
    drawn = figures.fig4(path, str(tmp_path / "fig4.png"))
    line = figs[0].axes[0].get_lines()[0]
    assert list(line.get_xdata()) == [0.0, 0.5, 1.0]
    assert np.array_equal(line.get_ydata(), [1e-3, np.nan, 1e-2], equal_nan=True)
    assert np.array_equal(drawn[(3, 0)][1], line.get_ydata(), equal_nan=True)


def test_fig1_warns_when_diverged_runs_enter_the_mean(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(figures, "_save", lambda fig, out: None)
    clean = write_results(tmp_path / "clean.h5", FIG1_CONFIG, **six_trials([0] * 6, [1e-3] * 6))
    figures.fig1(clean, str(tmp_path / "fig1.png"))
    assert capsys.readouterr().err == ""
    path = write_results(tmp_path / "r.h5", FIG1_CONFIG,
                         **six_trials([0, 0, 0, 3, 0, 0], [1e-3, 1e-3, 1e-3, 1e50, 1e-3, 1e-3]))
    figs = []
    monkeypatch.setattr(figures, "_save", lambda fig, out: figs.append(fig))
    drawn = figures.fig1(path, str(tmp_path / "fig1.png"))
    assert "fig1: the means include 1 of 6 runs that diverged" in capsys.readouterr().err
    assert drawn[6][1][0] > 1e49, "the mean itself is left as it was"
    n3, n6 = figs[0].axes[:2]
    assert n6.get_title() == "n = 6 (1 blew up: their means off scale)" and n3.get_title() == "n = 3"
    assert n6.get_ylim()[1] < 1, "the axis spans the runs that stayed finite"
    assert drawn[6][2][0] == 1e-3, "the median leaves the diverged run out"


def test_scale_gives_the_median_of_the_runs_that_did_not_blow_up(tmp_path, capsys):
    """n 3: one of three runs diverged (the mean is its 1e50, the median that of the other two); n 6: all
    three diverged (no median)."""
    columns = six_trials([0, 3, 0, 3, 3, 3], [1e-3, 1e50, 3e-3, 1e50, 1e50, 1e50])
    columns.update(recovered=np.zeros(6, np.int8))
    claims.scale(write_results(tmp_path / "r.h5", FIG1_CONFIG, **columns))
    rows = {int(line.split()[0]): line.split() for line in capsys.readouterr().out.splitlines()[1:]}
    assert rows[3][2:] == ["3.33e+49", "0/3", "1", "2.00e-03"], rows[3]
    assert rows[6][2:] == ["1.00e+50", "0/3", "3", "-"], rows[6]


def test_widths_orders_the_neurons_by_a_and_by_c(tmp_path, capsys):
    """Width 4 and width 3 padded to 4: |a| order 0, 1, 2, 3 against |C| order 0, 2, 1, 3."""
    final_a = np.array([[0.9, -0.05, 0.02, 0.001], [0.5, 0.4, 0.001, np.nan]])
    c = np.array([[-3.0, 1.0, 2.0, 0.5], [1.0, 2.0, 3.0, np.nan]])
    claims.widths(write_results(tmp_path / "r.h5", FIG1_CONFIG, width=np.array([4, 3], np.int32), final_a=final_a,
                                C=c, gen_error=np.array([1e-4, 2e-4]), status=np.zeros(2, np.int8)))
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("width     4:    3 neurons with |a_k| > 1% of the largest; 3 of them among the 3")
    assert lines[1].split() == "the largest |a_k| (0.900) has |C_k| rank 1; next |a_k| 0.050; 1 above 10%; the m "\
        "largest |a_k| are the m largest |C_k| up to m = 1; rank correlation 0.80".split()
    assert "(0.500) has |C_k| rank 3; next |a_k| 0.400; 2 above 10%;" in lines[3]
    assert lines[3].endswith("up to m = 0; rank correlation -1.00")


def write_groups(path, trials, trajectories):
    """A file holding only the given /trials and /trajectories columns (what the scripts read of a shard)."""
    with h5py.File(path, "w") as f:
        for group, columns in (("trials", trials), ("trajectories", trajectories or {})):
            for name, values in columns.items():
                f.create_dataset(f"{group}/{name}", data=values)


def unfinished_run(tmp_path, recorded=((0,), (4,))):
    """RUN.h5.shards/ of a run of trials 0-7 in batches of 2, batch 1 (trials 2, 3) not finished; the
    shards of batch 0 and of batches 2-3 record the trials in recorded. Trial k has init_scale 10^-k
    and c~ k/8, so a label or a c~ taken from the wrong row shows."""
    shards = tmp_path / "run.h5.shards"
    shards.mkdir()
    (shards / "config.toml").write_text(FIG4_CONFIG)
    for name, trials, traj in (("batches-00000000-to-00000000-every-1.h5", [0, 1], recorded[0]),
                               ("batches-00000002-to-00000003-every-1.h5", [4, 5, 6, 7], recorded[1])):
        trials = np.array(trials)
        iteration = np.tile(np.arange(4) * 10, (len(traj), 1))
        write_groups(shards / name,
                     dict(trial=trials, init_scale=10.0 ** -trials, c_tilde=trials / 8,
                          width=np.full(len(trials), 2, np.int32)),
                     dict(traj=np.array(traj), iteration=iteration, aligned_time=iteration + 1.0,
                          aligned_time_mu1=iteration + 2.0, loss=np.tile([1.0, 0.5, 0.1, 0.01], (len(traj), 1)),
                          theta=np.ones((len(traj), 4, 2))))
    return str(tmp_path / "run.h5")


def test_trajectories_of_an_unfinished_run_are_labelled_by_their_trial(tmp_path, monkeypatch):
    figs = []
    monkeypatch.setattr(figures, "_save", lambda fig, out: figs.append(fig))
    drawn = figures.trajectories(unfinished_run(tmp_path), str(tmp_path / "t.png"))
    assert sorted(drawn) == [0, 4]
    labels = [line.get_label() for line in figs[0].axes[0].get_lines()]
    assert labels == ["trial 0, s = 1e+00", "trial 4, s = 1e-04"]


def test_trajectories_plot_a2_where_the_second_neuron_begins(tmp_path, monkeypatch):
    """θ is neuron-major (a_k, w_k, b_k): with d = 3 and bias, a2 is parameter 5 of 10, not 3."""
    theta = np.tile(np.arange(10.0), (1, 4, 1))  # parameter p holds the value p at every checkpoint
    iteration = np.arange(4)[None, :] * 10
    write_groups(tmp_path / "d3.h5", dict(trial=np.array([0]), init_scale=np.array([1e-3]),
                                          width=np.array([2], np.int32)),
                 dict(traj=np.array([0]), iteration=iteration, aligned_time=iteration + 1.0,
                      aligned_time_mu1=iteration + 2.0, loss=np.array([[1.0, 0.5, 0.1, 0.01]]), theta=theta))
    figs = []
    monkeypatch.setattr(figures, "_save", lambda fig, out: figs.append(fig))
    figures.trajectories(str(tmp_path / "d3.h5"), str(tmp_path / "t.png"))
    lines = {line.get_label().split(",")[0]: line.get_ydata()[0] for line in figs[0].axes[1].get_lines()}
    assert lines == {"a1": 0.0, "w1": 1.0, "a2": 5.0}


def test_trajectories_without_theta_draw_the_loss_alone(tmp_path, monkeypatch):
    """[trajectories] theta = false: no /trajectories/theta, one panel of loss against aligned time."""
    iteration = np.arange(4)[None, :] * 10
    write_groups(tmp_path / "loss.h5", dict(trial=np.array([3]), init_scale=np.array([1e-3]),
                                            width=np.array([1000], np.int32)),
                 dict(traj=np.array([3]), iteration=iteration, aligned_time=iteration + 1.0,
                      aligned_time_mu1=iteration + 2.0, loss=np.array([[1.0, 0.5, 0.1, 0.01]])))
    figs = []
    monkeypatch.setattr(figures, "_save", lambda fig, out: figs.append(fig))
    drawn = figures.trajectories(str(tmp_path / "loss.h5"), str(tmp_path / "t.png"))
    assert len(figs[0].axes) == 1
    assert list(figs[0].axes[0].get_lines()[0].get_ydata()) == [1.0, 0.5, 0.1, 0.01]
    assert list(drawn) == [3]


def test_shards_and_a_checkpoint_they_override_count_each_trial_once(tmp_path):
    """A kill between a batch's shard and the removal of its checkpoint leaves both: trials 4 and 5
    are in the shard and in the checkpoint; the shard's rows are the ones read, once. The shards
    folder's own name works as the path too."""
    run = unfinished_run(tmp_path)
    write_groups(tmp_path / "run.h5.shards" / "batch-00000002-checkpoint.h5",
                 dict(trial=np.array([4, 5]), init_scale=np.array([9.0, 9.0]), c_tilde=np.array([9.0, 9.0]),
                      width=np.full(2, 2, np.int32)), None)
    for path in (run, run + ".shards", run + ".shards/"):
        trials = figures.load(path)
        assert list(trials["trial"]) == [0, 1, 4, 5, 6, 7]
        assert np.all(trials["init_scale"][2:4] < 1)  # the shard's rows (10^-k), not the checkpoint's 9.0


def test_fig4_refuses_a_file_whose_lines_would_join_other_axes(tmp_path, capsys):
    columns = six_trials([0] * 6, [1e-3] * 6)
    columns["init_seed"] = np.array([0, 1, 0, 1, 0, 1])
    path = write_results(tmp_path / "r.h5", FIG4_CONFIG, **columns)
    code, err = exit_code_and_stderr(figures.main, ["fig4", path, "-o", str(tmp_path / "x.png")], capsys)
    assert code == 2
    assert "also varies init_seed" in err


BEST_PER_SEED = "best log10 gen error of the runs from inside (0, 1), per data seed:"


def recovery_rows(out):
    """claims.py recovery's table, by n (the lines between its header and the per-seed lines)."""
    lines = out.splitlines()
    header = next(i for i, line in enumerate(lines) if line.split()[:2] == ["n", "recovered"])
    return {int(line.split()[0]): line for line in lines[header + 1:lines.index(BEST_PER_SEED)]}


def test_recovery_near_q1_ignores_the_padding_of_narrower_networks(tmp_path, capsys):
    """A sweep over width: a width-2 trial's third neuron is NaN padding, not a neuron off Q1."""
    columns = six_trials([0] * 6, [1e-9] * 6)
    columns.update(recovered=np.ones(6, np.int8), branch=np.ones(6, np.int8), lr_times_sharpness=np.full(6, 0.5),
                   width=np.array([2, 2, 2, 3, 3, 3], np.int32),
                   target_distance=np.array([[0.01, 0.02, np.nan]] * 3 + [[0.01, 0.02, 0.03]] * 3),
                   final_a=np.array([[0.3, 0.4, np.nan]] * 3 + [[0.3, 0.4, 0.2]] * 3))
    claims.recovery(write_results(tmp_path / "r.h5", FIG4_CONFIG, **columns))
    captured = capsys.readouterr()
    rows = recovery_rows(captured.out)
    assert rows[3].endswith("  1 (0; 0.50-0.50)"), rows[3]  # the width-2 run from inside counts
    assert "pool the widths [2, 3]" in captured.err


def test_recovery_counts_the_inside_runs_near_q1(tmp_path, capsys):
    """Near Q1: every neuron within 5% of ±w~0 and |a| > 0.05; only runs from inside (0, 1) count."""
    columns = six_trials([0, 1, 0, 0, 1, 0], [1e-9, 1e-6, 1e-9, 1e-9, 1e-6, 1e-9])
    columns.update(recovered=np.array([1, 0, 1, 1, 0, 1], np.int8), branch=np.array([2, 0, 1, 2, 0, 1], np.int8),
                   lr_times_sharpness=np.full(6, 0.5),
                   # rows 1 and 4 are inside (c~ 0.5); row 4's second neuron is nearly silent
                   target_distance=np.array([[0.01, 0.02]] * 6), final_a=np.array([[0.3, 0.4]] * 4 + [[0.3, 0.01],
                                                                                                      [0.3, 0.4]]))
    claims.recovery(write_results(tmp_path / "r.h5", FIG4_CONFIG, **columns))
    rows = recovery_rows(capsys.readouterr().out)
    assert rows[3].endswith("  1 (0; 0.50-0.50)"), rows[3]
    assert rows[6].endswith("  0"), rows[6]


def test_alignment_of_an_unfinished_run_groups_by_the_trials_c_tilde(tmp_path, capsys):
    claims.alignment(unfinished_run(tmp_path))
    groups = sorted({line.split(",")[0] for line in capsys.readouterr().out.splitlines()})
    assert groups == ["c~ 0.0000", "c~ 0.5000"]  # trials 0 and 4 (c~ 0 and 4/8), one curve each


def test_a_trajectory_of_a_trial_missing_from_trials_is_refused(tmp_path, capsys):
    path = unfinished_run(tmp_path, recorded=((0,), (2,)))  # trial 2 is in no shard's /trials
    code, err = exit_code_and_stderr(figures.main, ["trajectories", path, "-o", str(tmp_path / "t.png")], capsys)
    assert code == 2
    assert err.strip().endswith(f"{path} has trajectories of trials that /trials lacks: 2")


@pytest.mark.parametrize("script, kind", SCRIPT_KINDS)
def test_a_file_without_a_needed_column_is_refused_in_one_line(tmp_path, capsys, script, kind):
    path = str(tmp_path / "r.h5")
    write_groups(path, dict(trial=np.arange(6)), dict(traj=np.array([0])))
    with h5py.File(path, "a") as f:
        f.attrs["config"] = FIG4_CONFIG
    if script == "figures":
        code, err = exit_code_and_stderr(figures.main, [kind, path, "-o", str(tmp_path / "x.png")], capsys)
    else:
        code, err = exit_code_and_stderr(claims.main, [kind, path], capsys)
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and f"{path} has no /" in err and "column(s)" in err, err


def test_the_missing_columns_are_named(tmp_path, capsys):
    columns = six_trials([0] * 6, [1e-3] * 6)
    del columns["gen_error"], columns["status"]
    path = write_results(tmp_path / "r.h5", FIG1_CONFIG, **columns)
    code, err = exit_code_and_stderr(figures.main, ["fig1", path, "-o", str(tmp_path / "x.png")], capsys)
    assert code == 2
    assert len(err.strip().splitlines()) == 1, err
    assert err.strip().endswith(f"{path} has no /trials column(s) gen_error, status")


@pytest.mark.parametrize("where", ["missing folder", "a folder", "unknown format", "no extension"])
def test_an_output_that_cannot_be_written_is_refused(tmp_path, capsys, where):
    path = write_results(tmp_path / "r.h5", FIG1_CONFIG, **six_trials([0] * 6, [1e-3] * 6))
    out = {"missing folder": str(tmp_path / "no such folder" / "fig1.png"), "a folder": str(tmp_path),
           "unknown format": str(tmp_path / "fig1.xyz"), "no extension": str(tmp_path / "fig1")}[where]
    code, err = exit_code_and_stderr(figures.main, ["fig1", path, "-o", out], capsys)
    assert code == 2
    assert len(err.strip().splitlines()) == 1, err
    expected = {"missing folder": "the folder " + str(tmp_path / "no such folder") + " is missing",
                "a folder": f"{out} is a folder"}.get(where, "must end in an image format")
    assert expected in err
    assert not (tmp_path / "no such folder").exists()
    assert not any(p.suffix in (".png", ".xyz") for p in tmp_path.iterdir())


def test_boundary_refuses_a_range_that_does_not_bracket_the_boundary(tmp_path, capsys, monkeypatch):
    """Every c~ of [--lo, --hi] reaching Q1: the boundary lies below --lo, and no number is printed."""
    fake = tmp_path / "perfgen"
    fake.write_text("#!/bin/sh\nexit 0\n")
    fake.chmod(0o755)
    monkeypatch.setattr(boundary, "classify", lambda perfgen, lr, grid, budget, work: ["Q1"] * len(grid))
    code, err = exit_code_and_stderr(boundary.main, ["--lr", "0.1", "--lo", "0.8", "--hi", "0.95",
                                                     "--perfgen", str(fake)], capsys)
    assert code == 2
    assert "--lo 0.8 reaches Q1" in err
    assert "0.8" not in capsys.readouterr().out.split("\n", 1)[-1]
    for bad in (["--lo", "0.9", "--hi", "0.6"], ["--points", "0"]):
        code, err = exit_code_and_stderr(boundary.main, ["--lr", "0.1", *bad, "--perfgen", str(fake)], capsys)
        assert code == 2, bad


def test_boundary_refuses_a_perfgen_that_writes_no_results(tmp_path, capsys):
    fake = tmp_path / "fake-perfgen"
    fake.write_text("#!/bin/sh\nexit 0\n")  # like /bin/true: succeeds, writes nothing
    fake.chmod(0o755)
    code, err = exit_code_and_stderr(boundary.main, ["--lr", "0.1", "--perfgen", str(fake)], capsys)
    assert code == 1
    assert len(err.strip().splitlines()) == 1, err
    assert err.strip().endswith(f"{fake} run exited 0 but wrote no results file: is {fake} perfgen?")


def test_alignment_gives_the_gap_within_each_init_scale_too(tmp_path, capsys):
    """Four curves of one c~ at two scales: equal within a scale, half a decade apart across them."""
    path = tmp_path / "r.h5"
    iteration = np.tile(np.arange(4) * 10, (4, 1))
    loss = np.array([[1.0, 0.5, 0.1, 0.01]] * 2 + [[10 ** 0.5, 0.5 * 10 ** 0.5, 10 ** -0.5, 10 ** -1.5]] * 2)
    write_groups(path,
                 dict(trial=np.arange(4), c_tilde=np.full(4, 0.5), init_scale=np.array([1e-10, 1e-10, 1e-6, 1e-6])),
                 dict(traj=np.arange(4), iteration=iteration, aligned_time=iteration + 1.0,
                      aligned_time_mu1=iteration + 2.0, loss=loss))
    claims.alignment(str(path))
    gaps = [(line.split(", aligned with")[0], float(line.split("log10(loss) ")[1].split()[0]))
            for line in capsys.readouterr().out.splitlines()]
    assert gaps == [("c~ 0.5000", 0.5)] * 2 + [("c~ 0.5000 at scale 1e-10", 0.0)] * 2 + \
        [("c~ 0.5000 at scale 1e-06", 0.0)] * 2, gaps


def test_alignment_gives_the_gap_between_neighbouring_scales(tmp_path, capsys):
    """Three scales, one curve each: 1e-14 and 1e-10 a tenth of a decade apart, 1e-6 half a decade off."""
    path = tmp_path / "r.h5"
    iteration = np.tile(np.arange(4) * 10, (3, 1))
    loss = np.array([[1.0, 0.5, 0.1, 0.01]]) * np.array([[1.0], [10 ** 0.1], [10 ** 0.6]])
    write_groups(path, dict(trial=np.arange(3), c_tilde=np.full(3, 0.5), init_scale=np.array([1e-14, 1e-10, 1e-6])),
                 dict(traj=np.arange(3), iteration=iteration, aligned_time=iteration + 1.0,
                      aligned_time_mu1=iteration + 2.0, loss=loss))
    claims.alignment(str(path))
    gaps = {line.split(", aligned with")[0]: round(float(line.split("log10(loss) ")[1].split()[0]), 3)
            for line in capsys.readouterr().out.splitlines()}
    assert gaps["c~ 0.5000"] == 0.6
    assert gaps["c~ 0.5000 at scales 1e-14 and 1e-10"] == 0.1
    assert gaps["c~ 0.5000 at scales 1e-10 and 1e-06"] == 0.5


def test_alignment_gives_a_gap_below_a_thousandth_in_two_digits(tmp_path, capsys):
    """Two curves 4.2e-5 decades apart: three decimals would print 0.000, as if they were one curve."""
    path = tmp_path / "r.h5"
    iteration = np.tile(np.arange(3) * 10, (2, 1))
    loss = np.array([[1.0, 0.1, 0.01]]) * np.array([[1.0], [10 ** 4.2e-5]])
    write_groups(path, dict(trial=np.arange(2), c_tilde=np.full(2, 0.5), init_scale=np.full(2, 1e-10)),
                 dict(traj=np.arange(2), iteration=iteration, aligned_time=iteration + 1.0,
                      aligned_time_mu1=iteration + 2.0, loss=loss))
    claims.alignment(str(path))
    first = capsys.readouterr().out.splitlines()[0]
    assert "largest gap in log10(loss) 4.2e-05 (at aligned time" in first, first


def test_alignment_finds_a_gap_between_two_checkpoints_of_another_curve(tmp_path, capsys):
    """Curve 2 jumps a decade at aligned time 1.5 only, where curve 1 has no checkpoint: the gap is taken
    at every checkpoint of every curve, not on a grid that steps over it."""
    path = tmp_path / "r.h5"
    write_groups(path, dict(trial=np.arange(2), c_tilde=np.full(2, 0.5), init_scale=np.full(2, 1e-10)),
                 dict(traj=np.arange(2), iteration=np.array([[0, 1, 2, 3, -1], [0, 1, 2, 3, 4]]),
                      aligned_time=np.array([[0, 1, 2, 1000, 0], [0, 1, 1.5, 2, 1000]]),
                      aligned_time_mu1=np.array([[0, 1, 2, 1000, 0], [0, 1, 1.5, 2, 1000]]),
                      loss=np.array([[1.0, 1, 1, 1, 1], [1.0, 1, 10, 1, 1]])))
    claims.alignment(str(path))
    first = capsys.readouterr().out.splitlines()[0]
    assert "largest gap in log10(loss) 1.000 (at aligned time 1.5;" in first, first


def test_branches_describes_the_curve_of_the_q2_points(tmp_path, capsys):
    """Converged on Q2: the silent neuron (the farther one) nears ±w~0 as c~ grows; rank correlation -1."""
    columns = dict(trial=np.arange(5), recovered=np.ones(5, np.int8), status=np.zeros(5, np.int8),
                   branch=np.array([2, 2, 2, 2, 1], np.int8), c_tilde=np.array([0.1, 0.3, 0.2, 0.6, 1.0]),
                   target_distance=np.array([[0.01, 0.9], [0.5, 0.02], [0.7, 0.01], [0.01, 0.3], [0.01, 0.01]]))
    claims.branches(write_results(tmp_path / "r.h5", FIG4_CONFIG, **columns))
    last = capsys.readouterr().out.splitlines()[-1]
    assert last == ("Q2, converged: 4 runs; the silent neuron's distance to ±w~0 against c~: "
                    "Spearman -1.000, 0.90 at c~ 0.10 to 0.30 at c~ 0.60"), last


def test_minima_describes_the_off_target_minima_by_neuron(tmp_path, capsys):
    """Converged and not recovered: off target. The neuron nearer ±w~0 is neuron 2 in row 0 and neuron 1
    in row 1; |w~| of the other one is taken from θ (a, w, b per neuron, d = 1)."""
    theta = np.array([[0.2, 0.3, 0.4, 1.0, 1.0, 1.0], [0.9, 1.0, 1.0, 0.1, 0.0, 0.0], [1.0, 1.0, 1.0, 0.0, 0.0, 0.0]])
    columns = dict(trial=np.arange(3), n=np.full(3, 6, np.int32), width=np.full(3, 2, np.int32),
                   c_tilde_requested=np.array([0.01, 0.01, 0.0]), recovered=np.array([0, 0, 1], np.int8),
                   status=np.zeros(3, np.int8), gen_error=np.array([1e-2, 1e-4, 1e-12]), theta=theta,
                   final_a=theta[:, [0, 3]], target_distance=np.array([[0.8, 0.02], [0.04, 1.0], [0.0, 1.0]]))
    claims.minima(write_results(tmp_path / "r.h5", FIG4_CONFIG, **columns))
    rows = [line.split() for line in capsys.readouterr().out.splitlines()[2:]]
    assert rows == [["6", "0", "1/1", "0", "0", "-", "-", "-", "-", "-"],
                    ["6", "0.01", "0/2", "2", "0", "-3.0", "0.95", "0.030", "0.150", "0.250"]], rows


def test_fig3a_refuses_networks_it_cannot_draw(tmp_path, capsys):
    """d = 2 without a bias has six parameters too; the config, not θ's length, tells."""
    columns = dict(trial=np.arange(2), width=np.full(2, 2, np.int32), theta=np.zeros((2, 6)),
                   target_distance=np.ones((2, 2)), c_tilde=np.zeros(2), branch=np.zeros(2, np.int8),
                   n=np.full(2, 4, np.int32), data_seed=np.zeros(2, np.int64))
    path = write_results(tmp_path / "r.h5", FIG4_CONFIG + "[model]\ninput_dim = 2\nbias = false\n", **columns)
    code, err = exit_code_and_stderr(figures.main, ["fig3a", path, "-o", str(tmp_path / "x.png")], capsys)
    assert code == 2 and "not a sweep of two-neuron networks with d = 1" in err, err
    columns.update(data_seed=np.arange(2))
    path = write_results(tmp_path / "r2.h5", FIG4_CONFIG, **columns)
    code, err = exit_code_and_stderr(figures.main, ["fig3a", path, "-o", str(tmp_path / "x.png")], capsys)
    assert code == 2 and "has several values of data_seed: fig3a draws the runs on one data set" in err, err
    assert not (tmp_path / "x.png").exists()


@pytest.mark.parametrize("script, kind", [(figures, "fig10"), (claims, "minima")])
def test_a_sweep_without_a_requested_c_tilde_is_refused(tmp_path, capsys, script, kind):
    columns = dict(trial=np.arange(2), n=np.full(2, 6, np.int32), width=np.full(2, 2, np.int32),
                   c_tilde_requested=np.full(2, np.nan), recovered=np.zeros(2, np.int8), status=np.zeros(2, np.int8),
                   gen_error=np.ones(2), theta=np.zeros((2, 6)), final_a=np.zeros((2, 2)),
                   target_distance=np.ones((2, 2)))
    path = write_results(tmp_path / "r.h5", FIG1_CONFIG, **columns)
    argv = [kind, path] + (["-o", str(tmp_path / "x.png")] if script is figures else [])
    code, err = exit_code_and_stderr(script.main, argv, capsys)
    assert code == 2 and f"{path} requests no c_tilde" in err and len(err.strip().splitlines()) == 1, err


def test_minima_refuses_networks_that_are_not_two_neurons(tmp_path, capsys):
    columns = dict(trial=np.arange(1), n=np.full(1, 6, np.int32), width=np.full(1, 3, np.int32),
                   c_tilde_requested=np.zeros(1), recovered=np.zeros(1, np.int8), status=np.zeros(1, np.int8),
                   gen_error=np.ones(1), theta=np.zeros((1, 9)), final_a=np.zeros((1, 3)),
                   target_distance=np.ones((1, 3)))
    path = write_results(tmp_path / "r.h5", FIG4_CONFIG, **columns)
    code, err = exit_code_and_stderr(claims.main, ["minima", path], capsys)
    assert code == 2 and "is not a sweep of two-neuron networks" in err, err


def test_recovery_gives_the_best_gen_error_of_the_inside_runs_per_seed(tmp_path, capsys):
    columns = six_trials([0] * 6, [1e-3, 1e-5, 1e-9, 1e-4, 1e-12, 1e-2])
    columns.update(recovered=np.array([0, 0, 1, 0, 1, 0], np.int8), branch=np.zeros(6, np.int8),
                   lr_times_sharpness=np.full(6, 0.5), target_distance=np.ones((6, 2)), final_a=np.ones((6, 2)))
    claims.recovery(write_results(tmp_path / "r.h5", FIG4_CONFIG, **columns))
    out = capsys.readouterr().out.splitlines()
    best = out[out.index(BEST_PER_SEED) + 1:]
    assert best == ["  3  0: -5.0", "  6  0: -12.0"], best  # only c~ = 0.5 is inside
