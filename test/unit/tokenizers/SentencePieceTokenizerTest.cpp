// SentencePiece BPE on small vocabularies written here, in llama2.c's
// tokenizer.bin format and as a SentencePiece ModelProto; plus a check of the
// heap-based merge loop against llama2.c's plain rescanning loop.
#include "TestUtil.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>

namespace tessera::tokenizers::test {
namespace {

using Type = SentencePieceTokenizer::PieceType;
const std::string kSp = "\xE2\x96\x81"; // U+2581

struct P {
  std::string text;
  float score;
  Type type = Type::Normal;
};

// <unk>, <s>, </s>, <0x00>..<0xFF>, then these (spaces as ' ').
std::vector<P> normalPieces() {
  return {{" ", -100}, {"a", -101}, {"b", -102}, {"c", -103}, {"<", -104},
          {"s", -105}, {">", -106}, {"ab", -1},  {" a", -2},  {" ab", -0.5f},
          {"bc", -1},  {"<s", -3},  {"  ", -4}};
}

std::vector<P> fullVocab(bool modelProto) {
  std::vector<P> v;
  v.push_back({"<unk>", 0, Type::Unknown});
  v.push_back({modelProto ? "<s>" : "\n<s>\n", 0, Type::Control});
  v.push_back({modelProto ? "</s>" : "\n</s>\n", 0, Type::Control});
  for (int b = 0; b < 256; ++b) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "<0x%02X>", b);
    v.push_back({buf, 0, Type::Byte});
  }
  for (P p : normalPieces()) {
    if (modelProto) {
      std::string t;
      for (char c : p.text)
        t += c == ' ' ? kSp : std::string(1, c);
      p.text = t;
    }
    v.push_back(p);
  }
  return v;
}

void putI32(std::string &o, int32_t v) {
  uint32_t u;
  std::memcpy(&u, &v, 4);
  for (int i = 0; i < 4; ++i)
    o.push_back(char(u >> (8 * i)));
}
void putF32(std::string &o, float f) {
  int32_t v;
  std::memcpy(&v, &f, 4);
  putI32(o, v);
}

std::string llama2cBytes(const std::vector<P> &pieces, int32_t maxLen = -1) {
  if (maxLen < 0) {
    maxLen = 0;
    for (const P &p : pieces)
      maxLen = std::max<int32_t>(maxLen, int32_t(p.text.size()));
  }
  std::string o;
  putI32(o, maxLen);
  for (const P &p : pieces) {
    putF32(o, p.score);
    putI32(o, int32_t(p.text.size()));
    o += p.text;
  }
  return o;
}

// Protobuf writer for the ModelProto tests.
void varint(std::string &o, uint64_t v) {
  do {
    uint8_t b = v & 0x7F;
    v >>= 7;
    o.push_back(char(v ? b | 0x80 : b));
  } while (v);
}
void tag(std::string &o, uint32_t field, uint32_t wt) {
  varint(o, uint64_t(field) << 3 | wt);
}
void lenField(std::string &o, uint32_t field, const std::string &bytes) {
  tag(o, field, 2);
  varint(o, bytes.size());
  o += bytes;
}
void varintField(std::string &o, uint32_t field, int64_t v) {
  tag(o, field, 0);
  varint(o, uint64_t(v));
}
void floatField(std::string &o, uint32_t field, float f) {
  tag(o, field, 5);
  uint32_t u;
  std::memcpy(&u, &f, 4);
  for (int i = 0; i < 4; ++i)
    o.push_back(char(u >> (8 * i)));
}

struct ProtoOptions {
  int modelType = 2;
  std::string normalizer; // extra NormalizerSpec fields
  std::string trainer;    // extra TrainerSpec fields
};

