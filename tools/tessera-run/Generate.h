//===- Generate.h - text generation with a compiled model -------*- C++ -*-===//
//
// tessera-run --prompt: tokenize, run `prefill` once and `decode` per token
// with the KV caches kept by the runtime session
// (tsr_session_run_with_state), or, for a module with only `main` (an ONNX
// export without caches), run `main` on the whole growing sequence. Text is
// printed to stdout as it is generated; tokens/s of both phases go to
// stderr at the end.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_TOOLS_TESSERA_RUN_GENERATE_H
#define TESSERA_TOOLS_TESSERA_RUN_GENERATE_H

#include "Sampler.h"

#include "tessera/runtime.h"

#include <cstdint>
#include <string>

namespace tessera::tools {

struct GenerateOptions {
  std::string prompt;
  uint64_t maxNewTokens = 100;
  SamplerOptions sampler;
  std::string tokenizerFile; // "" : the module's own
  tsr_session_options_t session{TSR_DEVICE_CPU, 0, 0}; // device and threads
  bool rerunMain = false;    // ignore prefill/decode, re-run main each step
  std::string tokenIdsPath;  // also write prompt + generated ids as .npy
};

/// A session on `options`' device; false with `error` set (naming the
/// --device to use when the module is for the other kind of device).
bool createSession(const tsr_module_t *module, const tsr_session_options_t &options,
                   tsr_session_t **out, std::string &error);

/// False with `error` set on any failure (the text printed so far stays).
bool generate(const tsr_module_t *module, const GenerateOptions &options, std::string &error);

} // namespace tessera::tools

#endif // TESSERA_TOOLS_TESSERA_RUN_GENERATE_H
