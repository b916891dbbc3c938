//===- FuseNorms.cpp - LayerNorm and RMSNorm sub-graphs into fused ops ----===//
//
// Candidates: every tessera.reduce_mean. A mean of x over the trailing
// dimensions starts a LayerNorm; a mean of x² starts an RMSNorm:
//
//   LayerNorm                               RMSNorm
//   m = mean(x)                             ms = mean(x² | x·x)
//   d = x - m                               r  = rsqrt(ms + ε)
//   v = mean(d² | d·d)                          | 1 / sqrt(ms + ε)
//   n = d / sqrt(v + ε)                     n  = x · r  | x / sqrt(ms + ε)
//     | d · rsqrt(v + ε)                    y  = n · γ
//     | d · (1 / sqrt(v + ε))
//   y = n · γ + β
//
// γ and β are optional; multiplication and addition match in either order.
//
//===----------------------------------------------------------------------===//

#include "passes/FusionMatchers.h"
#include "passes/Passes.h"

#include "mlir/IR/Builders.h"

namespace tessera {
#define GEN_PASS_DEF_FUSENORMS
#include "passes/Passes.h.inc"
} // namespace tessera

using namespace mlir;
using namespace tessera;

namespace {

struct NormMatch {
  bool isLayerNorm;
  Value x;
  Value scale;
  Value bias;
  int64_t axis;
  double epsilon;
  Operation *root;
  llvm::SetVector<Operation *> ops;
};

/// The other operand of a binary op, given one of them.
Value otherOperand(Operation *op, Value known) {
  return op->getOperand(0) == known ? op->getOperand(1) : op->getOperand(0);
}

/// v*v or v^2: the squared value.
Value squaredValue(Value v) {
  if (auto mul = v.getDefiningOp<MulOp>(); mul && mul.getLhs() == mul.getRhs())
    return mul.getLhs();
  if (auto pow = v.getDefiningOp<PowOp>())
    if (std::optional<double> e = splatValue(pow.getRhs()); e && *e == 2.0)
      return pow.getLhs();
  return Value();
}

/// Follows `sum = mean + ε` and the square root that divides `numerator`
/// into a normalized value. Records the ops; returns the normalized value.
FailureOr<Value> matchNormalization(Value meanOfSquares, Value numerator,
                                    NormMatch &match, std::string &reason) {
  auto fail = [&](const Twine &why) {
    reason = why.str();
    return failure();
  };
  auto addEps = dyn_cast_or_null<AddOp>(singleUser(meanOfSquares));
  if (!addEps)
    return fail("the variance is not used once, by + epsilon");
  std::optional<double> eps = splatValue(otherOperand(addEps, meanOfSquares));
  if (!eps || *eps < 0)
    return fail("epsilon is not a non-negative constant");
  match.epsilon = *eps;
  match.ops.insert(addEps);
  Operation *root = singleUser(addEps.getResult());
  if (auto rsqrt = dyn_cast_or_null<RsqrtOp>(root)) {
    match.ops.insert(rsqrt);
    auto mul = dyn_cast_or_null<MulOp>(singleUser(rsqrt.getResult()));
    if (!mul || otherOperand(mul, rsqrt.getResult()) != numerator)
      return fail("rsqrt(variance + epsilon) does not multiply the "
                  "normalized input");
    match.ops.insert(mul);
    return mul.getResult();
  }
  auto sqrt = dyn_cast_or_null<SqrtOp>(root);
  if (!sqrt)
    return fail("variance + epsilon is not used once, by sqrt or rsqrt");
  match.ops.insert(sqrt);
  Operation *user = singleUser(sqrt.getResult());
  if (auto div = dyn_cast_or_null<DivOp>(user)) {
    match.ops.insert(div);
    if (div.getLhs() == numerator && div.getRhs() == sqrt.getResult())
      return div.getResult();
    // 1 / sqrt(...) then a multiplication.
    std::optional<double> one = splatValue(div.getLhs());
    if (!one || *one != 1.0)
      return fail("the square root does not divide the normalized input");
    auto mul = dyn_cast_or_null<MulOp>(singleUser(div.getResult()));
    if (!mul || otherOperand(mul, div.getResult()) != numerator)
      return fail("1 / sqrt(...) does not multiply the normalized input");
    match.ops.insert(mul);
    return mul.getResult();
  }
  if (auto reciprocal = dyn_cast_or_null<ReciprocalOp>(user)) {
    match.ops.insert(reciprocal);
    auto mul = dyn_cast_or_null<MulOp>(singleUser(reciprocal.getResult()));
    if (!mul || otherOperand(mul, reciprocal.getResult()) != numerator)
      return fail("1 / sqrt(...) does not multiply the normalized input");
    match.ops.insert(mul);
    return mul.getResult();
  }
  return fail("the square root is not used once, to divide the input");
}

/// True when `param` has exactly the normalized shape of `x` from `axis`.
bool hasNormalizedShape(Value param, Value x, int64_t axis) {
  auto xType = cast<RankedTensorType>(x.getType());
  auto pType = cast<RankedTensorType>(param.getType());
  return pType.getShape() == xType.getShape().drop_front(axis) &&
         pType.hasStaticShape() &&
         pType.getElementType() == xType.getElementType();
}

/// The optional `· γ` and `+ β` after the normalized value `n`.
void matchAffine(Value n, bool allowBias, NormMatch &match) {
  Value current = n;
  match.root = current.getDefiningOp();
  if (auto mul = dyn_cast_or_null<MulOp>(singleUser(current))) {
    Value gamma = otherOperand(mul, current);
    if (hasNormalizedShape(gamma, match.x, match.axis)) {
      match.scale = gamma;
      match.ops.insert(mul);
      current = mul.getResult();
      match.root = mul;
    }
  }
  if (!allowBias)
    return;
  if (auto add = dyn_cast_or_null<AddOp>(singleUser(current))) {
    Value beta = otherOperand(add, current);
    if (hasNormalizedShape(beta, match.x, match.axis)) {
      match.bias = beta;
      match.ops.insert(add);
      match.root = add;
    }
  }
}

FailureOr<NormMatch> matchNorm(ReduceMeanOp mean, std::string &reason) {
  auto fail = [&](const Twine &why) {
    reason = why.str();
    return failure();
  };
  auto type = cast<RankedTensorType>(mean.getInput().getType());
  ArrayRef<int64_t> axes = mean.getAxes();
  int64_t rank = type.getRank();
  if (axes.empty() || !mean.getKeepDims() || axes.back() != rank - 1 ||
      axes.back() - axes.front() + 1 != static_cast<int64_t>(axes.size()))
    return fail("the mean is not over the trailing dimensions with kept "
                "dimensions");
  NormMatch match;
  match.axis = axes.front();
  match.ops.insert(mean);

  if (Value squared = squaredValue(mean.getInput())) {
    // RMSNorm: the mean of x², where x is not a centered value of a
    // LayerNorm that has already been tried.
    match.isLayerNorm = false;
    match.x = squared;
    match.ops.insert(mean.getInput().getDefiningOp());
    if (!mean.getInput().hasOneUse())
      return fail("x² has a user outside the norm");
    FailureOr<Value> n =
        matchNormalization(mean.getResult(), match.x, match, reason);
    if (failed(n))
      return failure();
    matchAffine(*n, /*allowBias=*/false, match);
  } else {
    match.isLayerNorm = true;
    match.x = mean.getInput();
    auto centered = dyn_cast_or_null<SubOp>(singleUser(mean.getResult()));
    if (!centered || centered.getLhs() != match.x ||
        centered.getRhs() != mean.getResult())
      return fail("the mean is not used once, to center its input (x - mean)");
    match.ops.insert(centered);
    Value d = centered.getResult();
    Operation *square = nullptr;
    for (Operation *user : d.getUsers())
      if (user->getNumResults() == 1 && squaredValue(user->getResult(0)) == d)
        square = user;
    if (!square)
      return fail("the centered value is never squared");
    if (!square->getResult(0).hasOneUse())
      return fail("the squared centered value has a user outside the norm");
    auto variance = dyn_cast_or_null<ReduceMeanOp>(singleUser(square->getResult(0)));
    if (!variance || variance.getAxes() != axes || !variance.getKeepDims())
      return fail("the squared centered value is not averaged over the same "
                  "axes");
    match.ops.insert(square);
    match.ops.insert(variance);
    FailureOr<Value> n = matchNormalization(variance.getResult(), d, match, reason);
    if (failed(n))
      return failure();
    matchAffine(*n, /*allowBias=*/true, match);
  }
  if (!isSelfContained(match.ops, match.root))
    return fail("an intermediate value has a user outside the norm");
  if (match.root->getResult(0).getType() != match.x.getType())
    return fail("the result does not have the input's type");
  return match;
}

struct FuseNormsPass : public tessera::impl::FuseNormsBase<FuseNormsPass> {
  using FuseNormsBase::FuseNormsBase;

