//===- GraphBuilder.h - building tessera functions for a model --*- C++ -*-===//
//
// What every family builder needs to write tessera IR directly: functions
// with named inputs and outputs (and named dynamic dims, which the runtime
// checks), the index sizes of dynamic dimensions, and the few multi-op steps
// every transformer repeats (linear layers, splitting and merging heads,
// position ids, attention with a KV cache). Ops are named after the module
// part they belong to ("layers.3.attention"), so that diagnostics and the
// fusion report point there.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_FRONTEND_NATIVE_GRAPHBUILDER_H
#define TESSERA_FRONTEND_NATIVE_GRAPHBUILDER_H

#include "ir/TesseraDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "mlir/IR/OpDefinition.h"

#include <optional>
#include <string>

namespace tessera::native {

/// One function input: static sizes, or ShapedType::kDynamic with a name.
struct FunctionInput {
  std::string name;
  llvm::SmallVector<int64_t> shape;
  mlir::Type elementType;
  /// One entry per dimension; "" for static ones.
  llvm::SmallVector<std::string> dimNames;
};

/// One layer's key/value cache, [batch, kv_heads, length, head_dim] each.
struct KVCache {
  mlir::Value key, value;
};

class GraphBuilder {
public:
  /// Builds into `module`; `source` (the checkpoint) names the locations.
  GraphBuilder(mlir::ModuleOp module, llvm::StringRef source);

  mlir::ImplicitLocOpBuilder &b() { return builder_; }
  mlir::MLIRContext *context() { return builder_.getContext(); }

  /// Starts function `name` and returns its arguments; ops are created in its
  /// body until endFunction.
  llvm::SmallVector<mlir::Value>
  beginFunction(llvm::StringRef name, llvm::ArrayRef<FunctionInput> inputs);
  /// Returns `outputs` (name, value) and sets the function's result types.
  void endFunction(llvm::ArrayRef<std::pair<std::string, mlir::Value>> outputs);

  /// Names the ops created from now on after a part of the model.
  void setScope(const llvm::Twine &part);

  mlir::Value constant(mlir::ElementsAttr value);
  /// A rank-0 float32 or int64 constant.
  mlir::Value scalar(float value);
  mlir::Value scalarI64(int64_t value);

  /// Dimension `dim` of `tensor`: a constant when static, else tensor.dim.
  mlir::OpFoldResult size(mlir::Value tensor, int64_t dim);
  /// `size` as an index value.
  mlir::Value indexValue(mlir::OpFoldResult size);

  mlir::Value reshape(mlir::Value input,
                      llvm::ArrayRef<mlir::OpFoldResult> shape);
  mlir::Value transpose(mlir::Value input, llvm::ArrayRef<int64_t> permutation);

  /// activation(x @ weight + bias) + residual; weight is [in, out].
  mlir::Value linear(mlir::Value x, mlir::Value weight, mlir::Value bias = {},
                     mlir::Value residual = {},
                     Activation activation = Activation::none);

  /// Elements [begin, end) of dimension `dim`.
  mlir::Value slice(mlir::Value input, int64_t dim, int64_t begin, int64_t end);

  /// Normalizations over the last dimension.
  mlir::Value layerNorm(mlir::Value x, mlir::Value scale, mlir::Value bias,
                        float epsilon);
  mlir::Value rmsNorm(mlir::Value x, mlir::Value scale, float epsilon);

  /// [B, S, heads * headDim] -> [B, heads, S, headDim].
  mlir::Value splitHeads(mlir::Value x, int64_t heads, int64_t headDim);
  /// [B, heads, S, headDim] -> [B, S, heads * headDim].
  mlir::Value mergeHeads(mlir::Value x);

  /// offset, ..., offset + length - 1 as a [length] i64 tensor (offset: the
  /// past length; null for 0).
  mlir::Value iota(mlir::OpFoldResult length, mlir::Value offset);
  /// The same positions as a [1, length] tensor, for [batch, length] ids.
  mlir::Value positions(mlir::OpFoldResult length, mlir::Value offset);

  /// Attention of q [B, H, S, D] over k, v [B, Hkv, S, D] and, when given, a
  /// past cache: the output [B, H, S, D] and the present cache (k and v
  /// themselves without a past, the concatenation with one).
  std::pair<mlir::Value, KVCache>
  attention(mlir::Value q, mlir::Value k, mlir::Value v, mlir::Value mask,
            const KVCache *past, std::optional<float> scale, bool causal);

private:
  mlir::ModuleOp module_;
  std::string source_;
  mlir::ImplicitLocOpBuilder builder_;
  mlir::func::FuncOp function_;
};

} // namespace tessera::native

#endif // TESSERA_FRONTEND_NATIVE_GRAPHBUILDER_H
