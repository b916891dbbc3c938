//===- ConstantInputs.cpp - --constant-input values from .npy files -------===//

#include "ConstantInputs.h"

#include "tools/common/Npy.h"

namespace tessera::tools {
namespace {

/// ONNX TensorProto data types (onnx.proto), the .npy dtypes map onto.
int32_t onnxType(NpyDType dtype) {
  switch (dtype) {
  case NpyDType::f32: return 1;
  case NpyDType::u8: return 2;
  case NpyDType::i8: return 3;
  case NpyDType::u16: return 4;
  case NpyDType::i16: return 5;
  case NpyDType::i32: return 6;
  case NpyDType::i64: return 7;
  case NpyDType::bool_: return 9;
  case NpyDType::f16: return 10;
  case NpyDType::f64: return 11;
  case NpyDType::u32: return 12;
  case NpyDType::u64: return 13;
  }
  return 0;
}

} // namespace

llvm::Expected<onnx_frontend::ConstantInput> readConstantInput(const std::string &path) {
  NpyArray array;
  std::string error;
  if (!readNpy(path, array, error))
    return llvm::createStringError(error);
  onnx_frontend::ConstantInput value;
  value.onnxType = onnxType(array.dtype);
  value.shape = array.shape;
  value.bytes.assign(reinterpret_cast<const char *>(array.data.data()), array.data.size());
  return value;
}

} // namespace tessera::tools
