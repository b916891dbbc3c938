//===- OnnxImporter.h - ONNX models into tessera IR -------------*- C++ -*-===//
//
// The public face of the ONNX frontend. It includes no ONNX or protobuf
// header, so callers (tools, tests) build without exceptions.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_FRONTEND_ONNX_ONNXIMPORTER_H
#define TESSERA_FRONTEND_ONNX_ONNXIMPORTER_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace tessera::onnx_frontend {

/// Values of a graph input fixed at compile time: `onnxType` is its ONNX
/// TensorProto data type, `bytes` the elements in C order, little endian.
struct ConstantInput {
  int32_t onnxType = 0;
  std::vector<int64_t> shape;
  std::string bytes;
};

struct ImportOptions {
  /// Name of the function the graph becomes.
  std::string functionName = "main";
  /// Initializers with more elements than this become `dense_resource` blobs
  /// (copied once, printed out of line); smaller ones stay inline `dense`
  /// attributes so that folders can see them.
  int64_t inlineConstantLimit = 64;
  /// Graph inputs that become constants (tessera-compile --constant-input):
  /// shapes, axes and pads computed from them are then known, and the
  /// compiled function no longer takes them.
  std::map<std::string, ConstantInput> constantInputs;
};

/// Imports the ONNX model at `path`: binary protobuf, or the ONNX text format
/// when the file name ends in `.onnxtxt`. External data is read from files
/// next to the model, never outside its directory. Every failure is an
/// Error whose message names the file and, where there is one, the node.
llvm::Expected<mlir::OwningOpRef<mlir::ModuleOp>>
importOnnxFile(mlir::MLIRContext &context, llvm::StringRef path,
               const ImportOptions &options = {});

/// Imports a model held in memory (binary protobuf). `displayName` names it
/// in messages; `modelDir` is where external data would be looked up (empty:
/// external data is refused).
llvm::Expected<mlir::OwningOpRef<mlir::ModuleOp>>
importOnnxBytes(mlir::MLIRContext &context, llvm::StringRef bytes,
                llvm::StringRef displayName, llvm::StringRef modelDir,
                const ImportOptions &options = {});

/// Prints the importer table: one line per (domain, op type, since-version).
void printSupportedOps(llvm::raw_ostream &os);

/// Registers the dialects imported IR uses.
void registerImportDialects(mlir::DialectRegistry &registry);

} // namespace tessera::onnx_frontend

#endif // TESSERA_FRONTEND_ONNX_ONNXIMPORTER_H
