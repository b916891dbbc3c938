//===- Passes.td - Tessera graph passes ------------------------------------===//

#ifndef TESSERA_PASSES_PASSES_TD
#define TESSERA_PASSES_PASSES_TD

include "mlir/Pass/PassBase.td"

def InferShapes : Pass<"tessera-infer-shapes", "mlir::ModuleOp"> {
  let summary = "Refine result types to what the ops infer from their operands";
  let description = [{
    Every tessera op infers its result types. An importer (or a hand-written
    test) may declare a result less static than that, e.g. when an ONNX file
    carries no shape for an intermediate value. This pass walks each function
    in order and replaces such result types with the inferred ones, so that
    later passes and code generation see every static dimension there is.
    When a refined value is returned, the function's signature is refined too;
    values returned by a function that is called from elsewhere keep their
    types, since the call sites would no longer match.

    Before:
    ```mlir
    func.func @f(%x: tensor<2x8xf32>, %w: tensor<8x4xf32>) -> tensor<?x?xf32> {
      %y = tessera.matmul %x, %w : (tensor<2x8xf32>, tensor<8x4xf32>) -> tensor<?x?xf32>
      return %y : tensor<?x?xf32>
    }
    ```
    After:
    ```mlir
    func.func @f(%x: tensor<2x8xf32>, %w: tensor<8x4xf32>) -> tensor<2x4xf32> {
      %y = tessera.matmul %x, %w : (tensor<2x8xf32>, tensor<8x4xf32>) -> tensor<2x4xf32>
      return %y : tensor<2x4xf32>
    }
    ```
  }];
  let dependentDialects = ["::tessera::TesseraDialect"];
  let statistics = [
    Statistic<"numRefinedResults", "refined-results",
              "Number of op results whose type was refined">,
    Statistic<"numRefinedSignatures", "refined-signatures",
              "Number of function signatures refined">,
  ];
}

#endif // TESSERA_PASSES_PASSES_TD
