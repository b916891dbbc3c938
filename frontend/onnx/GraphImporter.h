//===- GraphImporter.h - one ONNX graph into one func.func ------*- C++ -*-===//
//
// Internal to the ONNX frontend (includes the ONNX protobuf headers; built
// with exceptions).
//
// Shape plumbing never reaches the IR when it can be avoided: for small
// integer tensors (rank 0 or 1) the importer tracks every element as a
// compile-time constant or as an `index` value computed at run time (a
// dynamic dimension, or arithmetic on dimensions). Shape, Gather, Concat,
// Unsqueeze, arithmetic... on such values are evaluated here, and a Reshape
// or Expand that consumes them gets static sizes plus `index` operands. Only
// a value that is used as real data is materialized as a tensor.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_FRONTEND_ONNX_GRAPHIMPORTER_H
#define TESSERA_FRONTEND_ONNX_GRAPHIMPORTER_H

#include "frontend/onnx/OnnxImporter.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringMap.h"

#include "onnx/onnx_pb.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace tessera::onnx_frontend {

/// One element of a tracked integer tensor: a constant, or an `index` value.
struct SymbolicInt {
  int64_t constant = 0;
  mlir::Value dynamic;

  static SymbolicInt of(int64_t value) { return {value, {}}; }
  static SymbolicInt of(mlir::Value value) { return {0, value}; }
  bool isConstant() const { return !dynamic; }
};
using SymbolicInts = llvm::SmallVector<SymbolicInt, 4>;

/// What the importer knows about one ONNX value: the tensor, its elements
/// (for tracked integer tensors), or both.
struct ImportedValue {
  mlir::Value tensor;
  std::optional<SymbolicInts> elements;
  bool scalar = false;
  mlir::Type elementType;
};

class GraphImporter;

/// What an op importer sees of one node.
class NodeImporter {
public:
  /// `index` is the node's position in the graph, which names unnamed nodes.
  NodeImporter(GraphImporter &graph, const onnx::NodeProto &node, int index,
               int64_t opset);

  const onnx::NodeProto &node() const { return node_; }
  int64_t opset() const { return opset_; }
  mlir::Location loc() const { return loc_; }
  mlir::OpBuilder &builder();
  mlir::MLIRContext *context();
  GraphImporter &graph() { return graph_; }

  //===--- inputs ---------------------------------------------------------===//
  size_t numInputs() const { return node_.input_size(); }
  /// True when input `i` is given (optional inputs may be absent or "").
  bool hasInput(size_t i) const;
  /// The input as a tensor (materialized if it was only tracked).
  mlir::FailureOr<mlir::Value> input(size_t i);
  /// The input's type; fails (with a message) when it is not a ranked tensor.
  mlir::FailureOr<mlir::RankedTensorType> inputType(size_t i);
  /// The tracked elements of an integer input of rank 0 or 1, if known.
  std::optional<SymbolicInts> inputElements(size_t i);
  /// The input's elements when they are all compile-time constants.
  std::optional<llvm::SmallVector<int64_t>> inputConstants(size_t i);
  /// A float input that is a compile-time scalar constant (any rank, one
  /// element, or a splat).
  std::optional<double> inputFloatConstant(size_t i);

  //===--- attributes -----------------------------------------------------===//
  const onnx::AttributeProto *attr(llvm::StringRef name) const;
  int64_t intAttr(llvm::StringRef name, int64_t defaultValue) const;
  float floatAttr(llvm::StringRef name, float defaultValue) const;
  std::string stringAttr(llvm::StringRef name,
                         llvm::StringRef defaultValue) const;
  std::optional<llvm::SmallVector<int64_t>>
  intsAttr(llvm::StringRef name) const;

  //===--- outputs --------------------------------------------------------===//
  size_t numOutputs() const { return node_.output_size(); }
  bool hasOutput(size_t i) const;
  mlir::LogicalResult setOutput(size_t i, mlir::Value value);
  mlir::LogicalResult setOutputElements(size_t i, SymbolicInts elements,
                                        bool scalar, mlir::Type elementType);

  //===--- building -------------------------------------------------------===//
  /// Creates a tessera op whose result types are inferred; an inference
  /// failure becomes this node's error instead of an abort.
  template <typename OpTy>
  mlir::FailureOr<mlir::Operation *>
  createInferred(mlir::ValueRange operands,
                 llvm::ArrayRef<mlir::NamedAttribute> attributes = {},
                 unsigned numResults = 1) {
    return createInferredImpl(OpTy::getOperationName(), operands, attributes,
                              numResults);
  }
  /// The single result of createInferred.
  template <typename OpTy>
  mlir::FailureOr<mlir::Value>
  create(mlir::ValueRange operands,
         llvm::ArrayRef<mlir::NamedAttribute> attributes = {}) {
    auto op = createInferred<OpTy>(operands, attributes, 1);
    if (mlir::failed(op))
      return mlir::failure();
    return (*op)->getResult(0);
  }
  mlir::NamedAttribute namedAttr(llvm::StringRef name, mlir::Attribute value);

