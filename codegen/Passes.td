//===- Passes.td - Tessera code generation passes --------------------------===//

#ifndef TESSERA_CODEGEN_PASSES_TD
#define TESSERA_CODEGEN_PASSES_TD

include "mlir/Pass/PassBase.td"

def LowerToLinalg : Pass<"tessera-lower-to-linalg", "mlir::ModuleOp"> {
  let summary = "Lower tessera ops to linalg/tensor/arith/math on tensors";
  let description = [{
    Rewrites every tessera op except `tessera.attention` (which the kernel
    pipeline lowers as one tiled flash-attention kernel) into structured
    linalg ops on tensors: elementwise math with NumPy broadcasting becomes
    `linalg.generic` with broadcasting indexing maps, matmuls become
    `linalg.matmul`/`linalg.batch_matmul` or a generic, reductions and norms
    become reduction generics, reshapes become `tensor.expand_shape` /
    `tensor.collapse_shape` (or `tensor.reshape` when neither fits), and
    dynamic sizes come from `tensor.dim` of the operands. `tessera.constant`
    becomes `arith.constant`.

    Before:
    ```mlir
    %y = tessera.add %x, %b : (tensor<?x768xf32>, tensor<768xf32>) -> tensor<?x768xf32>
    ```
    After:
    ```mlir
    %c0 = arith.constant 0 : index
    %d0 = tensor.dim %x, %c0 : tensor<?x768xf32>
    %e = tensor.empty(%d0) : tensor<?x768xf32>
    %y = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>,
                                          affine_map<(d0, d1) -> (d1)>,
                                          affine_map<(d0, d1) -> (d0, d1)>],
                         iterator_types = ["parallel", "parallel"]}
        ins(%x, %b : tensor<?x768xf32>, tensor<768xf32>) outs(%e : tensor<?x768xf32>) {
    ^bb0(%a: f32, %c: f32, %out: f32):
      %s = arith.addf %a, %c : f32
      linalg.yield %s : f32
    } -> tensor<?x768xf32>
    ```
  }];
  let dependentDialects = [
    "::mlir::linalg::LinalgDialect", "::mlir::tensor::TensorDialect",
    "::mlir::arith::ArithDialect", "::mlir::math::MathDialect",
    "::mlir::scf::SCFDialect", "::mlir::cf::ControlFlowDialect"
  ];
}

#endif // TESSERA_CODEGEN_PASSES_TD
