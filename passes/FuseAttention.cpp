//===- FuseAttention.cpp - scaled dot-product attention into one op -------===//
//
// Candidates: every tessera.softmax. Walking back from its input through
// what exporters wrap around the scores:
//
//     Q ──┐        K ── transpose(…, swap last two) = Kᵀ
//         └─ matmul(Q, Kᵀ) ── · c (scale) ── [c'·tanh(·/c')] ── + mask
//                                ── where(m, s, -1e4) ── s·b − 1e4·(1 − b)
//     softmax(…, last axis) ── matmul(·, V)          → tessera.attention
//
// Scaling is any constant factor (division by a constant is already a
// multiplication); ONNX Attention's softcap c'·tanh(s/c'), between the
// scaled scores and the masks, is the op's softcap; an additive mask is any
// other addend; a masked fill of −10000, −inf or finfo.min (written with
// where, or as GPT-2's s·b − 1e4·(1 − b)) becomes a boolean mask. Operand
// order does not matter.
//
//===----------------------------------------------------------------------===//

#include "passes/FusionMatchers.h"
#include "passes/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/TypeUtilities.h"
#include "mlir/IR/Verifier.h"

#include <cmath>
#include <limits>

namespace tessera {
#define GEN_PASS_DEF_FUSEATTENTION
#include "passes/Passes.h.inc"
} // namespace tessera

using namespace mlir;
using namespace tessera;

namespace {

/// Fills at or below this count as "masked out": softmax gives them 0.
constexpr double kMaskedFill = -1.0e4;

struct AttentionMatch {
  Value q, kT, v;
  Value additiveMask;  // added to the scores
  Value booleanMask;   // true = attend
  bool causal = false; // a mask that is exactly causal, dropped
  double scale = 1.0;
  std::optional<double> softcap; // c of c·tanh(s/c), before the masks
  Operation *root;     // matmul(probs, V)
  llvm::SetVector<Operation *> ops;
  /// tensor.dim of the scores (mask slices use them): the query length is
  /// Q's dim 2, the key length Kᵀ's dim 3.
  SmallVector<tensor::DimOp> scoreDims;
};



bool isMaskedFill(Value v) {
  std::optional<double> fill = splatValue(v);
  return fill && (*fill <= kMaskedFill || std::isinf(*fill));
}

/// GPT-2 (PyTorch 1.4): s·b − C·(1 − b) with C ≥ 1e4: a boolean mask b.
Value matchBufferMask(SubOp sub, Value &scores,
                      llvm::SetVector<Operation *> &ops) {
  auto kept = sub.getLhs().getDefiningOp<MulOp>();
  auto fill = sub.getRhs().getDefiningOp<MulOp>();
  if (!kept || !fill || !kept->hasOneUse() || !fill->hasOneUse())
    return Value();
  for (auto [s, b] : {std::pair(kept.getLhs(), kept.getRhs()),
                      std::pair(kept.getRhs(), kept.getLhs())}) {
    for (auto [inverted, c] : {std::pair(fill.getLhs(), fill.getRhs()),
                               std::pair(fill.getRhs(), fill.getLhs())}) {
      std::optional<double> big = splatValue(c);
      auto oneMinus = inverted.getDefiningOp<SubOp>();
      if (!big || *big < -kMaskedFill || !oneMinus || oneMinus.getRhs() != b)
        continue;
      std::optional<double> one = splatValue(oneMinus.getLhs());
      if (!one || *one != 1.0 || !oneMinus->hasOneUse())
        continue;
      ops.insert(kept);
      ops.insert(fill);
      ops.insert(oneMinus);
      scores = s;
      return b;
    }
  }
  return Value();
}

/// How a constant table marks the allowed (j <= i) entries.
enum class TableKind { Keep, Additive };

/// True when the last two dimensions of `table` (all leading ones of size
/// 1) are a causal table: Keep (f32 or bool): nonzero exactly where j <= i;
/// Additive (f32): 0 where j <= i and a masked fill above.
bool isCausalTable(Value table, TableKind kind) {
  auto constant = table.getDefiningOp<ConstantOp>();
  if (!constant)
    return false;
  auto type = cast<RankedTensorType>(constant.getType());
  bool isBool = type.getElementType().isInteger(1);
  if (type.getRank() < 2 || !type.hasStaticShape() ||
      !(type.getElementType().isF32() || (isBool && kind == TableKind::Keep)))
    return false;
  for (int64_t d = 0; d + 2 < type.getRank(); ++d)
    if (type.getDimSize(d) != 1)
      return false;
  int64_t n = type.getDimSize(type.getRank() - 1);
  if (type.getDimSize(type.getRank() - 2) != n)
    return false;
  auto allowed = [&](float value) {
    return kind == TableKind::Keep ? value != 0.0f : value == 0.0f;
  };
  auto masked = [&](float value) {
    return kind == TableKind::Keep ? value == 0.0f
                                   : (value <= kMaskedFill || std::isinf(value));
  };
  auto check = [&](auto values) {
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j < n; ++j) {
        float v = values[i * n + j];
        if (j <= i ? !allowed(v) : !masked(v))
          return false;
      }
    return true;
  };
  Attribute value = constant.getValue();
  if (auto dense = dyn_cast<DenseIntElementsAttr>(value); dense && isBool) {
    SmallVector<float> values;
    for (bool b : dense.getValues<bool>())
      values.push_back(b ? 1.0f : 0.0f);
    return check(values);
  }
  if (auto dense = dyn_cast<DenseFPElementsAttr>(value)) {
    SmallVector<float> values(dense.getValues<float>());
    return check(values);
  }
  if (auto blob = dyn_cast<DenseF32ResourceElementsAttr>(value))
    if (std::optional<ArrayRef<float>> values = blob.tryGetAsArrayRef())
      return check(*values);
  return false;
}

