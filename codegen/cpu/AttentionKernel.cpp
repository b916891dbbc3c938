//===- AttentionKernel.cpp - tessera.attention as one flash kernel --------===//
//
// For each workgroup tile (batch b, query head h, block of kQueryBlock query
// rows) and each query row i:
//
//   m = -inf, l = 0, acc[0..Dv) = 0
//   for each block of kKeyBlock keys j (up to i + Skv - Sq + 1 when causal):
//     s[j] = cap(scale * q[i] . k[j]) + mask[i, j]   (boolean masks: -inf;
//            cap(x) = c tanh(x / c) with a softcap c, else x)
//     m' = max(m, max_j s[j]);  c = exp(m - m');  p[j] = exp(s[j] - m')
//     l = l * c + sum_j p[j];  acc = acc * c + sum_j p[j] v[j]
//     m = m'
//   out[i] = acc / l
//
// Only the block's scores live in memory (a kKeyBlock stack buffer). On a
// CPU the kernel works in vectors of `lanes` elements (16 f32 in AVX-512):
// the scores of `lanes` keys at a time (one product vector per key over the
// head dimension, the `lanes` vectors then folded into one vector of sums),
// the block's exponentials a vector of keys at a time, and the accumulator a
// chunk of vectors held in registers while the block's value rows are added.
// A GPU thread computes its row one element at a time (`lanes` = 1).
//
//===----------------------------------------------------------------------===//

#include "codegen/cpu/AttentionKernel.h"

#include "codegen/cpu/KernelPipeline.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;

namespace tessera::cpu {
namespace {

constexpr int64_t kQueryBlock = 16;
constexpr int64_t kKeyBlock = 64;
/// Accumulator vectors kept in registers while a block's values are summed.
constexpr int64_t kAccumulatorVectors = 8;

/// Builds the kernel body with index arithmetic helpers kept short. Values
/// "of lanes" are vectors of `lanes` elements of the compute type, or
/// scalars when `lanes` is 1.
class AttentionBuilder {
public:
  AttentionBuilder(OpBuilder &b, Location loc, Type element, int64_t vectorBits)
      : b(b), loc(loc) {
    // f64 models compute in f64; everything narrower accumulates in f32.
    f32 = element.isF64() ? Type(b.getF64Type()) : Type(b.getF32Type());
    lanes = vectorBits > 0 ? vectorBits / f32.getIntOrFloatBitWidth() : 1;
    fast = arith::FastMathFlagsAttr::get(
        b.getContext(), arith::FastMathFlags::reassoc | arith::FastMathFlags::contract);
  }

  Value idx(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }
  Value fconst(double v) {
    return arith::ConstantOp::create(b, loc, b.getFloatAttr(f32, v));
  }
  Value add(Value x, Value y) { return arith::AddIOp::create(b, loc, x, y); }
  Value sub(Value x, Value y) { return arith::SubIOp::create(b, loc, x, y); }
  Value mul(Value x, Value y) { return arith::MulIOp::create(b, loc, x, y); }
  Value div(Value x, Value y) { return arith::DivUIOp::create(b, loc, x, y); }
  Value rem(Value x, Value y) { return arith::RemUIOp::create(b, loc, x, y); }
  Value min(Value x, Value y) { return arith::MinSIOp::create(b, loc, x, y); }
  Value dim(Value memref, int64_t d) {
    return memref::DimOp::create(b, loc, memref, d);
  }
  Value fadd(Value x, Value y) { return arith::AddFOp::create(b, loc, x, y, fast); }
  Value fmul(Value x, Value y) { return arith::MulFOp::create(b, loc, x, y, fast); }
  Value fsub(Value x, Value y) { return arith::SubFOp::create(b, loc, x, y); }
  Value fmax(Value x, Value y) { return arith::MaximumFOp::create(b, loc, x, y); }
  Value exp(Value x) { return math::ExpOp::create(b, loc, x); }

