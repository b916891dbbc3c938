//===- FusionMatchers.cpp - semantic matching helpers for fusion ----------===//

#include "passes/FusionMatchers.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Verifier.h"

#include <cmath>

using namespace mlir;

namespace tessera {

std::optional<double> splatValue(Value v) {
  auto constant = v.getDefiningOp<ConstantOp>();
  if (!constant)
    return std::nullopt;
  auto dense = dyn_cast<DenseFPElementsAttr>(constant.getValue());
  if (!dense || !dense.isSplat())
    return std::nullopt;
  return dense.getSplatValue<APFloat>().convertToDouble();
}

bool closeTo(double a, double b, double tolerance) {
  return std::fabs(a - b) <= tolerance * std::fabs(b);
}

SmallVector<Operation *> nonShapeUsers(Value v,
                                       SmallVectorImpl<tensor::DimOp> &dims) {
  SmallVector<Operation *> users;
  for (Operation *user : v.getUsers()) {
    if (auto dim = dyn_cast<tensor::DimOp>(user))
      dims.push_back(dim);
    else
      users.push_back(user);
  }
  return users;
}

Operation *singleUser(Value v) {
  return v.hasOneUse() ? *v.getUsers().begin() : nullptr;
}

static void collectFactors(Value v, bool isRoot, Product &product) {
  Operation *op = v.getDefiningOp();
  if (std::optional<double> c = splatValue(v)) {
    product.coefficient *= *c;
    return;
  }
  if (op && (isRoot || v.hasOneUse())) {
    if (auto mul = dyn_cast<MulOp>(op)) {
      product.ops.insert(op);
      collectFactors(mul.getLhs(), false, product);
      collectFactors(mul.getRhs(), false, product);
      return;
    }
    if (auto div = dyn_cast<DivOp>(op))
      if (std::optional<double> c = splatValue(div.getRhs()); c && *c != 0) {
        product.ops.insert(op);
        product.coefficient /= *c;
        collectFactors(div.getLhs(), false, product);
        return;
      }
  }
  product.factors.push_back(v);
}

Product flattenProduct(Value root) {
  Product product;
  collectFactors(root, true, product);
  return product;
}

static Polynomial multiply(const Polynomial &a, const Polynomial &b) {
  Polynomial out;
  for (auto [da, ca] : a)
    for (auto [db, cb] : b)
      out[da + db] += ca * cb;
  return out;
}

static std::optional<Polynomial> expand(Value v, Value x, bool isRoot,
                                        llvm::SetVector<Operation *> &ops) {
  if (v == x)
    return Polynomial{{1, 1.0}};
  if (std::optional<double> c = splatValue(v))
    return Polynomial{{0, *c}};
  Operation *op = v.getDefiningOp();
  if (!op || (!isRoot && !v.hasOneUse()))
    return std::nullopt;
  auto binary = [&](Value lhs, Value rhs)
      -> std::optional<std::pair<Polynomial, Polynomial>> {
    auto a = expand(lhs, x, false, ops), b = expand(rhs, x, false, ops);
    if (!a || !b)
      return std::nullopt;
    return std::make_pair(*a, *b);
  };
  std::optional<Polynomial> result;
  if (auto add = dyn_cast<AddOp>(op)) {
    if (auto ab = binary(add.getLhs(), add.getRhs())) {
      result = ab->first;
      for (auto [d, c] : ab->second)
        (*result)[d] += c;
    }
  } else if (auto sub = dyn_cast<SubOp>(op)) {
    if (auto ab = binary(sub.getLhs(), sub.getRhs())) {
      result = ab->first;
      for (auto [d, c] : ab->second)
        (*result)[d] -= c;
    }
  } else if (auto mul = dyn_cast<MulOp>(op)) {
    if (auto ab = binary(mul.getLhs(), mul.getRhs()))
      result = multiply(ab->first, ab->second);
  } else if (auto div = dyn_cast<DivOp>(op)) {
    std::optional<double> c = splatValue(div.getRhs());
    if (c && *c != 0)
      if (auto a = expand(div.getLhs(), x, false, ops)) {
        result = *a;
        for (auto &[d, coefficient] : *result)
          coefficient /= *c;
      }
  } else if (auto neg = dyn_cast<NegOp>(op)) {
    if (auto a = expand(neg.getInput(), x, false, ops)) {
      result = *a;
      for (auto &[d, coefficient] : *result)
        coefficient = -coefficient;
    }
  } else if (auto pow = dyn_cast<PowOp>(op)) {
    std::optional<double> e = splatValue(pow.getRhs());
    if (e && *e >= 1 && *e <= 4 && std::floor(*e) == *e)
      if (auto a = expand(pow.getLhs(), x, false, ops)) {
        result = Polynomial{{0, 1.0}};
        for (int i = 0; i < static_cast<int>(*e); ++i)
          result = multiply(*result, *a);
      }
  }
  if (!result || result->rbegin()->first > 8)
    return std::nullopt;
  ops.insert(op);
  return result;
}

std::optional<Polynomial> expandPolynomial(Value v, Value x,
                                           llvm::SetVector<Operation *> &ops) {
  std::optional<Polynomial> p = expand(v, x, true, ops);
  if (!p)
    return std::nullopt;
  // Drop terms that cancelled.
  for (auto it = p->begin(); it != p->end();)
    it = std::fabs(it->second) < 1e-12 ? p->erase(it) : std::next(it);
  return p;
}

bool isSelfContained(const llvm::SetVector<Operation *> &ops, Operation *root) {
  for (Operation *op : ops) {
    if (op == root)
      continue;
    for (Operation *user : op->getUsers())
      if (!ops.contains(user))
        return false;
  }
  return true;
}

std::string nodeName(Location loc) {
  if (auto name = dyn_cast<NameLoc>(loc))
    return name.getName().str();
  if (auto fused = dyn_cast<FusedLoc>(loc))
    for (Location inner : fused.getLocations())
      if (std::string n = nodeName(inner); !n.empty())
        return n;
  return "";
}

void remarkCandidate(Operation *candidate, llvm::StringRef kind, bool fused,
                     llvm::StringRef reason) {
  if (fused)
    candidate->emitRemark() << "fused as " << kind;
  else
    candidate->emitRemark() << "not fused as " << kind << ": " << reason;
}

Operation *createVerified(OpBuilder &builder, OperationState &state,
                          std::string &reason) {
  Operation *op = builder.create(state);
  std::string diagnostics;
  ScopedDiagnosticHandler handler(op->getContext(), [&](Diagnostic &d) {
    diagnostics += (diagnostics.empty() ? "" : "; ") + d.str();
    return success();
  });
  if (succeeded(verify(op, /*verifyRecursively=*/false)))
    return op;
  op->erase();
  reason = diagnostics;
  return nullptr;
}

void eraseDeadPatternOps(const llvm::SetVector<Operation *> &ops) {
  // Constants that only fed the pattern go with it.
  llvm::SetVector<Operation *> all = ops;
  for (Operation *op : ops)
    for (Value operand : op->getOperands())
      if (Operation *def = operand.getDefiningOp(); def && isa<ConstantOp>(def))
        all.insert(def);
  bool erased = true;
  llvm::SmallPtrSet<Operation *, 16> gone;
  while (erased) {
    erased = false;
    for (Operation *op : all)
      if (!gone.contains(op) && op->use_empty()) {
        gone.insert(op);
        op->erase();
        erased = true;
      }
  }
}

} // namespace tessera
