//===- tessera-compile.cpp - model in, .tsr module out --------------------===//
//
// Import, graph passes (canonicalization, fusion, report), then the CPU
// backend and the module writer. --emit stops earlier and prints the IR of
// that stage, which users can turn into lit tests.
//
//===----------------------------------------------------------------------===//

#include "codegen/driver/Compiler.h"
#include "codegen/module/KvCacheStates.h"
#include "codegen/module/ModuleWriter.h"
#include "frontend/native/NativeImporter.h"
#include "frontend/onnx/OnnxImporter.h"
#include "ir/TesseraDialect.h"
#include "passes/FusionReport.h"
#include "passes/Passes.h"
#include "ConstantInputs.h"
#include "TargetList.h"
#include "TokenizerFiles.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>

namespace cl = llvm::cl;

// Diagnostics of a parsed .mlir input point into this.
static llvm::SourceMgr sourceMgr;

static cl::opt<std::string> inputPath(
    cl::Positional,
    cl::desc("<model.onnx | model.onnxtxt | model.mlir | llama2.c model.bin | "
             "Hugging Face directory with config.json>"));
static cl::opt<std::string> outputPath("o", cl::desc("Output file ('-' for stdout)"),
                                       cl::value_desc("file"), cl::init("-"));
enum class Emit { IR, Linalg, Dispatches, Kernels, LLVM, PTX, Module };
static cl::opt<Emit> emit(
    "emit", cl::desc("What to produce"), cl::init(Emit::Module),
    cl::values(
        clEnumValN(Emit::IR, "ir", "tessera IR after import and graph passes"),
        clEnumValN(Emit::Linalg, "linalg", "after lowering to linalg"),
        clEnumValN(Emit::Dispatches, "dispatches",
                   "host functions calling outlined dispatches"),
        clEnumValN(Emit::Kernels, "kernels",
                   "kernels in their ABI form, tiled (--target=cuda: spread "
                   "over threads, in a gpu.module)"),
        clEnumValN(Emit::LLVM, "llvm", "kernels in the LLVM dialect"),
        clEnumValN(Emit::PTX, "ptx", "the PTX of every kernel (--target=cuda)"),
        clEnumValN(Emit::Module, "module", "a compiled .tsr module")));
static cl::opt<std::string> target(
    "target", cl::desc("Where the kernels run: cpu (default), cuda (sm_80) or "
                       "cuda:<arch> (cuda:sm_90): PTX for NVIDIA GPUs, run "
                       "with tessera-run --device=cuda; or both, "
                       "comma-separated (cpu,cuda:sm_90): one module that "
                       "runs on either, its weights stored once"),
    cl::init("cpu"));
static cl::opt<std::string> precision(
    "precision",
    cl::desc("--target=cuda: what matmuls compute in. tf32 (default): f32 "
             "matmuls on tensor cores (mma.sync), inputs rounded to tf32 "
             "(10-bit mantissa, cvt.rna), f32 accumulation; fp32: f32 "
             "matmuls stay exact f32 scalar loops; fp16: f32 matmul inputs "
             "rounded to f16, f32 accumulation. f16 and bf16 matmuls use the "
             "f16 / bf16 tensor cores with f32 accumulation in every mode. "
             "Refused with --target=cpu (CPU kernels compute in the model's "
             "own types)"),
    cl::value_desc("fp32|tf32|fp16"), cl::init("tf32"));
static cl::opt<std::string> targetCpu(
    "target-cpu", cl::desc("CPU to generate code for: host, x86-64-v3 (AVX2), "
                           "x86-64-v4 (AVX-512), or an LLVM CPU name "
                           "(skylake-avx512, znver4, ...)"),
    cl::init("host"));
static cl::opt<int64_t> maxSeqLen(
    "max-seq-len", cl::desc("Largest value of every dynamic dim that is not a "
                            "batch dim (sequence, past length)"),
    cl::init(512));
static cl::opt<int64_t> maxBatch(
    "max-batch", cl::desc("Largest value of dynamic dims named *batch*"),
    cl::init(8));
static cl::opt<unsigned> threadsHint(
    "threads-hint", cl::desc("Threads the module will usually run with "
                             "(shapes tile so that each gets work)"),
    cl::init(2));
static cl::list<std::string> constantInputs(
    "constant-input",
    cl::desc("NAME=FILE.npy: graph input NAME of an ONNX model is these "
             "values, fixed at compile time (shape, axes or pads inputs that "
             "the compiled code cannot take at run time); repeatable"),
    cl::value_desc("name=file.npy"));
static cl::list<std::string> maxDims(
    "max-dim", cl::CommaSeparated,
    cl::desc("Largest value of a named dynamic dim (name=value)"),
    cl::value_desc("name=value,..."));
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
static cl::opt<std::string> tokenizerPath(
    "tokenizer",
    cl::desc("Store this tokenizer in the module (default: the one beside the "
             "model: tokenizer.bin or tok*.bin, tokenizer.model, vocab.json + "
             "merges.txt, vocab.txt)"),
    cl::value_desc("file"));
