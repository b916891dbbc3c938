#include "tools/common/tokenizers/Utf8.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <new>

namespace tessera::tokenizers {

const char *errorCodeName(ErrorCode code) {
  switch (code) {
  case ErrorCode::Ok:
    return "Ok";
  case ErrorCode::FileNotFound:
    return "FileNotFound";
  case ErrorCode::IoError:
    return "IoError";
  case ErrorCode::Malformed:
    return "Malformed";
  case ErrorCode::Unsupported:
    return "Unsupported";
  case ErrorCode::InvalidId:
    return "InvalidId";
  case ErrorCode::OutOfMemory:
    return "OutOfMemory";
  }
  return "Unknown";
}

std::string Error::toString() const {
  return std::string(errorCodeName(code)) + ": " + message;
}

Utf8Char decodeUtf8(std::string_view s, size_t pos) {
  Utf8Char bad{kReplacementChar, 1, false};
  if (pos >= s.size())
    return Utf8Char{kReplacementChar, 0, false};
  auto b = [&](size_t i) { return static_cast<uint8_t>(s[pos + i]); };
  uint8_t c0 = b(0);
  if (c0 < 0x80)
    return Utf8Char{c0, 1, true};
  uint32_t len, cp, min;
  if ((c0 & 0xE0) == 0xC0) {
    len = 2;
    cp = c0 & 0x1F;
    min = 0x80;
  } else if ((c0 & 0xF0) == 0xE0) {
    len = 3;
    cp = c0 & 0x0F;
    min = 0x800;
  } else if ((c0 & 0xF8) == 0xF0) {
    len = 4;
    cp = c0 & 0x07;
    min = 0x10000;
  } else {
    return bad;
  }
  if (s.size() - pos < len)
    return bad;
  for (uint32_t i = 1; i < len; ++i) {
    uint8_t ci = b(i);
    if ((ci & 0xC0) != 0x80)
      return bad;
    cp = (cp << 6) | (ci & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
    return bad;
  return Utf8Char{cp, len, true};
}

void appendUtf8(std::string &out, uint32_t cp) {
  if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
    cp = kReplacementChar;
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

std::string encodeUtf8(uint32_t cp) {
  std::string s;
  appendUtf8(s, cp);
  return s;
}

bool isValidUtf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    Utf8Char c = decodeUtf8(s, i);
    if (!c.valid)
      return false;
    i += c.len;
  }
  return true;
}

std::string baseName(const std::string &path) {
  size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

Expected<std::string> readFile(const std::string &path, size_t maxBytes) {
  std::FILE *f = std::fopen(path.c_str(), "rb");
  if (!f)
    return Error(ErrorCode::FileNotFound,
                 path + ": cannot open: " + std::strerror(errno));
  std::string data;
  try {
    char buf[1 << 16];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) {
      if (data.size() + n > maxBytes) {
        std::fclose(f);
        return Error(ErrorCode::IoError, path + ": larger than the limit of " +
                                             std::to_string(maxBytes) +
                                             " bytes");
      }
      data.append(buf, n);
    }
  } catch (const std::bad_alloc &) {
    std::fclose(f);
    return Error(ErrorCode::OutOfMemory,
                 path + ": out of memory while reading");
  }
  bool failed = std::ferror(f) != 0;
  std::fclose(f);
  if (failed)
    return Error(ErrorCode::IoError, path + ": read error");
  return data;
}

bool ByteReader::readU32(uint32_t &v) {
  if (remaining() < 4)
    return false;
  const auto *p = reinterpret_cast<const uint8_t *>(data_.data() + pos_);
  v = uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 |
      uint32_t(p[3]) << 24;
  pos_ += 4;
  return true;
}

bool ByteReader::readI32(int32_t &v) {
  uint32_t u;
  if (!readU32(u))
    return false;
  std::memcpy(&v, &u, 4);
  return true;
}

bool ByteReader::readF32(float &v) {
  uint32_t u;
  if (!readU32(u))
    return false;
  static_assert(sizeof(float) == 4, "32-bit float expected");
  std::memcpy(&v, &u, 4);
  return true;
}

bool ByteReader::readBytes(size_t n, std::string_view &out) {
  if (remaining() < n)
    return false;
  out = data_.substr(pos_, n);
  pos_ += n;
  return true;
}

} // namespace tessera::tokenizers
