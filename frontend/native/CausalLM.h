//===- CausalLM.h - main, prefill, decode of decoder-only LMs ---*- C++ -*-===//
//
// The decoder-only families (llama2.c, llama, gpt2) differ in their layers
// but export the same three functions, which this builds around a family's
// forward pass:
//
//   main(input_ids [batch, sequence]) -> logits [batch, sequence, vocab]
//   prefill(input_ids [batch, sequence])
//       -> logits, present.{i}.key, present.{i}.value
//          (caches [batch, kv_heads, sequence, head_dim], one pair per layer)
//   decode(input_ids [batch, 1],
//          past_key_values.{i}.key, past_key_values.{i}.value
//          [batch, kv_heads, past_sequence, head_dim])
//       -> logits [batch, 1, vocab], present.{i}.key, present.{i}.value
//          [batch, kv_heads, past_sequence + 1, head_dim]
//
// decode attends over the past through tessera.attention's past(...)
// operands and returns its present results; its positions start at the
// past length.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_FRONTEND_NATIVE_CAUSALLM_H
#define TESSERA_FRONTEND_NATIVE_CAUSALLM_H

#include "frontend/native/GraphBuilder.h"

#include "llvm/ADT/STLFunctionalExtras.h"

namespace tessera::native {

/// What one call of a family's forward pass gets.
struct CausalLMStep {
  mlir::Value ids;       // [B, S] i64
  mlir::Value positions; // [1, S] i64
  /// One cache per layer in decode; empty in main and prefill.
  llvm::ArrayRef<KVCache> past;
};

struct CausalLMResult {
  mlir::Value logits;
  /// One present cache per layer.
  llvm::SmallVector<KVCache> present;
};

struct CausalLMShape {
  int64_t layers, kvHeads, headDim;
};

using CausalLMForward =
    llvm::function_ref<CausalLMResult(GraphBuilder &, const CausalLMStep &)>;

/// Emits main, prefill and decode, each calling `forward` once.
void emitCausalLMFunctions(GraphBuilder &g, const CausalLMShape &shape,
                           CausalLMForward forward);

} // namespace tessera::native

#endif // TESSERA_FRONTEND_NATIVE_CAUSALLM_H