  void runOnOperation() override {
    SmallVector<ReduceMeanOp> candidates;
    getOperation().walk([&](ReduceMeanOp op) { candidates.push_back(op); });
    llvm::SmallPtrSet<Operation *, 16> erased;
    for (ReduceMeanOp mean : candidates) {
      if (erased.contains(mean))
        continue;
      ++numCandidates;
      std::string reason;
      FailureOr<NormMatch> match = matchNorm(mean, reason);
      if (succeeded(match) && !match->scale && !materializeUnitScale(*match))
        reason = "no scale, and the normalized dimensions are not static",
        match = failure();
      StringRef kind =
          succeeded(match) ? (match->isLayerNorm ? "layer_norm" : "rms_norm")
          : squaredValue(mean.getInput()) ? "rms_norm"
                                          : "layer_norm";
      if (remarks)
        remarkCandidate(mean, kind, succeeded(match), reason);
      if (failed(match))
        continue;
      replace(*match);
      for (Operation *op : match->ops)
        erased.insert(op);
      eraseDeadPatternOps(match->ops);
      ++numFused;
    }
  }

  /// A norm without γ gets a constant scale of ones.
  bool materializeUnitScale(NormMatch &match) {
    auto xType = cast<RankedTensorType>(match.x.getType());
    auto shape = xType.getShape().drop_front(match.axis);
    if (ShapedType::isDynamicShape(shape))
      return false;
    auto type = RankedTensorType::get(shape, xType.getElementType());
    OpBuilder builder(match.root);
    match.scale = ConstantOp::create(
        builder, match.root->getLoc(), type,
        DenseElementsAttr::get(type, FloatAttr::get(xType.getElementType(), 1.0)));
    return true;
  }

  void replace(NormMatch &match) {
    OpBuilder builder(match.root);
    Builder b(&getContext());
    Location loc = match.ops.front()->getLoc();
    Value result;
    if (match.isLayerNorm)
      result = LayerNormOp::create(builder, loc, match.x, match.scale,
                                   match.bias, /*residual=*/Value(),
                                   b.getI64IntegerAttr(match.axis),
                                   b.getF32FloatAttr(match.epsilon))
                   .getOutput();
    else
      result = RMSNormOp::create(builder, loc, match.x, match.scale,
                                 /*residual=*/Value(),
                                 b.getI64IntegerAttr(match.axis),
                                 b.getF32FloatAttr(match.epsilon))
                   .getOutput();
    match.root->getResult(0).replaceAllUsesWith(result);
  }
};

} // namespace
