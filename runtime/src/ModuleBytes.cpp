//===- ModuleBytes.cpp - mapping, copying or borrowing module bytes -------===//

#include "ModuleBytes.h"

#include "Status.h"

#include "tessera/kernel_abi.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utility>

namespace tessera::runtime {

ModuleBytes::ModuleBytes(ModuleBytes &&other) noexcept { *this = std::move(other); }

ModuleBytes &ModuleBytes::operator=(ModuleBytes &&other) noexcept {
  if (this != &other) {
    release();
    kind_ = std::exchange(other.kind_, Kind::none);
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

ModuleBytes::~ModuleBytes() { release(); }

void ModuleBytes::release() {
  switch (kind_) {
  case Kind::mapped:
    munmap(const_cast<uint8_t *>(data_), size_);
    break;
  case Kind::heap:
    std::free(const_cast<uint8_t *>(data_));
    break;
  case Kind::none:
  case Kind::borrowed:
    break;
  }
  kind_ = Kind::none;
  data_ = nullptr;
  size_ = 0;
}

tsr_status_t ModuleBytes::mapFile(const char *path, ModuleBytes &out) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return error(errno == ENOENT ? TSR_STATUS_NOT_FOUND : TSR_STATUS_IO_ERROR, "cannot open '",
                 path, "': ", std::strerror(errno));
  struct stat st;
  if (fstat(fd, &st) != 0) {
    int err = errno;
    close(fd);
    return error(TSR_STATUS_IO_ERROR, "cannot stat '", path, "': ", std::strerror(err));
  }
  if (!S_ISREG(st.st_mode)) {
    close(fd);
    return error(TSR_STATUS_INVALID_ARGUMENT, "'", path, "' is not a regular file");
  }
  if (st.st_size == 0) {
    close(fd);
    return error(TSR_STATUS_INVALID_MODULE, "'", path, "' is empty, not a Tessera module");
  }
  size_t size = size_t(st.st_size);
  void *mapping = mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  int err = errno;
  close(fd); // the mapping keeps the file alive
  if (mapping == MAP_FAILED)
    return error(TSR_STATUS_IO_ERROR, "cannot map '", path, "': ", std::strerror(err));
  out.release();
  out.kind_ = Kind::mapped;
  out.data_ = static_cast<const uint8_t *>(mapping);
  out.size_ = size;
  return nullptr;
}

tsr_status_t ModuleBytes::copy(const void *data, size_t size, ModuleBytes &out) {
  void *block = nullptr;
  if (posix_memalign(&block, TESSERA_BUFFER_ALIGNMENT, size) != 0)
    return error(TSR_STATUS_RESOURCE_EXHAUSTED, "cannot allocate ", size,
                 " bytes for a copy of the module");
  std::memcpy(block, data, size);
  out.release();
  out.kind_ = Kind::heap;
  out.data_ = static_cast<const uint8_t *>(block);
  out.size_ = size;
  return nullptr;
}

tsr_status_t ModuleBytes::borrow(const void *data, size_t size, ModuleBytes &out) {
  if (reinterpret_cast<uintptr_t>(data) % TESSERA_BUFFER_ALIGNMENT != 0)
    return error(TSR_STATUS_INVALID_ARGUMENT, "TSR_MODULE_LOAD_BORROW needs ",
                 TESSERA_BUFFER_ALIGNMENT, "-byte aligned data (weights are used in place); ",
                 "this buffer is at ", data, ": load it without the flag to copy it");
  out.release();
  out.kind_ = Kind::borrowed;
  out.data_ = static_cast<const uint8_t *>(data);
  out.size_ = size;
  return nullptr;
}

} // namespace tessera::runtime
