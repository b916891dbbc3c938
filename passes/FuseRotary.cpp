//===- FuseRotary.cpp - rotary embeddings into tessera.rotary_embedding ---===//
//
// Candidates: every concat, along the last axis, of a rotated pair: the
// real parts re·cos − im·sin and the imaginary parts re·sin + im·cos of a
// tensor x ([B, S, H, D] or [B, H, S, D]), whichever way the exporter took
// its pairs:
//
//   contiguous halves   re = x[..., :D/2]    im = x[..., D/2:]   concat
//   strided (ONNX)      re = x[..., 0::2]    im = x[..., 1::2]   stack
//   llama2.c            re, im = reshape(x, [..., D/2, 2])[..., 0|1]  stack
//
// (a stack is a concat of the pieces lifted to a trailing axis, flattened
// back). A following concat with x[..., rotary_dim:] is the pass-through of
// a partial rotation. cos/sin are [S, D/2] or [B, S, D/2] tables (or
// caches gathered by position ids) broadcast over the heads. The whole
// becomes tessera.rotary_embedding, transposed in and out for [B, S, H, D]
// (the canonicalizer cancels those against neighbouring transposes).
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

constexpr int64_t kEnd = std::numeric_limits<int64_t>::max();

/// True when `v` is a or b times the other, in either order.
bool isProductOf(Value v, Value a, Value b) {
  auto mul = v.getDefiningOp<MulOp>();
  return mul && ((mul.getLhs() == a && mul.getRhs() == b) ||
                 (mul.getLhs() == b && mul.getRhs() == a));
}

enum class PairKind { Contiguous, Strided, Reshaped };

/// Where one half of the pairs comes from.
struct Half {
  PairKind kind;
  Value source;   // x (4-D) or, for Reshaped, x viewed as [..., D/2, 2]
  int64_t offset; // 0 for re; D/2 (Contiguous) or 1 for im
};

/// A slice along the last axis only (static bounds), or null.
SliceOp lastAxisSlice(Value v) {
  auto slice = v.getDefiningOp<SliceOp>();
  if (!slice || !slice.getDynamicStarts().empty() ||
      !slice.getDynamicEnds().empty())
    return nullptr;
  int64_t rank = cast<RankedTensorType>(slice.getType()).getRank();
  for (int64_t d = 0; d + 1 < rank; ++d)
    if (slice.getStarts()[d] != 0 || slice.getEnds()[d] != kEnd ||
        slice.getSteps()[d] != 1)
      return nullptr;
  return slice;
}

std::optional<Half> classifyHalf(Value v) {
  if (SliceOp slice = lastAxisSlice(v)) {
    int64_t rank = cast<RankedTensorType>(slice.getType()).getRank();
    int64_t start = slice.getStarts()[rank - 1];
    int64_t step = slice.getSteps()[rank - 1];
    if (step == 2 && (start == 0 || start == 1))
      return Half{PairKind::Strided, slice.getInput(), start};
    if (step == 1)
      return Half{PairKind::Contiguous, slice.getInput(), start};
    return std::nullopt;
  }
  // llama2.c: reshape(slice(x5, [..., k:k+1])) drops the pair axis.
  if (auto drop = v.getDefiningOp<ReshapeOp>())
    if (SliceOp slice = lastAxisSlice(drop.getInput())) {
      int64_t rank = cast<RankedTensorType>(slice.getType()).getRank();
      int64_t k = slice.getStarts()[rank - 1];
      if (rank == 5 && slice.getEnds()[rank - 1] == k + 1 &&
          slice.getSteps()[rank - 1] == 1)
        return Half{PairKind::Reshaped, slice.getInput(), k};
    }
  return std::nullopt;
}

struct Table {
  Value table;     // [S, half], [B, S, half], or a cache with positions
  Value positions; // [B, S] ids into a [max, half] cache, or null
  int64_t seqAxis; // of the 4-D layout: 1 ([B, S, H, D]) or 2 ([B, H, S, D])
};

