//===- FuseNorms.cpp - LayerNorm and RMSNorm sub-graphs into fused ops ----===//
//
// Candidates: every tessera.reduce_mean. A mean of x over the trailing
// dimensions starts a LayerNorm; a mean of x² starts an RMSNorm:
//
//   LayerNorm                               RMSNorm
//   m = mean(x)                             ms = mean(x² | x·x)
//   d = x - m                               r  = rsqrt(ms + ε)
//   v = mean(d² | d·d)                          | 1 / sqrt(ms + ε)
//     | mean(x·x) - m·m   (moments)         n  = x · r  | x / sqrt(ms + ε)
//   n = d / sqrt(v + ε)                     y  = n · γ
//     | d · rsqrt(v + ε)
//     | d · (1 / sqrt(v + ε))
//   y = n · γ + β
//
// γ and β are optional, and may carry leading 1s (ONNX's LayerNormalization
// body flattens them to [1, N]); multiplication and addition match in
// either order. The statistics (m, v, the standard deviation and its
// reciprocal: one value per normalized row) may have users outside the
// norm, such as LayerNormalization's Mean and InvStdDev outputs: they are
// then kept for those users, one reduction pass, as the importer computes
// them for LayerNormalization itself. No full-size intermediate may.
//
// Residual: a fused norm of a sum of two tensors of its type (a bias, which
// broadcasts, is not a residual) takes the sum into its residual form; the
// sum's other users, the next residual connection, read residual_output:
//
//   s = a + r                               y, s' = norm(a, residual r)
//   y = norm(s)                     →       … s' …
//   … s …
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

/// The first user of `v` of type OpTy for which `accept` holds, or null.
/// A statistic may also have users outside the norm; the matcher picks the
/// one that continues it.
template <typename OpTy>
OpTy findUser(Value v, llvm::function_ref<bool(OpTy)> accept) {
  for (Operation *user : v.getUsers())
    if (auto op = dyn_cast<OpTy>(user); op && accept(op))
      return op;
  return nullptr;
}

/// The product `numerator · r` among r's users.
MulOp findProductWith(Value r, Value numerator) {
  return findUser<MulOp>(
      r, [&](MulOp mul) { return otherOperand(mul, r) == numerator; });
}

/// Follows `sum = variance + ε` and the square root that divides
/// `numerator` into a normalized value. Records the ops; returns the
/// normalized value.
FailureOr<Value> matchNormalization(Value variance, Value numerator,
                                    NormMatch &match, std::string &reason) {
  auto fail = [&](const Twine &why) {
    reason = why.str();
    return failure();
  };
  auto addEps = findUser<AddOp>(variance, [](AddOp) { return true; });
  if (!addEps)
    return fail("the variance is not offset by + epsilon");
  std::optional<double> eps = splatValue(otherOperand(addEps, variance));
  if (!eps || *eps < 0)
    return fail("epsilon is not a non-negative constant");
  match.epsilon = *eps;
  match.ops.insert(addEps);
  Value sum = addEps.getResult();
  if (auto rsqrt = findUser<RsqrtOp>(sum, [](RsqrtOp) { return true; })) {
    match.ops.insert(rsqrt);
    MulOp mul = findProductWith(rsqrt.getResult(), numerator);
    if (!mul)
      return fail("rsqrt(variance + epsilon) does not multiply the "
                  "normalized input");
    match.ops.insert(mul);
    return mul.getResult();
  }
  auto sqrt = findUser<SqrtOp>(sum, [](SqrtOp) { return true; });
  if (!sqrt)
    return fail("variance + epsilon is not used by sqrt or rsqrt");
  match.ops.insert(sqrt);
  Value stdDev = sqrt.getResult();
  if (auto div = findUser<DivOp>(stdDev, [&](DivOp div) {
        return div.getLhs() == numerator && div.getRhs() == stdDev;
      })) {
    match.ops.insert(div);
    return div.getResult();
  }
  // 1 / sqrt(...) (a division or a reciprocal), then a multiplication.
  Value inverse;
  if (auto div = findUser<DivOp>(stdDev, [&](DivOp div) {
        std::optional<double> one = splatValue(div.getLhs());
        return one && *one == 1.0 && div.getRhs() == stdDev &&
               findProductWith(div.getResult(), numerator);
      }))
    inverse = div.getResult();
  else if (auto reciprocal = findUser<ReciprocalOp>(
               stdDev, [&](ReciprocalOp r) {
                 return findProductWith(r.getResult(), numerator) != nullptr;
               }))
    inverse = reciprocal.getResult();
  if (!inverse)
    return fail("the square root does not divide the normalized input");
  match.ops.insert(inverse.getDefiningOp());
  MulOp mul = findProductWith(inverse, numerator);
  match.ops.insert(mul);
  return mul.getResult();
}

