//===- HostProgram.cpp - host functions as the module's dispatch tables --===//

#include "codegen/cpu/HostProgram.h"

#include "codegen/cpu/DispatchFormation.h"
#include "codegen/cpu/KernelABI.h"
#include "codegen/cpu/KernelPipeline.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/IRMapping.h"

#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;

namespace tessera::cpu {

int64_t DimBounds::boundFor(StringRef name) const {
  auto it = byName.find(name.str());
  if (it != byName.end())
    return it->second;
  std::string lower = name.lower();
  if (StringRef(lower).contains("batch"))
    return maxBatch;
  return maxSequence;
}

namespace {

constexpr int64_t kAlignment = 64;

int64_t alignUp(int64_t v) { return (v + kAlignment - 1) / kAlignment * kAlignment; }

FailureOr<module::DType> dtypeOf(Type type, Operation *where) {
  if (type.isF32())
    return module::DType::f32;
  if (type.isF16())
    return module::DType::f16;
  if (type.isBF16())
    return module::DType::bf16;
  if (type.isF64())
    return module::DType::f64;
  if (isa<Float8E4M3FNType>(type))
    return module::DType::f8e4m3fn;
  if (isa<Float8E4M3FNUZType>(type))
    return module::DType::f8e4m3fnuz;
  if (isa<Float8E5M2Type>(type))
    return module::DType::f8e5m2;
  if (isa<Float8E5M2FNUZType>(type))
    return module::DType::f8e5m2fnuz;
  if (isa<Float8E8M0FNUType>(type))
    return module::DType::f8e8m0;
  if (isa<Float4E2M1FNType>(type))
    return module::DType::f4e2m1;
  if (type.isUnsignedInteger(4))
    return module::DType::u4;
  if (type.isUnsignedInteger(2))
    return module::DType::u2;
  if (type.isInteger(4))
    return module::DType::i4;
  if (type.isInteger(2))
    return module::DType::i2;
  if (type.isUnsignedInteger(8))
    return module::DType::u8;
  if (type.isUnsignedInteger(16))
    return module::DType::u16;
  if (type.isUnsignedInteger(32))
    return module::DType::u32;
  if (type.isUnsignedInteger(64))
    return module::DType::u64;
  if (type.isInteger(64))
    return module::DType::i64;
  if (type.isInteger(32))
    return module::DType::i32;
  if (type.isInteger(16))
    return module::DType::i16;
  if (type.isInteger(8))
    return module::DType::i8;
  if (type.isInteger(1))
    return module::DType::bool_;
  return where->emitError("element type ") << type
                                           << " cannot cross the module boundary";
}

int64_t elementBytes(Type type) {
  if (type.isIndex())
    return 8;
  return type.isInteger(1) ? 1 : (type.getIntOrFloatBitWidth() + 7) / 8;
}

/// Evaluates host index arithmetic at the compiled maxima of the input dims.
class MaxEvaluator {
public:
  explicit MaxEvaluator(llvm::DenseMap<Value, int64_t> known)
      : values(std::move(known)) {}

