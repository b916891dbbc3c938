//===- StubKernelLibrary.cpp - KernelLibrary without dlopen, for fuzzing ---===//
//
// Replaces runtime/src/KernelLibrary.cpp in the module-loader harness (a
// link-time seam: the runtime's own sources are otherwise unchanged).
//
// Why: the kernel object is machine code. The threat model (docs/security.md)
// trusts the compiler that wrote it: loading a module runs its
// initializers, and its kernels index buffers by the sizes the compiler
// planned. Handing fuzzed ELF bytes to glibc's dlopen would fuzz glibc's
// loader (which does not claim to survive malformed objects) and then run
// mutated code; running real kernels on mutated metadata would report the
// kernels' out-of-bounds accesses, which only a consistent compiler output
// rules out. Everything else the runtime does with the module - verifying,
// resolving symbols, inspecting, creating sessions, binding inputs, shape
// checks, workgroup counts, binding addresses, the thread pool - runs for
// real.
//
// The stub:
//  - open() runs the real open()'s ELF extent check (runtime/src/ElfObject.cpp:
//    header, program headers and segments inside the object), then accepts;
//  - lookup() refuses a symbol containing '$' (the "missing symbol" path)
//    and otherwise returns a no-op kernel, or one of four shape functions
//    chosen by a hash of the symbol name: return 0; fail check 1; return an
//    out-of-range check number; or write small values (-2 .. 16) into every
//    slot. The harness says how many slots the function has
//    (stubSetScalarCount), since the ABI does not pass it.
//
//===----------------------------------------------------------------------===//

#include "runtime/src/ElfObject.h"
#include "runtime/src/KernelLibrary.h"
#include "runtime/src/Status.h"

#include "fuzz/common/StubKernelLibrary.h"

#include "tessera/kernel_abi.h"

#include <cstring>

namespace tessera::fuzz {
namespace {

thread_local int32_t scalarCount = 0;
thread_local uint32_t scribbleSeed = 0;

void noopKernel(void *const *, const int64_t *, int64_t, int64_t, int64_t) {}

int32_t shapeOk(int64_t *) { return 0; }
int32_t shapeFailsFirstCheck(int64_t *) { return 1; }
int32_t shapeReturnsNonsense(int64_t *) { return 1 << 30; }
int32_t shapeScribbles(int64_t *scalars) {
  uint32_t x = scribbleSeed;
  for (int32_t i = 0; i < scalarCount; ++i) {
    x = x * 1103515245u + 12345u;
    scalars[i] = int64_t((x >> 16) % 19) - 2;
  }
  return 0;
}

uint32_t hash(const char *s) {
  uint32_t h = 2166136261u;
  for (; *s; ++s)
    h = (h ^ uint8_t(*s)) * 16777619u;
  return h;
}

} // namespace

void stubSetScalarCount(int32_t count, uint32_t seed) {
  scalarCount = count;
  scribbleSeed = seed;
}

} // namespace tessera::fuzz

namespace tessera::runtime {

// Nothing was opened: no descriptor, no handle to close.
KernelLibrary::~KernelLibrary() { (void)fd_; }

tsr_status_t KernelLibrary::open(const uint8_t *data, size_t size) {
  // What the real open() checks before dlopen.
  TSR_RETURN_IF_ERROR(checkElfExtent(data, size));
  handle_ = const_cast<uint8_t *>(data);
  return nullptr;
}

tsr_status_t KernelLibrary::lookup(const char *symbol, const std::string &role,
                                   void **out) const {
  if (!handle_)
    return error(TSR_STATUS_INTERNAL, "lookup before open (fuzzing stub)");
  if (std::strchr(symbol, '$'))
    return error(TSR_STATUS_INVALID_MODULE, "invalid module: the kernel object has no symbol '",
                 symbol, "' (", role, ")");
  // Kernels and shape functions are told apart by how the runtime asks.
  if (role.compare(0, 7, "kernel ") == 0) {
    *out = reinterpret_cast<void *>(&fuzz::noopKernel);
    return nullptr;
  }
  static const tessera_shape_fn shapes[] = {fuzz::shapeOk, fuzz::shapeFailsFirstCheck,
                                            fuzz::shapeReturnsNonsense, fuzz::shapeScribbles};
  *out = reinterpret_cast<void *>(shapes[fuzz::hash(symbol) % 4]);
  return nullptr;
}

} // namespace tessera::runtime
