//===- TokenizerChecks.h - invariants every tokenizer keeps -----*- C++ -*-===//
//
// Shared by the three tokenizer harnesses: a load error has a message and a
// loader's code; encode gives only ids inside the vocabulary, which decode
// then accepts; decode of arbitrary ids either succeeds or says InvalidId;
// idToPiece and pieceToId agree where the format keeps pieces unique.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_FUZZ_COMMON_TOKENIZERCHECKS_H
#define TESSERA_FUZZ_COMMON_TOKENIZERCHECKS_H

#include "fuzz/common/FuzzSupport.h"

#include "tools/common/tokenizers/Tokenizer.h"

#include <cstring>

namespace tessera::fuzz {

inline void checkLoadError(const tokenizers::Error &error) {
  using tokenizers::ErrorCode;
  if (error.message.empty())
    violated("a tokenizer load error without a message");
  if (error.code != ErrorCode::Malformed && error.code != ErrorCode::Unsupported &&
      error.code != ErrorCode::OutOfMemory && error.code != ErrorCode::IoError)
    violated("a tokenizer load error with an unexpected code", error.toString());
}

/// Ids inside the vocabulary, which decode accepts; returns the decoded text.
inline std::string checkEncoded(const tokenizers::Tokenizer &tok,
                                const std::vector<tokenizers::TokenId> &ids) {
  for (tokenizers::TokenId id : ids)
    if (id < 0 || size_t(id) >= tok.vocabSize())
      violated("encode gave an id outside the vocabulary", std::to_string(id));
  auto decoded = tok.decode(ids);
  if (!decoded.ok())
    violated("decode refused ids that encode gave", decoded.error().toString());
  return *decoded;
}

/// Decodes ids made from `bytes` (two bytes each, so both valid and invalid
/// ones occur), and a few ids past the ends.
inline void checkArbitraryDecode(const tokenizers::Tokenizer &tok, std::string_view bytes) {
  std::vector<tokenizers::TokenId> ids;
  for (size_t i = 0; i + 1 < bytes.size() && ids.size() < 256; i += 2) {
    int16_t v;
    std::memcpy(&v, bytes.data() + i, 2);
    ids.push_back(v);
  }
  auto decoded = tok.decode(ids);
  if (!decoded.ok() && decoded.error().code != tokenizers::ErrorCode::InvalidId)
    violated("decode failed with another code than InvalidId", decoded.error().toString());
  for (tokenizers::TokenId id : {tokenizers::TokenId(-1), tokenizers::TokenId(tok.vocabSize()),
                                 tokenizers::TokenId(INT32_MAX), tokenizers::TokenId(INT32_MIN)}) {
    auto one = tok.decode({id});
    if (one.ok() || one.error().code != tokenizers::ErrorCode::InvalidId)
      violated("decode accepted an id outside the vocabulary", std::to_string(id));
    if (!tok.idToPiece(id).empty())
      violated("idToPiece gave a piece for an id outside the vocabulary");
  }
}

/// pieceToId(idToPiece(id)) finds a piece with the same text (the first of
/// equal pieces where duplicates are allowed: `unique` says they are not).
inline void checkPieces(const tokenizers::Tokenizer &tok, bool unique) {
  size_t n = tok.vocabSize();
  for (size_t id = 0; id < n && id < 512; ++id) {
    std::string_view piece = tok.idToPiece(tokenizers::TokenId(id));
    if (piece.empty())
      continue;
    std::optional<tokenizers::TokenId> back = tok.pieceToId(piece);
    if (!back)
      violated("pieceToId does not find a piece of the vocabulary", std::string(piece));
    if (unique ? size_t(*back) != id : tok.idToPiece(*back) != piece)
      violated("pieceToId(idToPiece(id)) is another piece", std::to_string(id));
  }
}

} // namespace tessera::fuzz

#endif // TESSERA_FUZZ_COMMON_TOKENIZERCHECKS_H
