//===- Shapes.h - from input dims to output dims ----------------*- C++ -*-===//

#ifndef TESSERA_RUNTIME_SHAPES_H
#define TESSERA_RUNTIME_SHAPES_H

#include "Session.h"

namespace tessera::runtime {

/// Checks the inputs against `fn`'s signature (count, dtype, rank, static
/// dims, dynamic dims within their maximum and consistent across inputs),
/// writes the dynamic dims into the session's scalar table, runs the shape
/// function, and fills in every output's dims and byte size. With `forRun`
/// it also checks input byte sizes and output capacities.
tsr_status_t resolveShapes(tsr_session_s &session, const LoadedFunction &fn,
                           const tsr_input_t *inputs, size_t numInputs, tsr_output_t *outputs,
                           size_t numOutputs, bool forRun);

} // namespace tessera::runtime

#endif // TESSERA_RUNTIME_SHAPES_H