  FailureOr<int64_t> eval(Value v) {
    auto it = values.find(v);
    if (it != values.end())
      return it->second;
    Operation *op = v.getDefiningOp();
    if (!op)
      return failure();
    SmallVector<int64_t> args;
    for (Value operand : op->getOperands()) {
      FailureOr<int64_t> a = eval(operand);
      if (failed(a))
        return failure();
      args.push_back(*a);
    }
    FailureOr<int64_t> r = apply(op, args);
    if (succeeded(r))
      values[v] = *r;
    return r;
  }

private:
  static FailureOr<int64_t> apply(Operation *op, ArrayRef<int64_t> a) {
    if (auto c = dyn_cast<arith::ConstantOp>(op))
      if (auto i = dyn_cast<IntegerAttr>(c.getValue()))
        return i.getInt();
    auto div = [](int64_t x, int64_t y) -> FailureOr<int64_t> {
      if (y == 0)
        return failure();
      return x / y;
    };
    return llvm::TypeSwitch<Operation *, FailureOr<int64_t>>(op)
        .Case([&](arith::AddIOp) { return a[0] + a[1]; })
        .Case([&](arith::SubIOp) { return a[0] - a[1]; })
        .Case([&](arith::MulIOp) { return a[0] * a[1]; })
        .Case([&](arith::DivSIOp) { return div(a[0], a[1]); })
        .Case([&](arith::DivUIOp) { return div(a[0], a[1]); })
        .Case([&](arith::CeilDivSIOp) -> FailureOr<int64_t> {
          if (a[1] == 0)
            return failure();
          return llvm::divideCeilSigned(a[0], a[1]);
        })
        .Case([&](arith::FloorDivSIOp) -> FailureOr<int64_t> {
          if (a[1] == 0)
            return failure();
          return llvm::divideFloorSigned(a[0], a[1]);
        })
        .Case([&](arith::RemSIOp) -> FailureOr<int64_t> {
          if (a[1] == 0)
            return failure();
          return a[0] % a[1];
        })
        .Case([&](arith::MaxSIOp) { return std::max(a[0], a[1]); })
        .Case([&](arith::MinSIOp) { return std::min(a[0], a[1]); })
        .Case([&](arith::IndexCastOp) { return a[0]; })
        .Case([&](arith::SelectOp) { return a[0] ? a[1] : a[2]; })
        .Case([&](arith::CmpIOp cmp) -> FailureOr<int64_t> {
          switch (cmp.getPredicate()) {
          case arith::CmpIPredicate::eq: return a[0] == a[1];
          case arith::CmpIPredicate::ne: return a[0] != a[1];
          case arith::CmpIPredicate::slt: return a[0] < a[1];
          case arith::CmpIPredicate::sle: return a[0] <= a[1];
          case arith::CmpIPredicate::sgt: return a[0] > a[1];
          case arith::CmpIPredicate::sge: return a[0] >= a[1];
          default: return failure();
          }
        })
        .Case([&](affine::AffineApplyOp apply) -> FailureOr<int64_t> {
          return evalMap(apply.getAffineMap(), a, /*min=*/true);
        })
        .Case([&](affine::AffineMinOp m) -> FailureOr<int64_t> {
          return evalMap(m.getAffineMap(), a, /*min=*/true);
        })
        .Case([&](affine::AffineMaxOp m) -> FailureOr<int64_t> {
          return evalMap(m.getAffineMap(), a, /*min=*/false);
        })
        .Default([](Operation *) { return failure(); });
  }

  static FailureOr<int64_t> evalMap(AffineMap map, ArrayRef<int64_t> operands,
                                    bool min) {
    MLIRContext *ctx = map.getContext();
    SmallVector<Attribute> attrs;
    for (int64_t v : operands)
      attrs.push_back(IntegerAttr::get(IndexType::get(ctx), v));
    SmallVector<Attribute> folded;
    if (failed(map.constantFold(attrs, folded)))
      return failure();
    SmallVector<int64_t> results;
    for (Attribute a : folded)
      results.push_back(cast<IntegerAttr>(a).getInt());
    if (results.empty())
      return failure();
    return min ? *llvm::min_element(results) : *llvm::max_element(results);
  }

  llvm::DenseMap<Value, int64_t> values;
};

/// The bytes of a weight in the row-major layout kernels read.
FailureOr<ArrayRef<char>> weightBytes(ElementsAttr attr, WeightTable &weights,
                                      Operation *where) {
  auto type = cast<ShapedType>(attr.getType());
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(attr)) {
    AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    if (!blob)
      return where->emitError("weight has no data (elided resource?)");
    return blob->getData();
  }
  auto dense = dyn_cast<DenseElementsAttr>(attr);
  if (!dense)
    return where->emitError("unsupported weight attribute");
  Type element = type.getElementType();
  if (!dense.isSplat() && !element.isInteger(1))
    return dense.getRawData();
  // Splats and bit-packed booleans are expanded once.
  int64_t n = type.getNumElements();
  int64_t width = elementBytes(element);
  std::vector<char> &bytes = weights.owned.emplace_back(n * width);
  if (element.isInteger(1)) {
    int64_t i = 0;
    for (bool v : dense.getValues<bool>())
      bytes[i++] = v ? 1 : 0;
  } else {
    ArrayRef<char> one = dense.getRawData();
    for (int64_t i = 0; i < n; ++i)
      std::memcpy(bytes.data() + i * width, one.data(), width);
  }
  return ArrayRef<char>(bytes);
}

class HostProgramBuilder {
public:
  HostProgramBuilder(func::FuncOp host, ModuleOp module,
                     const llvm::StringMap<int32_t> &kernelIndex,
                     const DimBounds &bounds, WeightTable &weights)
      : host(host), module(module), kernelIndex(kernelIndex), bounds(bounds),
        weights(weights) {}

