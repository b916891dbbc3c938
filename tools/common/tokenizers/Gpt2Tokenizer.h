//===- Gpt2Tokenizer.h - GPT-2 byte-level BPE -------------------*- C++ -*-===//
//
// GPT-2 byte-level BPE (OpenAI's encoder.json + vocab.bpe).
//
// encode: the GPT-2 pre-tokenizer regex
//   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
// (implemented by hand; \p{L}/\p{N} from the generated Unicode tables, \s is
// White_Space), each piece's bytes mapped to GPT-2's byte-to-unicode
// alphabet, then BPE merges by rank (lowest first; leftmost among equal
// ranks, as HF tokenizers does). Special tokens such as <|endoftext|> in the
// text are not recognised: it is encoded as plain text.
// decode: token strings concatenated and mapped back to bytes; lossless,
// decode(encode(s)) == s for every byte string s.
//
//===----------------------------------------------------------------------===//
#ifndef TESSERA_TOOLS_COMMON_TOKENIZERS_GPT2TOKENIZER_H
#define TESSERA_TOOLS_COMMON_TOKENIZERS_GPT2TOKENIZER_H

#include "tools/common/tokenizers/Tokenizer.h"

#include <array>
#include <unordered_map>

namespace tessera::tokenizers {

class Gpt2Tokenizer : public Tokenizer {
public:
  static Expected<std::unique_ptr<Gpt2Tokenizer>>
  load(const std::string &encoderJsonPath, const std::string &vocabBpePath);
  // The same from the files' contents; the names are used in error messages.
  static Expected<std::unique_ptr<Gpt2Tokenizer>>
  fromStrings(std::string_view encoderJson, std::string_view vocabBpe,
              const std::string &encoderName = "encoder.json",
              const std::string &mergesName = "vocab.bpe");

  std::vector<TokenId> encode(std::string_view text) const override;
  Expected<std::string> decode(const std::vector<TokenId> &ids) const override;
  size_t vocabSize() const override { return idToToken_.size(); }
  std::string_view idToPiece(TokenId id) const override;
  std::optional<TokenId> pieceToId(std::string_view piece) const override;

  size_t numMerges() const { return merges_.size(); }
  // The id of "<|endoftext|>" when the vocabulary has it.
  std::optional<TokenId> endOfTextId() const {
    return pieceToId("<|endoftext|>");
  }

  // The pre-tokenizer alone: the pieces of `text` (views into it) that the
  // regex above matches, in order; they cover text exactly.
  static std::vector<std::string_view> preTokenize(std::string_view text);
  // GPT-2's byte-to-unicode map: byte -> code point.
  static std::array<uint32_t, 256> byteToUnicode();

private:
  Gpt2Tokenizer() = default;
  void bpe(std::string_view word, std::vector<TokenId> &out) const;

  struct Merge {
    uint32_t rank;
    TokenId result;
  };
  std::unordered_map<std::string, TokenId> tokenToId_;
  std::vector<std::string> idToToken_;
  std::vector<bool> hasId_;
  std::unordered_map<uint64_t, Merge> merges_; // (left << 32 | right)
  std::array<TokenId, 256> byteToId_{};
  std::unordered_map<uint32_t, uint8_t> unicodeToByte_;
};

} // namespace tessera::tokenizers

#endif