std::string modelProtoBytes(const std::vector<P> &pieces,
                            const ProtoOptions &opt = {}) {
  std::string o;
  for (const P &p : pieces) {
    std::string m;
    lenField(m, 1, p.text);
    floatField(m, 2, p.score);
    if (p.type != Type::Normal)
      varintField(m, 3, int(p.type));
    lenField(o, 1, m);
  }
  std::string trainer;
  varintField(trainer, 3, opt.modelType);
  varintField(trainer, 4, int64_t(pieces.size()));
  varintField(trainer, 35, 1);  // byte_fallback
  varintField(trainer, 43, -1); // pad_id = -1, a 10-byte varint
  trainer += opt.trainer;
  lenField(o, 2, trainer);
  std::string norm;
  lenField(norm, 1, "identity");
  varintField(norm, 3, 1);
  varintField(norm, 4, 0);
  norm += opt.normalizer;
  lenField(o, 3, norm);
  return o;
}

std::unique_ptr<SentencePieceTokenizer> llama2c(const std::vector<P> &v) {
  auto t = SentencePieceTokenizer::fromLlama2cBytes(llama2cBytes(v));
  EXPECT_TRUE(t.ok()) << t.error().toString();
  return t.ok() ? std::move(*t) : nullptr;
}

std::unique_ptr<SentencePieceTokenizer> proto(const std::vector<P> &v,
                                              const ProtoOptions &o = {}) {
  auto t = SentencePieceTokenizer::fromModelProtoBytes(modelProtoBytes(v, o));
  EXPECT_TRUE(t.ok()) << t.error().toString();
  return t.ok() ? std::move(*t) : nullptr;
}

TokenId id(const SentencePieceTokenizer &t, const std::string &piece) {
  auto i = t.pieceToId(piece);
  EXPECT_TRUE(i.has_value()) << piece;
  return i.value_or(-1);
}

// llama2.c's encode, literally: the plain O(n^2) loop that rescans every pair.
std::vector<TokenId> referenceEncode(const SentencePieceTokenizer &t,
                                     std::string_view text) {
  std::vector<TokenId> tokens;
  if (text.empty())
    return tokens;
  std::string norm(t.spaceSymbol());
  for (char c : text)
    norm += c == ' ' ? std::string(t.spaceSymbol()) : std::string(1, c);
  auto mergeable = [&](std::optional<TokenId> i) {
    return i && (t.type(*i) == Type::Normal || t.type(*i) == Type::UserDefined);
  };
  std::string buf;
  for (size_t i = 0; i < norm.size(); ++i) {
    unsigned char c = norm[i];
    if ((c & 0xC0) != 0x80)
      buf.clear();
    buf.push_back(char(c));
    if (i + 1 < norm.size() && (norm[i + 1] & 0xC0) == 0x80 && buf.size() < 4)
      continue;
    auto found = t.pieceToId(buf);
    if (mergeable(found)) {
      tokens.push_back(*found);
    } else {
      for (unsigned char b : buf)
        tokens.push_back(t.byteId(b).value_or(*t.unkId()));
    }
    buf.clear();
  }
  while (true) {
    float best = -std::numeric_limits<float>::infinity();
    int bestIdx = -1;
    TokenId bestId = -1;
    for (size_t i = 0; i + 1 < tokens.size(); ++i) {
      std::string merged = std::string(t.idToPiece(tokens[i])) +
                           std::string(t.idToPiece(tokens[i + 1]));
      auto m = t.pieceToId(merged);
      if (mergeable(m) && t.type(tokens[i]) != Type::Byte &&
          t.type(tokens[i + 1]) != Type::Byte &&
          (bestIdx < 0 || t.score(*m) > best)) {
        best = t.score(*m);
        bestIdx = int(i);
        bestId = *m;
      }
    }
    if (bestIdx < 0)
      break;
    tokens[bestIdx] = bestId;
    tokens.erase(tokens.begin() + bestIdx + 1);
  }
  return tokens;
}

std::string randomText(std::mt19937 &rng, int maxParts) {
  static const char *parts[] = {"a",
                                "b",
                                "c",
                                "ab",
                                " ",
                                "  ",
                                "<s>",
                                "s",
                                ">",
                                "\n",
                                "\xC3\xA9",
                                "\xE4\xBD\xA0",
                                "\xF0\x9F\xA6\x99",
                                "\xFF",
                                "\xC3",
                                "x",
                                "Z",
                                "3",
                                "\xE2\x96\x81"};
  std::string s;
  int n = int(rng() % maxParts);
  for (int i = 0; i < n; ++i)
    s += parts[rng() % (sizeof parts / sizeof *parts)];
  return s;
}

