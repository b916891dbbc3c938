//===- TesseraDialect.cpp - dialect registration and constants ------------===//

#include "ir/TesseraDialect.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"

using namespace mlir;
using namespace tessera;

#include "ir/TesseraDialect.cpp.inc"
#include "ir/TesseraEnums.cpp.inc"

void TesseraDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "ir/TesseraMathOps.cpp.inc"
      ,
#define GET_OP_LIST
#include "ir/TesseraReductionOps.cpp.inc"
      ,
#define GET_OP_LIST
#include "ir/TesseraShapeOps.cpp.inc"
      ,
#define GET_OP_LIST
#include "ir/TesseraFusedOps.cpp.inc"
      >();
}

Operation *TesseraDialect::materializeConstant(OpBuilder &builder,
                                               Attribute value, Type type,
                                               Location loc) {
  auto elements = dyn_cast<ElementsAttr>(value);
  if (!elements || elements.getType() != type)
    return nullptr;
  return ConstantOp::create(builder, loc, type, elements);
}
