//===- Npy.cpp - reading and writing NumPy .npy files ---------------------===//
//
// The header is a Python dict literal:
//   {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
// padded with spaces and a final newline. It is parsed by a small
// bounds-checked scanner instead of being evaluated, and the data size it
// implies must match the file exactly.
//
//===----------------------------------------------------------------------===//

#include "tools/common/Npy.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <set>
#include <sys/stat.h>

namespace tessera::tools {
namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicSize = 6;
// Headers are padded so that the data starts at a multiple of this.
constexpr size_t kHeaderAlignment = 64;
// No real header comes close; a corrupt length must not become a huge read.
constexpr size_t kMaxHeaderSize = 1 << 20;

struct DTypeEntry {
  NpyDType dtype;
  const char *descr;
  size_t itemSize;
};

constexpr DTypeEntry kDTypes[] = {
    {NpyDType::f32, "<f4", 4}, {NpyDType::f64, "<f8", 8}, {NpyDType::f16, "<f2", 2},
    {NpyDType::i64, "<i8", 8}, {NpyDType::i32, "<i4", 4}, {NpyDType::i16, "<i2", 2},
    {NpyDType::i8, "|i1", 1},  {NpyDType::u8, "|u1", 1},  {NpyDType::bool_, "|b1", 1},
    {NpyDType::u16, "<u2", 2}, {NpyDType::u32, "<u4", 4}, {NpyDType::u64, "<u8", 8},
};

// kDTypes is indexed by NpyDType.
constexpr bool inEnumOrder() {
  for (size_t i = 0; i < sizeof(kDTypes) / sizeof(kDTypes[0]); ++i)
    if (size_t(kDTypes[i].dtype) != i)
      return false;
  return true;
}
static_assert(inEnumOrder(), "kDTypes must list NpyDType in declaration order");

const DTypeEntry &entry(NpyDType dtype) { return kDTypes[size_t(dtype)]; }

/// Closes the file on every path out of a function.
struct FileCloser {
  void operator()(std::FILE *file) const { std::fclose(file); }
};
using File = std::unique_ptr<std::FILE, FileCloser>;

/// Scans the header dict. Every read is checked against the end.
class HeaderParser {
public:
  HeaderParser(const std::string &text) : text_(text) {}

  bool parse(NpyDType &dtype, std::vector<int64_t> &shape, std::string &error) {
    std::set<std::string> seen;
    skipSpace();
    if (!consume('{'))
      return fail("the header is not a dict", error);
    for (;;) {
      skipSpace();
      if (consume('}'))
        break;
      std::string key;
      if (!parseString(key))
        return fail("expected a quoted key in the header", error);
      skipSpace();
      if (!consume(':'))
        return fail("expected ':' after '" + key + "' in the header", error);
      skipSpace();
      if (!seen.insert(key).second)
        return fail("the header has '" + key + "' twice", error);
      if (key == "descr") {
        if (!parseDescr(dtype, error))
          return false;
      } else if (key == "fortran_order") {
        bool fortran = false;
        if (!parseBool(fortran))
          return fail("'fortran_order' is not True or False", error);
        if (fortran)
          return fail("the array is in Fortran order; only C order is supported (save it "
                      "with numpy.ascontiguousarray)",
                      error);
      } else if (key == "shape") {
        if (!parseShape(shape))
          return fail("'shape' is not a tuple of non-negative integers", error);
      } else {
        return fail("the header has the unexpected key '" + key + "'", error);
      }
      skipSpace();
      if (consume('}'))
        break;
      if (!consume(','))
        return fail("expected ',' or '}' in the header", error);
    }
    for (const char *key : {"descr", "fortran_order", "shape"})
      if (!seen.count(key))
        return fail(std::string("the header has no '") + key + "'", error);
    skipSpace();
    if (pos_ != text_.size())
      return fail("unexpected text after the header dict", error);
    return true;
  }

private:
  static bool fail(const std::string &message, std::string &error) {
    error = message;
    return false;
  }

  void skipSpace() {
    while (pos_ < text_.size() &&
           (text_[pos_] == ' ' || text_[pos_] == '\n' || text_[pos_] == '\t' ||
            text_[pos_] == '\r'))
      ++pos_;
  }

  bool consume(char c) {
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }

  bool consumeWord(const char *word) {
    size_t n = std::strlen(word);
    if (text_.compare(pos_, n, word) != 0)
      return false;
    pos_ += n;
    return true;
  }

  bool parseString(std::string &out) {
    if (pos_ >= text_.size() || (text_[pos_] != '\'' && text_[pos_] != '"'))
      return false;
    char quote = text_[pos_++];
    size_t end = text_.find(quote, pos_);
    if (end == std::string::npos)
      return false;
    out = text_.substr(pos_, end - pos_);
    pos_ = end + 1;
    return true;
  }

  bool parseDescr(NpyDType &dtype, std::string &error) {
    std::string descr;
    if (!parseString(descr))
      return fail("'descr' is not a string: structured dtypes are not supported", error);
    for (const DTypeEntry &e : kDTypes)
      if (descr == e.descr) {
        dtype = e.dtype;
        return true;
      }
    std::string supported;
    for (const DTypeEntry &e : kDTypes)
      supported += std::string(supported.empty() ? "" : ", ") + e.descr;
    std::string why = !descr.empty() && descr[0] == '>' ? " (big-endian)" : "";
    return fail("unsupported dtype '" + descr + "'" + why + "; supported: " + supported, error);
  }

  bool parseBool(bool &out) {
    if (consumeWord("True"))
      out = true;
    else if (consumeWord("False"))
      out = false;
    else
      return false;
    return true;
  }

  bool parseShape(std::vector<int64_t> &shape) {
    shape.clear();
    if (!consume('('))
      return false;
    for (;;) {
      skipSpace();
      if (consume(')'))
        return true;
      int64_t value = 0;
      size_t start = pos_;
      while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') {
        if (__builtin_mul_overflow(value, 10, &value) ||
            __builtin_add_overflow(value, text_[pos_] - '0', &value))
          return false;
        ++pos_;
      }
      if (pos_ == start)
        return false;
      consume('L'); // Python 2 long literals
      shape.push_back(value);
      skipSpace();
      if (consume(')'))
        return true;
      if (!consume(','))
        return false;
    }
  }

  const std::string &text_;
  size_t pos_ = 0;
};

std::string formatShape(const std::vector<int64_t> &shape) {
  std::string out = "(";
  for (size_t i = 0; i < shape.size(); ++i)
    out += (i ? ", " : "") + std::to_string(shape[i]);
  return out + (shape.size() == 1 ? ",)" : ")");
}

bool ioError(const std::string &path, const std::string &what, std::string &error) {
  error = path + ": " + what + ": " + std::strerror(errno);
  return false;
}

} // namespace

const char *npyDescr(NpyDType dtype) { return entry(dtype).descr; }
size_t npyItemSize(NpyDType dtype) { return entry(dtype).itemSize; }

bool AlignedBytes::allocate(size_t size) {
  void *block = nullptr;
  // posix_memalign(0) may return NULL; one byte keeps data() non-null.
  if (posix_memalign(&block, kHeaderAlignment, size ? size : 1) != 0)
    return false;
  data_.reset(static_cast<uint8_t *>(block));
  size_ = size;
  return true;
}

