// Conformance over ../shared/tokenizers: every string of each
// ggml-vocab-*.gguf.inp must encode (without special tokens, as llama.cpp's
// test-tokenizer-0 does) to exactly the ids of the .out line; lossless
// tokenizers must also decode back to the string.
#include "TestUtil.h"

#include <gtest/gtest.h>

#include <cstdio>

namespace tessera::tokenizers::test {
namespace {

struct Counts {
  size_t encoded = 0, roundTripped = 0, total = 0;
};

Counts runVectors(const Tokenizer &tok, const std::vector<Vector> &vectors,
                  bool lossless, const char *name) {
  Counts c;
  c.total = vectors.size();
  for (size_t i = 0; i < vectors.size(); ++i) {
    const Vector &v = vectors[i];
    std::vector<TokenId> got = tok.encode(v.text);
    if (got == v.ids)
      ++c.encoded;
    EXPECT_EQ(idsToString(got), idsToString(v.ids))
        << name << " vector " << i << ": \"" << escaped(v.text) << "\"";
    if (lossless) {
      Expected<std::string> back = tok.decode(got);
      EXPECT_TRUE(back.ok()) << back.error().toString();
      if (!back.ok())
        continue;
      if (*back == v.text)
        ++c.roundTripped;
      EXPECT_EQ(escaped(*back), escaped(v.text))
          << name << " round trip of vector " << i;
    }
  }
  std::printf("[tokenizers] %s: %zu/%zu vectors encode as expected", name,
              c.encoded, c.total);
  if (lossless)
    std::printf(", %zu/%zu round-trip", c.roundTripped, c.total);
  std::printf("\n");
  return c;
}

TEST(TokenizerConformance, Gpt2) {
  TSR_REQUIRE_SHARED(dir);
  auto tok =
      Gpt2Tokenizer::load(dir + "/gpt2/encoder.json", dir + "/gpt2/vocab.bpe");
  ASSERT_TRUE(tok.ok()) << tok.error().toString();
  EXPECT_EQ((*tok)->vocabSize(), 50257u);
  EXPECT_EQ((*tok)->numMerges(), 50000u);
  EXPECT_EQ((*tok)->endOfTextId(), std::optional<TokenId>(50256));
  auto vectors = readVectors(dir + "/gpt2/ggml-vocab-gpt-2.gguf.inp",
                             dir + "/gpt2/ggml-vocab-gpt-2.gguf.out");
  ASSERT_TRUE(vectors.ok()) << vectors.error().toString();
  ASSERT_EQ(vectors->size(), 46u);
  Counts c = runVectors(**tok, *vectors, /*lossless=*/true, "gpt2");
  EXPECT_EQ(c.encoded, c.total);
}

TEST(TokenizerConformance, LlamaSentencePiece) {
  TSR_REQUIRE_SHARED(dir);
  auto tok = SentencePieceTokenizer::loadModelProto(
      dir + "/llama-spm/tokenizer.model");
  ASSERT_TRUE(tok.ok()) << tok.error().toString();
  EXPECT_EQ((*tok)->vocabSize(), 32000u);
  EXPECT_EQ((*tok)->bosId(), std::optional<TokenId>(1));
  EXPECT_EQ((*tok)->eosId(), std::optional<TokenId>(2));
  EXPECT_EQ((*tok)->unkId(), std::optional<TokenId>(0));
  EXPECT_EQ((*tok)->byteId(0x0A), std::optional<TokenId>(13));
  auto vectors = readVectors(dir + "/llama-spm/ggml-vocab-llama-spm.gguf.inp",
                             dir + "/llama-spm/ggml-vocab-llama-spm.gguf.out");
  ASSERT_TRUE(vectors.ok()) << vectors.error().toString();
  ASSERT_EQ(vectors->size(), 46u);
  Counts c = runVectors(**tok, *vectors, /*lossless=*/true, "llama-spm");
  EXPECT_EQ(c.encoded, c.total);
}

TEST(TokenizerConformance, BertUncasedWordPiece) {
  TSR_REQUIRE_SHARED(dir);
  auto tok = WordPieceTokenizer::load(dir + "/bert-uncased/vocab.txt");
  ASSERT_TRUE(tok.ok()) << tok.error().toString();
  EXPECT_EQ((*tok)->vocabSize(), 30522u);
  EXPECT_EQ((*tok)->unkId(), 100);
  EXPECT_EQ((*tok)->clsId(), std::optional<TokenId>(101));
  EXPECT_EQ((*tok)->sepId(), std::optional<TokenId>(102));
  auto vectors =
      readVectors(dir + "/bert-uncased/ggml-vocab-bert-bge.gguf.inp",
                  dir + "/bert-uncased/ggml-vocab-bert-bge.gguf.out");
  ASSERT_TRUE(vectors.ok()) << vectors.error().toString();
  ASSERT_EQ(vectors->size(), 46u);
  Counts c = runVectors(**tok, *vectors, /*lossless=*/false, "bert-uncased");
  EXPECT_EQ(c.encoded, c.total);
}

// llama2.c's tok512.bin has no expected ids; it must load, round-trip the
// same strings and agree with the plain llama2.c algorithm (checked in
// SentencePieceTokenizerTest against the real file too).
TEST(TokenizerConformance, Llama2cTok512RoundTrip) {
  TSR_REQUIRE_SHARED(dir);
  std::string path = dir + "/../models/stories260K/tok512.bin";
  auto tok = SentencePieceTokenizer::loadLlama2c(path, 512);
  ASSERT_TRUE(tok.ok()) << tok.error().toString();
  EXPECT_EQ((*tok)->vocabSize(), 512u);
  EXPECT_EQ((*tok)->maxTokenLength(), 7u);
  auto vectors = readVectors(dir + "/llama-spm/ggml-vocab-llama-spm.gguf.inp",
                             dir + "/llama-spm/ggml-vocab-llama-spm.gguf.out");
  ASSERT_TRUE(vectors.ok()) << vectors.error().toString();
  size_t ok = 0;
  for (const Vector &v : *vectors) {
    auto back = (*tok)->decode((*tok)->encode(v.text, true, false));
    ASSERT_TRUE(back.ok()) << back.error().toString();
    EXPECT_EQ(escaped(*back), escaped(v.text));
    ok += *back == v.text;
  }
  std::printf("[tokenizers] tok512.bin: %zu/%zu round-trip\n", ok,
              vectors->size());
}

} // namespace
} // namespace tessera::tokenizers::test
