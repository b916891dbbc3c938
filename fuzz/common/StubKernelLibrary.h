//===- StubKernelLibrary.h - controls of the fuzzing kernel stub -*- C++ -*-===//
//
// See StubKernelLibrary.cpp: the module-loader harness links it in place of
// runtime/src/KernelLibrary.cpp.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_FUZZ_COMMON_STUBKERNELLIBRARY_H
#define TESSERA_FUZZ_COMMON_STUBKERNELLIBRARY_H

#include <cstdint>

namespace tessera::fuzz {

/// The scalar table size of the function about to run, and a seed for the
/// values the scribbling shape function writes (this thread only).
void stubSetScalarCount(int32_t count, uint32_t seed);

} // namespace tessera::fuzz

#endif // TESSERA_FUZZ_COMMON_STUBKERNELLIBRARY_H
