// RUN: tessera-compile %s --emit=dispatches -o - 2>/dev/null | FileCheck %s
// RUN: tessera-compile %s --emit=llvm -o - 2>/dev/null | FileCheck %s --check-prefix=KERNEL

// A LayerNorm is one kernel: the mean and the variance of each row are
// computed for the rows of a tile, then used, without going to memory.
// CHECK-LABEL: func.func @layer_norm
// CHECK: call @__tensor_tsr_k0_linalg_generic
// CHECK-NOT: call @
// CHECK: return
// CHECK-LABEL: func.func @rms_norm
// CHECK: call @__tensor_tsr_k1_linalg_generic
// CHECK-NOT: call @
// CHECK: return
// CHECK-LABEL: func.func private @__tensor_tsr_k0_linalg_generic
// CHECK: %[[MEAN:.*]] = linalg.generic {{.*}}"reduction"]}
// CHECK: %[[VAR:.*]] = linalg.generic {{.*}}"reduction"]} ins(%arg0, %[[MEAN]]
// CHECK: linalg.generic {{.*}}ins(%arg0, %[[MEAN]], %[[VAR]]
// CHECK-LABEL: func.func private @__tensor_tsr_k1_linalg_generic
// CHECK: %[[MS:.*]] = linalg.generic {{.*}}"reduction"]}
// CHECK: linalg.generic {{.*}}ins(%arg0, %[[MS]]

// The statistics of a tile live on the kernel's stack, allocated once per
// call: kernels call no allocator.
// KERNEL-LABEL: llvm.func @tsr_k0_linalg_generic
// KERNEL-NOT: llvm.call @malloc
// KERNEL: llvm.alloca
// KERNEL: llvm.alloca
// KERNEL: ^bb1
// KERNEL-NOT: llvm.alloca
// KERNEL-NOT: llvm.call @malloc
// KERNEL-LABEL: llvm.func @tsr_k1_linalg_generic

func.func @layer_norm(%x: tensor<?x?x768xf32>, %g: tensor<768xf32>, %b: tensor<768xf32>) -> tensor<?x?x768xf32> {
  %y = tessera.layer_norm %x scale %g bias %b axis 2 epsilon 9.99999974E-6 : (tensor<?x?x768xf32>, tensor<768xf32>, tensor<768xf32>) -> tensor<?x?x768xf32>
  return %y : tensor<?x?x768xf32>
}

func.func @rms_norm(%x: tensor<?x?x64xf32>, %g: tensor<64xf32>) -> tensor<?x?x64xf32> {
  %y = tessera.rms_norm %x scale %g axis 2 epsilon 9.99999997E-7 : (tensor<?x?x64xf32>, tensor<64xf32>) -> tensor<?x?x64xf32>
  return %y : tensor<?x?x64xf32>
}
