//===- TensorCoreMatmul.h - contractions on warp-level mma.sync -*- C++ -*-===//
//
// A CUDA contraction kernel (a linalg matmul, batch matmul or generic
// contraction on the subviews of one workgroup tile, after bufferizeKernels)
// gets its tile computed by the block's warps with mma.sync instead of one
// scalar loop per output element:
//
//   for k0 in 0..K step 32:                        (every thread of the block)
//     stage A[tile rows, k0:k0+32] and B[k0:k0+32, tile cols] in shared
//     memory, converted to the mma's input type, zeros past the edges
//     barrier
//     each warp: its 16x8 output tiles += mma.sync over the staged chunk
//     barrier
//   each lane stores its accumulators inside the tile's bounds
//
// Accumulators are f32 throughout. f32 contractions run as tf32 (inputs
// rounded to nearest, ties away: cvt.rna.tf32.f32) unless the precision is
// fp32, or as f16 under --precision=fp16; f16 and bf16 contractions use the
// f16 / bf16 mma in every mode. What cannot use tensor cores keeps the
// scalar loop, with the reason recorded.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_CODEGEN_GPU_TENSORCOREMATMUL_H
#define TESSERA_CODEGEN_GPU_TENSORCOREMATMUL_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"

#include <set>
#include <string>
#include <vector>

namespace tessera::gpu {

/// What f32 contractions compute in on tensor cores (--precision).
enum class MatmulPrecision {
  /// Exact f32: the scalar loops, no tensor cores for f32 contractions.
  FP32,
  /// Inputs rounded to tf32 (10-bit mantissa), f32 accumulation.
  TF32,
  /// Inputs rounded to f16, f32 accumulation.
  FP16,
};

/// "fp32", "tf32" or "fp16"; errors name what is accepted.
llvm::Expected<MatmulPrecision> parseMatmulPrecision(llvm::StringRef text);
llvm::StringRef matmulPrecisionName(MatmulPrecision precision);

/// How the contraction kernels of a module went.
struct TensorCoreSummary {
  /// The --precision the kernels are compiled with (read by useTensorCores).
  MatmulPrecision precision = MatmulPrecision::TF32;
  /// Kernels with at least one contraction, and those whose contractions
  /// all run on tensor cores.
  unsigned contractionKernels = 0;
  unsigned tensorCoreKernels = 0;
  /// One line per contraction left on the scalar loop: where, and why.
  std::vector<std::string> declined;
  /// The mma input types used: tf32, f16, bf16.
  std::set<std::string> inputTypes;

  /// `prefix`cuda: tensor cores in N/M matmul kernels (tf32), then one
  /// indented line per declined contraction.
  void print(llvm::raw_ostream &os, llvm::StringRef prefix) const;
};

/// Rewrites the contractions of `kernel` (a bufferized ABI kernel, before
/// ThreadDistribution) for blocks of `blockSize` threads on NVIDIA
/// architecture sm_`smVersion` at `summary.precision`, and records in
/// `summary` what it did. The rewritten code is marked
/// kBlockCooperativeAttr (ThreadDistribution.h): every thread runs it,
/// barriers included. A contraction that cannot use tensor cores is left
/// as it is, for the scalar loops.
void useTensorCores(mlir::func::FuncOp kernel, int64_t blockSize, unsigned smVersion,
                    TensorCoreSummary &summary);

} // namespace tessera::gpu

#endif // TESSERA_CODEGEN_GPU_TENSORCOREMATMUL_H
