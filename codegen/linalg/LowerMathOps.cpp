//===- LowerMathOps.cpp - tessera math ops -> linalg ----------------------===//

#include "codegen/linalg/LoweringPatterns.h"
#include "codegen/linalg/LoweringUtils.h"

#include "ir/TesseraDialect.h"

using namespace mlir;

namespace tessera {

void populateLowerMathPatterns(RewritePatternSet &patterns) {
  (void)patterns;
}

} // namespace tessera
