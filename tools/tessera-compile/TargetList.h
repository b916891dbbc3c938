//===- TargetList.h - the --target list ---------------------------*- C++ -*-===//

#ifndef TESSERA_TOOLS_TESSERA_COMPILE_TARGETLIST_H
#define TESSERA_TOOLS_TESSERA_COMPILE_TARGETLIST_H

#include "codegen/driver/Compiler.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

namespace tessera::tools {

/// Sets the targets of `options` from a --target value: "cpu", "cuda[:sm_XX]",
/// or both, comma-separated in either order ("cpu,cuda:sm_90": one module
/// with both targets' code). Errors name the entry that is wrong.
llvm::Error parseTargetList(llvm::StringRef list, codegen::CompileOptions &options);

} // namespace tessera::tools

#endif // TESSERA_TOOLS_TESSERA_COMPILE_TARGETLIST_H
