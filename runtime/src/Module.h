//===- Module.h - a loaded, verified module ---------------------*- C++ -*-===//
//
// Everything here is written once, while loading, and only read afterwards:
// sessions of one module may run concurrently without any synchronization.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_RUNTIME_MODULE_H
#define TESSERA_RUNTIME_MODULE_H

#include "KernelLibrary.h"
#include "ModuleBytes.h"
#include "ModuleVerifier.h"
#include "State.h"

#include "tessera/kernel_abi.h"
#include "tessera/module_generated.h"
#include "tessera/runtime.h"

#include <cstdint>
#include <vector>

namespace tessera::runtime {

namespace fb = tessera::module::fb;

struct LoadedFunction {
  const fb::Function *fb = nullptr;
  const char *name = "";
  tessera_shape_fn shapeFunction = nullptr; // null: every dim is static
  tessera::runtime::FunctionStates states;
};

/// Whether the module's kernels are PTX for the CUDA backend.
inline bool isCudaModule(const fb::Module &root) { return root.cuda_ptx() >= 0; }

/// Builds a module from its bytes: verifies them, loads the kernel object and
/// resolves every kernel and shape function.
tsr_status_t loadModule(ModuleBytes bytes, tsr_module_t **out_module);

} // namespace tessera::runtime

struct tsr_module_s {
  tessera::runtime::ModuleBytes bytes;
  const tessera::module::fb::Module *root = nullptr;
  tessera::runtime::KernelLibrary library;
  std::vector<tessera_kernel_fn> kernels; // CPU modules; CUDA sessions load their own
  std::vector<tessera::runtime::LoadedFunction> functions;
  std::vector<const uint8_t *> segments; // the address of each segment
  std::vector<tessera::runtime::StateInfo> states;
  // The largest needs of any function, so that one session serves them all.
  int64_t maxArenaSize = 0;
  int32_t maxScalars = 0;
  size_t maxBindings = 0;
  size_t maxPushConstants = 0;
};

#endif // TESSERA_RUNTIME_MODULE_H
