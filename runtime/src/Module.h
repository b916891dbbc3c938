//===- Module.h - a loaded, verified module ---------------------*- C++ -*-===//
//
// Everything here is written once, while loading, and only read afterwards:
// sessions of one module may run concurrently without any synchronization.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_RUNTIME_MODULE_H
#define TESSERA_RUNTIME_MODULE_H

#include "KernelLibrary.h"
#include "ModuleCode.h"
#include "ModuleBytes.h"
#include "ModuleVerifier.h"
#include "State.h"

#include "tessera/kernel_abi.h"
#include "tessera/module_generated.h"
#include "tessera/runtime.h"

#include <cstdint>
#include <memory>
#include <vector>

namespace tessera::runtime {

namespace fb = tessera::module::fb;

struct LoadedFunction {
  const fb::Function *fb = nullptr;
  const char *name = "";
  tessera_shape_fn shapeFunction = nullptr; // null: every dim is static
  tessera::runtime::FunctionStates states;
};

/// One target's code, loaded: what a session on its kind of device runs.
/// Every target has the same functions (same names, signatures and states:
/// the verifier checks it), each compiled for that target.
struct LoadedCode {
  CodeTables fb;
  KernelLibrary library;
  std::vector<tessera_kernel_fn> kernels; // CPU code; CUDA sessions load their own
  std::vector<LoadedFunction> functions;
  // The largest needs of any function, so that one session serves them all.
  int64_t maxArenaSize = 0;
  int32_t maxScalars = 0;
  size_t maxBindings = 0;
  size_t maxPushConstants = 0;
};

/// Builds a module from its bytes: verifies them, loads every target's
/// kernel object and resolves its kernels and shape functions.
tsr_status_t loadModule(ModuleBytes bytes, tsr_module_t **out_module);

} // namespace tessera::runtime

struct tsr_module_s {
  tessera::runtime::ModuleBytes bytes;
  const tessera::module::fb::Module *root = nullptr;
  /// The primary target's code first, then each of Module.other_targets.
  std::vector<std::unique_ptr<tessera::runtime::LoadedCode>> code;
  std::vector<const uint8_t *> segments; // the address of each segment
  std::vector<tessera::runtime::StateInfo> states;

  /// What the inspection functions describe (every target's functions have
  /// these signatures) and what a session runs by default.
  const tessera::runtime::LoadedCode &primary() const { return *code.front(); }
  /// The code a session on `kind` runs; null when the module has none.
  const tessera::runtime::LoadedCode *codeFor(tsr_device_kind_t kind) const {
    for (const auto &c : code)
      if (c->fb.device() == kind)
        return c.get();
    return nullptr;
  }
};

#endif // TESSERA_RUNTIME_MODULE_H
