// `perfgen bench`: network-steps per second of each installed backend and kernel on Example 1
// (m = 2, d = 1, bias, tanh, n = 6 grid points), each network running exactly --steps steps, and the
// fraction of the machine's FP64 peak that the arithmetic reaches. Only training is timed, except in
// the end-to-end rows (host/run/bench_end_to_end.cpp), whole runs of the same workload.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <iomanip>
#include <memory>
#include <ostream>
#include <thread>
#include <vector>

#include "bench_end_to_end.h"
#include "command_support.h"
#include "commands.h"
#include "cpu_backend.h"
#include "cuda_backend.h"
#include "device_probe.h"
#include "errors.h"
#include "example1_fixture.h"
#include "experiment_file.h"
#include "fp64_peak.h"
#include "hot_code.h"
#include "interrupt.h"
#include "materialize.h"
#include "plain_peer.h"
#include "simd_pack.h"

namespace perfgen {
namespace {

// The Example-1 fixture (data/example1.toml) with the convergence test off, so that every network
// runs its whole budget. The fixture ends with its [train] table, which this appends to.
const std::string kWorkload = std::string(kExample1Fixture) + "loss_tol = 0.0\n";

// Independent FMA chains on one thread, in the code the CPU kernels run (a portable build's x86-64-v3
// copy where the CPU has it: hot_code.h).
constexpr int kChains = 16;
PERFGEN_CPU_HOT void fma_chains(std::int64_t rounds) {
  simd::Pack acc[kChains];
  for (int c = 0; c < kChains; ++c) acc[c] = simd::Pack(1.0 + c * 1e-3);
  const simd::Pack m(0.999999999), a(1e-9);
  for (std::int64_t r = 0; r < rounds; ++r)
    for (auto& x : acc) x = simd::fused(x, m, a);  // one FMA per chain (the build fuses nothing by itself)
  simd::Pack sum(0.0);
  for (const auto& x : acc) sum += x;  // every chain is used, so none can be dropped
  volatile double sink = sum[0];
  (void)sink;
}

// The CPU's FP64 peak measured, not looked up: fma_chains on every thread for 0.3 s, in pieces of 2^20
// rounds (a few ms), so that a slow build (a sanitizer's: 100 times slower) takes 0.3 s too.
double cpu_fp64_peak(int threads) {
  constexpr std::int64_t kPiece = std::int64_t{1} << 20;
  const auto start = std::chrono::steady_clock::now();
  const auto end = start + std::chrono::milliseconds(300);
  std::vector<std::int64_t> rounds(static_cast<std::size_t>(threads), 0);
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&, t] {
      do {
        fma_chains(kPiece);
        rounds[static_cast<std::size_t>(t)] += kPiece;
      } while (std::chrono::steady_clock::now() < end);
    });
  for (auto& t : pool) t.join();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  double total = 0;
  for (std::int64_t r : rounds) total += static_cast<double>(r);
  return 2.0 * simd::kLanes * kChains * total / seconds;
}

struct Workload {
  std::string label;
  std::vector<MaterializedTrial> trials;
  EvaluationContext context;
  double network_steps;
  double flops_per_step;
  std::int64_t activations_per_step;  // m · n activations (tanh) besides the flops
};

// `networks` trials of the bench experiment, every one running exactly `steps` steps. Two-neuron
// networks differ by c~ (imbalance control), wider ones by their init seed.
Workload make_workload(const std::string& label, std::int64_t networks, std::int64_t steps,
                       std::vector<std::string> overrides) {
  if (overrides.empty()) {
    overrides = bench_workload_overrides(networks, steps);
  } else {
    overrides.push_back("train.max_iters=" + std::to_string(steps - 1));
    overrides.push_back("sweep.init_seed={range=[0, " + std::to_string(networks) + "]}");
  }
  const Experiment e = load_experiment(kWorkload, "<bench workload>", overrides);
  const Plan plan(e);
  Materializer materializer(plan);
  const NetShape shape = plan.shape(plan.cells().front());
  Workload w{label,
             {},
             materializer.evaluation(),
             static_cast<double>(networks) * steps,
             network_step_flops(shape, plan.max_n()),
             std::int64_t{shape.width} * plan.max_n()};
  w.trials = materializer.materialize_range(0, plan.trial_count(), 0);
  return w;
}