static cl::opt<bool> verbose("v", cl::desc("Report each stage on stderr"));
static cl::opt<std::string> kernelObjectPath(
    "kernel-object",
    cl::desc("Also write the generated kernels' shared object here (for "
             "objdump, perf)"),
    cl::value_desc("file.so"));

static int fail(const llvm::Twine &message) {
  llvm::errs() << "tessera-compile: error: " << message << "\n";
  return 1;
}

/// Hand-written (or previously emitted) tessera IR, as an input like a model.
static llvm::Expected<mlir::OwningOpRef<mlir::ModuleOp>>
parseTesseraIR(mlir::MLIRContext &context, llvm::StringRef path) {
  std::string diagnostics;
  llvm::raw_string_ostream os(diagnostics);
  mlir::SourceMgrDiagnosticHandler handler(sourceMgr, &context, os);
  std::string error;
  auto file = mlir::openInputFile(path, &error);
  if (!file)
    return llvm::createStringError(error);
  sourceMgr.AddNewSourceBuffer(std::move(file), llvm::SMLoc());
  auto module = mlir::parseSourceFile<mlir::ModuleOp>(sourceMgr, &context);
  if (!module)
    return llvm::createStringError(path + ": cannot parse:\n" + diagnostics);
  return module;
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  mlir::registerAllPasses();
  mlir::registerPassManagerCLOptions();
  mlir::registerAsmPrinterCLOptions();
  mlir::registerMLIRContextCLOptions();
  cl::ParseCommandLineOptions(argc, argv,
                              "Tessera compiler: ONNX model -> tessera IR\n");
  if (listOps) {
    tessera::onnx_frontend::printSupportedOps(llvm::outs());
    return 0;
  }
  if (inputPath.empty())
    return fail("no input model (see --help)");

  auto start = std::chrono::steady_clock::now();
  auto seconds = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                         start)
        .count();
  };
  tessera::onnx_frontend::ImportOptions importOptions;
  for (const std::string &entry : constantInputs) {
    auto [name, path] = llvm::StringRef(entry).split('=');
    if (name.empty() || path.empty())
      return fail("--constant-input " + entry + ": expected name=file.npy");
    llvm::Expected<tessera::onnx_frontend::ConstantInput> value = tessera::tools::readConstantInput(path.str());
    if (!value)
      return fail("--constant-input " + entry + ": " + llvm::toString(value.takeError()));
    importOptions.constantInputs[name.str()] = std::move(*value);
  }
  if (!constantInputs.empty() &&
      (llvm::StringRef(inputPath).ends_with(".mlir") || tessera::native::isNativeModel(inputPath)))
    return fail("--constant-input applies to ONNX models only");
  mlir::DialectRegistry registry;
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  mlir::MLIRContext context(registry);
  context.loadDialect<tessera::TesseraDialect>();
  llvm::Expected<mlir::OwningOpRef<mlir::ModuleOp>> module =
      llvm::StringRef(inputPath).ends_with(".mlir")
          ? parseTesseraIR(context, inputPath)
      : tessera::native::isNativeModel(inputPath)
          ? tessera::native::importNativeModel(context, inputPath)
          : tessera::onnx_frontend::importOnnxFile(context, inputPath, importOptions);
  if (!module)
    return fail(llvm::toString(module.takeError()));
  if (verbose)
    llvm::errs() << "tessera-compile: imported " << inputPath << " in "
                 << llvm::format("%.2f", seconds()) << " s\n";

  mlir::PassManager pm(&context);
  pm.addPass(mlir::createCanonicalizerPass());
  pm.addPass(tessera::createInferShapes());
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
    tessera::FuseMatmulEpilogueOptions epilogue;
    epilogue.remarks = true;
    tessera::FuseQKVOptions qkv;
    qkv.remarks = true;
    pm.addNestedPass<mlir::func::FuncOp>(tessera::createFuseNorms(norms));
    pm.addNestedPass<mlir::func::FuncOp>(tessera::createFuseGelu(gelu));
    pm.addNestedPass<mlir::func::FuncOp>(
        tessera::createFuseAttention(attention));
    pm.addNestedPass<mlir::func::FuncOp>(tessera::createFuseSwiGLU(swiglu));
    pm.addNestedPass<mlir::func::FuncOp>(tessera::createFuseRotary(rotary));
    pm.addNestedPass<mlir::func::FuncOp>(
        tessera::createFuseMatmulEpilogue(epilogue));
    pm.addNestedPass<mlir::func::FuncOp>(tessera::createFuseQKV(qkv));
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

  if (emit != Emit::IR) {
    tessera::codegen::CompileOptions options;
    options.target.name = targetCpu;
    if (llvm::Error err = tessera::tools::parseTargetList(target, options))
      return fail(llvm::toString(std::move(err)));
    if (options.withCpu && emit != Emit::Module) {
      // Each target's IR and PTX are what it alone compiles to.
      if (emit != Emit::PTX)
        return fail("--emit of an intermediate stage shows one target's code: pass "
                    "--target=cpu or --target=cuda[:arch] alone (--emit=ptx takes both)");
      options.withCpu = false;
    }
    if (options.cuda) {
      auto mode = tessera::gpu::parseMatmulPrecision(precision);
      if (!mode)
        return fail(llvm::toString(mode.takeError()));
      options.precision = *mode;
    } else if (precision.getNumOccurrences()) {
      return fail("--precision applies to --target=cuda only (CPU kernels compute "
                  "matmuls in the model's own types)");
    }
    options.bounds.maxSequence = maxSeqLen;
    options.bounds.maxBatch = maxBatch;
    options.threadsHint = std::max(1u, unsigned(threadsHint));
    for (const std::string &entry : maxDims) {
      auto [name, value] = llvm::StringRef(entry).split('=');
      int64_t bound;
      if (name.empty() || value.getAsInteger(10, bound) || bound <= 0)
        return fail("--max-dim " + entry + ": expected name=positive integer");
      options.bounds.byName[name.str()] = bound;
    }
    switch (emit) {
    case Emit::Linalg: options.stopAfter = tessera::codegen::Stage::Linalg; break;
    case Emit::Dispatches: options.stopAfter = tessera::codegen::Stage::Dispatches; break;
    case Emit::Kernels: options.stopAfter = tessera::codegen::Stage::Kernels; break;
    case Emit::LLVM: options.stopAfter = tessera::codegen::Stage::LLVM; break;
    default: break;
    }
    if (verbose)
      options.progress = [&](llvm::StringRef stage) {
        llvm::errs() << "tessera-compile: " << stage << " ("
                     << llvm::format("%.2f", seconds()) << " s)\n";
      };
    auto compiled = tessera::codegen::compileModule(**module, options);
    if (!compiled)
      return fail(inputPath + ": " + llvm::toString(compiled.takeError()));
    if (options.cuda && emit != Emit::Linalg && emit != Emit::Dispatches) {
      // A CPU-and-CUDA module's GPU code is its other target.
      const tessera::codegen::CompiledModule &gpuCode =
          (*compiled)->others.empty() ? **compiled : *(*compiled)->others.front();
      gpuCode.tensorCores.print(llvm::errs(), "tessera-compile: ");
    }
    if (emit == Emit::PTX) {
      if (!options.cuda)
        return fail("--emit=ptx needs --target=cuda");
      std::string error;
      auto output = mlir::openOutputFile(outputPath, &error);
      if (!output)
        return fail(error);
      llvm::StringRef ptx = (*compiled)->ptx;
      output->os() << ptx.drop_back(); // without the module's NUL terminator
      output->keep();
      return 0;
    }
    if (!kernelObjectPath.empty() && emit == Emit::Module) {
      std::error_code ec;
      llvm::raw_fd_ostream os(kernelObjectPath, ec);
      if (ec)
        return fail(kernelObjectPath + ": " + ec.message());
      os.write((*compiled)->kernelObject.data(), (*compiled)->kernelObject.size());
    }
    if (emit == Emit::Module) {
      if (outputPath == "-")
        return fail("a module needs an output file (-o model.tsr)");
      size_t states = tessera::module::markKvCacheStates((*compiled)->desc);
      auto tokenizer = tessera::tools::findTokenizer(inputPath, tokenizerPath);
      if (!tokenizer)
        return fail(llvm::toString(tokenizer.takeError()));
      if (*tokenizer)
        (*compiled)->desc.metadata = std::move(**tokenizer);
      if (verbose)
        llvm::errs() << "tessera-compile: " << states << " KV-cache states; tokenizer: "
                     << (*tokenizer ? (*compiled)->desc.metadata[0].value : "none") << "\n";
      if (llvm::Error err =
              tessera::module::writeModule((*compiled)->desc, outputPath))
        return fail(llvm::toString(std::move(err)));
      if (verbose) {
        llvm::errs() << "tessera-compile: wrote " << outputPath << " ("
                     << (*compiled)->desc.kernels.size() << " kernels";
        for (const tessera::module::TargetDesc &other : (*compiled)->desc.otherTargets)
          llvm::errs() << ", " << other.kernels.size() << " for " << other.target;
        llvm::errs() << ", " << (*compiled)->desc.weights.size() << " weights) in "
                     << llvm::format("%.2f", seconds()) << " s\n";
      }
      return 0;
    }
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