  FailureOr<module::FunctionDesc> build() {
    desc.name = host.getName().str();
    if (failed(assignInputSlots()) || failed(collectDerivedSlots()) ||
        failed(buildBuffers()) || failed(buildDispatches()) ||
        failed(buildSignatures()) || failed(planArena()) ||
        failed(buildShapeFunction()))
      return failure();
    desc.numScalars = numSlots;
    return desc;
  }

private:
  /// Input dims first: one slot per distinct ONNX dim name (unnamed dims get
  /// their own), so that inputs sharing a name must agree at run time.
  LogicalResult assignInputSlots() {
    llvm::StringMap<int32_t> byName;
    for (BlockArgument arg : host.getArguments()) {
      auto type = dyn_cast<RankedTensorType>(arg.getType());
      if (!type)
        return host.emitError("argument ") << arg.getArgNumber()
                                           << " is not a ranked tensor";
      auto names = host.getArgAttrOfType<ArrayAttr>(arg.getArgNumber(),
                                                    "tessera.dim_names");
      for (int64_t d = 0; d < type.getRank(); ++d) {
        if (!type.isDynamicDim(d))
          continue;
        std::string name;
        if (names && d < static_cast<int64_t>(names.size()))
          name = cast<StringAttr>(names[d]).str();
        int32_t slot;
        if (!name.empty() && byName.count(name)) {
          slot = byName[name];
        } else {
          slot = numSlots++;
          slotMax.push_back(bounds.boundFor(name));
          if (!name.empty())
            byName[name] = slot;
        }
        inputDimSlot[{arg, d}] = slot;
        inputDimName[{arg, d}] = name;
      }
    }
    return success();
  }

  /// The slot of `v`, an index value of the host.
  FailureOr<int32_t> slotOf(Value v) {
    auto it = slots.find(v);
    if (it != slots.end())
      return it->second;
    if (auto dim = v.getDefiningOp<tensor::DimOp>()) {
      auto arg = dyn_cast<BlockArgument>(dim.getSource());
      std::optional<int64_t> index = dim.getConstantIndex();
      if (arg && index && inputDimSlot.count({arg, *index}))
        return slots[v] = inputDimSlot[{arg, *index}];
      return dim.emitError("size of an intermediate tensor that the host "
                           "cannot compute from the input dims");
    }
    int32_t slot = numSlots++;
    slotMax.push_back(0);
    derived.push_back(v);
    return slots[v] = slot;
  }

  LogicalResult collectDerivedSlots() {
    for (auto call : host.getBody().front().getOps<func::CallOp>())
      for (Value v : call.getOperands())
        if (v.getType().isIntOrIndex() && failed(slotOf(v)))
          return failure();
    // Maxima of the derived slots, from the input maxima.
    llvm::DenseMap<Value, int64_t> known;
    host.walk([&](tensor::DimOp dim) {
      auto arg = dyn_cast<BlockArgument>(dim.getSource());
      std::optional<int64_t> index = dim.getConstantIndex();
      if (arg && index && inputDimSlot.count({arg, *index}))
        known[dim] = slotMax[inputDimSlot[{arg, *index}]];
    });
    MaxEvaluator evaluator(std::move(known));
    for (Value v : derived) {
      if (!v.getType().isIndex())
        continue;
      FailureOr<int64_t> max = evaluator.eval(v);
      if (failed(max))
        return v.getDefiningOp()
                   ? v.getDefiningOp()->emitError(
                         "cannot bound this size at compile time")
                   : host.emitError("cannot bound a size at compile time");
      slotMax[slots[v]] = *max;
    }
    return success();
  }

