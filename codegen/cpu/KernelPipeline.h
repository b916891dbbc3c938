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
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/BuiltinOps.h"

#include <optional>

namespace tessera::cpu {

/// The number of workgroups a kernel's dispatch launches (x; y = z = 1).
inline constexpr llvm::StringLiteral kWorkgroupsAttr = "tessera.workgroups";
/// Set on kernels that already loop over their workgroup's tiles (built that
/// way rather than from an scf.forall).
inline constexpr llvm::StringLiteral kDistributedAttr = "tessera.distributed";

/// On a loop whose iterations are independent, each with its own state (the
/// query rows of an attention tile): a GPU gives each to a thread.
inline constexpr llvm::StringLiteral kIndependentRowsAttr = "tessera.independent_rows";

/// Workgroup tiles: the CPU's defaults are few large workgroups (one per
/// thread of a pool, tiles that fill the vector registers); a GPU wants many
/// small ones.
struct WorkgroupTiling {
  /// Upper bound on the workgroups of one dispatch.
  int64_t maxWorkgroups = 64;
  /// Elements per workgroup tile of an elementwise or reduction op.
  int64_t elementsPerTile = 16384;
  /// Workgroup tile of a contraction's output: rows x columns.
  int64_t contractionTileM = 48;
  int64_t contractionTileN = 128;
  /// Contraction tiles become vector.contract (CPU).
  bool vectorize = true;
};

/// Tiles the root of `kernel` into an scf.forall over workgroup tiles and
/// records the workgroup count on the function. Contractions get smaller
/// tiles when theirs would not give each of `threadsHint` threads two.
mlir::LogicalResult tileForWorkgroups(mlir::func::FuncOp kernel,
                                      unsigned threadsHint,
                                      const WorkgroupTiling &config = {});

/// A constant that `size` never exceeds: itself, or a constant among the
/// operands of the affine.min that clips a tile at the edge.
std::optional<int64_t> constantUpperBound(mlir::Value size);

/// Replaces the loop nest whose body is `body` (one block argument per loop,
/// bounds `lbs`, `ubs`, `steps`) by one scf.for at `b` over its linearized
/// iterations start, start + stride, ... (the innermost loop fastest): the
/// body moves in, its terminator is dropped. The caller erases the nest.
mlir::scf::ForOp linearizeLoopNest(mlir::OpBuilder &b, mlir::Location loc,
                                   mlir::ValueRange lbs, mlir::ValueRange ubs,
                                   mlir::ValueRange steps, mlir::Block *body,
                                   mlir::Value start, mlir::Value stride);

/// Bufferizes every kernel in place, turns each forall into a loop over the
/// tiles of one workgroup (argument 2), gives tile temporaries a fixed size
/// at entry, and replaces transcendentals by polynomials: memref, scf and
/// linalg on buffers, for either backend.
mlir::LogicalResult bufferizeKernels(mlir::ModuleOp module);

/// bufferizeKernels, then the CPU's vector and loop lowering down to the
/// LLVM dialect.
mlir::LogicalResult lowerKernelsToLLVM(mlir::ModuleOp module);

} // namespace tessera::cpu

#endif // TESSERA_CODEGEN_CPU_KERNELPIPELINE_H