/// The variance of the centered value `d = x - m` (whose mean `m` is over
/// `axes`): mean(d²), or the moments form mean(x·x) - m·m of ONNX's
/// LayerNormalization body. Records the ops.
FailureOr<Value> matchVariance(ReduceMeanOp mean, Value d, NormMatch &match,
                               std::string &reason) {
  auto fail = [&](const Twine &why) {
    reason = why.str();
    return failure();
  };
  auto averagedOverAxes = [&](Value v) {
    auto m = dyn_cast_or_null<ReduceMeanOp>(singleUser(v));
    return m && m.getAxes() == mean.getAxes() && m.getKeepDims() ? m : nullptr;
  };
  for (Operation *user : d.getUsers()) {
    if (user->getNumResults() != 1 || squaredValue(user->getResult(0)) != d)
      continue;
    if (!user->getResult(0).hasOneUse())
      return fail("the squared centered value has a user outside the norm");
    ReduceMeanOp variance = averagedOverAxes(user->getResult(0));
    if (!variance)
      return fail("the squared centered value is not averaged over the same "
                  "axes");
    match.ops.insert(user);
    match.ops.insert(variance);
    return variance.getResult();
  }
  // Moments: m·m subtracted from the mean of x·x.
  Value m = mean.getResult();
  for (Operation *user : m.getUsers()) {
    if (user->getNumResults() != 1 || squaredValue(user->getResult(0)) != m)
      continue;
    auto sub = dyn_cast_or_null<SubOp>(singleUser(user->getResult(0)));
    if (!sub || sub.getRhs() != user->getResult(0))
      continue;
    Value meanOfSquares = sub.getLhs();
    auto meanOp = meanOfSquares.getDefiningOp<ReduceMeanOp>();
    Operation *square =
        meanOp ? meanOp.getInput().getDefiningOp() : nullptr;
    if (!square || squaredValue(meanOp.getInput()) != match.x ||
        averagedOverAxes(meanOp.getInput()) != meanOp)
      return fail("m² is not subtracted from the mean of x² over the same "
                  "axes");
    match.ops.insert(square);
    match.ops.insert(meanOp);
    match.ops.insert(user);
    match.ops.insert(sub);
    return sub.getResult();
  }
  return fail("the centered value is never squared");
}

/// True when `param` has the normalized shape of `x` from `axis`, after
/// leading 1s that broadcast it over the other dimensions.
bool hasNormalizedShape(Value param, Value x, int64_t axis) {
  auto xType = cast<RankedTensorType>(x.getType());
  auto pType = cast<RankedTensorType>(param.getType());
  ArrayRef<int64_t> normalized = xType.getShape().drop_front(axis);
  ArrayRef<int64_t> shape = pType.getShape();
  if (shape.size() < normalized.size() || shape.size() > xType.getShape().size())
    return false;
  ArrayRef<int64_t> leading = shape.drop_back(normalized.size());
  return shape.take_back(normalized.size()) == normalized &&
         llvm::all_of(leading, [](int64_t d) { return d == 1; }) &&
         pType.hasStaticShape() &&
         pType.getElementType() == xType.getElementType();
}

