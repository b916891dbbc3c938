//===- llama2c_reader.cpp - fuzzing the llama2.c checkpoint reader --------===//
//
// Input: a llama2.c checkpoint (.bin). It is read with readLlama2c; when it
// is accepted, every tensor the config implies must be in the table with
// the config's shape and pass common/NativeChecks.h, and the whole native
// importer (importNativeModel: reader, graph builder, weights) must produce
// a module that verifies. Inputs whose header is plausible are also read
// with their weights cut or padded to the size the header implies.
//
//===----------------------------------------------------------------------===//

#include "fuzz/common/NativeChecks.h"

#include "frontend/native/Llama2c.h"

#include <cstdlib>
#include <cstring>

using namespace tessera;
using fuzz::violated;

namespace {

/// Importing builds a graph whose constants are as large as the weights:
/// keep one input cheap.
constexpr int64_t kMaxImportedBytes = int64_t(1) << 20;

void expectTensor(const native::TensorTable &table, const std::string &name,
                  llvm::ArrayRef<int64_t> shape) {
  fuzz::checkTensor(table, name, nullptr);
  if (llvm::ArrayRef<int64_t>(table.find(name)->shape) != shape)
    violated("a llama2.c tensor does not have the shape its config implies", name);
}

/// The size a legacy llama2.c file with this header has (as run.c reads
/// it), or 0 when the header is implausible or the file would be large.
size_t fittedSize(const int32_t h[7]) {
  for (int i = 0; i < 7; ++i)
    if ((i == 5 ? std::abs(int64_t(h[i])) : h[i]) < 1 || std::abs(int64_t(h[i])) > 512)
      return 0;
  int64_t dim = h[0], hidden = h[1], layers = h[2], heads = h[3], kvHeads = h[4],
          vocab = std::abs(int64_t(h[5])), seq = h[6];
  if (dim % heads != 0)
    return 0;
  int64_t headDim = dim / heads, kvDim = kvHeads * headDim;
  int64_t floats = vocab * dim + layers * (2 * dim + 2 * dim * dim + 2 * kvDim * dim +
                                           3 * hidden * dim) +
                   dim + 2 * seq * (headDim / 2) + (h[5] < 0 ? vocab * dim : 0);
  int64_t bytes = 28 + 4 * floats;
  return bytes <= kMaxImportedBytes ? size_t(bytes) : 0;
}

void readAndImport(std::string_view bytes);

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char *>(data), size);
  readAndImport(bytes);
  // Mutations rarely keep the file exactly as long as its header says, so
  // most inputs stop at the size check. The same header with the weights
  // cut or zero-padded to fit gets the rest of the reader and the importer
  // (every combination of dims, heads and KV heads) fuzzed too.
  if (size >= 28) {
    int32_t header[7];
    std::memcpy(header, data, sizeof header);
    if (size_t fitted = fittedSize(header); fitted && fitted != size) {
      std::string copy(bytes.substr(0, fitted));
      copy.resize(fitted, '\0');
      readAndImport(copy);
    }
  }
  return 0;
}

namespace {

void readAndImport(std::string_view bytes) {
  static const std::string path = fuzz::tempDir() + "/model.bin";
  if (!fuzz::writeFile(path, bytes))
    violated("cannot write the temporary checkpoint", path);
  native::TensorTable table;
  auto config = native::readLlama2c(path, table);
  if (!config) {
    if (llvm::toString(config.takeError()).empty())
      violated("a llama2.c error without a message");
    return;
  }
  const native::LlamaConfig &c = *config;
  int64_t kvDim = c.kvHeads * c.headDim;
  expectTensor(table, "model.embed_tokens.weight", {c.vocab, c.hidden});
  expectTensor(table, "model.norm.weight", {c.hidden});
  if (!c.tiedEmbeddings)
    expectTensor(table, "lm_head.weight", {c.vocab, c.hidden});
  else if (table.contains("lm_head.weight"))
    violated("a llama2.c file with a shared classifier has lm_head.weight");
  for (int64_t l = 0; l < c.layers; ++l) {
    std::string p = "model.layers." + std::to_string(l) + ".";
    expectTensor(table, p + "input_layernorm.weight", {c.hidden});
    expectTensor(table, p + "self_attn.q_proj.weight", {c.hidden, c.hidden});
    expectTensor(table, p + "self_attn.k_proj.weight", {kvDim, c.hidden});
    expectTensor(table, p + "self_attn.v_proj.weight", {kvDim, c.hidden});
    expectTensor(table, p + "self_attn.o_proj.weight", {c.hidden, c.hidden});
    expectTensor(table, p + "post_attention_layernorm.weight", {c.hidden});
    expectTensor(table, p + "mlp.gate_proj.weight", {c.intermediate, c.hidden});
    expectTensor(table, p + "mlp.down_proj.weight", {c.hidden, c.intermediate});
    expectTensor(table, p + "mlp.up_proj.weight", {c.intermediate, c.hidden});
  }
  if (int64_t(bytes.size()) <= kMaxImportedBytes)
    fuzz::checkImport(path);
}

} // namespace
