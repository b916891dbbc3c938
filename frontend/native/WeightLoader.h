//===- WeightLoader.h - checkpoint tensors as constants ---------*- C++ -*-===//
//
// Turns the tensors of a TensorTable into the elements attributes of
// `tessera.constant`s: float32 (the CPU backend computes in it; F16 and BF16
// are widened), each shape checked against what config.json implies, and in
// the layout the ops want. A float32 tensor that is used as stored becomes a
// `dense_resource` blob pointing into the mapped file, which it keeps alive;
// anything converted or transposed is copied once.
//
// A family lists every tensor it needs, then asks for the first failure:
// loads after a failure return null attributes, which it must not use.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_FRONTEND_NATIVE_WEIGHTLOADER_H
#define TESSERA_FRONTEND_NATIVE_WEIGHTLOADER_H

#include "frontend/native/TensorTable.h"

#include "mlir/IR/BuiltinAttributeInterfaces.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/MLIRContext.h"

namespace tessera::native {

/// A float32 constant of `type` holding `values`: inline `dense` when small
/// (folders and readers of the IR see it), else a blob named `name`.
mlir::ElementsAttr floatConstant(mlir::RankedTensorType type,
                                 llvm::StringRef name,
                                 llvm::ArrayRef<float> values);

class WeightLoader {
public:
  WeightLoader(mlir::MLIRContext *context, const TensorTable &table)
      : context_(context), table_(table) {}

  const TensorTable &table() const { return table_; }
  bool has(llvm::StringRef name) const { return table_.contains(name); }

  /// Tensor `name`, which must have `shape`, as stored.
  mlir::ElementsAttr load(llvm::StringRef name, llvm::ArrayRef<int64_t> shape);

  /// A linear layer's weight stored [out, in] (PyTorch nn.Linear, llama2.c),
  /// transposed to the [in, out] that a matmul's right-hand side is.
  mlir::ElementsAttr loadTransposed(llvm::StringRef name, int64_t out,
                                    int64_t in);

  /// The first failure of the loads so far (missing tensor, wrong shape or
  /// dtype), or success.
  llvm::Error takeError();

private:
  /// The view of `name` after checking that it exists, is a float type and
  /// has `shape`.
  llvm::Expected<const TensorView *> lookup(llvm::StringRef name,
                                            llvm::ArrayRef<int64_t> shape);

  /// Records the first failure; returns null.
  mlir::ElementsAttr failed(llvm::Error error);

  mlir::MLIRContext *context_;
  const TensorTable &table_;
  std::optional<std::string> firstError_;
};

} // namespace tessera::native

#endif // TESSERA_FRONTEND_NATIVE_WEIGHTLOADER_H
