//===- TensorData.h - ONNX TensorProto contents as attributes ---*- C++ -*-===//

#ifndef TESSERA_FRONTEND_ONNX_TENSORDATA_H
#define TESSERA_FRONTEND_ONNX_TENSORDATA_H

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "llvm/Support/Error.h"

#include "onnx/onnx_pb.h"

#include <memory>

namespace tessera::onnx_frontend {

/// The TensorProto data types ONNX added after libonnx 1.12, whose enum
/// lacks them.
enum NarrowDataType : int32_t {
  FLOAT8E4M3FN = 17,
  FLOAT8E4M3FNUZ = 18,
  FLOAT8E5M2 = 19,
  FLOAT8E5M2FNUZ = 20,
  UINT4 = 21,
  INT4 = 22,
  FLOAT4E2M1 = 23,
  FLOAT8E8M0 = 24,
  UINT2 = 25,
  INT2 = 26,
};

/// Bits per element of the data types ONNX packs several to a byte, the
/// first element in the low bits: 4 (INT4, UINT4, FLOAT4E2M1) or 2 (INT2,
/// UINT2); 0 for the others.
unsigned packedBits(int32_t dataType);

/// ONNX's packed form of `bits`-bit values held one a byte (their low bits).
std::string packElements(llvm::ArrayRef<char> values, unsigned bits);

/// The name of an ONNX TensorProto data type ("FLOAT", "INT4"; "#N" for
/// an unknown one).
std::string dataTypeName(int32_t dataType);

/// The MLIR element type of an ONNX TensorProto data type; an error for
/// types Tessera does not handle (strings, complex numbers).
llvm::Expected<mlir::Type> convertElementType(mlir::MLIRContext *context,
                                              int32_t dataType);

/// The number of elements of `dims`, or an error for a negative dimension or
/// a product that overflows.
llvm::Expected<int64_t> checkedElementCount(llvm::ArrayRef<int64_t> dims);

/// Where the bytes of a tensor stored outside the model file come from.
struct ExternalData {
  std::string modelDir; // empty: external data is refused
};

/// The contents of `tensor` as an elements attribute of `type`. Tensors with
/// more than `inlineLimit` elements become a `dense_resource` blob named
/// `blobName`; when the data sits in the model's raw_data it is not copied:
/// the blob keeps `owner` (the parsed model) alive instead. Every size is
/// checked against the declared shape before a byte is read.
llvm::Expected<mlir::ElementsAttr>
convertTensorData(const onnx::TensorProto &tensor, mlir::RankedTensorType type,
                  int64_t inlineLimit, llvm::StringRef blobName,
                  const ExternalData &external,
                  std::shared_ptr<const void> owner);

} // namespace tessera::onnx_frontend

#endif // TESSERA_FRONTEND_ONNX_TENSORDATA_H
