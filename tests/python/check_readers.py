"""Opens a perfgen results file with independent readers (xarray + h5netcdf, h5py) and checks it, and
runs the Python blocks of README.md and docs/FILE_FORMAT.md on it as they are written.

Usage: check_readers.py FILE.h5   (exit status 0 when every check passes)
"""
import pathlib
import re
import sys

import h5py
import numpy as np
import xarray as xr


def main(path: str) -> None:
    trials = xr.open_dataset(path, group="trials", engine="h5netcdf")
    cells = xr.open_dataset(path, group="cells", engine="h5netcdf")

    assert set(trials.sizes) == {"trial", "neuron", "param", "weight"}, trials.sizes
    n_trials = trials.sizes["trial"]
    assert n_trials == 18, n_trials
    assert list(trials["trial"].values) == list(range(n_trials))
    for name in ["cell", "n", "data_seed", "init_seed", "init_scale", "c_tilde", "lr", "status", "iterations",
                 "final_loss", "grad_norm", "gen_error", "gen_max_abs", "recovered", "k_on", "k_silent", "k_other",
                 "gamma_norm", "mu1", "mu_gd", "log_C_norm", "c", "c_tilde_requested", "C", "theta0", "theta"]:
        assert name in trials, f"/trials lacks {name}"
    assert trials["theta"].dims == ("trial", "param")
    assert trials["C"].dims == ("trial", "neuron")
    assert trials["status"].attrs["flag_meanings"] == "converged max_iters stationary diverged"
    assert trials["status"].dtype == np.int8 and trials["recovered"].dtype == np.int8

    # Values that must agree with each other whoever reads them.
    threshold = 1e-8
    recovered = trials["recovered"].values.astype(bool)
    assert (recovered == (trials["gen_error"].values < threshold)).all()
    assert (trials["k_on"] + trials["k_silent"] + trials["k_other"] == trials["width"]).all()
    assert np.isfinite(trials["theta"].values).all()

    frame = cells.to_dataframe()
    assert len(frame) == 9, len(frame)
    assert (frame["finished_trials"] == 2).all()
    by_cell = trials[["cell", "recovered"]].to_dataframe().groupby("cell")["recovered"].sum().values
    assert (by_cell == frame["recovered"].values).all()
    assert set(frame.loc[frame["n"] == 2, "recovered"]) == {0}, "n = 2 never recovers"

    assert len(trials.to_dataframe()) > n_trials  # the 2-D columns multiply the rows (FILE_FORMAT.md says so)

    # Select on the requested c_tilde (the cell's axis value, exact), not on the measured c_tilde of θ0,
    # which may be 0.4999999999999999 for 0.5. Each requested value has 3 n × 2 data seeds = 6 trials.
    requested = trials["c_tilde_requested"]
    assert np.allclose(trials["c_tilde"], requested, rtol=0, atol=1e-12)
    half = trials.isel(trial=requested == 0.5)  # xarray
    assert half.sizes["trial"] == 6 and (half["c_tilde_requested"] == 0.5).all()
    # ...and it is a coordinate of the trials (CF `coordinates` on c_tilde), so .sel works on it.
    assert "c_tilde_requested" in trials.coords, list(trials.coords)
    by_label = trials.set_xindex("c_tilde_requested").sel(c_tilde_requested=0.5)
    assert by_label.sizes["trial"] == 6
    assert sorted(set(half["n"].values)) == [2, 4, 6] and half["recovered"].dtype == np.int8
    rates = trials["recovered"].groupby(requested).mean()
    assert list(rates["c_tilde_requested"].values) == [0.0, 0.5, 1.0], rates
    table = trials[["c_tilde_requested", "n", "recovered"]].to_dataframe()  # pandas
    assert len(table[table["c_tilde_requested"] == 0.5]) == 6
    by_request = table.groupby(["n", "c_tilde_requested"])["recovered"].sum()
    cell_sums = frame.set_index(["n", "c_tilde"])["recovered"]
    assert (by_request.values == cell_sums.values).all(), (by_request, cell_sums)

    with h5py.File(path, "r") as f:
        assert np.asarray(f.attrs["schema_version"]).item() == 4  # netCDF-style 1-element attribute
        assert f.attrs["backend"] == "cpu"  # text attributes read as str, not bytes
        assert f["trials/lr"].attrs["units"] == "time per step"
        assert (f["trials/trained_on"][:] == 0).all()  # every trial on the CPU (flag_meanings "cpu cuda cuda_then_cpu")
        assert f["trials/gen_error"].shape == (n_trials,)
    snippets = run_documented_snippets(path)
    print(f"readers OK: {n_trials} trials, {len(frame)} cells, {snippets} documented snippets")


def run_documented_snippets(path: str) -> int:
    """Each ```python block of the docs, with its file name replaced by path; returns how many ran."""
    root = pathlib.Path(__file__).resolve().parents[2]
    ran = 0
    for doc, name in [("README.md", "default-example1.h5"), ("docs/FILE_FORMAT.md", "run.h5")]:
        blocks = re.findall(r"```python\n(.*?)```", (root / doc).read_text(encoding="utf-8"), re.S)
        assert blocks, f"{doc} has no Python block"
        for block in blocks:
            assert f'"{name}"' in block, f"a block of {doc} does not open {name}"
            exec(block.replace(f'"{name}"', repr(path)), {})
            ran += 1
    return ran


if __name__ == "__main__":
    main(sys.argv[1])
