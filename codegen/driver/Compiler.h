//===- Compiler.h - tessera IR to a module -----------------------*- C++ -*-===//
//
// A backend end to end: tessera -> linalg on tensors -> elementwise fusion ->
// dispatches -> kernels and host programs (module::FunctionDesc). CPU
// kernels are tiled, vectorized and linked into one x86-64 shared object;
// CUDA kernels are tiled for thread blocks and emitted as PTX, the shared
// object then holding only the host's shape functions. Both at once make one
// module whose two targets share the weights.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_CODEGEN_DRIVER_COMPILER_H
#define TESSERA_CODEGEN_DRIVER_COMPILER_H

#include "codegen/cpu/HostProgram.h"
#include "codegen/cpu/ObjectEmitter.h"
#include "codegen/gpu/PtxEmitter.h"
#include "codegen/gpu/TensorCoreMatmul.h"
#include "codegen/module/ModuleWriter.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/Error.h"

#include <functional>
#include <memory>
#include <optional>

namespace tessera::codegen {

/// Where compilation stops (for --emit): the module is left in that form.
enum class Stage { Linalg, Dispatches, Kernels, LLVM, Module };

struct CompileOptions {
  /// The host CPU: every kernel of a CPU module, the shape functions of a
  /// CUDA one.
  cpu::TargetCPU target;
  /// Set: kernels for this NVIDIA GPU instead of the CPU (or besides it,
  /// with `withCpu`).
  std::optional<gpu::CudaTarget> cuda;
  /// With `cuda`: one module holding the CPU's kernels (its primary target,
  /// what a CPU session runs) and the GPU's (ModuleDesc::otherTargets),
  /// which read the same weights, stored once. Their layout is then the
  /// GPU's: matmul weights are not packed into the CPU kernels' panels
  /// (WeightPacking.h), which costs the CPU kernels some speed. Only whole
  /// modules (Stage::Module).
  bool withCpu = false;
  /// CUDA: what f32 matmuls compute in on tensor cores (--precision).
  gpu::MatmulPrecision precision = gpu::MatmulPrecision::TF32;
  cpu::DimBounds bounds;
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
  std::string ptx;
  cpu::WeightTable weights;
  module::ModuleDesc desc;
  /// A module for several targets: the code of each of desc.otherTargets,
  /// holding the bytes its TargetDesc points at (their weights are in this
  /// one's table).
  std::vector<std::unique_ptr<CompiledModule>> others;
  /// CUDA: which contraction kernels use tensor cores, and why not the others.
  gpu::TensorCoreSummary tensorCores;
};

llvm::Expected<std::unique_ptr<CompiledModule>>
compileModule(mlir::ModuleOp module, const CompileOptions &options);

} // namespace tessera::codegen

#endif // TESSERA_CODEGEN_DRIVER_COMPILER_H
