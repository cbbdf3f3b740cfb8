// Thrust implementation of aggregate_cells, one template for both places.
#include <thrust/binary_search.h>
#include <thrust/device_vector.h>
#include <thrust/execution_policy.h>
#include <thrust/gather.h>
#include <thrust/host_vector.h>
#include <thrust/iterator/counting_iterator.h>
#include <thrust/iterator/transform_iterator.h>
#include <thrust/reduce.h>
#include <thrust/sequence.h>
#include <thrust/sort.h>

#include <cmath>

#include "cell_aggregation.h"
#include "device_probe.h"

namespace perfgen::cuda {
namespace {

// Orders trial indices by cell, then by a value (NaN after every number, so the order is total).
struct ByCellThenValue {
  const std::int64_t* cell;
  const double* value;
  __host__ __device__ bool operator()(std::int64_t a, std::int64_t b) const {
    if (cell[a] != cell[b]) return cell[a] < cell[b];
    const double x = value[a], y = value[b];
    return !isnan(x) && (isnan(y) || x < y);
  }
};

struct Counts {  // recovered, status 0..3, branch 0..2
  std::int64_t c[8];
};

struct CountOf {
  const std::int64_t* recovered;
  const std::int64_t* status;
  const std::int64_t* branch;
  __host__ __device__ Counts operator()(std::int64_t i) const {
    Counts k{};
    k.c[0] = recovered[i];
    k.c[1 + status[i]] = 1;
    k.c[5 + branch[i]] = 1;
    return k;
  }
};

struct AddCounts {
  __host__ __device__ Counts operator()(const Counts& a, const Counts& b) const {
    Counts sum;
    for (int j = 0; j < 8; ++j) sum.c[j] = a.c[j] + b.c[j];
    return sum;
  }
};

template <class T>
const T* raw(const thrust::host_vector<T>& v) {
  return thrust::raw_pointer_cast(v.data());
}
template <class T>
const T* raw(const thrust::device_vector<T>& v) {
  return thrust::raw_pointer_cast(v.data());
}

template <template <class...> class Vector, class Policy>
CellAggregates aggregate(Policy policy, const TrialTable& t, int cells) {
  const auto rows = static_cast<std::int64_t>(t.cell.size());
  const Vector<std::int64_t> cell(t.cell.begin(), t.cell.end()), recovered(t.recovered.begin(), t.recovered.end()),
      status(t.status.begin(), t.status.end()), branch(t.branch.begin(), t.branch.end());
  CellAggregates out;

  // Each value column sorted within cells: order the indices, then gather.
  auto sorted_within_cells = [&](const std::vector<double>& host_values, Vector<std::int64_t>& order) {
    const Vector<double> values(host_values.begin(), host_values.end());
    order.resize(rows);
    thrust::sequence(policy, order.begin(), order.end());
    thrust::sort(policy, order.begin(), order.end(), ByCellThenValue{raw(cell), raw(values)});
    Vector<double> sorted(rows);
    thrust::gather(policy, order.begin(), order.end(), values.begin(), sorted.begin());
    const thrust::host_vector<double> host(sorted);
    return std::vector<double>(host.begin(), host.end());
  };
  Vector<std::int64_t> order(rows);
  out.iterations = sorted_within_cells(t.iterations, order);
  out.log10_gen = sorted_within_cells(t.log10_gen, order);

  // Cells in order: where each cell starts, then the counts of each cell present.
  Vector<std::int64_t> sorted_cell(rows), offset(cells + 1);
  thrust::gather(policy, order.begin(), order.end(), cell.begin(), sorted_cell.begin());
  thrust::lower_bound(policy, sorted_cell.begin(), sorted_cell.end(), thrust::counting_iterator<std::int64_t>(0),
                      thrust::counting_iterator<std::int64_t>(cells + 1), offset.begin());
  Vector<std::int64_t> present(cells);
  Vector<Counts> counts(cells);
  const auto counted = thrust::reduce_by_key(
      policy, sorted_cell.begin(), sorted_cell.end(),
      thrust::make_transform_iterator(order.begin(), CountOf{raw(recovered), raw(status), raw(branch)}),
      present.begin(), counts.begin(), thrust::equal_to<std::int64_t>(), AddCounts{});
  const auto kinds = static_cast<std::size_t>(counted.first - present.begin());

  const thrust::host_vector<std::int64_t> host_offset(offset), host_present(present);
  const thrust::host_vector<Counts> host_counts(counts);
  out.offset.assign(host_offset.begin(), host_offset.end());
  out.finished.assign(cells, 0);
  out.recovered.assign(cells, 0);
  out.status.assign(cells, {0, 0, 0, 0});
  out.branch.assign(cells, {0, 0, 0});
  for (int c = 0; c < cells; ++c) out.finished[c] = out.offset[c + 1] - out.offset[c];
  for (std::size_t k = 0; k < kinds; ++k) {
    const std::int64_t c = host_present[k];
    out.recovered[c] = host_counts[k].c[0];
    for (int s = 0; s < 4; ++s) out.status[c][s] = host_counts[k].c[1 + s];
    for (int b = 0; b < 3; ++b) out.branch[c][b] = host_counts[k].c[5 + b];
  }
  return out;
}

}  // namespace

CellAggregates aggregate_cells(const TrialTable& trials, int cells, AggregationPlace place) {
  if (place == AggregationPlace::device) return aggregate<thrust::device_vector>(thrust::device, trials, cells);
  return aggregate<thrust::host_vector>(thrust::host, trials, cells);
}

AggregationPlace default_aggregation_place(std::size_t trials) {
  if (trials < 100000) return AggregationPlace::host;
  return usable_devices().empty() ? AggregationPlace::host : AggregationPlace::device;
}

}  // namespace perfgen::cuda
