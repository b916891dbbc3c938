//===- FuzzSupport.h - what the harnesses share -----------------*- C++ -*-===//
//
// Splitting one fuzz input into several files, a private temporary
// directory, and the one way a harness reports a broken invariant (abort, so
// that libFuzzer and the replay driver both see a crash).
//
// Everything here is plain C++17: the harnesses build with clang and
// libFuzzer (fuzz/CMakeLists.txt) and, for replaying test/fuzz-regressions/,
// with the project's own compiler and ReplayMain.cpp.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_FUZZ_COMMON_FUZZSUPPORT_H
#define TESSERA_FUZZ_COMMON_FUZZSUPPORT_H

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

namespace tessera::fuzz {

/// Separates the parts of a multi-file input (vocabulary files, then text):
/// newline, two ASCII record separators, newline. fuzz/dicts/ lists it so
/// that mutations can insert it.
constexpr std::string_view kSplit = "\n\x1e\x1e\n";

/// The first `parts - 1` occurrences of kSplit cut `data` into `parts`
/// pieces; missing ones are empty.
inline std::vector<std::string_view> split(std::string_view data, size_t parts) {
  std::vector<std::string_view> out;
  while (out.size() + 1 < parts) {
    size_t at = data.find(kSplit);
    if (at == std::string_view::npos)
      break;
    out.push_back(data.substr(0, at));
    data.remove_prefix(at + kSplit.size());
  }
  out.push_back(data);
  out.resize(parts);
  return out;
}

/// A broken invariant: print it and abort.
[[noreturn]] inline void violated(const char *what, const std::string &detail = "") {
  std::fprintf(stderr, "tessera-fuzz: invariant violated: %s%s%s\n", what,
               detail.empty() ? "" : ": ", detail.c_str());
  std::fflush(stderr);
  std::abort();
}

#define TSR_FUZZ_CHECK(cond, ...)                                                  \
  do {                                                                             \
    if (!(cond))                                                                   \
      ::tessera::fuzz::violated(#cond, ##__VA_ARGS__);                             \
  } while (0)

/// A directory of this process's own, made on first use and removed at exit.
const std::string &tempDir();

/// Writes `bytes` to `path` (replacing it); false on failure.
bool writeFile(const std::string &path, std::string_view bytes);

} // namespace tessera::fuzz

#endif // TESSERA_FUZZ_COMMON_FUZZSUPPORT_H
