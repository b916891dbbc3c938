//===- NativeImporter.h - native checkpoints into tessera IR ----*- C++ -*-===//
//
// The public face of the native frontend: model descriptions that are not
// ONNX graphs but a checkpoint plus an architecture. Each family is written
// straight in tessera's fused ops (embedding, rms_norm/layer_norm,
// rotary_embedding, attention, fused_matmul), with no pattern matching:
//
//   - a llama2.c checkpoint (`*.bin`);
//   - a Hugging Face model directory: config.json plus model.safetensors
//     (or its sharded index), for model_type gpt2, llama, bert and t5.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_FRONTEND_NATIVE_NATIVEIMPORTER_H
#define TESSERA_FRONTEND_NATIVE_NATIVEIMPORTER_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/Support/Error.h"

namespace tessera::native {

/// True for what importNativeModel reads: a directory holding config.json,
/// or a file whose name ends in `.bin`.
bool isNativeModel(llvm::StringRef path);

/// Imports the model at `path`. Every failure is an Error naming the file
/// and the config field or tensor at fault.
llvm::Expected<mlir::OwningOpRef<mlir::ModuleOp>>
importNativeModel(mlir::MLIRContext &context, llvm::StringRef path);

} // namespace tessera::native

#endif // TESSERA_FRONTEND_NATIVE_NATIVEIMPORTER_H
