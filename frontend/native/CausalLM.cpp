//===- CausalLM.cpp - main, prefill and decode of decoder-only models -----===//

#include "frontend/native/CausalLM.h"

using namespace mlir;

namespace tessera::native {

namespace {

constexpr int64_t kDynamic = ShapedType::kDynamic;

FunctionInput idsInput(MLIRContext *context, int64_t sequence) {
  return {"input_ids",
          {kDynamic, sequence},
          IntegerType::get(context, 64),
          {"batch", sequence == kDynamic ? "sequence" : ""}};
}

/// logits, then (with `withPresent`) present.{i}.key/value per layer.
llvm::SmallVector<std::pair<std::string, Value>>
outputsOf(const CausalLMResult &result, bool withPresent) {
  llvm::SmallVector<std::pair<std::string, Value>> outputs = {
      {"logits", result.logits}};
  if (withPresent)
    for (auto [i, cache] : llvm::enumerate(result.present)) {
      outputs.push_back({"present." + std::to_string(i) + ".key", cache.key});
      outputs.push_back(
          {"present." + std::to_string(i) + ".value", cache.value});
    }
  return outputs;
}

} // namespace

void emitCausalLMFunctions(GraphBuilder &g, const CausalLMShape &shape,
                           CausalLMForward forward) {
  MLIRContext *context = g.context();
  for (llvm::StringRef name : {"main", "prefill"}) {
    Value ids = g.beginFunction(name, {idsInput(context, kDynamic)})[0];
    CausalLMResult result =
        forward(g, {ids, g.positions(g.size(ids, 1), Value()), {}});
    g.setScope(name);
    g.endFunction(outputsOf(result, /*withPresent=*/name == "prefill"));
  }

  llvm::SmallVector<FunctionInput> inputs = {idsInput(context, 1)};
  for (int64_t i = 0; i < shape.layers; ++i)
    for (llvm::StringRef part : {"key", "value"})
      inputs.push_back(
          {"past_key_values." + std::to_string(i) + "." + part.str(),
           {kDynamic, shape.kvHeads, kDynamic, shape.headDim},
           Float32Type::get(context),
           {"batch", "", "past_sequence", ""}});
  llvm::SmallVector<Value> args = g.beginFunction("decode", inputs);
  llvm::SmallVector<KVCache> past;
  for (int64_t i = 0; i < shape.layers; ++i)
    past.push_back({args[1 + 2 * i], args[2 + 2 * i]});
  Value pastLength = g.indexValue(g.size(past.front().key, 2));
  CausalLMResult result =
      forward(g, {args[0], g.positions(g.size(args[0], 1), pastLength), past});
  g.setScope("decode");
  g.endFunction(outputsOf(result, /*withPresent=*/true));
}

} // namespace tessera::native
