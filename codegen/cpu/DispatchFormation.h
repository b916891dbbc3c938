//===- DispatchFormation.h - host functions into dispatches ----*- C++ -*-===//
//
// Splits each host function (linalg on tensors) into dispatches: every op
// that computes a tensor is outlined, with the cheap ops that feed it
// (tensor.empty, fills, slices, small constants), into a kernel function
// that the host calls. What is left in the host is the program the runtime
// interprets: index arithmetic on input dims, reshapes (aliases), weights and
// calls.
//
// A kernel function has the signature
//   (input tensors..., captured index values..., input dims..., output dims...)
//     -> output tensors
// where "input dims" and "output dims" are the dynamic sizes of each input and
// output tensor in order; the ABI wrapper turns all index arguments into push
// constants.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_CODEGEN_CPU_DISPATCHFORMATION_H
#define TESSERA_CODEGEN_CPU_DISPATCHFORMATION_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Support/LLVM.h"

namespace tessera::cpu {

/// Attributes on kernel functions (tensor form).
/// Kernel functions in tensor form are named with this prefix; their ABI
/// form (KernelABI.h) drops it.
inline constexpr llvm::StringLiteral kTensorKernelPrefix = "__tensor_";
inline constexpr llvm::StringLiteral kDispatchAttr = "tessera.dispatch";
inline constexpr llvm::StringLiteral kNumInputsAttr = "tessera.num_inputs";
inline constexpr llvm::StringLiteral kNumCapturedAttr = "tessera.num_captured";
/// The model node(s) the dispatch computes, when the IR names them.
inline constexpr llvm::StringLiteral kSourceAttr = "tessera.source";

/// Outlines the dispatches of every public function of `module`. Kernel
/// functions are added to `module`, named `tsr_k<N>_<op>`.
mlir::LogicalResult formDispatches(mlir::ModuleOp module);

} // namespace tessera::cpu

#endif // TESSERA_CODEGEN_CPU_DISPATCHFORMATION_H
