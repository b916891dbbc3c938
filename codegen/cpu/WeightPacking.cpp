//===- WeightPacking.cpp - matmul weights in the kernels' layout ----------===//

#include "codegen/cpu/WeightPacking.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/DialectResourceBlobManager.h"

using namespace mlir;

namespace tessera::cpu {
namespace {

/// A matmul to pack: the positions of its n and k loops and its weight.
struct Candidate {
  linalg::GenericOp op;
  unsigned n, k;
  unsigned weightOperand;
  arith::ConstantOp weight;
};

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
    auto weight = op.getDpsInputOperand(operand)->get().getDefiningOp<arith::ConstantOp>();
    if (!weight)
      continue;
    auto type = cast<RankedTensorType>(weight.getType());
    AffineMap map = op.getMatchingIndexingMap(op.getDpsInputOperand(operand));
    bool rowMajor = type.getRank() == 2 && map.getNumResults() == 2 &&
                    map.getResult(0) == getAffineDimExpr(k, op.getContext()) &&
                    map.getResult(1) == getAffineDimExpr(n, op.getContext());
    if (!rowMajor || !type.hasStaticShape() || type.getDimSize(1) % kPanelWidth != 0 ||
        !weightData(weight))
      continue;
    // The output's last index must be n, so that it splits into panels.
    AffineMap out = op.getMatchingIndexingMap(op.getDpsInitOperand(0));
    if (out.getNumResults() == 0 ||
        out.getResults().back() != getAffineDimExpr(n, op.getContext()))
      return std::nullopt;
    return Candidate{op, n, k, operand, weight};
  }
  return std::nullopt;
}

/// P[nb, k, ni] = B[k, nb * w + ni].
arith::ConstantOp packWeight(OpBuilder &b, arith::ConstantOp weight) {
  auto type = cast<RankedTensorType>(weight.getType());
  int64_t K = type.getDimSize(0), N = type.getDimSize(1);
  ArrayRef<float> data = *weightData(weight);
  AsmResourceBlob blob = HeapAsmResourceBlob::allocate(data.size() * sizeof(float),
                                                       alignof(float));
  float *packed = reinterpret_cast<float *>(blob.getMutableData().data());
  for (int64_t nb = 0; nb < N / kPanelWidth; ++nb)
    for (int64_t k = 0; k < K; ++k)
      for (int64_t ni = 0; ni < kPanelWidth; ++ni)
        packed[(nb * K + k) * kPanelWidth + ni] = data[k * N + nb * kPanelWidth + ni];
  auto packedType = RankedTensorType::get({N / kPanelWidth, K, kPanelWidth},
                                          type.getElementType());
  auto attr = DenseResourceElementsAttr::get(packedType, "packed_weight", std::move(blob));
  return arith::ConstantOp::create(b, weight.getLoc(), packedType, attr);
}

void rewrite(const Candidate &c, DenseMap<Operation *, arith::ConstantOp> &packedOf) {
  linalg::GenericOp op = c.op;
  MLIRContext *ctx = op.getContext();
  OpBuilder b(op);
  Location loc = op.getLoc();
  arith::ConstantOp &packed = packedOf[c.weight];
  if (!packed) {
    OpBuilder cb(c.weight);
    packed = packWeight(cb, c.weight);
  }

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
  SmallVector<int64_t> panelShape(initType.getShape().drop_back());
  panelShape.push_back(initType.getShape().back() / kPanelWidth);
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
  Value panelInit = tensor::ExpandShapeOp::create(b, loc, panelType, init, groups, panelSizes);

  SmallVector<Value> inputs{op.getDpsInputOperand(0)->get(), op.getDpsInputOperand(1)->get()};
  inputs[c.weightOperand] = packed;
  auto packedOp = linalg::GenericOp::create(b, loc, TypeRange{panelType}, inputs,
                                            ValueRange{panelInit}, maps, iterators);
  packedOp.getRegion().takeBody(op.getRegion());
  Value result = tensor::CollapseShapeOp::create(b, loc, initType, packedOp.getResult(0),
                                                 groups);
  op.getResult(0).replaceAllUsesWith(result);
  op.erase();
}

} // namespace

LogicalResult packMatmulWeights(ModuleOp module) {
  // Named matmuls with a constant right-hand side become generics first.
  SmallVector<linalg::MatmulOp> named;
  module.walk([&](linalg::MatmulOp op) {
    if (op.getDpsInputOperand(1)->get().getDefiningOp<arith::ConstantOp>())
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
  DenseMap<Operation *, arith::ConstantOp> packedOf;
  for (const Candidate &c : candidates)
    rewrite(c, packedOf);
  for (auto [weight, packed] : packedOf)
    if (weight->use_empty())
      weight->erase();
  return success();
}

} // namespace tessera::cpu
