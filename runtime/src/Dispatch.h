//===- Dispatch.h - running a function's dispatches -------------*- C++ -*-===//

#ifndef TESSERA_RUNTIME_DISPATCH_H
#define TESSERA_RUNTIME_DISPATCH_H

#include "Session.h"

#include <string>

namespace tessera::runtime {

/// Runs `fn`'s dispatches in order: on a CPU session each over its
/// workgroups on the session's pool, with a barrier between dispatches; on a
/// CUDA session on the device (CudaSession::run), where `resident` marks the
/// inputs and outputs that are device addresses already (states). The
/// scalar table must already be filled (resolveShapes with forRun).
tsr_status_t runDispatches(tsr_session_s &session, const LoadedFunction &fn,
                           const tsr_input_t *inputs, tsr_output_t *outputs,
                           const cuda::DeviceResident &resident = {});

/// "function 'f' dispatch 2 ('matmul')", for messages.
std::string describeDispatch(const char *function, size_t index, const fb::Dispatch &dispatch);

/// Dispatch `index`'s workgroup counts from the scalar table and their
/// product (0: nothing to run); INTERNAL for a negative or overflowing count.
tsr_status_t workgroupCounts(const LoadedFunction &fn, size_t index, const int64_t *scalars,
                             int64_t counts[3], int64_t *total);

/// Adds one call of `ns` nanoseconds to dispatch `index`'s profile.
void recordProfile(tsr_session_s &session, const LoadedFunction &fn, size_t index, uint64_t ns);

} // namespace tessera::runtime

#endif // TESSERA_RUNTIME_DISPATCH_H
