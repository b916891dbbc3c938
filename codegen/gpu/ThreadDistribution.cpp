//===- ThreadDistribution.cpp - a workgroup's tile over a block's threads -===//

#include "codegen/gpu/ThreadDistribution.h"

#include "codegen/cpu/KernelPipeline.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

using namespace mlir;

namespace tessera::gpu {
namespace {

/// Static shared memory a kernel may use without opting in to more.
constexpr int64_t kMaxSharedBytes = 48 * 1024;

struct Threads {
  Value id, count, isFirst;
};

bool isIndependentRows(Operation *op) {
  return isa<scf::ForOp>(op) && op->hasAttr(cpu::kIndependentRowsAttr);
}

/// Whether `op` holds a loop nest that threads can share.
bool containsDistributable(Operation *op) {
  bool found = false;
  op->walk([&](Operation *nested) {
    if (isa<scf::ParallelOp>(nested) || isIndependentRows(nested) ||
        nested->hasAttr(kBlockCooperativeAttr))
      found = true;
  });
  return found;
}

bool writesMemory(Operation *op) {
  if (isa<memref::AllocaOp>(op))
    return false;
  std::optional<SmallVector<MemoryEffects::EffectInstance>> effects =
      getEffectsRecursively(op);
  if (!effects)
    return true;
  return llvm::any_of(*effects, [](const MemoryEffects::EffectInstance &e) {
    return isa<MemoryEffects::Write>(e.getEffect());
  });
}

/// scf.parallel over N iterations (linearized, innermost fastest) becomes
/// for %i = tid; %i < N; %i += threads.
void distributeParallel(scf::ParallelOp loop, const Threads &threads) {
  OpBuilder b(loop);
  cpu::linearizeLoopNest(b, loop.getLoc(), loop.getLowerBound(), loop.getUpperBound(),
                         loop.getStep(), loop.getBody(), threads.id, threads.count);
  loop.erase();
}

void barrierAfter(Operation *op) {
  OpBuilder b(op->getContext());
  b.setInsertionPointAfter(op);
  mlir::gpu::BarrierOp::create(b, op->getLoc());
}

/// Distributes the nests of `block`, whose ops every thread of the block
/// reaches alike (their bounds depend on the workgroup, not on the thread).
LogicalResult distributeBlock(Block &block, const Threads &threads) {
  for (Operation &op : llvm::make_early_inc_range(block.without_terminator())) {
    if (op.hasAttr(kBlockCooperativeAttr)) {
      barrierAfter(&op);
      continue;
    }
    if (auto loop = dyn_cast<scf::ParallelOp>(op)) {
      if (loop.getNumResults() != 0)
        return loop.emitError("a parallel reduction loop cannot be spread over GPU threads yet");
      barrierAfter(loop);
      distributeParallel(loop, threads);
      continue;
    }
    if (isIndependentRows(&op)) {
      auto loop = cast<scf::ForOp>(op);
      OpBuilder b(loop);
      Location loc = loop.getLoc();
      Value offset = arith::MulIOp::create(b, loc, threads.id, loop.getStep());
      loop.setLowerBound(arith::AddIOp::create(b, loc, loop.getLowerBound(), offset));
      loop.setStep(arith::MulIOp::create(b, loc, loop.getStep(), threads.count));
      barrierAfter(loop);
      continue;
    }
    if (isa<scf::ForOp, scf::IfOp>(op) && containsDistributable(&op)) {
      if (op.getNumResults() != 0)
        return op.emitError("a loop that yields values around parallel loop nests "
                            "cannot be spread over GPU threads yet");
      for (Region &region : op.getRegions())
        for (Block &nested : region)
          if (failed(distributeBlock(nested, threads)))
            return failure();
      continue;
    }
    if (!writesMemory(&op))
      continue; // computed by every thread alike
    if (llvm::any_of(op.getResults(), [](Value r) { return !r.use_empty(); }))
      return op.emitError("an op that writes memory and yields values outside a "
                          "parallel loop cannot run on one GPU thread yet");
    OpBuilder b(&op);
    auto guard = scf::IfOp::create(b, op.getLoc(), threads.isFirst, /*withElse=*/false);
    op.moveBefore(guard.thenBlock()->getTerminator());
    barrierAfter(guard);
  }
  return success();
}

/// Whether every use of `value` (through views of it) is inside an
/// attention row loop, where each thread has its own copy.
bool usedOnlyWithinRows(Value value) {
  for (Operation *user : value.getUsers()) {
    if (auto view = dyn_cast<ViewLikeOpInterface>(user)) {
      if (view.getViewSource() == value &&
          llvm::all_of(user->getResults(), usedOnlyWithinRows))
        continue;
    }
    Operation *rows = user->getParentOp();
    while (rows && !isIndependentRows(rows))
      rows = rows->getParentOp();
    if (!rows)
      return false;
  }
  return true;
}

/// The temporaries several threads of a block read and write.
SmallVector<memref::AllocaOp> sharedTemporaries(Block &entry) {
  SmallVector<memref::AllocaOp> shared;
  for (memref::AllocaOp alloca : entry.getOps<memref::AllocaOp>())
    if (!usedOnlyWithinRows(alloca.getResult()))
      shared.push_back(alloca);
  return shared;
}

bool fitsSharedMemory(memref::AllocaOp alloca) {
  MemRefType type = alloca.getType();
  return type.hasStaticShape() && type.getLayout().isIdentity();
}

/// Shared temporaries go into workgroup memory; the kernel still addresses
/// them as plain memrefs (generic pointers), so only the allocation changes.
LogicalResult shareTemporaries(mlir::gpu::GPUFuncOp func,
                               ArrayRef<memref::AllocaOp> allocas) {
  Block &entry = func.getBody().front();
  int64_t bytes = 0;
  OpBuilder b = OpBuilder::atBlockBegin(&entry);
  for (memref::AllocaOp alloca : allocas) {
    MemRefType type = alloca.getType();
    bytes += type.getNumElements() *
             int64_t(llvm::divideCeil(type.getElementTypeBitWidth(), 8));
    if (bytes > kMaxSharedBytes)
      return alloca.emitError("the tile temporaries of this kernel need more than ")
             << kMaxSharedBytes << " bytes of GPU shared memory";
    auto shared = MemRefType::get(
        type.getShape(), type.getElementType(), MemRefLayoutAttrInterface{},
        mlir::gpu::AddressSpaceAttr::get(b.getContext(),
                                         mlir::gpu::AddressSpace::Workgroup));
    BlockArgument buffer = func.addWorkgroupAttribution(shared, alloca.getLoc());
    Value generic = memref::MemorySpaceCastOp::create(b, alloca.getLoc(), type, buffer);
    alloca.replaceAllUsesWith(generic);
    alloca.erase();
  }
  return success();
}

} // namespace

FailureOr<mlir::gpu::GPUFuncOp> distributeOverThreads(func::FuncOp kernel,
                                                      mlir::gpu::GPUModuleOp gpuModule,
                                                      int64_t blockSize) {
  MLIRContext *ctx = kernel.getContext();
  Location loc = kernel.getLoc();
  IRRewriter rewriter(ctx);
  SmallVector<linalg::LinalgOp> linalgOps;
  kernel.walk([&](linalg::LinalgOp op) { linalgOps.push_back(op); });
  for (linalg::LinalgOp op : linalgOps) {
    rewriter.setInsertionPoint(op);
    if (failed(linalg::linalgOpToParallelLoops(rewriter, op)))
      return op.emitError("could not lower to loops for the GPU");
    rewriter.eraseOp(op);
  }

  OpBuilder mb(ctx);
  mb.setInsertionPointToEnd(gpuModule.getBody());
  auto ptr = LLVM::LLVMPointerType::get(ctx);
  auto func = mlir::gpu::GPUFuncOp::create(mb, loc, kernel.getName(),
                                           mb.getFunctionType({ptr, ptr}, {}));
  func->setAttr(mlir::gpu::GPUDialect::getKernelFuncAttrName(), mb.getUnitAttr());
  func.setKnownBlockSizeAttr(
      DenseI32ArrayAttr::get(ctx, {int32_t(blockSize), 1, 1}));
  Block &entry = func.getBody().front();
  OpBuilder b = OpBuilder::atBlockBegin(&entry);
  Type i64 = b.getI64Type();
  Value block = mlir::gpu::BlockIdOp::create(b, loc, mlir::gpu::Dimension::x);
  Threads threads;
  threads.id = mlir::gpu::ThreadIdOp::create(b, loc, mlir::gpu::Dimension::x);
  threads.count = arith::ConstantIndexOp::create(b, loc, blockSize);
  threads.isFirst = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, threads.id,
                                          arith::ConstantIndexOp::create(b, loc, 0));
  // The CPU ABI's (bindings, push constants, workgroup x, y, z): the ids are
  // the block's; dispatches are one-dimensional.
  Value zero = arith::ConstantIntOp::create(b, loc, i64, 0);
  Value ids[] = {arith::IndexCastOp::create(b, loc, i64, block), zero, zero};
  Block &body = kernel.getBody().front();
  body.getArgument(0).replaceAllUsesWith(entry.getArgument(0));
  body.getArgument(1).replaceAllUsesWith(entry.getArgument(1));
  for (unsigned i = 0; i < 3; ++i)
    body.getArgument(2 + i).replaceAllUsesWith(ids[i]);
  Operation *ret = body.getTerminator();
  b.setInsertionPoint(ret);
  mlir::gpu::ReturnOp::create(b, ret->getLoc());
  ret->erase();
  entry.getOperations().splice(entry.end(), body.getOperations());
  kernel.erase();

  SmallVector<memref::AllocaOp> shared = sharedTemporaries(entry);
  if (llvm::all_of(shared, fitsSharedMemory)) {
    if (failed(shareTemporaries(func, shared)) || failed(distributeBlock(entry, threads)))
      return failure();
    return func;
  }
  // A temporary sized at run time (a copy of a strided view with dynamic
  // dims) has no place in shared memory: the whole kernel runs on thread 0
  // of each block, the temporary in its private memory.
  func->setAttr(kSingleThreadAttr, b.getUnitAttr());
  b.setInsertionPointAfter(threads.isFirst.getDefiningOp());
  auto serial = scf::IfOp::create(b, loc, threads.isFirst, /*withElse=*/false);
  Block *then = serial.thenBlock();
  then->getOperations().splice(then->begin(), entry.getOperations(),
                               std::next(serial->getIterator()),
                               entry.getTerminator()->getIterator());
  return func;
}

} // namespace tessera::gpu
