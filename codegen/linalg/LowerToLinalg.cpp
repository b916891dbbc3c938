//===- LowerToLinalg.cpp - the tessera-lower-to-linalg pass ---------------===//

#include "codegen/Passes.h"
#include "codegen/linalg/LoweringPatterns.h"

#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Transforms/DialectConversion.h"

namespace tessera {
#define GEN_PASS_DEF_LOWERTOLINALG
#include "codegen/Passes.h.inc"
} // namespace tessera

using namespace mlir;

namespace {
struct LowerToLinalgPass
    : tessera::impl::LowerToLinalgBase<LowerToLinalgPass> {
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    ConversionTarget target(*ctx);
    target.addLegalDialect<linalg::LinalgDialect, tensor::TensorDialect,
                           arith::ArithDialect, math::MathDialect,
                           scf::SCFDialect, func::FuncDialect,
                           cf::ControlFlowDialect>();
    target.addIllegalDialect<tessera::TesseraDialect>();
    // Casts of unsigned elements to and from signless ones, for arith (see
    // LowerMathOps.cpp); the LLVM lowering folds them away.
    target.addLegalOp<UnrealizedConversionCastOp>();
    // Lowered later, as one kernel (see the kernel pipeline).
    target.addLegalOp<tessera::AttentionOp>();

    RewritePatternSet patterns(ctx);
    tessera::populateLowerMathPatterns(patterns);
    tessera::populateLowerShapePatterns(patterns);
    tessera::populateLowerFusedPatterns(patterns);
    if (failed(applyPartialConversion(getOperation(), target,
                                      std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
