//===- FuseMatmulEpilogue.cpp - bias and GELU into matmul epilogues -------===//
//
// Candidates: every tessera.matmul used once, by an add or a GELU. A bias
// over the last dimension, and a GELU with or without its own bias (the
// GELU pass has already taken a preceding bias Add into it), become the
// matmul's epilogue:
//
//   p = x·W                                   y = fused_matmul(x, W,
//   y = p + b            (b: [N])     →             bias b)
//
//   p = x·W                                   y = fused_matmul(x, W,
//   y = gelu(p, bias b)                             bias b, activation gelu)
//
// A matmul whose product has another user, or whose addend is not a bias
// over its last dimension (a residual, a broadcast mask), stays.
//
//===----------------------------------------------------------------------===//

#include "passes/FusionMatchers.h"
#include "passes/Passes.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/TypeUtilities.h"

namespace tessera {
#define GEN_PASS_DEF_FUSEMATMULEPILOGUE
#include "passes/Passes.h.inc"
} // namespace tessera

using namespace mlir;
using namespace tessera;

namespace {

struct EpilogueMatch {
  MatmulOp matmul;
  Operation *root; // the add or the gelu
  Value bias;      // optional
  Activation activation = Activation::none;
};

/// True when `bias` is a 1-D [N] vector of the product's element type, N
/// the product's (static) last dimension.
bool isLastDimBias(Value bias, MatmulOp matmul) {
  auto type = cast<RankedTensorType>(matmul.getType());
  auto biasType = cast<RankedTensorType>(bias.getType());
  int64_t n = type.getDimSize(type.getRank() - 1);
  return biasType.getRank() == 1 && !ShapedType::isDynamic(n) &&
         biasType.getDimSize(0) == n &&
         biasType.getElementType() == type.getElementType();
}

FailureOr<EpilogueMatch> matchEpilogue(MatmulOp matmul, Operation *user,
                                       std::string &reason) {
  auto fail = [&](const Twine &why) {
    reason = why.str();
    return failure();
  };
  EpilogueMatch match;
  match.matmul = matmul;
  match.root = user;
  Value product = matmul.getResult();
  if (!isa<FloatType>(getElementTypeOrSelf(product.getType())))
    return fail("the matmul is not floating-point");
  if (auto add = dyn_cast<AddOp>(user)) {
    Value bias = add.getLhs() == product ? add.getRhs() : add.getLhs();
    if (!isLastDimBias(bias, matmul))
      return fail("the addend is not a bias over the last dimension");
    if (add.getType() != matmul.getType())
      return fail("the sum does not have the product's type");
    match.bias = bias;
    return match;
  }
  auto gelu = cast<GeluOp>(user);
  if (gelu.getBias() && !isLastDimBias(gelu.getBias(), matmul))
    return fail("the GELU's bias is not over the product's last dimension");
  match.bias = gelu.getBias();
  match.activation = gelu.getApproximate() == GeluApproximation::tanh
                         ? Activation::gelu_tanh
                         : Activation::gelu;
  return match;
}

struct FuseMatmulEpiloguePass
    : public tessera::impl::FuseMatmulEpilogueBase<FuseMatmulEpiloguePass> {
  using FuseMatmulEpilogueBase::FuseMatmulEpilogueBase;

  void runOnOperation() override {
    SmallVector<std::pair<MatmulOp, Operation *>> candidates;
    getOperation().walk([&](MatmulOp op) {
      Operation *user = singleUser(op.getResult());
      if (isa_and_nonnull<AddOp, GeluOp>(user))
        candidates.push_back({op, user});
    });
    for (auto [matmul, user] : candidates) {
      ++numCandidates;
      std::string reason;
      FailureOr<EpilogueMatch> match = matchEpilogue(matmul, user, reason);
      FusedMatmulOp fused;
      if (succeeded(match)) {
        OpBuilder builder(match->root);
        fused = FusedMatmulOp::create(
            builder, matmul.getLoc(), matmul.getLhs(), matmul.getRhs(),
            match->bias, /*residual=*/Value(),
            ActivationAttr::get(&getContext(), match->activation));
        if (fused.getType() != match->root->getResult(0).getType()) {
          reason = "the fused matmul would not have the result's type";
          fused.erase();
          fused = nullptr;
        }
      }
      if (remarks)
        remarkCandidate(matmul, "matmul_epilogue", fused != nullptr, reason);
      if (!fused)
        continue;
      match->root->getResult(0).replaceAllUsesWith(fused.getResult());
      match->root->erase();
      matmul.erase();
      ++numFused;
    }
  }
};

} // namespace
