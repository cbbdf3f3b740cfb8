// The part of CUDA's runtime and of its kernel built-ins that the CUDA backend uses, emulated on the
// host, so that cuda/*.cu compiled as C++ runs its orchestration, launches and kernels without a GPU
// (test_cuda_on_host and perfgen_on_host, tests/CMakeLists.txt; test_emulated_runtime tests it). It
// stands in for the toolkit's header of this name.
//
// Device memory is host memory. A launch runs the grid's blocks on the host's cores, one block at a
// time per core, and a block's threads as fibers (ucontext) on that core: a thread runs until it
// returns or waits, at __syncthreads (a barrier of the block's threads that have not returned) or at a
// warp shuffle (an exchange among the lanes of its mask). A shuffle checks what the hardware requires
// of it: the calling lane and the lane it reads are in the mask, and every lane of the mask comes. When
// every thread of a block waits and none can go on (a lane that returned while the others of its mask
// shuffle, a barrier in divergent code), the launch fails instead of hanging. A kernel that throws or a
// check that fails makes the launch fail as a failed launch does: cudaGetLastError and
// cudaDeviceSynchronize return cudaErrorLaunchFailure, and cudaGetErrorString says what happened.
// Under ThreadSanitizer each CUDA thread is a fiber of its own to TSan, ordered with the others only
// as on a device (namespace tsan_fibers), so TSan reports two threads that touch the same memory without
// a barrier between them, whichever order the scheduler happened to run them in. Under ASan every
// switch between stacks is announced (namespace asan_fibers).
// Not emulated: anything the backend does not call, the device's arithmetic (the host's is used: the
// shared math gives the same bits on both, docs/CUDA.md), and the device's speed (events read the
// host's clock around synchronous launches).
#pragma once

#include <ucontext.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <new>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#if defined(__SANITIZE_THREAD__)
#include <sanitizer/tsan_interface.h>
#endif
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/common_interface_defs.h>
#endif

#define __global__
#define __device__
#define __host__
#define __shared__ static thread_local  // a core runs one block at a time, its threads on that core
#define __launch_bounds__(...)

struct uint3 {
  unsigned x = 0, y = 0, z = 0;
};
struct dim3 {
  unsigned x = 1, y = 1, z = 1;
  dim3(unsigned x_ = 1, unsigned y_ = 1, unsigned z_ = 1) : x(x_), y(y_), z(z_) {}
};
// Each CUDA thread's own, at the foot of its fiber stack (perfgen_on_host::this_thread).
#define threadIdx (::perfgen_on_host::this_thread().thread_index)
#define blockIdx (::perfgen_on_host::this_thread().block_index)
#define blockDim (::perfgen_on_host::this_thread().block_dim)
#define gridDim (::perfgen_on_host::this_thread().grid_dim)

enum cudaError_t {
  cudaSuccess = 0,
  cudaErrorInvalidValue = 1,
  cudaErrorMemoryAllocation = 2,
  cudaErrorInsufficientDriver = 35,
  cudaErrorInvalidDevice = 101,
  cudaErrorLaunchFailure = 719,
};
enum cudaMemcpyKind { cudaMemcpyHostToHost, cudaMemcpyHostToDevice, cudaMemcpyDeviceToHost, cudaMemcpyDeviceToDevice };

struct cudaDeviceProp {
  char name[256];
  int major, minor, multiProcessorCount;
  std::size_t totalGlobalMem;
};