/// Slices of a causal table that give exactly the causal mask of an
/// attention with Sq queries and Skv keys: rows [Skv - Sq, Skv) and columns
/// [0, Skv) (GPT-2 writes the row start as Skv - Sq; with no cache, rows and
/// columns are both [0, S)). Returns the table.
Value causalTableOf(Value mask) {
  // Both slices may be one op or two (rows, then columns).
  Value rowsStart, rowsEnd, colsEnd;
  Value current = mask;
  for (int hop = 0; hop < 2; ++hop) {
    auto slice = current.getDefiningOp<SliceOp>();
    if (!slice)
      break;
    int64_t rank = cast<RankedTensorType>(slice.getType()).getRank();
    if (rank < 2 || llvm::any_of(slice.getSteps(),
                                 [](int64_t step) { return step != 1; }))
      return Value();
    unsigned dynStart = 0, dynEnd = 0;
    for (int64_t d = 0; d < rank; ++d) {
      int64_t start = slice.getStarts()[d], end = slice.getEnds()[d];
      Value startValue = ShapedType::isDynamic(start)
                             ? slice.getDynamicStarts()[dynStart++]
                             : Value();
      Value endValue = ShapedType::isDynamic(end)
                           ? slice.getDynamicEnds()[dynEnd++]
                           : Value();
      bool whole = start == 0 && end == std::numeric_limits<int64_t>::max();
      if (d == rank - 2 && !whole) {
        if (rowsEnd)
          return Value();
        rowsStart = startValue;
        rowsEnd = endValue;
        if (!startValue && start != 0)
          return Value();
      } else if (d == rank - 1 && !whole) {
        if (colsEnd || start != 0)
          return Value();
        colsEnd = endValue;
      } else if (!whole) {
        return Value();
      }
    }
    current = slice.getInput();
  }
  if (!rowsEnd || !colsEnd || rowsEnd != colsEnd)
    return Value();
  // Rows start at 0 (then Sq == Skv) or at Skv - Sq.
  if (rowsStart) {
    auto sub = rowsStart.getDefiningOp<arith::SubIOp>();
    if (!sub || sub.getLhs() != colsEnd)
      return Value();
  }
  return current;
}

