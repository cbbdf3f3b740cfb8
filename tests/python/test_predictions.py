"""analysis/predictions.py on the real binary (PERFGEN_BINARY): theory's sample sizes beside measured recovery."""
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BINARY = os.environ.get("PERFGEN_BINARY", os.path.join(ROOT, "build", "perfgen"))
SCRIPT = os.path.join(ROOT, "analysis", "predictions.py")


def test_example1_recovers_first_at_the_optimistic_size_and_only_from_special_inits(tmp_path):
    output = tmp_path / "table.md"
    run = subprocess.run([sys.executable, SCRIPT, "--only", "m=2 d=1 tanh", "--seeds", "2", "--threshold", "1e-8",
                          "--perfgen", BINARY, "-o", str(output)], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    row = next(line for line in output.read_text().splitlines() if line.startswith("| m=2 d=1 tanh"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[2] == "3" and cells[3] == "4 / 5"  # perfgen rank's optimistic and separation sizes
    assert cells[5] == "3"  # the first n with any recovery is the optimistic size
    n3 = next(line for line in output.read_text().splitlines() if line.strip().startswith("n =  3:"))
    assert "generic   0/18" in n3 and "special    4/4" in n3


def test_unknown_architecture_and_missing_folder_exit_two(tmp_path):
    for args in (["--only", "m=9"], ["-o", str(tmp_path / "missing" / "t.md")]):
        run = subprocess.run([sys.executable, SCRIPT, "--perfgen", BINARY, *args], capture_output=True, text=True)
        assert run.returncode == 2
        assert len(run.stderr.strip().splitlines()) == 1


def test_a_perfgen_that_does_not_answer_as_perfgen_exits_two(tmp_path):
    fake = tmp_path / "perfgen"
    fake.write_text("#!/bin/sh\nexit 0\n")  # like /bin/true: runs, prints nothing
    fake.chmod(0o755)
    run = subprocess.run([sys.executable, SCRIPT, "--perfgen", str(fake), "--only", "m=2 d=1 tanh"],
                         capture_output=True, text=True)
    assert run.returncode == 2, run.stderr
    assert len(run.stderr.strip().splitlines()) == 1, run.stderr
    assert "is it perfgen?" in run.stderr