namespace perfgen_on_host {

// The emulated device: what cudaGetDeviceProperties and cudaMemGetInfo report.
inline constexpr const char* kDeviceName = "NVIDIA H200 (emulated on the host)";
inline constexpr int kMultiprocessors = 132;
inline constexpr std::size_t kTotalBytes = std::size_t{16} << 30, kFreeBytes = std::size_t{15} << 30;

struct LaunchState {
  std::mutex mutex;
  std::atomic<cudaError_t> error{cudaSuccess};  // sticky, as a failed launch is on a device
  std::string message;
  void fail(const std::string& what) {
    std::lock_guard<std::mutex> lock(mutex);
    if (error == cudaSuccess) message = what;
    error = cudaErrorLaunchFailure;
  }
  // For the emulation's own tests, which fail launches on purpose (a device would need a new process).
  void clear() {
    std::lock_guard<std::mutex> lock(mutex);
    message.clear();
    error = cudaSuccess;
  }
};
inline LaunchState launch_state;

struct KernelFailure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class Block;

// What TSan is told (no-ops in other builds). Each CUDA thread is a TSan fiber, and nothing orders two
// of them but what CUDA's memory model promises a kernel: __syncthreads and __syncwarp (every thread
// that arrives releases, every thread that passes acquires) and the end of the block (the scheduler
// acquires what every thread released, and the next block's threads start after it). A shuffle waits
// for its mask's lanes but orders no memory, as CUDA promises none. The emulation's own state that
// the threads share (barrier counts, exchange slots, a thread's state for the scheduler) is held in
// relaxed atomics, which TSan takes for neither races nor order. The scheduler hands its own writes
// (a thread's built-ins) to a thread as it switches to it, and takes nothing back until the block ends.
namespace tsan_fibers {
#if defined(__SANITIZE_THREAD__)
inline void* current() { return __tsan_get_current_fiber(); }
inline void* create(unsigned block, unsigned thread) {  // named as TSan's reports name it
  void* fiber = __tsan_create_fiber(0);
  const std::string name = "CUDA block " + std::to_string(block) + ", thread " + std::to_string(thread);
  __tsan_set_fiber_name(fiber, name.c_str());
  return fiber;
}
inline void destroy(void* fiber) { __tsan_destroy_fiber(fiber); }
inline void enter(void* fiber) { __tsan_switch_to_fiber(fiber, 0); }  // ordered after the scheduler
inline void leave(void* scheduler) { __tsan_switch_to_fiber(scheduler, __tsan_switch_to_fiber_no_sync); }
inline void release(void* token) { __tsan_release(token); }
inline void acquire(void* token) { __tsan_acquire(token); }
#else
inline void* current() { return nullptr; }
inline void* create(unsigned, unsigned) { return nullptr; }
inline void destroy(void*) {}
inline void enter(void*) {}
inline void leave(void*) {}
inline void release(void*) {}
inline void acquire(void*) {}
#endif
}  // namespace tsan_fibers

// What ASan is told of each switch between stacks (no-ops in other builds): which stack runs next, so
// that it knows the running stack's bounds (an exception thrown in a CUDA thread unpoisons its frames
// on the stack it runs on; not told, ASan guesses wrong and reports an overflow later).
namespace asan_fibers {
struct Stack {
  const void* bottom = nullptr;  // lowest address
  std::size_t size = 0;
};
#if defined(__SANITIZE_ADDRESS__)
// Before a switch to `to`; fake_stack null when the stack left is done for good.
inline void start(void** fake_stack, const Stack& to) {
  __sanitizer_start_switch_fiber(fake_stack, to.bottom, to.size);
}
// After a switch, on the new stack; `from` (when not null) receives the stack left.
inline void finish(void* fake_stack, Stack* from) {
  __sanitizer_finish_switch_fiber(fake_stack, from ? &from->bottom : nullptr, from ? &from->size : nullptr);
}
#else
inline void start(void**, const Stack&) {}
inline void finish(void*, Stack*) {}
#endif
}  // namespace asan_fibers

// A CUDA thread's built-in variables and its place in the emulation, kept at the foot of its fiber
// stack: the stacks are aligned to their size, so a thread finds its own from the address of its
// frame, and no variable of the core's is rewritten at every switch (which TSan would see racing).
struct ThreadBuiltins {
  uint3 thread_index, block_index;
  dim3 block_dim, grid_dim;
  Block* block;
};

// Fiber stacks, kept for the blocks that follow: a block of 256 threads needs 256 of them per launch,
// and allocating them anew each time (ASan poisons and quarantines each) cost more than the launch.
// 64 KiB: the kernels' frames are small (their state is in registers or global memory). ASan clears a
// stack's shadow at every switch to it, so a smaller stack is also a cheaper switch there.
// Aligned to their size (this_thread).
class StackPool {
 public:
  static constexpr std::size_t kBytes = std::size_t{64} << 10;
  struct Free {
    void operator()(char* stack) const { std::free(stack); }
  };
  using Stack = std::unique_ptr<char[], Free>;
  Stack take() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (free_.empty()) {
      Stack stack(static_cast<char*>(std::aligned_alloc(kBytes, kBytes)));
      if (!stack) throw std::bad_alloc();
      return stack;
    }
    Stack stack = std::move(free_.back());
    free_.pop_back();
    return stack;
  }
  void give(Stack stack) {
    std::lock_guard<std::mutex> lock(mutex_);
    free_.push_back(std::move(stack));
  }

