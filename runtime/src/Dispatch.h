//===- Dispatch.h - running a function's dispatches -------------*- C++ -*-===//

#ifndef TESSERA_RUNTIME_DISPATCH_H
#define TESSERA_RUNTIME_DISPATCH_H

#include "Session.h"

namespace tessera::runtime {

/// Runs `fn`'s dispatches in order, each over its workgroups on the session's
/// pool, with a barrier between dispatches. The scalar table must already be
/// filled (resolveShapes with forRun).
tsr_status_t runDispatches(tsr_session_s &session, const LoadedFunction &fn,
                           const tsr_input_t *inputs, tsr_output_t *outputs);

} // namespace tessera::runtime

#endif // TESSERA_RUNTIME_DISPATCH_H
