//===- ModuleTokenizer.cpp - the tokenizer tessera-run generates with -----===//

#include "ModuleTokenizer.h"

#include "tools/common/tokenizers/Tokenizers.h"
#include "tools/common/tokenizers/Utf8.h"

namespace tessera::tools {
namespace {

using namespace tessera::tokenizers;

bool endsWith(const std::string &s, const std::string &suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(),
                                                suffix) == 0;
}

std::string directoryOf(const std::string &path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

/// The kind and the files' bytes of a tokenizer file named on the command
/// line, by the same rules as tessera-compile --tokenizer.
bool readTokenizerFile(const std::string &file, std::string &kind, std::string &bytes,
                       std::string &merges, std::string &error) {
  auto read = [&](const std::string &path, std::string &out) {
    Expected<std::string> text = readFile(path, size_t(64) << 20);
    if (!text.ok()) {
      error = "--tokenizer: " + text.error().toString();
      return false;
    }
    out = std::move(*text);
    return true;
  };
  if (endsWith(file, ".model"))
    kind = "sentencepiece";
  else if (endsWith(file, ".json"))
    kind = "gpt2";
  else if (endsWith(file, ".txt"))
    kind = "wordpiece";
  else
    kind = "llama2c";
  if (!read(file, bytes))
    return false;
  if (kind != "gpt2")
    return true;
  std::string dir = directoryOf(file);
  for (const char *name : {"/merges.txt", "/vocab.bpe"}) {
    Expected<std::string> text = readFile(dir + name, size_t(64) << 20);
    if (text.ok()) {
      merges = std::move(*text);
      return true;
    }
  }
  error = "--tokenizer " + file + ": a GPT-2 vocabulary needs merges.txt or vocab.bpe beside it";
  return false;
}

bool metadata(const tsr_module_t *module, const char *key, std::string &out) {
  const void *data = nullptr;
  size_t size = 0;
  tsr_status_t status = tsr_module_metadata(module, key, &data, &size);
  if (status) {
    tsr_status_free(status);
    return false;
  }
  out.assign(static_cast<const char *>(data), size);
  return true;
}

template <typename T>
bool take(Expected<std::unique_ptr<T>> loaded, std::unique_ptr<Tokenizer> &out,
          std::string &error) {
  if (!loaded.ok()) {
    error = "cannot load the tokenizer: " + loaded.error().toString();
    return false;
  }
  out = std::move(*loaded);
  return true;
}

} // namespace

std::vector<TokenId> ModuleTokenizer::encodePrompt(const std::string &prompt) const {
  if (auto *sp = dynamic_cast<const SentencePieceTokenizer *>(tokenizer.get()))
    return sp->encode(prompt, /*addBos=*/sp->bosId().has_value(), /*addEos=*/false);
  std::vector<TokenId> ids;
  if (auto *wp = dynamic_cast<const WordPieceTokenizer *>(tokenizer.get()))
    if (auto cls = wp->clsId())
      ids.push_back(*cls);
  std::vector<TokenId> text = tokenizer->encode(prompt);
  ids.insert(ids.end(), text.begin(), text.end());
  if (ids.empty())
    if (auto *gpt2 = dynamic_cast<const Gpt2Tokenizer *>(tokenizer.get()))
      if (auto eot = gpt2->endOfTextId())
        ids.push_back(*eot);
  return ids;
}

bool loadTokenizer(const tsr_module_t *module, const std::string &file, ModuleTokenizer &out,
                   std::string &error) {
  std::string kind, bytes, merges;
  if (!file.empty()) {
    if (!readTokenizerFile(file, kind, bytes, merges, error))
      return false;
  } else if (!metadata(module, "tokenizer.kind", kind) ||
             !metadata(module, "tokenizer.file", bytes)) {
    error = "the module holds no tokenizer (compile it with one beside the model, or with "
            "tessera-compile --tokenizer FILE), and none was given with --tokenizer FILE";
    return false;
  } else if (kind == "gpt2" && !metadata(module, "tokenizer.merges", merges)) {
    error = "the module's GPT-2 tokenizer lacks its merges (tokenizer.merges)";
    return false;
  }
  out.kind = kind;
  out.stops.clear();
  if (kind == "llama2c" || kind == "sentencepiece") {
    auto loaded = kind == "llama2c" ? SentencePieceTokenizer::fromLlama2cBytes(bytes)
                                    : SentencePieceTokenizer::fromModelProtoBytes(bytes);
    if (loaded.ok()) {
      // llama2.c ends a story at BOS (its sequence delimiter), others at EOS.
      for (auto id : {(*loaded)->bosId(), (*loaded)->eosId()})
        if (id)
          out.stops.push_back(*id);
    }
    return take(std::move(loaded), out.tokenizer, error);
  }
  if (kind == "gpt2") {
    auto loaded = Gpt2Tokenizer::fromStrings(bytes, merges);
    if (loaded.ok())
      if (auto eot = (*loaded)->endOfTextId())
        out.stops.push_back(*eot);
    return take(std::move(loaded), out.tokenizer, error);
  }
  if (kind == "wordpiece") {
    auto loaded = WordPieceTokenizer::fromString(bytes);
    if (loaded.ok())
      if (auto sep = (*loaded)->sepId())
        out.stops.push_back(*sep);
    return take(std::move(loaded), out.tokenizer, error);
  }
  error = "the module's tokenizer is of the unknown kind '" + kind + "'";
  return false;
}

} // namespace tessera::tools
