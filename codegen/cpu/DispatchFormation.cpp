//===- DispatchFormation.cpp - host functions into dispatches -------------===//

#include "codegen/cpu/DispatchFormation.h"

#include "codegen/cpu/EpilogueFusion.h"

#include "ir/TesseraDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/Transforms/Transforms.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "mlir/Transforms/RegionUtils.h"

#include "llvm/ADT/SetVector.h"

using namespace mlir;

namespace tessera::cpu {
namespace {

/// Constants up to this many elements are copied into the kernels that use
/// them; larger ones are weights, bound as buffers.
constexpr int64_t kMaxInlinedConstantElements = 256;

bool isTensor(Value v) { return isa<RankedTensorType>(v.getType()); }

bool isClonable(Operation *op);

/// Reshapes of a row-major tensor reinterpret its bytes: the host keeps them
/// as aliases of their source buffer when that source has one (an input, a
/// weight, a dispatch result).
bool isReshape(Operation *op) {
  return isa<tensor::ExpandShapeOp, tensor::CollapseShapeOp, tensor::ReshapeOp>(op);
}

bool isAlias(Operation *op) {
  if (!isReshape(op))
    return false;
  Operation *source = op->getOperand(0).getDefiningOp();
  return !source || !isClonable(source);
}

bool isInlinedConstant(Operation *op) {
  auto constant = dyn_cast<arith::ConstantOp>(op);
  if (!constant)
    return false;
  auto type = dyn_cast<RankedTensorType>(constant.getType());
  if (!type)
    return true;
  return isa<DenseElementsAttr>(constant.getValue()) &&
         type.getNumElements() <= kMaxInlinedConstantElements;
}

/// Ops cheap enough to recompute inside every dispatch that reads them.
bool isClonable(Operation *op) {
  if (isa<tensor::EmptyOp, linalg::FillOp, tensor::ExtractSliceOp,
          tensor::FromElementsOp>(op))
    return true;
  if (isInlinedConstant(op))
    return true;
  // A reshape of something recomputed is recomputed with it.
  if (isReshape(op))
    if (Operation *source = op->getOperand(0).getDefiningOp())
      return isClonable(source);
  // Members of a concat chain (insert_slice into insert_slice) are part of the
  // dispatch of the last one.
  if (auto insert = dyn_cast<tensor::InsertSliceOp>(op))
    return !insert->use_empty() &&
           llvm::all_of(insert->getUses(), [](OpOperand &use) {
             auto user = dyn_cast<tensor::InsertSliceOp>(use.getOwner());
             return user && use.get() == user.getDest();
           });
  return false;
}

/// Tensor ops computed in the kernel of a later op (the key: the op, the
/// value: that later op) rather than in a dispatch of their own.
using Absorbed = llvm::DenseMap<Operation *, Operation *>;

bool isRoot(Operation *op, const Absorbed &absorbed) {
  if (isa<func::FuncOp, func::ReturnOp, arith::ConstantOp>(op) || isAlias(op) ||
      absorbed.count(op))
    return false;
  return llvm::any_of(op->getResults(), isTensor) && !isClonable(op);
}

/// An identity copy of `value` (a generic, so that it tiles like any other
/// dispatch).
Value createCopy(OpBuilder &b, Location loc, Value value) {
  auto type = cast<RankedTensorType>(value.getType());
  SmallVector<Value> dynamic;
  for (int64_t i = 0; i < type.getRank(); ++i)
    if (type.isDynamicDim(i))
      dynamic.push_back(tensor::DimOp::create(b, loc, value, i));
  Value empty = tensor::EmptyOp::create(b, loc, type.getShape(),
                                        type.getElementType(), dynamic);
  AffineMap id = b.getMultiDimIdentityMap(type.getRank());
  SmallVector<utils::IteratorType> iterators(type.getRank(),
                                             utils::IteratorType::parallel);
  auto copy = linalg::GenericOp::create(
      b, loc, type, ValueRange{value}, ValueRange{empty},
      ArrayRef<AffineMap>{id, id}, iterators,
      [](OpBuilder &nb, Location nloc, ValueRange args) {
        linalg::YieldOp::create(nb, nloc, args[0]);
      });
  return copy.getResult(0);
}

/// Every returned value and every attention operand must be a dispatch
/// result, written by a kernel into its own buffer: copy the others.
void insertCopies(func::FuncOp func) {
  OpBuilder b(func.getContext());
  auto needsCopy = [](Value v) {
    Operation *def = v.getDefiningOp();
    return !def || isClonable(def) || isAlias(def) ||
           isa<arith::ConstantOp>(def);
  };
  func.walk([&](func::ReturnOp ret) {
    b.setInsertionPoint(ret);
    llvm::SmallDenseSet<Value> returned;
    for (OpOperand &operand : ret->getOpOperands()) {
      Value v = operand.get();
      if (needsCopy(v) || !returned.insert(v).second)
        operand.set(createCopy(b, ret.getLoc(), v));
    }
  });
  func.walk([&](tessera::AttentionOp attention) {
    b.setInsertionPoint(attention);
    for (OpOperand &operand : attention->getOpOperands()) {
      Operation *def = operand.get().getDefiningOp();
      if (def && (isClonable(def) && !isa<arith::ConstantOp>(def)))
        operand.set(createCopy(b, attention.getLoc(), operand.get()));
    }
  });
}

/// tensor.dim of an attention result: [B, Hq, Sq] of the query, Dv of the
/// value; present caches are not sized here.
struct AttentionDim : OpRewritePattern<tensor::DimOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(tensor::DimOp dim,
                                PatternRewriter &rewriter) const override {
    auto result = dyn_cast<OpResult>(dim.getSource());
    auto attention =
        result ? dyn_cast<tessera::AttentionOp>(result.getOwner()) : nullptr;
    std::optional<int64_t> index = dim.getConstantIndex();
    if (!attention || result.getResultNumber() != 0 || !index)
      return failure();
    Value from = *index == 3 ? attention.getValue() : attention.getQuery();
    rewriter.replaceOpWithNewOp<tensor::DimOp>(dim, from, *index);
    return success();
  }
};

/// Host index values for every dynamic dim of every tensor the dispatches
/// read or write, in terms of the function's input dims.
class DimTable {
public:
  LogicalResult build(func::FuncOp func, const Absorbed &absorbed) {
    OpBuilder b(func.getContext());
    SmallVector<Value> dims;
    SmallVector<std::pair<Value, int64_t>> keys;
    func.walk([&](Operation *op) {
      if (!isRoot(op, absorbed) && !isAlias(op))
        return;
      b.setInsertionPointAfter(op);
      for (Value result : op->getResults()) {
        auto type = dyn_cast<RankedTensorType>(result.getType());
        if (!type)
          continue;
        for (int64_t i = 0; i < type.getRank(); ++i) {
          if (!type.isDynamicDim(i))
            continue;
          dims.push_back(tensor::DimOp::create(b, op->getLoc(), result, i));
          keys.push_back({result, i});
        }
      }
    });
    if (dims.empty())
      return success();
    // The dims are kept alive through a call to an opaque function (it has
    // effects, so the rewrite cannot drop it) while the patterns rewrite
    // them into arithmetic on input dims.
    MLIRContext *ctx = func.getContext();
    auto module = func->getParentOfType<ModuleOp>();
    OpBuilder mb(module.getBodyRegion());
    SmallVector<Type> types(dims.size(), mb.getIndexType());
    auto keeper = func::FuncOp::create(mb, func.getLoc(), "__tsr_keep_dims",
                                       mb.getFunctionType(types, {}));
    keeper.setPrivate();
    b.setInsertionPoint(func.getBody().front().getTerminator());
    auto keep = func::CallOp::create(b, func.getLoc(), keeper, dims);
    RewritePatternSet patterns(ctx);
    memref::populateResolveRankedShapedTypeResultDimsPatterns(patterns);
    tensor::DimOp::getCanonicalizationPatterns(patterns, ctx);
    patterns.add<AttentionDim>(ctx);
    GreedyRewriteConfig config;
    config.setStrictness(GreedyRewriteStrictness::AnyOp);
    if (failed(applyPatternsGreedily(func, std::move(patterns), config)))
      return func.emitError("could not resolve the dynamic sizes of its "
                            "intermediate tensors");
    for (auto [key, value] : llvm::zip(keys, keep.getOperands()))
      table[key] = value;
    keep->erase();
    keeper->erase();
    return success();
  }

