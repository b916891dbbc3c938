//===- Session.h - the mutable state of runs --------------------*- C++ -*-===//
//
// Everything a run writes lives in its session, never in the module: the
// scratch arena, the scalar table (dims and derived sizes) and the thread
// pool. All of it is allocated when the session is created, so a run
// allocates nothing. A CUDA session keeps the scalar table here (the shape
// functions run on the host) and everything on the device in `cuda`.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_RUNTIME_SESSION_H
#define TESSERA_RUNTIME_SESSION_H

#include "CudaSession.h"
#include "Module.h"
#include "ThreadPool.h"

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

namespace tessera::runtime {

/// Which input dim set a scalar slot in the current run (input -1: none
/// yet), so that a second dim of the same name can be checked against it.
struct SlotSource {
  int32_t input = -1;
  int32_t dim = 0;
};

struct FreeDeleter {
  void operator()(void *block) const { std::free(block); }
};

/// The two buffers of one state and which holds its current value. `data`
/// are their addresses: host memory owned by `buffers` on the CPU, device
/// memory owned by the CudaSession on CUDA.
struct StateBuffers {
  std::unique_ptr<uint8_t, FreeDeleter> buffers[2];
  void *data[2] = {nullptr, nullptr};
  size_t capacity = 0; // bytes of each buffer
  int current = 0;
  bool valid = false;  // false: nothing produced since creation or reset
  std::vector<int64_t> dims;
};

} // namespace tessera::runtime

struct tsr_session_s {
  const tsr_module_s *module = nullptr;
  /// The module's code for the session's device: what its runs execute.
  const tessera::runtime::LoadedCode *code = nullptr;
  tsr_device_kind_t device = TSR_DEVICE_CPU;
  std::string description; // tsr_session_device's
  std::unique_ptr<tessera::runtime::cuda::CudaSession> cuda; // CUDA sessions only
  std::unique_ptr<uint8_t, tessera::runtime::FreeDeleter> arena; // 64-byte aligned
  std::vector<int64_t> scalars;
  std::vector<tessera::runtime::SlotSource> slotSources;
  std::vector<void *> bindings;        // one dispatch's binding addresses
  std::vector<int64_t> pushConstants;  // one dispatch's push constant values
  tessera::runtime::ThreadPool pool;
  /// profile[function][dispatch]: nanoseconds and calls, when profiling.
  bool profiling = false;
  std::vector<std::vector<std::pair<uint64_t, uint64_t>>> profile;
  std::vector<tessera::runtime::StateBuffers> states; // one per module state
};

#endif // TESSERA_RUNTIME_SESSION_H
