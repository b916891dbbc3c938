//===- FuseQKV.cpp - matmuls of one input packed into one -----------------===//
//
// Candidates: every value that is the left operand of two or more matmuls
// (plain or fused) with constant 2-D weights. Those with the same epilogue
// (activation; a constant bias on all or none; no residual) become one
// matmul over the weights concatenated along N, sliced back apart:
//
//   q = x·Wq + bq                       qkv = fused_matmul(x, [Wq Wk Wv],
//   k = x·Wk + bk              →                          bias [bq bk bv])
//   v = x·Wv + bv                       q = qkv[..., 0:Nq]
//                                       k = qkv[..., Nq:Nq+Nk]  …
//
// BERT's and Llama's separate Q, K and V projections read the activations
// once instead of three times.
//
//===----------------------------------------------------------------------===//

#include "passes/FusionMatchers.h"
#include "passes/Passes.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/ADT/MapVector.h"

#include <limits>

namespace tessera {
#define GEN_PASS_DEF_FUSEQKV
#include "passes/Passes.h.inc"
} // namespace tessera

using namespace mlir;
using namespace tessera;

namespace {

/// One matmul of a group: its weight, bias and epilogue.
struct Member {
  Operation *op;
  Value weight, bias;
  Activation activation;
};

/// The f32 elements of a constant (inline or a resource blob), if it is one.
std::optional<SmallVector<float>> constantData(Value v) {
  auto constant = v.getDefiningOp<ConstantOp>();
  if (!constant)
    return std::nullopt;
  auto type = cast<RankedTensorType>(constant.getType());
  if (!type.getElementType().isF32() || !type.hasStaticShape())
    return std::nullopt;
  Attribute value = constant.getValue();
  if (auto dense = dyn_cast<DenseFPElementsAttr>(value))
    return SmallVector<float>(dense.getValues<float>());
  if (auto blob = dyn_cast<DenseF32ResourceElementsAttr>(value))
    if (std::optional<ArrayRef<float>> values = blob.tryGetAsArrayRef();
        values && static_cast<int64_t>(values->size()) == type.getNumElements())
      return SmallVector<float>(*values);
  return std::nullopt;
}

/// A constant of `type` holding `data`, as a resource blob like the
/// importers' weights.
Value makeConstant(OpBuilder &builder, Location loc, RankedTensorType type,
                   ArrayRef<float> data) {
  AsmResourceBlob blob = HeapAsmResourceBlob::allocateAndCopyInferAlign(data);
  auto attr = DenseResourceElementsAttr::get(type, "packed_weights",
                                             std::move(blob));
  return ConstantOp::create(builder, loc, type, cast<ElementsAttr>(attr));
}

std::optional<Member> memberOf(Operation *op) {
  if (auto matmul = dyn_cast<MatmulOp>(op))
    return Member{op, matmul.getRhs(), Value(), Activation::none};
  if (auto fused = dyn_cast<FusedMatmulOp>(op); fused && !fused.getResidual())
    return Member{op, fused.getRhs(), fused.getBias(), fused.getActivation()};
  return std::nullopt;
}

struct FuseQKVPass : public tessera::impl::FuseQKVBase<FuseQKVPass> {
  using FuseQKVBase::FuseQKVBase;

  void runOnOperation() override {
    // lhs -> epilogue (2 · activation + has bias) -> members, in program
    // order.
    llvm::MapVector<Value, llvm::MapVector<int, SmallVector<Member>>> groups;
    getOperation().walk([&](Operation *op) {
      std::optional<Member> member = memberOf(op);
      if (!member || !member->weight.getDefiningOp<ConstantOp>() ||
          cast<RankedTensorType>(member->weight.getType()).getRank() != 2)
        return;
      int epilogue = 2 * static_cast<int>(member->activation) +
                     (member->bias ? 1 : 0);
      groups[op->getOperand(0)][epilogue].push_back(*member);
    });
    for (auto &[lhs, byEpilogue] : groups)
      for (auto &[epilogue, members] : byEpilogue) {
        if (members.size() < 2)
          continue;
        ++numCandidates;
        std::string reason;
        // The members are gone once packed: the remark goes on the packed
        // matmul, which has the first member's location.
        Operation *packed = pack(lhs, members, reason);
        if (remarks)
          remarkCandidate(packed ? packed : members.front().op,
                          "packed_matmul", packed != nullptr, reason);
        numPacked += packed ? members.size() : 0;
      }
  }

