//===- DType.cpp - element types: sizes, names, the C accessors -----------===//

#include "DType.h"

#include "Status.h"

#include "tessera/module_generated.h"

namespace fb = tessera::module::fb;

// The C API passes schema dtypes through unchanged.
static_assert(int(TSR_DTYPE_F32) == int(fb::DType::f32) &&
                  int(TSR_DTYPE_F16) == int(fb::DType::f16) &&
                  int(TSR_DTYPE_BF16) == int(fb::DType::bf16) &&
                  int(TSR_DTYPE_F64) == int(fb::DType::f64) &&
                  int(TSR_DTYPE_I64) == int(fb::DType::i64) &&
                  int(TSR_DTYPE_I32) == int(fb::DType::i32) &&
                  int(TSR_DTYPE_I16) == int(fb::DType::i16) &&
                  int(TSR_DTYPE_I8) == int(fb::DType::i8) &&
                  int(TSR_DTYPE_U8) == int(fb::DType::u8) &&
                  int(TSR_DTYPE_BOOL) == int(fb::DType::bool_) &&
                  int(TSR_DTYPE_U16) == int(fb::DType::u16) &&
                  int(TSR_DTYPE_U32) == int(fb::DType::u32) &&
                  int(TSR_DTYPE_U64) == int(fb::DType::u64) &&
                  int(TSR_DTYPE_F8E4M3FN) == int(fb::DType::f8e4m3fn) &&
                  int(TSR_DTYPE_F8E4M3FNUZ) == int(fb::DType::f8e4m3fnuz) &&
                  int(TSR_DTYPE_F8E5M2) == int(fb::DType::f8e5m2) &&
                  int(TSR_DTYPE_F8E5M2FNUZ) == int(fb::DType::f8e5m2fnuz) &&
                  int(TSR_DTYPE_F8E8M0) == int(fb::DType::f8e8m0) &&
                  int(TSR_DTYPE_F4E2M1) == int(fb::DType::f4e2m1) &&
                  int(TSR_DTYPE_I4) == int(fb::DType::i4) &&
                  int(TSR_DTYPE_U4) == int(fb::DType::u4) &&
                  int(TSR_DTYPE_I2) == int(fb::DType::i2) &&
                  int(TSR_DTYPE_U2) == int(fb::DType::u2) &&
                  int(fb::DType::MAX) == int(TSR_DTYPE_U2),
              "tsr_dtype_t must mirror the schema's DType");

namespace tessera::runtime {

size_t dtypeSize(int32_t dtype) {
  switch (dtype) {
  case TSR_DTYPE_F64:
  case TSR_DTYPE_I64:
  case TSR_DTYPE_U64:
    return 8;
  case TSR_DTYPE_F32:
  case TSR_DTYPE_I32:
  case TSR_DTYPE_U32:
    return 4;
  case TSR_DTYPE_F16:
  case TSR_DTYPE_BF16:
  case TSR_DTYPE_I16:
  case TSR_DTYPE_U16:
    return 2;
  case TSR_DTYPE_I8:
  case TSR_DTYPE_U8:
  case TSR_DTYPE_BOOL:
  case TSR_DTYPE_F8E4M3FN:
  case TSR_DTYPE_F8E4M3FNUZ:
  case TSR_DTYPE_F8E5M2:
  case TSR_DTYPE_F8E5M2FNUZ:
  case TSR_DTYPE_F8E8M0:
  case TSR_DTYPE_F4E2M1:
  case TSR_DTYPE_I4:
  case TSR_DTYPE_U4:
  case TSR_DTYPE_I2:
  case TSR_DTYPE_U2:
    return 1;
  }
  return 0;
}

const char *dtypeName(int32_t dtype) {
  switch (dtype) {
  case TSR_DTYPE_F32:
    return "f32";
  case TSR_DTYPE_F16:
    return "f16";
  case TSR_DTYPE_BF16:
    return "bf16";
  case TSR_DTYPE_F64:
    return "f64";
  case TSR_DTYPE_I64:
    return "i64";
  case TSR_DTYPE_I32:
    return "i32";
  case TSR_DTYPE_I16:
    return "i16";
  case TSR_DTYPE_I8:
    return "i8";
  case TSR_DTYPE_U8:
    return "u8";
  case TSR_DTYPE_BOOL:
    return "bool";
  case TSR_DTYPE_U16:
    return "u16";
  case TSR_DTYPE_U32:
    return "u32";
  case TSR_DTYPE_U64:
    return "u64";
  case TSR_DTYPE_F8E4M3FN:
    return "f8e4m3fn";
  case TSR_DTYPE_F8E4M3FNUZ:
    return "f8e4m3fnuz";
  case TSR_DTYPE_F8E5M2:
    return "f8e5m2";
  case TSR_DTYPE_F8E5M2FNUZ:
    return "f8e5m2fnuz";
  case TSR_DTYPE_F8E8M0:
    return "f8e8m0";
  case TSR_DTYPE_F4E2M1:
    return "f4e2m1";
  case TSR_DTYPE_I4:
    return "i4";
  case TSR_DTYPE_U4:
    return "u4";
  case TSR_DTYPE_I2:
    return "i2";
  case TSR_DTYPE_U2:
    return "u2";
  }
  return "?";
}

} // namespace tessera::runtime

using namespace tessera::runtime;

extern "C" {

TSR_API tsr_status_t tsr_dtype_size(tsr_dtype_t dtype, size_t *out_bytes) {
  if (!out_bytes)
    return error(TSR_STATUS_INVALID_ARGUMENT, "tsr_dtype_size: out_bytes is NULL");
  size_t bytes = dtypeSize(dtypeValue(dtype));
  if (bytes == 0)
    return error(TSR_STATUS_INVALID_ARGUMENT, "tsr_dtype_size: ", dtypeValue(dtype),
                 " is not a tsr_dtype_t");
  *out_bytes = bytes;
  return nullptr;
}

TSR_API tsr_status_t tsr_dtype_name(tsr_dtype_t dtype, const char **out_name) {
  if (!out_name)
    return error(TSR_STATUS_INVALID_ARGUMENT, "tsr_dtype_name: out_name is NULL");
  if (dtypeSize(dtypeValue(dtype)) == 0)
    return error(TSR_STATUS_INVALID_ARGUMENT, "tsr_dtype_name: ", dtypeValue(dtype),
                 " is not a tsr_dtype_t");
  *out_name = dtypeName(dtypeValue(dtype));
  return nullptr;
}

} // extern "C"