/// cos or sin: a reshape that inserts the heads axis into a table.
std::optional<Table> tableOf(Value v) {
  auto reshape = v.getDefiningOp<ReshapeOp>();
  if (!reshape)
    return std::nullopt;
  Value source = reshape.getInput();
  auto from = cast<RankedTensorType>(source.getType());
  auto shape = cast<RankedTensorType>(reshape.getType()).getShape();
  if (shape.size() != 4 || (from.getRank() != 2 && from.getRank() != 3))
    return std::nullopt;
  if (from.getRank() == 2 && shape[0] != 1)
    return std::nullopt;
  Table table;
  table.seqAxis = shape[2] == 1 && shape[1] != 1   ? 1
                  : shape[1] == 1 && shape[2] != 1 ? 2
                  : shape[2] == 1                  ? 1
                                                   : -1;
  if (table.seqAxis < 0)
    return std::nullopt;
  table.table = source;
  if (auto gather = source.getDefiningOp<GatherOp>())
    if (gather.getAxis() == 0 &&
        cast<RankedTensorType>(gather.getInput().getType()).getRank() == 2 &&
        cast<RankedTensorType>(gather.getIndices().getType()).getRank() == 2) {
      table.table = gather.getInput();
      table.positions = gather.getIndices();
    }
  return table;
}

struct RotaryMatch {
  PairKind kind;
  Value source;        // x, or x viewed as [..., D/2, 2] (Reshaped)
  int64_t half;
  Table cos, sin;
  int64_t rotaryDim = 0; // 0: the whole head
  Operation *root;
  llvm::SetVector<Operation *> ops;
  SmallVector<tensor::DimOp> dims; // batch/sequence sizes of intermediates
};

