//===- TokenizerFiles.cpp - the tokenizer stored in a module --------------===//

#include "TokenizerFiles.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

namespace tessera::tools {
namespace {

using module::MetadataDesc;
using Entries = std::vector<MetadataDesc>;

// Vocabulary files are kilobytes to a few megabytes; anything far larger is
// not a tokenizer.
constexpr uint64_t kMaxFileBytes = 64ull << 20;

llvm::Expected<std::string> readFile(const std::string &path) {
  uint64_t size = 0;
  if (std::error_code ec = llvm::sys::fs::file_size(path, size))
    return llvm::createFileError(path, ec);
  if (size > kMaxFileBytes)
    return llvm::createStringError("tokenizer file " + path + " has " + std::to_string(size) +
                                   " bytes, more than a tokenizer's " +
                                   std::to_string(kMaxFileBytes));
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/false);
  if (!buffer)
    return llvm::createFileError(path, buffer.getError());
  return (*buffer)->getBuffer().str();
}

bool exists(const std::string &path) {
  return llvm::sys::fs::exists(path) && !llvm::sys::fs::is_directory(path);
}

std::string join(llvm::StringRef dir, llvm::StringRef name) {
  llvm::SmallString<256> path(dir);
  llvm::sys::path::append(path, name);
  return std::string(path);
}

llvm::Expected<Entries> entries(llvm::StringRef kind, const std::string &file,
                                const std::string &merges = "") {
  Entries out{{"tokenizer.kind", kind.str()}};
  auto bytes = readFile(file);
  if (!bytes)
    return bytes.takeError();
  out.push_back({"tokenizer.file", std::move(*bytes)});
  if (!merges.empty()) {
    auto mergeBytes = readFile(merges);
    if (!mergeBytes)
      return mergeBytes.takeError();
    out.push_back({"tokenizer.merges", std::move(*mergeBytes)});
  }
  return out;
}

llvm::Expected<Entries> fromExplicitFile(const std::string &file) {
  if (!exists(file))
    return llvm::createStringError("--tokenizer " + file + ": no such file");
  llvm::StringRef name = llvm::sys::path::filename(file);
  llvm::StringRef dir = llvm::sys::path::parent_path(file);
  if (name.ends_with(".model"))
    return entries("sentencepiece", file);
  if (name.ends_with(".json")) {
    for (llvm::StringRef merges : {"merges.txt", "vocab.bpe"})
      if (exists(join(dir, merges)))
        return entries("gpt2", file, join(dir, merges));
    return llvm::createStringError("--tokenizer " + file +
                                   ": a GPT-2 vocabulary needs merges.txt or vocab.bpe "
                                   "in the same directory");
  }
  if (name.ends_with(".txt"))
    return entries("wordpiece", file);
  return entries("llama2c", file);
}

/// The llama2.c tokenizer beside a model file: tokenizer.bin, else the only
/// tok*.bin (llama2.c's own names: tok512.bin, tok4096.bin).
llvm::Expected<std::optional<std::string>> llama2cBeside(llvm::StringRef dir,
                                                         llvm::StringRef model) {
  if (exists(join(dir, "tokenizer.bin")))
    return join(dir, "tokenizer.bin");
  std::vector<std::string> found;
  std::error_code ec;
  for (llvm::sys::fs::directory_iterator it(dir.empty() ? "." : dir, ec), end;
       it != end && !ec; it.increment(ec)) {
    llvm::StringRef name = llvm::sys::path::filename(it->path());
    if (name.starts_with("tok") && name.ends_with(".bin") &&
        name != llvm::sys::path::filename(model) && exists(it->path()))
      found.push_back(it->path());
  }
  if (found.size() > 1)
    return llvm::createStringError("several tokenizers lie beside " + model.str() + " (" +
                                   found[0] + ", " + found[1] +
                                   "): choose one with --tokenizer FILE");
  if (found.empty())
    return std::nullopt;
  return found[0];
}

} // namespace

llvm::Expected<std::optional<Entries>> findTokenizer(const std::string &modelPath,
                                                     const std::string &explicitFile) {
  if (!explicitFile.empty())
    return fromExplicitFile(explicitFile);
  bool isDir = llvm::sys::fs::is_directory(modelPath);
  std::string dir = isDir ? modelPath : llvm::sys::path::parent_path(modelPath).str();
  if (exists(join(dir, "vocab.json")) && exists(join(dir, "merges.txt")))
    return entries("gpt2", join(dir, "vocab.json"), join(dir, "merges.txt"));
  if (exists(join(dir, "encoder.json")) && exists(join(dir, "vocab.bpe")))
    return entries("gpt2", join(dir, "encoder.json"), join(dir, "vocab.bpe"));
  if (exists(join(dir, "tokenizer.model")))
    return entries("sentencepiece", join(dir, "tokenizer.model"));
  if (exists(join(dir, "vocab.txt")))
    return entries("wordpiece", join(dir, "vocab.txt"));
  auto llama2c = llama2cBeside(dir, isDir ? "" : modelPath);
  if (!llama2c)
    return llama2c.takeError();
  if (!*llama2c)
    return std::nullopt;
  return entries("llama2c", **llama2c);
}

} // namespace tessera::tools
