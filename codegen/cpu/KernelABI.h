//===- KernelABI.h - kernel functions in the runtime's calling form -*- C++ -*-===//
//
// Rewrites a kernel function of DispatchFormation (tensors in, tensors out)
// into the form runtime/include/tessera/kernel_abi.h declares:
//
//   void kernel(void *const *bindings, const int64_t *push_constants,
//               int64_t workgroup_x, int64_t workgroup_y, int64_t workgroup_z)
//
// Bindings are the input tensors, then the output tensors, as row-major
// buffers; push constants are the function's index arguments in order. The
// body reads the inputs through bufferization.to_tensor and writes each result
// into its output buffer with bufferization.materialize_in_destination, so
// that one-shot bufferization works in place.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_CODEGEN_CPU_KERNELABI_H
#define TESSERA_CODEGEN_CPU_KERNELABI_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"

namespace tessera::cpu {

inline constexpr llvm::StringLiteral kKernelAttr = "tessera.kernel";

/// Creates the ABI form of `kernel` next to it (same name with the suffix
/// removed by the caller) and returns it; `kernel` is left untouched.
mlir::FailureOr<mlir::func::FuncOp> createABIKernel(mlir::func::FuncOp kernel,
                                                    llvm::StringRef name);

/// A memref of `type` over the row-major buffer at `ptr`, with the dynamic
/// sizes (i64 values) in order.
mlir::Value memrefFromPointer(mlir::OpBuilder &b, mlir::Location loc,
                              mlir::Value ptr, mlir::MemRefType type,
                              mlir::ValueRange dynamicSizes);

/// Loads element `index` of the array of `elementType` at `base`.
mlir::Value loadElement(mlir::OpBuilder &b, mlir::Location loc,
                        mlir::Value base, mlir::Type elementType,
                        int64_t index);

} // namespace tessera::cpu

#endif // TESSERA_CODEGEN_CPU_KERNELABI_H
