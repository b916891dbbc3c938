//===- NativeImporter.cpp - native checkpoints into tessera IR ------------===//

#include "frontend/native/NativeImporter.h"

#include "frontend/native/Families.h"
#include "frontend/native/Llama.h"
#include "frontend/native/Llama2c.h"
#include "frontend/native/Safetensors.h"
#include "ir/TesseraDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Verifier.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

using namespace mlir;

namespace tessera::native {

namespace {

std::string configPath(llvm::StringRef dir) {
  llvm::SmallString<256> path(dir);
  llvm::sys::path::append(path, "config.json");
  return path.str().str();
}

/// A Hugging Face directory: the config first (its errors need no weights),
/// then the tensors, then the family's builder.
llvm::Error importDirectory(llvm::StringRef dir, MLIRContext &context,
                            TensorTable &table, GraphBuilder &g) {
  auto config = ModelConfig::load(configPath(dir));
  if (!config)
    return config.takeError();
  std::string modelType = config->string("model_type", "");
  if (llvm::Error err = config->takeError())
    return err;
  using Importer =
      llvm::Error (*)(ModelConfig &, WeightLoader &, GraphBuilder &);
  Importer importer = nullptr;
  if (modelType == "gpt2")
    importer = importGpt2;
  else if (modelType == "bert")
    importer = importBert;
  else if (modelType == "t5")
    importer = importT5;
  else if (modelType != "llama")
    return llvm::createStringError(
        config->path() + ": field 'model_type': " +
        (modelType.empty()
             ? llvm::Twine("absent")
             : "'" + llvm::Twine(modelType) + "' is not supported") +
        " (supported: gpt2, llama, bert, t5)");

  if (llvm::Error err = readSafetensorsDir(dir, table))
    return err;
  table.setSource(dir);
  WeightLoader weights(&context, table);
  if (importer)
    return importer(*config, weights, g);
  auto llama = readLlamaConfig(*config);
  if (!llama)
    return llama.takeError();
  return buildLlama(*llama, weights, g);
}

} // namespace

bool isNativeModel(llvm::StringRef path) {
  if (llvm::sys::fs::is_directory(path))
    return llvm::sys::fs::exists(configPath(path));
  return path.ends_with(".bin");
}

llvm::Expected<OwningOpRef<ModuleOp>> importNativeModel(MLIRContext &context,
                                                        llvm::StringRef path) {
  context.loadDialect<TesseraDialect, func::FuncDialect, arith::ArithDialect,
                      tensor::TensorDialect>();
  OwningOpRef<ModuleOp> module =
      ModuleOp::create(FileLineColLoc::get(&context, path, 0, 0));
  GraphBuilder g(*module, path);
  TensorTable table;
  if (llvm::sys::fs::is_directory(path)) {
    if (llvm::Error err = importDirectory(path, context, table, g))
      return std::move(err);
  } else {
    auto config = readLlama2c(path, table);
    if (!config)
      return config.takeError();
    WeightLoader weights(&context, table);
    if (llvm::Error err = buildLlama(*config, weights, g))
      return std::move(err);
  }

  std::string diagnostics;
  ScopedDiagnosticHandler handler(&context, [&](Diagnostic &diag) {
    diagnostics += "\n  " + diag.str();
    return success();
  });
  if (failed(verify(*module)))
    return llvm::createStringError(
        path + ": the generated IR does not verify:" + diagnostics);
  return module;
}

} // namespace tessera::native
