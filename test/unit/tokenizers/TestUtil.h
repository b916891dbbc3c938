// Helpers of the tokenizer tests: where ../shared is, and the
// llama.cpp-style conformance vectors (.inp/.out).
#ifndef TESSERA_TEST_UNIT_TOKENIZERS_TESTUTIL_H
#define TESSERA_TEST_UNIT_TOKENIZERS_TESTUTIL_H

#include "tools/common/tokenizers/Tokenizers.h"
#include "tools/common/tokenizers/Utf8.h"

#include <cstdio>
#include <cstdlib>
#include <string>
#include <sys/stat.h>
#include <vector>

namespace tessera::tokenizers::test {

inline bool isDirectory(const std::string &p) {
  struct stat st;
  return ::stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// $TESSERA_SHARED_DIR, else ../shared next to the source tree.
inline std::string sharedDir() {
  if (const char *env = std::getenv("TESSERA_SHARED_DIR"); env && *env)
    return env;
  return std::string(TSR_TOKENIZER_TEST_SOURCE_DIR) + "/../shared";
}

// The shared directory when it has tokenizers/, else "" after saying once
// (per process) why the tests that need it are skipped.
inline std::string sharedTokenizerDir() {
  static const std::string dir = [] {
    std::string d = sharedDir() + "/tokenizers";
    if (isDirectory(d))
      return d;
    std::fprintf(stderr,
                 "[tokenizers] skipping the conformance tests: %s not found "
                 "(set TESSERA_SHARED_DIR to the shared data directory)\n",
                 d.c_str());
    return std::string();
  }();
  return dir;
}

#define TSR_REQUIRE_SHARED(var)                                                \
  std::string var = ::tessera::tokenizers::test::sharedTokenizerDir();         \
  if (var.empty())                                                             \
  GTEST_SKIP() << "shared tokenizer data not found (set TESSERA_SHARED_DIR)"

struct Vector {
  std::string text;
  std::vector<TokenId> ids;
};

// Reads a .inp/.out pair exactly as llama.cpp's test-tokenizer-0 does: the
// inputs are separated by "\n__ggml_vocab_test__\n" (the file ends with one),
// the outputs are one line of space-separated ids per input.
inline Expected<std::vector<Vector>> readVectors(const std::string &inp,
                                                 const std::string &out) {
  Expected<std::string> raw = readFile(inp);
  if (!raw)
    return raw.error();
  Expected<std::string> outRaw = readFile(out);
  if (!outRaw)
    return outRaw.error();
  const std::string sep = "\n__ggml_vocab_test__\n";
  std::vector<std::string> inputs;
  for (size_t pos = 0; pos < raw->size();) {
    size_t next = raw->find(sep, pos);
    if (next == std::string::npos) {
      inputs.push_back(raw->substr(pos));
      break;
    }
    inputs.push_back(raw->substr(pos, next - pos));
    pos = next + sep.size();
  }
  std::vector<std::vector<TokenId>> outputs;
  for (size_t pos = 0; pos < outRaw->size();) {
    size_t eol = outRaw->find('\n', pos);
    if (eol == std::string::npos)
      eol = outRaw->size();
    std::string line = outRaw->substr(pos, eol - pos);
    pos = eol + 1;
    std::vector<TokenId> ids;
    const char *p = line.c_str();
    while (*p) {
      while (*p == ' ')
        ++p;
      if (!*p)
        break;
      char *end;
      long v = std::strtol(p, &end, 10);
      if (end == p)
        return Error(ErrorCode::Malformed, out + ": not an id list: " + line);
      ids.push_back(TokenId(v));
      p = end;
    }
    outputs.push_back(std::move(ids));
  }
  if (inputs.size() != outputs.size())
    return Error(ErrorCode::Malformed,
                 inp + ": " + std::to_string(inputs.size()) + " inputs but " +
                     std::to_string(outputs.size()) + " outputs");
  std::vector<Vector> v;
  for (size_t i = 0; i < inputs.size(); ++i)
    v.push_back(Vector{inputs[i], outputs[i]});
  return v;
}

inline std::string idsToString(const std::vector<TokenId> &ids) {
  std::string s;
  for (TokenId id : ids)
    s += " " + std::to_string(id);
  return s;
}

// Printable form of a test string.
inline std::string escaped(const std::string &s) {
  std::string o;
  for (unsigned char c : s) {
    if (c == '\n')
      o += "\\n";
    else if (c == '\t')
      o += "\\t";
    else if (c < 0x20) {
      char b[8];
      std::snprintf(b, sizeof b, "\\x%02x", c);
      o += b;
    } else
      o.push_back(char(c));
  }
  return o;
}

} // namespace tessera::tokenizers::test

#endif
