//===- ElementTypes.h - element types the frontend and codegen share -----===//

#ifndef TESSERA_IR_ELEMENTTYPES_H
#define TESSERA_IR_ELEMENTTYPES_H

#include "mlir/IR/BuiltinTypes.h"

namespace tessera {

/// ONNX's 8-bit and 4-bit floats (FLOAT8E4M3FN, E4M3FNUZ, E5M2, E5M2FNUZ,
/// E8M0, FLOAT4E2M1): Cast may saturate to them, and LLVM has no types for
/// them, so codegen converts them as integer code on their bits.
inline bool isNarrowFloat(mlir::Type type) {
  return mlir::isa<mlir::Float8E4M3FNType, mlir::Float8E4M3FNUZType, mlir::Float8E5M2Type,
                   mlir::Float8E5M2FNUZType, mlir::Float8E8M0FNUType, mlir::Float4E2M1FNType>(
      type);
}

} // namespace tessera

#endif // TESSERA_IR_ELEMENTTYPES_H