/// `param` with the normalized shape: its leading 1s dropped.
Value normalizedParam(OpBuilder &builder, Location loc, Value param,
                      ArrayRef<int64_t> normalized) {
  auto type = cast<RankedTensorType>(param.getType());
  if (type.getShape() == normalized)
    return param;
  return ReshapeOp::create(builder, loc,
                           RankedTensorType::get(normalized,
                                                 type.getElementType()),
                           param, ValueRange{});
}

/// True when `value` holds one number per normalized row: the mean's type.
bool isStatistic(Value value, ReduceMeanOp mean) {
  return value.getType() == mean.getType();
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
    Value m = mean.getResult();
    auto centered = findUser<SubOp>(m, [&](SubOp sub) {
      return sub.getLhs() == match.x && sub.getRhs() == m;
    });
    if (!centered)
      return fail("the mean does not center its input (x - mean)");
    match.ops.insert(centered);
    Value d = centered.getResult();
    FailureOr<Value> variance = matchVariance(mean, d, match, reason);
    if (failed(variance))
      return failure();
    FailureOr<Value> n = matchNormalization(*variance, d, match, reason);
    if (failed(n))
      return failure();
    matchAffine(*n, /*allowBias=*/true, match);
  }
  // Only statistics may be used outside; those ops then stay for them.
  for (Operation *op : match.ops) {
    if (op == match.root || isStatistic(op->getResult(0), mean))
      continue;
    for (Operation *user : op->getUsers())
      if (!match.ops.contains(user))
        return fail("an intermediate value has a user outside the norm");
  }
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

  /// The residual sum `x = a + r` the norm can take in, or null (with the
  /// reason when x is such a sum but cannot be taken in). Its users other
  /// than the norm must come after the norm, which is where they will read
  /// residual_output.
  AddOp residualSum(NormMatch &match, std::string &reason) {
    auto add = match.x.getDefiningOp<AddOp>();
    if (!add || add.getLhs().getType() != match.x.getType() ||
        add.getRhs().getType() != match.x.getType())
      return nullptr;
    for (Operation *user : match.x.getUsers())
      if (!match.ops.contains(user) &&
          (user->getBlock() != match.root->getBlock() ||
           !match.root->isBeforeInBlock(user))) {
        reason = "the sum is also used before the norm";
        return nullptr;
      }
    return add;
  }

  void replace(NormMatch &match) {
    OpBuilder builder(match.root);
    Builder b(&getContext());
    Location loc = match.ops.front()->getLoc();
    ArrayRef<int64_t> normalized =
        cast<RankedTensorType>(match.x.getType()).getShape().drop_front(
            match.axis);
    match.scale = normalizedParam(builder, loc, match.scale, normalized);
    if (match.bias)
      match.bias = normalizedParam(builder, loc, match.bias, normalized);
    std::string reason;
    AddOp sum = residualSum(match, reason);
    Value input = sum ? sum.getLhs() : match.x;
    Value residual = sum ? sum.getRhs() : Value();
    Operation *norm;
    if (match.isLayerNorm)
      norm = LayerNormOp::create(builder, loc, input, match.scale, match.bias,
                                 residual, b.getI64IntegerAttr(match.axis),
                                 b.getF32FloatAttr(match.epsilon));
    else
      norm = RMSNormOp::create(builder, loc, input, match.scale, residual,
                               b.getI64IntegerAttr(match.axis),
                               b.getF32FloatAttr(match.epsilon));
    match.root->getResult(0).replaceAllUsesWith(norm->getResult(0));
    if (auto add = match.x.getDefiningOp<AddOp>(); add && remarks &&
        (sum || !reason.empty()))
      remarkCandidate(add, "residual_add", sum != nullptr, reason);
    if (!sum)
      return;
    match.x.replaceUsesWithIf(norm->getResult(1), [&](OpOperand &use) {
      return !match.ops.contains(use.getOwner());
    });
    match.ops.insert(sum);
    ++numResidual;
  }
};

} // namespace
