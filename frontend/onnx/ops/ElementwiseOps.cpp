//===- ElementwiseOps.cpp - ONNX elementwise ops --------------------------===//
//
// Arithmetic on tracked shape values (Add(Gather(Shape(x), 0), 1), ...) is
// evaluated symbolically; everything else becomes the tessera op of the
// same name, with NumPy broadcasting left to the op.
//
//===----------------------------------------------------------------------===//

#include "frontend/onnx/OpRegistry.h"
#include "frontend/onnx/TensorData.h"
#include "frontend/onnx/ops/ImportHelpers.h"
#include "ir/ElementTypes.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "llvm/Support/FormatVariadic.h"

using namespace mlir;

namespace tessera::onnx_frontend {
namespace {

enum class IntOp { Add, Sub, Mul, Div, Mod, Max, Min };

/// Elementwise arithmetic on two tracked integer values (same length, or one
/// of them a single element). Returns false when it does not apply.
FailureOr<bool> trySymbolicArithmetic(NodeImporter &n, IntOp kind) {
  std::optional<SymbolicInts> lhs = n.inputElements(0);
  std::optional<SymbolicInts> rhs = n.inputElements(1);
  if (!lhs || !rhs)
    return false;
  ImportedValue *lhsInfo = n.graph().lookup(n.node().input(0), n.loc());
  ImportedValue *rhsInfo = n.graph().lookup(n.node().input(1), n.loc());
  if (!lhsInfo || !rhsInfo)
    return failure();
  size_t length = std::max(lhs->size(), rhs->size());
  if ((lhs->size() != length && lhs->size() != 1) ||
      (rhs->size() != length && rhs->size() != 1))
    return false;
  bool lhsScalar = lhsInfo->elements ? lhsInfo->scalar
                                     : cast<ShapedType>(lhsInfo->tensor.getType())
                                               .getRank() == 0;
  bool rhsScalar = rhsInfo->elements ? rhsInfo->scalar
                                     : cast<ShapedType>(rhsInfo->tensor.getType())
                                               .getRank() == 0;
  Type elementType = lhsInfo->elements
                         ? lhsInfo->elementType
                         : cast<ShapedType>(lhsInfo->tensor.getType())
                               .getElementType();
  if (!elementType.isSignlessInteger() || elementType.isInteger(1))
    return false;
  SymbolicInts result;
  GraphImporter &g = n.graph();
  for (size_t i = 0; i < length; ++i) {
    SymbolicInt a = (*lhs)[lhs->size() == 1 ? 0 : i];
    SymbolicInt b = (*rhs)[rhs->size() == 1 ? 0 : i];
    switch (kind) {
    case IntOp::Add:
      result.push_back(g.add(a, b, n.loc()));
      break;
    case IntOp::Sub:
      result.push_back(g.sub(a, b, n.loc()));
      break;
    case IntOp::Mul:
      result.push_back(g.mul(a, b, n.loc()));
      break;
    case IntOp::Div: {
      std::optional<SymbolicInt> q = g.div(a, b, n.loc());
      if (!q)
        return n.error("integer division by zero");
      result.push_back(*q);
      break;
    }
    case IntOp::Mod: {
      // Integer Mod (fmod = 0) takes the divisor's sign, like Python's %.
      if (!a.isConstant() || !b.isConstant())
        return false;
      if (b.constant == 0)
        return n.error("integer modulo by zero");
      // Anything mod -1 is 0; computed, INT64_MIN % -1 overflows (x86 traps).
      int64_t r = b.constant == -1 ? 0 : a.constant % b.constant;
      if (r != 0 && (r < 0) != (b.constant < 0))
        r += b.constant;
      result.push_back(SymbolicInt::of(r));
      break;
    }
    case IntOp::Max:
    case IntOp::Min:
      // Constants only: a padded size is max(shape, target) (CenterCropPad).
      if (!a.isConstant() || !b.isConstant())
        return false;
      result.push_back(SymbolicInt::of(kind == IntOp::Max
                                           ? std::max(a.constant, b.constant)
                                           : std::min(a.constant, b.constant)));
      break;
    }
  }
  bool scalar = lhsScalar && rhsScalar;
  if (failed(n.setOutputElements(0, std::move(result), scalar, elementType)))
    return failure();
  return true;
}

template <typename OpTy>
LogicalResult importBinary(NodeImporter &n) {
  FailureOr<Value> lhs = n.input(0), rhs = n.input(1);
  if (failed(lhs) || failed(rhs))
    return failure();
  FailureOr<Value> result = n.create<OpTy>({*lhs, *rhs});
  if (failed(result))
    return failure();
  return n.setOutput(0, *result);
}

template <typename OpTy, IntOp kind>
LogicalResult importArithmetic(NodeImporter &n) {
  FailureOr<bool> symbolic = trySymbolicArithmetic(n, kind);
  if (failed(symbolic))
    return failure();
  if (*symbolic)
    return success();
  return importBinary<OpTy>(n);
}

/// Mod: folded on sizes known at compile time (ONNX's Attention function
/// body checks head counts with it), else tessera.mod. fmod = 0 (the sign
/// of the divisor) is defined on integers only.
LogicalResult importMod(NodeImporter &n) {
  bool fmod = n.intAttr("fmod", 0) != 0;
  FailureOr<bool> symbolic =
      fmod ? FailureOr<bool>(false) : trySymbolicArithmetic(n, IntOp::Mod);
  if (failed(symbolic))
    return failure();
  if (*symbolic)
    return success();
  FailureOr<Value> lhs = n.input(0), rhs = n.input(1);
  if (failed(lhs) || failed(rhs))
    return failure();
  if (!fmod && isa<FloatType>(cast<ShapedType>(lhs->getType()).getElementType()))
    return n.error("Mod on floats needs fmod = 1 (ONNX Mod)");
  SmallVector<NamedAttribute> attributes;
  if (fmod)
    attributes.push_back(n.namedAttr("fmod", n.builder().getUnitAttr()));
  FailureOr<Value> result = n.create<ModOp>({*lhs, *rhs}, attributes);
  if (failed(result))
    return failure();
  return n.setOutput(0, *result);
}

/// The element count of an elementwise op on tracked values of `a` and `b`
/// elements, one broadcast when it has a single element; none when they do
/// not broadcast. One element against none is none: the larger count would
/// index the empty side.
std::optional<size_t> broadcastLength(size_t a, size_t b) {
  if (a == b || b == 1)
    return a;
  if (a == 1)
    return b;
  return std::nullopt;
}

/// Folds a boolean elementwise op of two tracked values when `decide` knows
/// every element: the output is set (its result returned); std::nullopt
/// when the op must be computed.
std::optional<LogicalResult>
foldBooleans(NodeImporter &n,
             llvm::function_ref<std::optional<bool>(const SymbolicInt &, const SymbolicInt &)>
                 decide) {
  std::optional<SymbolicInts> lhs = n.inputElements(0);
  std::optional<SymbolicInts> rhs = n.inputElements(1);
  std::optional<size_t> broadcast =
      lhs && rhs ? broadcastLength(lhs->size(), rhs->size()) : std::nullopt;
  if (!broadcast)
    return std::nullopt;
  SymbolicInts result;
  for (size_t i = 0; i < *broadcast; ++i) {
    std::optional<bool> value =
        decide((*lhs)[lhs->size() == 1 ? 0 : i], (*rhs)[rhs->size() == 1 ? 0 : i]);
    if (!value)
      return std::nullopt;
    result.push_back(SymbolicInt::of(*value ? 1 : 0));
  }
  ImportedValue *info = n.graph().lookup(n.node().input(0), n.loc());
  if (!info)
    return std::nullopt;
  return n.setOutputElements(0, std::move(result),
                             info->elements ? info->scalar && rhs->size() == 1 : false,
                             n.builder().getI1Type());
}

/// Boolean And: folded on values known at compile time, else where(a, b,
/// false).
LogicalResult importAnd(NodeImporter &n) {
  std::optional<LogicalResult> folded =
      foldBooleans(n, [](const SymbolicInt &a, const SymbolicInt &b) -> std::optional<bool> {
        if (!a.isConstant() || !b.isConstant())
          return std::nullopt;
        return a.constant && b.constant;
      });
  if (folded)
    return *folded;
  FailureOr<Value> a = n.input(0), b = n.input(1);
  if (failed(a) || failed(b))
    return failure();
  FailureOr<Value> result = n.create<WhereOp>(
      {*a, *b, scalarConstant(n, n.builder().getI1Type(), 0)});
  if (failed(result))
    return failure();
  return n.setOutput(0, *result);
}

LogicalResult importPow(NodeImporter &n) {
  FailureOr<Value> base = n.input(0), exponent = n.input(1);
  if (failed(base) || failed(exponent))
    return failure();
  Type baseType = cast<ShapedType>(base->getType()).getElementType();
  Type exponentType = cast<ShapedType>(exponent->getType()).getElementType();
  // An integer base with a float exponent is computed as ONNX's reference
  // (NumPy) does: in double, the result converted back to the base's type
  // (truncating toward zero).
  if (isa<IntegerType>(baseType) && isa<FloatType>(exponentType)) {
    Type f64 = n.builder().getF64Type();
    FailureOr<Value> x = castTo(n, *base, f64), y = castTo(n, *exponent, f64);
    if (failed(x) || failed(y))
      return failure();
    FailureOr<Value> power = n.create<PowOp>({*x, *y});
    if (failed(power))
      return failure();
    FailureOr<Value> result = castTo(n, *power, baseType);
    if (failed(result))
      return failure();
    return n.setOutput(0, *result);
  }
  // Pow-12 and later allow an exponent of another type; an integer one
  // (any signedness) is converted to the base's type.
  FailureOr<Value> castExponent = castTo(n, *exponent, baseType);
  if (failed(castExponent))
    return failure();
  FailureOr<Value> result = n.create<PowOp>({*base, *castExponent});
  if (failed(result))
    return failure();
  return n.setOutput(0, *result);
}

/// Max, Min and Sum take any number of inputs. Two tracked integer inputs
/// (sizes) are folded as `kind` where that applies.
template <typename OpTy, IntOp kind>
LogicalResult importVariadic(NodeImporter &n) {
  if (n.numInputs() == 2) {
    FailureOr<bool> symbolic = trySymbolicArithmetic(n, kind);
    if (failed(symbolic))
      return failure();
    if (*symbolic)
      return success();
  }
  FailureOr<Value> acc = n.input(0);
  if (failed(acc))
    return failure();
  for (size_t i = 1; i < n.numInputs(); ++i) {
    FailureOr<Value> next = n.input(i);
    if (failed(next))
      return failure();
    acc = n.create<OpTy>({*acc, *next});
    if (failed(acc))
      return failure();
  }
  return n.setOutput(0, *acc);
}

/// Decides `a == b` for tracked values where possible: equal constants, the
/// same run-time value, or a dimension (never negative) against a negative
/// constant.
std::optional<bool> decideEqual(SymbolicInt a, SymbolicInt b) {
  if (a.isConstant() && b.isConstant())
    return a.constant == b.constant;
  if (!a.isConstant() && !b.isConstant() && a.dynamic == b.dynamic)
    return true;
  auto isDim = [](SymbolicInt v) {
    return !v.isConstant() && v.dynamic.getDefiningOp<tensor::DimOp>();
  };
  if ((isDim(a) && b.isConstant() && b.constant < 0) ||
      (isDim(b) && a.isConstant() && a.constant < 0))
    return false;
  return std::nullopt;
}

template <CmpPredicate predicate>
LogicalResult importCompare(NodeImporter &n) {
  if (predicate == CmpPredicate::eq)
    if (std::optional<LogicalResult> folded = foldBooleans(n, decideEqual))
      return *folded;
  FailureOr<Value> lhs = n.input(0), rhs = n.input(1);
  if (failed(lhs) || failed(rhs))
    return failure();
  FailureOr<Value> result = n.create<CmpOp>(
      {*lhs, *rhs},
      {n.namedAttr("predicate", CmpPredicateAttr::get(n.context(), predicate))});
  if (failed(result))
    return failure();
  return n.setOutput(0, *result);
}

LogicalResult importNot(NodeImporter &n) {
  if (std::optional<SymbolicInts> known = n.inputElements(0)) {
    SymbolicInts result;
    for (const SymbolicInt &e : *known)
      if (e.isConstant())
        result.push_back(SymbolicInt::of(e.constant == 0 ? 1 : 0));
    ImportedValue *info = n.graph().lookup(n.node().input(0), n.loc());
    if (result.size() == known->size() && info)
      return n.setOutputElements(0, std::move(result), info->scalar,
                                 n.builder().getI1Type());
  }
  FailureOr<Value> x = n.input(0);
  if (failed(x))
    return failure();
  Value falseValue = scalarConstant(n, n.builder().getI1Type(), 0);
  FailureOr<Value> result = n.create<CmpOp>(
      {*x, falseValue},
      {n.namedAttr("predicate",
                   CmpPredicateAttr::get(n.context(), CmpPredicate::eq))});
  if (failed(result))
    return failure();
  return n.setOutput(0, *result);
}

LogicalResult importWhere(NodeImporter &n) {
  std::optional<SymbolicInts> cond = n.inputElements(0);
  std::optional<SymbolicInts> x = n.inputElements(1);
  std::optional<SymbolicInts> y = n.inputElements(2);
  if (cond && x && y &&
      llvm::all_of(*cond, [](const SymbolicInt &c) { return c.isConstant(); })) {
    size_t length = std::max({cond->size(), x->size(), y->size()});
    auto at = [&](const SymbolicInts &v, size_t i) {
      return v[v.size() == 1 ? 0 : i];
    };
    bool fits = llvm::all_of(std::initializer_list<size_t>{cond->size(),
                                                          x->size(), y->size()},
                             [&](size_t s) { return s == 1 || s == length; });
    ImportedValue *xInfo = n.graph().lookup(n.node().input(1), n.loc());
    if (fits && xInfo && xInfo->elements) {
      SymbolicInts result;
      for (size_t i = 0; i < length; ++i)
        result.push_back(at(*cond, i).constant ? at(*x, i) : at(*y, i));
      return n.setOutputElements(0, std::move(result), false,
                                 xInfo->elementType);
    }
  }
  FailureOr<Value> c = n.input(0), t = n.input(1), f = n.input(2);
  if (failed(c) || failed(t) || failed(f))
    return failure();
  FailureOr<Value> result = n.create<WhereOp>({*c, *t, *f});
  if (failed(result))
    return failure();
  return n.setOutput(0, *result);
}

template <typename OpTy>
LogicalResult importUnary(NodeImporter &n) {
  FailureOr<Value> x = n.input(0);
  if (failed(x))
    return failure();
  FailureOr<Value> result = n.create<OpTy>({*x});
  if (failed(result))
    return failure();
  return n.setOutput(0, *result);
}

LogicalResult importNeg(NodeImporter &n) {
  if (std::optional<SymbolicInts> known = n.inputElements(0)) {
    ImportedValue *info = n.graph().lookup(n.node().input(0), n.loc());
    if (info && info->elements) {
      SymbolicInts result;
      for (const SymbolicInt &e : *known)
        result.push_back(n.graph().sub(SymbolicInt::of(0), e, n.loc()));
      return n.setOutputElements(0, std::move(result), info->scalar,
                                 info->elementType);
    }
  }
  return importUnary<NegOp>(n);
}

LogicalResult importRelu(NodeImporter &n) {
  FailureOr<Value> x = n.input(0);
  if (failed(x))
    return failure();
  Value zero =
      scalarConstant(n, cast<ShapedType>(x->getType()).getElementType(), 0.0);
  FailureOr<Value> result = n.create<MaxOp>({*x, zero});
  if (failed(result))
    return failure();
  return n.setOutput(0, *result);
}

/// Identity, and Dropout at inference (its mask output is not computed).
LogicalResult importIdentity(NodeImporter &n) {
  if (!n.hasInput(0))
    return n.error("input 0 is required but missing");
  ImportedValue *value = n.graph().lookup(n.node().input(0), n.loc());
  if (!value)
    return failure();
  if (n.hasOutput(0))
    n.graph().define(n.node().output(0), *value);
  return success();
}

/// Dropout is the identity at inference, and in training mode with ratio
/// 0; its mask (output 1) is then all true. In training mode with another
/// ratio it zeroes a random subset of its input, which a compiled graph
/// does not reproduce: refused. training_mode (Dropout-12 on) and ratio
/// must be known at compile time.
LogicalResult importDropout(NodeImporter &n) {
  bool training = false;
  if (n.hasInput(2)) {
    std::optional<llvm::SmallVector<int64_t>> mode = n.inputConstants(2);
    if (!mode)
      return n.error("training_mode is a run-time input: it must be known at "
                     "compile time (training-mode Dropout draws a random mask)");
    training = llvm::any_of(*mode, [](int64_t v) { return v != 0; });
  }
  if (training) {
    std::optional<double> ratio =
        n.hasInput(1) ? n.inputFloatConstant(1) : std::optional<double>(0.5);
    if (!ratio)
      return n.error("training-mode Dropout's ratio is a run-time input: it "
                     "must be known at compile time (only ratio 0 is supported)");
    if (*ratio != 0)
      return n.error("training-mode Dropout with ratio " + llvm::formatv("{0}", *ratio) +
                     " draws a random mask, which is not supported (only "
                     "inference, or ratio 0)");
  }
  if (failed(importIdentity(n)))
    return failure();
  if (!n.hasOutput(1))
    return success();
  FailureOr<Value> x = n.input(0);
  if (failed(x))
    return failure();
  Value mask = expandToDims(n, scalarConstant(n, n.builder().getI1Type(), 1),
                            dimsOf(n, *x));
  return n.setOutput(1, mask);
}

/// Clamps `x` (of any type: integers too can overflow an 8-bit float) to
/// +-the largest finite value of `to` in f32 (NaN stays NaN: tessera.min/max
/// propagate it), which makes the conversion saturate.
FailureOr<Value> saturateFor(NodeImporter &n, Value x, FloatType to) {
  FailureOr<Value> wide = castTo(n, x, n.builder().getF32Type());
  if (failed(wide))
    return failure();
  double largest = APFloat::getLargest(to.getFloatSemantics()).convertToDouble();
  Type f32 = n.builder().getF32Type();
  FailureOr<Value> below = n.create<MinOp>({*wide, scalarConstant(n, f32, largest)});
  if (failed(below))
    return failure();
  return n.create<MaxOp>({*below, scalarConstant(n, f32, -largest)});
}

/// Cast and CastLike. `saturate` (opset 19+) applies to the 8-bit float
/// targets: out-of-range values and infinities become the largest finite
/// value instead of infinity or NaN. FLOAT4E2M1 has neither and always
/// saturates; FLOAT8E8M0 rounds up, the only round_mode supported.
LogicalResult castImpl(NodeImporter &n, Type to) {
  ImportedValue *info = n.graph().lookup(n.node().input(0), n.loc());
  if (!info)
    return failure();
  if (info->elements && to.isSignlessInteger() && to.getIntOrFloatBitWidth() >= 8)
    return n.setOutputElements(0, *info->elements, info->scalar, to);
  bool saturate = n.intAttr("saturate", 1) != 0;
  std::string roundMode = n.stringAttr("round_mode", "up");
  if (isa<Float8E8M0FNUType>(to) && roundMode != "up")
    return n.error("round_mode '" + roundMode +
                   "' is not supported for FLOAT8E8M0; only 'up' (the default)");
  FailureOr<Value> x = n.input(0);
  if (failed(x))
    return failure();
  if (isNarrowFloat(to) && (saturate || isa<Float4E2M1FNType>(to)))
    x = saturateFor(n, *x, cast<FloatType>(to));
  if (failed(x))
    return failure();
  FailureOr<Value> result = castTo(n, *x, to);
  if (failed(result))
    return failure();
  return n.setOutput(0, *result);
}

LogicalResult importCast(NodeImporter &n) {
  const onnx::AttributeProto *to = n.attr("to");
  if (!to || !to->has_i())
    return n.error("attribute 'to' is required");
  auto type = convertElementType(n.context(), static_cast<int32_t>(to->i()));
  if (!type)
    return n.error(llvm::toString(type.takeError()));
  return castImpl(n, *type);
}

LogicalResult importCastLike(NodeImporter &n) {
  FailureOr<RankedTensorType> target = n.inputType(1);
  if (failed(target))
    return failure();
  return castImpl(n, target->getElementType());
}

} // namespace

void registerElementwiseImporters(OpRegistry &r) {
  for (int64_t v : {7, 13, 14}) {
    r.add("", "Add", v, importArithmetic<AddOp, IntOp::Add>);
    r.add("", "Sub", v, importArithmetic<SubOp, IntOp::Sub>);
    r.add("", "Mul", v, importArithmetic<MulOp, IntOp::Mul>);
    r.add("", "Div", v, importArithmetic<DivOp, IntOp::Div>);
  }
  for (int64_t v : {7, 12, 13, 15})
    r.add("", "Pow", v, importPow);
  for (int64_t v : {8, 12, 13}) {
    r.add("", "Max", v, importVariadic<MaxOp, IntOp::Max>);
    r.add("", "Min", v, importVariadic<MinOp, IntOp::Min>);
  }
  for (int64_t v : {8, 13})
    r.add("", "Sum", v, importVariadic<AddOp, IntOp::Add>);
  for (int64_t v : {7, 11, 13, 19})
    r.add("", "Equal", v, importCompare<CmpPredicate::eq>);
  for (int64_t v : {7, 9, 13}) {
    r.add("", "Less", v, importCompare<CmpPredicate::lt>);
    r.add("", "Greater", v, importCompare<CmpPredicate::gt>);
  }
  for (int64_t v : {12, 16}) {
    r.add("", "LessOrEqual", v, importCompare<CmpPredicate::le>);
    r.add("", "GreaterOrEqual", v, importCompare<CmpPredicate::ge>);
  }
  r.add("", "Not", 1, importNot);
  r.add("", "And", 7, importAnd);
  for (int64_t v : {10, 13})
    r.add("", "Mod", v, importMod);
  for (int64_t v : {9, 16})
    r.add("", "Where", v, importWhere);
  for (int64_t v : {6, 13}) {
    r.add("", "Sqrt", v, importUnary<SqrtOp>);
    r.add("", "Exp", v, importUnary<ExpOp>);
    r.add("", "Tanh", v, importUnary<TanhOp>);
    r.add("", "Sigmoid", v, importUnary<SigmoidOp>);
    r.add("", "Neg", v, importNeg);
    r.add("", "Reciprocal", v, importUnary<ReciprocalOp>);
    r.add("", "Relu", v, importRelu);
  }
  r.add("", "Relu", 14, importRelu);
  for (int64_t v : {9, 13})
    r.add("", "Erf", v, importUnary<ErfOp>);
  for (int64_t v : {6, 13}) {
    r.add("", "Log", v, importUnary<LogOp>);
    r.add("", "Abs", v, importUnary<AbsOp>);
  }
  for (int64_t v : {1, 13, 14, 16, 19, 21})
    r.add("", "Identity", v, importIdentity);
  for (int64_t v : {10, 12, 13})
    r.add("", "Dropout", v, importDropout);
  // 19: float8 types and saturate; 21: int4; 23: float4; 24: float8e8m0
  // and round_mode; 25: int2.
  for (int64_t v : {6, 9, 13, 19, 21, 23, 24, 25})
    r.add("", "Cast", v, importCast);
  for (int64_t v : {15, 19, 21, 23, 24, 25})
    r.add("", "CastLike", v, importCastLike);
}

} // namespace tessera::onnx_frontend
