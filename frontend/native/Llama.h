//===- Llama.h - Llama-architecture models ----------------------*- C++ -*-===//
//
// RMSNorm, RoPE, grouped-query causal attention and a SwiGLU MLP: the model
// of Hugging Face's `llama` and of llama2.c checkpoints. Both are built from
// tensors carrying Hugging Face's names (the llama2.c reader names its
// slices that way); they differ in the RoPE pairing and the epsilon.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_FRONTEND_NATIVE_LLAMA_H
#define TESSERA_FRONTEND_NATIVE_LLAMA_H

#include "frontend/native/GraphBuilder.h"
#include "frontend/native/ModelConfig.h"
#include "frontend/native/WeightLoader.h"

namespace tessera::native {

struct LlamaConfig {
  int64_t hidden = 0, intermediate = 0, layers = 0, heads = 0, kvHeads = 0,
          headDim = 0, vocab = 0;
  /// Rows of the RoPE cos/sin tables; later positions reuse the last row.
  int64_t maxPositions = 0;
  float epsilon = 1e-6f;
  double ropeTheta = 10000.0;
  /// llama2.c rotates pairs (2i, 2i+1); Hugging Face rotates halves.
  bool interleavedRope = false;
  /// No lm_head.weight: the logits use the embedding table.
  bool tiedEmbeddings = false;
};

/// The config of a Hugging Face `llama` config.json.
llvm::Expected<LlamaConfig> readLlamaConfig(ModelConfig &config);

/// Checks that `config`'s sizes fit together; `what` names its source.
llvm::Error checkLlamaConfig(const LlamaConfig &config, llvm::StringRef what);

/// Emits main, prefill and decode (see CausalLM.h).
llvm::Error buildLlama(const LlamaConfig &config, WeightLoader &weights,
                       GraphBuilder &g);

} // namespace tessera::native

#endif // TESSERA_FRONTEND_NATIVE_LLAMA_H
