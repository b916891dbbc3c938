//===- NarrowFloats.h - 8-bit and 4-bit float conversions as integer code -===//
//
// LLVM has no 8-bit or 4-bit float types: MLIR lowers their storage to i8
// and i4 but not their arith.extf / arith.truncf. These helpers write the
// conversions to and from f32 as integer arithmetic on the bits, so a
// tessera.cast to or from FLOAT8E4M3FN, FLOAT8E4M3FNUZ, FLOAT8E5M2,
// FLOAT8E5M2FNUZ, FLOAT8E8M0 or FLOAT4E2M1 compiles for every target.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_CODEGEN_LINALG_NARROWFLOATS_H
#define TESSERA_CODEGEN_LINALG_NARROWFLOATS_H

#include "ir/ElementTypes.h"

#include "mlir/IR/Builders.h"

namespace tessera {

/// A narrow float (isNarrowFloat) as f32, exactly (every such value is an f32).
mlir::Value extendNarrowFloat(mlir::OpBuilder &b, mlir::Location loc,
                              mlir::Value x);

/// An f32 as the narrow float `to`, rounded to nearest even. Overflow gives
/// infinity where the type has one (FLOAT8E5M2) and NaN otherwise; callers
/// that saturate clamp first. FLOAT4E2M1, which has neither, saturates and
/// takes NaN to -0 (as ONNX's reference does). FLOAT8E8M0 rounds up instead
/// (ONNX Cast's default round_mode).
mlir::Value truncateToNarrowFloat(mlir::OpBuilder &b, mlir::Location loc,
                                  mlir::Value x, mlir::FloatType to);

} // namespace tessera

#endif
