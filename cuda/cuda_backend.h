// The CUDA backend: the tiny regime's persistent kernel (one network per thread, the iteration loop
// inside the kernel, each network stopping on its own criterion, an idle thread taking the next
// waiting network), evaluation on the device, the same shared math as the CPU.
// This header is plain C++: host code constructs the backend without nvcc.
#pragma once

#include <memory>
#include <string>

#include "perfgen/backend.h"

namespace perfgen::cuda {

class CudaBackend : public Backend {
 public:
  explicit CudaBackend(int device = 0);
  ~CudaBackend() override;
  std::string name() const override { return "cuda"; }
  std::string device() const override;
  void train(const std::vector<MaterializedTrial>& trials, const EvaluationContext& context,
             std::vector<TrialOutcome>& outcomes, TrainControl& control) override;

 private:
  int device_;
  std::string description_;
};

}  // namespace perfgen::cuda
