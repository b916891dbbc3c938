//===- TensorCoreMatmul.cpp - contractions on warp-level mma.sync ---------===//

#include "codegen/gpu/TensorCoreMatmul.h"

#include "codegen/cpu/KernelPipeline.h"
#include "codegen/gpu/ThreadDistribution.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "llvm/ADT/StringExtras.h"

using namespace mlir;

namespace tessera::gpu {

llvm::Expected<MatmulPrecision> parseMatmulPrecision(llvm::StringRef text) {
  if (text == "fp32")
    return MatmulPrecision::FP32;
  if (text == "tf32")
    return MatmulPrecision::TF32;
  if (text == "fp16")
    return MatmulPrecision::FP16;
  return llvm::createStringError("unknown --precision '" + text.str() +
                                 "' (fp32, tf32 or fp16)");
}

llvm::StringRef matmulPrecisionName(MatmulPrecision precision) {
  switch (precision) {
  case MatmulPrecision::FP32: return "fp32";
  case MatmulPrecision::TF32: return "tf32";
  case MatmulPrecision::FP16: return "fp16";
  }
  llvm_unreachable("unknown precision");
}

void TensorCoreSummary::print(llvm::raw_ostream &os, llvm::StringRef prefix) const {
  os << prefix << "cuda: tensor cores in " << tensorCoreKernels << "/" << contractionKernels
     << " matmul kernels (";
  if (inputTypes.empty())
    os << "--precision=" << matmulPrecisionName(precision);
  else
    os << llvm::join(inputTypes, ", ");
  os << ")\n";
  for (const std::string &line : declined)
    os << prefix << "  no tensor cores: " << line << "\n";
}

namespace {

/// Rows (M) and columns (N) of one mma.sync; its K is 8 for tf32, 16 for
/// f16 and bf16.
constexpr int64_t kMmaM = 16, kMmaN = 8;
/// K elements staged in shared memory per step of the K loop.
constexpr int64_t kChunkK = 32;
constexpr int64_t kWarpSize = 32;
/// Static shared memory a kernel may use (as ThreadDistribution.cpp).
constexpr int64_t kMaxSharedBytes = 48 * 1024;

/// The input type of the mma: what the staged operands hold.
enum class MmaInput { TF32, F16, BF16 };

llvm::StringRef mmaInputName(MmaInput input) {
  switch (input) {
  case MmaInput::TF32: return "tf32";
  case MmaInput::F16: return "f16";
  case MmaInput::BF16: return "bf16";
  }
  llvm_unreachable("unknown mma input");
}

/// A contraction C[m, n] += A[m, k] * B[k, n] inside one workgroup tile:
/// the loops m, n, k of the op; every other loop spans one iteration.
struct Contraction {
  linalg::LinalgOp op;
  OpOperand *a, *b, *c;
  unsigned m, n, k;
  /// Upper bounds of the tile's m and n extents (the tile sizes).
  int64_t boundM, boundN;
  MmaInput input;
};

llvm::Error decline(const llvm::Twine &why) { return llvm::createStringError(why.str()); }

/// `value`, or `value` through arith.extf: the body's view of `arg`.
bool isWidened(Value value, BlockArgument arg) {
  if (auto ext = value.getDefiningOp<arith::ExtFOp>())
    value = ext.getIn();
  return value == arg;
}

/// Whether the body computes out + widen(a) * widen(b), a and b being the
/// block arguments of inputs 0 and 1 in either order.
bool isMultiplyAccumulate(linalg::LinalgOp op) {
  Block *body = op.getBlock();
  auto yield = cast<linalg::YieldOp>(body->getTerminator());
  if (yield.getNumOperands() != 1)
    return false;
  auto add = yield.getOperand(0).getDefiningOp<arith::AddFOp>();
  if (!add)
    return false;
  BlockArgument out = body->getArgument(2);
  Value product = add.getLhs() == out ? add.getRhs() : add.getRhs() == out ? add.getLhs() : Value();
  auto mul = product ? product.getDefiningOp<arith::MulFOp>() : nullptr;
  if (!mul)
    return false;
  BlockArgument x = body->getArgument(0), y = body->getArgument(1);
  return (isWidened(mul.getLhs(), x) && isWidened(mul.getRhs(), y)) ||
         (isWidened(mul.getLhs(), y) && isWidened(mul.getRhs(), x));
}

/// The result of `map` that is exactly loop `d`.
std::optional<unsigned> resultOfLoop(AffineMap map, unsigned d) {
  for (unsigned i = 0; i < map.getNumResults(); ++i)
    if (auto dim = dyn_cast<AffineDimExpr>(map.getResult(i)); dim && dim.getPosition() == d)
      return i;
  return std::nullopt;
}

/// A constant that dim `i` of `memref` never exceeds: its static size, or
/// the constant bound of the affine.min that clips a tile at the edge.
std::optional<int64_t> staticUpperBound(Value memref, unsigned i) {
  auto type = cast<MemRefType>(memref.getType());
  if (!type.isDynamicDim(i))
    return type.getDimSize(i);
  auto subview = memref.getDefiningOp<memref::SubViewOp>();
  if (!subview || subview.getMixedSizes().size() != size_t(type.getRank()))
    return std::nullopt;
  OpFoldResult size = subview.getMixedSizes()[i];
  if (std::optional<int64_t> c = getConstantIntValue(size))
    return c;
  auto value = dyn_cast<Value>(size);
  return value ? cpu::constantUpperBound(value) : std::nullopt;
}

llvm::Expected<MmaInput> chooseInput(Type a, Type b, MatmulPrecision precision) {
  if (a.isF32() && b.isF32()) {
    if (precision == MatmulPrecision::FP32)
      return decline("f32 inputs and --precision=fp32 (exact f32 scalar loop)");
    return precision == MatmulPrecision::FP16 ? MmaInput::F16 : MmaInput::TF32;
  }
  if (a.isF16() && b.isF16())
    return MmaInput::F16;
  if (a.isBF16() && b.isBF16())
    return MmaInput::BF16;
  std::string text;
  llvm::raw_string_ostream os(text);
  os << "inputs " << a << " x " << b << " (tensor cores take f32, f16 or bf16 pairs)";
  return decline(text);
}

llvm::Expected<Contraction> matchContraction(linalg::LinalgOp op, MatmulPrecision precision) {
  if (!op.hasPureBufferSemantics() || op.getNumDpsInputs() != 2 || op.getNumDpsInits() != 1)
    return decline("not a two-input contraction on buffers");
  if (!isMultiplyAccumulate(op))
    return decline("the body is not out + a * b");
  FailureOr<linalg::ContractionDimensions> dims = linalg::inferContractionDims(op);
  if (failed(dims) || dims->m.empty() || dims->n.empty() || dims->k.empty())
    return decline("no m, n and k loops");
  if (dims->k.size() != 1)
    return decline(llvm::Twine(dims->k.size()) + " reduction loops (tensor cores take one)");
  Contraction c;
  c.op = op;
  c.m = dims->m.back();
  c.n = dims->n.back();
  c.k = dims->k.front();
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  for (unsigned d = 0; d < ranges.size(); ++d)
    if (d != c.m && d != c.n && d != c.k && ranges[d] != 1)
      return decline("loop " + llvm::Twine(d) + " spans more than one iteration of the tile");
  OpOperand *x = op.getDpsInputOperand(0), *y = op.getDpsInputOperand(1);
  bool xIsA = op.getMatchingIndexingMap(x).isFunctionOfDim(c.m);
  c.a = xIsA ? x : y;
  c.b = xIsA ? y : x;
  c.c = op.getDpsInitOperand(0);
  AffineMap aMap = op.getMatchingIndexingMap(c.a), bMap = op.getMatchingIndexingMap(c.b),
            cMap = op.getMatchingIndexingMap(c.c);
  if (aMap.isFunctionOfDim(c.n) || bMap.isFunctionOfDim(c.m))
    return decline("an input indexed by both m and n");
  std::optional<unsigned> cm = resultOfLoop(cMap, c.m), cn = resultOfLoop(cMap, c.n),
                          ak = resultOfLoop(aMap, c.k);
  if (!cm || !cn || !ak)
    return decline("m, n or k is not a plain dim of the operands");
  std::optional<int64_t> bm = staticUpperBound(c.c->get(), *cm),
                         bn = staticUpperBound(c.c->get(), *cn);
  if (!bm || !bn)
    return decline("the tile's rows or columns have no compile-time bound");
  if (*bm == 1 || *bn == 1)
    return decline("a " + llvm::Twine(*bm) + "x" + llvm::Twine(*bn) +
                   " tile is a matrix-vector product (most of each 16x8 mma would be padding)");
  c.boundM = *bm;
  c.boundN = *bn;
  Type cType = getElementTypeOrSelf(c.c->get().getType());
  if (!cType.isF32() && !cType.isF16() && !cType.isBF16())
    return decline("a " + llvm::Twine(cType.isInteger() ? "integer" : "non-float") + " result");
  llvm::Expected<MmaInput> input =
      chooseInput(getElementTypeOrSelf(c.a->get().getType()),
                  getElementTypeOrSelf(c.b->get().getType()), precision);
  if (!input)
    return input.takeError();
  c.input = *input;
  return c;
}

/// Emits the mma tile loop of one contraction in place of the op.
class MmaEmitter {
public:
  MmaEmitter(Contraction c, int64_t blockSize, memref::AllocaOp aStage,
             memref::AllocaOp bStage)
      : c(c), blockSize(blockSize), aStage(aStage), bStage(bStage),
        b(c.op), loc(c.op.getLoc()) {}

