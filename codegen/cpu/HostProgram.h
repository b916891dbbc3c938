//===- HostProgram.h - host functions as the module's dispatch tables -*- C++ -*-===//
//
// After DispatchFormation, a host function is index arithmetic on its input
// dims, weights, reshapes and calls to kernels. This turns it into what the
// runtime interprets (module::FunctionDesc): a scalar table (input dims in
// their slots, derived sizes computed by a generated shape function), the
// buffers (inputs, outputs, weights, arena slices placed by liveness) and the
// ordered dispatches with their bindings and push constants.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_CODEGEN_CPU_HOSTPROGRAM_H
#define TESSERA_CODEGEN_CPU_HOSTPROGRAM_H

#include "codegen/module/ModuleWriter.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/StringMap.h"

#include <deque>
#include <map>

namespace tessera::cpu {

/// Compile-time maxima of dynamic input dims, by ONNX dim name.
struct DimBounds {
  int64_t maxBatch = 8;
  int64_t maxSequence = 512;
  /// Explicit bounds (`--max-dim name=value`) win over the two above.
  std::map<std::string, int64_t> byName;
  int64_t boundFor(llvm::StringRef name) const;
};

/// Weights referenced by the module, with storage for those that had to be
/// materialized (splats, bit-packed booleans).
struct WeightTable {
  std::vector<llvm::ArrayRef<char>> segments;
  std::deque<std::vector<char>> owned;
  llvm::DenseMap<mlir::Attribute, int32_t> indexOf;
  llvm::DenseMap<std::pair<const char *, size_t>, int32_t> indexOfBytes;
};

/// Builds the FunctionDesc of `host`. Kernels are looked up in
/// `kernelIndex` by name; the shape function (when the function has dynamic
/// dims) is added to `module` in its ABI form.
mlir::FailureOr<module::FunctionDesc>
buildHostProgram(mlir::func::FuncOp host, mlir::ModuleOp module,
                 const llvm::StringMap<int32_t> &kernelIndex,
                 const DimBounds &bounds, WeightTable &weights);

} // namespace tessera::cpu

#endif // TESSERA_CODEGEN_CPU_HOSTPROGRAM_H
