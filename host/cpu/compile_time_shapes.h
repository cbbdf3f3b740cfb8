// The paper's two-neuron shapes at compile-time sizes: the same math with loops the compiler unrolls
// (about twice as fast per step as sizes known at run time), and every other shape as it is.
#pragma once

#include "perfgen/network.h"

namespace perfgen {

// work(shape) with the shape as a type: Example 1's or Appendix B's FixedShape when `shape` is one of
// them (with_paper_shape), else the run-time NetShape itself. (cuda/kernels.h's with_register_shape
// has no such fallback: it answers false.)
template <class Work>
decltype(auto) with_shape_type(const NetShape& shape, Work work) {
  return with_paper_shape(shape, work, [&] { return work(shape); });
}

}  // namespace perfgen
