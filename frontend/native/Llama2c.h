//===- Llama2c.h - llama2.c checkpoints (.bin) ------------------*- C++ -*-===//
//
// Karpathy's llama2.c "legacy" (version 0) export: a header of seven int32
// {dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size, seq_len}
// (a negative vocab_size: the classifier is stored separately), then float32
// weights in this order, each layer's matrices stored [out, in] and all
// layers of one kind together:
//
//   token_embedding [vocab, dim], rms_att [layers, dim], wq, wk, wv, wo,
//   rms_ffn [layers, dim], w1, w2, w3, rms_final [dim],
//   freq_cis_real, freq_cis_imag [seq_len, head_size / 2] (skipped: the
//   RoPE tables are recomputed, as run.c does), wcls [vocab, dim] if not
//   shared.
//
// Each layer's slice is added to the table under the Hugging Face Llama name
// of the same weight, so that one builder serves both formats.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_FRONTEND_NATIVE_LLAMA2C_H
#define TESSERA_FRONTEND_NATIVE_LLAMA2C_H

#include "frontend/native/Llama.h"
#include "frontend/native/TensorTable.h"

namespace tessera::native {

/// Reads the checkpoint at `path`: its config, and its weights into `table`.
llvm::Expected<LlamaConfig> readLlama2c(llvm::StringRef path,
                                        TensorTable &table);

} // namespace tessera::native

#endif // TESSERA_FRONTEND_NATIVE_LLAMA2C_H
