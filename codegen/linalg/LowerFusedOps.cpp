//===- LowerFusedOps.cpp - tessera fused ops -> linalg ----------------------===//

#include "codegen/linalg/LoweringPatterns.h"
#include "codegen/linalg/LoweringUtils.h"

#include "ir/TesseraDialect.h"

using namespace mlir;

namespace tessera {

void populateLowerFusedPatterns(RewritePatternSet &patterns) {
  (void)patterns;
}

} // namespace tessera