  /// The dims of `v` as module dims (static, or slot + maximum).
  FailureOr<SmallVector<module::DimDesc>> dimsOf(Value v) {
    auto type = cast<RankedTensorType>(v.getType());
    SmallVector<module::DimDesc> dims;
    for (int64_t d = 0; d < type.getRank(); ++d) {
      module::DimDesc dim;
      if (!type.isDynamicDim(d)) {
        dim.value = type.getDimSize(d);
      } else {
        auto it = tensorDimSlot.find({v, d});
        if (it == tensorDimSlot.end())
          return host.emitError("no size recorded for a dynamic dim of a "
                                "tensor of type ")
                 << type;
        dim.slot = it->second;
        dim.value = slotMax[it->second];
      }
      dims.push_back(dim);
    }
    return dims;
  }

  int64_t maxBytes(Value v, ArrayRef<module::DimDesc> dims) {
    int64_t n = elementBytes(cast<RankedTensorType>(v.getType()).getElementType());
    for (const module::DimDesc &d : dims)
      n *= std::max<int64_t>(d.value, 0);
    return n;
  }

  int32_t addBuffer(module::BufferKind kind, int32_t index, int64_t size) {
    module::BufferDesc buffer;
    buffer.kind = kind;
    buffer.index = index;
    buffer.size = size;
    desc.buffers.push_back(buffer);
    return desc.buffers.size() - 1;
  }

  LogicalResult buildBuffers() {
    // Input dims are known by slot; call operands name the dims of every
    // tensor a dispatch binds.
    for (auto [key, slot] : inputDimSlot)
      tensorDimSlot[key] = slot;
    auto returned = host.getBody().front().getTerminator()->getOperands();
    for (BlockArgument arg : host.getArguments()) {
      FailureOr<SmallVector<module::DimDesc>> dims = dimsOf(arg);
      if (failed(dims))
        return failure();
      bufferOf[arg] = addBuffer(module::BufferKind::input, arg.getArgNumber(),
                                maxBytes(arg, *dims));
    }
    for (Operation &op : host.getBody().front()) {
      if (auto call = dyn_cast<func::CallOp>(op)) {
        if (failed(recordCallDims(call)))
          return failure();
        for (Value result : call.getResults()) {
          FailureOr<SmallVector<module::DimDesc>> dims = dimsOf(result);
          if (failed(dims))
            return failure();
          int64_t bytes = maxBytes(result, *dims);
          auto out = llvm::find(returned, result);
          if (out != returned.end()) {
            bufferOf[result] = addBuffer(module::BufferKind::output,
                                         out - returned.begin(), bytes);
          } else {
            bufferOf[result] = addBuffer(module::BufferKind::arena, 0, bytes);
          }
        }
        continue;
      }
      if (auto constant = dyn_cast<arith::ConstantOp>(op)) {
        auto value = dyn_cast<ElementsAttr>(constant.getValue());
        if (!value || constant->use_empty())
          continue;
        auto known = weights.indexOf.find(value);
        if (known == weights.indexOf.end()) {
          FailureOr<ArrayRef<char>> bytes = weightBytes(value, weights, &op);
          if (failed(bytes))
            return failure();
          // The same bytes under another attribute (a checkpoint tensor in
          // each of main, prefill and decode) are stored once.
          auto [it, inserted] = weights.indexOfBytes.try_emplace(
              {bytes->data(), bytes->size()}, int32_t(weights.segments.size()));
          if (inserted)
            weights.segments.push_back(*bytes);
          known = weights.indexOf.try_emplace(value, it->second).first;
        }
        bufferOf[constant] = addBuffer(module::BufferKind::constant, known->second,
                                       weights.segments[known->second].size());
        continue;
      }
      if (isa<tensor::ExpandShapeOp, tensor::CollapseShapeOp, tensor::ReshapeOp>(op)) {
        Value source = op.getOperand(0);
        auto known = bufferOf.find(source);
        if (known == bufferOf.end())
          return op.emitError("reshape of a value with no buffer");
        int32_t buffer = known->second; // inserting below may move the entry
        bufferOf[op.getResult(0)] = buffer;
        continue;
      }
      // Shape operands of reshapes; the dims they hold are in the dim table.
      if (isa<tensor::FromElementsOp>(op) &&
          llvm::all_of(op.getUsers(),
                       [](Operation *user) { return isa<tensor::ReshapeOp>(user); }))
        continue;
      if (isa<tensor::DimOp, func::ReturnOp>(op) ||
          llvm::all_of(op.getResultTypes(),
                       [](Type t) { return t.isIntOrIndex(); }))
        continue;
      return op.emitError("the CPU backend cannot run this op on the host");
    }
    for (Value v : returned)
      if (!isa_and_nonnull<func::CallOp>(v.getDefiningOp()))
        return host.emitError("returns a value no dispatch computes");
    return success();
  }

