#include "tools/common/tokenizers/Unicode.h"

#include <algorithm>
#include <cstddef>

namespace tessera::tokenizers::unicode {
namespace {

// {first, count, stride, target, targetStride}: maps first + k*stride to
// target + k*targetStride for k < count.
struct CaseRun {
  uint32_t first;
  uint32_t count;
  uint32_t stride;
  uint32_t target;
  uint32_t targetStride;
};

struct MultiMap {
  uint32_t cp;
  uint32_t count;
  uint32_t cps[3];
};

#include "tools/common/tokenizers/UnicodeTables.inc"

constexpr size_t kNumCategoryRuns =
    sizeof(kCategoryRuns) / sizeof(kCategoryRuns[0]);

// The run whose range contains cp, or nullptr.
template <size_t N>
const CaseRun *findRun(const CaseRun (&runs)[N], uint32_t cp) {
  // The last run whose first <= cp.
  const CaseRun *it =
      std::upper_bound(runs, runs + N, cp, [](uint32_t v, const CaseRun &r) {
        return v < r.first;
      });
  if (it == runs)
    return nullptr;
  --it;
  uint32_t off = cp - it->first;
  if (off % it->stride != 0 || off / it->stride >= it->count)
    return nullptr;
  return it;
}

template <size_t N>
const MultiMap *findMulti(const MultiMap (&maps)[N], uint32_t cp) {
  const MultiMap *it =
      std::lower_bound(maps, maps + N, cp,
                       [](const MultiMap &m, uint32_t v) { return m.cp < v; });
  return it != maps + N && it->cp == cp ? it : nullptr;
}

uint32_t runTarget(const CaseRun &r, uint32_t cp) {
  return r.target + (cp - r.first) / r.stride * r.targetStride;
}

// Hangul syllable algorithm (Unicode chapter 3.12).
constexpr uint32_t kSBase = 0xAC00, kLBase = 0x1100, kVBase = 0x1161,
                   kTBase = 0x11A7, kVCount = 21, kTCount = 28,
                   kNCount = kVCount * kTCount, kSCount = 19 * kNCount;

} // namespace

const char *unicodeVersion() { return kUnicodeVersion; }

Category category(uint32_t cp) {
  if (cp > 0x10FFFF)
    return Category::Cn;
  // Entries are (first << 8) | category: the last entry <= (cp << 8 | 0xFF).
  uint32_t key = (cp << 8) | 0xFF;
  const uint32_t *it =
      std::upper_bound(kCategoryRuns, kCategoryRuns + kNumCategoryRuns, key);
  if (it == kCategoryRuns)
    return Category::Cn;
  return static_cast<Category>(*(it - 1) & 0xFF);
}

bool isLetter(uint32_t cp) {
  Category c = category(cp);
  return c >= Category::Lu && c <= Category::Lo;
}

bool isNumber(uint32_t cp) {
  Category c = category(cp);
  return c >= Category::Nd && c <= Category::No;
}

bool isPunctuation(uint32_t cp) {
  Category c = category(cp);
  return c >= Category::Pc && c <= Category::Po;
}

bool isNonspacingMark(uint32_t cp) { return category(cp) == Category::Mn; }

bool isOther(uint32_t cp) { return category(cp) >= Category::Cc; }

bool isWhiteSpace(uint32_t cp) {
  return std::binary_search(std::begin(kWhiteSpace), std::end(kWhiteSpace), cp);
}

void appendLower(uint32_t cp, std::vector<uint32_t> &out) {
  if (cp < 0x80) {
    out.push_back(cp >= 'A' && cp <= 'Z' ? cp + 32 : cp);
    return;
  }
  if (const MultiMap *m = findMulti(kLowerSpecial, cp)) {
    out.insert(out.end(), m->cps, m->cps + m->count);
    return;
  }
  if (const CaseRun *r = findRun(kLowerRuns, cp)) {
    out.push_back(runTarget(*r, cp));
    return;
  }
  out.push_back(cp);
}

void appendStripAccents(uint32_t cp, std::vector<uint32_t> &out) {
  if (cp < 0xC0) { // nothing below U+00C0 decomposes
    out.push_back(cp);
    return;
  }
  if (cp >= kSBase && cp < kSBase + kSCount) {
    uint32_t s = cp - kSBase;
    out.push_back(kLBase + s / kNCount);
    out.push_back(kVBase + (s % kNCount) / kTCount);
    if (s % kTCount != 0)
      out.push_back(kTBase + s % kTCount);
    return;
  }
  if (isNonspacingMark(cp))
    return;
  if (const MultiMap *m = findMulti(kStripMulti, cp)) {
    out.insert(out.end(), m->cps, m->cps + m->count);
    return;
  }
  if (const CaseRun *r = findRun(kStripRuns, cp)) {
    out.push_back(runTarget(*r, cp));
    return;
  }
  out.push_back(cp);
}

uint8_t combiningClassNonMn(uint32_t cp) {
  for (const auto &e : kCombiningNonMn)
    if (e[0] == cp)
      return static_cast<uint8_t>(e[1]);
  return 0;
}

void canonicalReorder(std::vector<uint32_t> &cps) {
  for (size_t i = 0; i < cps.size();) {
    if (cps[i] < 0x1700 || combiningClassNonMn(cps[i]) == 0) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < cps.size() && combiningClassNonMn(cps[j]) != 0)
      ++j;
    std::stable_sort(cps.begin() + i, cps.begin() + j,
                     [](uint32_t a, uint32_t b) {
                       return combiningClassNonMn(a) < combiningClassNonMn(b);
                     });
    i = j;
  }
}

} // namespace tessera::tokenizers::unicode
