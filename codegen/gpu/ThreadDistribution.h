//===- ThreadDistribution.h - a workgroup's tile over a block's threads -*- C++ -*-===//
//
// A bufferized ABI kernel (codegen/cpu/KernelABI.h, after bufferizeKernels)
// loops over the tiles of one workgroup; each tile is a sequence of loop
// nests (linalg ops on subviews, the row loop of an attention tile). On a
// GPU a workgroup is a thread block: each nest's parallel iterations are
// spread over the block's threads, a barrier follows each nest (the next
// one may read what it wrote), and what no thread can share runs on thread
// 0 alone:
//
//   scf.for %t = %wg to %tiles step %W {        scf.for %t = %bid to ... {
//     linalg.fill(%stat)                          for %i = %tid to N step B
//     linalg.generic(reduce %x -> %stat)   ==>      ... ; gpu.barrier
//     linalg.generic(normalize)                    for %i = %tid ... ; gpu.barrier
//   }                                              ...
//
// The kernel then becomes a gpu.func in `gpuModule` taking the kernel ABI's
// binding and push-constant tables as two pointers (runtime/schema), with the
// tile temporaries several threads touch in workgroup (shared) memory.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_CODEGEN_GPU_THREADDISTRIBUTION_H
#define TESSERA_CODEGEN_GPU_THREADDISTRIBUTION_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"

namespace tessera::gpu {

/// On kernels whose tile temporaries are sized at run time: each block runs
/// on its first thread alone (slow; the compiler reports how many).
inline constexpr llvm::StringLiteral kSingleThreadAttr = "tessera.single_thread";

/// On an op that every thread of the block runs as it is, synchronizing
/// itself (the warp-level mma of a contraction tile, TensorCoreMatmul.h):
/// it is neither spread nor given to thread 0; a barrier follows it.
inline constexpr llvm::StringLiteral kBlockCooperativeAttr = "tessera.block_cooperative";

/// Moves `kernel` (a bufferized ABI kernel, erased on success) into
/// `gpuModule` as a kernel for blocks of `blockSize` threads.
mlir::FailureOr<mlir::gpu::GPUFuncOp>
distributeOverThreads(mlir::func::FuncOp kernel, mlir::gpu::GPUModuleOp gpuModule,
                      int64_t blockSize);

} // namespace tessera::gpu

#endif // TESSERA_CODEGEN_GPU_THREADDISTRIBUTION_H
