//===- ActivationOps.cpp - ONNX and contrib GELU --------------------------===//

#include "frontend/onnx/OpRegistry.h"
#include "frontend/onnx/ops/ImportHelpers.h"

using namespace mlir;

namespace tessera::onnx_frontend {
namespace {

LogicalResult buildGelu(NodeImporter &n, GeluApproximation approximation,
                        bool withBias) {
  FailureOr<Value> x = n.input(0);
  if (failed(x))
    return failure();
  llvm::SmallVector<Value> operands = {*x};
  if (withBias && n.hasInput(1)) {
    FailureOr<Value> bias = n.input(1);
    if (failed(bias))
      return failure();
    operands.push_back(*bias);
  }
  FailureOr<Value> result = n.create<GeluOp>(
      operands, {n.namedAttr("approximate", GeluApproximationAttr::get(
                                                 n.context(), approximation))});
  if (failed(result))
    return failure();
  return n.setOutput(0, *result);
}

/// Gelu-20: approximate = "none" | "tanh".
LogicalResult importGelu(NodeImporter &n) {
  std::string approximate = n.stringAttr("approximate", "none");
  if (approximate != "none" && approximate != "tanh")
    return n.error("approximate must be 'none' or 'tanh', not '" +
                   approximate + "'");
  return buildGelu(n, approximate == "tanh" ? GeluApproximation::tanh
                                            : GeluApproximation::none,
                   /*withBias=*/false);
}

/// com.microsoft FastGelu: the tanh form with an optional bias.
LogicalResult importFastGelu(NodeImporter &n) {
  return buildGelu(n, GeluApproximation::tanh, /*withBias=*/true);
}

} // namespace

void registerActivationImporters(OpRegistry &r) {
  r.add("", "Gelu", 20, importGelu);
  r.add("com.microsoft", "FastGelu", 1, importFastGelu);
}

} // namespace tessera::onnx_frontend