FailureOr<RotaryMatch> matchRotary(ConcatOp cat, std::string &reason) {
  auto fail = [&](const Twine &why) {
    reason = why.str();
    return failure();
  };
  RotaryMatch match;
  match.ops.insert(cat);
  // The real and imaginary parts, lifted to a trailing axis for a stack.
  Value outRe = cat.getInputs()[0], outIm = cat.getInputs()[1];
  bool stacked = outRe.getDefiningOp<ReshapeOp>() != nullptr;
  if (stacked) {
    auto liftRe = outRe.getDefiningOp<ReshapeOp>();
    auto liftIm = outIm.getDefiningOp<ReshapeOp>();
    if (!liftIm)
      return fail("only one of the pair is lifted to a trailing axis");
    match.ops.insert(liftRe);
    match.ops.insert(liftIm);
    outRe = liftRe.getInput();
    outIm = liftIm.getInput();
  }
  auto sub = outRe.getDefiningOp<SubOp>();
  auto add = outIm.getDefiningOp<AddOp>();
  if (!sub || !add)
    return fail("the pair is not (a - b, c + d)");
  match.ops.insert(sub);
  match.ops.insert(add);
  // re·cos − im·sin: the factor that is a half of x is re (or im).
  Value re, im, cos, sin;
  std::optional<Half> reHalf, imHalf;
  for (Value term : {sub.getLhs(), sub.getRhs()}) {
    auto mul = term.getDefiningOp<MulOp>();
    if (!mul)
      return fail("re·cos − im·sin is not a difference of products");
    match.ops.insert(mul);
    bool first = term == sub.getLhs();
    for (auto [half, table] : {std::pair(mul.getLhs(), mul.getRhs()),
                               std::pair(mul.getRhs(), mul.getLhs())})
      if (std::optional<Half> h = classifyHalf(half)) {
        (first ? re : im) = half;
        (first ? cos : sin) = table;
        (first ? reHalf : imHalf) = h;
        break;
      }
  }
  if (!reHalf || !imHalf || reHalf->kind != imHalf->kind ||
      reHalf->source != imHalf->source || reHalf->offset != 0)
    return fail("the products are not of two halves of one tensor");
  auto halfType = cast<RankedTensorType>(re.getType());
  if (halfType.getRank() != 4 || halfType.isDynamicDim(3))
    return fail("the halves are not 4-D with a static size");
  match.half = halfType.getDimSize(3);
  match.kind = reHalf->kind;
  match.source = reHalf->source;
  int64_t imOffset = match.kind == PairKind::Contiguous ? match.half : 1;
  if (imHalf->offset != imOffset)
    return fail("the second half does not start where the pairs say");
  if (stacked == (match.kind == PairKind::Contiguous))
    return fail(stacked ? "contiguous halves are stacked, not concatenated"
                        : "interleaved pairs are concatenated, not stacked");
  if (!(isProductOf(add.getLhs(), re, sin) && isProductOf(add.getRhs(), im, cos)) &&
      !(isProductOf(add.getLhs(), im, cos) && isProductOf(add.getRhs(), re, sin)))
    return fail("re·sin + im·cos does not use the same halves and tables");
  match.ops.insert(add.getLhs().getDefiningOp());
  match.ops.insert(add.getRhs().getDefiningOp());
  for (Value half : {re, im}) {
    Operation *def = half.getDefiningOp();
    match.ops.insert(def);
    if (match.kind == PairKind::Reshaped)
      match.ops.insert(def->getOperand(0).getDefiningOp());
  }
  std::optional<Table> c = tableOf(cos), s = tableOf(sin);
  if (!c || !s || c->seqAxis != s->seqAxis ||
      (c->positions != s->positions))
    return fail("cos and sin are not tables broadcast over the heads");
  match.cos = *c;
  match.sin = *s;

  // The rotated part: the concat itself, or the flattened stack.
  Operation *rotated = cat;
  if (stacked) {
    SmallVector<tensor::DimOp> ignored;
    SmallVector<Operation *> users = nonShapeUsers(cat.getResult(), ignored);
    auto flat = users.size() == 1 ? dyn_cast<ReshapeOp>(users.front()) : nullptr;
    if (!flat)
      return fail("the stacked pairs are not flattened back");
    match.ops.insert(flat);
    rotated = flat;
  }
  match.root = rotated;
  // A partial rotation passes x[..., rotary_dim:] through.
  SmallVector<tensor::DimOp> ignored;
  SmallVector<Operation *> users = nonShapeUsers(rotated->getResult(0), ignored);
  if (users.size() == 1)
    if (auto joined = dyn_cast<ConcatOp>(users.front());
        joined && joined.getInputs().size() == 2 &&
        joined.getInputs()[0] == rotated->getResult(0) &&
        static_cast<int64_t>(joined.getAxis()) ==
            cast<RankedTensorType>(joined.getType()).getRank() - 1) {
      SliceOp rest = lastAxisSlice(joined.getInputs()[1]);
      int64_t rank = cast<RankedTensorType>(joined.getType()).getRank();
      if (rest && match.kind != PairKind::Reshaped &&
          rest.getInput() == match.source &&
          rest.getStarts()[rank - 1] == 2 * match.half &&
          rest.getSteps()[rank - 1] == 1) {
        match.ops.insert(rest);
        match.ops.insert(joined);
        match.root = joined;
        if (!cast<RankedTensorType>(rest.getType()).isDynamicDim(rank - 1) &&
            cast<RankedTensorType>(rest.getType()).getDimSize(rank - 1) > 0)
          match.rotaryDim = 2 * match.half;
      }
    }
  if (match.kind != PairKind::Reshaped && match.rotaryDim == 0) {
    auto xType = cast<RankedTensorType>(match.source.getType());
    if (xType.getRank() != 4 || xType.getDimSize(3) != 2 * match.half)
      return fail("part of the head is neither rotated nor passed through");
  }
  // Every intermediate keeps x's first two dimensions, so sizes asked of
  // them there are x's; any other outside use stops the match.
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
      if (cat.getInputs().size() != 2 ||
          static_cast<int64_t>(cat.getAxis()) != type.getRank() - 1)
        return;
      // The pair's real part is a difference, lifted or not.
      Value first = cat.getInputs()[0];
      if (auto lift = first.getDefiningOp<ReshapeOp>())
        first = lift.getInput();
      if (first.getDefiningOp<SubOp>())
        candidates.push_back(cat);
    });
    for (ConcatOp cat : candidates) {
      ++numCandidates;
      std::string reason;
      FailureOr<RotaryMatch> match = matchRotary(cat, reason);
      Operation *rotary = nullptr;
      if (succeeded(match))
        rotary = build(*match, cat.getLoc(), reason);
      if (remarks)
        remarkCandidate(cat, "rotary_embedding", rotary != nullptr, reason);
      if (!rotary)
        continue;
      eraseDeadPatternOps(match->ops);
      ++numFused;
    }
  }

  Operation *build(RotaryMatch &match, Location loc, std::string &reason) {
    OpBuilder builder(match.root);
    auto swap = [&](Value v) -> Value {
      auto t = cast<RankedTensorType>(v.getType());
      SmallVector<int64_t> shape = {t.getDimSize(0), t.getDimSize(2),
                                    t.getDimSize(1), t.getDimSize(3)};
      return TransposeOp::create(
          builder, loc, RankedTensorType::get(shape, t.getElementType()), v,
          builder.getDenseI64ArrayAttr({0, 2, 1, 3}));
    };
    Value x = match.source;
    if (match.kind == PairKind::Reshaped) {
      // x viewed as [..., D/2, 2]: the same elements as [..., D].
      auto split = match.source.getDefiningOp<ReshapeOp>();
      if (!split) {
        reason = "the pairs are not a reshape of the input";
        return nullptr;
      }
      auto pairs = cast<RankedTensorType>(match.source.getType());
      SmallVector<int64_t> shape(pairs.getShape().take_front(3));
      shape.push_back(pairs.getDimSize(3) * 2);
      x = ReshapeOp::create(builder, loc,
                            RankedTensorType::get(shape, pairs.getElementType()),
                            split.getInput(), split.getDynamicDims());
    }
    // The op rotates [B, H, S, D].
    Value input = match.cos.seqAxis == 1 ? swap(x) : x;
    OperationState state(loc, RotaryEmbeddingOp::getOperationName());
    state.addOperands({input, match.cos.table, match.sin.table});
    if (match.cos.positions)
      state.addOperands(match.cos.positions);
    if (match.kind != PairKind::Contiguous)
      state.addAttribute("interleaved", builder.getUnitAttr());
    if (match.rotaryDim)
      state.addAttribute("rotary_dim", builder.getI64IntegerAttr(match.rotaryDim));
    state.addTypes(input.getType());
    Operation *rotary = createVerified(builder, state, reason);
    if (!rotary)
      return nullptr;
    Value rotated = rotary->getResult(0);
    if (match.cos.seqAxis == 1)
      rotated = swap(rotated);
    Type expected = match.root->getResult(0).getType();
    if (rotated.getType() != expected) {
      auto flat = dyn_cast<ReshapeOp>(match.root);
      if (!flat) {
        reason = "the rotation does not keep the input's shape";
        return nullptr;
      }
      rotated = ReshapeOp::create(builder, loc, expected, rotated,
                                  flat.getDynamicDims());
    }
    match.root->getResult(0).replaceAllUsesWith(rotated);
    Value base = match.kind == PairKind::Reshaped
                     ? match.source.getDefiningOp()->getOperand(0)
                     : match.source;
    for (tensor::DimOp dim : match.dims) {
      OpBuilder at(dim);
      dim.replaceAllUsesWith(tensor::DimOp::create(at, dim.getLoc(), base,
                                                   *dim.getConstantIndex())
                                 .getResult());
      dim.erase();
    }
    return rotary;
  }
};

} // namespace