 private:
  std::mutex mutex_;
  std::vector<Stack> free_;
};
inline StackPool stack_pool;

// The running CUDA thread's built-ins (only a fiber of a block may ask).
inline ThreadBuiltins& this_thread() {
  const auto frame = reinterpret_cast<std::uintptr_t>(__builtin_frame_address(0));
  return *reinterpret_cast<ThreadBuiltins*>(frame & ~(std::uintptr_t{StackPool::kBytes} - 1));
}

// A barrier of `expected` fibers of one block that a fiber can also leave for good (drop).
struct Barrier {
  explicit Barrier(int expected_ = 0) : expected(expected_) {}
  // orders_memory: every fiber's accesses before it happen before every fiber's after it, for TSan.
  // Each generation's token alternates, so that a fiber running ahead into the next generation releases
  // nothing to a fiber still resuming from this one.
  void wait(bool orders_memory = false);
  void drop() {
    if (expected.fetch_sub(1, kRelaxed) - 1 > 0 && arrived.load(kRelaxed) == expected.load(kRelaxed)) release();
  }
  void release() {
    arrived.store(0, kRelaxed);
    generation.fetch_add(1, kRelaxed);
  }
  static constexpr std::memory_order kRelaxed = std::memory_order_relaxed;
  std::atomic<int> expected, arrived{0};
  std::atomic<unsigned> generation{0};
  char tokens[2] = {};  // addresses for TSan's release and acquire, by generation parity
};

// The barrier of the lanes of a warp that shuffle or __syncwarp with one mask: a few per warp, claimed
// by mask.
struct MaskBarrier {
  std::atomic<unsigned> mask{0};  // 0: unclaimed
  Barrier barrier;
};

// One block: its threads as fibers on the calling OS thread, its __syncthreads barrier, and its warps'
// exchange slots and barriers (one per warp and mask: a warp's lane groups exchange each among its own).
class Block {
 public:
  Block(unsigned index, dim3 grid, dim3 threads, std::function<void()> kernel)
      : sync(static_cast<int>(threads.x)),
        slots(threads.x),
        mask_barriers_((threads.x + 31) / 32 * kMasksPerWarp),
        index_(index),
        grid_(grid),
        threads_(threads),
        kernel_(std::move(kernel)),
        fibers_(threads.x) {}
  ~Block() {
    // What the threads did comes before their stacks are used again or freed: at the end of a block
    // that ran through, by `ended_`; after a failure, by what each thread left behind as it last
    // waited (acquired only here, so that a block that runs through stays unordered for TSan).
    if (!ended_acquired_) {
      tsan_fibers::acquire(&ended_);
      for (Fiber& f : fibers_) tsan_fibers::acquire(&f.left);
    }
    for (Fiber& f : fibers_) {
      if (f.tsan) tsan_fibers::destroy(f.tsan);
      if (f.stack) stack_pool.give(std::move(f.stack));
    }
  }
  Block(const Block&) = delete;
  Block& operator=(const Block&) = delete;

