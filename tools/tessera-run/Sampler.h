//===- Sampler.h - the next token from logits -------------------*- C++ -*-===//
//
// Greedy at temperature 0; otherwise softmax(logits / temperature) cut to
// the top-k most likely tokens, then to the smallest set whose probability
// reaches top-p, sampled with a seeded generator (splitmix64, so a seed
// gives the same tokens on every platform).
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_TOOLS_TESSERA_RUN_SAMPLER_H
#define TESSERA_TOOLS_TESSERA_RUN_SAMPLER_H

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace tessera::tools {

struct SamplerOptions {
  float temperature = 0; // 0: greedy
  size_t topK = 0;       // 0: no cut
  float topP = 1;        // 1: no cut
  uint64_t seed = 0;
};

class Sampler {
public:
  explicit Sampler(const SamplerOptions &options)
      : options_(options), state_(options.seed) {}
  /// The chosen index of `logits[0 .. n)`; n must be positive.
  int32_t sample(const float *logits, size_t n);

private:
  double uniform(); // [0, 1)
  SamplerOptions options_;
  uint64_t state_;
  std::vector<std::pair<float, int32_t>> candidates_; // reused between calls
};

} // namespace tessera::tools

#endif // TESSERA_TOOLS_TESSERA_RUN_SAMPLER_H
