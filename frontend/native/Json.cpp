//===- Json.cpp - bounded JSON parsing for checkpoint metadata ------------===//

#include "frontend/native/Json.h"

namespace tessera::native {

namespace {

/// Deeper than config.json (task_specific_params: 3) or a safetensors
/// header (2) ever nests.
constexpr int kMaxDepth = 32;

/// The deepest bracket nesting outside strings.
int nestingDepth(llvm::StringRef text) {
  int depth = 0, deepest = 0;
  bool inString = false, escaped = false;
  for (char c : text) {
    if (inString) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        inString = false;
      continue;
    }
    if (c == '"')
      inString = true;
    else if (c == '[' || c == '{')
      deepest = std::max(deepest, ++depth);
    else if (c == ']' || c == '}')
      --depth;
  }
  return deepest;
}

} // namespace

llvm::Expected<llvm::json::Value> parseJson(llvm::StringRef text,
                                            llvm::StringRef what) {
  if (nestingDepth(text) > kMaxDepth)
    return llvm::createStringError(what + ": JSON nested deeper than " +
                                   llvm::Twine(kMaxDepth) + " levels");
  llvm::Expected<llvm::json::Value> value = llvm::json::parse(text);
  if (!value)
    return llvm::createStringError(
        what + ": invalid JSON: " + llvm::toString(value.takeError()));
  return value;
}

} // namespace tessera::native
