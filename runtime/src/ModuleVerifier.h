//===- ModuleVerifier.h - checking an untrusted module ----------*- C++ -*-===//
//
// A module is untrusted input. Before the runtime reads anything from it, the
// verifier checks its framing (size prefix, file identifier), the FlatBuffer
// itself (flatbuffers::Verifier), the versions, and every offset, size and
// index that loading and running later use without further checks.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_RUNTIME_MODULEVERIFIER_H
#define TESSERA_RUNTIME_MODULEVERIFIER_H

#include "tessera/module_generated.h"
#include "tessera/runtime.h"

#include <cstddef>
#include <cstdint>

namespace tessera::runtime {

/// The most scalar slots one function may declare. The session allocates the
/// table up front, so a corrupt count must not turn into a huge allocation.
constexpr int32_t kMaxScalars = 1 << 20;

/// The most threads a CUDA thread block may have (every arch since sm_20).
constexpr int64_t kMaxCudaBlockThreads = 1024;

/// The length of a FlatBuffer vector; an absent vector is an empty one.
template <typename T>
size_t count(const flatbuffers::Vector<T> *vector) {
  return vector ? vector->size() : 0;
}

/// Verifies the module in [data, data + size) (`data` 64-byte aligned). On
/// success `*out_root` is its root table.
tsr_status_t verifyModule(const uint8_t *data, size_t size,
                          const tessera::module::fb::Module **out_root);

} // namespace tessera::runtime

#endif // TESSERA_RUNTIME_MODULEVERIFIER_H
