//===- FuseRotary.cpp - rotary embeddings into tessera.rotary_embedding ---===//
//
// Candidates: every concat of two pieces of size 1 along the last axis (the
// stack that closes an interleaved rotation). llama2.c's form, on
// x [B, S, H, D] (or [B, H, S, D]) with cos/sin [S, D/2] reshaped to
// broadcast:
//
//   x5 = reshape(x -> [..., D/2, 2])
//   re = x5[..., 0]          im = x5[..., 1]
//   out_re = re·cos − im·sin     out_im = re·sin + im·cos
//   y = reshape(concat(out_re[..., None], out_im[..., None]) -> x's shape)
//
// becomes tessera.rotary_embedding(x, cos, sin) interleaved, transposed in
// and out when x is [B, S, H, D] (the canonicalizer cancels those against
// the attention's own transposes).
//
//===----------------------------------------------------------------------===//

#include "passes/FusionMatchers.h"
#include "passes/Passes.h"

#include "mlir/IR/Builders.h"

#include <limits>

namespace tessera {
#define GEN_PASS_DEF_FUSEROTARY
#include "passes/Passes.h.inc"
} // namespace tessera

using namespace mlir;
using namespace tessera;

namespace {

/// True when `v` is a or b times the other, in either order.
bool isProductOf(Value v, Value a, Value b) {
  auto mul = v.getDefiningOp<MulOp>();
  return mul && ((mul.getLhs() == a && mul.getRhs() == b) ||
                 (mul.getLhs() == b && mul.getRhs() == a));
}

/// reshape(slice(x5, [..., k:k+1])) -> x5, with `k` returned.
Value halfOf(Value v, int64_t &k) {
  auto drop = v.getDefiningOp<ReshapeOp>();
  auto slice = drop ? drop.getInput().getDefiningOp<SliceOp>() : nullptr;
  if (!slice || !slice.getDynamicStarts().empty() ||
      !slice.getDynamicEnds().empty())
    return Value();
  int64_t rank = cast<RankedTensorType>(slice.getType()).getRank();
  for (int64_t d = 0; d + 1 < rank; ++d)
    if (slice.getStarts()[d] != 0 ||
        slice.getEnds()[d] != std::numeric_limits<int64_t>::max() ||
        slice.getSteps()[d] != 1)
      return Value();
  k = slice.getStarts()[rank - 1];
  if (slice.getEnds()[rank - 1] != k + 1 || slice.getSteps()[rank - 1] != 1)
    return Value();
  return slice.getInput();
}

/// The rank-2 [S, half] table that `v` broadcasts (reshape to rank 4).
Value tableOf(Value v, int64_t &seqAxis) {
  auto reshape = v.getDefiningOp<ReshapeOp>();
  if (!reshape)
    return Value();
  auto source = cast<RankedTensorType>(reshape.getInput().getType());
  auto shape = cast<RankedTensorType>(reshape.getType()).getShape();
  if (source.getRank() != 2 || shape.size() != 4 || shape[0] != 1)
    return Value();
  // [1, S, 1, half]: x is [B, S, H, D]; [1, 1, S, half]: x is [B, H, S, D].
  seqAxis = shape[2] == 1 ? 1 : shape[1] == 1 ? 2 : -1;
  return seqAxis < 0 ? Value() : reshape.getInput();
}

struct RotaryMatch {
  ReshapeOp split; // x -> [.., heads, half, 2]
  SmallVector<tensor::DimOp> dims; // batch/sequence sizes of intermediates
  Value cos, sin;
  int64_t seqAxis;
  Operation *root;
  llvm::SetVector<Operation *> ops;
};

FailureOr<RotaryMatch> matchRotary(ConcatOp cat, std::string &reason) {
  auto fail = [&](const Twine &why) {
    reason = why.str();
    return failure();
  };
  RotaryMatch match;
  match.ops.insert(cat);
  auto pieceOf = [&](Value piece) -> Value {
    auto lift = piece.getDefiningOp<ReshapeOp>();
    if (!lift)
      return Value();
    match.ops.insert(lift);
    return lift.getInput();
  };
  Value outRe = pieceOf(cat.getInputs()[0]), outIm = pieceOf(cat.getInputs()[1]);
  auto sub = outRe ? outRe.getDefiningOp<SubOp>() : nullptr;
  auto add = outIm ? outIm.getDefiningOp<AddOp>() : nullptr;
  if (!sub || !add)
    return fail("the pair is not (a - b, c + d) lifted to a trailing axis");
  match.ops.insert(sub);
  match.ops.insert(add);
  // re·cos − im·sin: find which factor is the real half.
  Value re, im, cos, sin;
  int64_t kRe = -1, kIm = -1;
  for (Operation *term : {sub.getLhs().getDefiningOp(), sub.getRhs().getDefiningOp()}) {
    auto mul = dyn_cast_or_null<MulOp>(term);
    if (!mul)
      return fail("re·cos − im·sin is not a difference of products");
    match.ops.insert(mul);
    bool first = term == sub.getLhs().getDefiningOp();
    for (auto [half, table] : {std::pair(mul.getLhs(), mul.getRhs()),
                               std::pair(mul.getRhs(), mul.getLhs())}) {
      int64_t k;
      if (Value x5 = halfOf(half, k)) {
        (first ? re : im) = half;
        (first ? cos : sin) = table;
        (first ? kRe : kIm) = k;
        break;
      }
    }
  }
  if (!re || !im || kRe != 0 || kIm != 1)
    return fail("the products are not of the even and odd elements");
  int64_t unused;
  Value x5 = halfOf(re, unused);
  if (halfOf(im, unused) != x5)
    return fail("the even and odd elements come from different tensors");
  if (!isProductOf(add.getLhs(), re, sin) && !isProductOf(add.getLhs(), im, cos))
    return fail("re·sin + im·cos does not use the same halves and tables");
  if (!(isProductOf(add.getLhs(), re, sin) && isProductOf(add.getRhs(), im, cos)) &&
      !(isProductOf(add.getLhs(), im, cos) && isProductOf(add.getRhs(), re, sin)))
    return fail("re·sin + im·cos does not use the same halves and tables");
  match.ops.insert(add.getLhs().getDefiningOp());
  match.ops.insert(add.getRhs().getDefiningOp());
  for (Value half : {re, im}) {
    match.ops.insert(half.getDefiningOp());
    match.ops.insert(half.getDefiningOp()->getOperand(0).getDefiningOp());
  }
  auto split = x5.getDefiningOp<ReshapeOp>();
  auto pairsType = cast<RankedTensorType>(x5.getType());
  if (!split || pairsType.getRank() != 5 || pairsType.isDynamicDim(3) ||
      pairsType.isDynamicDim(2))
    return fail("the pairs are not a reshape of the input to [.., heads, "
                "half, 2]");
  match.ops.insert(split);
  match.split = split;
  SmallVector<tensor::DimOp> catDims;
  SmallVector<Operation *> users = nonShapeUsers(cat.getResult(), catDims);
  auto flat = users.size() == 1 ? dyn_cast<ReshapeOp>(users.front()) : nullptr;
  if (!flat)
    return fail("the rotated pairs are not flattened back");
  match.ops.insert(flat);
  match.root = flat;
  int64_t seqCos, seqSin;
  match.cos = tableOf(cos, seqCos);
  match.sin = tableOf(sin, seqSin);
  if (!match.cos || !match.sin || seqCos != seqSin)
    return fail("cos and sin are not [sequence, half] tables broadcast "
                "over batch and heads");
  match.seqAxis = seqCos;
  if (cast<RankedTensorType>(match.cos.getType()).getDimSize(1) !=
      pairsType.getDimSize(3))
    return fail("the tables do not have one column per pair");
  // Every intermediate keeps the split input's first two dimensions, so
  // sizes asked of them there (the reshapes' batch and sequence) are the
  // split input's; any other outside use stops the match.
  for (Operation *op : match.ops) {
    if (op == match.root)
      continue;
    for (Operation *user : op->getUsers()) {
      if (match.ops.contains(user))
        continue;
      auto dim = dyn_cast<tensor::DimOp>(user);
      std::optional<int64_t> index =
          dim ? dim.getConstantIndex() : std::optional<int64_t>();
      if (!index || *index > 1)
        return fail("an intermediate value has a user outside the rotation");
      match.dims.push_back(dim);
    }
  }
  return match;
}

struct FuseRotaryPass : public tessera::impl::FuseRotaryBase<FuseRotaryPass> {
  using FuseRotaryBase::FuseRotaryBase;

