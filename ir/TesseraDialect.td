//===- TesseraDialect.td - the tessera dialect, base classes, enums -------===//
//
// Everything the op files share: the dialect, the op base class, the tensor
// type constraints and the enums that appear as op attributes.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_IR_TESSERADIALECT_TD
#define TESSERA_IR_TESSERADIALECT_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/EnumAttr.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def Tessera_Dialect : Dialect {
  let name = "tessera";
  let cppNamespace = "::tessera";
  let summary = "Transformer graph ops: ONNX-level primitives and fused blocks";
  let description = [{
    The tessera dialect holds a transformer model between import and code
    generation. It has two layers of ops on builtin ranked tensors:

    * primitives that importers map ONNX nodes to one for one (matmul,
      elementwise math with NumPy broadcasting, reductions, softmax and the
      shape ops), and
    * fused transformer ops that the fusion passes (or the native frontend)
      produce: `attention`, `layer_norm`, `rms_norm`, `gelu`,
      `rotary_embedding`, `embedding` and `fused_matmul`.

    Dynamic dimensions (batch, sequence) stay `?`; ops that need the size of a
    dynamic result dimension take it as an `index` operand, like
    `tensor.empty`. Every op infers its result types from its operands; a
    declared result type may differ from the inferred one only where one of
    them has a dynamic dimension (`tessera-infer-shapes` then refines it).
  }];
  let hasConstantMaterializer = 1;
}

class Tessera_Op<string mnemonic, list<Trait> traits = []>
    : Op<Tessera_Dialect, mnemonic, traits>;

//===----------------------------------------------------------------------===//
// Type constraints
//===----------------------------------------------------------------------===//

def Tessera_Tensor : RankedTensorOf<[AnyType]>;
def Tessera_FloatTensor : RankedTensorOf<[AnyFloat]>;
def Tessera_NumericTensor : RankedTensorOf<[AnyFloat, AnySignlessInteger]>;
// The elementwise arithmetic and comparisons also take unsigned integers
// (ONNX uint8...uint64), which they compute on with unsigned semantics
// (division, remainder, ordering, max/min); signless ones are signed.
def Tessera_ArithTensor
    : RankedTensorOf<[AnyFloat, AnySignlessInteger, AnyUnsignedInteger]>;
def Tessera_IndexTensor : RankedTensorOf<[I32, I64]>;
def Tessera_BoolTensor : RankedTensorOf<[I1]>;
def Tessera_MaskTensor : RankedTensorOf<[AnyFloat, I1]>;

//===----------------------------------------------------------------------===//
// Enums
//===----------------------------------------------------------------------===//

def Tessera_CmpPredicate : I32EnumAttr<"CmpPredicate",
    "elementwise comparison predicate", [
      I32EnumAttrCase<"eq", 0>, I32EnumAttrCase<"ne", 1>,
      I32EnumAttrCase<"lt", 2>, I32EnumAttrCase<"le", 3>,
      I32EnumAttrCase<"gt", 4>, I32EnumAttrCase<"ge", 5>]> {
  let cppNamespace = "::tessera";
}

def Tessera_GeluApproximation : I32EnumAttr<"GeluApproximation",
    "how GELU is computed", [
      I32EnumAttrCase<"none", 0>,  // x/2 * (1 + erf(x/sqrt(2)))
      I32EnumAttrCase<"tanh", 1>]> {  // x/2 * (1 + tanh(sqrt(2/pi)(x + 0.044715x^3)))
  let cppNamespace = "::tessera";
}

def Tessera_Activation : I32EnumAttr<"Activation",
    "activation applied in a matmul epilogue", [
      I32EnumAttrCase<"none", 0>, I32EnumAttrCase<"relu", 1>,
      I32EnumAttrCase<"gelu", 2>, I32EnumAttrCase<"gelu_tanh", 3>,
      I32EnumAttrCase<"silu", 4>]> {
  let cppNamespace = "::tessera";
}

def Tessera_TriluKind : I32EnumAttr<"TriluKind",
    "which triangle tessera.trilu keeps", [
      I32EnumAttrCase<"lower", 0>, I32EnumAttrCase<"upper", 1>]> {
  let cppNamespace = "::tessera";
}

//===----------------------------------------------------------------------===//
// Shared op classes
//===----------------------------------------------------------------------===//

// An op whose result types are inferred from its operands and attributes. The
// inference doubles as the op's type verifier; a declared result type may
// differ from the inferred one only where one of them has a `?`.
class Tessera_InferredOp<string mnemonic, list<Trait> traits = []>
    : Tessera_Op<mnemonic, !listconcat(traits,
          [Pure, InferTypeOpAdaptorWithIsCompatible])> {
  let extraClassDefinition = [{
    bool $cppClass::isCompatibleReturnTypes(::mlir::TypeRange inferred,
                                            ::mlir::TypeRange declared) {
      return ::tessera::areCompatibleResultTypes(inferred, declared);
    }
  }];
}

#endif // TESSERA_IR_TESSERADIALECT_TD
