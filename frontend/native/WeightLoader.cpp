//===- WeightLoader.cpp - checkpoint tensors as constants -----------------===//

#include "frontend/native/WeightLoader.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/ADT/StringExtras.h"

#include <cmath>
#include <cstring>

using namespace mlir;

namespace tessera::native {

namespace {

/// Tensors up to this many elements stay inline `dense<...>` attributes, as
/// in the ONNX frontend.
constexpr int64_t kInlineLimit = 64;

float halfToFloat(uint16_t h) {
  uint32_t sign = uint32_t(h & 0x8000) << 16;
  uint32_t exponent = (h >> 10) & 0x1f, mantissa = h & 0x3ff;
  if (exponent == 0) {
    // Zero or subnormal: mantissa * 2^-24, exact in float.
    float magnitude = std::ldexp(float(mantissa), -24);
    return sign ? -magnitude : magnitude;
  }
  uint32_t bits = exponent == 0x1f
                      ? sign | 0x7f800000u | (mantissa << 13) // inf, NaN
                      : sign | ((exponent + 112) << 23) | (mantissa << 13);
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

/// Element `i` of `view` (a float dtype) as float.
float elementAt(const TensorView &view, int64_t i) {
  const char *p = view.bytes.data();
  switch (view.dtype) {
  case DType::F32: {
    float f;
    std::memcpy(&f, p + 4 * i, 4);
    return f;
  }
  case DType::F64: {
    double d;
    std::memcpy(&d, p + 8 * i, 8);
    return static_cast<float>(d);
  }
  case DType::F16: {
    uint16_t h;
    std::memcpy(&h, p + 2 * i, 2);
    return halfToFloat(h);
  }
  case DType::BF16: {
    uint16_t h;
    std::memcpy(&h, p + 2 * i, 2);
    uint32_t bits = uint32_t(h) << 16;
    float f;
    std::memcpy(&f, &bits, 4);
    return f;
  }
  default:
    llvm_unreachable("lookup() admits float dtypes only");
  }
}

/// A blob name for a tensor name: resource keys keep [A-Za-z0-9_.].
std::string blobName(llvm::StringRef name) {
  std::string out;
  for (char c : name)
    out.push_back(llvm::isAlnum(c) || c == '_' || c == '.' ? c : '_');
  return out;
}

} // namespace

ElementsAttr floatConstant(RankedTensorType type, llvm::StringRef name,
                           llvm::ArrayRef<float> values) {
  if (type.getNumElements() <= kInlineLimit)
    return cast<ElementsAttr>(DenseElementsAttr::get(type, values));
  AsmResourceBlob blob = HeapAsmResourceBlob::allocateAndCopyInferAlign(values);
  return cast<ElementsAttr>(
      DenseResourceElementsAttr::get(type, blobName(name), std::move(blob)));
}

llvm::Expected<const TensorView *>
WeightLoader::lookup(llvm::StringRef name, llvm::ArrayRef<int64_t> shape) {
  const TensorView *view = table_.find(name);
  if (!view)
    return llvm::createStringError(table_.source() + ": no tensor '" + name +
                                   "' in the checkpoint");
  if (view->dtype != DType::F32 && view->dtype != DType::F16 &&
      view->dtype != DType::BF16 && view->dtype != DType::F64)
    return llvm::createStringError(view->file + ": tensor '" + name +
                                   "' has dtype " + dtypeName(view->dtype) +
                                   "; weights must be F32, F16, BF16 or F64");
  if (llvm::ArrayRef<int64_t>(view->shape) != shape)
    return llvm::createStringError(view->file + ": tensor '" + name +
                                   "' has shape " + formatShape(view->shape) +
                                   " but the model config implies " +
                                   formatShape(shape));
  return view;
}

ElementsAttr WeightLoader::failed(llvm::Error error) {
  std::string message = llvm::toString(std::move(error));
  if (!firstError_)
    firstError_ = std::move(message);
  return {};
}

llvm::Error WeightLoader::takeError() {
  if (!firstError_)
    return llvm::Error::success();
  llvm::Error error = llvm::createStringError(*firstError_);
  firstError_.reset();
  return error;
}

ElementsAttr WeightLoader::load(llvm::StringRef name,
                                llvm::ArrayRef<int64_t> shape) {
  if (firstError_)
    return {};
  auto view = lookup(name, shape);
  if (!view)
    return failed(view.takeError());
  auto type = RankedTensorType::get(shape, Float32Type::get(context_));
  int64_t count = type.getNumElements();
  const char *data = (*view)->bytes.data();
  bool aligned = reinterpret_cast<uintptr_t>(data) % alignof(float) == 0;
  if ((*view)->dtype == DType::F32 && aligned && count > kInlineLimit) {
    // Used in place: the blob keeps the mapped file alive.
    std::shared_ptr<const void> keepAlive = table_.owner();
    AsmResourceBlob blob(
        (*view)->bytes, alignof(float),
        [keepAlive](void *, size_t, size_t) mutable { keepAlive.reset(); },
        /*dataIsMutable=*/false);
    return cast<ElementsAttr>(
        DenseResourceElementsAttr::get(type, blobName(name), std::move(blob)));
  }
  std::vector<float> values(count);
  for (int64_t i = 0; i < count; ++i)
    values[i] = elementAt(**view, i);
  return floatConstant(type, name, values);
}

ElementsAttr WeightLoader::loadTransposed(llvm::StringRef name, int64_t out,
                                          int64_t in) {
  if (firstError_)
    return {};
  auto view = lookup(name, {out, in});
  if (!view)
    return failed(view.takeError());
  std::vector<float> values(static_cast<size_t>(out * in));
  // Blocked, so that both sides stay in cache for large matrices.
  constexpr int64_t kBlock = 64;
  for (int64_t r0 = 0; r0 < out; r0 += kBlock)
    for (int64_t c0 = 0; c0 < in; c0 += kBlock)
      for (int64_t r = r0; r < std::min(out, r0 + kBlock); ++r)
        for (int64_t c = c0; c < std::min(in, c0 + kBlock); ++c)
          values[c * out + r] = elementAt(**view, r * in + c);
  auto type = RankedTensorType::get({in, out}, Float32Type::get(context_));
  return floatConstant(type, (name + ".T").str(), values);
}

} // namespace tessera::native
