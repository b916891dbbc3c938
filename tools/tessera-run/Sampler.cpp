//===- Sampler.cpp - the next token from logits ---------------------------===//

#include "Sampler.h"

#include <algorithm>
#include <cmath>

namespace tessera::tools {

double Sampler::uniform() {
  uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  z ^= z >> 31;
  return double(z >> 11) * 0x1.0p-53;
}

int32_t Sampler::sample(const float *logits, size_t n) {
  // Greedy: the first of the largest (NaN never wins a comparison).
  size_t best = 0;
  for (size_t i = 1; i < n; ++i)
    if (logits[i] > logits[best])
      best = i;
  if (options_.temperature <= 0)
    return int32_t(best);

  candidates_.clear();
  for (size_t i = 0; i < n; ++i)
    if (!std::isnan(logits[i]))
      candidates_.emplace_back(logits[i], int32_t(i));
  auto byLogit = [](const auto &a, const auto &b) {
    return a.first > b.first || (a.first == b.first && a.second < b.second);
  };
  size_t keep = candidates_.size();
  if (options_.topK > 0 && options_.topK < keep) {
    keep = options_.topK;
    std::partial_sort(candidates_.begin(), candidates_.begin() + keep, candidates_.end(),
                      byLogit);
    candidates_.resize(keep);
  } else {
    std::sort(candidates_.begin(), candidates_.end(), byLogit);
  }
  if (candidates_.empty())
    return int32_t(best);
  // Probabilities, in place, relative to the most likely candidate.
  double total = 0;
  float top = candidates_[0].first;
  for (auto &[weight, id] : candidates_) {
    weight = float(std::exp(double(weight - top) / options_.temperature));
    total += weight;
  }
  if (options_.topP < 1) {
    double sum = 0;
    size_t cut = 0;
    while (cut < candidates_.size() && sum < options_.topP * total)
      sum += candidates_[cut++].first;
    candidates_.resize(std::max<size_t>(cut, 1));
    total = 0;
    for (const auto &c : candidates_)
      total += c.first;
  }
  double target = uniform() * total;
  for (const auto &[weight, id] : candidates_) {
    target -= weight;
    if (target < 0)
      return id;
  }
  return candidates_.back().second;
}

} // namespace tessera::tools
