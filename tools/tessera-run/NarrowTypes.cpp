//===- NarrowTypes.cpp - .npy files for the one-byte narrow types ---------===//

#include "NarrowTypes.h"

namespace tessera::tools {
namespace {

/// Bits of a sub-byte type and whether it is a signed integer; 8 for the
/// one-byte types, whose every byte is valid.
struct Width {
  unsigned bits;
  bool isSigned;
};

Width widthOf(tsr_dtype_t dtype) {
  switch (dtype) {
  case TSR_DTYPE_F4E2M1:
  case TSR_DTYPE_U4:
    return {4, false};
  case TSR_DTYPE_I4:
    return {4, true};
  case TSR_DTYPE_I2:
    return {2, true};
  case TSR_DTYPE_U2:
    return {2, false};
  default:
    return {8, false};
  }
}

const char *nameOf(tsr_dtype_t dtype) {
  const char *name = "?";
  tsr_status_free(tsr_dtype_name(dtype, &name));
  return name;
}

int64_t valueOf(uint8_t byte, Width w) {
  return w.isSigned ? int64_t(int8_t(byte)) : int64_t(byte);
}

} // namespace

bool narrowNpyType(tsr_dtype_t dtype, NpyDType &out) {
  switch (dtype) {
  case TSR_DTYPE_F8E4M3FN:
  case TSR_DTYPE_F8E4M3FNUZ:
  case TSR_DTYPE_F8E5M2:
  case TSR_DTYPE_F8E5M2FNUZ:
  case TSR_DTYPE_F8E8M0:
  case TSR_DTYPE_F4E2M1:
  case TSR_DTYPE_U4:
  case TSR_DTYPE_U2:
    out = NpyDType::u8;
    return true;
  case TSR_DTYPE_I4:
  case TSR_DTYPE_I2:
    out = NpyDType::i8;
    return true;
  default:
    return false;
  }
}

bool checkNarrowInput(tsr_dtype_t dtype, const uint8_t *data, size_t count,
                      const std::string &name, std::string &error) {
  Width w = widthOf(dtype);
  if (w.bits == 8)
    return true;
  int64_t lo = w.isSigned ? -(int64_t(1) << (w.bits - 1)) : 0;
  int64_t hi = w.isSigned ? (int64_t(1) << (w.bits - 1)) - 1 : (int64_t(1) << w.bits) - 1;
  for (size_t i = 0; i < count; ++i) {
    int64_t v = valueOf(data[i], w);
    if (v < lo || v > hi) {
      error = "input '" + name + "' element " + std::to_string(i) + " is " + std::to_string(v) +
              ", outside " + nameOf(dtype) + "'s range [" + std::to_string(lo) + ", " +
              std::to_string(hi) + "]";
      return false;
    }
  }
  return true;
}

void normalizeNarrowOutput(tsr_dtype_t dtype, uint8_t *data, size_t count) {
  Width w = widthOf(dtype);
  if (w.bits == 8)
    return;
  unsigned shift = 8 - w.bits;
  for (size_t i = 0; i < count; ++i)
    data[i] = w.isSigned ? uint8_t(int8_t(uint8_t(data[i] << shift)) >> shift)
                         : uint8_t(data[i] & ((1u << w.bits) - 1));
}

} // namespace tessera::tools
