//===- State.h - tensors a session carries between calls --------*- C++ -*-===//
//
// A module's states (module.fbs State: KV caches) are bound by the session,
// not by the caller: each state gets two buffers, sized once for the
// compiled maximum of its length axis, and a call reads the current one and
// writes the other (ping-pong), so a failed call leaves the state as it was.
// The caller passes only the other tensors (tsr_session_run_with_state).
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_RUNTIME_STATE_H
#define TESSERA_RUNTIME_STATE_H

#include "tessera/module_generated.h"
#include "tessera/runtime.h"

#include <cstdint>
#include <string>
#include <vector>

namespace tessera::runtime {

/// One state of the module, merged over every function that names it.
struct StateInfo {
  std::string name;
  int32_t dtype = 0;
  size_t rank = 0;
  int32_t lengthAxis = 0;
  int64_t maxLength = 0; // the largest compiled maximum of the length axis
};

/// Which module state each input and output of a function is (-1: none).
struct FunctionStates {
  std::vector<int32_t> input, output;
};

/// Merges the (verified) per-function states of the primary target's
/// `functions` (every target's have the same): one name must have one
/// dtype, rank and length axis everywhere, and a bounded length axis.
tsr_status_t collectStates(
    const flatbuffers::Vector<flatbuffers::Offset<tessera::module::fb::Function>> *functions,
    std::vector<StateInfo> &states, std::vector<FunctionStates> &perFunction);

} // namespace tessera::runtime

#endif // TESSERA_RUNTIME_STATE_H