  // Runs the block's threads until each has returned; false (with the launch failed) when one threw or
  // all that remain wait for one another.
  bool run() {
    scheduler_tsan_ = tsan_fibers::current();
    for (unsigned t = 0; t < threads_.x; ++t) prepare_fiber(t);
    // Each pass resumes about half of the threads that can go on, drawn anew, and now and then holds one
    // back for many passes (seeded by the block, so a run repeats): the others run ahead of it, so code
    // that reads what another thread writes, or writes what another still has to read, without a barrier
    // between them goes wrong, as it may on the device.
    constexpr long kHeldPasses = 200;
    std::vector<unsigned> order(threads_.x);
    for (unsigned t = 0; t < threads_.x; ++t) order[t] = t;
    std::vector<long> held_until(threads_.x, 0);
    std::minstd_rand draw(index_ + 1);
    std::size_t returned = 0;
    for (long pass = 0; returned < fibers_.size(); ++pass) {
      if (draw() % 8 == 0) held_until[draw() % threads_.x] = pass + kHeldPasses;
      bool can_go_on = false, held = false;
      std::shuffle(order.begin(), order.end(), draw);
      for (const unsigned t : order) {
        Fiber& f = fibers_[t];
        const Fiber::State state = f.state.load(kRelaxed);
        if (state == Fiber::returned || (state == Fiber::waiting && f.barrier.load(kRelaxed)->generation.load(
                                                                        kRelaxed) == f.generation.load(kRelaxed)))
          continue;
        if (held_until[t] > pass) {
          held = true;
          continue;
        }
        can_go_on = true;
        if (draw() % 2) continue;
        switch_to(t);
        if (failed_.load(kRelaxed)) return false;
        if (f.state.load(kRelaxed) == Fiber::returned) {
          ++returned;
          sync.drop();
        }
      }
      if (!can_go_on && held) {
        std::fill(held_until.begin(), held_until.end(), 0);  // only the held ones can go on: release them
      } else if (!can_go_on) {
        launch_state.fail("block " + std::to_string(index_) +
                          ": every thread left waits at a barrier or shuffle that " +
                          "another thread of it never reaches");
        return false;
      }
    }
    tsan_fibers::acquire(&ended_);  // every thread has returned: what follows comes after all of them
    ended_acquired_ = true;
    for (unsigned t = 0; t < threads_.x; ++t)
      for (std::size_t i = kFootBytes; i < kFootBytes + kCanaryBytes; ++i)
        if (static_cast<unsigned char>(fibers_[t].stack[i]) != kCanary) {
          fail_thread(t, "its " + std::to_string(StackPool::kBytes >> 10) + " KiB fiber stack overflowed");
          return false;
        }
    return true;
  }

  // The running fiber waits until `barrier` passes `generation`.
  void wait_on(Barrier& barrier, unsigned generation) {
    Fiber& f = fibers_[threadIdx.x];
    f.barrier.store(&barrier, kRelaxed);
    f.generation.store(generation, kRelaxed);
    f.state.store(Fiber::waiting, kRelaxed);
    tsan_fibers::release(&f.left);
    void* fake_stack = nullptr;
    asan_fibers::start(&fake_stack, scheduler_stack_);
    tsan_fibers::leave(scheduler_tsan_);
    swapcontext(&f.context, &scheduler_);
    asan_fibers::finish(fake_stack, nullptr);
  }

  Barrier& mask_barrier(unsigned warp, unsigned mask) {
    for (std::size_t i = 0; i < kMasksPerWarp; ++i) {
      MaskBarrier& m = mask_barriers_[warp * kMasksPerWarp + i];
      unsigned claimed = 0;
      if (m.mask.compare_exchange_strong(claimed, mask, kRelaxed))
        m.barrier.expected.store(__builtin_popcount(mask), kRelaxed);
      if (claimed == 0 || claimed == mask) return m.barrier;
    }
    throw KernelFailure("shuffle: more than " + std::to_string(kMasksPerWarp) + " masks in warp " +
                        std::to_string(warp));
  }

  Barrier sync;
  std::vector<std::atomic<std::uint64_t>> slots;  // a shuffle's values, by thread

 private:
  static constexpr std::memory_order kRelaxed = std::memory_order_relaxed;
  // The distinct masks a warp may shuffle with in a block's life (a claim is never given back): every
  // power-of-two lane group of a warp is 63.
  static constexpr std::size_t kMasksPerWarp = 64;
  // Each fiber stack's foot: its ThreadBuiltins, then the bytes that a stack about to overflow writes
  // first (there is no guard page: the stacks are heap memory).
  static constexpr std::size_t kFootBytes = 64, kCanaryBytes = 256;
  static_assert(sizeof(ThreadBuiltins) <= kFootBytes, "a thread's built-ins fit the stack's foot");
  static constexpr unsigned char kCanary = 0xa5;