  /// `v` (floats) as `type`, widened or narrowed.
  Value convert(Value v, Type type) {
    unsigned from = getElementTypeOrSelf(v.getType()).getIntOrFloatBitWidth();
    unsigned to = getElementTypeOrSelf(type).getIntOrFloatBitWidth();
    if (v.getType() == type)
      return v;
    if (from < to)
      return arith::ExtFOp::create(b, loc, type, v);
    return arith::TruncFOp::create(b, loc, type, v);
  }

  /// Loads `memref[indices]` in the compute type.
  Value loadF32(Value memref, ValueRange indices) {
    return convert(memref::LoadOp::create(b, loc, memref, indices), f32);
  }

  Type laneType() { return laneTypeOf(f32); }
  Type laneTypeOf(Type element) {
    return lanes == 1 ? element : VectorType::get({lanes}, element);
  }
  /// `scalar` in every lane.
  Value splat(Value scalar) {
    return lanes == 1 ? scalar : vector::BroadcastOp::create(b, loc, laneType(), scalar);
  }
  Value fma(Value x, Value y, Value accumulator) {
    if (lanes == 1)
      return fadd(accumulator, fmul(x, y));
    return vector::FMAOp::create(b, loc, x, y, accumulator);
  }
  /// The sum of the lanes.
  Value reduce(Value v) {
    if (lanes == 1)
      return v;
    return vector::ReductionOp::create(b, loc, vector::CombiningKind::ADD, v, Value(),
                                       fast.getValue());
  }

  Value reduceMax(Value v) {
    if (lanes == 1)
      return v;
    return vector::ReductionOp::create(b, loc, vector::CombiningKind::MAXIMUMF, v);
  }
  /// Lane l of the result: the sum of the lanes of vectors[l] (one vector
  /// per lane). Pairs are folded in halves, lanes/2 + lanes/4 + ... + 1
  /// shuffle pairs and adds in all, then one shuffle puts the sums in order.
  Value reduceEach(ValueRange vectors) {
    if (lanes == 1)
      return vectors[0];
    SmallVector<Value> parts(vectors.begin(), vectors.end());
    // owner[p][l]: the vector whose partial sum lane l of parts[p] holds.
    SmallVector<SmallVector<int64_t>> owner;
    for (int64_t l = 0; l < lanes; ++l)
      owner.push_back(SmallVector<int64_t>(lanes, l));
    for (int64_t half = lanes / 2; half >= 1; half /= 2) {
      SmallVector<Value> folded;
      SmallVector<SmallVector<int64_t>> foldedOwner;
      for (size_t p = 0; p + 1 < parts.size(); p += 2) {
        // Each owner's run of 2 * half lanes, of x then of y, becomes half.
        SmallVector<int64_t> low, high, who;
        for (int64_t start = 0; start < lanes; start += 2 * half)
          for (int64_t side = 0; side < 2; ++side)
            for (int64_t t = 0; t < half; ++t) {
              low.push_back(side * lanes + start + t);
              high.push_back(side * lanes + start + half + t);
              who.push_back(owner[p + side][start]);
            }
        Value x = parts[p], y = parts[p + 1];
        folded.push_back(fadd(vector::ShuffleOp::create(b, loc, x, y, low),
                              vector::ShuffleOp::create(b, loc, x, y, high)));
        foldedOwner.push_back(who);
      }
      parts = folded;
      owner = foldedOwner;
    }
    SmallVector<int64_t> order(lanes);
    for (int64_t l = 0; l < lanes; ++l)
      order[owner[0][l]] = l;
    return vector::ShuffleOp::create(b, loc, parts[0], parts[0], order);
  }

