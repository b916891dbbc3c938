//===- Session.h - the mutable state of runs --------------------*- C++ -*-===//
//
// Everything a run writes lives in its session, never in the module: the
// scratch arena, the scalar table (dims and derived sizes) and the thread
// pool. All of it is allocated when the session is created, so a run
// allocates nothing.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_RUNTIME_SESSION_H
#define TESSERA_RUNTIME_SESSION_H

#include "Module.h"
#include "ThreadPool.h"

#include <cstdint>
#include <cstdlib>
#include <memory>
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

/// The two buffers of one state and which holds its current value.
struct StateBuffers {
  std::unique_ptr<uint8_t, FreeDeleter> buffers[2];
  size_t capacity = 0; // bytes of each buffer
  int current = 0;
  bool valid = false;  // false: nothing produced since creation or reset
  std::vector<int64_t> dims;
};

} // namespace tessera::runtime

struct tsr_session_s {
  const tsr_module_s *module = nullptr;
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