  struct Fiber {
    enum State { ready, waiting, returned };
    std::atomic<State> state{ready};
    ucontext_t context;
    void* tsan = nullptr;  // its TSan fiber
    StackPool::Stack stack;
    std::atomic<Barrier*> barrier{nullptr};
    std::atomic<unsigned> generation{0};
    char left = 0;  // an address for TSan: released as the thread waits, acquired if its block fails
  };

  // Thread t's fiber, ready to start (a function of its own: getcontext returns twice as far as the
  // compiler knows, which a loop around it would have to be warned about).
  void prepare_fiber(unsigned t) {
    Fiber& f = fibers_[t];
    f.stack = stack_pool.take();
    new (f.stack.get()) ThreadBuiltins{{t, 0, 0}, {index_, 0, 0}, threads_, grid_, this};
    std::memset(f.stack.get() + kFootBytes, kCanary, kCanaryBytes);
    f.tsan = tsan_fibers::create(index_, t);
    getcontext(&f.context);
    f.context.uc_stack.ss_sp = f.stack.get() + kFootBytes;
    f.context.uc_stack.ss_size = StackPool::kBytes - kFootBytes;
    f.context.uc_link = &scheduler_;  // not taken: start() ends in setcontext
    makecontext(&f.context, &Block::start, 0);
  }

  void switch_to(unsigned t) {
    fibers_[t].state.store(Fiber::ready, kRelaxed);
    void* fake_stack = nullptr;
    const stack_t& stack = fibers_[t].context.uc_stack;
    asan_fibers::start(&fake_stack, {stack.ss_sp, stack.ss_size});
    tsan_fibers::enter(fibers_[t].tsan);
    swapcontext(&scheduler_, &fibers_[t].context);
    asan_fibers::finish(fake_stack, nullptr);
  }

  static void start() {
    Block& block = *this_thread().block;
    asan_fibers::finish(nullptr, &block.scheduler_stack_);
    const unsigned t = threadIdx.x;
    try {
      block.kernel_();
    } catch (const std::exception& e) {
      block.fail_thread(t, e.what());
    } catch (...) {
      block.fail_thread(t, "an exception");
    }
    void* const scheduler_tsan = block.scheduler_tsan_;
    const asan_fibers::Stack scheduler_stack = block.scheduler_stack_;
    ucontext_t* const scheduler = &block.scheduler_;
    block.fibers_[t].state.store(Fiber::returned, kRelaxed);
    tsan_fibers::release(&block.ended_);  // after its last access to the block
    // Back to the scheduler without returning: TSan would count start()'s return as the scheduler's.
    asan_fibers::start(nullptr, scheduler_stack);  // this stack is done
    tsan_fibers::leave(scheduler_tsan);
    setcontext(scheduler);
  }

  // The launch fails, naming this block's thread t.
  void fail_thread(unsigned t, const std::string& what) {
    launch_state.fail("block " + std::to_string(index_) + ", thread " + std::to_string(t) + ": " + what);
    failed_.store(true, kRelaxed);
  }

  std::vector<MaskBarrier> mask_barriers_;  // kMasksPerWarp per warp
  unsigned index_;
  dim3 grid_, threads_;
  std::function<void()> kernel_;
  std::vector<Fiber> fibers_;
  ucontext_t scheduler_;
  void* scheduler_tsan_ = nullptr;      // the TSan fiber of the core's thread, which runs the scheduler
  asan_fibers::Stack scheduler_stack_;  // that thread's stack, for ASan (each CUDA thread learns it as it starts)
  char ended_ = 0;                      // an address for TSan: each thread releases, the scheduler acquires
  bool ended_acquired_ = false;
  std::atomic<bool> failed_{false};
};

