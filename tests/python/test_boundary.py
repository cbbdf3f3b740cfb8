"""analysis/boundary.py (gradient flow and descent) and analysis/boundary_fit.py on real runs of the binary
(PERFGEN_BINARY) and on made-up bracket files."""
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PYTHON = sys.executable
BINARY = os.environ.get("PERFGEN_BINARY", os.path.join(ROOT, "build", "perfgen"))


def run_script(name, *args):
    return subprocess.run([PYTHON, os.path.join(ROOT, "analysis", name), *args], capture_output=True, text=True)


def brackets(csv):
    with open(csv) as f:
        return [tuple(float(x) for x in line.split(",")) for line in f if line.strip()]


def test_flow_boundary_lies_below_the_descent_boundary_at_a_large_step(tmp_path):
    """The boundary moves with the step size: gradient flow (lr -> 0) and gradient descent at lr 0.2
    give disjoint brackets, the flow's lower (docs/REPRODUCTION.md, table B)."""
    csv = tmp_path / "b.csv"
    run = run_script("boundary.py", "--flow", "--lr", "0.2", "--tolerance", "0.002", "--time", "1e6", "--csv",
                     str(csv), "--perfgen", BINARY)
    assert run.returncode == 0, run.stderr
    rows = {lr: (lo, hi) for lr, lo, hi, _ in brackets(csv)}
    assert set(rows) == {0.0, 0.2}
    assert "stopped wider" not in run.stdout, run.stdout
    for lo, hi in rows.values():
        assert 0.5 < lo < hi < 0.95 and hi - lo <= 0.004
    assert rows[0.0][1] < rows[0.2][0]


def test_fit_recovers_the_intercept_of_a_known_curve(tmp_path):
    csv = tmp_path / "made_up.csv"
    curve = lambda lr: 0.6 + 0.3 * lr - 0.5 * lr * lr  # noqa: E731
    with open(csv, "w") as f:
        for lr in (0.2, 0.1, 0.05, 0.025, 0.0125):
            f.write(f"{lr},{curve(lr) - 0.001},{curve(lr) + 0.001},1e6\n")
        f.write("0,0.5995,0.6005,1e7\n")
    output = tmp_path / "fit.png"
    run = run_script("boundary_fit.py", str(csv), "-o", str(output), "--paper", str(curve(0.15)))
    assert run.returncode == 0, run.stderr
    assert "fit at lr = 0: 0.6000" in run.stdout  # 0.6000x
    assert "at lr = 0.150" in run.stdout
    assert output.stat().st_size > 1000


@pytest.mark.parametrize("content", ["0.1,0.7,0.71\n", "lr,low,high,time\n", "0.1,0.72,0.71,1e6\n",
                                     "0.1,0.7,0.71,1e6\n0.05,0.7,0.71,1e6\n"])
def test_fit_refuses_bad_input_with_exit_two(tmp_path, content):
    csv = tmp_path / "bad.csv"
    csv.write_text(content)
    run = run_script("boundary_fit.py", str(csv))
    assert run.returncode == 2
    assert len(run.stderr.strip().splitlines()) == 1