  /// The index value of dim `i` of `v`; for function arguments a host
  /// tensor.dim.
  Value get(OpBuilder &b, Location loc, Value v, int64_t i) {
    auto it = table.find({v, i});
    if (it != table.end())
      return it->second;
    Value dim = tensor::DimOp::create(b, loc, v, i);
    table[{v, i}] = dim;
    return dim;
  }

  void replace(Value from, Value to) {
    auto type = cast<RankedTensorType>(from.getType());
    for (int64_t i = 0; i < type.getRank(); ++i) {
      // Copied out first: inserting may grow the table and move the entry.
      if (Value dim = table.lookup({from, i}))
        table[{to, i}] = dim;
    }
  }

private:
  llvm::DenseMap<std::pair<Value, int64_t>, Value> table;
};

std::string kernelName(unsigned index, Operation *root) {
  std::string name = (kTensorKernelPrefix + "tsr_k" + llvm::Twine(index) + "_").str();
  for (char c : root->getName().getStringRef())
    name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return name;
}

/// The model node an op came from (an ONNX node name), for profiles and
/// errors; "" when the location names none.
std::string sourceName(Location loc) {
  if (auto name = dyn_cast<NameLoc>(loc))
    return name.getName().str();
  if (auto fused = dyn_cast<FusedLoc>(loc)) {
    std::string names;
    for (Location part : fused.getLocations())
      if (std::string n = sourceName(part); !n.empty())
        names += (names.empty() ? "" : "+") + n;
    return names;
  }
  return "";
}

/// A norm's statistics (mean, variance: reductions over a row, and what is
/// computed from them per row) are recomputed nowhere else when only the
/// op that normalizes reads them, directly or through each other: they go
/// into its kernel, where tiling computes them for the rows of each tile,
/// and never reach memory.
///
///   %mean = reduce(%x)          (rows)     \
///   %var  = reduce(%x, %mean)   (rows)      } one kernel
///   %y    = normalize(%x, %mean, %var)     /
bool isRowStatistic(Operation *op, RankedTensorType rootType) {
  auto generic = dyn_cast<linalg::GenericOp>(op);
  if (!generic || generic->getNumResults() != 1 || linalg::isaContractionOpInterface(generic))
    return false;
  auto type = dyn_cast<RankedTensorType>(generic->getResult(0).getType());
  return type && (generic.getNumReductionLoops() > 0 || type.getRank() < rootType.getRank());
}

/// What each root's kernel computes besides the root: the matmul it is the
/// epilogue of (EpilogueFusion.h), the row statistics it normalizes with.
Absorbed findAbsorbed(func::FuncOp func) {
  Absorbed absorbed;
  for (Operation &op : func.getBody().front()) {
    if (isEpilogueProducer(&op))
      absorbed[&op] = *op.getUsers().begin();
    auto root = dyn_cast<linalg::GenericOp>(&op);
    if (!root || root.getNumReductionLoops() != 0 || root->getNumResults() != 1)
      continue;
    auto rootType = cast<RankedTensorType>(root->getResult(0).getType());
    // Candidates: statistics reachable from the root; each is absorbed once
    // all its users are the root or absorbed (the variance before the mean
    // it reads).
    llvm::SetVector<Operation *> candidates;
    SmallVector<Operation *> worklist{root};
    while (!worklist.empty()) {
      Operation *user = worklist.pop_back_val();
      for (Value v : user->getOperands())
        if (Operation *def = v.getDefiningOp())
          if (def->getBlock() == root->getBlock() && isRowStatistic(def, rootType) &&
              candidates.insert(def))
            worklist.push_back(def);
    }
    llvm::SmallPtrSet<Operation *, 8> owned;
    bool changed = true;
    while (changed) {
      changed = false;
      for (Operation *candidate : candidates) {
        if (owned.contains(candidate))
          continue;
        if (llvm::all_of(candidate->getUsers(), [&](Operation *user) {
              return user == root.getOperation() || owned.contains(user);
            })) {
          owned.insert(candidate);
          changed = true;
        }
      }
    }
    // Only reductions are worth it: a smaller elementwise op alone stays.
    if (llvm::none_of(owned, [](Operation *o) {
          return cast<linalg::LinalgOp>(o).getNumReductionLoops() > 0;
        }))
      continue;
    for (Operation *o : owned)
      absorbed[o] = root;
  }
  return absorbed;
}

/// The clonable producers of `root`, transitively, in program order, and
/// what it absorbs.
llvm::SetVector<Operation *> collectCluster(Operation *root, const Absorbed &absorbed) {
  llvm::SetVector<Operation *> cluster;
  SmallVector<Operation *> worklist{root};
  while (!worklist.empty()) {
    Operation *op = worklist.pop_back_val();
    if (!cluster.insert(op))
      continue;
    auto visit = [&](Value v) {
      Operation *def = v.getDefiningOp();
      auto owner = absorbed.find(def);
      if (def && (isClonable(def) || (owner != absorbed.end() && owner->second == root)) &&
          def->getBlock() == root->getBlock())
        worklist.push_back(def);
    };
    for (Value v : op->getOperands())
      visit(v);
    op->walk([&](Operation *nested) {
      for (Value v : nested->getOperands())
        visit(v);
    });
  }
  SmallVector<Operation *> ordered(cluster.begin(), cluster.end());
  llvm::sort(ordered, [](Operation *a, Operation *b) {
    return a->isBeforeInBlock(b);
  });
  return llvm::SetVector<Operation *>(ordered.begin(), ordered.end());
}

LogicalResult outline(func::FuncOp host, Operation *root, unsigned index,
                      DimTable &dims, const Absorbed &absorbed, ModuleOp module) {
  llvm::SetVector<Operation *> cluster = collectCluster(root, absorbed);
  // Values the cluster reads from the host: tensors become bindings, index
  // values push constants.
  llvm::SetVector<Value> tensors, scalars;
  Operation *unsupported = nullptr;
  for (Operation *op : cluster) {
    op->walk([&](Operation *nested) {
      for (Value v : nested->getOperands()) {
        Operation *def = v.getDefiningOp();
        if (def && (cluster.contains(def) || op->isProperAncestor(def)))
          continue;
        if (auto arg = dyn_cast<BlockArgument>(v))
          if (arg.getOwner()->getParentOp() != host)
            continue; // a region argument of a cluster op
        if (def && isa<arith::ConstantOp>(def) && !isTensor(v))
          continue; // cloned below
        if (isTensor(v))
          tensors.insert(v);
        else if (v.getType().isIntOrIndex())
          scalars.insert(v);
        else
          unsupported = nested;
      }
    });
  }
  if (unsupported)
    return unsupported->emitError(
        "reads a floating-point scalar computed on the host; only tensors "
        "and integer sizes can cross into a kernel");
  SmallVector<Value> results(llvm::make_filter_range(root->getResults(), isTensor));
  if (results.size() != root->getNumResults())
    return root->emitError("op with non-tensor results cannot be a dispatch");

  OpBuilder b(host);
  Location loc = root->getLoc();
  b.setInsertionPoint(root);
  SmallVector<Value> callOperands(tensors.begin(), tensors.end());
  callOperands.append(scalars.begin(), scalars.end());
  SmallVector<Value> bound(tensors.begin(), tensors.end());
  bound.append(results.begin(), results.end());
  for (Value v : bound) {
    auto type = cast<RankedTensorType>(v.getType());
    for (int64_t i = 0; i < type.getRank(); ++i)
      if (type.isDynamicDim(i))
        callOperands.push_back(dims.get(b, loc, v, i));
  }
  // A result's dims are defined after the root in the host; the call goes
  // where the last of its operands is available.
  Operation *insertAfter = root;
  for (Value v : callOperands)
    if (Operation *def = v.getDefiningOp())
      if (def->getBlock() == root->getBlock() &&
          insertAfter->isBeforeInBlock(def))
        insertAfter = def;

  SmallVector<Type> argTypes;
  for (Value v : callOperands)
    argTypes.push_back(v.getType());
  SmallVector<Type> resultTypes;
  for (Value v : results)
    resultTypes.push_back(v.getType());

  OpBuilder mb(module.getBodyRegion());
  mb.setInsertionPointToEnd(module.getBody());
  std::string name = kernelName(index, root);
  auto kernel = func::FuncOp::create(mb, loc, name,
                                     mb.getFunctionType(argTypes, resultTypes));
  kernel.setPrivate();
  kernel->setAttr(kDispatchAttr, mb.getUnitAttr());
  kernel->setAttr(kNumInputsAttr, mb.getI64IntegerAttr(tensors.size()));
  kernel->setAttr(kNumCapturedAttr, mb.getI64IntegerAttr(scalars.size()));
  // Named for every model node it computes: the root and what it absorbed.
  SmallVector<Location> sources;
  for (Operation *op : cluster)
    if (op == root || absorbed.lookup(op) == root)
      sources.push_back(op->getLoc());
  if (std::string source = sourceName(FusedLoc::get(host.getContext(), sources));
      !source.empty())
    kernel->setAttr(kSourceAttr, mb.getStringAttr(source));
  Block *entry = kernel.addEntryBlock();
  OpBuilder kb = OpBuilder::atBlockBegin(entry);
  IRMapping mapping;
  for (auto [value, arg] : llvm::zip(callOperands, entry->getArguments()))
    mapping.map(value, arg);
  // Scalar constants the cluster reads are cloned in too.
  for (Operation *op : cluster)
    op->walk([&](Operation *nested) {
      for (Value v : nested->getOperands())
        if (auto c = v.getDefiningOp<arith::ConstantOp>())
          if (!isTensor(v) && !mapping.contains(v) && !cluster.contains(c))
            kb.clone(*c, mapping);
    });
  for (Operation *op : cluster)
    kb.clone(*op, mapping);
  SmallVector<Value> returned;
  for (Value v : results)
    returned.push_back(mapping.lookup(v));
  func::ReturnOp::create(kb, loc, returned);

  b.setInsertionPointAfter(insertAfter);
  auto call = func::CallOp::create(b, loc, kernel, callOperands);
  for (auto [from, to] : llvm::zip(results, call.getResults())) {
    dims.replace(from, to);
    from.replaceAllUsesWith(to);
  }
  root->erase();
  return success();
}

LogicalResult formFunctionDispatches(func::FuncOp func, ModuleOp module,
                                     unsigned &counter) {
  insertCopies(func);
  DimTable dims;
  Absorbed absorbed = findAbsorbed(func);
  if (failed(dims.build(func, absorbed)))
    return failure();
  SmallVector<Operation *> roots;
  for (Operation &op : func.getBody().front())
    if (isRoot(&op, absorbed))
      roots.push_back(&op);
  for (Operation *root : roots)
    if (failed(outline(func, root, counter++, dims, absorbed, module)))
      return failure();
  // The clonable ops now live in the kernels; what the host no longer uses
  // goes.
  IRRewriter rewriter(func.getContext());
  (void)runRegionDCE(rewriter, func->getRegions());
  return success();
}

} // namespace

LogicalResult formDispatches(ModuleOp module) {
  SmallVector<func::FuncOp> hosts;
  for (auto func : module.getOps<func::FuncOp>())
    if (func.isPublic() && !func.isExternal())
      hosts.push_back(func);
  unsigned counter = 0;
  for (func::FuncOp func : hosts) {
    if (!func.getBody().hasOneBlock())
      return func.emitError("functions with control flow are not supported "
                            "by the CPU backend yet");
    if (failed(formFunctionDispatches(func, module, counter)))
      return failure();
  }
  return success();
}

} // namespace tessera::cpu