  void emit();

private:
  Value index(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }
  Value add(Value x, Value y) { return arith::AddIOp::create(b, loc, x, y); }
  Value mul(Value x, int64_t y) { return arith::MulIOp::create(b, loc, x, index(y)); }
  Value less(Value x, Value y) {
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, x, y);
  }
  Value both(Value x, Value y) { return arith::AndIOp::create(b, loc, x, y); }

  /// Dim `i` of operand `operand` (a constant when static).
  Value dimOf(OpOperand *operand, unsigned i) {
    return memref::DimOp::create(b, loc, operand->get(), i);
  }
  /// operand[map(loops)], loops m, n, k at the given values, others at 0.
  SmallVector<Value> indicesOf(OpOperand *operand, Value m, Value n, Value k);
  Type storageType() {
    return cast<MemRefType>(aStage.getType()).getElementType();
  }
  Value zero(Type type) {
    return arith::ConstantOp::create(b, loc, b.getZeroAttr(type));
  }
  /// A loaded input element as the staged buffers hold it.
  Value toStorage(Value value);
  /// Copies operand[rows, k0 : k0 + kChunkK] (zero outside `rowCount` and
  /// `kCount`) into `stage` as [row][k], every thread a share.
  void stage(OpOperand *operand, memref::AllocaOp stage, bool isA, Value k0, Value rowCount,
             Value kCount);
  /// One lane's 32-bit fragment register: stage[row][k] (tf32) or
  /// stage[row][k, k + 1] (f16, bf16).
  Value fragment(memref::AllocaOp stage, Value row, Value k);
  /// acc + the mma of the staged chunk for the 16x8 tile at (rowBase, colBase).
  SmallVector<Value> mmaChunk(ValueRange acc, Value rowBase, Value colBase);