  /// The dims operands of a call (inputs then outputs, dynamic dims only)
  /// give the slots of every tensor it binds.
  LogicalResult recordCallDims(func::CallOp call) {
    auto kernel = module.lookupSymbol<func::FuncOp>(call.getCallee());
    int64_t numInputs = kernel->getAttrOfType<IntegerAttr>(kNumInputsAttr).getInt();
    int64_t numCaptured =
        kernel->getAttrOfType<IntegerAttr>(kNumCapturedAttr).getInt();
    unsigned next = numInputs + numCaptured;
    auto record = [&](Value v) -> LogicalResult {
      auto type = cast<RankedTensorType>(v.getType());
      for (int64_t d = 0; d < type.getRank(); ++d) {
        if (!type.isDynamicDim(d))
          continue;
        FailureOr<int32_t> slot = slotOf(call.getOperand(next++));
        if (failed(slot))
          return failure();
        tensorDimSlot.try_emplace({v, d}, *slot);
      }
      return success();
    };
    for (Value v : call.getOperands().take_front(numInputs))
      if (failed(record(v)))
        return failure();
    for (Value v : call.getResults())
      if (failed(record(v)))
        return failure();
    return success();
  }

  LogicalResult buildDispatches() {
    unsigned order = 0;
    for (auto call : host.getBody().front().getOps<func::CallOp>()) {
      StringRef tensorName = call.getCallee();
      std::string name = tensorName.drop_front(kTensorKernelPrefix.size()).str();
      auto kernelIt = kernelIndex.find(name);
      auto abi = module.lookupSymbol<func::FuncOp>(name);
      if (kernelIt == kernelIndex.end() || !abi)
        return call.emitError("no kernel compiled for ") << tensorName;
      module::DispatchDesc dispatch;
      dispatch.name = name;
      auto tensorKernel = module.lookupSymbol<func::FuncOp>(tensorName);
      if (auto source = tensorKernel->getAttrOfType<StringAttr>(kSourceAttr))
        dispatch.name += " " + source.str();
      dispatch.kernel = kernelIt->second;
      auto workgroups = abi->getAttrOfType<IntegerAttr>(kWorkgroupsAttr);
      dispatch.workgroupCount[0].value = workgroups ? workgroups.getInt() : 1;
      dispatch.workgroupCount[1].value = 1;
      dispatch.workgroupCount[2].value = 1;
      SmallVector<Value> bound(call.getOperands());
      bound.append(call.getResults().begin(), call.getResults().end());
      for (Value v : bound) {
        if (!isa<RankedTensorType>(v.getType()))
          continue;
        auto it = bufferOf.find(v);
        if (it == bufferOf.end())
          return call.emitError("operand without a buffer");
        dispatch.bindings.push_back({it->second, 0});
        lastUse[it->second] = order;
        firstDef.try_emplace(it->second, order);
      }
      for (Value v : call.getOperands())
        if (v.getType().isIntOrIndex())
          dispatch.pushConstants.push_back(*slotOf(v));
      desc.dispatches.push_back(std::move(dispatch));
      ++order;
    }
    return success();
  }

  LogicalResult buildSignatures() {
    auto fill = [&](Value v, std::string name,
                    module::TensorSigDesc &sig) -> LogicalResult {
      auto type = cast<RankedTensorType>(v.getType());
      FailureOr<module::DType> dtype = dtypeOf(type.getElementType(), host);
      FailureOr<SmallVector<module::DimDesc>> dims = dimsOf(v);
      if (failed(dtype) || failed(dims))
        return failure();
      sig.name = std::move(name);
      sig.dtype = *dtype;
      sig.dims.assign(dims->begin(), dims->end());
      sig.buffer = bufferOf[v];
      return success();
    };
    for (BlockArgument arg : host.getArguments()) {
      auto nameAttr = host.getArgAttrOfType<StringAttr>(arg.getArgNumber(),
                                                        "tessera.name");
      module::TensorSigDesc sig;
      std::string name = nameAttr ? nameAttr.str()
                                  : ("input" + llvm::Twine(arg.getArgNumber())).str();
      if (failed(fill(arg, name, sig)))
        return failure();
      auto type = cast<RankedTensorType>(arg.getType());
      for (int64_t d = 0; d < type.getRank(); ++d)
        sig.dimNames.push_back(type.isDynamicDim(d) ? inputDimName[{arg, d}] : "");
      desc.inputs.push_back(std::move(sig));
    }
    auto ret = host.getBody().front().getTerminator();
    for (auto [i, v] : llvm::enumerate(ret->getOperands())) {
      auto nameAttr = host.getResultAttrOfType<StringAttr>(i, "tessera.name");
      module::TensorSigDesc sig;
      std::string name = nameAttr ? nameAttr.str() : ("output" + llvm::Twine(i)).str();
      if (failed(fill(v, name, sig)))
        return failure();
      sig.dimNames.assign(sig.dims.size(), "");
      desc.outputs.push_back(std::move(sig));
    }
    return success();
  }