TEST(SentencePieceLlama2c, MergesTheBestScoringPairFirst) {
  auto t = llama2c(fullVocab(false));
  ASSERT_TRUE(t);
  EXPECT_EQ(t->vocabSize(), 259u + normalPieces().size());
  EXPECT_EQ(t->spaceSymbol(), " ");
  EXPECT_EQ(t->encode("ab"), (std::vector<TokenId>{id(*t, " ab")}));
  // "ab" and "bc" tie: the leftmost is merged, then " ab".
  EXPECT_EQ(t->encode("abc"),
            (std::vector<TokenId>{id(*t, " ab"), id(*t, "c")}));
  EXPECT_EQ(t->encode("b"), (std::vector<TokenId>{id(*t, " "), id(*t, "b")}));
  EXPECT_EQ(t->encode("a b"),
            (std::vector<TokenId>{id(*t, " a"), id(*t, " "), id(*t, "b")}));
  // "ab" (-1) goes first, then " ab" (-0.5): the "  " pair (-4) never forms.
  EXPECT_EQ(t->encode(" ab"),
            (std::vector<TokenId>{id(*t, " "), id(*t, " ab")}));
  EXPECT_EQ(t->encode("  "), (std::vector<TokenId>{id(*t, "  "), id(*t, " ")}));
}

TEST(SentencePieceLlama2c, ByteFallbackAndSpecialTokens) {
  auto t = llama2c(fullVocab(false));
  ASSERT_TRUE(t);
  EXPECT_EQ(t->encode("\xC3\xA9"),
            (std::vector<TokenId>{id(*t, " "), 3 + 0xC3, 3 + 0xA9}));
  EXPECT_EQ(t->encode("\xFF"), (std::vector<TokenId>{id(*t, " "), 3 + 0xFF}));
  EXPECT_EQ(t->encode(""), std::vector<TokenId>{});
  EXPECT_EQ(t->encode("", true, true), (std::vector<TokenId>{1, 2}));
  EXPECT_EQ(t->encode("ab", true, true),
            (std::vector<TokenId>{1, id(*t, " ab"), 2}));
  EXPECT_EQ(t->type(0), Type::Unknown);
  EXPECT_EQ(t->type(1), Type::Control);
  EXPECT_EQ(t->type(3 + 0x41), Type::Byte);
  EXPECT_EQ(t->byteId(0x41), std::optional<TokenId>(3 + 0x41));
  EXPECT_EQ(t->bosId(), std::optional<TokenId>(1));
}

TEST(SentencePieceLlama2c, DecodeDropsTheDummyPrefixAndDecodesBytes) {
  auto t = llama2c(fullVocab(false));
  ASSERT_TRUE(t);
  TokenId ab = id(*t, " ab");
  EXPECT_EQ(*t->decode({ab}), "ab");
  EXPECT_EQ(*t->decode({1, ab, ab, 2}), "ab ab");
  EXPECT_EQ(*t->decode({1, ab, 1, ab}), "abab");
  EXPECT_EQ(*t->decode({3 + ' ', ab}), "  ab"); // a byte token keeps its space
  EXPECT_EQ(*t->decode({id(*t, " "), 3 + 0xC3, 3 + 0xA9}), "\xC3\xA9");
  EXPECT_EQ(t->decodePiece(1, ab), "ab");
  EXPECT_EQ(t->decodePiece(7, ab), " ab");
  EXPECT_EQ(t->decodePiece(1, 3 + 'A'), "A");
  EXPECT_EQ(t->decodePiece(1, 2), "");
  EXPECT_EQ(t->decodePiece(1, 100000), "");
  EXPECT_EQ(t->decode({-1}).error().code, ErrorCode::InvalidId);
  EXPECT_EQ(t->decode({TokenId(t->vocabSize())}).error().code,
            ErrorCode::InvalidId);
}

