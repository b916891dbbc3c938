//===- SentencePieceTokenizer.h - SentencePiece BPE -------------*- C++ -*-===//
//
// SentencePiece BPE, from either of two files:
//  - llama2.c's tokenizer.bin: int32 max_token_length, then per token a
//    float32 score, an int32 length and that many bytes (little-endian).
//    The vocabulary size is not in the file: pass the model's, or let the
//    loader read tokens up to the end of the file. llama2.c's conventions
//    give the types: id 0 is <unk>, 1 BOS, 2 EOS, "<0xXX>" pieces are
//    bytes, and spaces are stored as ' '.
//  - a SentencePiece tokenizer.model (ModelProto, read with ProtoWire.h):
//    pieces (string, score, type), trainer_spec (model_type must be BPE;
//    unk/bos/eos ids) and normalizer_spec (add_dummy_prefix,
//    remove_extra_whitespaces; a non-empty precompiled charsmap is refused,
//    as its normalization is not implemented). Spaces are U+2581 there.
//
// encode follows llama2.c's encode (which is SentencePiece's BPE): for a
// non-empty text, a dummy-prefix space, ' ' spelled as the model's space
// symbol; each UTF-8 character looked up as a piece, else its bytes as
// <0xXX> tokens (or <unk> without byte pieces); then repeatedly the adjacent
// pair whose concatenation is a piece with the best score is merged (the
// leftmost among equal scores). Control, byte, unknown and unused pieces are
// never merge results. decode drops control tokens, turns <0xXX> into its
// byte and the space symbol into ' ', and removes the leading space of the
// first piece (at the start, or after BOS) as SentencePiece does.
//
//===----------------------------------------------------------------------===//
#ifndef TESSERA_TOOLS_COMMON_TOKENIZERS_SENTENCEPIECETOKENIZER_H
#define TESSERA_TOOLS_COMMON_TOKENIZERS_SENTENCEPIECETOKENIZER_H

#include "tools/common/tokenizers/Tokenizer.h"

#include <array>
#include <unordered_map>

namespace tessera::tokenizers {

class SentencePieceTokenizer : public Tokenizer {
public:
  // The values of SentencePiece's ModelProto.SentencePiece.Type.
  enum class PieceType : uint8_t {
    Normal = 1,
    Unknown = 2,
    Control = 3,
    UserDefined = 4,
    Unused = 5,
    Byte = 6,
  };
  enum class Format { Llama2c, ModelProto };

  static Expected<std::unique_ptr<SentencePieceTokenizer>>
  loadLlama2c(const std::string &path,
              std::optional<size_t> vocabSize = std::nullopt);
  static Expected<std::unique_ptr<SentencePieceTokenizer>>
  fromLlama2cBytes(std::string_view data,
                   std::optional<size_t> vocabSize = std::nullopt,
                   const std::string &name = "tokenizer.bin");
  static Expected<std::unique_ptr<SentencePieceTokenizer>>
  loadModelProto(const std::string &path);
  static Expected<std::unique_ptr<SentencePieceTokenizer>>
  fromModelProtoBytes(std::string_view data,
                      const std::string &name = "tokenizer.model");

  std::vector<TokenId> encode(std::string_view text) const override {
    return encode(text, false, false);
  }
  std::vector<TokenId> encode(std::string_view text, bool addBos,
                              bool addEos) const;
  Expected<std::string> decode(const std::vector<TokenId> &ids) const override;
  // llama2.c's decode(prev, token): the text of one token when streaming
  // (the leading space is dropped after BOS; <0xXX> gives its byte; control
  // tokens give ""). Empty for an id outside the vocabulary.
  std::string decodePiece(TokenId prev, TokenId token) const;

  size_t vocabSize() const override { return pieces_.size(); }
  std::string_view idToPiece(TokenId id) const override;
  std::optional<TokenId> pieceToId(std::string_view piece) const override;

  Format format() const { return format_; }
  float score(TokenId id) const;
  PieceType type(TokenId id) const;
  std::optional<TokenId> unkId() const { return unkId_; }
  std::optional<TokenId> bosId() const { return bosId_; }
  std::optional<TokenId> eosId() const { return eosId_; }
  // The id of the <0xXX> piece for a byte, when the vocabulary has it.
  std::optional<TokenId> byteId(uint8_t b) const;
  // llama2.c's max_token_length (0 for a ModelProto).
  uint32_t maxTokenLength() const { return maxTokenLength_; }
  bool addDummyPrefix() const { return addDummyPrefix_; }
  // " " for llama2.c files, "\u2581" for a ModelProto.
  std::string_view spaceSymbol() const { return space_; }

private:
  SentencePieceTokenizer() = default;
  struct Piece {
    std::string text;
    float score = 0;
    PieceType type = PieceType::Normal;
  };
  Error finishLoad(const std::string &name);
  bool mergeable(TokenId id) const {
    PieceType t = pieces_[id].type;
    return t == PieceType::Normal || t == PieceType::UserDefined;
  }
  std::optional<TokenId> lookupMergeable(std::string_view s) const;
  std::string pieceText(TokenId id) const; // spaces restored, bytes decoded

  Format format_ = Format::Llama2c;
  std::vector<Piece> pieces_;
  std::unordered_map<std::string_view, TokenId>
      pieceToId_;                    // views into pieces_
  std::vector<TokenId> userDefined_; // longest first
  std::array<TokenId, 256> byteToId_{};
  std::optional<TokenId> unkId_, bosId_, eosId_;
  uint32_t maxTokenLength_ = 0;
  bool addDummyPrefix_ = true;
  bool removeExtraWhitespaces_ = false;
  std::string space_ = " ";
};

} // namespace tessera::tokenizers

#endif
