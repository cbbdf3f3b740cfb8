"""Peers for perfgen's Example-1 workload: numpy (CuPy on a GPU), PyTorch (eager, torch.compile) and
JAX, each batched over networks in float64, the way a competent user would write them; on a GPU also
a plain CUDA kernel (a CuPy RawKernel: one thread per network, the whole step loop inside, no
stopping rule), the bar perfgen's own kernels must clear (issue 14).

Each peer first proves that it computes perfgen's final losses on the same trials (θ0 read from a file
perfgen wrote) to 1e-9 relative, then is timed on N networks × S steps. Each row is printed (and
flushed) as soon as it is measured, so a peer that hangs or is killed costs only its own row.

Usage: peers.py VERIFY.h5 NETWORKS STEPS PERFGEN_RATE [cpu|cuda] [PEERS]
PEERS: comma-separated, in the order to run, from rawkernel, jax, cupy, numpy, torch, torch.compile
(default: every peer of the device, rawkernel first on cuda).
(run by bench/peers/run.sh on the CPU and by bench/device_check.sh on the GPU)
"""
import sys
import time
from pathlib import Path

import h5py
import numpy as np

X = np.linspace(-2.0, 2.0, 6)
Y = np.tanh(X + 1.0)
LR = 0.05


def read_trials(path):
    with h5py.File(path, "r") as f:
        theta0 = f["trials/theta0"][...]
        final_loss = f["trials/final_loss"][...]
        steps = int(f["trials/iterations"][0])
    return theta0, final_loss, steps


def split(theta):
    """(B, 6) parameters in perfgen's order (a1, w1, b1, a2, w2, b2) -> a, w, b of shape (B, 2)."""
    t = theta.reshape(-1, 2, 3)
    return t[:, :, 0].copy(), t[:, :, 1].copy(), t[:, :, 2].copy()


def numpy_peer(theta0, steps, np=np):
    """np: numpy, or cupy (the same code on the GPU)."""
    a, w, b = (np.asarray(v) for v in split(theta0))
    x, y = np.asarray(X)[None, None, :], np.asarray(Y)[None, :]
    z = np.empty(a.shape + (6,))
    h = np.empty_like(z)
    common = np.empty_like(z)
    for _ in range(steps):
        np.multiply(w[:, :, None], x, out=z)
        z += b[:, :, None]
        np.tanh(z, out=h)
        r = np.einsum("bk,bki->bi", a, h) - y
        grad_a = np.einsum("bi,bki->bk", r, h)
        np.multiply(h, h, out=common)
        np.subtract(1.0, common, out=common)
        common *= r[:, None, :]
        common *= a[:, :, None]
        grad_w = (common * x).sum(axis=2)
        grad_b = common.sum(axis=2)
        a -= LR * grad_a
        w -= LR * grad_w
        b -= LR * grad_b
    r = np.einsum("bk,bki->bi", a, np.tanh(w[:, :, None] * x + b[:, :, None])) - y
    loss = 0.5 * (r * r).sum(axis=1)
    return loss.get() if hasattr(loss, "get") else loss


def cupy_peer(theta0, steps):
    import cupy

    return lambda: numpy_peer(theta0, steps, np=cupy)


# The plain kernel: what a CUDA programmer writes for this workload in an afternoon (one thread per
# network, the whole step loop inside, no stopping rule). Its source is cuda/plain_peer_kernel.cuh,
# which `perfgen bench` compiles into perfgen too: both time the same kernel.
RAW_KERNEL = (Path(__file__).resolve().parents[2] / "cuda" / "plain_peer_kernel.cuh").read_text()
assert len(X) == 6, "cuda/plain_peer_kernel.cuh is compiled for the 6 grid samples"


