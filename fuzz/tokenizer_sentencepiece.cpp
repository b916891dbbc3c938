//===- tokenizer_sentencepiece.cpp - fuzzing the SentencePiece tokenizer --===//
//
// Input: one flags byte, one vocabulary-size byte, then the vocabulary file
// and a text separated by kSplit (common/FuzzSupport.h).
//  flags bit 0: 0 = llama2.c tokenizer.bin (fromLlama2cBytes), 1 = a
//               SentencePiece tokenizer.model (fromModelProtoBytes);
//  flags bit 1: llama2.c only: pass the size byte as the vocabulary size
//               (0 included) instead of reading to the end of the file;
//  flags bits 2, 3: add BOS, add EOS when encoding.
// The text is encoded, decoded as a whole and piece by piece (decodePiece),
// and every id's score, type and byte mapping is read.
//
//===----------------------------------------------------------------------===//

#include "fuzz/common/TokenizerChecks.h"

#include "tools/common/tokenizers/SentencePieceTokenizer.h"

using namespace tessera;
using fuzz::violated;
using tokenizers::SentencePieceTokenizer;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 2)
    return 0;
  uint8_t flags = data[0], vocabByte = data[1];
  std::vector<std::string_view> parts =
      fuzz::split(std::string_view(reinterpret_cast<const char *>(data + 2), size - 2), 2);
  std::string_view text = parts[1];

  bool modelProto = flags & 1;
  std::optional<size_t> vocabSize;
  if (!modelProto && (flags & 2))
    vocabSize = vocabByte;
  auto loaded = modelProto ? SentencePieceTokenizer::fromModelProtoBytes(parts[0])
                           : SentencePieceTokenizer::fromLlama2cBytes(parts[0], vocabSize);
  if (!loaded.ok()) {
    fuzz::checkLoadError(loaded.error());
    return 0;
  }
  const SentencePieceTokenizer &tok = **loaded;
  if (vocabSize && tok.vocabSize() != *vocabSize)
    violated("the vocabulary does not have the size asked for");

  std::vector<tokenizers::TokenId> ids = tok.encode(text, flags & 4, flags & 8);
  fuzz::checkEncoded(tok, ids);
  tokenizers::TokenId prev = tok.bosId().value_or(-1);
  for (tokenizers::TokenId id : ids) {
    (void)tok.decodePiece(prev, id);
    (void)tok.score(id);
    (void)tok.type(id);
    prev = id;
  }
  (void)tok.decodePiece(-1, -1);
  (void)tok.decodePiece(0, tokenizers::TokenId(tok.vocabSize()));
  for (int b = 0; b < 256; ++b)
    if (std::optional<tokenizers::TokenId> id = tok.byteId(uint8_t(b)))
      if (*id < 0 || size_t(*id) >= tok.vocabSize())
        violated("byteId gave an id outside the vocabulary");
  for (std::optional<tokenizers::TokenId> id : {tok.unkId(), tok.bosId(), tok.eosId()})
    if (id && (*id < 0 || size_t(*id) >= tok.vocabSize()))
      violated("a special id outside the vocabulary", std::to_string(*id));
  fuzz::checkArbitraryDecode(tok, text);
  // A ModelProto refuses duplicate pieces; a llama2.c file keeps the first.
  fuzz::checkPieces(tok, /*unique=*/modelProto);
  return 0;
}
