//===- ModuleBytes.h - the bytes of a loaded module -------------*- C++ -*-===//
//
// A module's bytes come from a read-only file mapping, a 64-byte aligned copy,
// or memory the caller lends; this owns (or borrows) them and releases them
// the right way.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_RUNTIME_MODULEBYTES_H
#define TESSERA_RUNTIME_MODULEBYTES_H

#include "tessera/runtime.h"

#include <cstddef>
#include <cstdint>

namespace tessera::runtime {

class ModuleBytes {
public:
  ModuleBytes() = default;
  ModuleBytes(const ModuleBytes &) = delete;
  ModuleBytes &operator=(const ModuleBytes &) = delete;
  ModuleBytes(ModuleBytes &&other) noexcept;
  ModuleBytes &operator=(ModuleBytes &&other) noexcept;
  ~ModuleBytes();

  /// Maps `path` read-only and private.
  static tsr_status_t mapFile(const char *path, ModuleBytes &out);
  /// Copies `size` bytes to a 64-byte aligned block, so weights are aligned
  /// whatever the source's alignment.
  static tsr_status_t copy(const void *data, size_t size, ModuleBytes &out);
  /// Uses the caller's bytes in place; they must be 64-byte aligned.
  static tsr_status_t borrow(const void *data, size_t size, ModuleBytes &out);

  const uint8_t *data() const { return data_; }
  size_t size() const { return size_; }

private:
  enum class Kind { none, mapped, heap, borrowed };
  void release();

  Kind kind_ = Kind::none;
  const uint8_t *data_ = nullptr;
  size_t size_ = 0;
};

} // namespace tessera::runtime

#endif // TESSERA_RUNTIME_MODULEBYTES_H
