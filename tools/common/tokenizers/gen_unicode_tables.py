#!/usr/bin/python3
"""Generates UnicodeTables.inc for the Tessera tokenizers.

Usage: /usr/bin/python3 gen_unicode_tables.py [OUTPUT]   (default: UnicodeTables.inc
next to this script)
       /usr/bin/python3 gen_unicode_tables.py --check FILE
           exits 1 when FILE differs from what this interpreter generates;
           says "skipped" and exits 0 when its Unicode version is not FILE's.

Everything comes from Python's own unicodedata module, so the Unicode version
of the tables is unicodedata.unidata_version of the interpreter that ran this
(Debian 12's /usr/bin/python3 3.11: Unicode 14.0.0); it is written into the
output as kUnicodeVersion. The tables:

  kCategoryRuns   the General_Category of every code point 0..0x10FFFF as runs:
                  each entry is (first code point << 8) | category index, the
                  category lasting until the next entry's first code point.
                  Unassigned code points are Cn. Used for \\p{L}, \\p{N} (GPT-2
                  pre-tokenizer), P* (BERT punctuation), Mn (accent stripping)
                  and C* (BERT control characters).
  kWhiteSpace     the White_Space property (PropList.txt). unicodedata has no
                  accessor for it, so the list is written out below; it has
                  not changed since Unicode 6.
  kLowerRuns      per-character full lower-case mapping (str.lower() of one
                  character, so no context-dependent final sigma), as runs
                  {first, count, stride, target, targetStride}: the k-th entry
                  of a run maps first + k*stride to target + k*targetStride.
  kLowerSpecial   the mappings to more than one code point (U+0130 only).
  kStripRuns      for every character that is not itself Mn: its canonical
                  decomposition (NFD) with the nonspacing marks (Mn) removed,
                  where that differs from the character and is one code point;
                  same run format as kLowerRuns. Hangul syllables are left out
                  (decomposed algorithmically in Unicode.cpp).
  kStripMulti     the same where the result is 2..3 code points.
  kCombiningNonMn canonical combining class of the characters that have a
                  nonzero class and are not Mn (they survive accent stripping
                  and NFD reorders them).
"""
import os
import sys
import unicodedata as ud

CATEGORIES = ["Lu", "Ll", "Lt", "Lm", "Lo", "Mn", "Mc", "Me", "Nd", "Nl", "No",
              "Pc", "Pd", "Ps", "Pe", "Pi", "Pf", "Po", "Sm", "Sc", "Sk", "So",
              "Zs", "Zl", "Zp", "Cc", "Cf", "Cs", "Co", "Cn"]

WHITE_SPACE = [0x0009, 0x000A, 0x000B, 0x000C, 0x000D, 0x0020, 0x0085, 0x00A0,
               0x1680, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006,
               0x2007, 0x2008, 0x2009, 0x200A, 0x2028, 0x2029, 0x202F, 0x205F,
               0x3000]

MAX_CP = 0x110000


def is_hangul_syllable(cp):
    return 0xAC00 <= cp <= 0xD7A3


