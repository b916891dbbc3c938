//===- tokenizer_gpt2.cpp - fuzzing the GPT-2 byte-level BPE tokenizer ----===//
//
// Input: encoder.json, vocab.bpe and a text, separated by kSplit
// (common/FuzzSupport.h). They are loaded with Gpt2Tokenizer::fromStrings,
// the text is encoded and decoded.
//
// Invariants (abort on violation), beyond common/TokenizerChecks.h: the
// pre-tokenizer's pieces cover the text exactly, and decode(encode(s)) == s
// for every byte string s (the tokenizer's documented guarantee: a loaded
// vocabulary has all 256 byte symbols, and merges only join symbols).
//
//===----------------------------------------------------------------------===//

#include "fuzz/common/TokenizerChecks.h"

#include "tools/common/tokenizers/Gpt2Tokenizer.h"

using namespace tessera;
using fuzz::violated;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::vector<std::string_view> parts =
      fuzz::split(std::string_view(reinterpret_cast<const char *>(data), size), 3);
  std::string_view text = parts[2];

  std::string joined;
  for (std::string_view piece : tokenizers::Gpt2Tokenizer::preTokenize(text))
    joined += piece;
  if (joined != text)
    violated("the pre-tokenizer's pieces do not cover the text");

  auto loaded = tokenizers::Gpt2Tokenizer::fromStrings(parts[0], parts[1]);
  if (!loaded.ok()) {
    fuzz::checkLoadError(loaded.error());
    return 0;
  }
  const tokenizers::Gpt2Tokenizer &tok = **loaded;
  std::string decoded = fuzz::checkEncoded(tok, tok.encode(text));
  if (decoded != text)
    violated("decode(encode(text)) is not the text");
  fuzz::checkArbitraryDecode(tok, text);
  fuzz::checkPieces(tok, /*unique=*/true);
  (void)tok.endOfTextId();
  (void)tok.numMerges();
  return 0;
}