  void runOnOperation() override {
    SmallVector<ConcatOp> candidates;
    getOperation().walk([&](ConcatOp cat) {
      auto type = cast<RankedTensorType>(cat.getType());
      bool pairs = cat.getInputs().size() == 2 &&
                   static_cast<int64_t>(cat.getAxis()) == type.getRank() - 1 &&
                   llvm::all_of(cat.getInputs(), [](Value v) {
                     auto t = cast<RankedTensorType>(v.getType());
                     return t.getDimSize(t.getRank() - 1) == 1;
                   });
      if (pairs)
        candidates.push_back(cat);
    });
    for (ConcatOp cat : candidates) {
      ++numCandidates;
      std::string reason;
      FailureOr<RotaryMatch> match = matchRotary(cat, reason);
      if (remarks)
        remarkCandidate(cat, "rotary_embedding", succeeded(match), reason);
      if (failed(match))
        continue;
      replace(*match, cat.getLoc());
      eraseDeadPatternOps(match->ops);
      ++numFused;
    }
  }

  void replace(RotaryMatch &match, Location loc) {
    OpBuilder builder(match.root);
    auto swap = [&](Value v) -> Value {
      auto t = cast<RankedTensorType>(v.getType());
      SmallVector<int64_t> shape = {t.getDimSize(0), t.getDimSize(2),
                                    t.getDimSize(1), t.getDimSize(3)};
      return TransposeOp::create(
          builder, loc, RankedTensorType::get(shape, t.getElementType()), v,
          builder.getDenseI64ArrayAttr({0, 2, 1, 3}));
    };
    // x as [B, S, H, D] (or [B, H, S, D]): the split's sizes, pairs joined;
    // its run-time sizes are the leading ones, the split's.
    auto pairs = cast<RankedTensorType>(match.split.getType());
    SmallVector<int64_t> shape(pairs.getShape().take_front(3));
    shape.push_back(pairs.getDimSize(3) * 2);
    Value x = ReshapeOp::create(
        builder, loc, RankedTensorType::get(shape, pairs.getElementType()),
        match.split.getInput(), match.split.getDynamicDims());
    // The op rotates [B, H, S, D].
    Value input = match.seqAxis == 1 ? swap(x) : x;
    Value rotated = RotaryEmbeddingOp::create(
        builder, loc, input, match.cos, match.sin, /*positions=*/Value(),
        builder.getUnitAttr(), /*rotary_dim=*/IntegerAttr());
    if (match.seqAxis == 1)
      rotated = swap(rotated);
    // Back to the shape the graph flattened the pairs to.
    auto flat = cast<ReshapeOp>(match.root);
    if (flat.getType() != rotated.getType())
      rotated = ReshapeOp::create(builder, loc, flat.getType(), rotated,
                                  flat.getDynamicDims());
    match.root->getResult(0).replaceAllUsesWith(rotated);
    for (tensor::DimOp dim : match.dims) {
      OpBuilder at(dim);
      dim.replaceAllUsesWith(
          tensor::DimOp::create(at, dim.getLoc(), match.split.getInput(),
                                *dim.getConstantIndex())
              .getResult());
      dim.erase();
    }
  }
};

} // namespace
