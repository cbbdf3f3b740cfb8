"""analysis/init_seed_copies.py on files the real binary (PERFGEN_BINARY) writes."""
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BINARY = os.environ.get("PERFGEN_BINARY", os.path.join(ROOT, "build", "perfgen"))
SCRIPT = os.path.join(ROOT, "analysis", "init_seed_copies.py")


def perfgen_run(output, *settings):
    args = [BINARY, "run", "-o", str(output), "--quiet", "--backend", "cpu", "--set", "train.max_iters=20000",
            "--set", "sweep.n=[3, 6]"]
    for setting in settings:
        args += ["--set", setting]
    run = subprocess.run(args, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr


def copies(path):
    run = subprocess.run([sys.executable, SCRIPT, str(path)], capture_output=True, text=True)
    return run.returncode, run.stdout, run.stderr


def test_init_seeds_under_imbalance_control_at_a_tiny_scale_agree(tmp_path):
    output = tmp_path / "controlled.h5"
    perfgen_run(output, "sweep.c_tilde=[0.0, 1.0]", "sweep.data_seed={range=[0, 2]}", "sweep.init_seed={range=[0, 3]}")
    code, out, err = copies(output)
    assert code == 0, err
    assert out.startswith("8 of 8 (cell, data seed) groups: all 3 init seeds agree"), out
    spread = float(out.splitlines()[1].rsplit(" ", 1)[1])
    assert spread < 1e-3, out  # the same trial to a thousandth of a decade of gen_error


def test_a_file_with_one_init_seed_and_a_file_that_is_not_perfgen_s_exit_two(tmp_path):
    output = tmp_path / "single.h5"
    perfgen_run(output, "sweep.c_tilde=[0.5]", "sweep.data_seed={range=[0, 2]}")
    not_results = tmp_path / "x.h5"
    not_results.write_text("not HDF5")
    for path in (output, not_results):
        code, _, err = copies(path)
        assert code == 2 and len(err.strip().splitlines()) == 1, err
