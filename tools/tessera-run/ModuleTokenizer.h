//===- ModuleTokenizer.h - the tokenizer tessera-run generates with -*- C++ -*-===//
//
// The tokenizer comes from the module's metadata (stored by tessera-compile,
// see tools/tessera-compile/TokenizerFiles.h) or from a file given with
// --tokenizer, which wins. It also says how a prompt starts (llama2.c and
// SentencePiece: BOS; GPT-2 with an empty prompt: <|endoftext|>) and which
// tokens end the text.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_TOOLS_TESSERA_RUN_MODULETOKENIZER_H
#define TESSERA_TOOLS_TESSERA_RUN_MODULETOKENIZER_H

#include "tessera/runtime.h"
#include "tools/common/tokenizers/Tokenizer.h"

#include <memory>
#include <string>
#include <vector>

namespace tessera::tools {

struct ModuleTokenizer {
  std::unique_ptr<tokenizers::Tokenizer> tokenizer;
  std::string kind; // "llama2c", "sentencepiece", "gpt2", "wordpiece"
  std::vector<tokenizers::TokenId> stops;

  /// The prompt's ids, with the start token the model was trained with.
  std::vector<tokenizers::TokenId> encodePrompt(const std::string &prompt) const;
};

/// False with `error` set when neither the module nor `file` has a
/// tokenizer, or when it does not load.
bool loadTokenizer(const tsr_module_t *module, const std::string &file, ModuleTokenizer &out,
                   std::string &error);

} // namespace tessera::tools

#endif // TESSERA_TOOLS_TESSERA_RUN_MODULETOKENIZER_H
