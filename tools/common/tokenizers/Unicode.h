//===- Unicode.h - Unicode character properties -----------------*- C++ -*-===//
//
// Unicode character properties the tokenizers need, from tables generated
// by gen_unicode_tables.py (Python's unicodedata; unicodeVersion() says
// which Unicode version, 14.0.0 with Debian 12's Python 3.11).
//
//===----------------------------------------------------------------------===//
#ifndef TESSERA_TOOLS_COMMON_TOKENIZERS_UNICODE_H
#define TESSERA_TOOLS_COMMON_TOKENIZERS_UNICODE_H

#include <cstdint>
#include <string>
#include <vector>

namespace tessera::tokenizers::unicode {

// General_Category values, in the order of the generated table.
enum class Category : uint8_t {
  Lu,
  Ll,
  Lt,
  Lm,
  Lo,
  Mn,
  Mc,
  Me,
  Nd,
  Nl,
  No,
  Pc,
  Pd,
  Ps,
  Pe,
  Pi,
  Pf,
  Po,
  Sm,
  Sc,
  Sk,
  So,
  Zs,
  Zl,
  Zp,
  Cc,
  Cf,
  Cs,
  Co,
  Cn,
};

const char *unicodeVersion();

// Cn for an unassigned code point and for anything over U+10FFFF.
Category category(uint32_t cp);
bool isLetter(uint32_t cp);         // L*  (regex \p{L})
bool isNumber(uint32_t cp);         // N*  (regex \p{N})
bool isPunctuation(uint32_t cp);    // P*
bool isNonspacingMark(uint32_t cp); // Mn
bool isOther(uint32_t cp);          // C*  (Cc Cf Cs Co Cn)
bool isWhiteSpace(uint32_t cp);     // the White_Space property (regex \s)

// Appends the full lower-case mapping of cp (one code point, or more for
// U+0130), character by character (no final-sigma context).
void appendLower(uint32_t cp, std::vector<uint32_t> &out);

// Appends the canonical decomposition (NFD) of cp with the nonspacing marks
// (Mn) removed: "é" -> "e", a Hangul syllable -> its jamo, a lone Mn ->
// nothing. The characters this leaves with a nonzero combining class (25
// spacing marks) keep their order: combine with canonicalReorder for NFD's
// reordering of them.
void appendStripAccents(uint32_t cp, std::vector<uint32_t> &out);

// Canonical combining class, for the characters that appendStripAccents can
// leave (0 for every other character, Mn included).
uint8_t combiningClassNonMn(uint32_t cp);

// NFD's canonical ordering, restricted to the characters combiningClassNonMn
// knows: stable-sorts each run of nonzero-class characters by class.
void canonicalReorder(std::vector<uint32_t> &cps);

} // namespace tessera::tokenizers::unicode

#endif
