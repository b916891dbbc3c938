//===- Llama2c.cpp - llama2.c checkpoints (.bin) --------------------------===//

#include "frontend/native/Llama2c.h"

#include "llvm/Support/Endian.h"

#include <functional>

namespace tessera::native {

namespace {

constexpr size_t kHeaderBytes = 7 * sizeof(int32_t);
/// llama2.c's later export versions start with this magic ("ak42").
constexpr uint32_t kVersionedMagic = 0x616b3432;

/// One block of the file: `count` matrices (one per layer, or one) of
/// `shape`, named by `name(i)`, or skipped.
struct Block {
  std::string what; // llama2.c's name, for messages
  int64_t count;
  llvm::SmallVector<int64_t, 2> shape;
  std::function<std::string(int64_t)> name; // empty: skipped
};

} // namespace

llvm::Expected<LlamaConfig> readLlama2c(llvm::StringRef path,
                                        TensorTable &table) {
  auto fail = [&](const llvm::Twine &message) {
    return llvm::createStringError(path + ": " + message);
  };
  if (llvm::sys::IsBigEndianHost)
    return fail("llama2.c checkpoints are little-endian; this host is not");
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                            /*RequiresNullTerminator=*/false);
  if (!buffer)
    return fail("cannot read: " + buffer.getError().message());
  llvm::StringRef file = (*buffer)->getBuffer();
  if (file.size() < kHeaderBytes)
    return fail("too short for a llama2.c header (" + llvm::Twine(file.size()) +
                " bytes, the header alone takes 28)");
  if (llvm::support::endian::read32le(file.data()) == kVersionedMagic)
    return fail("a versioned llama2.c export (magic 'ak42'); only the legacy "
                "version-0 format is read (export.py --version 0)");

  int32_t header[7];
  for (int i = 0; i < 7; ++i)
    header[i] = static_cast<int32_t>(
        llvm::support::endian::read32le(file.data() + 4 * i));
  const char *names[7] = {"dim",        "hidden_dim", "n_layers", "n_heads",
                          "n_kv_heads", "vocab_size", "seq_len"};
  for (int i = 0; i < 7; ++i) {
    int64_t value = i == 5 ? std::abs(int64_t(header[i])) : header[i];
    if (value < 1 || value > kMaxDimension)
      return fail("header field " + llvm::Twine(names[i]) + " is " +
                  llvm::Twine(header[i]) + "; expected 1.." +
                  llvm::Twine(kMaxDimension) +
                  " (is this a llama2.c checkpoint?)");
  }
  LlamaConfig c;
  c.hidden = header[0];
  c.intermediate = header[1];
  c.layers = header[2];
  c.heads = header[3];
  c.kvHeads = header[4];
  c.vocab = std::abs(int64_t(header[5]));
  c.tiedEmbeddings = header[5] > 0;
  c.maxPositions = header[6];
  // run.c's constants.
  c.epsilon = 1e-5f;
  c.ropeTheta = 10000.0;
  c.interleavedRope = true;
  if (c.hidden % c.heads != 0)
    return fail("dim " + llvm::Twine(c.hidden) +
                " is not a multiple of n_heads " + llvm::Twine(c.heads));
  c.headDim = c.hidden / c.heads;
  if (llvm::Error err = checkLlamaConfig(c, path))
    return std::move(err);

  int64_t kvDim = c.kvHeads * c.headDim, L = c.layers;
  auto perLayer = [](std::string suffix) {
    return [suffix](int64_t l) {
      return "model.layers." + std::to_string(l) + "." + suffix;
    };
  };
  auto single = [](std::string name) {
    return [name](int64_t) { return name; };
  };
  std::vector<Block> blocks = {
      {"token_embedding",
       1,
       {c.vocab, c.hidden},
       single("model.embed_tokens.weight")},
      {"rms_att", L, {c.hidden}, perLayer("input_layernorm.weight")},
      {"wq", L, {c.hidden, c.hidden}, perLayer("self_attn.q_proj.weight")},
      {"wk", L, {kvDim, c.hidden}, perLayer("self_attn.k_proj.weight")},
      {"wv", L, {kvDim, c.hidden}, perLayer("self_attn.v_proj.weight")},
      {"wo", L, {c.hidden, c.hidden}, perLayer("self_attn.o_proj.weight")},
      {"rms_ffn", L, {c.hidden}, perLayer("post_attention_layernorm.weight")},
      {"w1", L, {c.intermediate, c.hidden}, perLayer("mlp.gate_proj.weight")},
      {"w2", L, {c.hidden, c.intermediate}, perLayer("mlp.down_proj.weight")},
      {"w3", L, {c.intermediate, c.hidden}, perLayer("mlp.up_proj.weight")},
      {"rms_final", 1, {c.hidden}, single("model.norm.weight")},
      {"freq_cis_real", 1, {c.maxPositions, c.headDim / 2}, nullptr},
      {"freq_cis_imag", 1, {c.maxPositions, c.headDim / 2}, nullptr},
  };
  if (!c.tiedEmbeddings)
    blocks.push_back(
        {"wcls", 1, {c.vocab, c.hidden}, single("lm_head.weight")});

  // Every size is below 2^24, so a matrix has fewer than 2^50 bytes and the
  // running offset cannot overflow before it passes the file's end.
  uint64_t offset = kHeaderBytes;
  for (const Block &block : blocks) {
    uint64_t bytes = sizeof(float);
    for (int64_t dim : block.shape)
      bytes *= static_cast<uint64_t>(dim);
    for (int64_t i = 0; i < block.count; ++i) {
      if (bytes > file.size() - offset)
        return fail("truncated: " + llvm::Twine(block.what) +
                    (block.count > 1 ? " of layer " + llvm::Twine(i) : "") +
                    " needs bytes [" + llvm::Twine(offset) + ", " +
                    llvm::Twine(offset + bytes) + ") but the file has " +
                    llvm::Twine(file.size()));
      if (block.name) {
        TensorView view;
        view.dtype = DType::F32;
        view.shape.assign(block.shape.begin(), block.shape.end());
        view.bytes = llvm::ArrayRef<char>(file.data() + offset, bytes);
        view.file = path.str();
        if (llvm::Error err = table.add(block.name(i), std::move(view)))
          return std::move(err);
      }
      offset += bytes;
    }
  }
  if (offset != file.size())
    return fail(llvm::Twine(file.size() - offset) +
                " bytes follow the weights that the header describes (dim " +
                llvm::Twine(c.hidden) + ", " + llvm::Twine(c.layers) +
                " layers, vocab " + llvm::Twine(header[5]) +
                "): not a llama2.c checkpoint of that shape");
  table.keepMapped(std::move(*buffer));
  table.setSource(path);
  return c;
}

} // namespace tessera::native