inline void Barrier::wait(bool orders_memory) {
  const unsigned g = generation.load(kRelaxed);
  if (orders_memory) tsan_fibers::release(&tokens[g % 2]);
  if (arrived.fetch_add(1, kRelaxed) + 1 == expected.load(kRelaxed))
    release();
  else
    this_thread().block->wait_on(*this, g);
  if (orders_memory) tsan_fibers::acquire(&tokens[g % 2]);
}

// what() builds the message only on failure: the checks run at every shuffle, where building it each
// time was a fifth of an emulated block kernel's time under ASan.
template <class Message>
void require(bool condition, const Message& what) {
  if (!condition) throw KernelFailure(what());
}

// The value `v` of lane `source` of this thread's warp, exchanged among the lanes of `mask`.
template <class T>
T exchange(unsigned mask, T v, unsigned source) {
  static_assert(sizeof(T) <= sizeof(std::uint64_t), "a shuffle moves at most 64 bits");
  const unsigned lane = threadIdx.x % 32, warp = threadIdx.x / 32;
  require(mask >> lane & 1u, [&] { return "shuffle: lane " + std::to_string(lane) + " is not in its mask"; });
  require(mask >> source & 1u, [&] {
    return "shuffle: lane " + std::to_string(lane) + " reads lane " + std::to_string(source) +
           ", which is not in the mask";
  });
  Block& block = *this_thread().block;
  require(warp * 32 + source < block.slots.size(),
          [&] { return "shuffle: lane " + std::to_string(source) + " is past the block"; });
  Barrier& barrier = block.mask_barrier(warp, mask);
  std::uint64_t bits = 0;
  std::memcpy(&bits, &v, sizeof(T));
  block.slots[threadIdx.x].store(bits, std::memory_order_relaxed);
  barrier.wait();
  bits = block.slots[warp * 32 + source].load(std::memory_order_relaxed);
  barrier.wait();  // every lane has read before a slot is written again
  T result;
  std::memcpy(&result, &bits, sizeof(T));
  return result;
}

// __syncwarp(mask): the lanes of `mask` wait for one another, and each one's accesses before it happen
// before every one's after it.
inline void sync_lanes(unsigned mask) {
  const unsigned lane = threadIdx.x % 32, warp = threadIdx.x / 32;
  require(mask >> lane & 1u, [&] { return "__syncwarp: lane " + std::to_string(lane) + " is not in its mask"; });
  this_thread().block->mask_barrier(warp, mask).wait(true);
}

// Runs `kernel` over the grid: a block at a time on each of the host's cores.
inline void run_grid(dim3 blocks, dim3 threads, const std::function<void()>& kernel) {
  if (launch_state.error != cudaSuccess) return;  // a failed launch leaves the device unusable
  if (blocks.x == 0 || threads.x == 0 || threads.x > 1024 || blocks.y != 1 || blocks.z != 1 || threads.y != 1 ||
      threads.z != 1) {
    launch_state.fail("launch: a configuration the emulation does not run (1-D grids of 1-1024 threads)");
    return;
  }
  std::atomic<unsigned> next{0};
  std::vector<std::thread> cores(std::max(1u, std::min(blocks.x, std::thread::hardware_concurrency())));
  for (std::thread& core : cores)
    core = std::thread([&] {
      for (unsigned b = next++; b < blocks.x && launch_state.error == cudaSuccess; b = next++)
        if (!Block(b, blocks, threads, kernel).run()) return;
    });
  for (std::thread& core : cores) core.join();
}

// PERFGEN_LAUNCH(blocks, threads, kernel)(arguments...): the arguments copied, as a launch copies them.
template <class Kernel>
auto launch(dim3 blocks, dim3 threads, Kernel kernel) {
  return [=](auto... arguments) { run_grid(blocks, threads, [&] { kernel(arguments...); }); };
}

}  // namespace perfgen_on_host

#define PERFGEN_LAUNCH(blocks, threads, ...) ::perfgen_on_host::launch(blocks, threads, __VA_ARGS__)

inline void __syncthreads() { perfgen_on_host::this_thread().block->sync.wait(true); }
inline void __syncwarp(unsigned mask = 0xffffffffu) { perfgen_on_host::sync_lanes(mask); }

