//===- AttentionKernel.cpp - tessera.attention as one flash kernel --------===//
//
// For each workgroup tile (batch b, query head h, block of kQueryBlock query
// rows) and each query row i:
//
//   m = -inf, l = 0, acc[0..Dv) = 0
//   for each block of kKeyBlock keys j (up to i + Skv - Sq + 1 when causal):
//     s[j] = cap(scale * q[i] . k[j]) + mask[i, j]   (boolean masks: -inf;
//            cap(x) = c tanh(x / c) with a softcap c, else x)
//     m' = max(m, max_j s[j]);  c = exp(m - m')
//     l = l * c + sum_j exp(s[j] - m');  acc = acc * c + sum_j exp(s[j] - m') v[j]
//     m = m'
//   out[i] = acc / l
//
// Only the block's scores live in memory (a kKeyBlock stack buffer).
//
//===----------------------------------------------------------------------===//

#include "codegen/cpu/AttentionKernel.h"

#include "codegen/cpu/KernelPipeline.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;

namespace tessera::cpu {
namespace {

constexpr int64_t kQueryBlock = 16;
constexpr int64_t kKeyBlock = 64;

/// Builds the kernel body with index arithmetic helpers kept short.
class AttentionBuilder {
public:
  AttentionBuilder(OpBuilder &b, Location loc, Type element) : b(b), loc(loc) {
    // f64 models compute in f64; everything narrower accumulates in f32.
    f32 = element.isF64() ? Type(b.getF64Type()) : Type(b.getF32Type());
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

  /// `v` (a float) as `type`, widened or narrowed.
  Value convert(Value v, Type type) {
    unsigned from = v.getType().getIntOrFloatBitWidth(), to = type.getIntOrFloatBitWidth();
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

  OpBuilder &b;
  Location loc;
  Type f32;
  arith::FastMathFlagsAttr fast;
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

LogicalResult lowerAttention(tessera::AttentionOp attention,
                             func::FuncOp kernel, int64_t workgroups) {
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
  AttentionBuilder ab(b, loc,
                      cast<ShapedType>(attention.getQuery().getType()).getElementType());
  Value q = bufferOf(b, loc, attention.getQuery());
  Value k = bufferOf(b, loc, attention.getKey());
  Value v = bufferOf(b, loc, attention.getValue());
  Value mask = attention.getMask() ? bufferOf(b, loc, attention.getMask()) : Value();
  Value out = materialize.getDest();
  auto outType = cast<MemRefType>(out.getType());

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
  // Per-row state, allocated once per kernel call.
  Value scores = memref::AllocaOp::create(
      b, loc, MemRefType::get({kKeyBlock}, ab.f32));
  Value acc = memref::AllocaOp::create(
      b, loc, MemRefType::get({ShapedType::kDynamic}, ab.f32), ValueRange{dv});

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
  scf::ForOp::create(b, loc, zero, dv, one, ValueRange{},
                     [&](OpBuilder &nb, Location nl, Value d, ValueRange) {
                       memref::StoreOp::create(nb, nl, zeroF, acc, d);
                       scf::YieldOp::create(nb, nl);
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
  // Scores of the block and their maximum.
  auto scoreLoop = scf::ForOp::create(b, loc, zero, kn, one, ValueRange{negInf});
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(scoreLoop.getBody());
    Value jj = scoreLoop.getInductionVar();
    Value j = ab.add(k0, jj);
    auto dot = scf::ForOp::create(b, loc, zero, depth, one, ValueRange{zeroF});
    {
      OpBuilder::InsertionGuard inner(b);
      b.setInsertionPointToStart(dot.getBody());
      Value d = dot.getInductionVar();
      Value prod = ab.fmul(ab.loadF32(q, {bIdx, h, i, d}),
                           ab.loadF32(k, {bIdx, kvh, j, d}));
      scf::YieldOp::create(b, loc, ab.fadd(dot.getRegionIterArg(0), prod));
    }
    Value s = arith::MulFOp::create(b, loc, dot.getResult(0), scaleValue);
    // Capped before the mask, so that masked scores stay -inf.
    if (FloatAttr softcap = attention.getSoftcapAttr()) {
      double cap = softcap.getValueAsDouble();
      Value tanh = math::TanhOp::create(b, loc, ab.fmul(s, ab.fconst(1.0 / cap)));
      s = ab.fmul(tanh, ab.fconst(cap));
    }
    if (mask) {
      Value mv = memref::LoadOp::create(b, loc, mask, maskIndices(j));
      if (mv.getType().isInteger(1)) {
        s = arith::SelectOp::create(b, loc, mv, s, negInf);
      } else {
        mv = ab.convert(mv, ab.f32);
        s = arith::AddFOp::create(b, loc, s, mv);
      }
    }
    memref::StoreOp::create(b, loc, s, scores, jj);
    scf::YieldOp::create(b, loc, ab.fmax(scoreLoop.getRegionIterArg(0), s));
  }
  Value mNew = ab.fmax(m, scoreLoop.getResult(0));
  // While every score so far is -inf, keep exponents finite.
  Value allMasked = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ,
                                          mNew, negInf);
  Value mUse = arith::SelectOp::create(b, loc, allMasked, zeroF, mNew);
  Value correction = ab.exp(ab.fsub(m, mUse));
  scf::ForOp::create(b, loc, zero, dv, one, ValueRange{},
                     [&](OpBuilder &nb, Location nl, Value d, ValueRange) {
                       Value a = memref::LoadOp::create(nb, nl, acc, d);
                       Value scaled = arith::MulFOp::create(nb, nl, a, correction);
                       memref::StoreOp::create(nb, nl, scaled, acc, d);
                       scf::YieldOp::create(nb, nl);
                     });
  auto accumulate = scf::ForOp::create(b, loc, zero, kn, one,
                                       ValueRange{ab.fmul(l, correction)});
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(accumulate.getBody());
    Value jj = accumulate.getInductionVar();
    Value j = ab.add(k0, jj);
    Value p = ab.exp(ab.fsub(memref::LoadOp::create(b, loc, scores, jj), mUse));
    scf::ForOp::create(
        b, loc, zero, dv, one, ValueRange{},
        [&](OpBuilder &nb, Location nl, Value d, ValueRange) {
          OpBuilder::InsertionGuard g(b);
          b.setInsertionPoint(nb.getInsertionBlock(), nb.getInsertionPoint());
          Value a = memref::LoadOp::create(b, nl, acc, d);
          Value updated = ab.fadd(a, ab.fmul(p, ab.loadF32(v, {bIdx, kvh, j, d})));
          memref::StoreOp::create(b, nl, updated, acc, d);
          scf::YieldOp::create(b, nl);
        });
    scf::YieldOp::create(b, loc, ab.fadd(accumulate.getRegionIterArg(0), p));
  }
  scf::YieldOp::create(b, loc, ValueRange{mNew, accumulate.getResult(0)});
  b.setInsertionPointAfter(blockLoop);

  Value sum = blockLoop.getResult(1);
  Value positive = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, sum, zeroF);
  Value inverse = arith::SelectOp::create(
      b, loc, positive, arith::DivFOp::create(b, loc, ab.fconst(1.0), sum), zeroF);
  scf::ForOp::create(
      b, loc, zero, dv, one, ValueRange{},
      [&](OpBuilder &nb, Location nl, Value d, ValueRange) {
        Value a = memref::LoadOp::create(nb, nl, acc, d);
        Value o = arith::MulFOp::create(nb, nl, a, inverse);
        if (outType.getElementType() != ab.f32)
          o = outType.getElementType().getIntOrFloatBitWidth() < ab.f32.getIntOrFloatBitWidth()
                  ? arith::TruncFOp::create(nb, nl, outType.getElementType(), o).getResult()
                  : arith::ExtFOp::create(nb, nl, outType.getElementType(), o).getResult();
        memref::StoreOp::create(nb, nl, o, out, ValueRange{bIdx, h, i, d});
        scf::YieldOp::create(nb, nl);
      });

  materialize.erase();
  attention.erase();
  kernel->setAttr(kWorkgroupsAttr, IntegerAttr::get(IntegerType::get(kernel.getContext(), 64),
                                                    workgroups));
  kernel->setAttr(kDistributedAttr, UnitAttr::get(kernel.getContext()));
  return success();
}

} // namespace tessera::cpu
