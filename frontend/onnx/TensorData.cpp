//===- TensorData.cpp - ONNX TensorProto contents as attributes -----------===//

#include "frontend/onnx/TensorData.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinDialect.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <cstring>

using namespace mlir;

namespace tessera::onnx_frontend {

namespace {

llvm::Error makeError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

/// Bytes per element in an elements attribute: bool and the 4-bit and
/// 2-bit types take a byte.
size_t storageBytes(Type elementType) {
  unsigned bits = elementType.getIntOrFloatBitWidth();
  return bits < 8 ? 1 : bits / 8;
}

/// packedBits of an element type: its width when it is a 4-bit or 2-bit type.
unsigned packedWidth(Type elementType) {
  unsigned bits = elementType.getIntOrFloatBitWidth();
  return bits > 1 && bits < 8 ? bits : 0;
}

/// One byte per element from ONNX's packed form (packElements undone).
std::vector<char> unpack(llvm::ArrayRef<char> packed, int64_t count,
                         unsigned bits) {
  std::vector<char> out(count);
  unsigned perByte = 8 / bits;
  for (int64_t i = 0; i < count; ++i) {
    unsigned byte = static_cast<unsigned char>(packed[i / perByte]);
    out[i] = static_cast<char>((byte >> (bits * (i % perByte))) & ((1u << bits) - 1));
  }
  return out;
}

/// The tensor's bytes, however the TensorProto holds them: raw_data, one of
/// the typed repeated fields, or a file next to the model.
struct RawBytes {
  llvm::ArrayRef<char> bytes;
  /// Set when `bytes` points into memory that a blob must keep alive.
  std::shared_ptr<const void> owner;
  /// Holds the bytes when they had to be assembled from typed fields.
  std::vector<char> assembled;
};

template <typename T, typename Field>
void appendAs(std::vector<char> &out, const Field &field) {
  // What the model holds, not what its dims claim (checked afterwards).
  out.reserve(out.size() + size_t(field.size()) * sizeof(T));
  for (auto value : field) {
    T narrowed = static_cast<T>(value);
    const char *p = reinterpret_cast<const char *>(&narrowed);
    out.insert(out.end(), p, p + sizeof(T));
  }
}

/// ONNX stores small integer, bool, 16-bit and 8-bit float types widened in
/// int32_data; narrows them to their storage size. The 4-bit and 2-bit
/// types hold one packed byte per int32_data element, so `count` is their
/// packed byte count.
llvm::Error assembleTypedFields(const onnx::TensorProto &t, int64_t count,
                                std::vector<char> &out) {
  using TP = onnx::TensorProto;
  int64_t available = 0;
  switch (t.data_type()) {
  case TP::FLOAT:
    available = t.float_data_size();
    appendAs<float>(out, t.float_data());
    break;
  case TP::DOUBLE:
    available = t.double_data_size();
    appendAs<double>(out, t.double_data());
    break;
  case TP::INT64:
    available = t.int64_data_size();
    appendAs<int64_t>(out, t.int64_data());
    break;
  case TP::UINT32:
  case TP::UINT64:
    available = t.uint64_data_size();
    if (t.data_type() == TP::UINT32)
      appendAs<uint32_t>(out, t.uint64_data());
    else
      appendAs<uint64_t>(out, t.uint64_data());
    break;
  case TP::INT32:
    available = t.int32_data_size();
    appendAs<int32_t>(out, t.int32_data());
    break;
  case TP::INT16:
  case TP::UINT16:
  case TP::FLOAT16:
  case TP::BFLOAT16:
    available = t.int32_data_size();
    appendAs<uint16_t>(out, t.int32_data());
    break;
  case TP::INT8:
  case TP::UINT8:
  case TP::BOOL:
  case FLOAT8E4M3FN:
  case FLOAT8E4M3FNUZ:
  case FLOAT8E5M2:
  case FLOAT8E5M2FNUZ:
  case FLOAT8E8M0:
  case UINT4:
  case INT4:
  case FLOAT4E2M1:
  case UINT2:
  case INT2:
    available = t.int32_data_size();
    appendAs<uint8_t>(out, t.int32_data());
    break;
  default:
    return makeError("tensor '" + t.name() + "' of type " +
                     dataTypeName(t.data_type()) + " has no readable data");
  }
  if (available != count)
    return makeError("tensor '" + t.name() + "' declares " + llvm::Twine(count) +
                     " elements but holds " + llvm::Twine(available));
  return llvm::Error::success();
}

/// Resolves an external-data location inside `modelDir`: relative, without
/// "..", and (after following symlinks) still inside the directory.
llvm::Expected<std::string> confinedPath(llvm::StringRef modelDir,
                                         llvm::StringRef location,
                                         llvm::StringRef tensorName) {
  auto refuse = [&](const llvm::Twine &why) {
    return makeError("tensor '" + tensorName + "': external data location '" +
                     location + "' " + why);
  };
  if (modelDir.empty())
    return refuse("cannot be resolved: the model was not read from a file");
  if (location.empty())
    return refuse("is empty");
  if (llvm::sys::path::is_absolute(location) || location.starts_with("\\"))
    return refuse("is absolute; it must be relative to the model's directory");
  for (llvm::StringRef part : llvm::make_range(
           llvm::sys::path::begin(location), llvm::sys::path::end(location)))
    if (part == "..")
      return refuse("contains '..'; it must stay inside the model's directory");
  llvm::SmallString<256> joined(modelDir);
  llvm::sys::path::append(joined, location);
  llvm::SmallString<256> realDir, realFile;
  if (llvm::sys::fs::real_path(modelDir, realDir))
    return refuse("cannot be resolved: the model directory is unreadable");
  if (std::error_code ec = llvm::sys::fs::real_path(joined, realFile))
    return refuse("cannot be opened: " + ec.message());
  llvm::StringRef dir = realDir, file = realFile;
  if (!file.starts_with(dir) || file.size() <= dir.size() ||
      !llvm::sys::path::is_separator(file[dir.size()]))
    return refuse("leads outside the model's directory (through a symlink)");
  return realFile.str().str();
}

llvm::Error readExternal(const onnx::TensorProto &t, size_t expectedBytes,
                         const ExternalData &external, RawBytes &raw) {
  std::string location;
  int64_t offset = 0, length = -1;
  for (const auto &entry : t.external_data()) {
    const std::string &key = entry.key();
    if (key == "location") {
      location = entry.value();
    } else if (key == "offset" || key == "length") {
      int64_t parsed = 0;
      if (llvm::StringRef(entry.value()).getAsInteger(10, parsed) || parsed < 0)
        return makeError("tensor '" + t.name() + "': external data " + key +
                         " '" + entry.value() + "' is not a non-negative integer");
      (key == "offset" ? offset : length) = parsed;
    }
  }
  auto path = confinedPath(external.modelDir, location, t.name());
  if (!path)
    return path.takeError();
  uint64_t fileSize = 0;
  if (std::error_code ec = llvm::sys::fs::file_size(*path, fileSize))
    return makeError("tensor '" + t.name() + "': cannot read '" + location +
                     "': " + ec.message());
  uint64_t size = length < 0 ? expectedBytes : static_cast<uint64_t>(length);
  if (size != expectedBytes)
    return makeError("tensor '" + t.name() + "': external data length " +
                     llvm::Twine(size) + " does not match the " +
                     llvm::Twine(expectedBytes) + " bytes its shape needs");
  if (static_cast<uint64_t>(offset) > fileSize ||
      size > fileSize - static_cast<uint64_t>(offset))
    return makeError("tensor '" + t.name() + "': external data [" +
                     llvm::Twine(offset) + ", +" + llvm::Twine(size) +
                     ") lies beyond the end of '" + location + "' (" +
                     llvm::Twine(fileSize) + " bytes)");
  auto buffer = llvm::MemoryBuffer::getFileSlice(*path, size, offset);
  if (!buffer)
    return makeError("tensor '" + t.name() + "': cannot read '" + location +
                     "': " + buffer.getError().message());
  std::shared_ptr<llvm::MemoryBuffer> owned = std::move(*buffer);
  raw.bytes = llvm::ArrayRef<char>(owned->getBufferStart(), owned->getBufferSize());
  raw.owner = owned;
  return llvm::Error::success();
}

} // namespace

static const char *narrowDataTypeName(int32_t dataType) {
  switch (dataType) {
  case FLOAT8E4M3FN:
    return "FLOAT8E4M3FN";
  case FLOAT8E4M3FNUZ:
    return "FLOAT8E4M3FNUZ";
  case FLOAT8E5M2:
    return "FLOAT8E5M2";
  case FLOAT8E5M2FNUZ:
    return "FLOAT8E5M2FNUZ";
  case UINT4:
    return "UINT4";
  case INT4:
    return "INT4";
  case FLOAT4E2M1:
    return "FLOAT4E2M1";
  case FLOAT8E8M0:
    return "FLOAT8E8M0";
  case UINT2:
    return "UINT2";
  case INT2:
    return "INT2";
  default:
    return nullptr;
  }
}

unsigned packedBits(int32_t dataType) {
  switch (dataType) {
  case UINT4:
  case INT4:
  case FLOAT4E2M1:
    return 4;
  case UINT2:
  case INT2:
    return 2;
  default:
    return 0;
  }
}

std::string packElements(llvm::ArrayRef<char> values, unsigned bits) {
  unsigned perByte = 8 / bits;
  std::string packed((values.size() + perByte - 1) / perByte, '\0');
  for (size_t i = 0; i < values.size(); ++i) {
    unsigned value = static_cast<unsigned char>(values[i]) & ((1u << bits) - 1);
    packed[i / perByte] = static_cast<char>(static_cast<unsigned char>(packed[i / perByte]) |
                                            (value << (bits * (i % perByte))));
  }
  return packed;
}

std::string dataTypeName(int32_t dataType) {
  if (const char *narrow = narrowDataTypeName(dataType))
    return narrow;
  if (!onnx::TensorProto_DataType_IsValid(dataType))
    return "#" + std::to_string(dataType);
  return onnx::TensorProto_DataType_Name(
      static_cast<onnx::TensorProto_DataType>(dataType));
}

llvm::Expected<Type> convertElementType(MLIRContext *context,
                                        int32_t dataType) {
  using TP = onnx::TensorProto;
  Builder b(context);
  switch (dataType) {
  case TP::FLOAT:
    return b.getF32Type();
  case TP::DOUBLE:
    return b.getF64Type();
  case TP::FLOAT16:
    return b.getF16Type();
  case TP::BFLOAT16:
    return b.getBF16Type();
  case TP::INT64:
    return b.getI64Type();
  case TP::INT32:
    return b.getI32Type();
  case TP::INT16:
    return b.getI16Type();
  case TP::INT8:
    return b.getI8Type();
  case TP::BOOL:
    return b.getI1Type();
  case TP::UINT8:
  case TP::UINT16:
  case TP::UINT32:
  case TP::UINT64: {
    unsigned width = dataType == TP::UINT8    ? 8
                     : dataType == TP::UINT16 ? 16
                     : dataType == TP::UINT32 ? 32
                                              : 64;
    return IntegerType::get(context, width, IntegerType::Unsigned);
  }
  case FLOAT8E4M3FN:
    return b.getType<Float8E4M3FNType>();
  case FLOAT8E4M3FNUZ:
    return b.getType<Float8E4M3FNUZType>();
  case FLOAT8E5M2:
    return b.getType<Float8E5M2Type>();
  case FLOAT8E5M2FNUZ:
    return b.getType<Float8E5M2FNUZType>();
  case FLOAT8E8M0:
    return b.getType<Float8E8M0FNUType>();
  case FLOAT4E2M1:
    return b.getType<Float4E2M1FNType>();
  case INT4:
    return b.getIntegerType(4);
  case INT2:
    return b.getIntegerType(2);
  case UINT4:
    return IntegerType::get(context, 4, IntegerType::Unsigned);
  case UINT2:
    return IntegerType::get(context, 2, IntegerType::Unsigned);
  default:
    return makeError("ONNX data type " + dataTypeName(dataType) +
                     " is not supported");
  }
}

llvm::Expected<int64_t> checkedElementCount(llvm::ArrayRef<int64_t> dims) {
  int64_t count = 1;
  for (int64_t dim : dims) {
    if (dim < 0)
      return makeError("negative dimension " + llvm::Twine(dim));
    if (__builtin_mul_overflow(count, dim, &count))
      return makeError("the element count overflows 64 bits");
  }
  return count;
}

llvm::Expected<ElementsAttr>
convertTensorData(const onnx::TensorProto &tensor, RankedTensorType type,
                  int64_t inlineLimit, llvm::StringRef blobName,
                  const ExternalData &external,
                  std::shared_ptr<const void> owner) {
  Type elementType = type.getElementType();
  int64_t count = type.getNumElements();
  size_t elementBytes = storageBytes(elementType);
  unsigned packed = packedWidth(elementType);
  size_t expectedBytes = 0;
  if (__builtin_mul_overflow(static_cast<size_t>(count),
                             packed ? packed : elementBytes * 8, &expectedBytes))
    return makeError("tensor '" + tensor.name() + "' is too large");
  expectedBytes = (expectedBytes + 7) / 8;

  RawBytes raw;
  if (tensor.data_location() == onnx::TensorProto::EXTERNAL) {
    if (llvm::Error err = readExternal(tensor, expectedBytes, external, raw))
      return std::move(err);
  } else if (tensor.has_raw_data()) {
    if (tensor.raw_data().size() != expectedBytes)
      return makeError("tensor '" + tensor.name() + "' has " +
                       llvm::Twine(tensor.raw_data().size()) +
                       " bytes of raw_data but its shape needs " +
                       llvm::Twine(expectedBytes));
    raw.bytes = llvm::ArrayRef<char>(tensor.raw_data().data(),
                                     tensor.raw_data().size());
    raw.owner = owner;
  } else {
    if (llvm::Error err = assembleTypedFields(
            tensor, packed ? int64_t(expectedBytes) : count, raw.assembled))
      return std::move(err);
    raw.bytes = raw.assembled;
  }
  if (packed) {
    std::vector<char> unpacked = unpack(raw.bytes, count, packed);
    raw.assembled = std::move(unpacked);
    raw.bytes = raw.assembled;
    raw.owner = nullptr;
  }

  if (elementType.isInteger(1)) {
    llvm::SmallVector<bool> bits;
    bits.reserve(count);
    for (char byte : raw.bytes)
      bits.push_back(byte != 0);
    return cast<ElementsAttr>(DenseElementsAttr::get(type, bits));
  }
  if (count <= inlineLimit) {
    bool isSplat = false;
    if (!DenseElementsAttr::isValidRawBuffer(type, raw.bytes, isSplat))
      return makeError("tensor '" + tensor.name() +
                       "' has data that does not fit its type");
    return cast<ElementsAttr>(DenseElementsAttr::getFromRawBuffer(type, raw.bytes));
  }

  size_t alignment = std::max<size_t>(elementBytes, 1);
  AsmResourceBlob blob;
  bool aligned =
      reinterpret_cast<uintptr_t>(raw.bytes.data()) % alignment == 0;
  if (raw.owner && aligned) {
    // The bytes stay where they are; the blob keeps their owner alive.
    std::shared_ptr<const void> keepAlive = raw.owner;
    blob = AsmResourceBlob(
        raw.bytes, alignment,
        [keepAlive](void *, size_t, size_t) mutable { keepAlive.reset(); },
        /*dataIsMutable=*/false);
  } else {
    blob = HeapAsmResourceBlob::allocateAndCopyWithAlign(raw.bytes, alignment);
  }
  return cast<ElementsAttr>(
      DenseResourceElementsAttr::get(type, blobName, std::move(blob)));
}

} // namespace tessera::onnx_frontend
