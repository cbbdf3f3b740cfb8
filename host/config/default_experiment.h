// The experiment `perfgen run` uses without a file: Example 1 of the paper (m = 2, d = 1, bias,
// tanh, target tanh(x + 1)) on Gaussian data, swept over n and c_tilde with several data seeds.
// Sized to finish in about half a minute on two CPU cores (vector kernel); lr 0.2 is below 2/sharpness for
// these datasets under the half-sum loss (no run diverges).
#pragma once

namespace perfgen {

inline constexpr const char* kDefaultExperiment = R"toml(
name = "default-example1"

[model]
width = 2
input_dim = 1
bias = true
activation = "tanh"

[target]
a = 1.0
w = [1.0]
b = 1.0

[data]
distribution = "gaussian"

[init]
scale = 1e-20

[train]
lr = 0.2
loss = "half_sum"
max_iters = 20_000_000
loss_tol = 1e-15

[eval]
test_points = 1000
recovery_threshold = 1e-8

[sweep]
n = [2, 3, 4, 5, 6]
c_tilde = [0.0, 0.25, 0.5, 0.75, 1.0]
data_seed = { range = [0, 20] }
)toml";

}  // namespace perfgen