  /// Lanes of `memref` from `indices` along its last dimension, zero past
  /// its end, in the compute type.
  Value read(Value memref, ValueRange indices) {
    if (lanes == 1)
      return loadF32(memref, indices);
    auto type = cast<MemRefType>(memref.getType());
    Type element = type.getElementType();
    Value padding = arith::ConstantOp::create(b, loc, b.getFloatAttr(element, 0.0));
    Value v = vector::TransferReadOp::create(b, loc, VectorType::get({lanes}, element),
                                             memref, indices, padding,
                                             ArrayRef<bool>{wholeVectors(type)});
    return convert(v, laneType());
  }
  /// Stores lanes to `memref` from `indices`, those past its end dropped.
  void write(Value value, Value memref, ValueRange indices) {
    auto type = cast<MemRefType>(memref.getType());
    value = convert(value, laneTypeOf(type.getElementType()));
    if (lanes == 1) {
      memref::StoreOp::create(b, loc, value, memref, indices);
      return;
    }
    vector::TransferWriteOp::create(b, loc, value, memref, indices,
                                    ArrayRef<bool>{wholeVectors(type)});
  }
  /// Lanes of a stack buffer whose size is a multiple of `lanes`.
  Value loadLanes(Value buffer, Value index) {
    if (lanes == 1)
      return memref::LoadOp::create(b, loc, buffer, index);
    return vector::LoadOp::create(b, loc, laneType(), buffer, index);
  }
  void storeLanes(Value value, Value buffer, Value index) {
    if (lanes == 1)
      memref::StoreOp::create(b, loc, value, buffer, index);
    else
      vector::StoreOp::create(b, loc, value, buffer, index);
  }

