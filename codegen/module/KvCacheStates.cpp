//===- KvCacheStates.cpp - mark KV caches as session state ----------------===//

#include "codegen/module/KvCacheStates.h"

#include "llvm/ADT/StringRef.h"

namespace tessera::module {

namespace {

size_t markFunctions(std::vector<FunctionDesc> &functions) {
  constexpr int32_t kLengthAxis = 2;
  size_t added = 0;
  for (FunctionDesc &fn : functions) {
    for (size_t o = 0; o < fn.outputs.size(); ++o) {
      const TensorSigDesc &out = fn.outputs[o];
      llvm::StringRef suffix = out.name;
      if (!suffix.consume_front("present.") || out.dims.size() != 4 ||
          out.dims[kLengthAxis].value <= 0)
        continue;
      StateDesc state{"kv." + suffix.str(), -1, int32_t(o), kLengthAxis};
      for (size_t i = 0; i < fn.inputs.size(); ++i) {
        const TensorSigDesc &in = fn.inputs[i];
        if (in.name == "past_key_values." + suffix.str() && in.dtype == out.dtype &&
            in.dims.size() == out.dims.size())
          state.input = int32_t(i);
      }
      fn.states.push_back(std::move(state));
      ++added;
    }
  }
  return added;
}

} // namespace

size_t markKvCacheStates(ModuleDesc &desc) {
  // The targets' functions have the same signatures, so the same states.
  for (TargetDesc &other : desc.otherTargets)
    markFunctions(other.functions);
  return markFunctions(desc.functions);
}

} // namespace tessera::module
