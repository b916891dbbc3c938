//===- TesseraDialect.h - the tessera dialect and its ops -------*- C++ -*-===//

#ifndef TESSERA_IR_TESSERADIALECT_H
#define TESSERA_IR_TESSERADIALECT_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

#include "ir/ShapeInference.h"

#include "ir/TesseraDialect.h.inc"
#include "ir/TesseraEnums.h.inc"

#define GET_OP_CLASSES
#include "ir/TesseraMathOps.h.inc"
#define GET_OP_CLASSES
#include "ir/TesseraReductionOps.h.inc"
#define GET_OP_CLASSES
#include "ir/TesseraShapeOps.h.inc"
#define GET_OP_CLASSES
#include "ir/TesseraFusedOps.h.inc"

#endif // TESSERA_IR_TESSERADIALECT_H
