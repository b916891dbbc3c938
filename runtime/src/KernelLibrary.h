//===- KernelLibrary.h - the module's kernel object, loaded -----*- C++ -*-===//
//
// The kernel object (an ELF shared object inside the module) is copied into
// an anonymous memfd and dlopen'ed from /proc/self/fd/N: no file is written
// and every module gets its own copy of the code.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_RUNTIME_KERNELLIBRARY_H
#define TESSERA_RUNTIME_KERNELLIBRARY_H

#include "tessera/runtime.h"

#include <cstddef>
#include <cstdint>
#include <string>

namespace tessera::runtime {

class KernelLibrary {
public:
  KernelLibrary() = default;
  KernelLibrary(const KernelLibrary &) = delete;
  KernelLibrary &operator=(const KernelLibrary &) = delete;
  ~KernelLibrary();

  /// Loads the `size` bytes at `data` as a shared object (RTLD_NOW, so an
  /// unresolved reference fails here rather than mid-run).
  tsr_status_t open(const uint8_t *data, size_t size);

  /// The address of `symbol`; `role` ("kernel 3", "the shape function of
  /// 'main'") goes into the error that names a missing symbol.
  tsr_status_t lookup(const char *symbol, const std::string &role, void **out) const;

private:
  void *handle_ = nullptr;
  int fd_ = -1;
  std::string path_;
};

} // namespace tessera::runtime

#endif // TESSERA_RUNTIME_KERNELLIBRARY_H
