//===- ShapeOps.cpp - ONNX shape and data-movement ops --------------------===//
//
// Shape plumbing is evaluated on tracked values (see GraphImporter.h); the
// data-movement ops become tessera.reshape/expand/transpose/slice/concat/
// gather with static sizes wherever they are known.
//
//===----------------------------------------------------------------------===//

#include "frontend/onnx/OpRegistry.h"
#include "frontend/onnx/ops/ImportHelpers.h"

#include <limits>

using namespace mlir;

namespace tessera::onnx_frontend {
namespace {

bool sameSymbol(const SymbolicInt &a, const SymbolicInt &b) {
  return a.isConstant() ? b.isConstant() && a.constant == b.constant
                        : a.dynamic == b.dynamic;
}

/// prod(numerator) / prod(denominator) with common factors cancelled first,
/// so that [B, S, 768] -> [B, S, 12, -1] infers a static 64.
std::optional<SymbolicInt> divideProducts(NodeImporter &n,
                                          SymbolicInts numerator,
                                          SymbolicInts denominator) {
  for (auto it = denominator.begin(); it != denominator.end();) {
    auto match = llvm::find_if(numerator, [&](const SymbolicInt &f) {
      return !it->isConstant() && sameSymbol(f, *it);
    });
    if (match != numerator.end()) {
      numerator.erase(match);
      it = denominator.erase(it);
    } else {
      ++it;
    }
  }
  // Constant factors divide separately, so 12 * 64 / 768 needs no run-time
  // arithmetic.
  GraphImporter &g = n.graph();
  int64_t numConstant = 1, denConstant = 1;
  SymbolicInt num = SymbolicInt::of(1), den = SymbolicInt::of(1);
  // The factors come from the model: a product past int64 is refused.
  for (const SymbolicInt &f : numerator) {
    if (!f.isConstant())
      num = g.mul(num, f, n.loc());
    else if (__builtin_mul_overflow(numConstant, f.constant, &numConstant))
      return std::nullopt;
  }
  for (const SymbolicInt &f : denominator) {
    if (!f.isConstant())
      den = g.mul(den, f, n.loc());
    else if (__builtin_mul_overflow(denConstant, f.constant, &denConstant))
      return std::nullopt;
  }
  if (denConstant != 0 && numConstant % denConstant == 0) {
    num = g.mul(num, SymbolicInt::of(numConstant / denConstant), n.loc());
  } else {
    num = g.mul(num, SymbolicInt::of(numConstant), n.loc());
    den = g.mul(den, SymbolicInt::of(denConstant), n.loc());
  }
  if (num.isConstant() && den.isConstant() && den.constant != 0 &&
      num.constant % den.constant != 0)
    return std::nullopt;
  return g.div(num, den, n.loc());
}

LogicalResult importConstant(NodeImporter &n) {
  Builder b(n.context());
  if (const onnx::AttributeProto *a = n.attr("value")) {
    FailureOr<ImportedValue> value = n.graph().importTensor(a->t(), n.loc());
    if (failed(value))
      return failure();
    if (n.hasOutput(0))
      n.graph().define(n.node().output(0), *value);
    return success();
  }
  if (const onnx::AttributeProto *a = n.attr("value_int"))
    return n.setOutputElements(0, {SymbolicInt::of(a->i())}, true,
                               b.getI64Type());
  if (const onnx::AttributeProto *a = n.attr("value_ints")) {
    SymbolicInts elements;
    for (int64_t v : a->ints())
      elements.push_back(SymbolicInt::of(v));
    return n.setOutputElements(0, std::move(elements), false, b.getI64Type());
  }
  if (const onnx::AttributeProto *a = n.attr("value_float"))
    return n.setOutput(0, scalarConstant(n, b.getF32Type(), a->f()));
  if (const onnx::AttributeProto *a = n.attr("value_floats")) {
    llvm::SmallVector<float> values(a->floats().begin(), a->floats().end());
    auto type = RankedTensorType::get({static_cast<int64_t>(values.size())},
                                      b.getF32Type());
    return n.setOutput(
        0, ConstantOp::create(n.builder(), n.loc(), type,
                              DenseElementsAttr::get(type, llvm::ArrayRef(values))));
  }
  return n.error("only tensor, int, ints, float and floats constants are "
                 "supported (not sparse or string ones)");
}

/// The tracked elements of a value that may itself only be tracked.
FailureOr<SymbolicInts> shapeOfInput(NodeImporter &n, size_t i) {
  ImportedValue *info = n.graph().lookup(n.node().input(i), n.loc());
  if (!info)
    return failure();
  if (!info->tensor && info->elements) {
    if (info->scalar)
      return SymbolicInts();
    return SymbolicInts{SymbolicInt::of(info->elements->size())};
  }
  FailureOr<Value> x = n.input(i);
  if (failed(x))
    return failure();
  return dimsOf(n, *x);
}

LogicalResult importShape(NodeImporter &n) {
  FailureOr<SymbolicInts> dims = shapeOfInput(n, 0);
  if (failed(dims))
    return failure();
  int64_t rank = dims->size();
  int64_t start = n.intAttr("start", 0), end = n.intAttr("end", rank);
  auto clampIndex = [&](int64_t v) {
    if (v < 0)
      v += rank;
    return std::clamp<int64_t>(v, 0, rank);
  };
  start = clampIndex(start);
  end = clampIndex(end);
  SymbolicInts result;
  for (int64_t i = start; i < end; ++i)
    result.push_back((*dims)[i]);
  return n.setOutputElements(0, std::move(result), false,
                             n.builder().getI64Type());
}

LogicalResult importSize(NodeImporter &n) {
  FailureOr<SymbolicInts> dims = shapeOfInput(n, 0);
  if (failed(dims))
    return failure();
  SymbolicInt product = SymbolicInt::of(1);
  for (const SymbolicInt &d : *dims)
    product = n.graph().mul(product, d, n.loc());
  return n.setOutputElements(0, {product}, true, n.builder().getI64Type());
}

LogicalResult importGather(NodeImporter &n) {
  std::optional<SymbolicInts> data = n.inputElements(0);
  std::optional<llvm::SmallVector<int64_t>> indices = n.inputConstants(1);
  ImportedValue *dataInfo = n.graph().lookup(n.node().input(0), n.loc());
  ImportedValue *indexInfo = n.graph().lookup(n.node().input(1), n.loc());
  if (!dataInfo || !indexInfo)
    return failure();
  bool dataIsVector = dataInfo->elements ? !dataInfo->scalar
                                         : cast<ShapedType>(dataInfo->tensor.getType())
                                                   .getRank() == 1;
  bool indexIsScalar = indexInfo->elements
                           ? indexInfo->scalar
                           : cast<ShapedType>(indexInfo->tensor.getType())
                                     .getRank() == 0;
  bool indexIsVector = indexInfo->elements
                           ? !indexInfo->scalar
                           : cast<ShapedType>(indexInfo->tensor.getType())
                                     .getRank() == 1;
  if (data && indices && dataIsVector && (indexIsScalar || indexIsVector) &&
      n.intAttr("axis", 0) == 0) {
    int64_t size = data->size();
    SymbolicInts picked;
    for (int64_t index : *indices) {
      if (index < -size || index >= size)
        return n.error("index " + llvm::Twine(index) +
                       " is out of range for " + llvm::Twine(size) +
                       " elements");
      picked.push_back((*data)[index < 0 ? index + size : index]);
    }
    Type elementType = dataInfo->elements
                           ? dataInfo->elementType
                           : cast<ShapedType>(dataInfo->tensor.getType())
                                 .getElementType();
    return n.setOutputElements(0, std::move(picked), indexIsScalar,
                               elementType);
  }
  FailureOr<Value> x = n.input(0), idx = n.input(1);
  if (failed(x) || failed(idx))
    return failure();
  FailureOr<int64_t> axis = normalizeAxis(
      n, n.intAttr("axis", 0), cast<ShapedType>(x->getType()).getRank());
  if (failed(axis))
    return failure();
  FailureOr<Value> result = n.create<GatherOp>(
      {*x, *idx}, {n.namedAttr("axis", n.builder().getI64IntegerAttr(*axis))});
  if (failed(result))
    return failure();
  return n.setOutput(0, *result);
}

LogicalResult importUnsqueeze(NodeImporter &n) {
  auto axesOr = axesFromInputOrAttr(n, 13, 1);
  if (failed(axesOr))
    return failure();
  if (!*axesOr)
    return n.error("axes are required");
  llvm::SmallVector<int64_t> axes = **axesOr;
  ImportedValue *info = n.graph().lookup(n.node().input(0), n.loc());
  if (!info)
    return failure();
  if (info->elements && info->scalar && axes.size() == 1 &&
      (axes[0] == 0 || axes[0] == -1))
    return n.setOutputElements(0, *info->elements, false, info->elementType);
  FailureOr<Value> x = n.input(0);
  if (failed(x))
    return failure();
  SymbolicInts in = dimsOf(n, *x);
  int64_t outRank = in.size() + axes.size();
  FailureOr<llvm::SmallVector<int64_t>> normalized =
      normalizeAxes(n, axes, outRank);
  if (failed(normalized))
    return failure();
  SymbolicInts out;
  size_t next = 0;
  for (int64_t d = 0; d < outRank; ++d)
    out.push_back(llvm::is_contained(*normalized, d) ? SymbolicInt::of(1)
                                                     : in[next++]);
  FailureOr<Value> result = reshapeTo(n, *x, out);
  if (failed(result))
    return failure();
  return n.setOutput(0, *result);
}

LogicalResult importSqueeze(NodeImporter &n) {
  auto axesOr = axesFromInputOrAttr(n, 13, 1);
  if (failed(axesOr))
    return failure();
  ImportedValue *info = n.graph().lookup(n.node().input(0), n.loc());
  if (!info)
    return failure();
  if (info->elements && !info->scalar && info->elements->size() == 1 &&
      (!*axesOr || (*axesOr)->size() == 1))
    return n.setOutputElements(0, *info->elements, true, info->elementType);
  FailureOr<Value> x = n.input(0);
  if (failed(x))
    return failure();
  auto type = cast<RankedTensorType>(x->getType());
  llvm::SmallVector<int64_t> axes;
  if (*axesOr) {
    FailureOr<llvm::SmallVector<int64_t>> normalized =
        normalizeAxes(n, **axesOr, type.getRank());
    if (failed(normalized))
      return failure();
    axes = *normalized;
    for (int64_t axis : axes)
      if (!type.isDynamicDim(axis) && type.getDimSize(axis) != 1)
        return n.error("cannot squeeze dimension " + llvm::Twine(axis) +
                       " of size " + llvm::Twine(type.getDimSize(axis)));
  } else {
    for (int64_t d = 0; d < type.getRank(); ++d) {
      if (type.isDynamicDim(d))
        return n.error("Squeeze without axes on a dynamic dimension: which "
                       "dimensions go is only known at run time");
      if (type.getDimSize(d) == 1)
        axes.push_back(d);
    }
  }
  SymbolicInts in = dimsOf(n, *x), out;
  for (int64_t d = 0; d < type.getRank(); ++d)
    if (!llvm::is_contained(axes, d))
      out.push_back(in[d]);
  FailureOr<Value> result = reshapeTo(n, *x, out);
  if (failed(result))
    return failure();
  return n.setOutput(0, *result);
}

LogicalResult importConcat(NodeImporter &n) {
  bool allTracked = true;
  SymbolicInts joined;
  Type elementType;
  for (size_t i = 0; i < n.numInputs() && allTracked; ++i) {
    ImportedValue *info = n.graph().lookup(n.node().input(i), n.loc());
    if (!info)
      return failure();
    // Scalars count as one element: PyTorch 1.3/1.4 exported Concat of a
    // scalar and a vector, which ONNX forbids but the intent is clear.
    std::optional<SymbolicInts> elements = n.inputElements(i);
    if (!elements) {
      allTracked = false;
      break;
    }
    if (!elementType)
      elementType = info->elements ? info->elementType
                                   : cast<ShapedType>(info->tensor.getType())
                                         .getElementType();
    llvm::append_range(joined, *elements);
  }
  if (allTracked && elementType)
    return n.setOutputElements(0, std::move(joined), false, elementType);

  llvm::SmallVector<Value> inputs;
  for (size_t i = 0; i < n.numInputs(); ++i) {
    FailureOr<Value> x = n.input(i);
    if (failed(x))
      return failure();
    inputs.push_back(*x);
  }
  bool anyVector = llvm::any_of(inputs, [](Value v) {
    return cast<ShapedType>(v.getType()).getRank() == 1;
  });
  for (Value &input : inputs)
    if (anyVector && cast<ShapedType>(input.getType()).getRank() == 0) {
      FailureOr<Value> vector = reshapeTo(n, input, {SymbolicInt::of(1)});
      if (failed(vector))
        return failure();
      input = *vector;
    }
  FailureOr<int64_t> axis = normalizeAxis(
      n, n.intAttr("axis", 0), cast<ShapedType>(inputs[0].getType()).getRank());
  if (failed(axis))
    return failure();
  FailureOr<Value> result = n.create<ConcatOp>(
      inputs, {n.namedAttr("axis", n.builder().getI64IntegerAttr(*axis))});
  if (failed(result))
    return failure();
  return n.setOutput(0, *result);
}

LogicalResult importReshape(NodeImporter &n) {
  std::optional<SymbolicInts> shape = n.inputElements(1);
  // A tracked vector reshaped to a vector ([-1] or [n]) stays tracked.
  ImportedValue *info = n.graph().lookup(n.node().input(0), n.loc());
  if (!info)
    return failure();
  if (info->elements && shape && shape->size() == 1 &&
      shape->front().isConstant() &&
      (shape->front().constant == -1 ||
       shape->front().constant ==
           static_cast<int64_t>(info->elements->size())))
    return n.setOutputElements(0, *info->elements, false, info->elementType);
  FailureOr<Value> x = n.input(0);
  if (failed(x))
    return failure();
  if (!shape)
    return n.error("the target shape is computed from tensor data at run "
                   "time; only shapes known at compile time or built from "
                   "dimensions (Shape/Gather/Concat...) are supported");
  bool allowZero = n.opset() >= 14 && n.intAttr("allowzero", 0) != 0;
  SymbolicInts in = dimsOf(n, *x), out;
  int64_t inferAt = -1;
  for (auto [i, e] : llvm::enumerate(*shape)) {
    if (e.isConstant() && e.constant == 0 && !allowZero) {
      if (i >= in.size())
        return n.error("shape entry " + llvm::Twine(i) +
                       " is 0 (copy) but the input has rank " +
                       llvm::Twine(in.size()));
      out.push_back(in[i]);
    } else if (e.isConstant() && e.constant == -1) {
      if (inferAt >= 0)
        return n.error("the shape has more than one -1");
      inferAt = i;
      out.push_back(SymbolicInt::of(1));
    } else if (e.isConstant() && e.constant < 0) {
      return n.error("shape entry " + llvm::Twine(i) + " is " +
                     llvm::Twine(e.constant));
    } else {
      out.push_back(e);
    }
  }
  if (inferAt >= 0) {
    SymbolicInts others(out.begin(), out.end());
    others.erase(others.begin() + inferAt);
    std::optional<SymbolicInt> inferred = divideProducts(n, in, others);
    if (!inferred)
      return n.error("cannot infer the -1 entry: the element count does not "
                     "divide (or overflows 64 bits)");
    out[inferAt] = *inferred;
  }
  FailureOr<Value> result = reshapeTo(n, *x, out);
  if (failed(result))
    return failure();
  return n.setOutput(0, *result);
}

LogicalResult importFlatten(NodeImporter &n) {
  FailureOr<Value> x = n.input(0);
  if (failed(x))
    return failure();
  SymbolicInts in = dimsOf(n, *x);
  int64_t rank = in.size();
  int64_t axis = n.intAttr("axis", 1);
  if (axis < -rank || axis > rank)
    return n.error("axis " + llvm::Twine(axis) + " is out of range");
  if (axis < 0)
    axis += rank;
  SymbolicInt outer = SymbolicInt::of(1), inner = SymbolicInt::of(1);
  for (int64_t d = 0; d < rank; ++d)
    (d < axis ? outer : inner) =
        n.graph().mul(d < axis ? outer : inner, in[d], n.loc());
  FailureOr<Value> result = reshapeTo(n, *x, {outer, inner});
  if (failed(result))
    return failure();
  return n.setOutput(0, *result);
}

/// The broadcast of a dimension of the data against a requested size
/// (bidirectional, as ONNX Expand).
FailureOr<SymbolicInt> expandDim(NodeImporter &n, SymbolicInt data,
                                 SymbolicInt requested) {
  if (requested.isConstant() && requested.constant == 1)
    return data;
  if (data.isConstant() && data.constant == 1)
    return requested;
  if (sameSymbol(data, requested))
    return data;
  if (data.isConstant() && requested.isConstant())
    return n.error("cannot expand a dimension of size " +
                   llvm::Twine(data.constant) + " to " +
                   llvm::Twine(requested.constant));
  return data.isConstant() ? data : requested;
}

FailureOr<Value> expandTo(NodeImporter &n, Value x,
                          const SymbolicInts &requested) {
  SymbolicInts in = dimsOf(n, x);
  size_t rank = std::max(in.size(), requested.size());
  SymbolicInts out;
  for (size_t i = 0; i < rank; ++i) {
    SymbolicInt d = i + in.size() >= rank ? in[i + in.size() - rank]
                                          : SymbolicInt::of(1);
    SymbolicInt r = i + requested.size() >= rank
                        ? requested[i + requested.size() - rank]
                        : d;
    FailureOr<SymbolicInt> dim = expandDim(n, d, r);
    if (failed(dim))
      return failure();
    out.push_back(*dim);
  }
  if (in.size() == rank &&
      llvm::all_of(llvm::zip_equal(in, out),
                   [](auto p) { return sameSymbol(std::get<0>(p), std::get<1>(p)); }))
    return x;
  return expandToDims(n, x, out);
}

LogicalResult importExpand(NodeImporter &n) {
  FailureOr<Value> x = n.input(0);
  if (failed(x))
    return failure();
  std::optional<SymbolicInts> shape = n.inputElements(1);
  if (!shape)
    return n.error("the target shape must be known at compile time or built "
                   "from dimensions");
  FailureOr<Value> result = expandTo(n, *x, *shape);
  if (failed(result))
    return failure();
  return n.setOutput(0, *result);
}

LogicalResult importConstantOfShape(NodeImporter &n) {
  std::optional<SymbolicInts> shape = n.inputElements(0);
  if (!shape)
    return n.error("the shape must be known at compile time or built from "
                   "dimensions");
  // The fill value: a one-element tensor attribute (float 0 by default).
  Attribute element = FloatAttr::get(n.builder().getF32Type(), 0.0);
  if (const onnx::AttributeProto *a = n.attr("value")) {
    FailureOr<ImportedValue> value = n.graph().importTensor(a->t(), n.loc());
    if (failed(value))
      return failure();
    auto constant = value->tensor.getDefiningOp<ConstantOp>();
    auto dense = constant ? dyn_cast<DenseElementsAttr>(constant.getValue())
                          : DenseElementsAttr();
    if (!dense || dense.getNumElements() != 1)
      return n.error("the value attribute must hold one element");
    element = *dense.getValues<Attribute>().begin();
  }
  auto scalarType =
      RankedTensorType::get({}, cast<TypedAttr>(element).getType());
  Value scalar = ConstantOp::create(n.builder(), n.loc(), scalarType,
                                    DenseElementsAttr::get(scalarType, element));
  bool allConstant = llvm::all_of(
      *shape, [](const SymbolicInt &d) { return d.isConstant(); });
  if (allConstant) {
    llvm::SmallVector<int64_t> dims;
    for (const SymbolicInt &d : *shape)
      dims.push_back(d.constant);
    {
      auto type = RankedTensorType::get(dims, scalarType.getElementType());
      if (type.getRank() == 1 && type.getNumElements() <= 4096 &&
          isa<IntegerType>(type.getElementType()) &&
          !type.getElementType().isInteger(1)) {
        SymbolicInts elements(type.getNumElements(),
                              SymbolicInt::of(cast<IntegerAttr>(element).getInt()));
        return n.setOutputElements(0, std::move(elements), false,
                                   type.getElementType());
      }
      return n.setOutput(0, ConstantOp::create(n.builder(), n.loc(), type,
                                               SplatElementsAttr::get(type, element)));
    }
  }
  FailureOr<Value> result = expandTo(n, scalar, *shape);
  if (failed(result))
    return failure();
  return n.setOutput(0, *result);
}

LogicalResult importRange(NodeImporter &n) {
  std::optional<SymbolicInts> start = n.inputElements(0);
  std::optional<SymbolicInts> limit = n.inputElements(1);
  std::optional<SymbolicInts> delta = n.inputElements(2);
  FailureOr<RankedTensorType> startType = n.inputType(0);
  if (failed(startType))
    return failure();
  Type elementType = startType->getElementType();
  std::optional<double> fStart = n.inputFloatConstant(0),
                        fLimit = n.inputFloatConstant(1),
                        fDelta = n.inputFloatConstant(2);
  if (isa<FloatType>(elementType)) {
    if (!fStart || !fLimit || !fDelta || *fDelta == 0)
      return n.error("a float Range's length depends on its bounds: start, "
                     "limit and a non-zero delta must be known at compile time");
    int64_t count = std::max<int64_t>(
        0, static_cast<int64_t>(std::ceil((*fLimit - *fStart) / *fDelta)));
    if (count > (int64_t(1) << 24))
      return n.error("Range of " + llvm::Twine(count) + " elements is too large");
    llvm::SmallVector<APFloat> values;
    for (int64_t i = 0; i < count; ++i) {
      APFloat v(*fStart + i * *fDelta);
      bool lost;
      v.convert(cast<FloatType>(elementType).getFloatSemantics(),
                APFloat::rmNearestTiesToEven, &lost);
      values.push_back(v);
    }
    auto type = RankedTensorType::get({count}, elementType);
    return n.setOutput(0, ConstantOp::create(n.builder(), n.loc(), type,
                                             DenseElementsAttr::get(type, values)));
  }
  if (!start || !limit || !delta || start->size() != 1 ||
      limit->size() != 1 || delta->size() != 1)
    return n.error("Range bounds must be scalars known at compile time or "
                   "built from dimensions");
  SymbolicInt s = start->front(), l = limit->front(), d = delta->front();
  if (!d.isConstant() || d.constant == 0)
    return n.error("Range needs a constant, non-zero delta (start and limit "
                   "may be dimensions)");
  GraphImporter &g = n.graph();
  SymbolicInt span = g.sub(l, s, n.loc());
  SymbolicInt count;
  if (span.isConstant()) {
    int64_t c = d.constant > 0 ? (span.constant + d.constant - 1) / d.constant
                               : (span.constant + d.constant + 1) / d.constant;
    count = SymbolicInt::of(std::max<int64_t>(c, 0));
  } else {
    if (d.constant < 0)
      return n.error("Range with a run-time limit needs a positive delta");
    std::optional<SymbolicInt> c =
        g.div(g.add(span, SymbolicInt::of(d.constant - 1), n.loc()), d, n.loc());
    count = *c;
  }
  if (count.isConstant() && count.constant <= 4096) {
    SymbolicInts values;
    for (int64_t i = 0; i < count.constant; ++i)
      values.push_back(g.add(s, SymbolicInt::of(i * d.constant), n.loc()));
    return n.setOutputElements(0, std::move(values), false, elementType);
  }
  auto type = RankedTensorType::get(
      {count.isConstant() ? count.constant : ShapedType::kDynamic}, elementType);
  Value size = count.isConstant() ? Value() : count.dynamic;
  // A run-time start (the past length, with a KV cache) is an offset.
  Value offset = s.isConstant() ? Value() : s.dynamic;
  return n.setOutput(0, IotaOp::create(n.builder(), n.loc(), type, size, offset,
                                       s.isConstant() ? s.constant : 0,
                                       d.constant)
                            .getResult());
}

LogicalResult importTranspose(NodeImporter &n) {
  FailureOr<RankedTensorType> type = n.inputType(0);
  if (failed(type))
    return failure();
  llvm::SmallVector<int64_t> perm;
  if (std::optional<llvm::SmallVector<int64_t>> p = n.intsAttr("perm"))
    perm = *p;
  else
    for (int64_t d = type->getRank() - 1; d >= 0; --d)
      perm.push_back(d);
  FailureOr<Value> result = n.create<TransposeOp>(
      {*n.input(0)},
      {n.namedAttr("permutation", n.builder().getDenseI64ArrayAttr(perm))});
  if (failed(result))
    return failure();
  return n.setOutput(0, *result);
}

/// tessera.slice with per-dimension bounds; run-time bounds become index
/// operands.
FailureOr<Value> buildSlice(NodeImporter &n, Value x,
                            llvm::ArrayRef<SymbolicInt> starts,
                            llvm::ArrayRef<SymbolicInt> ends,
                            llvm::ArrayRef<int64_t> steps) {
  llvm::SmallVector<Value> operands = {x};
  auto split = [&](llvm::ArrayRef<SymbolicInt> bounds) {
    llvm::SmallVector<int64_t> statics;
    int32_t dynamic = 0;
    for (const SymbolicInt &bound : bounds) {
      if (bound.isConstant()) {
        // kDynamic marks a run-time bound; INT64_MIN clamps the same as
        // INT64_MIN + 1.
        statics.push_back(std::max(bound.constant,
                                   std::numeric_limits<int64_t>::min() + 1));
      } else {
        statics.push_back(ShapedType::kDynamic);
        operands.push_back(bound.dynamic);
        ++dynamic;
      }
    }
    return std::make_pair(statics, dynamic);
  };
  auto [staticStarts, dynamicStarts] = split(starts);
  auto [staticEnds, dynamicEnds] = split(ends);
  Builder b(n.context());
  return n.create<SliceOp>(
      operands,
      {n.namedAttr("starts", b.getDenseI64ArrayAttr(staticStarts)),
       n.namedAttr("ends", b.getDenseI64ArrayAttr(staticEnds)),
       n.namedAttr("steps", b.getDenseI64ArrayAttr(steps)),
       n.namedAttr("operandSegmentSizes",
                   b.getDenseI32ArrayAttr({1, dynamicStarts, dynamicEnds}))});
}

LogicalResult importSlice(NodeImporter &n) {
  std::optional<SymbolicInts> starts, ends;
  // Slice-1 takes starts, ends and axes as attributes.
  bool fromAttributes = n.opset() < 10;
  if (fromAttributes) {
    auto toSymbolic = [](std::optional<llvm::SmallVector<int64_t>> values)
        -> std::optional<SymbolicInts> {
      if (!values)
        return std::nullopt;
      SymbolicInts out;
      for (int64_t v : *values)
        out.push_back(SymbolicInt::of(v));
      return out;
    };
    starts = toSymbolic(n.intsAttr("starts"));
    ends = toSymbolic(n.intsAttr("ends"));
  } else {
    starts = n.inputElements(1);
    ends = n.inputElements(2);
  }
  if (!starts || !ends)
    return n.error("starts and ends must be known at compile time or built "
                   "from dimensions");
  llvm::SmallVector<int64_t> axes, steps;
  if (fromAttributes && n.intsAttr("axes")) {
    axes = *n.intsAttr("axes");
  } else if (!fromAttributes && n.hasInput(3)) {
    auto a = n.inputConstants(3);
    if (!a)
      return n.error("axes must be a compile-time constant");
    axes = *a;
  } else {
    for (size_t i = 0; i < starts->size(); ++i)
      axes.push_back(i);
  }
  if (!fromAttributes && n.hasInput(4)) {
    auto s = n.inputConstants(4);
    if (!s)
      return n.error("steps must be a compile-time constant");
    steps = *s;
  } else {
    steps.assign(starts->size(), 1);
  }
  if (ends->size() != starts->size() || axes.size() != starts->size() ||
      steps.size() != starts->size())
    return n.error("starts, ends, axes and steps differ in length");

  // Slicing a tracked vector (Shape(x)[1:3]) stays symbolic.
  std::optional<SymbolicInts> tracked = n.inputElements(0);
  ImportedValue *info = n.graph().lookup(n.node().input(0), n.loc());
  if (!info)
    return failure();
  if (tracked && info->elements && !info->scalar && starts->size() == 1 &&
      (axes[0] == 0 || axes[0] == -1) && steps[0] == 1 &&
      (*starts)[0].isConstant() && (*ends)[0].isConstant()) {
    int64_t size = tracked->size();
    auto clampIndex = [&](int64_t v) {
      if (v < 0)
        v += size;
      return std::clamp<int64_t>(v, 0, size);
    };
    int64_t b = clampIndex((*starts)[0].constant),
            e = clampIndex((*ends)[0].constant);
    SymbolicInts result;
    for (int64_t i = b; i < e; ++i)
      result.push_back((*tracked)[i]);
    return n.setOutputElements(0, std::move(result), false, info->elementType);
  }

  FailureOr<Value> x = n.input(0);
  if (failed(x))
    return failure();
  int64_t rank = cast<ShapedType>(x->getType()).getRank();
  constexpr int64_t kEnd = std::numeric_limits<int64_t>::max();
  llvm::SmallVector<SymbolicInt> allStarts(rank, SymbolicInt::of(0)),
      allEnds(rank, SymbolicInt::of(kEnd));
  llvm::SmallVector<int64_t> allSteps(rank, 1);
  llvm::SmallVector<bool> seen(rank, false);
  for (size_t i = 0; i < axes.size(); ++i) {
    FailureOr<int64_t> axis = normalizeAxis(n, axes[i], rank);
    if (failed(axis))
      return failure();
    if (seen[*axis])
      return n.error("axis " + llvm::Twine(*axis) + " is sliced twice");
    seen[*axis] = true;
    if (steps[i] == 0)
      return n.error("a step is zero");
    allStarts[*axis] = (*starts)[i];
    allEnds[*axis] = (*ends)[i];
    allSteps[*axis] = steps[i];
  }
  FailureOr<Value> result = buildSlice(n, *x, allStarts, allEnds, allSteps);
  if (failed(result))
    return failure();
  return n.setOutput(0, *result);
}

LogicalResult importSplit(NodeImporter &n) {
  FailureOr<Value> x = n.input(0);
  if (failed(x))
    return failure();
  auto type = cast<RankedTensorType>(x->getType());
  FailureOr<int64_t> axis = normalizeAxis(n, n.intAttr("axis", 0), type.getRank());
  if (failed(axis))
    return failure();
  llvm::SmallVector<int64_t> sizes;
  if (n.opset() >= 13 && n.hasInput(1)) {
    auto s = n.inputConstants(1);
    if (!s)
      return n.error("split sizes must be compile-time constants");
    sizes = *s;
  } else if (n.opset() < 13 && n.intsAttr("split")) {
    sizes = *n.intsAttr("split");
  } else {
    int64_t parts = n.opset() >= 18 ? n.intAttr("num_outputs", n.numOutputs())
                                    : static_cast<int64_t>(n.numOutputs());
    if (type.isDynamicDim(*axis))
      return n.error("an even split of a dynamic dimension is not supported");
    int64_t total = type.getDimSize(*axis);
    if (parts <= 0)
      return n.error("the number of outputs must be positive");
    int64_t chunk = (total + parts - 1) / parts;
    for (int64_t i = 0; i < parts; ++i)
      sizes.push_back(std::max<int64_t>(0, std::min(chunk, total - i * chunk)));
  }
  if (sizes.size() != n.numOutputs())
    return n.error("split into " + llvm::Twine(sizes.size()) +
                   " parts but the node has " + llvm::Twine(n.numOutputs()) +
                   " outputs");
  constexpr int64_t kEnd = std::numeric_limits<int64_t>::max();
  int64_t offset = 0;
  for (size_t i = 0; i < sizes.size(); ++i) {
    llvm::SmallVector<SymbolicInt> starts(type.getRank(), SymbolicInt::of(0)),
        ends(type.getRank(), SymbolicInt::of(kEnd));
    llvm::SmallVector<int64_t> steps(type.getRank(), 1);
    starts[*axis] = SymbolicInt::of(offset);
    ends[*axis] = SymbolicInt::of(offset + sizes[i]);
    offset += sizes[i];
    FailureOr<Value> part = buildSlice(n, *x, starts, ends, steps);
    if (failed(part) || failed(n.setOutput(i, *part)))
      return failure();
  }
  return success();
}

/// The source index along an axis of size `size` of output position `j`
/// (padded by `low` in front) in Pad's edge, reflect and wrap modes:
///
///   edge     a b c | c c      (clamped)
///   reflect  a b c | b a      (mirrored about the end, period 2 (size - 1))
///   wrap     a b c | a b      (periodic, period size)
int64_t padSource(llvm::StringRef mode, int64_t j, int64_t low, int64_t size) {
  int64_t i = j - low;
  auto mod = [](int64_t a, int64_t m) { return ((a % m) + m) % m; };
  if (mode == "edge")
    return std::clamp<int64_t>(i, 0, size - 1);
  if (mode == "wrap")
    return mod(i, size);
  if (size == 1)
    return 0;
  int64_t t = mod(i, 2 * (size - 1));
  return t < size ? t : 2 * (size - 1) - t;
}

/// Pad in edge, reflect or wrap mode along one axis: a gather of the input
/// at compile-time source indices (the axis must have a static size).
FailureOr<Value> padByGather(NodeImporter &n, llvm::StringRef mode, Value x,
                             int64_t axis, int64_t low, int64_t high) {
  auto type = cast<RankedTensorType>(x.getType());
  if (type.isDynamicDim(axis))
    return n.error("'" + mode + "' padding of dynamic axis " + llvm::Twine(axis) +
                   " is not supported (only constant padding)");
  int64_t size = type.getDimSize(axis);
  if (size == 0)
    return n.error("'" + mode + "' padding of the empty axis " + llvm::Twine(axis) +
                   " has nothing to repeat");
  llvm::SmallVector<int64_t> indices;
  for (int64_t j = 0; j < low + size + high; ++j)
    indices.push_back(padSource(mode, j, low, size));
  auto indexType =
      RankedTensorType::get({int64_t(indices.size())}, n.builder().getI64Type());
  Value table = ConstantOp::create(n.builder(), n.loc(), indexType,
                                   DenseElementsAttr::get(indexType, llvm::ArrayRef(indices)));
  return n.create<GatherOp>({x, table},
                            {n.namedAttr("axis", n.builder().getI64IntegerAttr(axis))});
}

/// Pad: in constant mode each padded axis becomes a concat of fill blocks
/// around the input; in edge, reflect and wrap modes a gather. Negative
/// pads crop with a slice first.
LogicalResult importPad(NodeImporter &n) {
  std::string mode = n.stringAttr("mode", "constant");
  if (mode != "constant" && mode != "edge" && mode != "reflect" && mode != "wrap")
    return n.error("unknown mode '" + mode +
                   "' (constant, edge, reflect and wrap are Pad's modes)");
  FailureOr<Value> x = n.input(0);
  if (failed(x))
    return failure();
  auto type = cast<RankedTensorType>(x->getType());
  int64_t rank = type.getRank();
  std::optional<llvm::SmallVector<int64_t>> pads =
      n.opset() < 11 ? n.intsAttr("pads") : n.inputConstants(1);
  if (!pads)
    return n.error("pads must be compile-time constants");
  llvm::SmallVector<int64_t> axes;
  if (n.opset() >= 18 && n.hasInput(3)) {
    auto a = n.inputConstants(3);
    if (!a)
      return n.error("axes must be compile-time constants");
    for (int64_t axis : *a) {
      FailureOr<int64_t> normalized = normalizeAxis(n, axis, rank);
      if (failed(normalized))
        return failure();
      axes.push_back(*normalized);
    }
  } else {
    for (int64_t d = 0; d < rank; ++d)
      axes.push_back(d);
  }
  if (pads->size() != 2 * axes.size())
    return n.error("pads has " + llvm::Twine(pads->size()) + " entries for " +
                   llvm::Twine(axes.size()) + " axes");
  double fill = n.opset() < 11 ? n.floatAttr("value", 0.0f) : 0.0;
  if (n.opset() >= 11 && n.hasInput(2)) {
    std::optional<double> f = n.inputFloatConstant(2);
    std::optional<llvm::SmallVector<int64_t>> i = n.inputConstants(2);
    if (!f && !(i && i->size() == 1))
      return n.error("constant_value must be a compile-time scalar");
    fill = f ? *f : static_cast<double>(i->front());
  }
  // Padding a tracked shape vector keeps it tracked.
  ImportedValue *info = n.graph().lookup(n.node().input(0), n.loc());
  if (mode == "constant" && info && info->elements && !info->scalar &&
      axes.size() == 1 && (*pads)[0] >= 0 && (*pads)[1] >= 0) {
    SymbolicInts padded(
        (*pads)[0], SymbolicInt::of(static_cast<int64_t>(fill)));
    llvm::append_range(padded, *info->elements);
    padded.append((*pads)[1], SymbolicInt::of(static_cast<int64_t>(fill)));
    return n.setOutputElements(0, std::move(padded), false, info->elementType);
  }
  Value scalar = mode == "constant" ? scalarConstant(n, type.getElementType(), fill) : Value();
  Value current = *x;
  for (size_t i = 0; i < axes.size(); ++i) {
    int64_t axis = axes[i], low = (*pads)[i], high = (*pads)[i + axes.size()];
    if (low < 0 || high < 0) {
      SymbolicInts dims = dimsOf(n, current);
      SymbolicInts starts(rank, SymbolicInt::of(0)),
          ends(rank, SymbolicInt::of(std::numeric_limits<int64_t>::max()));
      llvm::SmallVector<int64_t> steps(rank, 1);
      starts[axis] = SymbolicInt::of(std::max<int64_t>(-low, 0));
      ends[axis] = n.graph().sub(dims[axis],
                                 SymbolicInt::of(std::max<int64_t>(-high, 0)),
                                 n.loc());
      FailureOr<Value> cropped = buildSlice(n, current, starts, ends, steps);
      if (failed(cropped))
        return failure();
      current = *cropped;
      low = std::max<int64_t>(low, 0);
      high = std::max<int64_t>(high, 0);
    }
    if (low == 0 && high == 0)
      continue;
    if (mode != "constant") {
      FailureOr<Value> padded = padByGather(n, mode, current, axis, low, high);
      if (failed(padded))
        return failure();
      current = *padded;
      continue;
    }
    llvm::SmallVector<Value> parts;
    SymbolicInts dims = dimsOf(n, current);
    for (int64_t width : {low, int64_t(-1), high}) {
      if (width == 0)
        continue;
      if (width < 0) {
        parts.push_back(current);
        continue;
      }
      SymbolicInts blockDims = dims;
      blockDims[axis] = SymbolicInt::of(width);
      FailureOr<Value> block = expandTo(n, scalar, blockDims);
      if (failed(block))
        return failure();
      parts.push_back(*block);
    }
    FailureOr<Value> joined = n.create<ConcatOp>(
        parts, {n.namedAttr("axis", n.builder().getI64IntegerAttr(axis))});
    if (failed(joined))
      return failure();
    current = *joined;
  }
  return n.setOutput(0, current);
}

/// NonZero's output shape depends on the data, so only a compile-time
/// constant input (a splat, as exporters build it from ConstantOfShape) is
/// supported: every index, or none, is selected.
LogicalResult importNonZero(NodeImporter &n) {
  FailureOr<Value> x = n.input(0);
  if (failed(x))
    return failure();
  Attribute splat;
  if (auto constant = x->getDefiningOp<ConstantOp>()) {
    if (auto dense = dyn_cast<SplatElementsAttr>(constant.getValue()))
      splat = dense.getSplatValue<Attribute>();
  } else if (auto expand = x->getDefiningOp<ExpandOp>()) {
    if (auto constant = expand.getInput().getDefiningOp<ConstantOp>())
      if (auto dense = dyn_cast<SplatElementsAttr>(constant.getValue()))
        splat = dense.getSplatValue<Attribute>();
  }
  auto type = cast<RankedTensorType>(x->getType());
  if (!splat || type.getRank() != 1)
    return n.error("only a 1-D input that is a compile-time constant splat is "
                   "supported: NonZero's output shape depends on the data");
  bool nonzero = isa<FloatAttr>(splat)
                     ? !cast<FloatAttr>(splat).getValue().isZero()
                     : !cast<IntegerAttr>(splat).getValue().isZero();
  Type i64 = n.builder().getI64Type();
  SymbolicInt length = nonzero ? n.graph().dimOf(*x, 0) : SymbolicInt::of(0);
  auto indicesType = RankedTensorType::get(
      {length.isConstant() ? length.constant : ShapedType::kDynamic}, i64);
  Value indices = IotaOp::create(n.builder(), n.loc(), indicesType,
                                 length.isConstant() ? Value() : length.dynamic,
                                 /*offset=*/Value(), 0, 1);
  FailureOr<Value> result = reshapeTo(n, indices, {SymbolicInt::of(1), length});
  if (failed(result))
    return failure();
  return n.setOutput(0, *result);
}

/// Tile as data movement: [d0, d1] -> [1, d0, 1, d1] -> expand to
/// [r0, d0, r1, d1] -> [r0 * d0, r1 * d1].
LogicalResult importTile(NodeImporter &n) {
  FailureOr<Value> x = n.input(0);
  if (failed(x))
    return failure();
  std::optional<SymbolicInts> repeats = n.inputElements(1);
  SymbolicInts dims = dimsOf(n, *x);
  if (!repeats || repeats->size() != dims.size())
    return n.error("repeats must have one entry per dimension and be known "
                   "at compile time or built from dimensions");
  SymbolicInts interleaved, expanded, merged;
  for (auto [d, r] : llvm::zip_equal(dims, *repeats)) {
    interleaved.append({SymbolicInt::of(1), d});
    expanded.append({r, d});
    merged.push_back(n.graph().mul(r, d, n.loc()));
  }
  FailureOr<Value> spread = reshapeTo(n, *x, interleaved);
  if (failed(spread))
    return failure();
  FailureOr<Value> copies = expandTo(n, *spread, expanded);
  if (failed(copies))
    return failure();
  FailureOr<Value> result = reshapeTo(n, *copies, merged);
  if (failed(result))
    return failure();
  return n.setOutput(0, *result);
}

LogicalResult importTrilu(NodeImporter &n) {
  FailureOr<Value> x = n.input(0);
  if (failed(x))
    return failure();
  int64_t k = 0;
  if (n.hasInput(1)) {
    auto values = n.inputConstants(1);
    if (!values || values->size() != 1)
      return n.error("k must be a compile-time scalar");
    k = values->front();
  }
  auto kind = n.intAttr("upper", 1) ? TriluKind::upper : TriluKind::lower;
  auto op = TriluOp::create(n.builder(), n.loc(), x->getType(), *x,
                            TriluKindAttr::get(n.context(), kind),
                            n.builder().getI64IntegerAttr(k));
  return n.setOutput(0, op.getResult());
}

} // namespace

void registerShapeImporters(OpRegistry &r) {
  for (int64_t v : {1, 9, 11, 12, 13, 19, 21})
    r.add("", "Constant", v, importConstant);
  for (int64_t v : {1, 13, 15, 19, 21})
    r.add("", "Shape", v, importShape);
  for (int64_t v : {1, 13, 19, 21})
    r.add("", "Size", v, importSize);
  for (int64_t v : {1, 11, 13})
    r.add("", "Gather", v, importGather);
  for (int64_t v : {1, 11, 13, 21}) {
    r.add("", "Unsqueeze", v, importUnsqueeze);
    r.add("", "Squeeze", v, importSqueeze);
  }
  for (int64_t v : {4, 11, 13})
    r.add("", "Concat", v, importConcat);
  for (int64_t v : {5, 13, 14, 19, 21})
    r.add("", "Reshape", v, importReshape);
  for (int64_t v : {1, 9, 11, 13, 21})
    r.add("", "Flatten", v, importFlatten);
  for (int64_t v : {8, 13})
    r.add("", "Expand", v, importExpand);
  for (int64_t v : {9, 20, 21})
    r.add("", "ConstantOfShape", v, importConstantOfShape);
  r.add("", "Range", 11, importRange);
  for (int64_t v : {1, 13, 21})
    r.add("", "Transpose", v, importTranspose);
  for (int64_t v : {1, 10, 11, 13})
    r.add("", "Slice", v, importSlice);
  for (int64_t v : {2, 11, 13, 18})
    r.add("", "Split", v, importSplit);
  r.add("", "Trilu", 14, importTrilu);
  for (int64_t v : {6, 13})
    r.add("", "Tile", v, importTile);
  for (int64_t v : {2, 11, 13, 18, 19, 21})
    r.add("", "Pad", v, importPad);
  for (int64_t v : {9, 13})
    r.add("", "NonZero", v, importNonZero);
}

} // namespace tessera::onnx_frontend
