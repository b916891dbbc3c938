//===- KvCacheStates.h - mark KV caches as session state --------*- C++ -*-===//
//
// The caches of a cached decoder follow the Hugging Face names that the
// native frontend writes and ONNX decoder-with-past exports use: output
// `present.<layer>.<key|value>` is the next value of input
// `past_key_values.<layer>.<key|value>`, [batch, heads, sequence, head_dim].
// Marking them as module states lets the runtime session keep them between
// calls instead of the caller.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_CODEGEN_MODULE_KVCACHESTATES_H
#define TESSERA_CODEGEN_MODULE_KVCACHESTATES_H

#include "codegen/module/ModuleWriter.h"

namespace tessera::module {

/// Adds a state (named `kv.<layer>.<key|value>`, length axis 2) for every
/// rank-4 `present.*` output with a bounded sequence dim, read from its
/// `past_key_values.*` input when the function has one (decode) and only
/// produced otherwise (prefill), in the functions of every target of the
/// module alike. Returns how many states each target got.
size_t markKvCacheStates(ModuleDesc &desc);

} // namespace tessera::module

#endif // TESSERA_CODEGEN_MODULE_KVCACHESTATES_H
