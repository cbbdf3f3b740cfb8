#include "backend_choice.h"

#include <algorithm>
#include <exception>
#include <thread>

#include "cpu_backend.h"
#include "cuda_backend.h"
#include "device_probe.h"
#include "errors.h"

namespace perfgen {

int ranks_sharing_device(int local_rank, int local_size, int devices) {
  const int device = local_rank % devices;
  return device < local_size ? (local_size - 1 - device) / devices + 1 : 1;
}

std::unique_ptr<Backend> choose_backend(const RunOptions& options, int local_rank, int local_size, std::ostream& err) {
  std::string gpu;
  const bool automatic = options.backend == BackendChoice::automatic;
  if (options.backend != BackendChoice::cpu) {
    const cuda::DeviceProbe probe = cuda::probe_devices();
    const std::vector<cuda::DeviceInfo> usable = cuda::usable_devices(probe);
    if (!usable.empty()) {
      const int devices = static_cast<int>(usable.size());
      cuda::CudaOptions shared;
      shared.device_sharers = ranks_sharing_device(local_rank, local_size, devices);
      auto backend = std::make_unique<cuda::CudaBackend>(usable[local_rank % devices].index, shared);
      if (!automatic) return backend;
      // --backend auto uses both: the CPU finishes the last networks of a part when they would finish
      // sooner there (docs/CUDA.md, "The last networks").
      auto cpu = std::make_unique<CpuBackend>(options.threads, options.cpu_kernel);
      const int slots = cpu->slots();
      if (!options.quiet)
        err << "perfgen: backend auto: using CUDA on " << backend->device() << "; the last networks finish on the "
            << cpu->device() << '\n';
      const CpuKernel kernel = options.cpu_kernel;
      backend->set_tail_helper(TailHelper{std::move(cpu), slots, [kernel](const MaterializedTrial& example) {
                                            return network_steps_per_second(example, kernel);
                                          }});
      return backend;
    }
    gpu = probe.devices.empty() ? "no usable CUDA device (" + probe.problem + ")"
                                : "no usable CUDA device (" + cuda::unusable_reason(probe.devices.front()) + ")";
    if (options.backend == BackendChoice::cuda) throw BackendUnavailable("--backend cuda: " + gpu);
  }
  auto backend = std::make_unique<CpuBackend>(options.threads, options.cpu_kernel);
  if (automatic && !options.quiet)
    err << "perfgen: backend auto: " << gpu << "; using the " << backend->device() << '\n';
  return backend;
}

namespace {

bool is_cancel(const std::exception_ptr& failure) {
  try {
    std::rethrow_exception(failure);
  } catch (const TrainingCancelled&) {
    return true;
  } catch (...) {
    return false;
  }
}

}  // namespace

void train_batch(Backend& backend, const std::vector<MaterializedTrial>& trials, const EvaluationContext& context,
                 std::vector<TrialOutcome>& outcomes, TrainControl& control, int cpu_threads) {
  auto needs_cpu = [&](const MaterializedTrial& t) {
    return (t.records_trajectory() && !backend.records_trajectories()) ||
           (t.train.method == TrainMethod::flow && !backend.trains_flow());
  };
  if (std::none_of(trials.begin(), trials.end(), needs_cpu)) return backend.train(trials, context, outcomes, control);
  std::vector<MaterializedTrial> plain, for_cpu;
  for (const MaterializedTrial& t : trials) (needs_cpu(t) ? for_cpu : plain).push_back(t);
  std::vector<TrialOutcome> plain_out, for_cpu_out;
  // The CPU's share trains beside the backend's, not after it (a CUDA run's recorded trials would
  // otherwise add their whole time to the batch's). A failure on either side stops the other as a
  // cancel would, and is what is thrown; a cancel is thrown only when nothing else failed.
  std::exception_ptr cpu_failure, backend_failure;
  std::thread cpu_share([&] {
    try {
      CpuBackend(cpu_threads).train(for_cpu, context, for_cpu_out, control);
    } catch (...) {
      cpu_failure = std::current_exception();
      control.abandoned = true;
    }
  });
  try {
    backend.train(plain, context, plain_out, control);
  } catch (...) {
    backend_failure = std::current_exception();
    control.abandoned = true;
  }
  cpu_share.join();
  // outcomes[i] belongs to trials[i] also after a failure, when some outcomes were never made.
  plain_out.resize(plain.size());
  for_cpu_out.resize(for_cpu.size());
  outcomes.assign(trials.size(), {});
  std::size_t p = 0, c = 0;
  for (std::size_t i = 0; i < trials.size(); ++i)
    outcomes[i] = std::move(needs_cpu(trials[i]) ? for_cpu_out[c++] : plain_out[p++]);
  for (const std::exception_ptr& failure : {backend_failure, cpu_failure})
    if (failure && !is_cancel(failure)) std::rethrow_exception(failure);
  if (backend_failure || cpu_failure) std::rethrow_exception(backend_failure ? backend_failure : cpu_failure);
}

}  // namespace perfgen