/// `c · x` (either order) used only by the scores' matmul: x, with c
/// multiplied into `scale`. ONNX's Attention body scales Q and Kᵀ by
/// √scale each before the product.
Value stripConstantFactor(Value v, double &scale,
                          llvm::SetVector<Operation *> &ops) {
  auto mul = v.getDefiningOp<MulOp>();
  if (!mul || !v.hasOneUse() || mul.getType() != v.getType())
    return v;
  for (auto [c, x] : {std::pair(mul.getRhs(), mul.getLhs()),
                      std::pair(mul.getLhs(), mul.getRhs())}) {
    std::optional<double> factor = splatValue(c);
    if (factor && x.getType() == v.getType()) {
      scale *= *factor;
      ops.insert(mul);
      return x;
    }
  }
  return v;
}

/// The guard of ONNX's Attention function body against rows in which every
/// key is masked (whose softmax is NaN):
///
///   M ── reduce_max(last axis, keep) ── == -inf ──┐
///   p = softmax(s) ───────────── where(·, 0, p) ──┴─ matmul(·, V)
///
/// Records its ops and returns M, the value whose rows it tests; null
/// when `guard` is not this.
Value matchMaskedRowGuard(WhereOp guard, Value probs,
                          llvm::SetVector<Operation *> &ops) {
  std::optional<double> zero = splatValue(guard.getTrueValue());
  if (guard.getFalseValue() != probs || !zero || *zero != 0.0 ||
      guard.getType() != probs.getType())
    return Value();
  auto cmp = guard.getCondition().getDefiningOp<CmpOp>();
  if (!cmp || cmp.getPredicate() != CmpPredicate::eq ||
      !cmp->hasOneUse())
    return Value();
  for (auto [reduced, fill] : {std::pair(cmp.getLhs(), cmp.getRhs()),
                               std::pair(cmp.getRhs(), cmp.getLhs())}) {
    std::optional<double> negInf = splatValue(fill);
    auto max = reduced.getDefiningOp<ReduceMaxOp>();
    if (!negInf || !std::isinf(*negInf) || *negInf > 0 || !max ||
        !max->hasOneUse() || !max.getKeepDims())
      continue;
    int64_t rank = cast<RankedTensorType>(max.getInput().getType()).getRank();
    if (max.getAxes() != ArrayRef<int64_t>{rank - 1})
      continue;
    ops.insert(guard);
    ops.insert(cmp);
    ops.insert(max);
    return max.getInput();
  }
  return Value();
}

/// The cap c of a softcap c·tanh(s/c) (ONNX Attention's softcap) whose tanh
/// is `tanh`, with `s` set to the capped scores: the tanh's input is s / c or
/// s · (1/c). The outer multiplication by c has been read as scaling already.
std::optional<double> matchSoftcap(TanhOp tanh, Value &s,
                                   llvm::SetVector<Operation *> &ops) {
  Operation *inner = tanh.getInput().getDefiningOp();
  if (!inner || !inner->hasOneUse())
    return std::nullopt;
  std::optional<double> cap;
  if (auto div = dyn_cast<DivOp>(inner)) {
    cap = splatValue(div.getRhs());
    s = div.getLhs();
  } else if (auto mul = dyn_cast<MulOp>(inner)) {
    s = mul.getLhs();
    std::optional<double> inverse = splatValue(mul.getRhs());
    if (!inverse) {
      inverse = splatValue(mul.getLhs());
      s = mul.getRhs();
    }
    if (inverse && *inverse != 0.0)
      cap = 1.0 / *inverse;
  }
  if (!cap || !(*cap > 0.0) || std::isinf(*cap))
    return std::nullopt;
  ops.insert(inner);
  return cap;
}

