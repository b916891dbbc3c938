//===- KernelPipeline.h - ABI kernels down to the LLVM dialect --*- C++ -*-===//
//
// Each ABI kernel (KernelABI.h) holds one root op on tensors. The pipeline
// tiles the root for workgroups (an scf.forall whose iterations the runtime
// spreads over its threads), bufferizes in place, turns the forall into a
// loop over the tiles of this workgroup, and lowers everything to the LLVM
// dialect.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_CODEGEN_CPU_KERNELPIPELINE_H
#define TESSERA_CODEGEN_CPU_KERNELPIPELINE_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"

namespace tessera::cpu {

/// The number of workgroups a kernel's dispatch launches (x; y = z = 1).
inline constexpr llvm::StringLiteral kWorkgroupsAttr = "tessera.workgroups";
/// Set on kernels that already loop over their workgroup's tiles (built that
/// way rather than from an scf.forall).
inline constexpr llvm::StringLiteral kDistributedAttr = "tessera.distributed";

/// Tiles the root of `kernel` into an scf.forall over workgroup tiles and
/// records the workgroup count on the function. Contractions get smaller
/// tiles when theirs would not give each of `threadsHint` threads two.
mlir::LogicalResult tileForWorkgroups(mlir::func::FuncOp kernel,
                                      unsigned threadsHint);

/// Bufferizes every kernel, distributes the foralls over workgroups and
/// lowers `module` to the LLVM dialect.
mlir::LogicalResult lowerKernelsToLLVM(mlir::ModuleOp module);

} // namespace tessera::cpu

#endif // TESSERA_CODEGEN_CPU_KERNELPIPELINE_H
