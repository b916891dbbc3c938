//===- KernelPipeline.cpp - ABI kernels down to the LLVM dialect ----------===//

#include "codegen/cpu/KernelPipeline.h"

#include "codegen/cpu/AttentionKernel.h"
#include "codegen/cpu/ContractionVectorization.h"
#include "codegen/cpu/EpilogueFusion.h"
#include "codegen/cpu/KernelABI.h"

#include "ir/TesseraDialect.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Bufferization/Transforms/OneShotAnalysis.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tensor/Transforms/Transforms.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/TilingInterface.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

namespace tessera::cpu {
namespace {

/// Vector registers of the CPU kernels (AVX-512; LLVM splits them in two
/// for AVX2).
constexpr int64_t kVectorBits = 512;

/// Assumed size of a dynamic loop when choosing tiles.
constexpr int64_t kAssumedDynamicSize = 512;

/// Workgroup tile sizes for the loops of `op` (0 = not tiled). Reductions are
/// never split. Contractions get 2-D tiles of their last two parallel loops;
/// everything else tiles its outer parallel loops so that a tile holds about
/// `elementsPerTile` elements.
SmallVector<int64_t> chooseTileSizes(linalg::LinalgOp op, unsigned threadsHint,
                                     const WorkgroupTiling &config) {
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  SmallVector<int64_t> sizes(ranges.size(), 0);
  SmallVector<unsigned> parallel;
  for (unsigned i = 0; i < ranges.size(); ++i)
    if (iterators[i] == utils::IteratorType::parallel)
      parallel.push_back(i);
  auto size = [&](unsigned i) {
    return ShapedType::isDynamic(ranges[i]) ? kAssumedDynamicSize : ranges[i];
  };
  FailureOr<linalg::ContractionDimensions> dims = linalg::inferContractionDims(op);
  if (linalg::isaContractionOpInterface(op) && succeeded(dims) &&
      !dims->m.empty() && !dims->n.empty()) {
    for (unsigned d : dims->batch)
      sizes[d] = 1;
    for (unsigned d : dims->m)
      sizes[d] = 1;
    sizes[dims->m.back()] = config.contractionTileM;
    // N: kContractionTileN columns, counted over the n loops from the inside
    // (a packed weight splits n into panels and columns within a panel).
    int64_t columns = config.contractionTileN;
    for (unsigned d : llvm::reverse(dims->n)) {
      if (columns <= 1) {
        sizes[d] = 1;
      } else if (d == dims->n.back() && !ShapedType::isDynamic(ranges[d]) &&
                 ranges[d] <= columns) {
        columns /= ranges[d]; // whole panel width: not tiled
      } else {
        sizes[d] = columns;
        columns = 1;
      }
    }
    // Few rows (decoding one token): narrower column tiles, so that every
    // thread gets work.
    unsigned n = dims->n.front();
    while (sizes[n] > 1 && !ShapedType::isDynamic(ranges[n]) &&
           llvm::divideCeil(ranges[n], sizes[n]) < 2 * int64_t(threadsHint) &&
           !ShapedType::isDynamic(ranges[dims->m.back()]) &&
           llvm::divideCeil(ranges[dims->m.back()], config.contractionTileM) < 2)
      sizes[n] /= 2;
    return sizes;
  }
  int64_t elements = 1;
  for (unsigned i : llvm::reverse(parallel)) {
    if (elements * size(i) <= config.elementsPerTile) {
      elements *= size(i);
      continue;
    }
    sizes[i] = std::max<int64_t>(1, config.elementsPerTile / elements);
    elements = config.elementsPerTile;
  }
  // Outer loops left at 0 above are tiled by 1 once the tile is full.
  bool full = false;
  for (unsigned i : llvm::reverse(parallel)) {
    if (full && sizes[i] == 0)
      sizes[i] = 1;
    if (sizes[i] != 0)
      full = true;
  }
  return sizes;
}

/// For an epilogue (EpilogueFusion.h), the tiles of the matmul it updates,
/// carried over to its own loops: its output is the matmul's, indexed by
/// the identity, so its loop i is output dim i. (Its own tiles when the
/// matmul's output does not map its loops one to one.)
SmallVector<int64_t> chooseEpilogueTileSizes(linalg::LinalgOp epilogue,
                                             linalg::LinalgOp contraction,
                                             unsigned threadsHint,
                                             const WorkgroupTiling &config) {
  AffineMap out = contraction.getMatchingIndexingMap(contraction.getDpsInitOperand(0));
  if (!out.isProjectedPermutation() || contraction.getNumParallelLoops() != epilogue.getNumLoops())
    return chooseTileSizes(epilogue, threadsHint, config);
  SmallVector<int64_t> contractionTiles = chooseTileSizes(contraction, threadsHint, config);
  SmallVector<int64_t> tiles;
  for (unsigned i = 0; i < out.getNumResults(); ++i)
    tiles.push_back(contractionTiles[out.getDimPosition(i)]);
  return tiles;
}

int64_t countWorkgroups(linalg::LinalgOp op, ArrayRef<int64_t> tiles,
                        int64_t maxWorkgroups) {
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  int64_t count = 1;
  for (auto [range, tile] : llvm::zip(ranges, tiles)) {
    if (tile == 0)
      continue;
    if (ShapedType::isDynamic(range))
      return maxWorkgroups;
    count *= llvm::divideCeil(range, tile);
    if (count >= maxWorkgroups)
      return maxWorkgroups;
  }
  return count;
}

/// The op whose results the kernel writes to its output buffers.
Operation *findRoot(func::FuncOp kernel) {
  Operation *root = nullptr;
  kernel.walk([&](bufferization::MaterializeInDestinationOp m) {
    Operation *def = m.getSource().getDefiningOp();
    if (!root || (def && root->isBeforeInBlock(def)))
      root = def;
  });
  return root;
}

void setWorkgroups(func::FuncOp kernel, int64_t count) {
  kernel->setAttr(kWorkgroupsAttr,
                  IntegerAttr::get(IntegerType::get(kernel.getContext(), 64),
                                   count));
}

} // namespace

std::optional<int64_t> constantUpperBound(Value size) {
  if (std::optional<int64_t> c = getConstantIntValue(size))
    return c;
  auto min = size.getDefiningOp<affine::AffineMinOp>();
  if (!min)
    return std::nullopt;
  std::optional<int64_t> bound;
  for (AffineExpr e : min.getMap().getResults())
    if (auto c = dyn_cast<AffineConstantExpr>(e))
      bound = bound ? std::min(*bound, c.getValue()) : c.getValue();
  return bound;
}

scf::ForOp linearizeLoopNest(OpBuilder &b, Location loc, ValueRange lbs, ValueRange ubs,
                             ValueRange steps, Block *body, Value start, Value stride) {
  SmallVector<Value> counts;
  Value total = arith::ConstantIndexOp::create(b, loc, 1);
  for (auto [lb, ub, step] : llvm::zip(lbs, ubs, steps)) {
    Value extent = arith::SubIOp::create(b, loc, ub, lb);
    counts.push_back(arith::CeilDivSIOp::create(b, loc, extent, step));
    total = arith::MulIOp::create(b, loc, total, counts.back());
  }
  auto loop = scf::ForOp::create(b, loc, start, total, stride);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(loop.getBody());
  // Delinearize, innermost loop fastest.
  SmallVector<Value> ivs(counts.size());
  Value rest = loop.getInductionVar();
  for (int64_t i = counts.size() - 1; i >= 0; --i) {
    Value index = i == 0 ? rest : arith::RemSIOp::create(b, loc, rest, counts[i]);
    if (i > 0)
      rest = arith::DivSIOp::create(b, loc, rest, counts[i]);
    Value scaled = arith::MulIOp::create(b, loc, index, steps[i]);
    ivs[i] = arith::AddIOp::create(b, loc, lbs[i], scaled);
  }
  body->getTerminator()->erase();
  Operation *yield = loop.getBody()->getTerminator();
  yield->getBlock()->getOperations().splice(yield->getIterator(), body->getOperations());
  for (auto [arg, iv] : llvm::zip(body->getArguments(), ivs))
    arg.replaceAllUsesWith(iv);
  return loop;
}

namespace {

/// Replaces a memref-level scf.forall (after bufferization) by a loop over
/// the tiles this workgroup owns: tiles t = wg, wg + W, wg + 2W, ... of the
/// linearized iteration space, W being the dispatch's workgroup count.
LogicalResult distributeForall(scf::ForallOp forall, Value workgroup,
                               int64_t workgroups) {
  if (!forall.getOutputs().empty())
    return forall.emitError("forall still has tensor outputs after "
                            "bufferization");
  OpBuilder b(forall);
  Location loc = forall.getLoc();
  SmallVector<Value> lbs = getValueOrCreateConstantIndexOp(
      b, loc, forall.getMixedLowerBound());
  SmallVector<Value> ubs = getValueOrCreateConstantIndexOp(
      b, loc, forall.getMixedUpperBound());
  SmallVector<Value> steps =
      getValueOrCreateConstantIndexOp(b, loc, forall.getMixedStep());
  Value stride = arith::ConstantIndexOp::create(b, loc, workgroups);
  linearizeLoopNest(b, loc, lbs, ubs, steps, forall.getBody(), workgroup, stride);
  forall.erase();
  return success();
}

/// Whether some op outside the workgroup loop writes memory (an untiled op,
/// or a temporary copied to the output afterwards): then one workgroup must
/// do all the tiles, or the writes of different workgroups would race.
bool writesOutsideTiles(func::FuncOp kernel) {
  for (Operation &op : kernel.getBody().front()) {
    if (isa<scf::ForallOp>(op))
      continue;
    auto effects = dyn_cast<MemoryEffectOpInterface>(op);
    if (effects ? effects.hasEffect<MemoryEffects::Write>()
                : !isMemoryEffectFree(&op))
      if (!isa<memref::AllocOp, memref::AllocaOp, memref::DeallocOp>(op)) {
        return true;
      }
  }
  return false;
}


/// A tile's temporaries (the row statistics of a norm computed in its
/// kernel) live on the kernel's stack, allocated once on entry: the kernel
/// ABI has no allocator, heap memory here would be neither checked nor
/// freed, and stack allocated in the workgroup loop would grow with every
/// tile. A dim sized on entry is allocated at that size; one sized by its
/// tile (clipped at the edge) at the tile's full size, and the buffer is
/// then viewed at the clipped sizes where the temporary was made.
LogicalResult allocateTemporariesOnStack(func::FuncOp kernel) {
  SmallVector<memref::AllocOp> allocs;
  kernel.walk([&](memref::AllocOp alloc) { allocs.push_back(alloc); });
  Block &entry = kernel.getBody().front();
  for (memref::AllocOp alloc : allocs) {
    MemRefType type = alloc.getType();
    Location loc = alloc.getLoc();
    OpBuilder b = OpBuilder::atBlockBegin(&entry);
    SmallVector<int64_t> fullShape;
    SmallVector<Value> fullSizes;
    bool clipped = false;
    auto dynamicSize = alloc.getDynamicSizes().begin();
    for (int64_t dim : type.getShape()) {
      if (!ShapedType::isDynamic(dim)) {
        fullShape.push_back(dim);
        continue;
      }
      Value size = *dynamicSize++;
      if (size.getParentBlock() == &entry) {
        fullShape.push_back(ShapedType::kDynamic);
        fullSizes.push_back(size);
        if (Operation *def = size.getDefiningOp())
          if (b.getInsertionPoint() == entry.end() ||
              !def->isBeforeInBlock(&*b.getInsertionPoint()))
            b.setInsertionPointAfter(def);
        continue;
      }
      std::optional<int64_t> bound = constantUpperBound(size);
      if (!bound)
        return alloc.emitError("a temporary buffer whose size has no compile-time bound");
      fullShape.push_back(*bound);
      clipped = true;
    }
    if (clipped && !type.getLayout().isIdentity())
      return alloc.emitError("a temporary buffer with a non-identity layout");
    auto full = memref::AllocaOp::create(
        b, loc,
        MemRefType::get(fullShape, type.getElementType(), type.getLayout(),
                        type.getMemorySpace()),
        fullSizes, alloc.getSymbolOperands(), alloc.getAlignmentAttr());
    Value replacement = full.getResult();
    if (clipped) {
      // Row-major at the clipped sizes: each is at most the full one, so
      // the view stays inside the buffer.
      b.setInsertionPoint(alloc);
      SmallVector<OpFoldResult> sizes = alloc.getMixedSizes();
      SmallVector<OpFoldResult> strides(sizes.size(), b.getIndexAttr(1));
      for (int64_t i = int64_t(sizes.size()) - 2; i >= 0; --i) {
        AffineExpr x, y;
        bindSymbols(b.getContext(), x, y);
        strides[i] = affine::makeComposedFoldedAffineApply(b, loc, x * y,
                                                           {strides[i + 1], sizes[i + 1]});
      }
      replacement = memref::ReinterpretCastOp::create(b, loc, type, full, b.getIndexAttr(0),
                                                      sizes, strides);
    }
    alloc.replaceAllUsesWith(replacement);
    alloc.erase();
  }
  return success();
}

LogicalResult distributeKernel(func::FuncOp kernel) {
  auto attr = kernel->getAttrOfType<IntegerAttr>(kWorkgroupsAttr);
  if (!attr || kernel->hasAttr(kDistributedAttr))
    return success();
  if (attr.getInt() > 1 && writesOutsideTiles(kernel)) {
    setWorkgroups(kernel, 1);
    attr = kernel->getAttrOfType<IntegerAttr>(kWorkgroupsAttr);
  }
  SmallVector<scf::ForallOp> foralls;
  for (auto forall : kernel.getBody().front().getOps<scf::ForallOp>())
    foralls.push_back(forall);
  if (foralls.empty())
    return success();
  OpBuilder b = OpBuilder::atBlockBegin(&kernel.getBody().front());
  Value workgroup = arith::IndexCastOp::create(
      b, kernel.getLoc(), b.getIndexType(), kernel.getArgument(2));
  for (scf::ForallOp forall : foralls)
    if (failed(distributeForall(forall, workgroup, attr.getInt())))
      return failure();
  return success();
}

/// The parallel loop to make innermost in place of a reduction, so that the
/// innermost loop walks contiguous memory without a loop-carried sum (a
/// matmul's (m, n, k) becomes (m, k, n)): the one that is the last index of
/// the output and of every operand that reads it.
std::optional<unsigned> contiguousParallelLoop(linalg::GenericOp op) {
  unsigned loops = op.getNumLoops();
  if (loops < 2 || op.getIteratorTypesArray().back() != utils::IteratorType::reduction)
    return std::nullopt;
  AffineMap out = op.getMatchingIndexingMap(op.getDpsInitOperand(0));
  if (out.getNumResults() == 0)
    return std::nullopt;
  auto last = dyn_cast<AffineDimExpr>(out.getResults().back());
  if (!last)
    return std::nullopt;
  unsigned p = last.getPosition();
  for (AffineMap map : op.getIndexingMapsArray()) {
    if (!map.isFunctionOfDim(p))
      continue;
    auto inner = dyn_cast<AffineDimExpr>(map.getResults().back());
    if (!inner || inner.getPosition() != p)
      return std::nullopt;
  }
  return p;
}

/// Generalizes named ops and reorders contraction loops (see above) before
/// they become scalar loops for LLVM's vectorizer.
LogicalResult orderLoopsForVectorization(func::FuncOp kernel) {
  IRRewriter rewriter(kernel.getContext());
  SmallVector<linalg::LinalgOp> ops;
  kernel.walk([&](linalg::LinalgOp op) { ops.push_back(op); });
  for (linalg::LinalgOp op : ops) {
    linalg::GenericOp generic = dyn_cast<linalg::GenericOp>(op.getOperation());
    if (!generic) {
      if (isa<linalg::FillOp, linalg::CopyOp>(op.getOperation()))
        continue;
      rewriter.setInsertionPoint(op);
      FailureOr<linalg::GenericOp> g = linalg::generalizeNamedOp(rewriter, op);
      if (failed(g))
        continue;
      generic = *g;
    }
    std::optional<unsigned> p = contiguousParallelLoop(generic);
    if (!p)
      continue;
    SmallVector<unsigned> order;
    for (unsigned i = 0; i < generic.getNumLoops(); ++i)
      if (i != *p)
        order.push_back(i);
    order.push_back(*p);
    if (failed(linalg::interchangeGenericOp(rewriter, generic, order)))
      return generic.emitError("could not reorder loops");
  }
  return success();
}

LogicalResult runPipeline(ModuleOp module, StringRef pipeline) {
  PassManager pm(module.getContext());
  // --mlir-print-ir-after-all and friends, when the tool registered them.
  (void)applyPassManagerCLOptions(pm);
  std::string error;
  llvm::raw_string_ostream os(error);
  if (failed(parsePassPipeline(pipeline, pm, os)))
    return module.emitError("internal pass pipeline: ") << error;
  return pm.run(module);
}

} // namespace

LogicalResult tileForWorkgroups(func::FuncOp kernel, unsigned threadsHint,
                                const WorkgroupTiling &config) {
  // Reshapes of tensor.empty become empties of the reshaped type, so that
  // every init traces back to an empty the output buffer can replace.
  {
    MLIRContext *ctx = kernel.getContext();
    RewritePatternSet patterns(ctx);
    tensor::populateFoldTensorEmptyPatterns(patterns);
    linalg::FillOp::getCanonicalizationPatterns(patterns, ctx);
    (void)applyPatternsGreedily(kernel, std::move(patterns));
  }
  Operation *root = findRoot(kernel);
  if (!root) {
    setWorkgroups(kernel, 1);
    return success();
  }
  if (auto attention = dyn_cast<tessera::AttentionOp>(root))
    return lowerAttention(attention, kernel, config.maxWorkgroups,
                          config.vectorize ? kVectorBits : 0);
  auto linalgOp = dyn_cast<linalg::LinalgOp>(root);
  auto tileable = dyn_cast<TilingInterface>(root);
  if (!linalgOp || !tileable) {
    setWorkgroups(kernel, 1);
    return success();
  }
  linalg::LinalgOp contraction = epilogueContraction(root);
  SmallVector<int64_t> tiles =
      contraction ? chooseEpilogueTileSizes(linalgOp, contraction, threadsHint, config)
                  : chooseTileSizes(linalgOp, threadsHint, config);
  if (llvm::all_of(tiles, [](int64_t t) { return t == 0; })) {
    setWorkgroups(kernel, 1);
    return success();
  }
  IRRewriter rewriter(kernel.getContext());
  scf::SCFTilingOptions tiling;
  OpBuilder b(kernel.getContext());
  SmallVector<OpFoldResult> tileSizes;
  for (int64_t t : tiles)
    tileSizes.push_back(b.getIndexAttr(t));
  tiling.setTileSizes(tileSizes);
  tiling.setLoopType(scf::SCFTilingOptions::LoopType::ForallOp);
  scf::SCFTileAndFuseOptions options;
  options.setTilingOptions(tiling);
  rewriter.setInsertionPoint(root);
  FailureOr<scf::SCFTileAndFuseResult> result =
      scf::tileConsumerAndFuseProducersUsingSCF(rewriter, tileable, options);
  if (failed(result))
    return root->emitError("could not tile for workgroups");
  for (OpResult r : root->getResults())
    if (Value replacement = result->replacements.lookup(r))
      rewriter.replaceAllUsesWith(r, replacement);
  if (root->use_empty())
    rewriter.eraseOp(root);
  setWorkgroups(kernel, countWorkgroups(linalgOp, tiles, config.maxWorkgroups));
  return config.vectorize ? vectorizeContractions(kernel) : success();
}

LogicalResult bufferizeKernels(ModuleOp module) {
  // Results are computed in their output buffers, not copied there.
  if (failed(runPipeline(module, "canonicalize,cse,eliminate-empty-tensors")))
    return failure();
  bufferization::OneShotBufferizationOptions options;
  options.allowReturnAllocsFromLoops = true;
  bufferization::BufferizationState state;
  if (failed(bufferization::runOneShotBufferize(module, options, state)))
    return module.emitError("bufferization failed");
  // Tile results are written in place: their copies into themselves fold
  // once identical subviews are merged.
  if (failed(runPipeline(module, "cse,canonicalize")))
    return failure();
  for (auto func : module.getOps<func::FuncOp>())
    if (failed(distributeKernel(func)) || failed(allocateTemporariesOnStack(func)))
      return failure();
  // Remaining copies become loops here rather than calls to MLIR's runtime
  // library, which the runtime does not have.
  module.walk([](memref::CopyOp copy) {
    OpBuilder b(copy);
    linalg::CopyOp::create(b, copy.getLoc(), copy.getSource(), copy.getTarget());
    copy.erase();
  });
  // Transcendentals become polynomials that vectorize, rather than calls to
  // libm (or to CUDA's libdevice), which neither runtime links.
  RewritePatternSet patterns(module.getContext());
  populateMathPolynomialApproximationPatterns(patterns);
  if (failed(applyPatternsGreedily(module, std::move(patterns))))
    return module.emitError("math approximation failed");
  return success();
}

LogicalResult lowerKernelsToLLVM(ModuleOp module) {
  if (failed(bufferizeKernels(module)))
    return failure();
  for (auto func : module.getOps<func::FuncOp>())
    if (failed(lowerVectorContractions(func)) || failed(orderLoopsForVectorization(func)))
      return failure();
  return runPipeline(
      module,
      "canonicalize,cse,func.func(buffer-hoisting,promote-buffers-to-stack),"
      "func.func(convert-linalg-to-loops,lower-vector-multi-reduction,"
      "convert-vector-to-scf{full-unroll=true},lower-affine),convert-scf-to-cf,"
      "expand-strided-metadata,lower-affine,convert-vector-to-llvm,"
      "finalize-memref-to-llvm,convert-math-to-llvm,convert-math-to-libm,"
      "convert-arith-to-llvm,convert-ub-to-llvm,convert-index-to-llvm,"
      "convert-func-to-llvm,convert-cf-to-llvm,reconcile-unrealized-casts,"
      "canonicalize,cse");
}

} // namespace tessera::cpu
