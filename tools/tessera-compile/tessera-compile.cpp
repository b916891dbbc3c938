//===- tessera-compile.cpp - model in, tessera IR (later: module) out -----===//
//
// Today the compiler stops after the graph stage: --emit=ir writes the
// imported, canonicalized tessera IR, which users can turn into lit tests.
//
//===----------------------------------------------------------------------===//

#include "frontend/onnx/OnnxImporter.h"
#include "ir/TesseraDialect.h"
#include "passes/FusionReport.h"
#include "passes/Passes.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>

namespace cl = llvm::cl;

static cl::opt<std::string> inputPath(cl::Positional,
                                      cl::desc("<model.onnx | model.onnxtxt>"));
static cl::opt<std::string> outputPath("o", cl::desc("Output file ('-' for stdout)"),
                                       cl::value_desc("file"), cl::init("-"));
enum class Emit { IR, Module };
static cl::opt<Emit> emit(
    "emit", cl::desc("What to produce"), cl::init(Emit::Module),
    cl::values(clEnumValN(Emit::IR, "ir", "tessera IR after import and cleanup"),
               clEnumValN(Emit::Module, "module",
                          "a compiled .tsr module (not available yet)")));
static cl::opt<bool> listOps("list-ops",
                             cl::desc("Print the supported ONNX operators "
                                      "(domain, op, since-version) and exit"));
static cl::opt<bool> elideWeights(
    "elide-weights",
    cl::desc("Print large weights as __elided__ (the output then no longer "
             "parses)"));
static cl::opt<bool> noFusion("no-fusion",
                              cl::desc("Skip the fusion passes (the IR stays "
                                       "as imported, canonicalized)"));
static cl::opt<std::string> fusionReportPath(
    "fusion-report",
    cl::desc("Write every fusion candidate, fused or not and why, as JSON"),
    cl::value_desc("file.json"));
static cl::list<std::string> requireFusion(
    "require-fusion", cl::CommaSeparated,
    cl::desc("Fail when a candidate of these kinds (attention, layer_norm, "
             "rms_norm, gelu, silu, swiglu, rotary_embedding) is left "
             "unfused"),
    cl::value_desc("kind,..."));
static cl::opt<bool> verbose("v", cl::desc("Report each stage on stderr"));

static int fail(const llvm::Twine &message) {
  llvm::errs() << "tessera-compile: error: " << message << "\n";
  return 1;
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  cl::ParseCommandLineOptions(argc, argv,
                              "Tessera compiler: ONNX model -> tessera IR\n");
  if (listOps) {
    tessera::onnx_frontend::printSupportedOps(llvm::outs());
    return 0;
  }
  if (inputPath.empty())
    return fail("no input model (see --help)");
  if (emit == Emit::Module)
    return fail("code generation is not built yet; --emit=ir writes the "
                "imported tessera IR");

  auto start = std::chrono::steady_clock::now();
  auto seconds = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                         start)
        .count();
  };
  mlir::MLIRContext context;
  auto module = tessera::onnx_frontend::importOnnxFile(context, inputPath);
  if (!module)
    return fail(llvm::toString(module.takeError()));
  if (verbose)
    llvm::errs() << "tessera-compile: imported " << inputPath << " in "
                 << llvm::format("%.2f", seconds()) << " s\n";

  mlir::PassManager pm(&context);
  pm.addPass(mlir::createCanonicalizerPass());
  pm.addPass(mlir::createCSEPass());
  tessera::FusionReport report;
  if (!noFusion) {
    tessera::FuseNormsOptions norms;
    norms.remarks = true;
    tessera::FuseGeluOptions gelu;
    gelu.remarks = true;
    tessera::FuseAttentionOptions attention;
    attention.remarks = true;
    tessera::FuseSwiGLUOptions swiglu;
    swiglu.remarks = true;
    tessera::FuseRotaryOptions rotary;
    rotary.remarks = true;
    pm.addNestedPass<mlir::func::FuncOp>(tessera::createFuseNorms(norms));
    pm.addNestedPass<mlir::func::FuncOp>(tessera::createFuseGelu(gelu));
    pm.addNestedPass<mlir::func::FuncOp>(
        tessera::createFuseAttention(attention));
    pm.addNestedPass<mlir::func::FuncOp>(tessera::createFuseSwiGLU(swiglu));
    pm.addNestedPass<mlir::func::FuncOp>(tessera::createFuseRotary(rotary));
    pm.addPass(mlir::createCanonicalizerPass());
    pm.addPass(mlir::createCSEPass());
  }
  {
    tessera::FusionRemarkCollector collector(context, report);
    if (mlir::failed(pm.run(**module)))
      return fail(inputPath + ": graph passes failed");
  }
  if (verbose)
    llvm::errs() << "tessera-compile: graph passes done in "
                 << llvm::format("%.2f", seconds()) << " s\n";
  if (!noFusion) {
    report.printSummary(llvm::errs(), "tessera-compile: ");
    if (!fusionReportPath.empty())
      if (llvm::Error err = report.writeJson(fusionReportPath, inputPath))
        return fail(llvm::toString(std::move(err)));
    if (std::string missing = report.unfusedOf(requireFusion); !missing.empty())
      return fail(inputPath + ": --require-fusion: " + missing);
  }

  std::string error;
  auto output = mlir::openOutputFile(outputPath, &error);
  if (!output)
    return fail(error);
  mlir::OpPrintingFlags flags;
  if (elideWeights)
    flags.elideLargeResourceString(64);
  (*module)->print(output->os(), flags);
  output->os() << "\n";
  output->keep();
  return 0;
}
