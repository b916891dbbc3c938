// The shared helpers: UTF-8, the byte reader, the protobuf wire reader and
// the generated Unicode tables.
#include "TestUtil.h"

#include "tools/common/tokenizers/ProtoWire.h"
#include "tools/common/tokenizers/Unicode.h"

#include <gtest/gtest.h>

namespace tessera::tokenizers::test {
namespace {

namespace u = unicode;
using Cat = u::Category;

TEST(Utf8, DecodesValidSequences) {
  std::string s = "A\xC3\xA9\xE2\x82\xAC\xF0\x9F\xA6\x99";
  Utf8Char c = decodeUtf8(s, 0);
  EXPECT_EQ(c.cp, uint32_t('A'));
  EXPECT_EQ(c.len, 1u);
  EXPECT_TRUE(c.valid);
  EXPECT_EQ(decodeUtf8(s, 1).cp, 0xE9u);
  EXPECT_EQ(decodeUtf8(s, 3).cp, 0x20ACu);
  EXPECT_EQ(decodeUtf8(s, 6).cp, 0x1F999u);
  EXPECT_EQ(decodeUtf8(s, 6).len, 4u);
  EXPECT_TRUE(isValidUtf8(s));
}

TEST(Utf8, InvalidBytesAreSingleUnits) {
  for (std::string bad :
       {"\x80", "\xBF", "\xC0\x80", "\xC1\xBF", "\xE0\x80\x80", "\xED\xA0\x80",
        "\xF4\x90\x80\x80", "\xF8\x88\x80\x80\x80", "\xFF", "\xE2\x82",
        "\xF0\x9F\xA6",
        "\xC3"
        "A"}) {
    Utf8Char c = decodeUtf8(bad, 0);
    EXPECT_FALSE(c.valid) << escaped(bad);
    EXPECT_EQ(c.len, 1u);
    EXPECT_EQ(c.cp, kReplacementChar);
    EXPECT_FALSE(isValidUtf8(bad));
  }
  EXPECT_EQ(decodeUtf8("", 0).len, 0u);
}

TEST(Utf8, EncodesEveryScalarValue) {
  for (uint32_t cp = 0; cp <= 0x10FFFF; cp += (cp < 0x3000 ? 1 : 97)) {
    if (cp >= 0xD800 && cp <= 0xDFFF)
      continue;
    std::string s = encodeUtf8(cp);
    Utf8Char c = decodeUtf8(s, 0);
    ASSERT_TRUE(c.valid) << cp;
    EXPECT_EQ(c.cp, cp);
    EXPECT_EQ(c.len, s.size());
  }
  EXPECT_EQ(encodeUtf8(0xD800), "\xEF\xBF\xBD");
  EXPECT_EQ(encodeUtf8(0x110000), "\xEF\xBF\xBD");
}

TEST(ByteReader, ChecksBounds) {
  std::string d("\x01\x00\x00\x00\x00\x00\x80\x3F\xFF\xFF\xFF\xFFxy", 14);
  ByteReader r(d);
  uint32_t a;
  float f;
  int32_t i;
  std::string_view b;
  ASSERT_TRUE(r.readU32(a));
  EXPECT_EQ(a, 1u);
  ASSERT_TRUE(r.readF32(f));
  EXPECT_EQ(f, 1.0f);
  ASSERT_TRUE(r.readI32(i));
  EXPECT_EQ(i, -1);
  EXPECT_FALSE(r.readU32(a));
  EXPECT_EQ(r.remaining(), 2u); // a failed read consumes nothing
  EXPECT_FALSE(r.readBytes(3, b));
  ASSERT_TRUE(r.readBytes(2, b));
  EXPECT_EQ(b, "xy");
  EXPECT_TRUE(r.atEnd());
}

TEST(ProtoWire, ReadsFieldsAndRejectsBadInput) {
  // field 1 varint 150, field 2 bytes "hi", field 3 fixed32 1.0f, field 4
  // fixed64.
  std::string m("\x08\x96\x01\x12\x02hi\x1D\x00\x00\x80\x3F\x21\x01\x00\x00\x00"
                "\x00\x00\x00\x00",
                21);
  ProtoReader r(m);
  ProtoField f;
  ASSERT_TRUE(r.next(f));
  EXPECT_EQ(f.number, 1u);
  EXPECT_EQ(f.varint, 150u);
  ASSERT_TRUE(r.next(f));
  EXPECT_EQ(f.type, WireType::LengthDelimited);
  EXPECT_EQ(f.bytes, "hi");
  ASSERT_TRUE(r.next(f));
  EXPECT_EQ(f.asFloat(), 1.0f);
  ASSERT_TRUE(r.next(f));
  EXPECT_EQ(f.type, WireType::Fixed64);
  EXPECT_EQ(f.varint, 1u);
  EXPECT_FALSE(r.next(f));
  EXPECT_TRUE(r.error().empty());

  for (size_t n = 1; n < m.size();
       ++n) { // every cut inside a field is an error
    ProtoReader cut(std::string_view(m).substr(0, n));
    while (cut.next(f)) {
    }
    bool atBoundary = n == 3 || n == 7 || n == 12;
    EXPECT_EQ(cut.error().empty(), atBoundary) << n;
  }
  ProtoReader zero(std::string_view("\x00\x01", 2));
  EXPECT_FALSE(zero.next(f));
  EXPECT_NE(zero.error().find("invalid field number"), std::string::npos);
  ProtoReader group(std::string_view("\x0B", 1));
  EXPECT_FALSE(group.next(f));
  EXPECT_NE(group.error().find("wire type 3"), std::string::npos);
  ProtoReader huge(std::string_view("\x0A\xFF\xFF\xFF\xFF\x0F", 6));
  EXPECT_FALSE(huge.next(f));
  EXPECT_NE(huge.error().find("runs past the end"), std::string::npos);
}

TEST(Unicode, VersionAndCategories) {
  EXPECT_STREQ(u::unicodeVersion(), "14.0.0");
  EXPECT_EQ(u::category('A'), Cat::Lu);
  EXPECT_EQ(u::category('z'), Cat::Ll);
  EXPECT_EQ(u::category('7'), Cat::Nd);
  EXPECT_EQ(u::category(0xBD), Cat::No);   // ½
  EXPECT_EQ(u::category(0x2160), Cat::Nl); // Ⅰ
  EXPECT_EQ(u::category(0x301), Cat::Mn);
  EXPECT_EQ(u::category(0x200D), Cat::Cf);
  EXPECT_EQ(u::category(0x0), Cat::Cc);
  EXPECT_EQ(u::category(0xD800), Cat::Cs);
  EXPECT_EQ(u::category(0xE000), Cat::Co);
  EXPECT_EQ(u::category(0x378), Cat::Cn);
  EXPECT_EQ(u::category(0x10FFFF), Cat::Cn);
  EXPECT_EQ(u::category(0x110000), Cat::Cn);
  EXPECT_EQ(u::category(0x3000), Cat::Zs);
  EXPECT_EQ(u::category('!'), Cat::Po);
  EXPECT_EQ(u::category('$'), Cat::Sc);
  EXPECT_EQ(u::category(0x4E00), Cat::Lo);
  EXPECT_EQ(u::category(0x1F999), Cat::So); // 🦙 (Unicode 11)
  EXPECT_EQ(u::category(0x1FAE0), Cat::So); // 🫠 (Unicode 14)
  EXPECT_EQ(u::category(0x17B6), Cat::Mc);  // Khmer vowel sign AA
  EXPECT_TRUE(u::isLetter(0x416));          // Ж
  EXPECT_TRUE(u::isLetter(0x2B0));          // ʰ (Lm)
  EXPECT_FALSE(u::isLetter(0x301));
  EXPECT_TRUE(u::isNumber(0x663)); // Arabic-Indic 3
  EXPECT_TRUE(u::isPunctuation(0x3002));
  EXPECT_FALSE(u::isPunctuation('$'));
  EXPECT_TRUE(u::isOther(0xE000));
  EXPECT_FALSE(u::isOther(' '));
}

TEST(Unicode, WhiteSpaceProperty) {
  for (uint32_t cp :
       {0x9u, 0xAu, 0xBu, 0xCu, 0xDu, 0x20u, 0x85u, 0xA0u, 0x1680u, 0x2000u,
        0x200Au, 0x2028u, 0x2029u, 0x202Fu, 0x205Fu, 0x3000u})
    EXPECT_TRUE(u::isWhiteSpace(cp)) << cp;
  for (uint32_t cp : {0x0u, 0x1Cu, 0x1Fu, 0x200Bu, 0xFEFFu, 0x61u})
    EXPECT_FALSE(u::isWhiteSpace(cp)) << cp;
}

std::vector<uint32_t> lower(uint32_t cp) {
  std::vector<uint32_t> v;
  u::appendLower(cp, v);
  return v;
}

std::vector<uint32_t> strip(uint32_t cp) {
  std::vector<uint32_t> v;
  u::appendStripAccents(cp, v);
  return v;
}

using V = std::vector<uint32_t>;

TEST(Unicode, LowerCase) {
  EXPECT_EQ(lower('A'), V{'a'});
  EXPECT_EQ(lower('a'), V{'a'});
  EXPECT_EQ(lower(0xC4), V{0xE4});       // Ä
  EXPECT_EQ(lower(0x3A3), V{0x3C3});     // Σ (no final-sigma context)
  EXPECT_EQ(lower(0x411), V{0x431});     // Б
  EXPECT_EQ(lower(0x2126), V{0x3C9});    // Ω (ohm)
  EXPECT_EQ(lower(0x10400), V{0x10428}); // Deseret
  EXPECT_EQ(lower(0x130), (V{'i', 0x307}));
  EXPECT_EQ(lower(0x100), V{0x101});
  EXPECT_EQ(lower(0x101), V{0x101});
  EXPECT_EQ(lower(0x1C5), V{0x1C6}); // ǅ (Lt)
  EXPECT_EQ(lower(0x4E00), V{0x4E00});
}

TEST(Unicode, StripAccents) {
  EXPECT_EQ(strip('e'), V{'e'});
  EXPECT_EQ(strip(0xE9), V{'e'});                // é
  EXPECT_EQ(strip(0xC5), V{'A'});                // Å
  EXPECT_EQ(strip(0x1FA), V{'A'});               // Ǻ: A + ring + acute
  EXPECT_EQ(strip(0x1EED), V{'u'});              // ử
  EXPECT_EQ(strip(0xF1), V{'n'});                // ñ
  EXPECT_EQ(strip(0x419), V{0x418});             // Й
  EXPECT_EQ(strip(0x301), V{});                  // a lone combining acute
  EXPECT_EQ(strip(0x212B), V{'A'});              // Å (angstrom sign)
  EXPECT_EQ(strip(0xF900), V{0x8C48});           // CJK compatibility ideograph
  EXPECT_EQ(strip(0xAC00), (V{0x1100, 0x1161})); // 가
  EXPECT_EQ(strip(0xAC01), (V{0x1100, 0x1161, 0x11A8})); // 각
  EXPECT_EQ(strip(0x9CB), (V{0x9C7, 0x9BE}));            // Bengali O
  EXPECT_EQ(strip(0xBD), V{0xBD}); // ½ has only a compatibility decomposition
  EXPECT_EQ(strip(0x17B6), V{0x17B6}); // Mc stays
  EXPECT_EQ(u::combiningClassNonMn(0x1D165), 216);
  V reorder{'x', 0x1D16D, 0x1D165, 'y'}; // classes 226, 216
  u::canonicalReorder(reorder);
  EXPECT_EQ(reorder, (V{'x', 0x1D165, 0x1D16D, 'y'}));
}

} // namespace
} // namespace tessera::tokenizers::test
