//===- ElfObject.cpp - what dlopen needs of a kernel object ---------------===//

#include "ElfObject.h"

#include "Status.h"

#include <cstring>
#include <elf.h>

namespace tessera::runtime {
namespace {

template <typename... Args>
tsr_status_t invalidObject(size_t size, const Args &...args) {
  return error(TSR_STATUS_INVALID_MODULE, "invalid module: the kernel object (", size,
               " bytes) does not load as a shared object: ", args...);
}

} // namespace

tsr_status_t checkElfExtent(const uint8_t *data, size_t size) {
  Elf64_Ehdr header;
  if (size < sizeof header)
    return invalidObject(size, "it is too small for an ELF header");
  std::memcpy(&header, data, sizeof header);
  if (std::memcmp(header.e_ident, ELFMAG, SELFMAG) != 0 ||
      header.e_ident[EI_CLASS] != ELFCLASS64)
    return invalidObject(size, "it is not a 64-bit ELF object");
  if (header.e_phnum != 0 && header.e_phentsize != sizeof(Elf64_Phdr))
    return invalidObject(size, "its program headers have ", header.e_phentsize,
                         " bytes, not ", sizeof(Elf64_Phdr));
  uint64_t tableEnd;
  if (__builtin_mul_overflow(uint64_t(header.e_phnum), sizeof(Elf64_Phdr), &tableEnd) ||
      __builtin_add_overflow(tableEnd, header.e_phoff, &tableEnd) || tableEnd > size)
    return invalidObject(size, "its program headers lie past its end (truncated?)");
  for (uint16_t i = 0; i < header.e_phnum; ++i) {
    Elf64_Phdr segment;
    std::memcpy(&segment, data + header.e_phoff + i * sizeof segment, sizeof segment);
    uint64_t end;
    if (segment.p_filesz != 0 &&
        (__builtin_add_overflow(segment.p_offset, segment.p_filesz, &end) || end > size))
      return invalidObject(size, "its ELF segment ", i, " (", segment.p_filesz,
                           " bytes at ", segment.p_offset, ") lies past its end (truncated?)");
  }
  return nullptr;
}

} // namespace tessera::runtime
