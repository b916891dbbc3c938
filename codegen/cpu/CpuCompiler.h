//===- CpuCompiler.h - tessera IR to a CPU module ----------------*- C++ -*-===//
//
// The CPU backend end to end: tessera -> linalg on tensors -> elementwise
// fusion -> dispatches -> kernels (tiled, bufferized, lowered to LLVM, linked
// into one shared object) and host programs (module::FunctionDesc).
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_CODEGEN_CPU_CPUCOMPILER_H
#define TESSERA_CODEGEN_CPU_CPUCOMPILER_H

#include "codegen/cpu/HostProgram.h"
#include "codegen/cpu/ObjectEmitter.h"
#include "codegen/module/ModuleWriter.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/Error.h"

#include <functional>
#include <memory>

namespace tessera::cpu {

/// Where compilation stops (for --emit): the module is left in that form.
enum class Stage { Linalg, Dispatches, Kernels, LLVM, Module };

struct CpuCompileOptions {
  TargetCPU target;
  DimBounds bounds;
  Stage stopAfter = Stage::Module;
  /// Threads the module will usually run with (tile sizes for small shapes).
  unsigned threadsHint = 2;
  /// Progress, one line per stage.
  std::function<void(llvm::StringRef)> progress;
};

/// What the module writer needs; weights point into `module`'s context and
/// `weights.owned`, so both must outlive the write.
struct CompiledModule {
  std::vector<char> kernelObject;
  WeightTable weights;
  module::ModuleDesc desc;
};

llvm::Expected<std::unique_ptr<CompiledModule>>
compileForCpu(mlir::ModuleOp module, const CpuCompileOptions &options);

} // namespace tessera::cpu

#endif // TESSERA_CODEGEN_CPU_CPUCOMPILER_H
