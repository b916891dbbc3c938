//===- InferShapes.cpp - refine result types to the inferred ones ---------===//

#include "passes/Passes.h"

#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"

namespace tessera {
#define GEN_PASS_DEF_INFERSHAPES
#include "passes/Passes.h.inc"
} // namespace tessera

using namespace mlir;

namespace {

/// The more static of two compatible ranked tensor types (`current` when they
/// are not both ranked tensors of one element type and rank).
Type refine(Type current, Type inferred) {
  auto cur = dyn_cast<RankedTensorType>(current);
  auto inf = dyn_cast<RankedTensorType>(inferred);
  if (!cur || !inf || cur.getRank() != inf.getRank() ||
      cur.getElementType() != inf.getElementType())
    return current;
  SmallVector<int64_t> shape;
  for (auto [c, i] : llvm::zip_equal(cur.getShape(), inf.getShape()))
    shape.push_back(ShapedType::isDynamic(c) ? i : c);
  return RankedTensorType::get(shape, cur.getElementType(), cur.getEncoding());
}

/// Only values whose users accept a more static operand type are refined:
/// tessera ops (which check compatibility, not equality) and, when the
/// signature may change with them, returns.
bool usersAcceptRefinement(Value value, bool signatureMayChange) {
  return llvm::all_of(value.getUsers(), [&](Operation *user) {
    if (isa<func::ReturnOp>(user))
      return signatureMayChange;
    return isa<tessera::TesseraDialect>(user->getDialect());
  });
}

struct InferShapesPass
    : public tessera::impl::InferShapesBase<InferShapesPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    for (auto func : module.getOps<func::FuncOp>()) {
      if (func.isExternal())
        continue;
      // Call sites would no longer type-check against a refined signature.
      std::optional<SymbolTable::UseRange> uses =
          SymbolTable::getSymbolUses(func, module);
      bool signatureMayChange =
          uses && uses->empty() && func.getBody().hasOneBlock();
      refineResults(func, signatureMayChange);
      if (signatureMayChange)
        refineSignature(func);
    }
  }

  void refineResults(func::FuncOp func, bool signatureMayChange) {
    func.walk([&](InferTypeOpInterface op) {
      if (!isa<tessera::TesseraDialect>(op->getDialect()))
        return;
      SmallVector<Type> inferred;
      if (failed(op.inferReturnTypes(
              op->getContext(), op->getLoc(), op->getOperands(),
              op->getAttrDictionary(), op->getPropertiesStorage(),
              op->getRegions(), inferred)) ||
          inferred.size() != op->getNumResults())
        return;
      for (auto [result, type] : llvm::zip_equal(op->getResults(), inferred)) {
        Type refined = refine(result.getType(), type);
        if (refined == result.getType() ||
            !usersAcceptRefinement(result, signatureMayChange))
          continue;
        result.setType(refined);
        ++numRefinedResults;
      }
    });
  }

  void refineSignature(func::FuncOp func) {
    auto ret = cast<func::ReturnOp>(func.getBody().back().getTerminator());
    FunctionType type = func.getFunctionType();
    if (ret.getOperandTypes() == type.getResults())
      return;
    func.setFunctionType(FunctionType::get(func.getContext(), type.getInputs(),
                                           ret.getOperandTypes()));
    ++numRefinedSignatures;
  }
};

} // namespace