  Contraction c;
  int64_t blockSize;
  memref::AllocaOp aStage, bStage;
  OpBuilder b;
  Location loc;
  Value tid, group, inGroup;
};

SmallVector<Value> MmaEmitter::indicesOf(OpOperand *operand, Value m, Value n, Value k) {
  SmallVector<Value> loops(c.op.getNumLoops(), index(0));
  loops[c.m] = m;
  loops[c.n] = n;
  loops[c.k] = k;
  AffineMap map = c.op.getMatchingIndexingMap(operand);
  SmallVector<Value> indices;
  for (unsigned i = 0; i < map.getNumResults(); ++i)
    indices.push_back(affine::AffineApplyOp::create(b, loc, map.getSubMap({i}), loops));
  return indices;
}

Value MmaEmitter::toStorage(Value value) {
  Type type = value.getType();
  switch (c.input) {
  case MmaInput::TF32: {
    // Round to nearest, ties away from zero, as cuBLAS does; the rounded
    // bits stay in an f32 slot (the low 13 mantissa bits are zero).
    Value bits = NVVM::ConvertFloatToTF32Op::create(b, loc, b.getI32Type(), value,
                                                     NVVM::FPRoundingMode::RNA);
    return arith::BitcastOp::create(b, loc, b.getF32Type(), bits);
  }
  case MmaInput::F16:
    return type.isF16() ? value : arith::TruncFOp::create(b, loc, b.getF16Type(), value);
  case MmaInput::BF16:
    return value;
  }
  llvm_unreachable("unknown mma input");
}

void MmaEmitter::stage(OpOperand *operand, memref::AllocaOp buffer, bool isA, Value k0,
                       Value rowCount, Value kCount) {
  int64_t rows = cast<MemRefType>(buffer.getType()).getDimSize(0);
  unsigned rowLoop = isA ? c.m : c.n;
  // Neighbouring threads read neighbouring addresses of the operand: the
  // loop its innermost dim walks varies fastest.
  AffineMap map = c.op.getMatchingIndexingMap(operand);
  auto inner = dyn_cast<AffineDimExpr>(map.getResults().back());
  bool rowsFastest = inner && inner.getPosition() == rowLoop;
  auto loop = scf::ForOp::create(b, loc, tid, index(rows * kChunkK), index(blockSize));
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(loop.getBody());
  Value e = loop.getInductionVar();
  Value row, kk;
  if (rowsFastest) {
    row = arith::RemUIOp::create(b, loc, e, index(rows));
    kk = arith::DivUIOp::create(b, loc, e, index(rows));
  } else {
    row = arith::DivUIOp::create(b, loc, e, index(kChunkK));
    kk = arith::RemUIOp::create(b, loc, e, index(kChunkK));
  }
  Value k = add(k0, kk);
  Value inside = both(less(row, rowCount), less(k, kCount));
  Type type = storageType();
  auto select = scf::IfOp::create(b, loc, TypeRange{type}, inside, /*withElse=*/true);
  {
    OpBuilder::InsertionGuard thenGuard(b);
    b.setInsertionPointToStart(select.thenBlock());
    Value zeroIndex = index(0);
    SmallVector<Value> indices = isA ? indicesOf(operand, row, zeroIndex, k)
                                     : indicesOf(operand, zeroIndex, row, k);
    Value value = memref::LoadOp::create(b, loc, operand->get(), indices);
    scf::YieldOp::create(b, loc, toStorage(value));
    b.setInsertionPointToStart(select.elseBlock());
    scf::YieldOp::create(b, loc, zero(type));
  }
  memref::StoreOp::create(b, loc, select.getResult(0), buffer, ValueRange{row, kk});
}

Value MmaEmitter::fragment(memref::AllocaOp buffer, Value row, Value k) {
  if (c.input == MmaInput::TF32) {
    Value value = memref::LoadOp::create(b, loc, buffer, ValueRange{row, k});
    return arith::BitcastOp::create(b, loc, b.getI32Type(), value);
  }
  Value lo = memref::LoadOp::create(b, loc, buffer, ValueRange{row, k});
  Value hi = memref::LoadOp::create(b, loc, buffer, ValueRange{row, add(k, index(1))});
  auto pair = VectorType::get({2}, storageType());
  Value packed = vector::FromElementsOp::create(b, loc, pair, ValueRange{lo, hi});
  if (c.input == MmaInput::F16)
    return packed;
  // bf16 pairs go to nvvm.mma.sync as one i32 (element 0 in the low half).
  Value word = vector::BitCastOp::create(b, loc, VectorType::get({1}, b.getI32Type()), packed);
  return vector::ExtractOp::create(b, loc, word, ArrayRef<int64_t>{0});
}

// Fragments of mma.sync.aligned.m16n8k8 (tf32) and m16n8k16 (f16, bf16),
// PTX ISA "Matrix Fragments for mma.m16n8k8 / mma.m16n8k16". With
// g = laneid / 4 (groupID) and t = laneid % 4 (threadID_in_group):
//
//   tf32, A (16x8, row-major), four .b32 registers a0..a3:
//     a0 = A[g][t]   a1 = A[g+8][t]   a2 = A[g][t+4]   a3 = A[g+8][t+4]
//   tf32, B (8x8, "col": indexed [k][n]), two registers:
//     b0 = B[t][g]   b1 = B[t+4][g]
//   f16/bf16, A (16x16), four .b32 registers of two elements (low, high):
//     register r holds A[g + 8*(r%2)][2t + 8*(r/2) + {0, 1}]
//       (a0,a1: row g, cols 2t, 2t+1; a2,a3: row g+8; a4..a7: cols + 8)
//   f16/bf16, B (16x8), two registers of two elements:
//     register r holds B[2t + 8r + {0, 1}][g]
//   C/D (16x8, f32), four registers c0..c3 (both shapes):
//     c_r = C[g + 8*(r/2)][2t + r%2]
//
// The staged buffers hold A as [m][k] and B as [n][k] (k contiguous), so
// that every fragment register reads [row][k] with row = g (+8) and k from
// the lane's t; the two elements of an f16/bf16 register are adjacent.
// The op is nvvm.mma.sync rather than nvgpu.mma.sync: LLVM 22's nvgpu op
// cannot type bf16 operands, and one op serves all three input types.
SmallVector<Value> MmaEmitter::mmaChunk(ValueRange acc, Value rowBase, Value colBase) {
  bool tf32 = c.input == MmaInput::TF32;
  int64_t mmaK = tf32 ? 8 : 16;
  Value aRow = add(rowBase, group), aRow8 = add(aRow, index(8));
  Value bRow = add(colBase, group);
  SmallVector<Value> result(acc.begin(), acc.end());
  Type f32 = b.getF32Type();
  auto structType = LLVM::LLVMStructType::getLiteral(b.getContext(), {f32, f32, f32, f32});
  NVVM::MMATypes ptxType = tf32 ? NVVM::MMATypes::tf32
                           : c.input == MmaInput::F16 ? NVVM::MMATypes::f16
                                                      : NVVM::MMATypes::bf16;
  for (int64_t ks = 0; ks < kChunkK; ks += mmaK) {
    SmallVector<Value> a, bv;
    if (tf32) {
      Value k = add(inGroup, index(ks)), k4 = add(k, index(4));
      a = {fragment(aStage, aRow, k), fragment(aStage, aRow8, k),
           fragment(aStage, aRow, k4), fragment(aStage, aRow8, k4)};
      bv = {fragment(bStage, bRow, k), fragment(bStage, bRow, k4)};
    } else {
      Value k = add(mul(inGroup, 2), index(ks)), k8 = add(k, index(8));
      a = {fragment(aStage, aRow, k), fragment(aStage, aRow8, k),
           fragment(aStage, aRow, k8), fragment(aStage, aRow8, k8)};
      bv = {fragment(bStage, bRow, k), fragment(bStage, bRow, k8)};
    }
    auto mma = NVVM::MmaOp::create(
        b, loc, structType, a, bv, result, ArrayRef<int64_t>{kMmaM, kMmaN, mmaK},
        std::nullopt, std::nullopt, std::array<NVVM::MMATypes, 2>{ptxType, ptxType},
        std::array<NVVM::MMALayout, 2>{NVVM::MMALayout::row, NVVM::MMALayout::col});
    for (int64_t r = 0; r < 4; ++r)
      result[r] = LLVM::ExtractValueOp::create(b, loc, mma, ArrayRef<int64_t>{r});
  }
  return result;
}

void MmaEmitter::emit() {
  MLIRContext *ctx = b.getContext();
  Type f32 = b.getF32Type();
  AffineMap cMap = c.op.getMatchingIndexingMap(c.c), aMap = c.op.getMatchingIndexingMap(c.a);
  Value rowCount = dimOf(c.c, *resultOfLoop(cMap, c.m));
  Value colCount = dimOf(c.c, *resultOfLoop(cMap, c.n));
  Value kCount = dimOf(c.a, *resultOfLoop(aMap, c.k));

  auto region = scf::ExecuteRegionOp::create(b, loc, TypeRange{});
  region->setAttr(kBlockCooperativeAttr, UnitAttr::get(ctx));
  Block *body = b.createBlock(&region.getRegion());
  b.setInsertionPointToStart(body);
  scf::YieldOp::create(b, loc);
  b.setInsertionPointToStart(body);

  tid = mlir::gpu::ThreadIdOp::create(b, loc, mlir::gpu::Dimension::x);
  Value warp = arith::DivUIOp::create(b, loc, tid, index(kWarpSize));
  Value lane = arith::RemUIOp::create(b, loc, tid, index(kWarpSize));
  group = arith::DivUIOp::create(b, loc, lane, index(4));
  inGroup = arith::RemUIOp::create(b, loc, lane, index(4));

  // The warps share the tile's 16x8 mma tiles round robin: warp w takes
  // tiles w, w + warps, ...; each accumulates its tiles across the K loop.
  int64_t warps = blockSize / kWarpSize;
  int64_t tilesN = llvm::divideCeil(c.boundN, kMmaN);
  int64_t tiles = llvm::divideCeil(c.boundM, kMmaM) * tilesN;
  int64_t perWarp = llvm::divideCeil(tiles, warps);
  struct WarpTile {
    Value active, rowBase, colBase;
  };
  SmallVector<WarpTile> warpTiles;
  for (int64_t w = 0; w < perWarp; ++w) {
    Value tile = add(warp, index(w * warps));
    WarpTile wt;
    wt.active = less(tile, index(tiles));
    wt.rowBase = mul(arith::DivUIOp::create(b, loc, tile, index(tilesN)), kMmaM);
    wt.colBase = mul(arith::RemUIOp::create(b, loc, tile, index(tilesN)), kMmaN);
    warpTiles.push_back(wt);
  }
  // This lane's element r of a tile's accumulator: (row, col, inside).
  auto element = [&](const WarpTile &wt, int64_t r) {
    Value row = add(add(wt.rowBase, group), index(8 * (r / 2)));
    Value col = add(add(wt.colBase, mul(inGroup, 2)), index(r % 2));
    return std::make_tuple(row, col, both(less(row, rowCount), less(col, colCount)));
  };
  Type cType = getElementTypeOrSelf(c.c->get().getType());
  // The op accumulates into its output: the accumulators start from it.
  SmallVector<Value> init;
  for (const WarpTile &wt : warpTiles)
    for (int64_t r = 0; r < 4; ++r) {
      auto [row, col, inside] = element(wt, r);
      auto load = scf::IfOp::create(b, loc, TypeRange{f32}, inside, /*withElse=*/true);
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(load.thenBlock());
      Value value = memref::LoadOp::create(b, loc, c.c->get(),
                                           indicesOf(c.c, row, col, index(0)));
      if (!cType.isF32())
        value = arith::ExtFOp::create(b, loc, f32, value);
      scf::YieldOp::create(b, loc, value);
      b.setInsertionPointToStart(load.elseBlock());
      scf::YieldOp::create(b, loc, zero(f32));
      init.push_back(load.getResult(0));
    }

  auto kLoop = scf::ForOp::create(b, loc, index(0), kCount, index(kChunkK), init);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(kLoop.getBody());
    Value k0 = kLoop.getInductionVar();
    stage(c.a, aStage, /*isA=*/true, k0, rowCount, kCount);
    stage(c.b, bStage, /*isA=*/false, k0, colCount, kCount);
    mlir::gpu::BarrierOp::create(b, loc);
    SmallVector<Value> next;
    ValueRange acc = kLoop.getRegionIterArgs();
    for (auto [w, wt] : llvm::enumerate(warpTiles)) {
      ValueRange tileAcc = acc.slice(4 * w, 4);
      // Warp-uniform: a warp's lanes take the same branch, as mma.sync needs.
      auto mma = scf::IfOp::create(b, loc, TypeRange(tileAcc), wt.active, /*withElse=*/true);
      OpBuilder::InsertionGuard ifGuard(b);
      b.setInsertionPointToStart(mma.thenBlock());
      scf::YieldOp::create(b, loc, mmaChunk(tileAcc, wt.rowBase, wt.colBase));
      b.setInsertionPointToStart(mma.elseBlock());
      scf::YieldOp::create(b, loc, tileAcc);
      llvm::append_range(next, mma.getResults());
    }
    // The next chunk overwrites the staged buffers.
    mlir::gpu::BarrierOp::create(b, loc);
    scf::YieldOp::create(b, loc, next);
  }
  for (auto [w, wt] : llvm::enumerate(warpTiles))
    for (int64_t r = 0; r < 4; ++r) {
      auto [row, col, inside] = element(wt, r);
      auto store = scf::IfOp::create(b, loc, inside, /*withElse=*/false);
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(store.thenBlock());
      Value value = kLoop.getResult(4 * w + r);
      if (!cType.isF32())
        value = arith::TruncFOp::create(b, loc, cType, value);
      memref::StoreOp::create(b, loc, value, c.c->get(), indicesOf(c.c, row, col, index(0)));
    }
}

