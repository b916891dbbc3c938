//===- tessera-opt.cpp - the lit driver: parse, run passes, print ---------===//
//
// Users regression-test their own models with this and FileCheck, so it
// registers everything a Tessera pipeline touches: the tessera dialect and
// passes, and the upstream dialects and passes that code generation uses.
//
//===----------------------------------------------------------------------===//

#include "codegen/Passes.h"
#include "ir/TesseraDialect.h"
#include "passes/Passes.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::registerAllPasses();
  tessera::registerTesseraPasses();
  tessera::registerTesseraCodegenPasses();

  mlir::DialectRegistry registry;
  registry.insert<tessera::TesseraDialect>();
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);

  return mlir::asMainReturnCode(mlir::MlirOptMain(
      argc, argv, "Tessera optimizer driver (tessera dialect and passes)\n",
      registry));
}