  /// The packed matmul, or null (with the reason) when nothing changed.
  Operation *pack(Value lhs, ArrayRef<Member> members, std::string &reason) {
    auto firstType = cast<RankedTensorType>(members.front().weight.getType());
    int64_t k = firstType.getDimSize(0);
    SmallVector<SmallVector<float>> weights, biases;
    SmallVector<int64_t> widths;
    for (const Member &m : members) {
      auto type = cast<RankedTensorType>(m.weight.getType());
      if (m.op->getBlock() != members.front().op->getBlock()) {
        reason = "the matmuls are not in one block";
        return nullptr;
      }
      if (type.getDimSize(0) != k) {
        reason = "the weights do not share the reduction size";
        return nullptr;
      }
      std::optional<SmallVector<float>> w = constantData(m.weight);
      if (!w) {
        reason = "a weight is not an f32 constant";
        return nullptr;
      }
      weights.push_back(std::move(*w));
      widths.push_back(type.getDimSize(1));
      if (m.bias) {
        std::optional<SmallVector<float>> b = constantData(m.bias);
        if (!b || static_cast<int64_t>(b->size()) != widths.back()) {
          reason = "a bias is not an f32 constant over N";
          return nullptr;
        }
        biases.push_back(std::move(*b));
      }
    }
    int64_t n = 0;
    for (int64_t w : widths)
      n += w;
    SmallVector<float> packed(k * n), packedBias;
    for (int64_t row = 0; row < k; ++row) {
      int64_t offset = 0;
      for (auto [w, width] : llvm::zip(weights, widths)) {
        std::copy_n(w.begin() + row * width, width,
                    packed.begin() + row * n + offset);
        offset += width;
      }
    }
    for (const SmallVector<float> &b : biases)
      packedBias.append(b.begin(), b.end());

    // The packed matmul goes before the first member, which every member's
    // operands dominate (they are constants or the shared input).
    Operation *first = members.front().op;
    for (const Member &m : members)
      if (m.op->isBeforeInBlock(first))
        first = m.op;
    OpBuilder builder(first);
    Location loc = first->getLoc();
    Type f32 = builder.getF32Type();
    Value weight =
        makeConstant(builder, loc, RankedTensorType::get({k, n}, f32), packed);
    Value bias = members.front().bias
                     ? makeConstant(builder, loc, RankedTensorType::get({n}, f32),
                                    packedBias)
                     : Value();
    auto matmul = FusedMatmulOp::create(
        builder, loc, lhs, weight, bias, /*residual=*/Value(),
        ActivationAttr::get(&getContext(), members.front().activation));
    auto type = cast<RankedTensorType>(matmul.getType());
    int64_t rank = type.getRank();
    int64_t offset = 0;
    SmallVector<Value> parts;
    for (auto [m, width] : llvm::zip(members, widths)) {
      SmallVector<int64_t> starts(rank, 0), steps(rank, 1),
          ends(rank, std::numeric_limits<int64_t>::max());
      starts.back() = offset;
      ends.back() = offset + width;
      offset += width;
      parts.push_back(SliceOp::create(builder, loc, matmul, ValueRange(),
                                      ValueRange(), starts, ends, steps));
    }
    // Each part must stand in for its member exactly (the same static and
    // dynamic dims); otherwise nothing changes.
    for (auto [m, part] : llvm::zip(members, parts))
      if (part.getType() != m.op->getResult(0).getType()) {
        for (Value p : parts)
          p.getDefiningOp()->erase();
        for (Value v : {Value(matmul.getResult()), bias, weight})
          if (v)
            v.getDefiningOp()->erase();
        reason = "a slice of the packed product would not have its "
                 "matmul's type";
        return nullptr;
      }
    for (auto [m, part] : llvm::zip(members, parts))
      m.op->getResult(0).replaceAllUsesWith(part);
    llvm::SetVector<Operation *> old;
    for (const Member &m : members)
      old.insert(m.op);
    eraseDeadPatternOps(old);
    return matmul;
  }
};

} // namespace
