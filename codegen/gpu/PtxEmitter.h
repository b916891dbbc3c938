//===- PtxEmitter.h - GPU kernels to PTX through NVVM ------------*- C++ -*-===//
//
// gpu.module (kernels on memref/scf/arith, ThreadDistribution.h) -> NVVM ->
// LLVM's NVPTX backend -> PTX text. Needs no CUDA installation: ptxas only
// checks or assembles the result (tests, the driver's JIT at load time).
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_CODEGEN_GPU_PTXEMITTER_H
#define TESSERA_CODEGEN_GPU_PTXEMITTER_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/Error.h"

#include <string>

namespace tessera::gpu {

/// "sm_80" (the default) or another NVPTX architecture, with the PTX ISA
/// version it needs.
struct CudaTarget {
  std::string arch = "sm_80";
  /// The number in `arch` (80 for sm_80): what the instructions may use.
  unsigned version = 80;
  /// "+ptx80": PTX 8.0, which CUDA 12.0 and newer drivers accept.
  std::string features = "+ptx80";
};

/// Parses "cuda" or "cuda:sm_90" (the --target value); errors name what is
/// accepted.
llvm::Expected<CudaTarget> parseCudaTarget(llvm::StringRef target);

/// Lowers the single gpu.module in `holder` to NVVM and returns its PTX.
llvm::Expected<std::string> emitPtx(mlir::ModuleOp holder, const CudaTarget &target);

} // namespace tessera::gpu

#endif // TESSERA_CODEGEN_GPU_PTXEMITTER_H
