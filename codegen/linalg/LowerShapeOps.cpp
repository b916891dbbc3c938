//===- LowerShapeOps.cpp - tessera shape ops -> linalg ----------------------===//

#include "codegen/linalg/LoweringPatterns.h"
#include "codegen/linalg/LoweringUtils.h"

#include "ir/TesseraDialect.h"

using namespace mlir;

namespace tessera {

void populateLowerShapePatterns(RewritePatternSet &patterns) {
  (void)patterns;
}

} // namespace tessera