TEST(SentencePieceLlama2c, RoundTripsAndAgreesWithLlama2cLoop) {
  auto t = llama2c(fullVocab(false));
  ASSERT_TRUE(t);
  std::mt19937 rng(3);
  for (int iter = 0; iter < 400; ++iter) {
    std::string s = randomText(rng, 12);
    std::vector<TokenId> ids = t->encode(s);
    EXPECT_EQ(ids, referenceEncode(*t, s)) << escaped(s);
    EXPECT_EQ(*t->decode(ids), s) << escaped(s);
  }
}

TEST(SentencePieceModelProto, SameIdsAsTheLlama2cFile) {
  auto a = llama2c(fullVocab(false));
  auto b = proto(fullVocab(true));
  ASSERT_TRUE(a && b);
  EXPECT_EQ(b->spaceSymbol(), kSp);
  EXPECT_EQ(b->format(), SentencePieceTokenizer::Format::ModelProto);
  EXPECT_EQ(b->vocabSize(), a->vocabSize());
  EXPECT_EQ(b->score(id(*b, kSp + "ab")), -0.5f);
  std::mt19937 rng(5);
  for (int iter = 0; iter < 400; ++iter) {
    std::string s = randomText(rng, 12);
    if (s.find(kSp) != std::string::npos)
      continue; // U+2581 is a space to SentencePiece, a character to llama2.c
    EXPECT_EQ(b->encode(s), a->encode(s)) << escaped(s);
    EXPECT_EQ(b->encode(s), referenceEncode(*b, s)) << escaped(s);
    EXPECT_EQ(*b->decode(b->encode(s)), s) << escaped(s);
  }
}

TEST(SentencePieceModelProto, ControlPiecesAreNeverMerged) {
  auto t = proto(fullVocab(true));
  ASSERT_TRUE(t);
  // "<s" + ">" spells the control piece "<s>": not merged.
  EXPECT_EQ(t->encode("<s>"),
            (std::vector<TokenId>{id(*t, kSp), id(*t, "<s"), id(*t, ">")}));
  EXPECT_EQ(t->bosId(), std::optional<TokenId>(1));
  EXPECT_EQ(t->eosId(), std::optional<TokenId>(2));
  EXPECT_EQ(t->unkId(), std::optional<TokenId>(0));
}

TEST(SentencePieceModelProto, RemoveExtraWhitespacesAndUserDefinedPieces) {
  ProtoOptions o;
  varintField(o.normalizer, 4,
              1); // remove_extra_whitespaces, after the 0 written first
  std::vector<P> v = fullVocab(true);
  v.push_back({"<sep>", 0, Type::UserDefined});
  auto t = proto(v, o);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->encode("  ab   ab  "), t->encode("ab ab"));
  std::vector<TokenId> ids = t->encode("ab<sep>b");
  EXPECT_EQ(ids, (std::vector<TokenId>{id(*t, kSp + "ab"), id(*t, "<sep>"),
                                       id(*t, "b")}));
  EXPECT_EQ(*t->decode(ids), "ab<sep>b");
}

TEST(SentencePieceModelProto, UnknownWithoutBytePieces) {
  std::vector<P> v = {{"<unk>", 0, Type::Unknown},
                      {"<s>", 0, Type::Control},
                      {"</s>", 0, Type::Control},
                      {kSp, -1},
                      {"a", -2}};
  auto t = proto(v);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->encode("a\xC3\xA9"
                      "a"),
            (std::vector<TokenId>{3, 4, 0, 4}));
  EXPECT_FALSE(t->byteId(0).has_value());
}

void expectProtoError(const std::string &bytes, ErrorCode code,
                      const std::string &needle) {
  auto t = SentencePieceTokenizer::fromModelProtoBytes(bytes);
  ASSERT_FALSE(t.ok()) << "expected an error mentioning " << needle;
  EXPECT_EQ(t.error().code, code) << t.error().toString();
  EXPECT_NE(t.error().message.find(needle), std::string::npos)
      << t.error().message;
}

