//===- Npy.h - reading and writing NumPy .npy files -------------*- C++ -*-===//
//
// The subset tools need to pass tensors in and out: format versions 1 and 2,
// little-endian (or byte-sized) numeric and bool dtypes, C order. Anything
// else is refused with a message that says what the file holds. No LLVM:
// tessera-run links only the runtime and this.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_TOOLS_COMMON_NPY_H
#define TESSERA_TOOLS_COMMON_NPY_H

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

namespace tessera::tools {

enum class NpyDType { f32, f64, f16, i64, i32, i16, i8, u8, bool_, u16, u32, u64 };

/// The dtype's descr in a .npy header ("<f4", "|b1", ...).
const char *npyDescr(NpyDType dtype);
size_t npyItemSize(NpyDType dtype);

struct FreeDeleter {
  void operator()(void *block) const { std::free(block); }
};

/// 64-byte aligned bytes: the alignment compiled kernels expect of buffers.
class AlignedBytes {
public:
  /// False when the allocation fails.
  bool allocate(size_t size);
  uint8_t *data() { return data_.get(); }
  const uint8_t *data() const { return data_.get(); }
  size_t size() const { return size_; }

private:
  std::unique_ptr<uint8_t, FreeDeleter> data_;
  size_t size_ = 0;
};

struct NpyArray {
  NpyDType dtype = NpyDType::f32;
  std::vector<int64_t> shape;
  AlignedBytes data; // product(shape) * item size bytes, C order
};

/// Reads `path`. On failure returns false with `error` set to a message
/// that starts with the path.
bool readNpy(const std::string &path, NpyArray &out, std::string &error);

/// Writes `bytes` (C order, `shape`) to `path` as a version 1 file, or
/// version 2 when the header does not fit version 1's 16-bit length.
bool writeNpy(const std::string &path, NpyDType dtype, const std::vector<int64_t> &shape,
              const void *bytes, size_t size, std::string &error);

} // namespace tessera::tools

#endif // TESSERA_TOOLS_COMMON_NPY_H
