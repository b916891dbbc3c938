//===- tokenizer_wordpiece.cpp - fuzzing the WordPiece (BERT) tokenizer ---===//
//
// Input: one flags byte, one max-chars-per-word byte, then vocab.txt, the
// text, the unknown token and the continuing-subword prefix, separated by
// kSplit (common/FuzzSupport.h).
//  flags bits 0-2: lowerCase, cleanText, handleChineseChars (WordPieceOptions);
//  flags bit 3: use the unknown token given (else "[UNK]");
//  flags bit 4: use the prefix given, possibly empty (else "##").
// The text is normalized (basicTokenize), encoded and decoded.
//
//===----------------------------------------------------------------------===//

#include "fuzz/common/TokenizerChecks.h"

#include "tools/common/tokenizers/WordPieceTokenizer.h"

using namespace tessera;
using fuzz::violated;
using tokenizers::WordPieceTokenizer;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 2)
    return 0;
  uint8_t flags = data[0];
  std::vector<std::string_view> parts =
      fuzz::split(std::string_view(reinterpret_cast<const char *>(data + 2), size - 2), 4);
  tokenizers::WordPieceOptions options;
  options.lowerCase = flags & 1;
  options.cleanText = flags & 2;
  options.handleChineseChars = flags & 4;
  if (flags & 8)
    options.unkToken = std::string(parts[2]);
  if (flags & 16)
    options.continuingSubwordPrefix = std::string(parts[3]);
  options.maxInputCharsPerWord = data[1];

  auto loaded = WordPieceTokenizer::fromString(parts[0], options);
  if (!loaded.ok()) {
    fuzz::checkLoadError(loaded.error());
    return 0;
  }
  const WordPieceTokenizer &tok = **loaded;
  std::string_view text = parts[1];
  for (const std::string &word : tok.basicTokenize(text))
    if (word.empty())
      violated("basicTokenize gave an empty word");
  std::vector<tokenizers::TokenId> ids = tok.encode(text);
  fuzz::checkEncoded(tok, ids);
  if (tok.unkId() < 0 || size_t(tok.unkId()) >= tok.vocabSize())
    violated("the unknown token's id is outside the vocabulary");
  fuzz::checkArbitraryDecode(tok, text);
  fuzz::checkPieces(tok, /*unique=*/false);
  return 0;
}
