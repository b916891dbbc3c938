//===- ModelConfig.h - typed, bounds-checked config.json fields -*- C++ -*-===//
//
// A Hugging Face config.json as the family builders read it: each accessor
// checks the field's JSON type and range and names the file and the field
// when it is wrong. Absent and null fields take the family's default, as in
// transformers.
//
// A family reads every field it needs, then asks for the first failure: a
// read after a failure returns the fallback (or 0), which it must not use.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_FRONTEND_NATIVE_MODELCONFIG_H
#define TESSERA_FRONTEND_NATIVE_MODELCONFIG_H

#include "llvm/Support/Error.h"
#include "llvm/Support/JSON.h"

#include <optional>
#include <string>
#include <vector>

namespace tessera::native {

/// The largest model dimension accepted (hidden size, vocabulary, layers,
/// positions...): beyond any real model, and small enough that the product
/// of two of them (a matrix's elements) stays far from overflowing int64.
constexpr int64_t kMaxDimension = int64_t(1) << 24;

class ModelConfig {
public:
  /// Reads and parses `path`.
  static llvm::Expected<ModelConfig> load(llvm::StringRef path);

  const std::string &path() const { return path_; }

  /// A dimension in [1, kMaxDimension]: required when `fallback` is nullopt.
  int64_t dimension(llvm::StringRef key, std::optional<int64_t> fallback = {});
  /// A finite number > 0 (epsilons, rope_theta).
  double positiveNumber(llvm::StringRef key, double fallback);
  bool boolean(llvm::StringRef key, bool fallback);
  std::string string(llvm::StringRef key, llvm::StringRef fallback);
  /// An array of strings (`architectures`); empty when absent.
  std::vector<std::string> strings(llvm::StringRef key);
  /// The number of members of an object field (id2label); `fallback` when
  /// absent.
  int64_t objectSize(llvm::StringRef key, int64_t fallback);
  /// True when the field is present and not null.
  bool isSet(llvm::StringRef key) const;

  /// Records an error about field `key` (a value out of what is supported,
  /// or sizes that do not fit together), unless one came before.
  void fail(llvm::StringRef key, const llvm::Twine &message);
  /// The first failure so far, or success.
  llvm::Error takeError();

private:
  ModelConfig(std::string path, llvm::json::Object object)
      : path_(std::move(path)), object_(std::move(object)) {}
  /// The field, or nullptr when absent or null.
  const llvm::json::Value *get(llvm::StringRef key) const;

  std::string path_;
  llvm::json::Object object_;
  std::optional<std::string> firstError_;
};

} // namespace tessera::native

#endif // TESSERA_FRONTEND_NATIVE_MODELCONFIG_H
