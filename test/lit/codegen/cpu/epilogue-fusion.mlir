// RUN: tessera-compile %s --emit=dispatches --no-fusion -o - 2>/dev/null | FileCheck %s

// A matmul's bias and GELU are its epilogue: one kernel, which computes the
// matmul and then updates its result in place (the epilogue's output operand
// is the matmul's result; the bias is an input).
// CHECK-LABEL: func.func @epilogue
// CHECK: call @__tensor_tsr_k0_linalg_generic
// CHECK-NOT: call
// CHECK: return
// CHECK-LABEL: func.func @shared
// CHECK: %[[MM:.*]] = call @__tensor_tsr_k1_linalg_generic
// CHECK: call @__tensor_tsr_k2_linalg_generic(%[[MM]]
// CHECK-LABEL: func.func private @__tensor_tsr_k0_linalg_generic
// CHECK-SAME: tessera.source = "matmul+gelu+bias"
// CHECK: %[[R:.*]] = linalg.generic {{.*}}"reduction"]}
// CHECK: %[[EPI:.*]] = linalg.generic {{.*}}iterator_types = ["parallel", "parallel"]} outs(%[[R]] : tensor<?x128xf32>)
// CHECK: math.erf
// CHECK: return %[[EPI]]

// The matmul's result is returned too, so the residual add cannot update it
// in place: the add stays a dispatch of its own.
// CHECK-LABEL: func.func private @__tensor_tsr_k1_linalg_generic
// CHECK-SAME: tessera.source = "shared"
// CHECK: %[[R:.*]] = linalg.generic {{.*}}"reduction"]}
// CHECK-NEXT: ^bb0
// CHECK: return %[[R]]
// CHECK-LABEL: func.func private @__tensor_tsr_k2_linalg_generic
// CHECK-SAME: tessera.source = "residual"

func.func @epilogue(%x: tensor<?x32xf32>) -> tensor<?x128xf32> {
  %w = arith.constant dense<0.25> : tensor<32x128xf32>
  %b = arith.constant dense<1.0> : tensor<128xf32>
  %mm = tessera.matmul %x, %w : (tensor<?x32xf32>, tensor<32x128xf32>) -> tensor<?x128xf32> loc("matmul")
  %y = tessera.gelu %mm bias %b approximate none : (tensor<?x128xf32>, tensor<128xf32>) -> tensor<?x128xf32> loc(fused["gelu", "bias"])
  return %y : tensor<?x128xf32>
}

func.func @shared(%x: tensor<?x32xf32>, %r: tensor<?x128xf32>) -> (tensor<?x128xf32>, tensor<?x128xf32>) {
  %w = arith.constant dense<0.25> : tensor<32x128xf32>
  %mm = tessera.matmul %x, %w : (tensor<?x32xf32>, tensor<32x128xf32>) -> tensor<?x128xf32> loc("shared")
  %y = tessera.add %mm, %r : (tensor<?x128xf32>, tensor<?x128xf32>) -> tensor<?x128xf32> loc("residual")
  return %y, %mm : tensor<?x128xf32>, tensor<?x128xf32>
}