def compress(pairs):
    """pairs: sorted (cp, target). Greedy runs {first, count, stride, target, tstride}."""
    runs = []
    i = 0
    while i < len(pairs):
        cp, t = pairs[i]
        best = (1, 1, 0)
        for stride in (1, 2):
            if i + 1 >= len(pairs) or pairs[i + 1][0] != cp + stride:
                continue
            tstride = pairs[i + 1][1] - t
            if tstride not in (0, 1, 2):
                continue
            n = 1
            while (i + n < len(pairs) and pairs[i + n][0] == cp + n * stride
                   and pairs[i + n][1] == t + n * tstride):
                n += 1
            if n > best[0]:
                best = (n, stride, tstride)
        n, stride, tstride = best
        runs.append((cp, n, stride, t, tstride))
        i += n
    return runs


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    check = len(sys.argv) > 2 and sys.argv[1] == "--check"
    if check:
        out_path = sys.argv[2]
    else:
        out_path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "UnicodeTables.inc")

    cat_runs = []
    prev = None
    for cp in range(MAX_CP):
        c = CATEGORIES.index(ud.category(chr(cp)))
        if c != prev:
            cat_runs.append((cp << 8) | c)
            prev = c

    lower, lower_special = [], []
    for cp in range(MAX_CP):
        ch = chr(cp)
        lo = ch.lower()
        if lo == ch:
            continue
        if len(lo) == 1:
            lower.append((cp, ord(lo)))
        else:
            lower_special.append((cp, [ord(x) for x in lo]))

    strip, strip_multi = [], []
    for cp in range(MAX_CP):
        ch = chr(cp)
        if is_hangul_syllable(cp) or ud.category(ch) == "Mn":
            continue
        d = "".join(x for x in ud.normalize("NFD", ch) if ud.category(x) != "Mn")
        if d == ch:
            continue
        if len(d) == 1:
            strip.append((cp, ord(d)))
        else:
            assert 2 <= len(d) <= 3, (hex(cp), d)
            strip_multi.append((cp, [ord(x) for x in d]))

    ccc_non_mn = [(cp, ud.combining(chr(cp))) for cp in range(MAX_CP)
                  if ud.combining(chr(cp)) and ud.category(chr(cp)) != "Mn"]

    lines = []
    w = lines.append
    w("// Generated by tools/common/tokenizers/gen_unicode_tables.py from Python's")
    w("// unicodedata (Unicode %s). Do not edit; rerun the script instead." % ud.unidata_version)
    w("// NOLINTBEGIN")
    w('static constexpr const char kUnicodeVersion[] = "%s";' % ud.unidata_version)
    w("// Category order: " + " ".join(CATEGORIES))
    w("static constexpr uint32_t kCategoryRuns[%d] = {" % len(cat_runs))
    for i in range(0, len(cat_runs), 8):
        w("  " + ", ".join("0x%x" % v for v in cat_runs[i:i + 8]) + ",")
    w("};")
    w("static constexpr uint32_t kWhiteSpace[%d] = {" % len(WHITE_SPACE))
    w("  " + ", ".join("0x%x" % v for v in WHITE_SPACE) + ",")
    w("};")

    def emit_runs(name, runs):
        w("static constexpr CaseRun %s[%d] = {" % (name, len(runs)))
        for i in range(0, len(runs), 4):
            w("  " + " ".join("{0x%x, %d, %d, 0x%x, %d}," % r for r in runs[i:i + 4]))
        w("};")

    def emit_multi(name, entries):
        w("static constexpr MultiMap %s[%d] = {" % (name, len(entries)))
        for cp, seq in entries:
            seq = seq + [0] * (3 - len(seq))
            w("  {0x%x, %d, {0x%x, 0x%x, 0x%x}}," % (cp, len([s for s in seq if s]), *seq))
        w("};")

    emit_runs("kLowerRuns", compress(lower))
    emit_multi("kLowerSpecial", lower_special)
    emit_runs("kStripRuns", compress(strip))
    emit_multi("kStripMulti", strip_multi)
    w("static constexpr uint32_t kCombiningNonMn[%d][2] = {" % len(ccc_non_mn))
    for i in range(0, len(ccc_non_mn), 6):
        w("  " + " ".join("{0x%x, %d}," % p for p in ccc_non_mn[i:i + 6]))
    w("};")
    w("// NOLINTEND")
    text = "\n".join(lines) + "\n"
    if check:
        with open(out_path, encoding="ascii") as f:
            old = f.read()
        if old == text:
            print("%s is up to date (Unicode %s)" % (out_path, ud.unidata_version))
            return 0
        if ('(Unicode %s)' % ud.unidata_version) not in old.split("\n", 2)[1]:
            print("skipped: this Python has Unicode %s, %s was generated from another version"
                  % (ud.unidata_version, out_path))
            return 0
        print("%s is out of date: rerun %s" % (out_path, os.path.basename(__file__)))
        return 1
    with open(out_path, "w", encoding="ascii") as f:
        f.write(text)
    print("wrote %s: Unicode %s, %d category runs, %d+%d lower runs, %d+%d strip runs"
          % (out_path, ud.unidata_version, len(cat_runs), len(compress(lower)),
             len(lower_special), len(compress(strip)), len(strip_multi)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