/// True when `v` is a float constant none of whose elements is -inf.
bool hasNoNegativeInfinity(Value v) {
  auto constant = v.getDefiningOp<ConstantOp>();
  auto dense = constant ? dyn_cast<DenseFPElementsAttr>(constant.getValue())
                        : nullptr;
  if (!dense)
    return false;
  return llvm::none_of(dense.getValues<APFloat>(), [](const APFloat &x) {
    return x.isInfinity() && x.isNegative();
  });
}

FailureOr<AttentionMatch> matchAttention(SoftmaxOp softmax,
                                         std::string &reason) {
  auto fail = [&](const Twine &why) {
    reason = why.str();
    return failure();
  };
  auto type = cast<RankedTensorType>(softmax.getType());
  if (type.getRank() != 4 || softmax.getAxis() != 3)
    return fail("the softmax is not over the last axis of 4-D scores");
  AttentionMatch match;
  match.ops.insert(softmax);
  Value probs = softmax.getResult();
  Value guardedMask;
  if (auto guard = dyn_cast_or_null<WhereOp>(singleUser(probs))) {
    guardedMask = matchMaskedRowGuard(guard, probs, match.ops);
    if (!guardedMask)
      return fail("a where on the probabilities is not the fully-masked-row "
                  "guard where(max(mask) == -inf, 0, p)");
    probs = guard.getResult();
  }
  auto pv = dyn_cast_or_null<MatmulOp>(singleUser(probs));
  if (!pv || pv.getLhs() != probs) {
    if (isa_and_nonnull<CastOp>(singleUser(probs)))
      return fail("the probabilities are cast to another type before the "
                  "product with V (a softmax in another precision than the "
                  "attention)");
    return fail(probs.hasOneUse() || probs.use_empty()
                    ? "the probabilities are not used once, multiplied by V"
                    : "the probabilities are not used once, multiplied by V "
                      "(also returned, e.g. ONNX Attention's qk_matmul_output "
                      "mode 3: tessera.attention does not return them)");
  }
  match.root = pv;
  match.v = pv.getRhs();
  match.ops.insert(pv);

  Value s = softmax.getInput();
  while (true) {
    Operation *op = s.getDefiningOp();
    if (!op)
      return fail("the scores are not computed here (a function argument)");
    if (nonShapeUsers(s, match.scoreDims).size() != 1)
      return fail("the scores after '" + op->getName().getStringRef() +
                  "' have another user (e.g. ONNX Attention's "
                  "qk_matmul_output: tessera.attention does not return "
                  "scores)");
    if (auto qk = dyn_cast<MatmulOp>(op)) {
      match.ops.insert(qk);
      match.q = stripConstantFactor(qk.getLhs(), match.scale, match.ops);
      match.kT = stripConstantFactor(qk.getRhs(), match.scale, match.ops);
      break;
    }
    match.ops.insert(op);
    // Walking back from the softmax, a mask past the tanh is added to the
    // scores before they are capped, which the op does not express.
    if (match.softcap && isa<AddOp, WhereOp, SubOp>(op))
      return fail("the scores are masked before the softcap, c·tanh((s + mask)/c), "
                  "which tessera.attention does not express (it caps, then masks)");
    if (auto tanh = dyn_cast<TanhOp>(op)) {
      if (match.softcap)
        return fail("the scores go through two tanh");
      std::optional<double> cap = matchSoftcap(tanh, s, match.ops);
      if (!cap)
        return fail("a tanh on the scores is not a softcap c·tanh(s/c) with a "
                    "positive constant c");
      // The factors between the tanh and the softmax must be exactly the
      // outer c; the scale proper is what comes before the tanh.
      if (std::abs(match.scale - *cap) > 1e-6 * *cap)
        return fail("the tanh of the scores is not multiplied by the same c it "
                    "divides by (c·tanh(s/c))");
      match.softcap = cap;
      match.scale = 1.0;
      continue;
    }
    if (auto mul = dyn_cast<MulOp>(op)) {
      std::optional<double> c = splatValue(mul.getRhs());
      Value other = mul.getLhs();
      if (!c) {
        c = splatValue(mul.getLhs());
        other = mul.getRhs();
      }
      if (!c)
        return fail("the scores are multiplied by something not constant");
      match.scale *= *c;
      s = other;
      continue;
    }
    if (auto add = dyn_cast<AddOp>(op)) {
      // The addend that leads back to the scores is the scores; the other
      // is an additive mask (or bias).
      auto leadsToScores = [](Value v) {
        for (int depth = 0; depth < 8 && v.getDefiningOp(); ++depth) {
          Operation *d = v.getDefiningOp();
          if (isa<MatmulOp>(d))
            return true;
          if (d->getNumOperands() == 0)
            return false;
          v = d->getOperand(0);
        }
        return false;
      };
      bool lhsScores = leadsToScores(add.getLhs());
      Value mask = lhsScores ? add.getRhs() : add.getLhs();
      if (match.additiveMask)
        return fail("more than one additive mask");
      match.additiveMask = mask;
      s = lhsScores ? add.getLhs() : add.getRhs();
      continue;
    }
    if (auto where = dyn_cast<WhereOp>(op)) {
      if (!isMaskedFill(where.getFalseValue()))
        return fail("a where on the scores does not fill with -10000, -inf "
                    "or finfo.min");
      if (match.booleanMask)
        return fail("more than one masked fill");
      match.booleanMask = where.getCondition();
      s = where.getTrueValue();
      continue;
    }
    if (auto sub = dyn_cast<SubOp>(op)) {
      Value scores;
      Value b = matchBufferMask(sub, scores, match.ops);
      if (!b)
        return fail("a subtraction on the scores is not a masked fill");
      if (match.booleanMask)
        return fail("more than one masked fill");
      match.booleanMask = b;
      s = scores;
      continue;
    }
    return fail("the scores go through '" + op->getName().getStringRef() +
                "', which is not scaling or masking");
  }
  for (Value operand : {match.q, match.kT, match.v})
    if (cast<RankedTensorType>(operand.getType()).getRank() != 4)
      return fail("Q, K^T and V are not all 4-D [batch, heads, sequence, "
                  "head_dim]");
  // The guard zeroes rows where every key is masked, which the op does
  // too; for a mask without -inf entries it never fires.
  if (guardedMask && guardedMask != match.additiveMask &&
      !hasNoNegativeInfinity(guardedMask))
    return fail("the fully-masked-row guard tests a value other than the "
                "additive mask");
  // where(b, 0, fill) added to the scores is the boolean mask b (ONNX's
  // Attention body turns a boolean attn_mask into this bias).
  if (auto where = match.additiveMask
                       ? match.additiveMask.getDefiningOp<WhereOp>()
                       : nullptr) {
    std::optional<double> zero = splatValue(where.getTrueValue());
    auto condition = cast<RankedTensorType>(where.getCondition().getType());
    if (zero && *zero == 0.0 && isMaskedFill(where.getFalseValue()) &&
        !match.booleanMask &&
        condition.getShape() ==
            cast<RankedTensorType>(where.getType()).getShape()) {
      match.booleanMask = where.getCondition();
      match.additiveMask = Value();
    }
  }
  // A mask cut from a constant causal table is the causal flag.
  if (match.additiveMask) {
    Value table = causalTableOf(match.additiveMask);
    if (table && isCausalTable(table, TableKind::Additive)) {
      match.causal = true;
      match.additiveMask = Value();
    }
  } else if (match.booleanMask) {
    Value table = causalTableOf(match.booleanMask);
    if (table && isCausalTable(table, TableKind::Keep)) {
      match.causal = true;
      match.booleanMask = Value();
    }
  }
  for (tensor::DimOp dim : match.scoreDims) {
    std::optional<int64_t> index = dim.getConstantIndex();
    if (!index || (*index != 2 && *index != 3))
      return fail("a dimension of the scores other than the sequence "
                  "lengths is used");
  }
  for (Operation *op : match.ops) {
    if (op == match.root)
      continue;
    for (Operation *user : op->getUsers())
      if (!match.ops.contains(user) && !isa<tensor::DimOp>(user))
        return fail("an intermediate value has a user outside the attention");
  }
  return match;
}

