//===- Safetensors.h - the safetensors checkpoint format --------*- C++ -*-===//
//
// The project's own reader of Hugging Face's safetensors files: an 8-byte
// little-endian header length, a JSON header mapping each tensor name to
// {dtype, shape, data_offsets}, then the raw little-endian data. The file is
// mapped, not read; every offset and size is checked against it, with
// overflow-safe arithmetic, before a view into it is handed out.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_FRONTEND_NATIVE_SAFETENSORS_H
#define TESSERA_FRONTEND_NATIVE_SAFETENSORS_H

#include "frontend/native/TensorTable.h"

namespace tessera::native {

/// Adds every tensor of the safetensors file at `path` to `table`.
llvm::Error readSafetensorsFile(llvm::StringRef path, TensorTable &table);

/// Reads a model directory's weights: model.safetensors, or the shards that
/// model.safetensors.index.json lists (file names inside `dir` only).
llvm::Error readSafetensorsDir(llvm::StringRef dir, TensorTable &table);

} // namespace tessera::native

#endif // TESSERA_FRONTEND_NATIVE_SAFETENSORS_H