  /// Arena buffers get offsets by first fit, largest first, among those whose
  /// lifetimes (first write to last read, in dispatch order) overlap.
  LogicalResult planArena() {
    SmallVector<int32_t> arena;
    for (auto [i, buffer] : llvm::enumerate(desc.buffers))
      if (buffer.kind == module::BufferKind::arena)
        arena.push_back(i);
    llvm::stable_sort(arena, [&](int32_t a, int32_t b) {
      return desc.buffers[a].size > desc.buffers[b].size;
    });
    struct Placed { int64_t begin, end; unsigned first, last; };
    SmallVector<Placed> placed;
    int64_t total = 0;
    for (int32_t id : arena) {
      unsigned first = firstDef.lookup(id), last = lastUse.lookup(id);
      int64_t size = alignUp(std::max<int64_t>(desc.buffers[id].size, 1));
      SmallVector<Placed> live;
      for (const Placed &p : placed)
        if (p.first <= last && first <= p.last)
          live.push_back(p);
      llvm::sort(live, [](const Placed &a, const Placed &b) { return a.begin < b.begin; });
      int64_t offset = 0;
      for (const Placed &p : live) {
        if (offset + size <= p.begin)
          break;
        offset = std::max(offset, p.end);
      }
      placed.push_back({offset, offset + size, first, last});
      desc.buffers[id].offset = offset;
      total = std::max(total, offset + size);
    }
    desc.arenaSize = total;
    return success();
  }

