"""Each figure type drawn from a small file that the perfgen binary writes in the test; checks the image
and the numbers it was drawn from. Run by CTest (analysis.figures) with PERFGEN_BINARY set."""
import os
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


def test_fig1_gen_error_against_scale(tmp_path):
    drawn = figures.fig1(run(tmp_path, "fig1a-c-small.toml"), str(tmp_path / "fig1.png"))
    check_png(tmp_path / "fig1.png")
    assert sorted(drawn) == [2, 3, 4]
    scales, mean = drawn[2]
    assert len(scales) == 7 and np.all(np.diff(scales) > 0)
    assert np.all(mean > 1e-3), "two points never recover the target"


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


def test_fig3b_branch_against_ratio(tmp_path):
    path = run(tmp_path, "fig3-small.toml")
    drawn = figures.fig3b(path, str(tmp_path / "fig3b.png"))
    check_png(tmp_path / "fig3b.png")
    assert drawn["ratio"].shape == (100,)
    assert set(np.unique(drawn["branch"])) <= {0, 1, 2}
    assert np.any(drawn["branch"] == 2), "n = 6 small inits reach Q2 for imbalanced seeds"


def test_fig4_gen_error_against_c_tilde(tmp_path):
    drawn = figures.fig4(run(tmp_path, "fig4-small.toml"), str(tmp_path / "fig4.png"))
    check_png(tmp_path / "fig4.png")
    assert len(drawn) == 25  # 5 n × 5 data seeds
    for seed in range(5):
        c, gen = drawn[(2, seed)]
        assert len(c) == 11 and np.all(gen > 1e-8), "n = 2 never recovers"
    # lr 0.5 under ½Σ: 33 runs (most at n = 6) diverge at gen errors near 1e50; they are left out (issue 13)
    gen = np.concatenate([gen for _, gen in drawn.values()])
    assert gen.size < 275 and gen.max() < 1


def test_fig6_neuron_magnitudes_against_width(tmp_path):
    drawn = figures.fig6(run(tmp_path, "fig6-small.toml"), str(tmp_path / "fig6.png"))
    check_png(tmp_path / "fig6.png")
    assert sorted(drawn) == [2, 5, 10, 50]
    assert all(len(drawn[w]) == w for w in drawn)


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
@pytest.mark.parametrize("script, kind", [("figures", k) for k in figures.KINDS] + [("claims", k) for k in claims.KINDS])
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
    assert len(drawn[(3, 0)][0]) == 3 and list(drawn[(6, 0)][1]) == [5e-3]
    n3, n6 = figs[0].axes[:2]
    for ax in (n3, n6):
        low, high = ax.get_ylim()
        assert 1e-10 < low and high < 1, ax.get_ylim()
    assert n3.get_title() == "n = 3" and n6.get_title() == "n = 6 (2 diverged, left out)"
    assert "left out 2 of 6 runs" in capsys.readouterr().err