template <class T>
T __shfl_xor_sync(unsigned mask, T v, int lane_mask, int width = 32) {
  const unsigned lane = threadIdx.x % 32, source = lane ^ static_cast<unsigned>(lane_mask);
  // A lane that would read a later segment of `width` lanes reads its own value, as on the device (an
  // earlier segment is read).
  return perfgen_on_host::exchange(mask, v, source / width <= lane / width ? source : lane);
}

template <class T>
T __shfl_sync(unsigned mask, T v, int source_lane, int width = 32) {
  const unsigned lane = threadIdx.x % 32;
  return perfgen_on_host::exchange(mask, v, lane / width * width + static_cast<unsigned>(source_lane & (width - 1)));
}

inline cudaError_t cudaGetDeviceCount(int* count) {
  *count = 1;
  return cudaSuccess;
}
inline cudaError_t cudaSetDevice(int device) { return device == 0 ? cudaSuccess : cudaErrorInvalidDevice; }
inline cudaError_t cudaGetDeviceProperties(cudaDeviceProp* prop, int device) {
  if (device != 0) return cudaErrorInvalidDevice;
  *prop = {};
  std::strncpy(prop->name, perfgen_on_host::kDeviceName, sizeof prop->name - 1);
  prop->major = 9;
  prop->minor = 0;
  prop->multiProcessorCount = perfgen_on_host::kMultiprocessors;
  prop->totalGlobalMem = perfgen_on_host::kTotalBytes;
  return cudaSuccess;
}
inline cudaError_t cudaMemGetInfo(std::size_t* free, std::size_t* total) {
  *free = perfgen_on_host::kFreeBytes;
  *total = perfgen_on_host::kTotalBytes;
  return cudaSuccess;
}
// One block per multiprocessor: the grid stays small, and its blocks run one after another anyway.
template <class Kernel>
cudaError_t cudaOccupancyMaxActiveBlocksPerMultiprocessor(int* blocks, Kernel, int, std::size_t) {
  *blocks = 1;
  return cudaSuccess;
}

inline cudaError_t cudaMalloc(void** pointer, std::size_t bytes) {
  *pointer = std::malloc(bytes);
  return *pointer ? cudaSuccess : cudaErrorMemoryAllocation;
}
template <class T>
cudaError_t cudaMalloc(T** pointer, std::size_t bytes) {
  return cudaMalloc(reinterpret_cast<void**>(pointer), bytes);
}
inline cudaError_t cudaFree(void* pointer) {
  std::free(pointer);
  return cudaSuccess;
}
inline cudaError_t cudaMemcpy(void* to, const void* from, std::size_t bytes, cudaMemcpyKind) {
  std::memcpy(to, from, bytes);
  return cudaSuccess;
}
inline cudaError_t cudaMemset(void* to, int value, std::size_t bytes) {
  std::memset(to, value, bytes);
  return cudaSuccess;
}

// Launches are synchronous here, so an event records when the host reaches it.
struct CUevent_st {
  std::chrono::steady_clock::time_point at;
};
using cudaEvent_t = CUevent_st*;
inline cudaError_t cudaEventCreate(cudaEvent_t* event) {
  *event = new CUevent_st{};
  return cudaSuccess;
}
inline cudaError_t cudaEventRecord(cudaEvent_t event) {
  event->at = std::chrono::steady_clock::now();
  return cudaSuccess;
}
inline cudaError_t cudaEventElapsedTime(float* ms, cudaEvent_t start, cudaEvent_t stop) {
  *ms = std::chrono::duration<float, std::milli>(stop->at - start->at).count();
  return cudaSuccess;
}
inline cudaError_t cudaEventDestroy(cudaEvent_t event) {
  delete event;
  return cudaSuccess;
}

inline cudaError_t cudaGetLastError() { return perfgen_on_host::launch_state.error; }
inline cudaError_t cudaDeviceSynchronize() { return perfgen_on_host::launch_state.error; }
inline const char* cudaGetErrorString(cudaError_t error) {
  if (error == cudaErrorLaunchFailure) return perfgen_on_host::launch_state.message.c_str();
  return error == cudaSuccess ? "no error" : "emulated CUDA error";
}
