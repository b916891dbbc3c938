//===- DType.h - element types of tensors -----------------------*- C++ -*-===//

#ifndef TESSERA_RUNTIME_DTYPE_H
#define TESSERA_RUNTIME_DTYPE_H

#include "tessera/runtime.h"

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace tessera::runtime {

/// The integer a caller's tsr_dtype_t holds. C callers may pass any int,
/// but in C++ loading an enum whose value lies outside its range (0..15 for
/// tsr_dtype_t) is undefined behavior, so its bytes are read instead.
inline int32_t dtypeValue(const tsr_dtype_t &dtype) {
  static_assert(sizeof(tsr_dtype_t) == sizeof(int32_t), "tsr_dtype_t is an int");
  int32_t value;
  std::memcpy(&value, &dtype, sizeof value);
  return value;
}

/// Bytes per element; 0 for a value that is not a tsr_dtype_t (modules are
/// untrusted, and so are callers' values: both come in as integers).
size_t dtypeSize(int32_t dtype);
/// "f32", ...; "?" for a value that is not a tsr_dtype_t.
const char *dtypeName(int32_t dtype);

} // namespace tessera::runtime

#endif // TESSERA_RUNTIME_DTYPE_H
