//===- NarrowFloats.cpp - 8-bit and 4-bit float conversions as integer code ===//

#include "codegen/linalg/NarrowFloats.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/IR/BuiltinTypes.h"

#include <cmath>
#include <optional>

using namespace mlir;

namespace tessera {
namespace {

/// Where a format keeps its NaN (and infinity).
enum class Specials {
  fn,   // no infinity; S.1111.111 is NaN (FLOAT8E4M3FN)
  ieee, // all-ones exponent: infinity (mantissa 0) or NaN (FLOAT8E5M2)
  uz,   // no infinity, no -0; 0x80 is NaN (the FNUZ types)
  none, // neither (FLOAT4E2M1)
};

/// A signed narrow format: exponent bits, mantissa bits, exponent bias.
struct Format {
  int exponentBits;
  int mantissaBits;
  int bias;
  Specials specials;

  int signShift() const { return exponentBits + mantissaBits; }
  int64_t magnitudeMask() const { return (int64_t(1) << signShift()) - 1; }
  int64_t infinityCode() const { return ((int64_t(1) << exponentBits) - 1) << mantissaBits; }
  /// The largest finite magnitude's code.
  int64_t maxCode() const {
    switch (specials) {
    case Specials::fn:
      return magnitudeMask() - 1;
    case Specials::ieee:
      return infinityCode() - 1;
    default:
      return magnitudeMask();
    }
  }
  /// The code of NaN, sign included where the format keeps one.
  int64_t nanCode() const {
    switch (specials) {
    case Specials::fn:
      return magnitudeMask();
    case Specials::ieee:
      return infinityCode() | (int64_t(1) << (mantissaBits - 1));
    case Specials::uz:
      return 0x80;
    case Specials::none:
      // ONNX's reference takes NaN to 0b1000 (-0).
      return int64_t(1) << signShift();
    }
    return 0;
  }
};

std::optional<Format> formatOf(Type type) {
  if (isa<Float8E4M3FNType>(type))
    return Format{4, 3, 7, Specials::fn};
  if (isa<Float8E4M3FNUZType>(type))
    return Format{4, 3, 8, Specials::uz};
  if (isa<Float8E5M2Type>(type))
    return Format{5, 2, 15, Specials::ieee};
  if (isa<Float8E5M2FNUZType>(type))
    return Format{5, 2, 16, Specials::uz};
  if (isa<Float4E2M1FNType>(type))
    return Format{2, 1, 1, Specials::none};
  return std::nullopt;
}

/// Integer and float constants of the builder's types, and the few integer
/// operations the conversions use, on i32.
struct Bits {
  OpBuilder &b;
  Location loc;

  Value i32(int64_t v) {
    return arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(int32_t(v)));
  }
  Value f32(double v) {
    return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(float(v)));
  }
  Value andI(Value x, int64_t mask) { return arith::AndIOp::create(b, loc, x, i32(mask)); }
  Value orI(Value x, Value y) { return arith::OrIOp::create(b, loc, x, y); }
  Value shr(Value x, int64_t n) { return arith::ShRUIOp::create(b, loc, x, i32(n)); }
  Value shl(Value x, int64_t n) { return arith::ShLIOp::create(b, loc, x, i32(n)); }
  Value add(Value x, Value y) { return arith::AddIOp::create(b, loc, x, y); }
  Value sub(Value x, Value y) { return arith::SubIOp::create(b, loc, x, y); }
  Value cmp(arith::CmpIPredicate p, Value x, int64_t y) {
    return arith::CmpIOp::create(b, loc, p, x, i32(y));
  }
  Value select(Value c, Value x, Value y) { return arith::SelectOp::create(b, loc, c, x, y); }
  Value select(Value c, int64_t x, Value y) { return select(c, i32(x), y); }
  Value toBits(Value f) { return arith::BitcastOp::create(b, loc, b.getI32Type(), f); }
  Value toFloat(Value i) { return arith::BitcastOp::create(b, loc, b.getF32Type(), i); }

  /// The narrow value's code, zero-extended to i32.
  Value codeOf(Value x) {
    unsigned width = x.getType().getIntOrFloatBitWidth();
    Value code = arith::BitcastOp::create(b, loc, b.getIntegerType(width), x);
    return arith::ExtUIOp::create(b, loc, b.getI32Type(), code);
  }
  /// The i32 code's low bits as the narrow type.
  Value narrow(Value code, Type to) {
    Type integer = b.getIntegerType(to.getIntOrFloatBitWidth());
    Value low = arith::TruncIOp::create(b, loc, integer, code);
    return arith::BitcastOp::create(b, loc, to, low);
  }
};

constexpr int64_t kF32Nan = 0x7fc00000;
constexpr int64_t kF32Inf = 0x7f800000;

/// FLOAT8E8M0: an unsigned power of two 2^(code - 127); 0xFF is NaN.
Value extendE8M0(Bits &k, Value x) {
  using P = arith::CmpIPredicate;
  Value code = k.codeOf(x);
  // Code 0 is 2^-127, an f32 subnormal.
  Value bits = k.select(k.cmp(P::eq, code, 0), 0x00400000, k.shl(code, 23));
  return k.toFloat(k.select(k.cmp(P::eq, code, 0xff), kF32Nan, bits));
}

