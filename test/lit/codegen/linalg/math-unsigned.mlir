// RUN: tessera-opt %s --tessera-lower-to-linalg --split-input-file | FileCheck %s

// Unsigned elements (ONNX uint8...uint64) compute on the signless integer
// with the same bits: each operand is cast to it, and the result back.
// Where signedness matters the op is the unsigned one: divui, remui,
// maxui, minui; add/sub/mul are the same either way.
// CHECK-LABEL: func.func @unsigned_binary
// CHECK: ^bb0(%[[A:.*]]: ui8, %[[B:.*]]: ui8, %{{.*}}: ui8):
// CHECK-NEXT: %[[SA:.*]] = builtin.unrealized_conversion_cast %[[A]] : ui8 to i8
// CHECK-NEXT: %[[SB:.*]] = builtin.unrealized_conversion_cast %[[B]] : ui8 to i8
// CHECK-NEXT: %[[Q:.*]] = arith.divui %[[SA]], %[[SB]] : i8
// CHECK-NEXT: %[[U:.*]] = builtin.unrealized_conversion_cast %[[Q]] : i8 to ui8
// CHECK-NEXT: linalg.yield %[[U]] : ui8
// CHECK: arith.remui %{{.*}}, %{{.*}} : i8
// CHECK: arith.maxui %{{.*}}, %{{.*}} : i8
// CHECK: arith.minui %{{.*}}, %{{.*}} : i8
// CHECK: arith.addi %{{.*}}, %{{.*}} : i8
// CHECK: arith.subi %{{.*}}, %{{.*}} : i8
// CHECK: arith.muli %{{.*}}, %{{.*}} : i8
func.func @unsigned_binary(%x: tensor<4xui8>, %y: tensor<4xui8>) -> (tensor<4xui8>, tensor<4xui8>, tensor<4xui8>, tensor<4xui8>, tensor<4xui8>, tensor<4xui8>, tensor<4xui8>) {
  %div = tessera.div %x, %y : (tensor<4xui8>, tensor<4xui8>) -> tensor<4xui8>
  %mod = tessera.mod %x, %y : (tensor<4xui8>, tensor<4xui8>) -> tensor<4xui8>
  %max = tessera.max %x, %y : (tensor<4xui8>, tensor<4xui8>) -> tensor<4xui8>
  %min = tessera.min %x, %y : (tensor<4xui8>, tensor<4xui8>) -> tensor<4xui8>
  %add = tessera.add %x, %y : (tensor<4xui8>, tensor<4xui8>) -> tensor<4xui8>
  %sub = tessera.sub %x, %y : (tensor<4xui8>, tensor<4xui8>) -> tensor<4xui8>
  %mul = tessera.mul %x, %y : (tensor<4xui8>, tensor<4xui8>) -> tensor<4xui8>
  return %div, %mod, %max, %min, %add, %sub, %mul : tensor<4xui8>, tensor<4xui8>, tensor<4xui8>, tensor<4xui8>, tensor<4xui8>, tensor<4xui8>, tensor<4xui8>
}

// -----

// Signless integers keep the signed ops.
// CHECK-LABEL: func.func @signed_binary
// CHECK: arith.divsi %{{.*}}, %{{.*}} : i32
// CHECK: arith.maxsi %{{.*}}, %{{.*}} : i32
// CHECK: arith.minsi %{{.*}}, %{{.*}} : i32
// CHECK-NOT: unrealized_conversion_cast
func.func @signed_binary(%x: tensor<4xi32>, %y: tensor<4xi32>) -> (tensor<4xi32>, tensor<4xi32>, tensor<4xi32>) {
  %div = tessera.div %x, %y : (tensor<4xi32>, tensor<4xi32>) -> tensor<4xi32>
  %max = tessera.max %x, %y : (tensor<4xi32>, tensor<4xi32>) -> tensor<4xi32>
  %min = tessera.min %x, %y : (tensor<4xi32>, tensor<4xi32>) -> tensor<4xi32>
  return %div, %max, %min : tensor<4xi32>, tensor<4xi32>, tensor<4xi32>
}

// -----

// Unsigned comparisons order as unsigned (ult, ule, ugt, uge); eq and ne
// are the same.
// CHECK-LABEL: func.func @cmp_unsigned
// CHECK: ^bb0(%[[A:.*]]: ui32, %[[B:.*]]: ui32, %{{.*}}: i1):
// CHECK-NEXT: %[[SA:.*]] = builtin.unrealized_conversion_cast %[[A]] : ui32 to i32
// CHECK-NEXT: %[[SB:.*]] = builtin.unrealized_conversion_cast %[[B]] : ui32 to i32
// CHECK-NEXT: %[[C:.*]] = arith.cmpi ult, %[[SA]], %[[SB]] : i32
// CHECK-NEXT: linalg.yield %[[C]] : i1
// CHECK: arith.cmpi ule
// CHECK: arith.cmpi ugt
// CHECK: arith.cmpi uge
// CHECK: arith.cmpi eq
func.func @cmp_unsigned(%x: tensor<?xui32>, %y: tensor<ui32>) -> (tensor<?xi1>, tensor<?xi1>, tensor<?xi1>, tensor<?xi1>, tensor<?xi1>) {
  %lt = tessera.cmp lt, %x, %y : (tensor<?xui32>, tensor<ui32>) -> tensor<?xi1>
  %le = tessera.cmp le, %x, %y : (tensor<?xui32>, tensor<ui32>) -> tensor<?xi1>
  %gt = tessera.cmp gt, %x, %y : (tensor<?xui32>, tensor<ui32>) -> tensor<?xi1>
  %ge = tessera.cmp ge, %x, %y : (tensor<?xui32>, tensor<ui32>) -> tensor<?xi1>
  %eq = tessera.cmp eq, %x, %y : (tensor<?xui32>, tensor<ui32>) -> tensor<?xi1>
  return %lt, %le, %gt, %ge, %eq : tensor<?xi1>, tensor<?xi1>, tensor<?xi1>, tensor<?xi1>, tensor<?xi1>
}

