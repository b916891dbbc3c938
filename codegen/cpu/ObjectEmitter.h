//===- ObjectEmitter.h - LLVM dialect to an x86-64 shared object -*- C++ -*-===//

#ifndef TESSERA_CODEGEN_CPU_OBJECTEMITTER_H
#define TESSERA_CODEGEN_CPU_OBJECTEMITTER_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/Error.h"

#include <string>
#include <vector>

namespace tessera::cpu {

struct TargetCPU {
  /// "host", "x86-64-v3" (AVX2), "x86-64-v4" (AVX-512) or any CPU name
  /// LLVM's x86 backend knows.
  std::string name = "host";
  /// The LLVM CPU and feature string `name` resolves to.
  std::string cpu, features;
};

/// Resolves `target.name` into an LLVM CPU and features.
llvm::Error resolveTargetCPU(TargetCPU &target);

/// Translates `module` (LLVM dialect only) to LLVM IR, optimizes it at -O3
/// for `target`, emits an object and links it into an ELF shared object with
/// the system linker. Returns the shared object's bytes.
llvm::Expected<std::vector<char>> emitSharedObject(mlir::ModuleOp module,
                                                   const TargetCPU &target);

} // namespace tessera::cpu

#endif // TESSERA_CODEGEN_CPU_OBJECTEMITTER_H
