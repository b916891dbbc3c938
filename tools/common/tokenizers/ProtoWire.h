//===- ProtoWire.h - protobuf wire-format reader ----------------*- C++ -*-===//
//
// A minimal, bounds-checked reader of the protobuf wire format (no
// libprotobuf): walks the fields of one message, giving each field's number,
// wire type and value. Nested messages are read by running another reader
// over a length-delimited field's bytes. Groups (wire types 3 and 4) are
// refused: nothing the tokenizers read uses them.
//
//===----------------------------------------------------------------------===//
#ifndef TESSERA_TOOLS_COMMON_TOKENIZERS_PROTOWIRE_H
#define TESSERA_TOOLS_COMMON_TOKENIZERS_PROTOWIRE_H

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace tessera::tokenizers {

enum class WireType : uint8_t {
  Varint = 0,
  Fixed64 = 1,
  LengthDelimited = 2,
  Fixed32 = 5
};

struct ProtoField {
  uint32_t number = 0;
  WireType type = WireType::Varint;
  uint64_t varint = 0;    // Varint, Fixed64, Fixed32 (zero-extended)
  std::string_view bytes; // LengthDelimited
  size_t offset = 0;      // where the field's tag starts, for messages

  float asFloat() const {
    uint32_t u = static_cast<uint32_t>(varint);
    float f;
    std::memcpy(&f, &u, 4);
    return f;
  }
  int32_t asInt32() const {
    return static_cast<int32_t>(static_cast<uint32_t>(varint));
  }
  bool asBool() const { return varint != 0; }
};

class ProtoReader {
public:
  explicit ProtoReader(std::string_view data) : data_(data) {}

  // Reads the next field into f. Returns false at the end of the message or
  // on an error; error() tells which (empty at a clean end).
  bool next(ProtoField &f) {
    if (pos_ >= data_.size() || !error_.empty())
      return false;
    f = ProtoField();
    f.offset = pos_;
    uint64_t tag;
    if (!readVarint(tag))
      return fail("truncated field tag");
    uint32_t wt = static_cast<uint32_t>(tag & 7);
    uint64_t number = tag >> 3;
    if (number == 0 || number > 0x1FFFFFFF)
      return fail("invalid field number");
    f.number = static_cast<uint32_t>(number);
    switch (wt) {
    case 0:
      f.type = WireType::Varint;
      if (!readVarint(f.varint))
        return fail("truncated varint in field " + std::to_string(f.number));
      return true;
    case 1:
      f.type = WireType::Fixed64;
      return readFixed(8, f.varint) ||
             fail("truncated fixed64 in field " + std::to_string(f.number));
    case 5:
      f.type = WireType::Fixed32;
      return readFixed(4, f.varint) ||
             fail("truncated fixed32 in field " + std::to_string(f.number));
    case 2: {
      f.type = WireType::LengthDelimited;
      uint64_t len;
      if (!readVarint(len))
        return fail("truncated length in field " + std::to_string(f.number));
      if (len > data_.size() - pos_)
        return fail("field " + std::to_string(f.number) +
                    " runs past the end (" + std::to_string(len) + " bytes, " +
                    std::to_string(data_.size() - pos_) + " left)");
      f.bytes = data_.substr(pos_, static_cast<size_t>(len));
      pos_ += static_cast<size_t>(len);
      return true;
    }
    default:
      return fail("unsupported wire type " + std::to_string(wt) + " in field " +
                  std::to_string(f.number));
    }
  }

  const std::string &error() const { return error_; }
  size_t offset() const { return pos_; }

private:
  bool fail(std::string message) {
    error_ = std::move(message);
    return false;
  }
  bool readVarint(uint64_t &v) {
    v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= data_.size())
        return false;
      uint8_t b = static_cast<uint8_t>(data_[pos_++]);
      v |= uint64_t(b & 0x7F) << shift;
      if (!(b & 0x80))
        return true;
    }
    return false; // more than 10 bytes
  }
  bool readFixed(size_t n, uint64_t &v) {
    if (data_.size() - pos_ < n)
      return false;
    v = 0;
    for (size_t i = 0; i < n; ++i)
      v |= uint64_t(static_cast<uint8_t>(data_[pos_ + i])) << (8 * i);
    pos_ += n;
    return true;
  }

  std::string_view data_;
  size_t pos_ = 0;
  std::string error_;
};

} // namespace tessera::tokenizers

#endif
