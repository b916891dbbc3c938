//===- llama2c_reader.cpp - fuzzing the llama2.c checkpoint reader --------===//
//
// Input: a llama2.c checkpoint (.bin). It is read with readLlama2c; when it
// is accepted, every tensor the config implies must be in the table with
// the config's shape and pass common/NativeChecks.h, and the whole native
// importer (importNativeModel: reader, graph builder, weights) must produce
// a module that verifies.
//
//===----------------------------------------------------------------------===//

#include "fuzz/common/NativeChecks.h"

#include "frontend/native/Llama2c.h"

using namespace tessera;
using fuzz::violated;

namespace {

/// Importing builds a graph whose constants are as large as the weights:
/// keep one input cheap.
constexpr int64_t kMaxImportedBytes = int64_t(4) << 20;

void expectTensor(const native::TensorTable &table, const std::string &name,
                  llvm::ArrayRef<int64_t> shape) {
  fuzz::checkTensor(table, name, nullptr);
  if (llvm::ArrayRef<int64_t>(table.find(name)->shape) != shape)
    violated("a llama2.c tensor does not have the shape its config implies", name);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const std::string path = fuzz::tempDir() + "/model.bin";
  if (!fuzz::writeFile(path, std::string_view(reinterpret_cast<const char *>(data), size)))
    violated("cannot write the temporary checkpoint", path);
  native::TensorTable table;
  auto config = native::readLlama2c(path, table);
  if (!config) {
    if (llvm::toString(config.takeError()).empty())
      violated("a llama2.c error without a message");
    return 0;
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
  if (int64_t(size) <= kMaxImportedBytes)
    fuzz::checkImport(path);
  return 0;
}