  OpBuilder &b;
  Location loc;
  Type f32;
  int64_t lanes;
  arith::FastMathFlagsAttr fast;

private:
  /// Whether the last dimension holds whole vectors (no read past its end).
  bool wholeVectors(MemRefType type) {
    int64_t size = type.getShape().back();
    return !ShapedType::isDynamic(size) && size % lanes == 0;
  }
};

/// The memref an ABI kernel reads a tensor operand from.
Value bufferOf(OpBuilder &b, Location loc, Value tensor) {
  if (auto toTensor = tensor.getDefiningOp<bufferization::ToTensorOp>())
    return toTensor.getBuffer();
  auto type = cast<RankedTensorType>(tensor.getType());
  return bufferization::ToBufferOp::create(
      b, loc, MemRefType::get(type.getShape(), type.getElementType()), tensor,
      /*readOnly=*/true);
}

} // namespace

void concatenateAttentionCaches(ModuleOp module) {
  SmallVector<tessera::AttentionOp> withPast;
  module.walk([&](tessera::AttentionOp op) {
    if (op.getPastKey())
      withPast.push_back(op);
  });
  for (tessera::AttentionOp op : withPast) {
    OpBuilder b(op);
    Location loc = op.getLoc();
    // present = concat(past, new) along the sequence axis; the causal
    // alignment is the op's own (bottom right: the new queries are last).
    Value key = tessera::ConcatOp::create(b, loc, op.getPresent()[0].getType(),
                                          ValueRange{op.getPastKey(), op.getKey()}, 2);
    Value value = tessera::ConcatOp::create(b, loc, op.getPresent()[1].getType(),
                                            ValueRange{op.getPastValue(), op.getValue()}, 2);
    auto attention = tessera::AttentionOp::create(
        b, loc, op.getOutput().getType(), TypeRange{}, op.getQuery(), key, value,
        op.getMask(), Value(), Value(), op.getScaleAttr(), op.getCausalAttr(),
        op.getSoftcapAttr());
    op.getOutput().replaceAllUsesWith(attention.getOutput());
    op.getPresent()[0].replaceAllUsesWith(key);
    op.getPresent()[1].replaceAllUsesWith(value);
    op.erase();
  }
}

LogicalResult lowerAttention(tessera::AttentionOp attention, func::FuncOp kernel,
                             int64_t workgroups, int64_t vectorBits) {
  if (attention.getPastKey())
    return attention.emitError("attention with a past key/value cache reached "
                               "the kernel (concatenateAttentionCaches)");
  bufferization::MaterializeInDestinationOp materialize;
  for (Operation *user : attention.getOutput().getUsers())
    if (auto m = dyn_cast<bufferization::MaterializeInDestinationOp>(user))
      materialize = m;
  if (!materialize)
    return attention.emitError("attention output is not a kernel result");

  OpBuilder b(attention);
  Location loc = attention.getLoc();
  Value q = bufferOf(b, loc, attention.getQuery());
  Value k = bufferOf(b, loc, attention.getKey());
  Value v = bufferOf(b, loc, attention.getValue());
  Value mask = attention.getMask() ? bufferOf(b, loc, attention.getMask()) : Value();
  Value out = materialize.getDest();
  // Vectors read the head dimension contiguously.
  for (Value operand : {q, k, v, out})
    if (!cast<MemRefType>(operand.getType()).isLastDimUnitStride())
      vectorBits = 0;
  AttentionBuilder ab(b, loc,
                      cast<ShapedType>(attention.getQuery().getType()).getElementType(),
                      vectorBits);

  Value batch = ab.dim(q, 0), heads = ab.dim(q, 1), sq = ab.dim(q, 2),
        depth = ab.dim(q, 3);
  Value kvHeads = ab.dim(k, 1), skv = ab.dim(k, 2), dv = ab.dim(v, 3);
  Value group = ab.div(heads, kvHeads);
  Value qBlock = ab.idx(kQueryBlock), kBlock = ab.idx(kKeyBlock);
  Value qBlocks = arith::CeilDivUIOp::create(b, loc, sq, qBlock);
  Value tiles = ab.mul(ab.mul(batch, heads), qBlocks);
  auto qType = cast<RankedTensorType>(attention.getQuery().getType());
  double scale = attention.getScale()
                     ? attention.getScale()->convertToDouble()
                     : (qType.isDynamicDim(3)
                            ? 0.0
                            : 1.0 / std::sqrt(double(qType.getDimSize(3))));
  Value scaleValue;
  if (scale != 0.0) {
    scaleValue = ab.fconst(scale);
  } else {
    Value d = arith::IndexCastOp::create(b, loc, b.getI64Type(), depth);
    Value df = arith::SIToFPOp::create(b, loc, ab.f32, d);
    scaleValue = arith::DivFOp::create(b, loc, ab.fconst(1.0),
                                       math::SqrtOp::create(b, loc, df));
  }
  Value negInf = ab.fconst(-std::numeric_limits<double>::infinity());
  Value zeroF = ab.fconst(0.0), zero = ab.idx(0), one = ab.idx(1);
  Value zeroLanes = ab.splat(zeroF), step = ab.idx(ab.lanes);
  // The value rows are summed `chunk` vectors of the accumulator at a time,
  // each in a register: all of a static head dimension (independent FMAs,
  // not one chain through a single vector), one vector of a dynamic one.
  int64_t chunk = 1;
  if (int64_t size = cast<MemRefType>(v.getType()).getShape().back();
      !ShapedType::isDynamic(size))
    chunk = std::min<int64_t>(kAccumulatorVectors, llvm::divideCeil(size, ab.lanes));
  Value chunkStep = ab.idx(chunk * ab.lanes);
  // Per-row state, allocated once per kernel call; the accumulator rounded
  // up to whole chunks.
  Value scores = memref::AllocaOp::create(
      b, loc, MemRefType::get({kKeyBlock}, ab.f32));
  Value dvWhole = ab.mul(arith::CeilDivUIOp::create(b, loc, dv, chunkStep), chunkStep);
  Value acc = memref::AllocaOp::create(
      b, loc, MemRefType::get({ShapedType::kDynamic}, ab.f32), ValueRange{dvWhole});

  Value workgroup = arith::IndexCastOp::create(b, loc, b.getIndexType(),
                                               kernel.getArgument(2));
  auto tileLoop = scf::ForOp::create(b, loc, workgroup, tiles,
                                     ab.idx(workgroups));
  b.setInsertionPointToStart(tileLoop.getBody());
  Value t = tileLoop.getInductionVar();
  Value qb = ab.rem(t, qBlocks);
  Value h = ab.rem(ab.div(t, qBlocks), heads);
  Value bIdx = ab.div(t, ab.mul(qBlocks, heads));
  Value kvh = ab.div(h, group);
  Value q0 = ab.mul(qb, qBlock);
  Value q1 = ab.min(ab.add(q0, qBlock), sq);

  auto rowLoop = scf::ForOp::create(b, loc, q0, q1, one);
  rowLoop->setAttr(kIndependentRowsAttr, b.getUnitAttr());
  b.setInsertionPointToStart(rowLoop.getBody());
  Value i = rowLoop.getInductionVar();
  Value kvEnd = skv;
  if (attention.getCausal())
    kvEnd = ab.min(skv, ab.add(ab.add(i, ab.sub(skv, sq)), one));
  // A loop from 0 to `end` by `stride` whose body `body(index, iterArgs)`
  // returns the next iter args.
  auto loop = [&](Value end, Value stride, ValueRange init,
                  function_ref<SmallVector<Value>(Value, ValueRange)> body) {
    return scf::ForOp::create(
        b, loc, zero, end, stride, init,
        [&](OpBuilder &nested, Location, Value index, ValueRange iterArgs) {
          OpBuilder::InsertionGuard guard(b);
          b.setInsertionPoint(nested.getInsertionBlock(), nested.getInsertionPoint());
          scf::YieldOp::create(b, loc, body(index, iterArgs));
        });
  };
  loop(dvWhole, step, {}, [&](Value d, ValueRange) {
    ab.storeLanes(zeroLanes, acc, d);
    return SmallVector<Value>{};
  });

  auto maskIndices = [&](Value j) {
    auto type = cast<MemRefType>(mask.getType());
    SmallVector<Value> full{bIdx, h, i, j};
    SmallVector<Value> indices;
    int64_t rank = type.getRank();
    for (int64_t d = 0; d < rank; ++d) {
      bool stretched = !type.isDynamicDim(d) && type.getDimSize(d) == 1;
      indices.push_back(stretched ? zero : full[4 - rank + d]);
    }
    return indices;
  };

  auto blockLoop = scf::ForOp::create(b, loc, zero, kvEnd, kBlock,
                                      ValueRange{negInf, zeroF});
  b.setInsertionPointToStart(blockLoop.getBody());
  Value k0 = blockLoop.getInductionVar();
  Value m = blockLoop.getRegionIterArg(0), l = blockLoop.getRegionIterArg(1);
  Value kn = ab.min(kBlock, ab.sub(kvEnd, k0));
  // Scores of the block, `lanes` keys at a time (their rows clamped to the
  // last key: the lanes past the block are -inf), and their maximum.
  Value negInfLanes = ab.splat(negInf);
  auto scoreLoop = loop(kn, step, {negInfLanes}, [&](Value jj, ValueRange maxSoFar) {
    Value j0 = ab.add(k0, jj), lastKey = ab.sub(kvEnd, one);
    SmallVector<Value> rows;
    for (int64_t lane = 0; lane < ab.lanes; ++lane)
      rows.push_back(ab.min(ab.add(j0, ab.idx(lane)), lastKey));
    SmallVector<Value> zeros(ab.lanes, zeroLanes);
    auto dot = loop(depth, step, zeros, [&](Value d, ValueRange sums) {
      Value qv = ab.read(q, {bIdx, h, i, d});
      SmallVector<Value> next;
      for (int64_t lane = 0; lane < ab.lanes; ++lane)
        next.push_back(ab.fma(qv, ab.read(k, {bIdx, kvh, rows[lane], d}), sums[lane]));
      return next;
    });
    Value s = ab.fmul(ab.reduceEach(dot.getResults()), ab.splat(scaleValue));
    // Capped before the mask, so that masked scores stay -inf.
    if (FloatAttr softcap = attention.getSoftcapAttr()) {
      double cap = softcap.getValueAsDouble();
      Value tanh = math::TanhOp::create(b, loc, ab.fmul(s, ab.splat(ab.fconst(1.0 / cap))));
      s = ab.fmul(tanh, ab.splat(ab.fconst(cap)));
    }
    if (mask) {
      auto maskType = cast<MemRefType>(mask.getType());
      Type maskElement = maskType.getElementType();
      bool alongKeys = maskType.getRank() > 0 && maskType.getShape().back() != 1;
      Value mv;
      if (ab.lanes == 1 || !alongKeys) {
        mv = memref::LoadOp::create(b, loc, mask, maskIndices(j0));
        if (ab.lanes > 1)
          mv = vector::BroadcastOp::create(b, loc, VectorType::get({ab.lanes}, maskElement), mv);
      } else if (maskElement.isInteger(1) || !maskType.isLastDimUnitStride()) {
        // One element per lane (booleans are bytes in memory, not bits).
        SmallVector<Value> elements;
        for (Value row : rows)
          elements.push_back(memref::LoadOp::create(b, loc, mask, maskIndices(row)));
        mv = vector::FromElementsOp::create(b, loc, VectorType::get({ab.lanes}, maskElement),
                                            elements);
      } else {
        mv = ab.read(mask, maskIndices(j0));
      }
      if (maskElement.isInteger(1))
        s = arith::SelectOp::create(b, loc, mv, s, negInfLanes);
      else
        s = arith::AddFOp::create(b, loc, s, ab.convert(mv, ab.laneType()));
    }
    if (ab.lanes > 1) {
      Value valid = vector::CreateMaskOp::create(
          b, loc, VectorType::get({ab.lanes}, b.getI1Type()), ValueRange{ab.sub(kn, jj)});
      s = arith::SelectOp::create(b, loc, valid, s, negInfLanes);
    }
    ab.storeLanes(s, scores, jj);
    return SmallVector<Value>{ab.fmax(maxSoFar[0], s)};
  });
  Value mNew = ab.fmax(m, ab.reduceMax(scoreLoop.getResult(0)));
  // While every score so far is -inf, keep exponents finite.
  Value allMasked = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ,
                                          mNew, negInf);
  Value mUse = arith::SelectOp::create(b, loc, allMasked, zeroF, mNew);
  Value correction = ab.exp(ab.fsub(m, mUse));
  // p[j] = exp(s[j] - m') in place of the scores (0 past the block).
  auto expLoop = loop(kn, step, {zeroLanes}, [&](Value jj, ValueRange sum) {
    Value p = ab.exp(ab.fsub(ab.loadLanes(scores, jj), ab.splat(mUse)));
    ab.storeLanes(p, scores, jj);
    return SmallVector<Value>{ab.fadd(sum[0], p)};
  });
  Value lNew = ab.fadd(ab.fmul(l, correction), ab.reduce(expLoop.getResult(0)));
  // acc = acc * c + sum_j p[j] v[j], a chunk of accumulator vectors at a time.
  loop(dv, chunkStep, {}, [&](Value d0, ValueRange) {
    SmallVector<Value> offsets, start;
    for (int64_t g = 0; g < chunk; ++g) {
      offsets.push_back(ab.add(d0, ab.idx(g * ab.lanes)));
      start.push_back(ab.fmul(ab.loadLanes(acc, offsets.back()), ab.splat(correction)));
    }
    auto sums = loop(kn, one, start, [&](Value jj, ValueRange a) {
      Value p = ab.splat(memref::LoadOp::create(b, loc, scores, jj));
      Value j = ab.add(k0, jj);
      SmallVector<Value> next;
      for (int64_t g = 0; g < chunk; ++g)
        next.push_back(ab.fma(p, ab.read(v, {bIdx, kvh, j, offsets[g]}), a[g]));
      return next;
    });
    for (int64_t g = 0; g < chunk; ++g)
      ab.storeLanes(sums.getResult(g), acc, offsets[g]);
    return SmallVector<Value>{};
  });
  scf::YieldOp::create(b, loc, ValueRange{mNew, lNew});
  b.setInsertionPointAfter(blockLoop);

  Value sum = blockLoop.getResult(1);
  Value positive = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, sum, zeroF);
  Value inverse = arith::SelectOp::create(
      b, loc, positive, arith::DivFOp::create(b, loc, ab.fconst(1.0), sum), zeroF);
  loop(dv, step, {}, [&](Value d, ValueRange) {
    ab.write(ab.fmul(ab.loadLanes(acc, d), ab.splat(inverse)), out, {bIdx, h, i, d});
    return SmallVector<Value>{};
  });

  materialize.erase();
  attention.erase();
  kernel->setAttr(kWorkgroupsAttr, IntegerAttr::get(IntegerType::get(kernel.getContext(), 64),
                                                    workgroups));
  kernel->setAttr(kDistributedAttr, UnitAttr::get(kernel.getContext()));
  return success();
}

} // namespace tessera::cpu