double seconds_to_train(Backend& backend, const Workload& w) {
  std::vector<TrialOutcome> outcomes;
  TrainControl control;
  const auto start = std::chrono::steady_clock::now();
  backend.train(w.trials, w.context, outcomes, control);
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// The CPU's latency rows: one network alone, its steps one after another on one thread, which is what
// the tail of a sweep waits for (one network × 10^9 steps is the latency benchmark of the CUDA issue:
// --cpu-latency-steps 1000000000).
void bench_cpu_latency(const BenchOptions& options, const std::atomic<bool>& stop, std::ostream& out) {
  if (options.cpu_latency_steps <= 0) return;
  const Workload w = make_workload("latency", 1, options.cpu_latency_steps, {});
  for (const CpuKernel kernel : {CpuKernel::vector, CpuKernel::scalar}) {
    if (stop) return;
    CpuBackend backend(1, kernel);
    const double seconds = seconds_to_train(backend, w);
    out << std::left << std::setw(10) << "cpu" << std::setw(48) << backend.device() << "latency: 1 network x "
        << options.cpu_latency_steps << " steps in " << std::fixed << std::setprecision(2) << seconds << " s, "
        << std::setprecision(3) << 1e6 * seconds / w.network_steps << " us per step" << std::endl
        << std::defaultfloat;
  }
}

// The plain kernel peer (cuda/plain_peer_kernel.cuh, also bench/peers/peers.py's RawKernel) on the same
// networks and steps as perfgen's 10^6-network row: its rate, perfgen's ratio to it, and how far its
// final losses are from the CPU's scalar kernel on the first 256 networks (two tanh and two rounding
// rules: agreement to ~1e-9 relative, as peers.py requires).
void bench_plain_peer(int device, const Workload& w, double perfgen_rate, std::ostream& out) {
  std::vector<double> theta0;
  for (const MaterializedTrial& t : w.trials) theta0.insert(theta0.end(), t.theta0.begin(), t.theta0.end());
  const MaterializedTrial& first = w.trials.front();
  const int steps = static_cast<int>(first.train.max_iters);  // the descents perfgen takes (max_iters)
  const cuda::PlainPeerRun run =
      cuda::run_plain_peer(device, theta0, first.inputs, first.targets, steps, first.train.lr);
  const std::vector<MaterializedTrial> checked(w.trials.begin(),
                                               w.trials.begin() + std::min<std::size_t>(256, w.trials.size()));
  std::vector<TrialOutcome> reference;
  TrainControl control;
  CpuBackend(0, CpuKernel::scalar).train(checked, w.context, reference, control);
  double worst = 0.0;
  for (std::size_t i = 0; i < checked.size(); ++i) {
    const double d = std::abs(run.final_loss[i] - reference[i].train.final_loss) /
                     std::max(std::abs(reference[i].train.final_loss), 1e-300);
    if (!(d <= worst)) worst = d;  // a NaN is the worst
  }
  const double rate = w.network_steps / run.seconds;
  out << std::left << std::setw(46) << "plain CUDA kernel (peer), same networks" << std::setw(44)
      << "one thread per network, no stop" << std::scientific << std::setprecision(3) << std::setw(18) << rate
      << std::defaultfloat << "perfgen is " << std::fixed << std::setprecision(2) << perfgen_rate / rate
      << "x of it; final losses agree with the CPU to " << std::scientific << std::setprecision(1) << worst << std::endl
      << std::defaultfloat;
}

struct CudaRow {
  std::shared_ptr<const Workload> workload;  // shared by rows that train it with other options
  cuda::CudaOptions options;                 // lanes per network: 0 lets the backend choose
  std::string label = "";                    // "": the workload's
  double fp64_instructions_per_step = 0;     // 0: not counted for this workload's shape
};

// The GPU rows: Example 1 at 10^4, 10^5 and 10^6 networks (10^6 also in the kernel that holds 8 samples), one wide
// case, and the latency case (100 networks × --latency-steps, where the time of one network's steps rules) with one
// network per thread and spread over 4 and 8 lanes.
void bench_cuda(int device, const BenchOptions& options, const std::atomic<bool>& stop, std::ostream& out) {
  const double peak = cuda::measured_fp64_peak(device);
  constexpr double kInstructions = cuda::kExample1Fp64InstructionsPerStep;
  out << "\nCUDA: " << cuda::CudaBackend(device).device() << ", FP64 peak " << std::scientific << std::setprecision(2)
      << peak << " flop/s (measured: FMA chains on every SM; an FMA is 2 flops in one instruction)\n"
      << std::defaultfloat << "of FP64 instr.: Example 1's " << kInstructions
      << " FP64 instructions per step (cuda/fp64_peak.h: a static PTX count until ncu's) x network-steps/s, of "
      << "peak / 2 instructions/s\n"
      << std::left << std::setw(46) << "workload" << std::setw(44) << "kernel" << std::setw(18) << "network-steps/s"
      << std::setw(14) << "of FP64 peak" << std::setw(16) << "of FP64 instr."
      << "wall" << std::endl;
  std::vector<CudaRow> rows;
  constexpr std::size_t kMillionRow = 2;  // the row of 10^6 networks, which the plain kernel peer repeats
  auto workload = [](auto&&... args) { return std::make_shared<const Workload>(make_workload(args...)); };
  for (const std::int64_t networks : {10'000, 100'000, 1'000'000})
    rows.push_back({workload("Example 1, " + std::to_string(networks) + " networks", networks, options.steps,
                             std::vector<std::string>{}),
                    {},
                    "",
                    kInstructions});
  // The same 10^6 networks in the kernel that holds 8 samples, whose registers 6 samples do not need:
  // what holding fewer gains (cuda/kernels.h).
  rows.push_back(
      {rows[kMillionRow].workload, {0, 0, 1, 8}, "Example 1, 10^6 networks, 8-sample kernel", kInstructions});
  rows.push_back({workload("wide: m = 1000, rational, 1024 networks", 1024, 1000,
                           std::vector<std::string>{"model.width=1000", "model.activation=rational"}),
                  {}});
  const auto latency = workload("latency: Example 1, 100 networks x " + std::to_string(options.latency_steps), 100,
                                options.latency_steps, std::vector<std::string>{});
  // One lane per network runs the per-thread kernel, whose instructions are counted; the lane groups
  // split a step's samples over lanes and add the butterfly sums.
  for (const int lanes : {1, 4, 8}) rows.push_back({latency, {lanes, 0}, "", lanes == 1 ? kInstructions : 0});
  double million_row_rate = 0.0;  // perfgen's rate on that row, for the plain kernel's ratio
  for (const CudaRow& row : rows) {
    if (stop) return;
    cuda::CudaBackend backend(device, row.options);
    const Workload& w = *row.workload;
    const double seconds = seconds_to_train(backend, w), rate = w.network_steps / seconds;
    if (&row == &rows[kMillionRow]) million_row_rate = rate;
    const std::string of_instruction_peak =
        row.fp64_instructions_per_step > 0
            ? std::to_string(100.0 * rate * row.fp64_instructions_per_step / (peak / 2)).substr(0, 5) + "%"
            : "-";
    out << std::left << std::setw(46) << (row.label.empty() ? w.label : row.label) << std::setw(44)
        << backend.last_kernels() << std::scientific << std::setprecision(3) << std::setw(18) << rate << std::fixed
        << std::setprecision(1) << std::setw(14)
        << (std::to_string(100.0 * rate * w.flops_per_step / peak).substr(0, 5) + "%") << std::setw(16)
        << of_instruction_peak << std::setprecision(2) << seconds << " s"
        << std::endl  // a row is kept even if a later one hangs
        << std::defaultfloat;
  }
  bench_plain_peer(device, *rows[kMillionRow].workload, million_row_rate, out);
}

// What the bench cannot do is refused before its first row: the networks, and each end-to-end row's
// trials, are one c_tilde axis of the workload (at most 10^6 values). (--threads is bounded by the
// command line, host/run/cli.cpp.)
void check_bench_options(const BenchOptions& options) {
  constexpr std::int64_t kMostValues = 1'000'000;
  if (options.networks > kMostValues)
    throw InputError("--networks",
                     "must be at most 1000000 (one axis of the workload), got " + std::to_string(options.networks));
  for (const std::int64_t trials : options.end_to_end_trials)
    if (trials > kMostValues)
      throw InputError("--end-to-end", "each row must be at most 1000000 trials (one axis of the workload), got " +
                                           std::to_string(trials));
}

}  // namespace

