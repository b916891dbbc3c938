//===- safetensors_reader.cpp - fuzzing the safetensors reader ------------===//
//
// Input, without kSplit (common/FuzzSupport.h): one .safetensors file. It is
// read with readSafetensorsFile; then every tensor its header names must be
// in the table and pass common/NativeChecks.h (inside the file, exact byte
// count, every byte readable), and the float ones are turned into
// attributes by the weight loader (widened, transposed).
//
// Input with kSplit: a model directory, as config.json, model.safetensors
// and model.safetensors.index.json. With an index, the safetensors bytes are
// written as the shard "model-00001-of-00001.safetensors" instead of
// model.safetensors. Empty parts are not written. With a config the whole
// native importer runs (importNativeModel: config, weights, graph builder)
// and what it imports must verify; without one, readSafetensorsDir runs.
//
//===----------------------------------------------------------------------===//

#include "fuzz/common/NativeChecks.h"

#include "frontend/native/Safetensors.h"

#include "llvm/Support/Endian.h"
#include "llvm/Support/JSON.h"

#include <cerrno>
#include <sys/stat.h>
#include <unistd.h>

using namespace tessera;
using fuzz::violated;

namespace {

void readFile(std::string_view bytes) {
  static const std::string path = fuzz::tempDir() + "/model.safetensors";
  if (!fuzz::writeFile(path, bytes))
    violated("cannot write the temporary checkpoint", path);
  native::TensorTable table;
  if (llvm::Error error = native::readSafetensorsFile(path, table)) {
    if (llvm::toString(std::move(error)).empty())
      violated("a safetensors error without a message");
    return;
  }
  // Accepted: the header is valid JSON; every name but __metadata__ must be
  // in the table.
  uint64_t headerBytes = llvm::support::endian::read64le(bytes.data());
  auto header = llvm::json::parse(llvm::StringRef(bytes.data() + 8, headerBytes));
  if (!header || !header->getAsObject())
    violated("the reader accepted a header that is not a JSON object");
  fuzz::QuietContext q;
  native::WeightLoader loader(&q.context, table);
  for (const auto &entry : *header->getAsObject())
    if (entry.first != "__metadata__")
      fuzz::checkTensor(table, entry.first, &loader);
}

void readDirectory(std::string_view config, std::string_view weights, std::string_view index) {
  static const std::string dir = [] {
    std::string d = fuzz::tempDir() + "/hf-model";
    if (mkdir(d.c_str(), 0700) != 0 && errno != EEXIST)
      violated("cannot make the model directory", d);
    return d;
  }();
  const std::string shard = "model-00001-of-00001.safetensors";
  for (const char *name : {"config.json", "model.safetensors", "model.safetensors.index.json",
                           "model-00001-of-00001.safetensors"})
    unlink((dir + "/" + name).c_str());
  auto put = [&](const std::string &name, std::string_view bytes) {
    if (!bytes.empty() && !fuzz::writeFile(dir + "/" + name, bytes))
      violated("cannot write a temporary file", name);
  };
  put("config.json", config);
  put(index.empty() ? "model.safetensors" : shard, weights);
  put("model.safetensors.index.json", index);
  if (!config.empty()) {
    fuzz::checkImport(dir);
    return;
  }
  native::TensorTable table;
  if (llvm::Error error = native::readSafetensorsDir(dir, table))
    if (llvm::toString(std::move(error)).empty())
      violated("a safetensors error without a message");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char *>(data), size);
  if (bytes.find(fuzz::kSplit) == std::string_view::npos) {
    readFile(bytes);
    return 0;
  }
  std::vector<std::string_view> parts = fuzz::split(bytes, 3);
  readDirectory(parts[0], parts[1], parts[2]);
  return 0;
}