def rawkernel_peer(theta0, steps, block=128):
    """Compiles (NVRTC, through CuPy) and warms up untimed; returns the timed launch + copy back."""
    import cupy

    kernel = cupy.RawKernel(RAW_KERNEL, "train_plain")
    theta = cupy.asarray(np.ascontiguousarray(theta0, dtype=np.float64))
    networks = theta.shape[0]
    loss = cupy.empty(networks, dtype=cupy.float64)
    xs, ys = cupy.asarray(X), cupy.asarray(Y)
    grid = ((networks + block - 1) // block,)

    def launch(count):
        kernel(grid, (block,), (theta, loss, xs, ys, np.int64(networks), np.int32(count), np.float64(LR)))
        return loss.get()  # the copy waits for the kernel

    launch(1)
    return lambda: launch(steps)


def torch_step_function(device):
    import torch

    x = torch.tensor(X, dtype=torch.float64, device=device)
    y = torch.tensor(Y, dtype=torch.float64, device=device)

    def step(a, w, b):
        h = torch.tanh(w[:, :, None] * x + b[:, :, None])
        r = (a[:, :, None] * h).sum(dim=1) - y
        grad_a = (r[:, None, :] * h).sum(dim=2)
        common = r[:, None, :] * a[:, :, None] * (1.0 - h * h)
        return a - LR * grad_a, w - LR * (common * x).sum(dim=2), b - LR * common.sum(dim=2)

    def loss(a, w, b):
        r = (a[:, :, None] * torch.tanh(w[:, :, None] * x + b[:, :, None])).sum(dim=1) - y
        return 0.5 * (r * r).sum(dim=1)

    return step, loss


def torch_peer(theta0, steps, compiled=False, device="cpu"):
    """Returns a function that trains and returns the final losses; compilation happens here, untimed."""
    import torch

    step, loss = torch_step_function(device)
    if compiled:
        step = torch.compile(step)
    start = tuple(torch.tensor(v, dtype=torch.float64, device=device) for v in split(theta0))
    with torch.no_grad():
        step(*start)  # warm-up: compiles the step for these shapes

    def run():
        a, w, b = start
        with torch.no_grad():
            for _ in range(steps):
                a, w, b = step(a, w, b)
            return loss(a, w, b).cpu().numpy()  # the copy waits for the GPU

    return run


def jax_peer(theta0, steps, device="cpu"):
    import jax

    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp

    x, y = jnp.asarray(X), jnp.asarray(Y)

    def step(_, params):
        a, w, b = params
        h = jnp.tanh(w[:, :, None] * x + b[:, :, None])
        r = (a[:, :, None] * h).sum(axis=1) - y
        common = r[:, None, :] * a[:, :, None] * (1.0 - h * h)
        return a - LR * (r[:, None, :] * h).sum(axis=2), w - LR * (common * x).sum(axis=2), b - LR * common.sum(axis=2)

    @jax.jit
    def train(a, w, b):
        a, w, b = jax.lax.fori_loop(0, steps, step, (a, w, b))
        r = (a[:, :, None] * jnp.tanh(w[:, :, None] * x + b[:, :, None])).sum(axis=1) - y
        return 0.5 * (r * r).sum(axis=1)

    if device == "cuda" and jax.default_backend() != "gpu":
        raise RuntimeError(f"JAX runs on {jax.default_backend()}, not on a GPU")
    params = tuple(jnp.asarray(v) for v in split(theta0))
    train(*params).block_until_ready()  # compile outside the timing
    return lambda: np.asarray(train(*params).block_until_ready())


def timed(run):
    start = time.perf_counter()
    result = run()
    return result, time.perf_counter() - start


def main(verify_path, networks, steps, perfgen_rate, device="cpu", only=""):
    theta0, expected, verify_steps = read_trials(verify_path)
    rng_theta = np.resize(theta0, (networks, theta0.shape[1]))  # the timing batch: the same trials, repeated
    # Each entry prepares (compiles, allocates) untimed and returns the function that is timed.
    # JAX runs where it was installed for: the GPU build picks the GPU by itself.
    available = {
        "rawkernel": ("plain CUDA kernel (CuPy RawKernel)", rawkernel_peer),
        "jax": ("JAX float64 (jit + fori_loop)", lambda t, s: jax_peer(t, s, device=device)),
        "cupy": ("CuPy (the numpy code on the GPU)", cupy_peer),
        "numpy": ("numpy (batched, reused buffers)", lambda t, s: (lambda: numpy_peer(t, s))),
        "torch": ("PyTorch float64 (eager)", lambda t, s: torch_peer(t, s, device=device)),
        "torch.compile": ("PyTorch float64 (torch.compile)", lambda t, s: torch_peer(t, s, compiled=True, device=device)),
    }
    if only:
        order = [name.strip() for name in only.split(",") if name.strip()]
        unknown = [name for name in order if name not in available]
        if unknown:
            sys.exit(f"peers.py: unknown peers {unknown}; choose from {list(available)}")
    elif device == "cuda":
        order = ["rawkernel", "cupy", "torch", "torch.compile", "jax"]
    else:
        order = ["numpy", "torch", "torch.compile", "jax"]
    print(f"\nExample 1 (m = 2, n = 6 grid, tanh, lr {LR}), {networks} networks x {steps} steps, float64", flush=True)
    print(f"{'implementation':36s} {'network-steps/s':>16s} {'perfgen is':>11s}  check", flush=True)

    def row(name, rate, note):
        ratio = "" if name.startswith("perfgen") or np.isnan(rate) or np.isnan(perfgen_rate) else f"{perfgen_rate / rate:9.2f}x"
        rate_text = "-" if np.isnan(rate) else f"{rate:.3e}"
        print(f"{name:36s} {rate_text:>16s} {ratio:>11s}  {note}", flush=True)

    row(f"perfgen ({'CUDA' if device == 'cuda' else 'CPU, vector kernel'})", perfgen_rate, "reference")
    for key in order:
        name, prepare = available[key]
        try:
            got = prepare(theta0, verify_steps)()
            worst = float(np.max(np.abs(got - expected) / np.maximum(np.abs(expected), 1e-300)))
            if worst > 1e-9:
                row(name, float("nan"), f"REJECTED: final losses differ by {worst:.1e} relative")
                continue
            _, seconds = timed(prepare(rng_theta, steps))
            row(name, networks * steps / seconds, f"agrees to {worst:.1e}")
        except Exception as error:  # a peer that cannot run here is reported, not hidden
            row(name, float("nan"), f"did not run: {type(error).__name__}: {str(error)[:80]}")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), *sys.argv[5:7])
