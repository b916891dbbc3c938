//===- Utf8.h - UTF-8 and byte helpers --------------------------*- C++ -*-===//
//
// UTF-8 and byte helpers shared by the tokenizers: bounds-checked UTF-8
// decoding, encoding, reading a whole file with a size limit, and a
// little-endian reader for binary formats.
//
//===----------------------------------------------------------------------===//
#ifndef TESSERA_TOOLS_COMMON_TOKENIZERS_UTF8_H
#define TESSERA_TOOLS_COMMON_TOKENIZERS_UTF8_H

#include "tools/common/tokenizers/Tokenizer.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace tessera::tokenizers {

// One decoded character: `len` bytes starting at the position given.
// Invalid UTF-8 (a stray continuation byte, a truncated sequence, an overlong
// form, a surrogate, a value over U+10FFFF) decodes as one byte with
// valid == false and cp == U+FFFD, so every byte string splits into units
// that cover it exactly.
struct Utf8Char {
  uint32_t cp = 0;
  uint32_t len = 0;
  bool valid = false;
};

constexpr uint32_t kReplacementChar = 0xFFFD;

// Decodes the character at s[pos]; pos must be < s.size(). Never reads past
// the end of s.
Utf8Char decodeUtf8(std::string_view s, size_t pos);

// Appends the UTF-8 form of `cp` (U+FFFD for a surrogate or a value over
// U+10FFFF).
void appendUtf8(std::string &out, uint32_t cp);
std::string encodeUtf8(uint32_t cp);

// Whether all of `s` is valid UTF-8.
bool isValidUtf8(std::string_view s);

// Reads a whole file. Files larger than maxBytes are refused (IoError).
Expected<std::string> readFile(const std::string &path,
                               size_t maxBytes = size_t(1) << 30);

// The last component of a path, for error messages.
std::string baseName(const std::string &path);

// Sequential little-endian reader over a byte buffer. Every read checks the
// bounds and returns false, consuming nothing, when too few bytes are left.
class ByteReader {
public:
  explicit ByteReader(std::string_view data) : data_(data) {}
  size_t offset() const { return pos_; }
  size_t remaining() const { return data_.size() - pos_; }
  bool atEnd() const { return pos_ == data_.size(); }
  bool readU32(uint32_t &v);
  bool readI32(int32_t &v);
  bool readF32(float &v);
  bool readBytes(size_t n, std::string_view &out);

private:
  std::string_view data_;
  size_t pos_ = 0;
};

} // namespace tessera::tokenizers

#endif
