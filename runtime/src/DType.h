//===- DType.h - element types of tensors -----------------------*- C++ -*-===//

#ifndef TESSERA_RUNTIME_DTYPE_H
#define TESSERA_RUNTIME_DTYPE_H

#include "tessera/runtime.h"

#include <cstddef>

namespace tessera::runtime {

/// Bytes per element; 0 for a value outside tsr_dtype_t (modules are
/// untrusted, so an enum read from one can hold anything).
size_t dtypeSize(tsr_dtype_t dtype);
/// "f32", ...; "?" for a value outside tsr_dtype_t.
const char *dtypeName(tsr_dtype_t dtype);

} // namespace tessera::runtime

#endif // TESSERA_RUNTIME_DTYPE_H
