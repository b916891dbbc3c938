//===- FuseSwiGLU.cpp - SiLU into matmul epilogues, SwiGLU recognized -----===//
//
// Candidates: every tessera.sigmoid. A SiLU, g · sigmoid(g), whose g is a
// matmul (plus an optional bias) becomes that matmul with a silu epilogue;
// when the SiLU then multiplies another matmul of the same input, the pair
// is a SwiGLU gate and is reported as one:
//
//   g = h·Wg (+ b)                    g' = fused_matmul(h, Wg, bias b,
//   s = g · sigmoid(g)        →                           activation silu)
//   y = s · (h·Wu)                    y  = g' · (h·Wu)
//
// (tessera has no standalone SiLU op: a SiLU of anything but a matmul is
// reported as not fused.)
//
//===----------------------------------------------------------------------===//

#include "passes/FusionMatchers.h"
#include "passes/Passes.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/TypeUtilities.h"

namespace tessera {
#define GEN_PASS_DEF_FUSESWIGLU
#include "passes/Passes.h.inc"
} // namespace tessera

using namespace mlir;
using namespace tessera;

namespace {

struct SiluMatch {
  MulOp silu;          // g · sigmoid(g)
  MatmulOp gate;       // h · Wg
  Value bias;          // optional
  bool isSwiGLU = false;
  llvm::SetVector<Operation *> ops;
};

FailureOr<SiluMatch> matchSilu(SigmoidOp sigmoid, std::string &reason) {
  auto fail = [&](const Twine &why) {
    reason = why.str();
    return failure();
  };
  Value g = sigmoid.getInput();
  auto silu = dyn_cast_or_null<MulOp>(singleUser(sigmoid.getResult()));
  if (!silu || (silu.getLhs() != g && silu.getRhs() != g))
    return fail("the sigmoid is not used once, to multiply its own input");
  SiluMatch match;
  match.silu = silu;
  match.ops.insert(sigmoid);
  match.ops.insert(silu);
  // g is used exactly by the sigmoid and the multiplication.
  for (Operation *user : g.getUsers())
    if (!match.ops.contains(user))
      return fail("the SiLU input has a user outside the SiLU");
  Value product = g;
  if (auto add = g.getDefiningOp<AddOp>()) {
    for (auto [m, b] : {std::pair(add.getLhs(), add.getRhs()),
                        std::pair(add.getRhs(), add.getLhs())})
      if (m.getDefiningOp<MatmulOp>() && m.hasOneUse() &&
          cast<RankedTensorType>(b.getType()).getRank() == 1) {
        match.bias = b;
        product = m;
        match.ops.insert(add);
        break;
      }
  }
  match.gate = product.getDefiningOp<MatmulOp>();
  if (!match.gate)
    return fail("the SiLU input is not a matmul (tessera has no standalone "
                "SiLU op)");
  if (!isa<FloatType>(getElementTypeOrSelf(match.gate.getType())))
    return fail("the gate matmul is not floating-point");
  match.ops.insert(match.gate);
  if (auto y = dyn_cast_or_null<MulOp>(singleUser(silu.getResult()))) {
    Value other = y.getLhs() == silu.getResult() ? y.getRhs() : y.getLhs();
    if (auto up = other.getDefiningOp<MatmulOp>())
      match.isSwiGLU = up.getLhs() == match.gate.getLhs();
  }
  return match;
}

struct FuseSwiGLUPass : public tessera::impl::FuseSwiGLUBase<FuseSwiGLUPass> {
  using FuseSwiGLUBase::FuseSwiGLUBase;

  void runOnOperation() override {
    SmallVector<SigmoidOp> candidates;
    getOperation().walk([&](SigmoidOp op) { candidates.push_back(op); });
    for (SigmoidOp sigmoid : candidates) {
      ++numCandidates;
      std::string reason;
      FailureOr<SiluMatch> match = matchSilu(sigmoid, reason);
      if (remarks)
        remarkCandidate(sigmoid,
                        succeeded(match) && match->isSwiGLU ? "swiglu" : "silu",
                        succeeded(match), reason);
      if (failed(match))
        continue;
      OpBuilder builder(match->silu);
      auto fused = FusedMatmulOp::create(
          builder, match->gate.getLoc(), match->gate.getLhs(),
          match->gate.getRhs(), match->bias, /*residual=*/Value(),
          ActivationAttr::get(&getContext(), Activation::silu));
      match->silu.getResult().replaceAllUsesWith(fused.getResult());
      eraseDeadPatternOps(match->ops);
      ++numFused;
    }
  }
};

} // namespace