TEST(SentencePieceModelProto, LoadErrors) {
  std::vector<P> v = fullVocab(true);
  ProtoOptions unigram;
  unigram.modelType = 1;
  expectProtoError(modelProtoBytes(v, unigram), ErrorCode::Unsupported,
                   "not BPE");
  ProtoOptions charsmap;
  lenField(charsmap.normalizer, 2, "\x01\x02");
  expectProtoError(modelProtoBytes(v, charsmap), ErrorCode::Unsupported,
                   "charsmap");
  ProtoOptions suffix;
  varintField(suffix.trainer, 24, 1);
  expectProtoError(modelProtoBytes(v, suffix), ErrorCode::Unsupported,
                   "treat_whitespace_as_suffix");
  ProtoOptions badBos;
  varintField(badBos.trainer, 41, 300);
  expectProtoError(modelProtoBytes(v, badBos), ErrorCode::Malformed,
                   "bos id 300");

  std::vector<P> badType = v;
  badType[265].type = Type(7);
  expectProtoError(modelProtoBytes(badType), ErrorCode::Malformed,
                   "unknown type 7");
  std::vector<P> dup = v;
  dup.push_back({"a", -7});
  expectProtoError(modelProtoBytes(dup), ErrorCode::Malformed, "defined twice");
  std::vector<P> empty = v;
  empty.push_back({"", -7});
  expectProtoError(modelProtoBytes(empty), ErrorCode::Malformed, "is empty");
  std::vector<P> badByte = v;
  badByte.push_back({"<0xZZ>", 0, Type::Byte});
  expectProtoError(modelProtoBytes(badByte), ErrorCode::Malformed, "<0xXX>");
  std::vector<P> nan = v;
  nan.push_back({"zz", std::nanf("")});
  expectProtoError(modelProtoBytes(nan), ErrorCode::Malformed, "NaN");

  std::string good = modelProtoBytes(v);
  std::string past = good;
  lenField(past, 1, "xyz");
  past.resize(past.size() - 1); // the last field runs past the end
  expectProtoError(past, ErrorCode::Malformed, "runs past the end");
  std::string group = good;
  tag(group, 9, 3);
  expectProtoError(group, ErrorCode::Malformed, "wire type 3");
  std::string longVarint = good;
  tag(longVarint, 9, 0);
  longVarint += std::string(11, '\xFF');
  expectProtoError(longVarint, ErrorCode::Malformed, "varint");
  std::string wrongWire;
  varintField(wrongWire, 1, 5);
  expectProtoError(wrongWire, ErrorCode::Malformed, "not a message");
  expectProtoError("", ErrorCode::Unsupported,
                   "not BPE"); // an empty message is a default (unigram) model

  auto missing =
      SentencePieceTokenizer::loadModelProto("/nonexistent/tokenizer.model");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::FileNotFound);
}

TEST(SentencePieceModelProto, TruncatedFilesAreErrorsNotCrashes) {
  std::string good = modelProtoBytes(fullVocab(true));
  ASSERT_TRUE(SentencePieceTokenizer::fromModelProtoBytes(good).ok());
  size_t failures = 0;
  for (size_t n = 0; n < good.size(); ++n)
    failures +=
        !SentencePieceTokenizer::fromModelProtoBytes(good.substr(0, n)).ok();
  // Every cut fails (a field runs past the end, or trainer_spec with model_type
  // BPE is missing) except the one just before normalizer_spec, a complete
  // message without one.
  EXPECT_EQ(failures, good.size() - 1);
  std::mt19937 rng(9);
  for (int iter = 0; iter < 2000;
       ++iter) { // flipped bytes: any result but a crash
    std::string bad = good;
    for (int k = 0; k < 3; ++k)
      bad[rng() % bad.size()] = char(rng());
    auto t = SentencePieceTokenizer::fromModelProtoBytes(bad);
    if (t.ok())
      (void)(*t)->encode("ab c\xC3\xA9");
  }
}

