"""Each figure type drawn from a small file that the perfgen binary writes in the test; checks the image
and the numbers it was drawn from. Run by CTest (analysis.figures) with PERFGEN_BINARY set."""
import os
import subprocess
import sys

import numpy as np
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "analysis"))
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