// SIGINT or SIGTERM stops the bench after the row in flight (a second one at once): exit 75, the rows
// printed so far complete.
int bench_command(const BenchOptions& options, std::ostream& out, std::ostream& err) {
  return with_exit_codes(err, [&] {
    check_bench_options(options);
    const InterruptHandling interrupts;
    auto stopped = [&] {
      err << "perfgen: " << interrupts.signal_name() << ": bench stopped; the rows above are complete\n";
      return int(kExitInterrupted);
    };
    const Workload w = make_workload("Example 1", options.networks, options.steps, {});
    const int threads = CpuBackend(options.threads).threads();
    const double peak = cpu_fp64_peak(threads);

    out << "perfgen bench: Example 1 (m = 2, d = 1, n = 6, tanh), " << options.networks << " networks x "
        << options.steps << " steps, " << threads << " threads\n"
        << std::scientific << std::setprecision(2) << "FP64 peak " << peak << " flop/s (measured: FMA chains, "
        << simd::kLanes << " lanes, all threads); " << std::defaultfloat << static_cast<int>(w.flops_per_step)
        << " flops per network-step besides " << w.activations_per_step << " tanh\n\n"
        << std::left << std::setw(10) << "backend" << std::setw(48) << "kernel" << std::setw(20) << "network-steps/s"
        << "of FP64 peak\n";
    for (const CpuKernel kernel : {CpuKernel::vector, CpuKernel::scalar}) {
      if (interrupts.requested()) return stopped();
      CpuBackend backend(options.threads, kernel);
      const double rate = w.network_steps / seconds_to_train(backend, w);
      out << std::left << std::setw(10) << "cpu" << std::setw(48) << backend.device() << std::scientific
          << std::setprecision(3) << std::setw(20) << rate << std::fixed << std::setprecision(1)
          << 100.0 * rate * w.flops_per_step / peak << "%" << std::endl
          << std::defaultfloat;
    }
    bench_cpu_latency(options, interrupts.requested(), out);
    if (interrupts.requested()) return stopped();
    const cuda::DeviceProbe probe = cuda::probe_devices();
    const std::vector<cuda::DeviceInfo> usable = cuda::usable_devices(probe);
    if (usable.empty()) {
      out << std::left << std::setw(10) << "cuda"
          << "not measured: " << (probe.devices.empty() ? probe.problem : cuda::unusable_reason(probe.devices.front()))
          << std::endl;
      return bench_end_to_end(BackendChoice::cpu, kWorkload, options, interrupts.requested(), out) ? int(kExitOk)
                                                                                                   : stopped();
    }
    bench_cuda(usable.front().index, options, interrupts.requested(), out);
    if (interrupts.requested()) return stopped();
    return bench_end_to_end(BackendChoice::cuda, kWorkload, options, interrupts.requested(), out) ? int(kExitOk)
                                                                                                  : stopped();
  });
}

}  // namespace perfgen