Value truncateE8M0(Bits &k, Value x, Type to) {
  using P = arith::CmpIPredicate;
  // The sign is dropped: the type has none.
  Value magnitude = k.andI(k.toBits(x), 0x7fffffff);
  Value exponent = k.shr(magnitude, 23);
  Value hasMantissa = k.cmp(P::ne, k.andI(magnitude, 0x7fffff), 0);
  Value up = arith::ExtUIOp::create(k.b, k.loc, k.b.getI32Type(), hasMantissa);
  Value normal = k.add(exponent, up);
  // f32 subnormals round up to 2^-126 unless they are at most 2^-127.
  Value subnormal = arith::ExtUIOp::create(k.b, k.loc, k.b.getI32Type(),
                                           k.cmp(P::ugt, magnitude, 0x00400000));
  Value code = k.select(k.cmp(P::eq, exponent, 0), subnormal, normal);
  // Infinity, NaN and what rounds past 2^127 are NaN.
  code = k.select(k.cmp(P::ugt, code, 254), 0xff, code);
  return k.narrow(code, to);
}

} // namespace

Value extendNarrowFloat(OpBuilder &b, Location loc, Value x) {
  using P = arith::CmpIPredicate;
  Bits k{b, loc};
  if (isa<Float8E8M0FNUType>(x.getType()))
    return extendE8M0(k, x);
  Format f = *formatOf(x.getType());
  Value code = k.codeOf(x);
  Value sign = k.shl(k.shr(code, f.signShift()), 31);
  Value magnitude = k.andI(code, f.magnitudeMask());
  Value exponent = k.shr(magnitude, f.mantissaBits);
  Value mantissa = k.andI(magnitude, (int64_t(1) << f.mantissaBits) - 1);
  // Normal: rebias the exponent, widen the mantissa.
  Value normal = k.orI(k.shl(k.add(exponent, k.i32(127 - f.bias)), 23),
                       k.shl(mantissa, 23 - f.mantissaBits));
  // Subnormal: mantissa * 2^(1 - bias - mantissaBits), exact in f32.
  Value scaled = arith::MulFOp::create(
      b, loc, arith::UIToFPOp::create(b, loc, b.getF32Type(), mantissa),
      k.f32(std::ldexp(1.0, 1 - f.bias - f.mantissaBits)));
  Value bits = k.select(k.cmp(P::eq, exponent, 0), k.toBits(scaled), normal);
  bits = k.orI(bits, sign);
  switch (f.specials) {
  case Specials::fn:
    bits = k.select(k.cmp(P::eq, magnitude, f.magnitudeMask()), kF32Nan, bits);
    break;
  case Specials::ieee: {
    Value special = k.cmp(P::uge, magnitude, f.infinityCode());
    Value infinity = k.orI(k.i32(kF32Inf), sign);
    Value nanOrInf = k.select(k.cmp(P::eq, magnitude, f.infinityCode()), infinity,
                              k.i32(kF32Nan));
    bits = k.select(special, nanOrInf, bits);
    break;
  }
  case Specials::uz:
    bits = k.select(k.cmp(P::eq, code, 0x80), kF32Nan, bits);
    break;
  case Specials::none:
    break;
  }
  return k.toFloat(bits);
}

Value truncateToNarrowFloat(OpBuilder &b, Location loc, Value x, FloatType to) {
  using P = arith::CmpIPredicate;
  Bits k{b, loc};
  if (isa<Float8E8M0FNUType>(to))
    return truncateE8M0(k, x, to);
  Format f = *formatOf(to);
  Value bits = k.toBits(x);
  Value sign = k.shr(bits, 31);
  Value magnitude = k.andI(bits, 0x7fffffff);
  int shift = 23 - f.mantissaBits;
  // Normal: round the f32 mantissa to nearest even on the bits (a carry
  // moves into the exponent, as it should), then rebias.
  Value lsb = k.andI(k.shr(magnitude, shift), 1);
  Value rounded = k.add(k.add(magnitude, k.i32((int64_t(1) << (shift - 1)) - 1)), lsb);
  Value normal = k.sub(k.shr(rounded, shift), k.i32(int64_t(127 - f.bias) << f.mantissaBits));
  // Subnormal: adding 2^(23 + 1 - bias - mantissaBits) makes the f32 adder
  // round |x| to a multiple of the narrow type's smallest subnormal; the
  // low bits are then the code (2^mantissaBits when it rounds up to the
  // smallest normal, which is that normal's code).
  double magic = std::ldexp(1.0, 23 + 1 - f.bias - f.mantissaBits);
  Value absolute = math::AbsFOp::create(b, loc, x);
  Value shifted = arith::AddFOp::create(b, loc, absolute, k.f32(magic));
  Value subnormal = k.sub(k.toBits(shifted), k.toBits(k.f32(magic)));
  int64_t minNormalBits = int64_t(127 + 1 - f.bias) << 23;
  Value code = k.select(k.cmp(P::ult, magnitude, minNormalBits), subnormal, normal);
  // Overflow (and infinity) become infinity or NaN; NaN stays NaN.
  Value overflow = arith::OrIOp::create(b, loc, k.cmp(P::sgt, code, f.maxCode()),
                                        k.cmp(P::eq, magnitude, kF32Inf));
  int64_t overflowCode = f.specials == Specials::ieee   ? f.infinityCode()
                         : f.specials == Specials::none ? f.maxCode()
                                                        : f.nanCode();
  code = k.select(overflow, overflowCode, code);
  code = k.select(k.cmp(P::ugt, magnitude, kF32Inf), f.nanCode(), code);
  if (f.specials == Specials::uz) {
    // No -0: zero keeps no sign, and NaN is 0x80 whatever the sign.
    Value signed_ = k.orI(code, k.shl(sign, 7));
    Value plain = k.select(k.cmp(P::eq, code, 0), 0, signed_);
    code = k.select(k.cmp(P::eq, code, 0x80), 0x80, plain);
  } else {
    code = k.orI(code, k.shl(sign, f.signShift()));
  }
  return k.narrow(code, to);
}

} // namespace tessera
