//===- AttentionOps.cpp - attention and rotary embedding ops --------------===//

#include "frontend/onnx/OpRegistry.h"
#include "frontend/onnx/ops/ImportHelpers.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <cmath>
#include <limits>

using namespace mlir;

namespace tessera::onnx_frontend {
namespace {

/// [B, S, H * D] -> [B, H, S, D].
FailureOr<Value> splitHeads(NodeImporter &n, Value x, int64_t heads) {
  SymbolicInts dims = dimsOf(n, x);
  if (dims.size() != 3)
    return n.error("3-D inputs are [batch, sequence, hidden]");
  if (heads <= 0)
    return n.error("q_num_heads and kv_num_heads must be positive for 3-D "
                   "inputs");
  std::optional<SymbolicInt> headDim =
      n.graph().div(dims[2], SymbolicInt::of(heads), n.loc());
  FailureOr<Value> split =
      reshapeTo(n, x, {dims[0], dims[1], SymbolicInt::of(heads), *headDim});
  if (failed(split))
    return failure();
  return n.create<TransposeOp>(
      {*split}, {n.namedAttr("permutation",
                             n.builder().getDenseI64ArrayAttr({0, 2, 1, 3}))});
}

/// [B, H, S, D] -> [B, S, H * D].
FailureOr<Value> mergeHeads(NodeImporter &n, Value x) {
  FailureOr<Value> t = n.create<TransposeOp>(
      {x}, {n.namedAttr("permutation",
                        n.builder().getDenseI64ArrayAttr({0, 2, 1, 3}))});
  if (failed(t))
    return failure();
  SymbolicInts dims = dimsOf(n, *t);
  return reshapeTo(n, *t,
                   {dims[0], dims[1], n.graph().mul(dims[2], dims[3], n.loc())});
}

/// `length` positions start, start + 1, ... as a 1-D i64 tensor.
Value positions(NodeImporter &n, SymbolicInt length, SymbolicInt start) {
  auto type = RankedTensorType::get(
      {length.isConstant() ? length.constant : ShapedType::kDynamic},
      n.builder().getI64Type());
  return IotaOp::create(n.builder(), n.loc(), type,
                        length.isConstant() ? Value() : length.dynamic,
                        start.isConstant() ? Value() : start.dynamic,
                        start.isConstant() ? start.constant : 0, 1);
}

FailureOr<Value> compare(NodeImporter &n, CmpPredicate predicate, Value lhs,
                         Value rhs) {
  return n.create<CmpOp>(
      {lhs, rhs}, {n.namedAttr("predicate",
                               CmpPredicateAttr::get(n.context(), predicate))});
}

/// Boolean `a and b`, broadcast.
FailureOr<Value> logicalAnd(NodeImporter &n, Value a, Value b) {
  return n.create<WhereOp>(
      {a, b, scalarConstant(n, n.builder().getI1Type(), 0.0)});
}

/// Where a size comes from: a constant, an `index` value, or a dimension
/// of a tensor that no rule below looks through. Equal sources mean equal
/// sizes.
struct SizeSource {
  int64_t constant = 0;
  Value value;      // null for a constant
  int64_t dim = -1; // the dimension of `value`; -1 when it is an index
  bool operator==(const SizeSource &o) const {
    return constant == o.constant && value == o.value && dim == o.dim;
  }
};

/// The source of the size of dimension `dim` of `value`, looking through
/// size operands read with tensor.dim, transposes, and ops whose result
/// dimension is an operand's: same shape, broadcasting (tessera's
/// broadcast equals a dynamic operand dimension), matmul rows and columns.
SizeSource sizeSource(Value value, int64_t dim) {
  for (;;) {
    auto type = cast<RankedTensorType>(value.getType());
    if (!type.isDynamicDim(dim))
      return {type.getDimSize(dim), {}, -1};
    Operation *def = value.getDefiningOp();
    Value size; // a size operand the result was built with
    if (auto reshape = dyn_cast_or_null<ReshapeOp>(def))
      size = reshape.getDynamicDims()[type.getDynamicDimIndex(dim)];
    else if (auto expand = dyn_cast_or_null<ExpandOp>(def))
      size = expand.getDynamicDims()[type.getDynamicDimIndex(dim)];
    if (size) {
      auto read = size.getDefiningOp<tensor::DimOp>();
      std::optional<int64_t> index =
          read ? read.getConstantIndex() : std::nullopt;
      if (!index)
        return {0, size, -1};
      value = read.getSource();
      dim = *index;
      continue;
    }
    // The operand (and its dimension) the result dimension is taken from.
    auto alignedOperand = [&](ValueRange operands, int64_t rank,
                              int64_t trailing) -> std::optional<int64_t> {
      for (Value operand : operands) {
        auto operandType = cast<RankedTensorType>(operand.getType());
        int64_t d = dim - (rank - operandType.getRank());
        if (d >= 0 && d < operandType.getRank() - trailing &&
            operandType.isDynamicDim(d)) {
          value = operand;
          return d;
        }
      }
      return std::nullopt;
    };
    std::optional<int64_t> next;
    if (auto transpose = dyn_cast_or_null<TransposeOp>(def)) {
      next = transpose.getPermutation()[dim];
      value = transpose.getInput();
    } else if (def && (def->hasTrait<OpTrait::SameOperandsAndResultShape>() ||
                       def->hasTrait<OpTrait::SameOperandsAndResultType>() ||
                       isa<SoftmaxOp, LayerNormOp, RMSNormOp, GeluOp>(def))) {
      next = dim;
      value = def->getOperand(0);
    } else if (isa_and_nonnull<AddOp, SubOp, MulOp, DivOp, PowOp, MaxOp, MinOp>(
                   def)) {
      next = alignedOperand(def->getOperands(), type.getRank(), 0);
    } else if (auto matmul = dyn_cast_or_null<MatmulOp>(def)) {
      int64_t rank = type.getRank();
      auto rankOf = [](Value v) {
        return cast<RankedTensorType>(v.getType()).getRank();
      };
      if (dim == rank - 2) {
        value = matmul.getLhs();
        next = rankOf(value) - 2;
      } else if (dim == rank - 1) {
        value = matmul.getRhs();
        next = rankOf(value) - 1;
      } else {
        next = alignedOperand(def->getOperands(), rank, 2);
      }
    }
    if (!next)
      return {0, value, dim};
    dim = *next;
  }
}

/// True when two dimensions are known to have the same size at compile
/// time.
bool knownEqual(Value a, int64_t aDim, Value b, int64_t bDim) {
  return sizeSource(a, aDim) == sizeSource(b, bDim);
}

/// A boolean [B, 1, 1, T] mask from 1-D lengths, the number of valid
/// (left-aligned) keys of each sequence: key j is attended when j < len[b].
FailureOr<Value> lengthMask(NodeImporter &n, Value lengths,
                            SymbolicInt keyLength) {
  Value keyPositions = positions(n, keyLength, SymbolicInt::of(0));
  FailureOr<Value> limits = castTo(n, lengths, n.builder().getI64Type());
  if (failed(limits))
    return failure();
  SymbolicInt batch = n.graph().dimOf(lengths, 0);
  limits = reshapeTo(n, *limits, {batch, SymbolicInt::of(1)});
  if (failed(limits))
    return failure();
  FailureOr<Value> mask = compare(n, CmpPredicate::lt, keyPositions, *limits);
  if (failed(mask))
    return failure();
  SymbolicInts dims = dimsOf(n, *mask);
  SymbolicInt one = SymbolicInt::of(1);
  return reshapeTo(n, *mask, {dims[0], one, one, dims[1]});
}

/// ONNX Attention's is_causal with `past` cached keys, as a boolean
/// [Sq, T] mask: query i attends key j (of the T = past + new keys) iff
/// j <= i + past. Aligned to the top-left corner when there is no cache.
FailureOr<Value> causalMask(NodeImporter &n, SymbolicInt queries,
                            SymbolicInt keys, SymbolicInt past) {
  FailureOr<Value> rows =
      reshapeTo(n, positions(n, queries, past), {queries, SymbolicInt::of(1)});
  if (failed(rows))
    return failure();
  return compare(n, CmpPredicate::le, positions(n, keys, SymbolicInt::of(0)),
                 *rows);
}

/// is_causal with nonpad_kv_seqlen and no past_key (an external cache whose
/// first lengths[b] keys are valid), as a boolean [B, 1, Sq, T] mask: the
/// queries are the last Sq valid positions, so query i attends key j iff
/// j <= i + lengths[b] - Sq, i.e. j + Sq <= i + lengths[b]. This implies
/// j < lengths[b]: the padding mask is included.
FailureOr<Value> cacheCausalMask(NodeImporter &n, Value lengths,
                                 SymbolicInt queries, SymbolicInt keys) {
  SymbolicInt one = SymbolicInt::of(1);
  FailureOr<Value> limits = castTo(n, lengths, n.builder().getI64Type());
  if (failed(limits) ||
      failed(limits = reshapeTo(n, *limits,
                                {n.graph().dimOf(lengths, 0), one, one, one})))
    return failure();
  FailureOr<Value> rows = reshapeTo(
      n, positions(n, queries, SymbolicInt::of(0)), {one, one, queries, one});
  if (failed(rows))
    return failure();
  FailureOr<Value> bounds = n.create<AddOp>({*rows, *limits});
  if (failed(bounds))
    return failure();
  return compare(n, CmpPredicate::le, positions(n, keys, queries), *bounds);
}

/// ONNX attn_mask (boolean, true = attend, or additive float) further
/// restricted to where `allowed` holds.
FailureOr<Value> restrictMask(NodeImporter &n, Value mask, Value allowed) {
  Type elementType = cast<ShapedType>(mask.getType()).getElementType();
  if (elementType.isInteger(1))
    return logicalAnd(n, mask, allowed);
  // The model picks the mask's type; -inf has no integer value.
  if (!isa<FloatType>(elementType))
    return n.error("attn_mask must be boolean or floating point");
  return n.create<WhereOp>(
      {allowed, mask,
       scalarConstant(n, elementType,
                      -std::numeric_limits<double>::infinity())});
}

/// ONNX lets attn_mask be shorter than the keys (past and new): the keys it
/// does not cover are masked (false, or -inf in an additive mask).
FailureOr<Value> padMaskToKeys(NodeImporter &n, Value mask, SymbolicInt keys) {
  auto type = cast<RankedTensorType>(mask.getType());
  int64_t rank = type.getRank();
  int64_t covered = rank == 0 ? 1 : type.getDimSize(rank - 1);
  if (rank == 0 || !keys.isConstant() || ShapedType::isDynamic(covered) ||
      covered == 1 || covered >= keys.constant)
    return mask;
  Type element = type.getElementType();
  Value fill = scalarConstant(n, element,
                              element.isInteger(1) ? 0.0
                                                   : -std::numeric_limits<double>::infinity());
  FailureOr<Value> cell = reshapeTo(n, fill, SymbolicInts(rank, SymbolicInt::of(1)));
  if (failed(cell))
    return failure();
  SymbolicInts dims = dimsOf(n, mask);
  dims.back() = SymbolicInt::of(keys.constant - covered);
  Value pad = expandToDims(n, *cell, dims);
  return n.create<ConcatOp>({mask, pad},
                            {n.namedAttr("axis", n.builder().getI64IntegerAttr(rank - 1))});
}

/// Attention's optional qk_matmul_output, [B, Hq, Sq, T], computed apart
/// from the fused op (which never forms the scores): s = scale * Q K^T with
/// the KV heads repeated for each query head, capped (softcap); mode 0 and 1
/// return s, mode 2 s + mask, mode 3 its softmax, as ONNX's reference does.
FailureOr<Value> scoresOutput(NodeImporter &n, Value q, Value keys, Value mask, double scale,
                              float softcap, int64_t mode) {
  if (mode < 0 || mode > 3)
    return n.error("qk_matmul_output_mode must be 0, 1, 2 or 3");
  SymbolicInts qd = dimsOf(n, q), kd = dimsOf(n, keys);
  if (!qd[1].isConstant() || !kd[1].isConstant() || kd[1].constant <= 0 ||
      qd[1].constant % kd[1].constant != 0)
    return n.error("qk_matmul_output needs static head counts, the query heads a "
                   "multiple of the key/value heads");
  int64_t group = qd[1].constant / kd[1].constant;
  Value k = keys;
  if (group > 1) {
    // [B, Hkv, T, D] -> [B, Hkv, g, T, D] -> [B, Hq, T, D]: key head h / g.
    FailureOr<Value> single = reshapeTo(n, k, {kd[0], kd[1], SymbolicInt::of(1), kd[2], kd[3]});
    if (failed(single))
      return failure();
    Value repeated =
        expandToDims(n, *single, {kd[0], kd[1], SymbolicInt::of(group), kd[2], kd[3]});
    FailureOr<Value> merged = reshapeTo(n, repeated, {kd[0], qd[1], kd[2], kd[3]});
    if (failed(merged))
      return failure();
    k = *merged;
  }
  FailureOr<Value> kt = n.create<TransposeOp>(
      {k}, {n.namedAttr("permutation", n.builder().getDenseI64ArrayAttr({0, 1, 3, 2}))});
  if (failed(kt))
    return failure();
  Type element = cast<ShapedType>(q.getType()).getElementType();
  FailureOr<Value> scores = n.create<MatmulOp>({q, *kt});
  if (failed(scores) ||
      failed(scores = n.create<MulOp>({*scores, scalarConstant(n, element, scale)})))
    return failure();
  if (softcap > 0.0f) {
    FailureOr<Value> capped =
        n.create<MulOp>({*scores, scalarConstant(n, element, 1.0 / softcap)});
    if (failed(capped) || failed(capped = n.create<TanhOp>({*capped})) ||
        failed(scores = n.create<MulOp>({*capped, scalarConstant(n, element, softcap)})))
      return failure();
  }
  if (mode <= 1)
    return scores;
  if (mask) {
    Value bias = mask;
    if (cast<ShapedType>(mask.getType()).getElementType().isInteger(1)) {
      FailureOr<Value> additive = n.create<WhereOp>(
          {mask, scalarConstant(n, element, 0.0),
           scalarConstant(n, element, -std::numeric_limits<double>::infinity())});
      if (failed(additive))
        return failure();
      bias = *additive;
    }
    if (failed(scores = n.create<AddOp>({*scores, bias})))
      return failure();
  }
  if (mode == 2)
    return scores;
  FailureOr<Value> probabilities =
      n.create<SoftmaxOp>({*scores}, {n.namedAttr("axis", n.builder().getI64IntegerAttr(3))});
  if (failed(probabilities))
    return failure();
  // A row whose every key is masked gives zeros, not the NaN of -inf - -inf
  // (as the attention output does).
  FailureOr<Value> nan = compare(n, CmpPredicate::ne, *probabilities, *probabilities);
  if (failed(nan))
    return failure();
  return n.create<WhereOp>({*nan, scalarConstant(n, element, 0.0), *probabilities});
}

/// Attention-23/24: Q, K, V as [B, H, S, D] (or [B, S, H*D] with the head
/// counts as attributes), optional mask, KV cache and (24) the number of
/// valid keys per sequence.
LogicalResult importAttention(NodeImporter &n) {
  float softcap = n.floatAttr("softcap", 0.0f);
  if (softcap < 0.0f || !std::isfinite(softcap))
    return n.error("softcap must be a finite number, 0 for none");
  FailureOr<Value> q = n.input(0), k = n.input(1), v = n.input(2);
  if (failed(q) || failed(k) || failed(v))
    return failure();
  bool is3D = cast<ShapedType>(q->getType()).getRank() == 3;
  if (is3D) {
    q = splitHeads(n, *q, n.intAttr("q_num_heads", 0));
    k = splitHeads(n, *k, n.intAttr("kv_num_heads", 0));
    v = splitHeads(n, *v, n.intAttr("kv_num_heads", 0));
    if (failed(q) || failed(k) || failed(v))
      return failure();
  }
  // What follows indexes their dims (and the past's) up to 3.
  auto rank = [](Value x) { return cast<ShapedType>(x.getType()).getRank(); };
  if (rank(*q) != 4 || rank(*k) != 4 || rank(*v) != 4)
    return n.error("Q, K and V must be 4-D [batch, heads, sequence, head size] "
                   "or 3-D [batch, sequence, heads * head size]");
  llvm::SmallVector<Value> operands = {*q, *k, *v};
  if (n.hasInput(4) != n.hasInput(5))
    return n.error("past_key and past_value come together");
  bool hasPast = n.hasInput(4);
  llvm::SmallVector<Value, 2> pastOperands;
  if (hasPast) {
    FailureOr<Value> pk = n.input(4), pv = n.input(5);
    if (failed(pk) || failed(pv))
      return failure();
    if (rank(*pk) != 4 || rank(*pv) != 4)
      return n.error("past_key and past_value must be 4-D");
    pastOperands = {*pk, *pv};
  }

  // The mask operand (null: none): the given mask, restricted by is_causal
  // and nonpad_kv_seqlen where the causal flag cannot express them. ONNX's
  // is_causal lets query i attend key j (of the past and new keys)
  // iff j <= i + past_length; the causal flag of tessera.attention aligns
  // to the bottom-right corner instead (j <= i + past_length + Skv - Sq),
  // which is the same only when Sq == Skv. With nonpad_kv_seqlen and no
  // past_key (an external cache), the queries end at each sequence's last
  // valid key instead.
  bool causal = n.intAttr("is_causal", 0) != 0;
  bool hasLengths = n.hasInput(6);
  bool externalCache = hasLengths && !hasPast;
  bool causalFlag = causal && !externalCache && knownEqual(*q, 2, *k, 2);
  Value mask;
  if ((causal && !causalFlag) || hasLengths) {
    GraphImporter &g = n.graph();
    SymbolicInt queries = g.dimOf(*q, 2);
    SymbolicInt past =
        hasPast ? g.dimOf(pastOperands[0], 2) : SymbolicInt::of(0);
    SymbolicInt keys = g.add(past, g.dimOf(*k, 2), n.loc());
    if (causal && !causalFlag && !externalCache) {
      FailureOr<Value> causalAllowed = causalMask(n, queries, keys, past);
      if (failed(causalAllowed))
        return failure();
      mask = *causalAllowed;
    }
    if (hasLengths) {
      FailureOr<Value> lengths = n.input(6);
      if (failed(lengths))
        return failure();
      // The masks below index its dim 0 (the batch).
      auto lengthsType = dyn_cast<RankedTensorType>(lengths->getType());
      if (!lengthsType || lengthsType.getRank() != 1)
        return n.error("nonpad_kv_seqlen must be 1-D [batch]");
      FailureOr<Value> valid = causal && externalCache
                                   ? cacheCausalMask(n, *lengths, queries, keys)
                                   : lengthMask(n, *lengths, keys);
      if (failed(valid) ||
          (mask && failed(valid = logicalAnd(n, mask, *valid))))
        return failure();
      mask = *valid;
    }
  }
  if (n.hasInput(3)) {
    FailureOr<Value> given = n.input(3);
    // Padding and the scores output fill masked keys with false or -inf,
    // which an integer mask cannot hold.
    if (succeeded(given)) {
      Type maskElement = cast<ShapedType>(given->getType()).getElementType();
      if (!maskElement.isInteger(1) && !isa<FloatType>(maskElement))
        return n.error("attn_mask must be boolean or floating point");
    }
    GraphImporter &g = n.graph();
    SymbolicInt keys =
        g.add(hasPast ? g.dimOf(pastOperands[0], 2) : SymbolicInt::of(0), g.dimOf(*k, 2), n.loc());
    if (failed(given) || failed(given = padMaskToKeys(n, *given, keys)) ||
        (mask && failed(given = restrictMask(n, *given, mask))))
      return failure();
    mask = *given;
  }
  // The scores output needs every mask, the causal one too.
  Value scoresMask = mask;
  if (n.hasOutput(3) && causalFlag) {
    GraphImporter &g = n.graph();
    SymbolicInt past = hasPast ? g.dimOf(pastOperands[0], 2) : SymbolicInt::of(0);
    FailureOr<Value> causalAllowed =
        causalMask(n, g.dimOf(*q, 2), g.add(past, g.dimOf(*k, 2), n.loc()), past);
    if (failed(causalAllowed) ||
        (mask && failed(causalAllowed = restrictMask(n, mask, *causalAllowed))))
      return failure();
    scoresMask = *causalAllowed;
  }
  int32_t hasMask = mask ? 1 : 0;
  if (mask)
    operands.push_back(mask);
  operands.append(pastOperands);

  Builder b(n.context());
  llvm::SmallVector<NamedAttribute> attrs = {n.namedAttr(
      "operandSegmentSizes",
      b.getDenseI32ArrayAttr({1, 1, 1, hasMask, hasPast, hasPast}))};
  if (const onnx::AttributeProto *scale = n.attr("scale"))
    attrs.push_back(n.namedAttr("scale", b.getF32FloatAttr(scale->f())));
  if (causalFlag)
    attrs.push_back(n.namedAttr("causal", b.getUnitAttr()));
  if (softcap > 0.0f)
    attrs.push_back(n.namedAttr("softcap", b.getF32FloatAttr(softcap)));
  FailureOr<Operation *> op =
      n.createInferred<AttentionOp>(operands, attrs, hasPast ? 3 : 1);
  if (failed(op))
    return failure();
  Value output = (*op)->getResult(0);
  if (n.hasOutput(3)) {
    double scale = 0.0;
    if (const onnx::AttributeProto *given = n.attr("scale")) {
      scale = given->f();
    } else {
      SymbolicInt depth = n.graph().dimOf(*q, 3);
      if (!depth.isConstant() || depth.constant <= 0)
        return n.error("qk_matmul_output without a scale needs a static head size");
      scale = 1.0 / std::sqrt(double(depth.constant));
    }
    FailureOr<Value> scores =
        scoresOutput(n, *q, hasPast ? (*op)->getResult(1) : *k, scoresMask, scale, softcap,
                     n.intAttr("qk_matmul_output_mode", 0));
    if (failed(scores) || failed(n.setOutput(3, *scores)))
      return failure();
  }
  if (is3D) {
    FailureOr<Value> merged = mergeHeads(n, output);
    if (failed(merged))
      return failure();
    output = *merged;
  }
  if (failed(n.setOutput(0, output)))
    return failure();
  if (hasPast) {
    if (failed(n.setOutput(1, (*op)->getResult(1))) ||
        failed(n.setOutput(2, (*op)->getResult(2))))
      return failure();
  } else if (n.hasOutput(1) || n.hasOutput(2)) {
    // Without a cache the present key and value are the inputs themselves.
    if (failed(n.setOutput(1, *k)) || failed(n.setOutput(2, *v)))
      return failure();
  }
  return success();
}

/// The additive [B, 1, S or 1, T] mask of ONNX Runtime's mask_index: a
/// 2-D [B, T] or 3-D [B, S, T] tensor of 1 (attend) and 0 (masked).
FailureOr<Value> contribMask(NodeImporter &n, Value maskIndex, Type elementType,
                             float filterValue, SymbolicInt keyLength) {
  auto type = cast<RankedTensorType>(maskIndex.getType());
  if (type.getRank() == 1)
    return lengthMask(n, maskIndex, keyLength);
  if (type.getRank() != 2 && type.getRank() != 3)
    return n.error("mask_index of rank " + llvm::Twine(type.getRank()) +
                   " is not supported (only 1-D [batch] lengths, 2-D [batch, "
                   "total_sequence] and 3-D [batch, sequence, "
                   "total_sequence] masks are)");
  FailureOr<Value> mask = castTo(n, maskIndex, elementType);
  if (failed(mask))
    return failure();
  FailureOr<Value> inverted =
      n.create<SubOp>({scalarConstant(n, elementType, 1.0), *mask});
  if (failed(inverted))
    return failure();
  FailureOr<Value> additive = n.create<MulOp>(
      {*inverted, scalarConstant(n, elementType, filterValue)});
  if (failed(additive))
    return failure();
  SymbolicInts dims = dimsOf(n, *additive);
  SymbolicInt one = SymbolicInt::of(1);
  return reshapeTo(n, *additive,
                   type.getRank() == 2
                       ? SymbolicInts{dims[0], one, one, dims[1]}
                       : SymbolicInts{dims[0], one, dims[1], dims[2]});
}

/// com.microsoft Attention: the QKV projection, head split, attention with
/// an optional mask and packed past state, and head merge, written out in
/// tessera ops (the fusion passes see the same attention op either way).
LogicalResult importContribAttention(NodeImporter &n) {
  int64_t heads = n.intAttr("num_heads", 0);
  if (heads <= 0)
    return n.error("num_heads must be positive");
  for (size_t unsupportedInput : {5u, 6u})
    if (n.hasInput(unsupportedInput))
      return n.error("relative_position_bias and past_sequence_length inputs "
                     "are not supported");
  FailureOr<Value> x = n.input(0), weights = n.input(1);
  if (failed(x) || failed(weights))
    return failure();
  FailureOr<Value> qkv = n.create<MatmulOp>({*x, *weights});
  if (failed(qkv))
    return failure();
  if (n.hasInput(2)) {
    FailureOr<Value> bias = n.input(2);
    if (failed(bias) || failed(qkv = n.create<AddOp>({*qkv, *bias})))
      return failure();
  }
  auto qkvType = cast<RankedTensorType>(qkv->getType());
  if (qkvType.getRank() != 3 || qkvType.isDynamicDim(2))
    return n.error("input must be [batch, sequence, hidden] with a static "
                   "projection width");
  llvm::SmallVector<int64_t> sizes;
  if (std::optional<llvm::SmallVector<int64_t>> s = n.intsAttr("qkv_hidden_sizes");
      s && !s->empty())
    sizes = *s;
  else
    sizes.assign(3, qkvType.getDimSize(2) / 3);
  // The sizes are the model's attribute: summed overflow-checked, each
  // positive (a negative one would slice backwards).
  int64_t total = 0;
  bool fits = sizes.size() == 3;
  for (int64_t size : sizes)
    fits = fits && size > 0 && !__builtin_add_overflow(total, size, &total);
  if (!fits || total != qkvType.getDimSize(2))
    return n.error("qkv_hidden_sizes must be three positive sizes that add up "
                   "to the projection width " +
                   llvm::Twine(qkvType.getDimSize(2)));
  Builder b(n.context());
  llvm::SmallVector<Value> qkvHeads;
  int64_t offset = 0;
  for (int64_t size : sizes) {
    if (size % heads != 0)
      return n.error("hidden size " + llvm::Twine(size) +
                     " is not a multiple of num_heads " + llvm::Twine(heads));
    FailureOr<Value> part = n.create<SliceOp>(
        {*qkv},
        {n.namedAttr("starts", b.getDenseI64ArrayAttr({0, 0, offset})),
         n.namedAttr("ends", b.getDenseI64ArrayAttr(
                                 {std::numeric_limits<int64_t>::max(),
                                  std::numeric_limits<int64_t>::max(),
                                  offset + size})),
         n.namedAttr("steps", b.getDenseI64ArrayAttr({1, 1, 1})),
         n.namedAttr("operandSegmentSizes", b.getDenseI32ArrayAttr({1, 0, 0}))});
    if (failed(part))
      return failure();
    offset += size;
    FailureOr<Value> split = splitHeads(n, *part, heads);
    if (failed(split))
      return failure();
    qkvHeads.push_back(*split);
  }
  Type elementType = qkvType.getElementType();
  llvm::SmallVector<Value> operands = qkvHeads;
  int32_t hasMask = 0, hasPast = 0;
  if (n.hasInput(3)) {
    FailureOr<Value> maskIndex = n.input(3);
    if (failed(maskIndex))
      return failure();
    // Keys: the past (if any) and this step's.
    SymbolicInt keyLength = n.graph().dimOf(qkvHeads[1], 2);
    if (n.hasInput(4)) {
      FailureOr<Value> past = n.input(4);
      if (failed(past))
        return failure();
      if (cast<ShapedType>(past->getType()).getRank() == 5)
        keyLength =
            n.graph().add(n.graph().dimOf(*past, 3), keyLength, n.loc());
    }
    FailureOr<Value> mask =
        contribMask(n, *maskIndex, elementType,
                    n.floatAttr("mask_filter_value", -10000.0f), keyLength);
    if (failed(mask))
      return failure();
    operands.push_back(*mask);
    hasMask = 1;
  }
  if (n.hasInput(4)) {
    // past: [2, B, H, P, D] with key and value stacked on axis 0.
    FailureOr<Value> past = n.input(4);
    if (failed(past))
      return failure();
    SymbolicInts dims = dimsOf(n, *past);
    if (dims.size() != 5)
      return n.error("past must be [2, batch, heads, past_sequence, head_dim]");
    for (int64_t which : {0, 1}) {
      FailureOr<Value> half = n.create<SliceOp>(
          {*past},
          {n.namedAttr("starts", b.getDenseI64ArrayAttr({which, 0, 0, 0, 0})),
           n.namedAttr("ends",
                       b.getDenseI64ArrayAttr(
                           {which + 1, std::numeric_limits<int64_t>::max(),
                            std::numeric_limits<int64_t>::max(),
                            std::numeric_limits<int64_t>::max(),
                            std::numeric_limits<int64_t>::max()})),
           n.namedAttr("steps", b.getDenseI64ArrayAttr({1, 1, 1, 1, 1})),
           n.namedAttr("operandSegmentSizes",
                       b.getDenseI32ArrayAttr({1, 0, 0}))});
      if (failed(half))
        return failure();
      FailureOr<Value> squeezed =
          reshapeTo(n, *half, {dims[1], dims[2], dims[3], dims[4]});
      if (failed(squeezed))
        return failure();
      operands.push_back(*squeezed);
    }
    hasPast = 1;
  }
  llvm::SmallVector<NamedAttribute> attrs = {n.namedAttr(
      "operandSegmentSizes",
      b.getDenseI32ArrayAttr({1, 1, 1, hasMask, hasPast, hasPast}))};
  if (const onnx::AttributeProto *scale = n.attr("scale"))
    attrs.push_back(n.namedAttr("scale", b.getF32FloatAttr(scale->f())));
  if (n.intAttr("unidirectional", 0))
    attrs.push_back(n.namedAttr("causal", b.getUnitAttr()));
  FailureOr<Operation *> op =
      n.createInferred<AttentionOp>(operands, attrs, hasPast ? 3 : 1);
  if (failed(op))
    return failure();
  FailureOr<Value> merged = mergeHeads(n, (*op)->getResult(0));
  if (failed(merged) || failed(n.setOutput(0, *merged)))
    return failure();
  if (n.hasOutput(1)) {
    // present: [2, B, H, T, D]
    Value presentK = hasPast ? (*op)->getResult(1) : qkvHeads[1];
    Value presentV = hasPast ? (*op)->getResult(2) : qkvHeads[2];
    llvm::SmallVector<Value> stacked;
    for (Value v : {presentK, presentV}) {
      SymbolicInts dims = dimsOf(n, v);
      dims.insert(dims.begin(), SymbolicInt::of(1));
      FailureOr<Value> expanded = reshapeTo(n, v, dims);
      if (failed(expanded))
        return failure();
      stacked.push_back(*expanded);
    }
    FailureOr<Value> present = n.create<ConcatOp>(
        stacked, {n.namedAttr("axis", b.getI64IntegerAttr(0))});
    if (failed(present) || failed(n.setOutput(1, *present)))
      return failure();
  }
  return success();
}

/// RotaryEmbedding-23: X as [B, H, S, D] (or [B, S, H * D] with num_heads),
/// caches indexed by position_ids, or per-sequence [B, S, half] without.
LogicalResult importRotaryEmbedding(NodeImporter &n) {
  FailureOr<Value> x = n.input(0), cos = n.input(1), sin = n.input(2);
  if (failed(x) || failed(cos) || failed(sin))
    return failure();
  bool is3D = cast<ShapedType>(x->getType()).getRank() == 3;
  if (is3D && failed(x = splitHeads(n, *x, n.intAttr("num_heads", 0))))
    return failure();
  llvm::SmallVector<Value> operands = {*x, *cos, *sin};
  if (n.hasInput(3)) {
    FailureOr<Value> positions = n.input(3);
    if (failed(positions))
      return failure();
    operands.push_back(*positions);
  }
  Builder b(n.context());
  llvm::SmallVector<NamedAttribute> attrs;
  if (n.intAttr("interleaved", 0))
    attrs.push_back(n.namedAttr("interleaved", b.getUnitAttr()));
  if (int64_t dim = n.intAttr("rotary_embedding_dim", 0))
    attrs.push_back(n.namedAttr("rotary_dim", b.getI64IntegerAttr(dim)));
  FailureOr<Value> rotated = n.create<RotaryEmbeddingOp>(operands, attrs);
  if (failed(rotated))
    return failure();
  if (is3D && failed(rotated = mergeHeads(n, *rotated)))
    return failure();
  return n.setOutput(0, *rotated);
}

} // namespace

void registerAttentionImporters(OpRegistry &r) {
  r.add("", "RotaryEmbedding", 23, importRotaryEmbedding);
  for (int64_t v : {23, 24})
    r.add("", "Attention", v, importAttention);
  r.add("com.microsoft", "Attention", 1, importContribAttention);
}

} // namespace tessera::onnx_frontend
