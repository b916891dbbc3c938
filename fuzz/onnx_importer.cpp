//===- onnx_importer.cpp - fuzzing the ONNX frontend ----------------------===//
//
// Input: an ONNX model. One that starts with '<' or '#' is the ONNX text
// format and goes through a temporary .onnxtxt file and importOnnxFile (the
// libonnx text parser, then the importer); anything else is a binary
// ModelProto for importOnnxBytes, with a private, empty directory as the
// model directory (so external-data references are resolved, and refused,
// for real).
//
// Invariants checked (abort on violation): an import either fails with an
// llvm::Error that has a message, or returns a module that verifies and
// prints. Each input gets a fresh MLIRContext (no threads), so nothing
// carries over between inputs.
//
//===----------------------------------------------------------------------===//

#include "fuzz/common/FuzzSupport.h"

#include "frontend/onnx/OnnxImporter.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "llvm/Support/raw_ostream.h"

#include <cerrno>
#include <string>
#include <sys/stat.h>

namespace {

using tessera::fuzz::violated;

const mlir::DialectRegistry &registry() {
  static const mlir::DialectRegistry *registry = [] {
    auto *r = new mlir::DialectRegistry();
    tessera::onnx_frontend::registerImportDialects(*r);
    return r;
  }();
  return *registry;
}

/// Where external data would be read from: always empty.
const std::string &modelDir() {
  static const std::string dir = [] {
    std::string d = tessera::fuzz::tempDir() + "/model-dir";
    if (mkdir(d.c_str(), 0700) != 0 && errno != EEXIST)
      violated("cannot make the model directory", d);
    return d;
  }();
  return dir;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  llvm::StringRef bytes(reinterpret_cast<const char *>(data), size);
  mlir::MLIRContext context(registry(), mlir::MLIRContext::Threading::DISABLED);
  // Errors come back as llvm::Error; stray diagnostics are dropped, not
  // printed for every input.
  mlir::ScopedDiagnosticHandler quiet(&context, [](mlir::Diagnostic &) {
    return mlir::success();
  });

  tessera::onnx_frontend::ImportOptions options;
  // Keep some constants inline and make larger ones resource blobs.
  options.inlineConstantLimit = 16;
  auto import = [&]() -> llvm::Expected<mlir::OwningOpRef<mlir::ModuleOp>> {
    if (!bytes.empty() && (bytes[0] == '<' || bytes[0] == '#')) {
      static const std::string path = tessera::fuzz::tempDir() + "/model.onnxtxt";
      if (!tessera::fuzz::writeFile(path, bytes))
        violated("cannot write the temporary model", path);
      return tessera::onnx_frontend::importOnnxFile(context, path, options);
    }
    return tessera::onnx_frontend::importOnnxBytes(context, bytes, "fuzz.onnx", modelDir(),
                                                   options);
  };
  llvm::Expected<mlir::OwningOpRef<mlir::ModuleOp>> module = import();
  if (!module) {
    std::string message = llvm::toString(module.takeError());
    if (message.empty())
      violated("an import error without a message");
    return 0;
  }
  if (!*module)
    violated("a successful import returned no module");
  if (mlir::failed(mlir::verify(**module)))
    violated("an imported module does not verify");
  llvm::raw_null_ostream os;
  (*module)->print(os);
  (*module)->print(os, mlir::OpPrintingFlags().printGenericOpForm());
  return 0;
}