  /// int32_t shape(int64_t *scalars): the derived slots, computed from the
  /// input slots by the host's own index arithmetic, each checked against the
  /// maximum the buffers were planned for.
  LogicalResult buildShapeFunction() {
    SmallVector<cf::AssertOp> asserts(host.getBody().front().getOps<cf::AssertOp>());
    if (derived.empty() && asserts.empty())
      return success();
    MLIRContext *ctx = module.getContext();
    OpBuilder b(ctx);
    b.setInsertionPointToEnd(module.getBody());
    Location loc = host.getLoc();
    auto ptrType = LLVM::LLVMPointerType::get(ctx);
    Type i64 = b.getI64Type();
    std::string name = ("tsr_shape_" + host.getName()).str();
    auto fn = func::FuncOp::create(b, loc, name,
                                   b.getFunctionType({ptrType}, {b.getI32Type()}));
    fn->setAttr(kKernelAttr, b.getUnitAttr());
    Block *entry = fn.addEntryBlock();
    b.setInsertionPointToStart(entry);
    Value scalars = entry->getArgument(0);

    // The backward slice of the derived values, in program order.
    llvm::SetVector<Operation *> slice;
    SmallVector<Value> worklist(derived.begin(), derived.end());
    for (cf::AssertOp check : asserts)
      worklist.push_back(check.getArg());
    while (!worklist.empty()) {
      Value v = worklist.pop_back_val();
      Operation *def = v.getDefiningOp();
      if (auto dim = dyn_cast_or_null<tensor::DimOp>(def)) {
        if (!isa<BlockArgument>(dim.getSource()))
          return dim.emitError("a run-time check needs the size of an "
                               "intermediate tensor, which the host cannot compute");
        continue;
      }
      if (!def || !slice.insert(def))
        continue;
      for (Value operand : def->getOperands())
        worklist.push_back(operand);
    }
    SmallVector<Operation *> ordered(slice.begin(), slice.end());
    llvm::sort(ordered, [](Operation *x, Operation *y) { return x->isBeforeInBlock(y); });

    IRMapping mapping;
    host.walk([&](tensor::DimOp dim) {
      auto arg = dyn_cast<BlockArgument>(dim.getSource());
      std::optional<int64_t> index = dim.getConstantIndex();
      if (!arg || !index || !inputDimSlot.count({arg, *index}))
        return;
      Value raw = loadElement(b, loc, scalars, i64, inputDimSlot[{arg, *index}]);
      mapping.map(dim.getResult(),
                  arith::IndexCastOp::create(b, loc, b.getIndexType(), raw));
    });
    for (Operation *op : ordered)
      b.clone(*op, mapping);

    // Store, then check each slot: a failed check returns its index + 1.
    for (Value v : derived) {
      int32_t slot = slots[v];
      Value value = mapping.lookupOrDefault(v);
      Value asI64 = value.getType().isIndex()
                        ? arith::IndexCastOp::create(b, loc, i64, value).getResult()
                    : value.getType().isInteger(1)
                        ? arith::ExtUIOp::create(b, loc, i64, value).getResult()
                    : value.getType() == i64
                        ? value
                        : arith::ExtSIOp::create(b, loc, i64, value).getResult();
      auto address = LLVM::GEPOp::create(b, loc, ptrType, i64, scalars,
                                         ArrayRef<LLVM::GEPArg>{slot});
      LLVM::StoreOp::create(b, loc, asI64, address);
      // Only sizes are bounded; flags and other integers pass as they are.
      if (!value.getType().isIndex())
        continue;
      Value max = arith::ConstantIndexOp::create(b, loc, slotMax[slot]);
      Value zero = arith::ConstantIndexOp::create(b, loc, 0);
      Value tooBig = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sgt, value, max);
      Value negative = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, value, zero);
      desc.checks.push_back(("a size computed from the input dims is outside "
                             "[0, " + llvm::Twine(slotMax[slot]) +
                             "], the range this module was compiled for")
                                .str());
      failures.push_back({arith::OrIOp::create(b, loc, tooBig, negative),
                          arith::ConstantIntOp::create(b, loc, desc.checks.size(), 32)});
    }
    // Checks the lowering asked for (dims it takes as equal).
    for (cf::AssertOp check : asserts) {
      Value ok = mapping.lookupOrDefault(check.getArg());
      Value one = arith::ConstantIntOp::create(b, loc, 1, 1);
      desc.checks.push_back(check.getMsg().str());
      failures.push_back({arith::XOrIOp::create(b, loc, ok, one),
                          arith::ConstantIntOp::create(b, loc, desc.checks.size(), 32)});
    }
    // The result: the first failed check's code, or 0.
    Value result = arith::ConstantIntOp::create(b, loc, 0, 32);
    for (auto [bad, code] : llvm::reverse(failures))
      result = arith::SelectOp::create(b, loc, bad, code, result);
    func::ReturnOp::create(b, loc, result);
    desc.shapeFunction = name;
    return success();
  }

  func::FuncOp host;
  ModuleOp module;
  const llvm::StringMap<int32_t> &kernelIndex;
  const DimBounds &bounds;
  WeightTable &weights;
  module::FunctionDesc desc;

  int32_t numSlots = 0;
  SmallVector<int64_t> slotMax;
  llvm::DenseMap<std::pair<Value, int64_t>, int32_t> inputDimSlot;
  llvm::DenseMap<std::pair<Value, int64_t>, std::string> inputDimName;
  llvm::DenseMap<std::pair<Value, int64_t>, int32_t> tensorDimSlot;
  llvm::DenseMap<Value, int32_t> slots;
  SmallVector<Value> derived;
  llvm::DenseMap<Value, int32_t> bufferOf;
  llvm::DenseMap<int32_t, unsigned> firstDef, lastUse;
  SmallVector<std::pair<Value, Value>> failures;
};

} // namespace

FailureOr<module::FunctionDesc>
buildHostProgram(func::FuncOp host, ModuleOp module,
                 const llvm::StringMap<int32_t> &kernelIndex,
                 const DimBounds &bounds, WeightTable &weights) {
  return HostProgramBuilder(host, module, kernelIndex, bounds, weights).build();
}

} // namespace tessera::cpu
