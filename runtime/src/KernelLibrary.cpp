//===- KernelLibrary.cpp - memfd + dlopen of the kernel object ------------===//
//
// glibc recognizes an already loaded object by the path it was opened with.
// The path /proc/self/fd/N names a file descriptor number, which the kernel
// reuses once closed, so the memfd stays open for as long as the object may
// be loaded: otherwise a later module's dlopen of the same path would get
// this module's code back.
//
//===----------------------------------------------------------------------===//

#include "KernelLibrary.h"

#include "ElfObject.h"
#include "Status.h"

#include <cerrno>
#include <cstring>
#include <dlfcn.h>
#include <sys/mman.h>
#include <unistd.h>

namespace tessera::runtime {

KernelLibrary::~KernelLibrary() {
  if (handle_) {
    dlclose(handle_);
    // An object can outlive dlclose (RTLD_NODELETE, unique symbols). If it
    // did, its path must stay unique: keep the descriptor open for good.
    if (void *still = dlopen(path_.c_str(), RTLD_NOW | RTLD_NOLOAD)) {
      dlclose(still);
      return;
    }
  }
  if (fd_ >= 0)
    close(fd_);
}

tsr_status_t KernelLibrary::open(const uint8_t *data, size_t size) {
  TSR_RETURN_IF_ERROR(checkElfExtent(data, size));
  fd_ = memfd_create("tessera-kernels", MFD_CLOEXEC);
  if (fd_ < 0)
    return error(TSR_STATUS_IO_ERROR, "cannot create a memfd for the kernel object: ",
                 std::strerror(errno));
  for (size_t written = 0; written < size;) {
    ssize_t n = write(fd_, data + written, size - written);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return error(TSR_STATUS_IO_ERROR, "cannot write the kernel object (", size,
                   " bytes) to its memfd: ", n < 0 ? std::strerror(errno) : "no progress");
    written += size_t(n);
  }
  path_ = "/proc/self/fd/" + std::to_string(fd_);
  handle_ = dlopen(path_.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle_) {
    const char *why = dlerror();
    return error(TSR_STATUS_INVALID_MODULE, "invalid module: the kernel object (", size,
                 " bytes) does not load as a shared object: ", why ? why : "unknown error");
  }
  return nullptr;
}

tsr_status_t KernelLibrary::lookup(const char *symbol, const std::string &role,
                                   void **out) const {
  void *address = dlsym(handle_, symbol);
  if (!address)
    return error(TSR_STATUS_INVALID_MODULE, "invalid module: the kernel object has no symbol '",
                 symbol, "' (", role, ")");
  *out = address;
  return nullptr;
}

} // namespace tessera::runtime
