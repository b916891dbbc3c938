//===- TokenizerFiles.h - the tokenizer stored in a module ------*- C++ -*-===//
//
// tessera-compile stores the model's tokenizer files in the module as
// metadata (runtime.h: tsr_module_metadata), so that tessera-run can turn
// a prompt into ids with nothing but the .tsr file. The files are stored
// as they are; tessera-run parses them with tools/common/tokenizers.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_TOOLS_TESSERA_COMPILE_TOKENIZERFILES_H
#define TESSERA_TOOLS_TESSERA_COMPILE_TOKENIZERFILES_H

#include "codegen/module/ModuleWriter.h"

#include "llvm/Support/Error.h"

#include <optional>
#include <string>
#include <vector>

namespace tessera::tools {

/// The tokenizer for `modelPath`: `explicitFile` when given (its kind from
/// its name: *.model SentencePiece, vocab.json/encoder.json GPT-2 with
/// merges.txt/vocab.bpe beside it, *.txt WordPiece, anything else a llama2.c
/// tokenizer.bin); otherwise what lies in the model's directory (an HF
/// directory, or the directory of a model file): vocab.json + merges.txt,
/// tokenizer.model, vocab.txt, tokenizer.bin or a single tok*.bin. nullopt
/// when nothing is found; an error when a file cannot be read or the
/// choice is ambiguous.
llvm::Expected<std::optional<std::vector<module::MetadataDesc>>>
findTokenizer(const std::string &modelPath, const std::string &explicitFile);

} // namespace tessera::tools

#endif // TESSERA_TOOLS_TESSERA_COMPILE_TOKENIZERFILES_H