/// Bytes of the static temporaries at the kernel's entry, or nullopt when
/// one is sized at run time (the kernel then runs on one thread per block,
/// ThreadDistribution.h, and cannot issue warp-wide mma.sync).
std::optional<int64_t> temporaryBytes(func::FuncOp kernel) {
  int64_t bytes = 0;
  for (memref::AllocaOp alloca : kernel.getBody().front().getOps<memref::AllocaOp>()) {
    MemRefType type = alloca.getType();
    if (!type.hasStaticShape() || !type.getLayout().isIdentity())
      return std::nullopt;
    bytes += type.getNumElements() * int64_t(llvm::divideCeil(type.getElementTypeBitWidth(), 8));
  }
  return bytes;
}

/// The kernel's ONNX node (a NameLoc of the op), or "".
std::string nodeName(Location loc) {
  std::string name;
  loc->walk([&](Location nested) {
    if (auto named = dyn_cast<NameLoc>(nested)) {
      name = named.getName().str();
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  return name;
}

} // namespace

void useTensorCores(func::FuncOp kernel, int64_t blockSize, unsigned smVersion,
                    TensorCoreSummary &summary) {
  SmallVector<linalg::LinalgOp> contractions;
  kernel.walk([&](linalg::LinalgOp op) {
    if (linalg::isaContractionOpInterface(op))
      contractions.push_back(op);
  });
  if (contractions.empty())
    return;
  ++summary.contractionKernels;
  kernel.getContext()->getOrLoadDialect<NVVM::NVVMDialect>();
  std::optional<int64_t> bytes = temporaryBytes(kernel);
  bool all = true;
  for (linalg::LinalgOp op : contractions) {
    auto where = [&] {
      std::string node = nodeName(op.getLoc());
      return kernel.getName().str() + (node.empty() ? "" : " (node '" + node + "')");
    };
    llvm::Expected<Contraction> match = matchContraction(op, summary.precision);
    llvm::Error reason = !match ? match.takeError()
                         : smVersion < 80
                             ? decline("sm_" + llvm::Twine(smVersion) +
                                       ": mma.sync m16n8k8.tf32 / m16n8k16 need sm_80 or newer")
                         : !bytes ? decline("tile temporaries sized at run time (the kernel "
                                            "runs on one thread per block)")
                                  : llvm::Error::success();
    if (reason) {
      summary.declined.push_back(where() + ": " + llvm::toString(std::move(reason)));
      all = false;
      continue;
    }
    // Staged rows padded by 32 bits x 4 (tf32) or 16 bits x 8: the rows a
    // fragment load reads (g = 0..7) then start in different banks.
    Type storage = match->input == MmaInput::TF32 ? Type(Float32Type::get(kernel.getContext()))
                   : match->input == MmaInput::F16 ? Type(Float16Type::get(kernel.getContext()))
                                                   : Type(BFloat16Type::get(kernel.getContext()));
    int64_t pad = match->input == MmaInput::TF32 ? 4 : 8;
    int64_t rowsA = llvm::alignTo(match->boundM, kMmaM), rowsB = llvm::alignTo(match->boundN, kMmaN);
    int64_t stagedBytes = (rowsA + rowsB) * (kChunkK + pad) * (storage.getIntOrFloatBitWidth() / 8);
    if (*bytes + stagedBytes > kMaxSharedBytes) {
      summary.declined.push_back(where() + ": the staged operands (" + std::to_string(stagedBytes) +
                                 " bytes) do not fit in shared memory beside the tile temporaries");
      all = false;
      continue;
    }
    *bytes += stagedBytes;
    OpBuilder entry = OpBuilder::atBlockBegin(&kernel.getBody().front());
    auto aStage = memref::AllocaOp::create(
        entry, op.getLoc(), MemRefType::get({rowsA, kChunkK + pad}, storage));
    auto bStage = memref::AllocaOp::create(
        entry, op.getLoc(), MemRefType::get({rowsB, kChunkK + pad}, storage));
    MmaEmitter(*match, blockSize, aStage, bStage).emit();
    summary.inputTypes.insert(mmaInputName(match->input).str());
    op->erase();
  }
  summary.tensorCoreKernels += all;
}

} // namespace tessera::gpu
