//===- Json.h - bounded JSON parsing for checkpoint metadata ----*- C++ -*-===//
//
// config.json and safetensors headers are untrusted input. llvm::json parses
// recursively, so a header of nested brackets could exhaust the stack; this
// refuses nesting deeper than any real file has before handing the text to it.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_FRONTEND_NATIVE_JSON_H
#define TESSERA_FRONTEND_NATIVE_JSON_H

#include "llvm/Support/Error.h"
#include "llvm/Support/JSON.h"

namespace tessera::native {

/// Parses `text` as JSON; errors start with `what` (the file, or the file
/// and the part of it).
llvm::Expected<llvm::json::Value> parseJson(llvm::StringRef text,
                                            llvm::StringRef what);

} // namespace tessera::native

#endif // TESSERA_FRONTEND_NATIVE_JSON_H
