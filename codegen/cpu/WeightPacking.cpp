//===- WeightPacking.cpp - matmul weights in the kernels' layout ----------===//

#include "codegen/cpu/WeightPacking.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Matchers.h"

using namespace mlir;

namespace tessera::cpu {
namespace {

/// A matmul to pack: the positions of its n and k loops and its weight.
struct Candidate {
  linalg::GenericOp op;
  unsigned n, k;
  unsigned weightOperand;
  arith::ConstantOp weight;
  /// The weight is stored [N, K] (a tied embedding used as the LM head).
  bool transposed;
};

int64_t panelCount(int64_t n) { return llvm::divideCeil(n, kPanelWidth); }

/// Narrower weights whose width is not a multiple of the panel width are
/// left unpacked: the padding would be more than an eighth of the work.
constexpr int64_t kMinPaddedColumns = 8 * kPanelWidth;

/// The raw f32 data of a constant [K, N] weight, when it has any (splats and
/// other encodings are left alone).
std::optional<ArrayRef<float>> weightData(arith::ConstantOp constant) {
  auto resource = dyn_cast<DenseResourceElementsAttr>(constant.getValue());
  if (!resource)
    return std::nullopt;
  AsmResourceBlob *blob = resource.getRawHandle().getBlob();
  auto type = cast<RankedTensorType>(resource.getType());
  if (!blob || !type.getElementType().isF32() ||
      blob->getData().size() != size_t(type.getNumElements()) * sizeof(float))
    return std::nullopt;
  return ArrayRef<float>(reinterpret_cast<const float *>(blob->getData().data()),
                         type.getNumElements());
}

std::optional<Candidate> matchCandidate(linalg::GenericOp op) {
  if (!linalg::isaContractionOpInterface(op) || op.getNumDpsInputs() != 2 ||
      op.getNumDpsInits() != 1)
    return std::nullopt;
  FailureOr<linalg::ContractionDimensions> dims = linalg::inferContractionDims(op);
  if (failed(dims) || dims->n.size() != 1 || dims->k.size() != 1)
    return std::nullopt;
  unsigned n = dims->n[0], k = dims->k[0];
  for (unsigned operand = 0; operand < 2; ++operand) {
    // A weight transposed in the graph (Gemm's transB) is packed from the
    // stored one: the transpose is never run.
    Value value = op.getDpsInputOperand(operand)->get();
    auto transpose = value.getDefiningOp<linalg::TransposeOp>();
    bool viaTranspose = transpose && transpose.getPermutation() == ArrayRef<int64_t>{1, 0};
    if (viaTranspose)
      value = transpose.getInput();
    auto weight = value.getDefiningOp<arith::ConstantOp>();
    if (!weight)
      continue;
    auto type = cast<RankedTensorType>(weight.getType());
    AffineMap map = op.getMatchingIndexingMap(op.getDpsInputOperand(operand));
    AffineExpr kExpr = getAffineDimExpr(k, op.getContext()),
               nExpr = getAffineDimExpr(n, op.getContext());
    if (type.getRank() != 2 || map.getNumResults() != 2 || !type.hasStaticShape() ||
        !weightData(weight))
      continue;
    bool transposed = map.getResult(0) == nExpr && map.getResult(1) == kExpr;
    if (!transposed && (map.getResult(0) != kExpr || map.getResult(1) != nExpr))
      continue;
    transposed ^= viaTranspose;
    // A partial last panel is padded with zeros; the matmul then computes
    // into panels from a zero fill and the result is cut back to N.
    // (Only when the padding costs under an eighth of the work.)
    int64_t columns = type.getDimSize(transposed ? 0 : 1);
    if (columns % kPanelWidth != 0 &&
        (columns < kMinPaddedColumns ||
         !matchPattern(op.getDpsInitOperand(0)->get(), m_Op<linalg::FillOp>())))
      continue;
    // The output's last index must be n, so that it splits into panels.
    AffineMap out = op.getMatchingIndexingMap(op.getDpsInitOperand(0));
    if (out.getNumResults() == 0 ||
        out.getResults().back() != getAffineDimExpr(n, op.getContext()))
      return std::nullopt;
    return Candidate{op, n, k, operand, weight, transposed};
  }
  return std::nullopt;
}

/// P[nb, k, ni] = B[k, nb * w + ni] (B[nb * w + ni, k] when transposed),
/// 0 past N.
arith::ConstantOp packWeight(OpBuilder &b, arith::ConstantOp weight, bool transposed) {
  auto type = cast<RankedTensorType>(weight.getType());
  int64_t K = type.getDimSize(transposed ? 1 : 0), N = type.getDimSize(transposed ? 0 : 1);
  int64_t panels = panelCount(N);
  ArrayRef<float> data = *weightData(weight);
  AsmResourceBlob blob = HeapAsmResourceBlob::allocate(
      size_t(panels * K * kPanelWidth) * sizeof(float), alignof(float));
  float *packed = reinterpret_cast<float *>(blob.getMutableData().data());
  for (int64_t nb = 0; nb < panels; ++nb)
    for (int64_t k = 0; k < K; ++k)
      for (int64_t ni = 0; ni < kPanelWidth; ++ni) {
        int64_t n = nb * kPanelWidth + ni;
        packed[(nb * K + k) * kPanelWidth + ni] =
            n >= N ? 0.0f : transposed ? data[n * K + k] : data[k * N + n];
      }
  auto packedType = RankedTensorType::get({panels, K, kPanelWidth}, type.getElementType());
  auto attr = DenseResourceElementsAttr::get(packedType, "packed_weight", std::move(blob));
  return arith::ConstantOp::create(b, weight.getLoc(), packedType, attr);
}

/// Packed weights by the data they were packed from: one weight used in
/// several functions (main, prefill, decode) is packed, and stored, once.
using PackedWeights = DenseMap<std::pair<const float *, int>, Attribute>;

void rewrite(const Candidate &c, PackedWeights &packedOf) {
  linalg::GenericOp op = c.op;
  MLIRContext *ctx = op.getContext();
  OpBuilder b(op);
  Location loc = op.getLoc();
  arith::ConstantOp weight = c.weight;
  Attribute &packedAttr = packedOf[{weightData(weight)->data(), int(c.transposed)}];
  OpBuilder cb(weight);
  arith::ConstantOp packed =
      packedAttr ? arith::ConstantOp::create(cb, weight.getLoc(), cast<TypedAttr>(packedAttr))
                 : packWeight(cb, weight, c.transposed);
  packedAttr = packed.getValue();

  // New loops: the old ones with ni inserted right after n (which becomes nb).
  unsigned oldLoops = op.getNumLoops();
  auto shift = [&](unsigned d) { return d > c.n ? d + 1 : d; };
  SmallVector<AffineExpr> dimMap;
  for (unsigned d = 0; d < oldLoops; ++d)
    dimMap.push_back(getAffineDimExpr(shift(d), ctx));
  auto remap = [&](AffineMap map) {
    return map.replaceDimsAndSymbols(dimMap, {}, oldLoops + 1, 0);
  };
  AffineExpr nb = getAffineDimExpr(c.n, ctx), ni = getAffineDimExpr(c.n + 1, ctx);
  AffineExpr k = getAffineDimExpr(shift(c.k), ctx);

  SmallVector<AffineMap> maps;
  unsigned other = 1 - c.weightOperand;
  AffineMap otherMap = remap(op.getMatchingIndexingMap(op.getDpsInputOperand(other)));
  AffineMap weightMap = AffineMap::get(oldLoops + 1, 0, {nb, k, ni}, ctx);
  maps.push_back(c.weightOperand == 0 ? weightMap : otherMap);
  maps.push_back(c.weightOperand == 0 ? otherMap : weightMap);
  AffineMap outMap = remap(op.getMatchingIndexingMap(op.getDpsInitOperand(0)));
  SmallVector<AffineExpr> outExprs(outMap.getResults().drop_back());
  outExprs.push_back(nb);
  outExprs.push_back(ni);
  maps.push_back(AffineMap::get(oldLoops + 1, 0, outExprs, ctx));

  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  iterators.insert(iterators.begin() + c.n + 1, utils::IteratorType::parallel);

  // The output viewed as panels, and the result viewed back.
  Value init = op.getDpsInitOperand(0)->get();
  auto initType = cast<RankedTensorType>(init.getType());
  int64_t rank = initType.getRank();
  int64_t columns = initType.getShape().back();
  bool padded = columns % kPanelWidth != 0;
  SmallVector<int64_t> panelShape(initType.getShape().drop_back());
  panelShape.push_back(panelCount(columns));
  panelShape.push_back(kPanelWidth);
  SmallVector<ReassociationIndices> groups;
  for (int64_t d = 0; d < rank - 1; ++d)
    groups.push_back({d});
  groups.push_back({rank - 1, rank});
  auto panelType = RankedTensorType::get(panelShape, initType.getElementType());
  SmallVector<OpFoldResult> panelSizes;
  for (int64_t d = 0; d < rank - 1; ++d)
    panelSizes.push_back(initType.isDynamicDim(d)
                             ? OpFoldResult(tensor::DimOp::create(b, loc, init, d).getResult())
                             : OpFoldResult(b.getIndexAttr(initType.getDimSize(d))));
  panelSizes.push_back(b.getIndexAttr(panelShape[rank - 1]));
  panelSizes.push_back(b.getIndexAttr(kPanelWidth));
  Value panelInit;
  if (padded) {
    // A fill of the panels, padding included (matchCandidate checked that
    // the init is a fill).
    auto fill = init.getDefiningOp<linalg::FillOp>();
    SmallVector<Value> dynamic;
    for (OpFoldResult size : panelSizes)
      if (auto v = dyn_cast<Value>(size))
        dynamic.push_back(v);
    Value empty = tensor::EmptyOp::create(b, loc, panelShape, initType.getElementType(), dynamic);
    panelInit = linalg::FillOp::create(b, loc, fill.getInputs(), ValueRange{empty}).getResult(0);
  } else {
    panelInit = tensor::ExpandShapeOp::create(b, loc, panelType, init, groups, panelSizes);
  }

  SmallVector<Value> inputs{op.getDpsInputOperand(0)->get(), op.getDpsInputOperand(1)->get()};
  inputs[c.weightOperand] = packed;
  auto packedOp = linalg::GenericOp::create(b, loc, TypeRange{panelType}, inputs,
                                            ValueRange{panelInit}, maps, iterators);
  packedOp.getRegion().takeBody(op.getRegion());
  SmallVector<int64_t> flatShape(initType.getShape().drop_back());
  flatShape.push_back(panelShape[rank - 1] * kPanelWidth);
  Value result = tensor::CollapseShapeOp::create(
      b, loc, RankedTensorType::get(flatShape, initType.getElementType()), packedOp.getResult(0),
      groups);
  if (padded) {
    SmallVector<OpFoldResult> offsets(rank, b.getIndexAttr(0)), strides(rank, b.getIndexAttr(1));
    SmallVector<OpFoldResult> sizes(panelSizes.begin(), panelSizes.begin() + rank - 1);
    sizes.push_back(b.getIndexAttr(columns));
    result = tensor::ExtractSliceOp::create(b, loc, initType, result, offsets, sizes, strides);
  }
  op.getResult(0).replaceAllUsesWith(result);
  op.erase();
}

} // namespace

LogicalResult packMatmulWeights(ModuleOp module) {
  // Named matmuls with a constant right-hand side become generics first.
  SmallVector<linalg::MatmulOp> named;
  module.walk([&](linalg::MatmulOp op) {
    Value rhs = op.getDpsInputOperand(1)->get();
    if (auto transpose = rhs.getDefiningOp<linalg::TransposeOp>())
      rhs = transpose.getInput();
    if (rhs.getDefiningOp<arith::ConstantOp>())
      named.push_back(op);
  });
  IRRewriter rewriter(module.getContext());
  for (linalg::MatmulOp op : named) {
    rewriter.setInsertionPoint(op);
    (void)linalg::generalizeNamedOp(rewriter, op);
  }
  SmallVector<Candidate> candidates;
  module.walk([&](linalg::GenericOp op) {
    if (std::optional<Candidate> c = matchCandidate(op))
      candidates.push_back(*c);
  });
  PackedWeights packedOf;
  for (const Candidate &c : candidates)
    rewrite(c, packedOf);
  // The unpacked weights that nothing else reads go (the packed constants
  // are made one per use, and CSE merges them).
  llvm::SmallPtrSet<Operation *, 16> unpacked;
  for (const Candidate &c : candidates)
    unpacked.insert(c.weight);
  for (Operation *weight : unpacked) {
    for (Operation *user : llvm::make_early_inc_range(weight->getUsers()))
      if (isa<linalg::TransposeOp>(user) && user->use_empty())
        user->erase();
    if (weight->use_empty())
      weight->erase();
  }
  return success();
}

} // namespace tessera::cpu
