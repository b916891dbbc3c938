// WordPiece (BERT uncased) on a small vocab.txt written here.
#include "TestUtil.h"

#include <gtest/gtest.h>

namespace tessera::tokenizers::test {
namespace {

const char *kVocab[] = {"[PAD]",
                        "[UNK]",
                        "[CLS]",
                        "[SEP]",
                        "un",
                        "##aff",
                        "##able",
                        "hello",
                        "world",
                        ",",
                        "!",
                        ".",
                        "##s",
                        "cafe",
                        "\xE6\x88\x91", // 我
                        "'",
                        "t",
                        "don",
                        "a",
                        "##a",
                        "cu",
                        "##a",
                        "viet",
                        "\xE1\x84\x80",
                        "##\xE1\x85\xA1"}; // Hangul jamo ᄀ, ##ᅡ

std::string vocabText() {
  std::string s;
  for (const char *t : kVocab)
    s += std::string(t) + "\n";
  return s;
}

std::unique_ptr<WordPieceTokenizer> make(const WordPieceOptions &o = {}) {
  auto t = WordPieceTokenizer::fromString(vocabText(), o);
  EXPECT_TRUE(t.ok()) << t.error().toString();
  return t.ok() ? std::move(*t) : nullptr;
}

std::vector<std::string> pieces(const WordPieceTokenizer &t,
                                std::string_view text) {
  std::vector<std::string> out;
  for (TokenId id : t.encode(text))
    out.emplace_back(t.idToPiece(id));
  return out;
}

using S = std::vector<std::string>;

TEST(WordPiece, GreedyLongestMatchFirst) {
  auto t = make();
  ASSERT_TRUE(t);
  EXPECT_EQ(pieces(*t, "unaffable"), (S{"un", "##aff", "##able"}));
  EXPECT_EQ(pieces(*t, "hellos world"), (S{"hello", "##s", "world"}));
  // No split of the whole word: the whole word is [UNK].
  EXPECT_EQ(pieces(*t, "unaffablex hello"), (S{"[UNK]", "hello"}));
  EXPECT_EQ(pieces(*t, "aaa"), (S{"a", "##a", "##a"}));
  EXPECT_EQ(t->unkId(), 1);
  EXPECT_EQ(t->clsId(), std::optional<TokenId>(2));
  EXPECT_EQ(t->sepId(), std::optional<TokenId>(3));
  // A repeated token ("##a" at 19 and 21): the last id wins.
  EXPECT_EQ(t->pieceToId("##a"), std::optional<TokenId>(21));
}

TEST(WordPiece, LowerCasesAndStripsAccents) {
  auto t = make();
  ASSERT_TRUE(t);
  EXPECT_EQ(pieces(*t, "HeLLo WORLD"), (S{"hello", "world"}));
  EXPECT_EQ(pieces(*t, "CAF\xC3\x89 caf\x65\xCC\x81"),
            (S{"cafe", "cafe"})); // É, e + U+0301
  EXPECT_EQ(pieces(*t, "C\xE1\xBB\xAD"
                       "a Vi\xE1\xBB\x87t"),
            (S{"cu", "##a", "viet"}));
  EXPECT_EQ(pieces(*t, "\xEA\xB0\x80"),
            (S{"\xE1\x84\x80", "##\xE1\x85\xA1"})); // 가 -> jamo
  WordPieceOptions cased;
  cased.lowerCase = false;
  auto c = make(cased);
  ASSERT_TRUE(c);
  EXPECT_EQ(pieces(*c, "Hello hello caf\xC3\xA9"),
            (S{"[UNK]", "hello", "[UNK]"}));
}

TEST(WordPiece, SplitsPunctuationAndCjk) {
  auto t = make();
  ASSERT_TRUE(t);
  EXPECT_EQ(pieces(*t, "hello,world!"), (S{"hello", ",", "world", "!"}));
  EXPECT_EQ(pieces(*t, "don't"), (S{"don", "'", "t"}));
  EXPECT_EQ(pieces(*t, "hello\xE6\x88\x91\xE6\x88\x91world"),
            (S{"hello", "\xE6\x88\x91", "\xE6\x88\x91", "world"}));
  // "$" is ASCII punctuation (not P*); "\xE3\x80\x82" (。) is Po.
  EXPECT_EQ(t->basicTokenize("a$b\xE3\x80\x82"
                             "c"),
            (S{"a", "$", "b", "\xE3\x80\x82", "c"}));
  // "～" (Sm) is not punctuation.
  EXPECT_EQ(t->basicTokenize("a\xEF\xBD\x9E"
                             "b"),
            (S{"a\xEF\xBD\x9E"
               "b"}));
}

TEST(WordPiece, CleansControlsAndWhitespace) {
  auto t = make();
  ASSERT_TRUE(t);
  EXPECT_EQ(pieces(*t, "hel\x01lo"), (S{"hello"}));
  EXPECT_EQ(pieces(*t, "hel\xE2\x80\x8Dlo"), (S{"hello"})); // ZWJ (Cf)
  EXPECT_EQ(pieces(*t, "hel\xEF\xBF\xBDlo"), (S{"hello"})); // U+FFFD
  EXPECT_EQ(pieces(*t, std::string("hel\0lo", 6)), (S{"hello"}));
  EXPECT_EQ(pieces(*t, "hello\xE3\x80\x80world\t\r\nhello\xC2\xA0world"),
            (S{"hello", "world", "hello", "world"}));
  EXPECT_EQ(pieces(*t, " \n\t "), S{});
  EXPECT_EQ(pieces(*t, ""), S{});
  EXPECT_EQ(pieces(*t, "hel\xFFlo"),
            (S{"hello"})); // invalid UTF-8 is U+FFFD, removed
}

TEST(WordPiece, LongWordsAreUnknown) {
  auto t = make();
  ASSERT_TRUE(t);
  std::string a100(100, 'a'), a101(101, 'a');
  std::vector<TokenId> ids = t->encode(a100);
  ASSERT_EQ(ids.size(), 100u);
  EXPECT_EQ(ids.front(), 18);
  EXPECT_EQ(ids.back(), 21);
  EXPECT_EQ(pieces(*t, a101), (S{"[UNK]"}));
  WordPieceOptions shorter;
  shorter.maxInputCharsPerWord = 3;
  auto s = make(shorter);
  ASSERT_TRUE(s);
  EXPECT_EQ(pieces(*s, "aaa aaaa"), (S{"a", "##a", "##a", "[UNK]"}));
  // Characters are counted, not bytes: 가 is 2 characters (after NFD), 6 bytes.
  EXPECT_EQ(pieces(*s, "\xEA\xB0\x80"), (S{"\xE1\x84\x80", "##\xE1\x85\xA1"}));
}

TEST(WordPiece, Decode) {
  auto t = make();
  ASSERT_TRUE(t);
  EXPECT_EQ(*t->decode(t->encode("Hellos, world!")), "hellos, world!");
  EXPECT_EQ(*t->decode(t->encode("unaffable don't")), "unaffable don't");
  EXPECT_EQ(*t->decode({2, 7, 3}), "[CLS] hello [SEP]");
  EXPECT_EQ(t->decode({-1}).error().code, ErrorCode::InvalidId);
  EXPECT_EQ(t->decode({TokenId(t->vocabSize())}).error().code,
            ErrorCode::InvalidId);
}

TEST(WordPiece, LoadErrors) {
  auto noUnk = WordPieceTokenizer::fromString("a\nb\n");
  ASSERT_FALSE(noUnk.ok());
  EXPECT_EQ(noUnk.error().code, ErrorCode::Malformed);
  EXPECT_NE(noUnk.error().message.find("[UNK]"), std::string::npos);
  EXPECT_FALSE(WordPieceTokenizer::fromString("").ok());
  auto bad = WordPieceTokenizer::fromString("[UNK]\nab\xC3\n");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("vocab.txt:2: invalid UTF-8"),
            std::string::npos);
  auto crlf = WordPieceTokenizer::fromString("[UNK]\r\nhello \r\nworld");
  ASSERT_TRUE(crlf.ok());
  EXPECT_EQ((*crlf)->vocabSize(), 3u);
  EXPECT_EQ((*crlf)->encode("hello world"), (std::vector<TokenId>{1, 2}));
  WordPieceOptions zero;
  zero.maxInputCharsPerWord = 0;
  EXPECT_EQ(WordPieceTokenizer::fromString(vocabText(), zero).error().code,
            ErrorCode::Unsupported);
  auto missing = WordPieceTokenizer::load("/nonexistent/vocab.txt");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::FileNotFound);
  EXPECT_NE(
      missing.error().toString().find("FileNotFound: /nonexistent/vocab.txt"),
      std::string::npos);
}

} // namespace
} // namespace tessera::tokenizers::test
