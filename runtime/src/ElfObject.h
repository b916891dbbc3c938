//===- ElfObject.h - what dlopen needs of a kernel object -------*- C++ -*-===//
//
// The kernel object is code from the compiler and trusted as such, but its
// extent comes from the module's segment table, which is not.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_RUNTIME_ELFOBJECT_H
#define TESSERA_RUNTIME_ELFOBJECT_H

#include "tessera/runtime.h"

#include <cstddef>
#include <cstdint>

namespace tessera::runtime {

/// dlopen maps the object's segments straight from the memfd and touches
/// them (it zeroes the tail of the last file page of each): one that lies
/// past the end of the object - an object cut short by a corrupt segment
/// size - faults with SIGBUS inside dlopen. So the ELF header and every
/// program header's file range are checked against `size` first.
tsr_status_t checkElfExtent(const uint8_t *data, size_t size);

} // namespace tessera::runtime

#endif // TESSERA_RUNTIME_ELFOBJECT_H