bool readNpy(const std::string &path, NpyArray &out, std::string &error) {
  File file(std::fopen(path.c_str(), "rb"));
  if (!file)
    return ioError(path, "cannot open", error);
  struct stat st;
  if (fstat(fileno(file.get()), &st) != 0)
    return ioError(path, "cannot stat", error);
  if (!S_ISREG(st.st_mode)) {
    error = path + ": not a regular file";
    return false;
  }
  size_t fileSize = size_t(st.st_size);
  auto bad = [&](const std::string &why) {
    error = path + ": not a valid .npy file: " + why;
    return false;
  };

  uint8_t preamble[kMagicSize + 2];
  if (fileSize < sizeof(preamble) || std::fread(preamble, 1, sizeof(preamble), file.get()) !=
                                         sizeof(preamble))
    return bad("the file is shorter than the .npy preamble");
  if (std::memcmp(preamble, kMagic, kMagicSize) != 0)
    return bad("it does not start with the .npy magic \\x93NUMPY");
  uint8_t major = preamble[kMagicSize];
  if (major != 1 && major != 2)
    return bad("format version " + std::to_string(major) + "." +
               std::to_string(preamble[kMagicSize + 1]) + " (only 1.x and 2.x are supported)");

  size_t lengthBytes = major == 1 ? 2 : 4;
  uint8_t lengthField[4] = {0, 0, 0, 0};
  if (std::fread(lengthField, 1, lengthBytes, file.get()) != lengthBytes)
    return bad("the file ends inside the header length");
  size_t headerSize = size_t(lengthField[0]) | size_t(lengthField[1]) << 8 |
                      size_t(lengthField[2]) << 16 | size_t(lengthField[3]) << 24;
  size_t dataOffset = sizeof(preamble) + lengthBytes + headerSize;
  if (headerSize > kMaxHeaderSize || dataOffset > fileSize)
    return bad("the header length " + std::to_string(headerSize) +
               " runs past the end of the file (" + std::to_string(fileSize) + " bytes)");

  std::string header(headerSize, '\0');
  if (std::fread(&header[0], 1, headerSize, file.get()) != headerSize)
    return ioError(path, "cannot read the header", error);
  std::string why;
  if (!HeaderParser(header).parse(out.dtype, out.shape, why))
    return bad(why);

  size_t dataSize = npyItemSize(out.dtype);
  for (int64_t dim : out.shape)
    if (__builtin_mul_overflow(dataSize, size_t(dim), &dataSize))
      return bad("shape " + formatShape(out.shape) + " is too large");
  size_t available = fileSize - dataOffset;
  if (available != dataSize)
    return bad("shape " + formatShape(out.shape) + " of " + npyDescr(out.dtype) + " needs " +
               std::to_string(dataSize) + " data bytes, the file has " +
               std::to_string(available) + (available < dataSize ? " (truncated?)" : ""));
  if (!out.data.allocate(dataSize)) {
    error = path + ": cannot allocate " + std::to_string(dataSize) + " bytes";
    return false;
  }
  if (std::fread(out.data.data(), 1, dataSize, file.get()) != dataSize)
    return ioError(path, "cannot read the data", error);
  return true;
}

bool writeNpy(const std::string &path, NpyDType dtype, const std::vector<int64_t> &shape,
              const void *bytes, size_t size, std::string &error) {
  size_t expected = npyItemSize(dtype);
  for (int64_t dim : shape)
    if (dim < 0 || __builtin_mul_overflow(expected, size_t(dim), &expected)) {
      error = path + ": cannot write shape " + formatShape(shape);
      return false;
    }
  if (expected != size) {
    error = path + ": shape " + formatShape(shape) + " of " + npyDescr(dtype) + " is " +
            std::to_string(expected) + " bytes, but " + std::to_string(size) + " were given";
    return false;
  }

  std::string header = std::string("{'descr': '") + npyDescr(dtype) +
                       "', 'fortran_order': False, 'shape': " + formatShape(shape) + ", }";
  // Pad with spaces so the data is aligned; the header ends with '\n'.
  auto padTo = [&](size_t prefix) {
    size_t total = prefix + header.size() + 1;
    std::string padded = header;
    padded.append((kHeaderAlignment - total % kHeaderAlignment) % kHeaderAlignment, ' ');
    return padded + "\n";
  };
  std::string padded = padTo(kMagicSize + 2 + 2);
  uint8_t version = 1;
  if (padded.size() > 0xffff) {
    version = 2;
    padded = padTo(kMagicSize + 2 + 4);
  }

  std::string preamble(kMagic, kMagicSize);
  preamble += char(version);
  preamble += char(0);
  size_t length = padded.size();
  for (size_t i = 0; i < (version == 1 ? 2u : 4u); ++i)
    preamble += char((length >> (8 * i)) & 0xff);

  File file(std::fopen(path.c_str(), "wb"));
  if (!file)
    return ioError(path, "cannot create", error);
  if (std::fwrite(preamble.data(), 1, preamble.size(), file.get()) != preamble.size() ||
      std::fwrite(padded.data(), 1, padded.size(), file.get()) != padded.size() ||
      (size && std::fwrite(bytes, 1, size, file.get()) != size))
    return ioError(path, "cannot write", error);
  if (std::fclose(file.release()) != 0)
    return ioError(path, "cannot write", error);
  return true;
}

} // namespace tessera::tools