/// A tensor as `transpose(base, permutation)` (identity when not one).
struct Permuted {
  Value base;
  SmallVector<int64_t> permutation;
};

Permuted lookThroughTranspose(Value v, ArrayRef<int64_t> outer) {
  if (auto t = v.getDefiningOp<TransposeOp>()) {
    SmallVector<int64_t> composed;
    for (int64_t p : outer)
      composed.push_back(t.getPermutation()[p]);
    return {t.getInput(), composed};
  }
  return {v, SmallVector<int64_t>(outer)};
}

/// repeat_kv (GQA): reshape(expand(u)) where u has a size-1 axis e that the
/// expand stretches to `rep` and the reshape merges into axis e - 1 (the
/// heads). Head h then reads KV head h / rep, which is what
/// tessera.attention does with fewer KV heads: returns u without axis e.
Value unrepeatHeads(OpBuilder &builder, Location loc, Value base) {
  auto merge = base.getDefiningOp<ReshapeOp>();
  auto expand = merge ? merge.getInput().getDefiningOp<ExpandOp>() : nullptr;
  if (!expand)
    return Value();
  auto u = cast<RankedTensorType>(expand.getInput().getType());
  auto e = cast<RankedTensorType>(expand.getType());
  auto r = cast<RankedTensorType>(merge.getType());
  if (u.getRank() != 5 || e.getRank() != 5 || r.getRank() != 4)
    return Value();
  for (int64_t axis = 1; axis < 5; ++axis) {
    if (u.getDimSize(axis) != 1 || e.isDynamicDim(axis) ||
        e.isDynamicDim(axis - 1))
      continue;
    bool onlyThisAxis = true;
    for (int64_t d = 0; d < 5; ++d)
      if (d != axis && u.getDimSize(d) != e.getDimSize(d))
        onlyThisAxis = false;
    // The merge keeps every other axis and multiplies axis-1 by axis.
    SmallVector<int64_t> merged(e.getShape());
    merged[axis - 1] *= merged[axis];
    merged.erase(merged.begin() + axis);
    if (!onlyThisAxis || merged != SmallVector<int64_t>(r.getShape()))
      continue;
    SmallVector<int64_t> shape(u.getShape());
    shape.erase(shape.begin() + axis);
    // The dynamic sizes are the merge's: same positions, none on the heads.
    return ReshapeOp::create(builder, loc,
                             RankedTensorType::get(shape, u.getElementType()),
                             expand.getInput(), merge.getDynamicDims());
  }
  return Value();
}

