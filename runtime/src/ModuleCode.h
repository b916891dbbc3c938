//===- ModuleCode.h - one target's code in a module -------------*- C++ -*-===//
//
// A module holds the code of its primary target in the root's own fields
// and, compiled for several targets, that of each other target in a
// TargetCode (module.fbs). The verifier, the loader and the sessions read
// both through this one view, so that every target is checked and run the
// same way.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_RUNTIME_MODULECODE_H
#define TESSERA_RUNTIME_MODULECODE_H

#include "tessera/module_generated.h"
#include "tessera/runtime.h"

#include <cstdint>
#include <vector>

namespace tessera::runtime {

/// Pointers into the module's FlatBuffer; absent tables are null.
struct CodeTables {
  const flatbuffers::String *target = nullptr;
  const flatbuffers::Vector<flatbuffers::Offset<flatbuffers::String>> *kernels = nullptr;
  int32_t kernelObject = -1;
  int32_t cudaPtx = -1;
  const flatbuffers::String *cudaArch = nullptr;
  const flatbuffers::Vector<flatbuffers::Offset<tessera::module::fb::Function>> *functions =
      nullptr;
  /// False for the primary target's: its messages name no target, as
  /// before modules had more than one.
  bool other = false;

  /// Its kernels are PTX for the CUDA backend.
  bool isCuda() const { return cudaPtx >= 0; }
  tsr_device_kind_t device() const { return isCuda() ? TSR_DEVICE_CUDA : TSR_DEVICE_CPU; }
  const char *targetName() const { return target ? target->c_str() : ""; }
};

inline CodeTables primaryCode(const tessera::module::fb::Module &root) {
  return {root.target(),   root.kernels(),   root.kernel_object(), root.cuda_ptx(),
          root.cuda_arch(), root.functions(), false};
}

inline CodeTables otherCode(const tessera::module::fb::TargetCode &code) {
  return {code.target(),   code.kernels(),   code.kernel_object(), code.cuda_ptx(),
          code.cuda_arch(), code.functions(), true};
}

/// Every target's code, the primary's first, then Module.other_targets in
/// order.
inline std::vector<CodeTables> moduleCode(const tessera::module::fb::Module &root) {
  std::vector<CodeTables> code{primaryCode(root)};
  if (const auto *others = root.other_targets())
    for (const tessera::module::fb::TargetCode *other : *others)
      code.push_back(otherCode(*other));
  return code;
}

} // namespace tessera::runtime

#endif // TESSERA_RUNTIME_MODULECODE_H