void expectLlama2cError(const std::string &bytes, std::optional<size_t> n,
                        const std::string &needle) {
  auto t = SentencePieceTokenizer::fromLlama2cBytes(bytes, n);
  ASSERT_FALSE(t.ok()) << "expected an error mentioning " << needle;
  EXPECT_EQ(t.error().code, ErrorCode::Malformed);
  EXPECT_NE(t.error().message.find(needle), std::string::npos)
      << t.error().message;
}

TEST(SentencePieceLlama2c, LoadErrors) {
  std::vector<P> v = fullVocab(false);
  std::string good = llama2cBytes(v);
  ASSERT_TRUE(SentencePieceTokenizer::fromLlama2cBytes(good, v.size()).ok());
  expectLlama2cError("\x07\x00", std::nullopt, "max_token_length header");
  expectLlama2cError(llama2cBytes(v, 0), std::nullopt,
                     "implausible max_token_length");
  expectLlama2cError(llama2cBytes(v, 3), std::nullopt,
                     "outside 0..max_token_length 3");
  expectLlama2cError(good, v.size() + 10, "truncated at token");
  expectLlama2cError(good, v.size() - 1, "bytes left after");
  expectLlama2cError(good + "\x01\x02", std::nullopt, "truncated at token");
  expectLlama2cError(good, size_t(0), "implausible vocabulary size");
  std::string negative = good;
  putF32(negative, 0);
  putI32(negative, -4);
  expectLlama2cError(negative, std::nullopt, "length -4");
  std::string past = good;
  putF32(past, 0);
  putI32(past, 5);
  past += "ab";
  expectLlama2cError(past, std::nullopt, "5 bytes announced, 2 left");
  std::vector<P> nan = v;
  nan[270].score = std::nanf("");
  expectLlama2cError(llama2cBytes(nan), std::nullopt, "NaN");
  expectLlama2cError(llama2cBytes({{"<unk>", 0}, {"a", 0}}), std::nullopt,
                     "fewer than the 3");
  for (size_t n = 0; n < good.size();
       n += 3) // any cut: an error or a shorter vocabulary
    (void)SentencePieceTokenizer::fromLlama2cBytes(good.substr(0, n));
  auto missing =
      SentencePieceTokenizer::loadLlama2c("/nonexistent/tokenizer.bin");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::FileNotFound);
}

// The heap-based merge loop against llama2.c's loop on the real files.
TEST(SentencePieceRealFiles, AgreeWithLlama2cLoop) {
  TSR_REQUIRE_SHARED(dir);
  auto model = SentencePieceTokenizer::loadModelProto(
      dir + "/llama-spm/tokenizer.model");
  ASSERT_TRUE(model.ok()) << model.error().toString();
  auto tok512 = SentencePieceTokenizer::loadLlama2c(
      dir + "/../models/stories260K/tok512.bin");
  ASSERT_TRUE(tok512.ok()) << tok512.error().toString();
  auto vectors = readVectors(dir + "/llama-spm/ggml-vocab-llama-spm.gguf.inp",
                             dir + "/llama-spm/ggml-vocab-llama-spm.gguf.out");
  ASSERT_TRUE(vectors.ok()) << vectors.error().toString();
  std::vector<std::string> texts;
  for (const Vector &v : *vectors)
    texts.push_back(v.text);
  texts.push_back("Once upon a time, there was a little girl named Lily.");
  std::mt19937 rng(13);
  for (int i = 0; i < 100; ++i)
    texts.push_back(randomText(rng, 30));
  for (const std::string &s : texts) {
    EXPECT_EQ((*model)->encode(s), referenceEncode(**model, s)) << escaped(s);
    EXPECT_EQ((*tok512)->encode(s), referenceEncode(**tok512, s)) << escaped(s);
    EXPECT_EQ(*(*tok512)->decode((*tok512)->encode(s, true, false)), s)
        << escaped(s);
  }
  std::vector<TokenId> story =
      (*tok512)->encode("Once upon a time", true, false);
  EXPECT_EQ(story.front(), 1);
  EXPECT_EQ(*(*tok512)->decode(story), "Once upon a time");
}

} // namespace
} // namespace tessera::tokenizers::test
