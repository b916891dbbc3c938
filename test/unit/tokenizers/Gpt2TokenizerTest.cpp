// GPT-2 byte-level BPE on a small vocabulary written here: the 256 byte
// symbols plus a few merges.
#include "TestUtil.h"

#include <gtest/gtest.h>

#include <random>

namespace tessera::tokenizers::test {
namespace {

using Pieces = std::vector<std::string>;

std::string jsonString(const std::string &s) {
  std::string o = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\')
      o.push_back('\\');
    o.push_back(c);
  }
  return o + "\"";
}

// The GPT-2 spelling of a byte string ("Ġ" for a space, ...).
std::string g(std::string_view bytes) {
  auto map = Gpt2Tokenizer::byteToUnicode();
  std::string s;
  for (unsigned char b : bytes)
    appendUtf8(s, map[b]);
  return s;
}

struct SmallVocab {
  std::string encoder, merges;
  std::vector<std::string> tokens; // by id
};

// The 256 byte symbols as ids 0..255 (in byte order), then each merge's
// result in order. merges are given as byte strings "left right".
SmallVocab
makeVocab(const std::vector<std::pair<std::string, std::string>> &merges) {
  SmallVocab v;
  for (int b = 0; b < 256; ++b)
    v.tokens.push_back(g(std::string(1, char(b))));
  v.merges = "#version: 0.2\n";
  for (const auto &[l, r] : merges) {
    v.merges += g(l) + " " + g(r) + "\n";
    std::string m = g(l + r);
    bool seen = false;
    for (const auto &t : v.tokens)
      seen = seen || t == m;
    if (!seen)
      v.tokens.push_back(m);
  }
  v.tokens.push_back("<|endoftext|>");
  v.encoder = "{";
  for (size_t i = 0; i < v.tokens.size(); ++i)
    v.encoder +=
        (i ? ", " : "") + jsonString(v.tokens[i]) + ": " + std::to_string(i);
  v.encoder += "}";
  return v;
}

std::unique_ptr<Gpt2Tokenizer> build(const SmallVocab &v) {
  auto t = Gpt2Tokenizer::fromStrings(v.encoder, v.merges);
  EXPECT_TRUE(t.ok()) << t.error().toString();
  return t.ok() ? std::move(*t) : nullptr;
}

std::vector<std::string> pieces(const Gpt2Tokenizer &t,
                                const std::vector<TokenId> &ids) {
  std::vector<std::string> out;
  for (TokenId id : ids)
    out.emplace_back(t.idToPiece(id));
  return out;
}

std::vector<std::string> pre(std::string_view s) {
  std::vector<std::string> out;
  for (std::string_view p : Gpt2Tokenizer::preTokenize(s))
    out.emplace_back(p);
  return out;
}

TEST(Gpt2PreTokenizer, MatchesTheGpt2Regex) {
  EXPECT_EQ(pre(""), Pieces{});
  EXPECT_EQ(pre("Hello world"), (Pieces{"Hello", " world"}));
  EXPECT_EQ(pre(" Hello"), (Pieces{" Hello"}));
  EXPECT_EQ(pre("  Hello"), (Pieces{" ", " Hello"}));
  EXPECT_EQ(pre("    Hello\n    Hello"),
            (Pieces{"   ", " Hello", "\n   ", " Hello"}));
  EXPECT_EQ(pre("x   "), (Pieces{"x", "   "}));
  EXPECT_EQ(pre("\t\tx"), (Pieces{"\t", "\t", "x"}));
  EXPECT_EQ(pre("\n =\n"), (Pieces{"\n", " =", "\n"}));
  EXPECT_EQ(pre("a \t b"), (Pieces{"a", " \t", " b"}));
  // Contractions, case-sensitive, before anything else.
  EXPECT_EQ(pre("I'm we're they'll it's he'd you've don't"),
            (Pieces{"I", "'m", " we", "'re", " they", "'ll", " it", "'s", " he",
                    "'d", " you", "'ve", " don", "'t"}));
  EXPECT_EQ(pre("'RE 'x ' era"), (Pieces{"'", "RE", " '", "x", " '", " era"}));
  EXPECT_EQ(pre("!'s"), (Pieces{"!'", "s"}));
  // Letters, numbers and the rest, each with at most one leading space.
  EXPECT_EQ(pre("w048 7tuijk"), (Pieces{"w", "048", " 7", "tuijk"}));
  EXPECT_EQ(pre("3.14 ½"), (Pieces{"3", ".", "14", " ½"}));
  EXPECT_EQ(pre("héllo wörld нещо"), (Pieces{"héllo", " wörld", " нещо"}));
  EXPECT_EQ(pre("a!!!  ??b"), (Pieces{"a", "!!!", " ", " ??", "b"}));
  EXPECT_EQ(pre("我想在apple工作"), (Pieces{"我想在apple工作"}));
  // U+3000 is \s; U+200B (Cf) is not.
  EXPECT_EQ(pre("a\xE3\x80\x80"
                "b"),
            (Pieces{"a", "\xE3\x80\x80", "b"}));
  EXPECT_EQ(pre("a\xE2\x80\x8B"
                "b"),
            (Pieces{"a", "\xE2\x80\x8B", "b"}));
  // Invalid UTF-8 bytes are "other" characters, one byte each.
  EXPECT_EQ(pre("a\xFF\xFE b"), (Pieces{"a", "\xFF\xFE", " b"}));
}

TEST(Gpt2PreTokenizer, PiecesCoverTheText) {
  std::mt19937 rng(7);
  const char *alphabet[] = {
      "a",    "Z",   "3", " ", "  ", "\t",           "\n",
      "'",    "'s",  "!", "é", "½",  "\xE3\x80\x80", "\xF0\x9F\xA6\x99",
      "\xFF", "\xC3"};
  for (int iter = 0; iter < 500; ++iter) {
    std::string s;
    int n = rng() % 20;
    for (int i = 0; i < n; ++i)
      s += alphabet[rng() % (sizeof alphabet / sizeof *alphabet)];
    std::string joined;
    for (std::string_view p : Gpt2Tokenizer::preTokenize(s)) {
      EXPECT_FALSE(p.empty());
      joined += p;
    }
    EXPECT_EQ(joined, s);
  }
}

TEST(Gpt2Tokenizer, ByteToUnicodeIsGpt2s) {
  auto map = Gpt2Tokenizer::byteToUnicode();
  EXPECT_EQ(map['A'], uint32_t('A'));
  EXPECT_EQ(map[' '], 0x120u);  // Ġ
  EXPECT_EQ(map['\n'], 0x10Au); // Ċ
  EXPECT_EQ(map[0], 0x100u);
  EXPECT_EQ(map[0xAD], 0x143u);
  std::vector<uint32_t> sorted(map.begin(), map.end());
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(std::unique(sorted.begin(), sorted.end()), sorted.end());
}

TEST(Gpt2Tokenizer, MergesByRank) {
  auto t = build(makeVocab(
      {{" ", "t"}, {"h", "e"}, {" t", "he"}, {"l", "l"}, {"ll", "o"}}));
  ASSERT_TRUE(t);
  EXPECT_EQ(t->vocabSize(), 256u + 5 + 1);
  EXPECT_EQ(t->numMerges(), 5u);
  EXPECT_EQ(pieces(*t, t->encode(" the")), (Pieces{g(" the")}));
  EXPECT_EQ(pieces(*t, t->encode("the")), (Pieces{"t", "he"}));
  EXPECT_EQ(pieces(*t, t->encode("hello")), (Pieces{"he", "llo"}));
  EXPECT_EQ(pieces(*t, t->encode(" hello the")),
            (Pieces{g(" "), "he", "llo", g(" the")}));
  EXPECT_EQ(t->endOfTextId(), std::optional<TokenId>(261));
  // "<|endoftext|>" in the text is plain text.
  EXPECT_EQ(t->encode("<|endoftext|>").size(), 13u);
}

TEST(Gpt2Tokenizer, LowerRankWinsAndLeftmostBreaksTies) {
  auto ab = build(makeVocab({{"a", "b"}, {"b", "c"}}));
  auto bc = build(makeVocab({{"b", "c"}, {"a", "b"}}));
  ASSERT_TRUE(ab && bc);
  EXPECT_EQ(pieces(*ab, ab->encode("abc")), (Pieces{"ab", "c"}));
  EXPECT_EQ(pieces(*bc, bc->encode("abc")), (Pieces{"a", "bc"}));
  auto aa = build(makeVocab({{"a", "a"}}));
  ASSERT_TRUE(aa);
  EXPECT_EQ(pieces(*aa, aa->encode("aaa")), (Pieces{"aa", "a"}));
  EXPECT_EQ(pieces(*aa, aa->encode("aaaa")), (Pieces{"aa", "aa"}));
}

TEST(Gpt2Tokenizer, RoundTripsAnyBytes) {
  auto t = build(
      makeVocab({{" ", "t"}, {"h", "e"}, {" t", "he"}, {"\xC3", "\xA9"}}));
  ASSERT_TRUE(t);
  std::mt19937 rng(11);
  for (int iter = 0; iter < 300; ++iter) {
    std::string s;
    int n = rng() % 40;
    for (int i = 0; i < n; ++i)
      s.push_back(rng() % 3 ? " the\xC3\xA9xyz\n'"[rng() % 11]
                            : char(rng() % 256));
    auto back = t->decode(t->encode(s));
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(*back, s);
  }
  EXPECT_EQ(pieces(*t, t->encode("\xC3\xA9")), (Pieces{g("\xC3\xA9")}));
}

TEST(Gpt2Tokenizer, DecodeRejectsUnknownIds) {
  auto t = build(makeVocab({}));
  ASSERT_TRUE(t);
  EXPECT_EQ(t->decode({-1}).error().code, ErrorCode::InvalidId);
  EXPECT_EQ(t->decode({TokenId(t->vocabSize())}).error().code,
            ErrorCode::InvalidId);
  EXPECT_EQ(*t->decode({72, 105}), "Hi");
  EXPECT_EQ(t->idToPiece(-5), "");
  EXPECT_FALSE(t->pieceToId("nope").has_value());
}

TEST(Gpt2Tokenizer, JsonEscapes) {
  SmallVocab v = makeVocab({});
  // "\u0120x" is "Ġx"; a surrogate pair; an escaped quote.
  v.encoder.pop_back();
  v.encoder +=
      ", \"\\u0120x\": 300, \"\\ud83e\\udd99\": 301, \"a\\\"b\\\\\\/\": 302}";
  v.merges += g(" ") + " x\n";
  auto t = Gpt2Tokenizer::fromStrings(v.encoder, v.merges);
  ASSERT_TRUE(t.ok()) << t.error().toString();
  EXPECT_EQ((*t)->pieceToId(g(" x")), std::optional<TokenId>(300));
  EXPECT_EQ((*t)->pieceToId("\xF0\x9F\xA6\x99"), std::optional<TokenId>(301));
  EXPECT_EQ((*t)->pieceToId("a\"b\\/"), std::optional<TokenId>(302));
  EXPECT_EQ((*t)->encode(" x"), std::vector<TokenId>{300});
  EXPECT_FALSE((*t)->idToPiece(299).size()); // ids may have gaps
  EXPECT_EQ((*t)->decode({299}).error().code, ErrorCode::InvalidId);
}

void expectLoadError(const std::string &encoder, const std::string &merges,
                     const std::string &needle) {
  auto t = Gpt2Tokenizer::fromStrings(encoder, merges);
  ASSERT_FALSE(t.ok()) << "expected an error mentioning " << needle;
  EXPECT_EQ(t.error().code, ErrorCode::Malformed);
  EXPECT_NE(t.error().message.find(needle), std::string::npos)
      << t.error().message;
}

TEST(Gpt2Tokenizer, LoadErrors) {
  SmallVocab v = makeVocab({{"a", "b"}});
  std::string enc = v.encoder;
  std::string withoutBrace = enc.substr(0, enc.size() - 1);
  expectLoadError("[1, 2]", v.merges, "expected '{'");
  expectLoadError(withoutBrace, v.merges, "expected ',' or '}'");
  expectLoadError(enc + " x", v.merges, "unexpected data after the object");
  expectLoadError(withoutBrace + ", \"qq\": 1.5}", v.merges,
                  "expected an integer");
  expectLoadError(withoutBrace + ", \"qq\": \"7\"}", v.merges,
                  "expected an integer");
  expectLoadError(withoutBrace + ", \"qq\": -3}", v.merges, "negative token id");
  expectLoadError(withoutBrace + ", \"qq\": 99999999999}", v.merges,
                  "token id too large");
  expectLoadError(withoutBrace + ", \"qq\": 5}", v.merges, "used twice");
  expectLoadError(withoutBrace + ", \"qq\": 16777216}", v.merges,
                  "token id too large: 16777216");
  expectLoadError(withoutBrace + ", \"qq\": 9000}", v.merges, "too sparse");
  expectLoadError(withoutBrace + ", \"a\": 900}", v.merges, "listed twice");
  expectLoadError(withoutBrace + ", \"\\ud800\": 900}", v.merges, "surrogate");
  expectLoadError(withoutBrace + ", \"\\x\": 900}", v.merges, "unknown escape");
  expectLoadError(withoutBrace + ", \"\xC3\": 900}", v.merges, "invalid UTF-8");
  expectLoadError("{\"a\": 0}", "", "no token for byte 0x00");
  expectLoadError(enc, "#version: 0.2\na b c\n",
                  "vocab.bpe:2: expected two symbols");
  expectLoadError(enc, "a\n", "vocab.bpe:1: expected two symbols");
  expectLoadError(enc, "a  b\n", "expected two symbols");
  expectLoadError(enc, "a q\xC3\n", "not in the vocabulary");
  expectLoadError(enc, "b a\n",
                  "the merged symbol \"ba\" is not in the vocabulary");
  auto missing = Gpt2Tokenizer::load("/nonexistent/encoder.json",
                                     "/nonexistent/vocab.bpe");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::FileNotFound);
}

TEST(Gpt2Tokenizer, TruncatedFilesAreErrorsNotCrashes) {
  SmallVocab v = makeVocab({{"a", "b"}, {"ab", "c"}});
  for (size_t n = 0; n + 1 < v.encoder.size(); n += 7)
    EXPECT_FALSE(
        Gpt2Tokenizer::fromStrings(v.encoder.substr(0, n), v.merges).ok())
        << n;
  for (size_t n = 0; n < v.merges.size();
       ++n) // a cut merges file is still a merges file or an error
    (void)Gpt2Tokenizer::fromStrings(v.encoder, v.merges.substr(0, n));
  // CRLF line ends are accepted.
  std::string crlf = "#version: 0.2\r\na b\r\n";
  EXPECT_TRUE(Gpt2Tokenizer::fromStrings(v.encoder, crlf).ok());
}

} // namespace
} // namespace tessera::tokenizers::test
