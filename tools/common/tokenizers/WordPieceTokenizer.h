//===- WordPieceTokenizer.h - WordPiece (BERT) ------------------*- C++ -*-===//
//
// WordPiece (BERT) from a vocab.txt (one token a line; the id is the line
// number from 0).
//
// encode follows HF tokenizers' BertNormalizer + BertPreTokenizer +
// WordPiece, which is Google's BERT BasicTokenizer + WordpieceTokenizer:
//  - clean text: NUL, U+FFFD and control characters (General_Category C*,
//    except \t \n \r) are removed, White_Space characters become ' ';
//  - CJK ideographs (the BERT ranges) get a space on each side;
//  - accents are stripped (NFD, then the nonspacing marks Mn removed) and
//    the text is lower-cased (both when lowerCase is set, as for uncased
//    models);
//  - words are split at whitespace and at punctuation (ASCII punctuation and
//    P*), each punctuation character a word of its own;
//  - each word becomes its greedy longest-match-first pieces, the later ones
//    with "##"; a word with no such split, or over maxInputCharsPerWord
//    characters, becomes [UNK].
// No [CLS]/[SEP] is added (clsId()/sepId() give them). decode joins the
// pieces with spaces, gluing "##" pieces to the one before; it is not the
// inverse of encode (case, accents and spacing are gone).
//
//===----------------------------------------------------------------------===//
#ifndef TESSERA_TOOLS_COMMON_TOKENIZERS_WORDPIECETOKENIZER_H
#define TESSERA_TOOLS_COMMON_TOKENIZERS_WORDPIECETOKENIZER_H

#include "tools/common/tokenizers/Tokenizer.h"

#include <unordered_map>

namespace tessera::tokenizers {

struct WordPieceOptions {
  bool lowerCase = true; // also strips accents, as BERT uncased does
  bool cleanText = true;
  bool handleChineseChars = true;
  std::string unkToken = "[UNK]";
  std::string continuingSubwordPrefix = "##";
  size_t maxInputCharsPerWord = 100;
};

class WordPieceTokenizer : public Tokenizer {
public:
  static Expected<std::unique_ptr<WordPieceTokenizer>>
  load(const std::string &vocabPath, const WordPieceOptions &options = {});
  static Expected<std::unique_ptr<WordPieceTokenizer>>
  fromString(std::string_view vocabText, const WordPieceOptions &options = {},
             const std::string &name = "vocab.txt");

  std::vector<TokenId> encode(std::string_view text) const override;
  Expected<std::string> decode(const std::vector<TokenId> &ids) const override;
  size_t vocabSize() const override { return tokens_.size(); }
  std::string_view idToPiece(TokenId id) const override;
  std::optional<TokenId> pieceToId(std::string_view piece) const override;

  // The normalizer and pre-tokenizer alone: the words (UTF-8) that
  // WordPiece sees.
  std::vector<std::string> basicTokenize(std::string_view text) const;
  // WordPiece of one word, appended to out.
  void wordPiece(std::string_view word, std::vector<TokenId> &out) const;

  TokenId unkId() const { return unkId_; }
  std::optional<TokenId> clsId() const { return pieceToId("[CLS]"); }
  std::optional<TokenId> sepId() const { return pieceToId("[SEP]"); }
  const WordPieceOptions &options() const { return options_; }

private:
  WordPieceTokenizer() = default;
  WordPieceOptions options_;
  std::vector<std::string> tokens_;
  std::unordered_map<std::string, TokenId> tokenToId_;
  TokenId unkId_ = 0;
};

} // namespace tessera::tokenizers

#endif
