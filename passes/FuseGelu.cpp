//===- FuseGelu.cpp - erf and tanh GELU sub-graphs into tessera.gelu ------===//
//
// Candidates: every tessera.tanh and tessera.erf. Matched, whatever the
// operand order and association:
//
//            x ──────────────────────────────┐
//            │                               │
//     arg = P(x)  (tanh: √(2/π)(x + 0.044715x³), erf: x/√2)
//            │                               │
//     t = tanh(arg) | erf(arg)               │
//            │                               │
//     1 + t ─┴── product:  0.5 · x · (1 + t) ┘   → tessera.gelu(x)
//
// and a bias Add feeding x (used only inside the pattern) becomes the op's
// bias.
//
//===----------------------------------------------------------------------===//

#include "passes/FusionMatchers.h"
#include "passes/Passes.h"

#include "mlir/IR/Builders.h"

#include <cmath>

namespace tessera {
#define GEN_PASS_DEF_FUSEGELU
#include "passes/Passes.h.inc"
} // namespace tessera

using namespace mlir;
using namespace tessera;

namespace {

constexpr double kSqrt2OverPi = 0.7978845608028654;
constexpr double kInvSqrt2 = 0.7071067811865476;
constexpr double kCubic = 0.044715;
// Exporters write these constants rounded to fp32 or fewer digits.
constexpr double kTolerance = 1e-4;

struct GeluMatch {
  Operation *root;
  Value x;
  Value bias;
  llvm::SetVector<Operation *> ops;
};

/// The first predicate that fails, or the match.
FailureOr<GeluMatch> matchGelu(Operation *candidate, bool isTanh,
                               std::string &reason) {
  auto fail = [&](const Twine &why) {
    reason = why.str();
    return failure();
  };
  Value t = candidate->getResult(0);
  auto onePlus = dyn_cast_or_null<AddOp>(singleUser(t));
  if (!onePlus)
    return fail("the result is not used once, by 1 + t");
  Value other = onePlus.getLhs() == t ? onePlus.getRhs() : onePlus.getLhs();
  std::optional<double> one = splatValue(other);
  if (!one || !closeTo(*one, 1.0))
    return fail("the result is not added to the constant 1");
  // The product around (1 + t): climb to its outermost multiplication.
  Operation *root = singleUser(onePlus.getResult());
  if (!root || !isa<MulOp, DivOp>(root))
    return fail("1 + t is not multiplied by anything");
  while (Operation *user = singleUser(root->getResult(0))) {
    if (!isa<MulOp>(user) &&
        !(isa<DivOp>(user) && splatValue(user->getOperand(1))))
      break;
    root = user;
  }
  Product product = flattenProduct(root->getResult(0));
  if (product.factors.size() != 2 ||
      !llvm::is_contained(product.factors, onePlus.getResult()))
    return fail("the product around 1 + t has " +
                Twine(product.factors.size()) +
                " non-constant factors; GELU has two, x and 1 + t");
  Value x = product.factors[0] == onePlus.getResult() ? product.factors[1]
                                                      : product.factors[0];
  if (!closeTo(product.coefficient, 0.5, kTolerance))
    return fail("the product's constant is " +
                std::to_string(product.coefficient) + ", not 0.5");
  llvm::SetVector<Operation *> argOps;
  std::optional<Polynomial> arg =
      expandPolynomial(candidate->getOperand(0), x, argOps);
  if (!arg)
    return fail("the argument is not a polynomial in x built only for this "
                "GELU");
  auto coefficient = [&](unsigned degree) {
    auto it = arg->find(degree);
    return it == arg->end() ? 0.0 : it->second;
  };
  bool matches =
      isTanh ? arg->size() == 2 &&
                   closeTo(coefficient(1), kSqrt2OverPi, kTolerance) &&
                   closeTo(coefficient(3), kSqrt2OverPi * kCubic, kTolerance)
             : arg->size() == 1 && closeTo(coefficient(1), kInvSqrt2, kTolerance);
  if (!matches)
    return fail(isTanh ? "the argument is not sqrt(2/pi) * (x + 0.044715 x^3)"
                       : "the argument is not x / sqrt(2)");
  GeluMatch match{root, x, Value(), product.ops};
  match.ops.insert(onePlus);
  match.ops.insert(candidate);
  match.ops.insert(argOps.begin(), argOps.end());
  if (!isSelfContained(match.ops, root))
    return fail("an intermediate value has a user outside the pattern");
  if (root->getResult(0).getType() != x.getType())
    return fail("the product broadcasts x to another shape");
  // A bias Add whose sum only feeds this GELU becomes the op's bias.
  if (auto add = x.getDefiningOp<AddOp>()) {
    bool onlyHere = llvm::all_of(x.getUsers(), [&](Operation *user) {
      return match.ops.contains(user);
    });
    auto xType = cast<RankedTensorType>(x.getType());
    for (auto [input, bias] : {std::pair(add.getLhs(), add.getRhs()),
                               std::pair(add.getRhs(), add.getLhs())}) {
      auto biasType = cast<RankedTensorType>(bias.getType());
      if (onlyHere && input.getType() == xType && biasType.getRank() == 1 &&
          xType.getRank() >= 1 &&
          biasType.getDimSize(0) == xType.getDimSize(xType.getRank() - 1) &&
          !biasType.isDynamicDim(0)) {
        match.x = input;
        match.bias = bias;
        match.ops.insert(add);
        break;
      }
    }
  }
  if (!match.bias)
    match.x = x;
  return match;
}

struct FuseGeluPass : public tessera::impl::FuseGeluBase<FuseGeluPass> {
  using FuseGeluBase::FuseGeluBase;

  void runOnOperation() override {
    SmallVector<Operation *> candidates;
    getOperation().walk([&](Operation *op) {
      if (isa<TanhOp, ErfOp>(op))
        candidates.push_back(op);
    });
    for (Operation *candidate : candidates) {
      bool isTanh = isa<TanhOp>(candidate);
      ++numCandidates;
      std::string reason;
      FailureOr<GeluMatch> match = matchGelu(candidate, isTanh, reason);
      if (remarks)
        remarkCandidate(candidate, "gelu", succeeded(match), reason);
      if (failed(match))
        continue;
      OpBuilder builder(match->root);
      auto approximate = GeluApproximationAttr::get(
          &getContext(),
          isTanh ? GeluApproximation::tanh : GeluApproximation::none);
      auto gelu = GeluOp::create(builder, candidate->getLoc(), match->x,
                                 match->bias, approximate);
      match->root->getResult(0).replaceAllUsesWith(gelu.getResult());
      eraseDeadPatternOps(match->ops);
      ++numFused;
    }
  }
};

} // namespace