/// The K or V operand: through transposes to its base, un-repeated for
/// GQA when it was repeated, transposed back.
Value attentionOperand(OpBuilder &builder, Location loc, Permuted p,
                       SmallVectorImpl<Operation *> &created) {
  Value base = p.base;
  if (Value single = unrepeatHeads(builder, loc, base)) {
    created.push_back(single.getDefiningOp());
    base = single;
  }
  bool identity = llvm::all_of(llvm::enumerate(p.permutation), [](auto e) {
    return static_cast<int64_t>(e.index()) == e.value();
  });
  if (identity)
    return base;
  auto type = cast<RankedTensorType>(base.getType());
  SmallVector<int64_t> shape;
  for (int64_t d : p.permutation)
    shape.push_back(type.getDimSize(d));
  Value t = TransposeOp::create(
      builder, loc, RankedTensorType::get(shape, type.getElementType()), base,
      builder.getDenseI64ArrayAttr(p.permutation));
  created.push_back(t.getDefiningOp());
  return t;
}

struct FuseAttentionPass
    : public tessera::impl::FuseAttentionBase<FuseAttentionPass> {
  using FuseAttentionBase::FuseAttentionBase;

  void runOnOperation() override {
    SmallVector<SoftmaxOp> candidates;
    getOperation().walk([&](SoftmaxOp op) { candidates.push_back(op); });
    for (SoftmaxOp softmax : candidates) {
      ++numCandidates;
      std::string reason;
      FailureOr<AttentionMatch> match = matchAttention(softmax, reason);
      Operation *attention = nullptr;
      if (succeeded(match))
        attention = build(*match, softmax.getLoc(), reason);
      if (remarks)
        remarkCandidate(softmax, "attention", attention != nullptr, reason);
      if (!attention)
        continue;
      for (tensor::DimOp dim : match->scoreDims) {
        OpBuilder builder(dim);
        bool query = *dim.getConstantIndex() == 2;
        Value source = query ? match->q : match->kT;
        dim.replaceAllUsesWith(tensor::DimOp::create(
                                   builder, dim.getLoc(), source, query ? 2 : 3)
                                   .getResult());
        dim.erase();
      }
      match->root->getResult(0).replaceAllUsesWith(attention->getResult(0));
      eraseDeadPatternOps(match->ops);
      ++numFused;
    }
  }

  /// Builds the op (K from Kᵀ, the boolean mask as i1); null, with the
  /// reason, when the shapes do not form an attention.
  Operation *build(AttentionMatch &match, Location loc, std::string &reason) {
    OpBuilder builder(match.root);
    SmallVector<Operation *> created;
    Value k = attentionOperand(builder, loc,
                               lookThroughTranspose(match.kT, {0, 1, 3, 2}),
                               created);
    Value v = attentionOperand(builder, loc,
                               lookThroughTranspose(match.v, {0, 1, 2, 3}),
                               created);
    Value mask = match.additiveMask;
    if (match.booleanMask) {
      if (mask) {
        reason = "both an additive mask and a masked fill";
        return cleanup(created);
      }
      mask = match.booleanMask;
      Type elementType = getElementTypeOrSelf(mask.getType());
      if (!elementType.isInteger(1)) {
        if (!isa<FloatType>(elementType)) {
          reason = "the masked-fill condition is not boolean or float";
          return cleanup(created);
        }
        auto maskType = cast<RankedTensorType>(mask.getType());
        auto zeroType = RankedTensorType::get({}, elementType);
        Value zero = ConstantOp::create(
            builder, loc, zeroType,
            DenseElementsAttr::get(zeroType, FloatAttr::get(elementType, 0.0)));
        created.push_back(zero.getDefiningOp());
        auto cmp = CmpOp::create(
            builder, loc, maskType.clone(builder.getI1Type()),
            CmpPredicateAttr::get(&getContext(), CmpPredicate::ne), mask, zero);
        created.push_back(cmp);
        mask = cmp.getResult();
      }
    }
    OperationState state(loc, AttentionOp::getOperationName());
    state.addOperands({match.q, k, v});
    if (mask)
      state.addOperands(mask);
    state.addAttribute("operandSegmentSizes",
                       builder.getDenseI32ArrayAttr({1, 1, 1, mask ? 1 : 0, 0, 0}));
    state.addAttribute("scale",
                       builder.getF32FloatAttr(static_cast<float>(match.scale)));
    if (match.causal)
      state.addAttribute("causal", builder.getUnitAttr());
    if (match.softcap)
      state.addAttribute("softcap",
                         builder.getF32FloatAttr(static_cast<float>(*match.softcap)));
    state.addTypes(match.root->getResult(0).getType());
    Operation *attention = builder.create(state);
    created.push_back(attention);
    std::string diagnostics;
    {
      ScopedDiagnosticHandler handler(&getContext(), [&](Diagnostic &d) {
        diagnostics += (diagnostics.empty() ? "" : "; ") + d.str();
        return success();
      });
      if (failed(verify(attention, /*verifyRecursively=*/false))) {
        reason = "Q, K, V and the mask do not form an attention: " + diagnostics;
        return cleanup(created);
      }
    }
    return attention;
  }

  Operation *cleanup(SmallVector<Operation *> &created) {
    for (Operation *op : llvm::reverse(created))
      op->erase();
    return nullptr;
  }
};

} // namespace