// -----

// Signed mod: remsi by the divisor (-1 replaced by 1), then the divisor
// added where the remainder's sign differs from it; fmod is remsi alone,
// and floats (fmod only) remf.
// CHECK-LABEL: func.func @mod_signed
// CHECK: ^bb0(%[[A:.*]]: i64, %[[B:.*]]: i64, %{{.*}}: i64):
// CHECK: %[[ISM1:.*]] = arith.cmpi eq, %[[B]], %{{.*}} : i64
// CHECK: %[[D:.*]] = arith.select %[[ISM1]], %{{.*}}, %[[B]] : i64
// CHECK: %[[R:.*]] = arith.remsi %[[A]], %[[D]] : i64
// CHECK: %[[NZ:.*]] = arith.cmpi ne, %[[R]], %{{.*}} : i64
// CHECK: %[[X:.*]] = arith.xori %[[R]], %[[D]] : i64
// CHECK: %[[NEG:.*]] = arith.cmpi slt, %[[X]], %{{.*}} : i64
// CHECK: %[[FIX:.*]] = arith.andi %[[NZ]], %[[NEG]] : i1
// CHECK: %[[SUM:.*]] = arith.addi %[[R]], %[[D]] : i64
// CHECK: %[[M:.*]] = arith.select %[[FIX]], %[[SUM]], %[[R]] : i64
// CHECK: linalg.yield %[[M]] : i64
// CHECK: arith.remsi
// CHECK-NOT: arith.addi
// CHECK: linalg.yield
// CHECK: arith.remf %{{.*}}, %{{.*}} : f16
func.func @mod_signed(%x: tensor<3xi64>, %y: tensor<3xi64>, %f: tensor<3xf16>) -> (tensor<3xi64>, tensor<3xi64>, tensor<3xf16>) {
  %m = tessera.mod %x, %y : (tensor<3xi64>, tensor<3xi64>) -> tensor<3xi64>
  %fm = tessera.mod %x, %y fmod : (tensor<3xi64>, tensor<3xi64>) -> tensor<3xi64>
  %ff = tessera.mod %f, %f fmod : (tensor<3xf16>, tensor<3xf16>) -> tensor<3xf16>
  return %m, %fm, %ff : tensor<3xi64>, tensor<3xi64>, tensor<3xf16>
}

// -----

// Integer pow: square and multiply over every bit of the exponent (8 for
// i8), selecting the product where the bit is set; a negative exponent
// gives 0 unless the base is 1 or -1. No loop, so that it vectorizes.
// CHECK-LABEL: func.func @pow_int
// CHECK: ^bb0(%[[X:.*]]: i8, %[[E:.*]]: i8, %{{.*}}: i8):
// CHECK: %[[BIT0:.*]] = arith.andi %[[E]], %{{.*}} : i8
// CHECK: %[[SET0:.*]] = arith.cmpi ne, %[[BIT0]], %{{.*}} : i8
// CHECK: %[[P0:.*]] = arith.muli %{{.*}}, %[[X]] : i8
// CHECK: arith.select %[[SET0]], %[[P0]], %{{.*}} : i8
// CHECK: arith.muli %[[X]], %[[X]] : i8
// CHECK-COUNT-7: arith.select
// CHECK: %[[NEG:.*]] = arith.cmpi slt, %[[E]], %{{.*}} : i8
// CHECK: %[[R:.*]] = arith.select %{{.*}}, %{{.*}}, %{{.*}} : i8
// CHECK-NEXT: linalg.yield %[[R]] : i8
// CHECK-NOT: scf.for
// CHECK-LABEL: func.func @pow_unsigned
// CHECK-NOT: arith.cmpi slt
// CHECK: linalg.yield %{{.*}} : ui8
func.func @pow_int(%x: tensor<4xi8>, %e: tensor<4xi8>) -> tensor<4xi8> {
  %r = tessera.pow %x, %e : (tensor<4xi8>, tensor<4xi8>) -> tensor<4xi8>
  return %r : tensor<4xi8>
}
func.func @pow_unsigned(%x: tensor<4xui8>, %e: tensor<4xui8>) -> tensor<4xui8> {
  %r = tessera.pow %x, %e : (tensor<4xui8>, tensor<4xui8>) -> tensor<4xui8>
  return %r : tensor<4xui8>
}
