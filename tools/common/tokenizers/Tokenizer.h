//===- Tokenizer.h - what every tokenizer shares ----------------*- C++ -*-===//
//
// Tessera tokenizers: what every tokenizer shares.
//
// The tokenizers load their vocabularies from the usual files (GPT-2
// encoder.json + vocab.bpe, llama2.c tokenizer.bin, SentencePiece
// tokenizer.model, BERT vocab.txt). Loading never throws and never asserts
// on file contents: a missing, truncated or malformed file comes back as an
// Error naming the file and what is wrong with it. Encoding never fails (any
// byte string is accepted; invalid UTF-8 is handled as each tokenizer's
// reference does with bytes it cannot decode); decoding fails only on an id
// outside the vocabulary.
//
// Nothing here depends on LLVM/MLIR or on any third-party library.
//
//===----------------------------------------------------------------------===//
#ifndef TESSERA_TOOLS_COMMON_TOKENIZERS_TOKENIZER_H
#define TESSERA_TOOLS_COMMON_TOKENIZERS_TOKENIZER_H

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tessera::tokenizers {

using TokenId = int32_t;

enum class ErrorCode {
  Ok = 0,
  FileNotFound, // the file could not be opened
  IoError,      // reading failed, or the file is over the size limit
  Malformed,    // the contents do not parse (the message says where)
  Unsupported,  // well-formed, but a feature this implementation lacks
  InvalidId,    // decode: an id outside the vocabulary
  OutOfMemory,  // an allocation failed while loading
};

const char *errorCodeName(ErrorCode code);

struct Error {
  ErrorCode code = ErrorCode::Ok;
  std::string message;

  Error() = default;
  Error(ErrorCode c, std::string m) : code(c), message(std::move(m)) {}
  bool ok() const { return code == ErrorCode::Ok; }
  // "Malformed: vocab.bpe:12: expected two symbols"
  std::string toString() const;
};

// A value or an Error. Check ok() before value().
template <typename T> class Expected {
public:
  Expected(T value) : value_(std::move(value)) {}
  Expected(Error error) : error_(std::move(error)) {}
  bool ok() const { return value_.has_value(); }
  explicit operator bool() const { return ok(); }
  T &value() { return *value_; }
  const T &value() const { return *value_; }
  T &operator*() { return *value_; }
  const T &operator*() const { return *value_; }
  T *operator->() { return &*value_; }
  const T *operator->() const { return &*value_; }
  const Error &error() const { return error_; }

private:
  std::optional<T> value_;
  Error error_;
};

class Tokenizer {
public:
  virtual ~Tokenizer() = default;
  // Token ids of `text`, without any special token (no BOS/EOS, no
  // [CLS]/[SEP]) -- what HF's encode(add_special_tokens=False) gives.
  virtual std::vector<TokenId> encode(std::string_view text) const = 0;
  // Text of a token sequence. Fails only on an id outside the vocabulary.
  virtual Expected<std::string>
  decode(const std::vector<TokenId> &ids) const = 0;
  // Number of ids (one more than the largest id).
  virtual size_t vocabSize() const = 0;
  // The vocabulary entry of `id` as stored (GPT-2: byte-to-unicode form;
  // SentencePiece: with U+2581 or, for llama2.c files, ' '; WordPiece: with
  // "##"). Empty for an id outside the vocabulary.
  virtual std::string_view idToPiece(TokenId id) const = 0;
  // The id of a vocabulary entry, spelled as idToPiece gives it.
  virtual std::optional<TokenId> pieceToId(std::string_view piece) const = 0;
};

} // namespace tessera::tokenizers

#endif
