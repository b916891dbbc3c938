//===- ConstantInputs.h - --constant-input values from .npy files -*- C++ -*-===//

#ifndef TESSERA_TOOLS_TESSERA_COMPILE_CONSTANTINPUTS_H
#define TESSERA_TOOLS_TESSERA_COMPILE_CONSTANTINPUTS_H

#include "frontend/onnx/OnnxImporter.h"

#include "llvm/Support/Error.h"

#include <string>

namespace tessera::tools {

/// The .npy file at `path` as an ONNX graph input's constant value.
llvm::Expected<onnx_frontend::ConstantInput> readConstantInput(const std::string &path);

} // namespace tessera::tools

#endif // TESSERA_TOOLS_TESSERA_COMPILE_CONSTANTINPUTS_H
