//===- CpuCompiler.cpp - tessera IR to a CPU module -----------------------===//

#include "codegen/cpu/CpuCompiler.h"

#include "codegen/Passes.h"
#include "codegen/cpu/AttentionKernel.h"
#include "codegen/cpu/DispatchFormation.h"
#include "codegen/cpu/EpilogueFusion.h"
#include "codegen/cpu/KernelABI.h"
#include "codegen/cpu/KernelPipeline.h"
#include "codegen/cpu/WeightPacking.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

namespace tessera::cpu {
namespace {

/// Collects the diagnostics of a failed step into the returned error.
class ErrorCollector {
public:
  explicit ErrorCollector(MLIRContext *ctx)
      : handler(ctx, [this](Diagnostic &diag) {
          if (diag.getSeverity() == DiagnosticSeverity::Error) {
            std::string text;
            llvm::raw_string_ostream os(text);
            os << diag.getLocation() << ": " << diag;
            for (const Diagnostic &note : diag.getNotes())
              os << "\n  note: " << note;
            messages.push_back(text);
          }
          return success();
        }) {}

  llvm::Error error(llvm::StringRef stage) {
    std::string text = ("code generation failed (" + stage + ")").str();
    for (const std::string &m : messages)
      text += "\n  " + m;
    return llvm::createStringError(text);
  }

private:
  ScopedDiagnosticHandler handler;
  std::vector<std::string> messages;
};

/// Elementwise producers fuse into elementwise consumers only: fused into a
/// contraction or a reduction, the producer would be recomputed once per
/// reduction step (GELU K times inside the next matmul).
LogicalResult fuseElementwise(ModuleOp module) {
  MLIRContext *ctx = module.getContext();
  RewritePatternSet patterns(ctx);
  linalg::populateElementwiseOpsFusionPatterns(patterns, [](OpOperand *operand) {
    Operation *producer = operand->get().getDefiningOp();
    auto consumer = dyn_cast<linalg::LinalgOp>(operand->getOwner());
    return producer && producer->hasOneUse() && consumer &&
           consumer.getNumReductionLoops() == 0;
  });
  for (Dialect *dialect : ctx->getLoadedDialects())
    dialect->getCanonicalizationPatterns(patterns);
  return applyPatternsGreedily(module, std::move(patterns));
}

LogicalResult lowerGraph(ModuleOp module) {
  PassManager pm(module.getContext());
  pm.addPass(createLowerToLinalg());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  if (failed(pm.run(module)) || failed(fuseElementwise(module)) ||
      failed(packMatmulWeights(module)) || failed(formMatmulEpilogues(module)))
    return failure();
  PassManager cleanup(module.getContext());
  cleanup.addPass(createCanonicalizerPass());
  cleanup.addPass(createCSEPass());
  return cleanup.run(module);
}

} // namespace

llvm::Expected<std::unique_ptr<CompiledModule>>
compileForCpu(ModuleOp module, const CpuCompileOptions &options) {
  auto report = [&](llvm::StringRef what) {
    if (options.progress)
      options.progress(what);
  };
  MLIRContext *ctx = module.getContext();
  // Created directly by the kernel builders (the passes load their own).
  ctx->loadDialect<LLVM::LLVMDialect, bufferization::BufferizationDialect,
                   memref::MemRefDialect, scf::SCFDialect,
                   affine::AffineDialect, linalg::LinalgDialect,
                   tensor::TensorDialect, arith::ArithDialect,
                   vector::VectorDialect>();
  ErrorCollector errors(ctx);
  auto compiled = std::make_unique<CompiledModule>();
  TargetCPU target = options.target;
  if (llvm::Error err = resolveTargetCPU(target))
    return std::move(err);

  report("lowering to linalg");
  concatenateAttentionCaches(module);
  if (failed(lowerGraph(module)))
    return errors.error("lowering to linalg");
  if (options.stopAfter == Stage::Linalg)
    return compiled;

  report("forming dispatches");
  if (failed(formDispatches(module)))
    return errors.error("dispatch formation");
  if (options.stopAfter == Stage::Dispatches)
    return compiled;

  SmallVector<func::FuncOp> hosts, tensorKernels;
  for (auto func : module.getOps<func::FuncOp>()) {
    if (func->hasAttr(kDispatchAttr))
      tensorKernels.push_back(func);
    else if (func.isPublic())
      hosts.push_back(func);
  }
  report(("generating " + llvm::Twine(tensorKernels.size()) + " kernels").str());
  llvm::StringMap<int32_t> kernelIndex;
  for (func::FuncOp kernel : tensorKernels) {
    std::string name =
        kernel.getName().drop_front(kTensorKernelPrefix.size()).str();
    FailureOr<func::FuncOp> abi = createABIKernel(kernel, name);
    if (failed(abi) || failed(tileForWorkgroups(*abi, options.threadsHint)))
      return errors.error("kernel " + name);
    kernelIndex[name] = compiled->desc.kernels.size();
    compiled->desc.kernels.push_back(name);
  }

  for (func::FuncOp host : hosts) {
    FailureOr<module::FunctionDesc> function = buildHostProgram(
        host, module, kernelIndex, options.bounds, compiled->weights);
    if (failed(function))
      return errors.error("host program of @" + host.getName().str());
    report(("@" + host.getName() + ": " + llvm::Twine(function->dispatches.size()) +
            " dispatches, arena " + llvm::Twine(function->arenaSize) + " bytes at the " +
            "compiled maxima").str());
    compiled->desc.functions.push_back(std::move(*function));
  }
  for (func::FuncOp f : llvm::concat<func::FuncOp>(hosts, tensorKernels))
    f.erase();
  if (options.stopAfter == Stage::Kernels)
    return compiled;

  report("lowering kernels to LLVM");
  if (failed(lowerKernelsToLLVM(module)))
    return errors.error("lowering kernels to LLVM");
  // Distribution may have fallen back to one workgroup for some kernels.
  llvm::StringMap<int64_t> workgroups;
  module.walk([&](LLVM::LLVMFuncOp fn) {
    if (auto count = fn->getAttrOfType<IntegerAttr>(kWorkgroupsAttr))
      workgroups[fn.getName()] = count.getInt();
  });
  for (module::FunctionDesc &function : compiled->desc.functions)
    for (module::DispatchDesc &dispatch : function.dispatches)
      dispatch.workgroupCount[0].value =
          workgroups.lookup(compiled->desc.kernels[dispatch.kernel]);
  if (options.stopAfter == Stage::LLVM)
    return compiled;

  report("emitting x86-64 code (" + target.cpu + ")");
  llvm::Expected<std::vector<char>> object = emitSharedObject(module, target);
  if (!object)
    return object.takeError();
  compiled->kernelObject = std::move(*object);
  compiled->desc.producer = "tessera-compile";
  compiled->desc.target = "x86_64-cpu:" + target.cpu;
  compiled->desc.kernelObject = compiled->kernelObject;
  compiled->desc.weights = compiled->weights.segments;
  return compiled;
}

} // namespace tessera::cpu