  /// Records the node's error ("node 'name' (Op, opset N): message").
  mlir::LogicalResult error(const llvm::Twine &message);

private:
  mlir::FailureOr<mlir::Operation *>
  createInferredImpl(llvm::StringRef opName, mlir::ValueRange operands,
                     llvm::ArrayRef<mlir::NamedAttribute> attributes,
                     unsigned numResults);

  GraphImporter &graph_;
  const onnx::NodeProto &node_;
  int index_;
  int64_t opset_;
  mlir::Location loc_;
};

/// Imports one graph into one function of `module`.
class GraphImporter {
public:
  /// `model` is shared so that weight blobs can point into it instead of
  /// copying it.
  GraphImporter(mlir::ModuleOp module,
                std::shared_ptr<const onnx::ModelProto> model,
                llvm::StringRef displayName, llvm::StringRef modelDir,
                const ImportOptions &options);

  /// Imports the graph; on failure, `errorMessage()` says why.
  mlir::LogicalResult run();
  const std::string &errorMessage() const { return error_; }

  mlir::OpBuilder &builder() { return builder_; }
  mlir::MLIRContext *context() { return builder_.getContext(); }
  llvm::StringRef displayName() const { return displayName_; }

  //===--- values ---------------------------------------------------------===//
  /// The value named `name`, importing an initializer on first use; null
  /// (with an error recorded) when no such value has been defined yet.
  ImportedValue *lookup(llvm::StringRef name, mlir::Location loc);
  void define(llvm::StringRef name, ImportedValue value);
  /// The tensor for `value`, materializing tracked elements if needed.
  mlir::FailureOr<mlir::Value> materialize(ImportedValue &value,
                                           mlir::Location loc);
  /// Imports the nodes of a subgraph (an If branch) into the current
  /// function; its values see the enclosing graph's by name.
  mlir::LogicalResult importSubgraph(const onnx::GraphProto &graph);
  /// A TensorProto (initializer or Constant attribute) as a constant.
  mlir::FailureOr<ImportedValue> importTensor(const onnx::TensorProto &tensor,
                                              mlir::Location loc);

  //===--- symbolic integers ----------------------------------------------===//
  /// Dimension `dim` of `tensor`: a constant when static, else `tensor.dim`
  /// (created once per tensor and dimension).
  SymbolicInt dimOf(mlir::Value tensor, int64_t dim);
  mlir::Value toIndex(SymbolicInt value, mlir::Location loc);
  SymbolicInt add(SymbolicInt a, SymbolicInt b, mlir::Location loc);
  SymbolicInt sub(SymbolicInt a, SymbolicInt b, mlir::Location loc);
  SymbolicInt mul(SymbolicInt a, SymbolicInt b, mlir::Location loc);
  /// Integer division truncating toward zero (ONNX Div on integers); nullopt
  /// for a constant zero divisor.
  std::optional<SymbolicInt> div(SymbolicInt a, SymbolicInt b,
                                 mlir::Location loc);

  /// Records an error for the whole import; returns failure().
  mlir::LogicalResult fail(const llvm::Twine &message);
  const ImportOptions &options() const { return options_; }

private:
  /// The nodes in an order where every value is defined before its use.
  mlir::FailureOr<std::vector<int>> sortNodes(const onnx::GraphProto &graph);
  mlir::LogicalResult importInputs(mlir::func::FuncOp &func);
  mlir::LogicalResult importNode(const onnx::NodeProto &node, int index);
  mlir::LogicalResult importOutputs(mlir::func::FuncOp func);
  /// The tensor type of a graph input or output, and its dimension names
  /// (empty when no dimension is named).
  mlir::FailureOr<std::pair<mlir::Type, llvm::SmallVector<std::string>>>
  convertValueType(const onnx::ValueInfoProto &info, llvm::StringRef role);
  int64_t opsetFor(llvm::StringRef domain) const;

  mlir::ModuleOp module_;
  std::shared_ptr<const onnx::ModelProto> model_;
  std::string displayName_;
  std::string modelDir_;
  ImportOptions options_;
  mlir::OpBuilder builder_;
  mlir::Block *body_ = nullptr;
  llvm::StringMap<ImportedValue> values_;
  llvm::StringMap<const onnx::TensorProto *> initializers_;
  llvm::DenseMap<std::pair<mlir::Value, int64_t>, mlir::Value> dims_;
  llvm::StringMap<int64_t> opsets_;
  /// Outputs an importer left undefined, with the reason, for a clear error
  /// if something uses them.
  llvm::StringMap<std::string> unavailable_;
  std::string error_;
  unsigned resourceCounter_ = 0;
};

/// A node as messages name it: 'name', or #index when it has none.
std::string describeNode(const onnx::NodeProto &node, int index);

/// The canonical domain name: "" and "ai.onnx" are the same domain.
llvm::StringRef canonicalDomain(llvm::StringRef domain);

} // namespace tessera::onnx_frontend

#endif // TESSERA_FRONTEND_ONNX_GRAPHIMPORTER_H
