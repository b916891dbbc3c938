//===- ControlFlowOps.cpp - ONNX If with a compile-time condition ---------===//
//
// Exporters emit If for shape checks (e.g. "squeeze when this dimension is
// 1"); once shapes are known the condition is a constant, and the taken
// branch is imported in place of the node.
//
//===----------------------------------------------------------------------===//

#include "frontend/onnx/OpRegistry.h"
#include "frontend/onnx/ops/ImportHelpers.h"

using namespace mlir;

namespace tessera::onnx_frontend {
namespace {

LogicalResult importIf(NodeImporter &n) {
  std::optional<llvm::SmallVector<int64_t>> condition = n.inputConstants(0);
  if (!condition || condition->size() != 1)
    return n.error("the condition is only known at run time; Tessera "
                   "imports If only when its condition is a compile-time "
                   "constant (data-dependent control flow is not supported)");
  const onnx::AttributeProto *branch =
      n.attr(condition->front() ? "then_branch" : "else_branch");
  if (!branch || !branch->has_g())
    return n.error("the taken branch is missing");
  const onnx::GraphProto &graph = branch->g();
  if (graph.output_size() != static_cast<int>(n.numOutputs()))
    return n.error("the branch has " + llvm::Twine(graph.output_size()) +
                   " outputs but the node has " + llvm::Twine(n.numOutputs()));
  if (failed(n.graph().importSubgraph(graph)))
    return failure();
  for (int i = 0; i < graph.output_size(); ++i) {
    ImportedValue *value = n.graph().lookup(graph.output(i).name(), n.loc());
    if (!value)
      return failure();
    if (n.hasOutput(i))
      n.graph().define(n.node().output(i), *value);
  }
  return success();
}

} // namespace

void registerControlFlowImporters(OpRegistry &r) {
  for (int64_t v : {1, 11, 13, 16, 19, 21})
    r.add("", "If", v, importIf);
}

} // namespace tessera::onnx_frontend
