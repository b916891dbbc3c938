//===- Compiler.cpp - tessera IR to a module ------------------------------===//

#include "codegen/driver/Compiler.h"

#include "codegen/Passes.h"
#include "codegen/cpu/AttentionKernel.h"
#include "codegen/cpu/DispatchFormation.h"
#include "codegen/cpu/EpilogueFusion.h"
#include "codegen/cpu/KernelABI.h"
#include "codegen/cpu/KernelPipeline.h"
#include "codegen/cpu/WeightPacking.h"
#include "codegen/gpu/ThreadDistribution.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/StringSet.h"

using namespace mlir;

namespace tessera::codegen {
using namespace tessera::cpu;
namespace {

/// Threads per block of every CUDA kernel.
constexpr int64_t kCudaBlockSize = 256;

/// CUDA workgroups are thread blocks: many small tiles, enough to fill a
/// large GPU (132 SMs on an H100) several times over.
WorkgroupTiling cudaTiling() {
  WorkgroupTiling tiling;
  tiling.maxWorkgroups = 1024;
  tiling.elementsPerTile = 4 * kCudaBlockSize;
  tiling.contractionTileM = 32;
  tiling.contractionTileN = 32;
  tiling.vectorize = false;
  return tiling;
}

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

/// How the graph is lowered for the CPU's kernels: weights packed into their
/// panels, matmul epilogues computed in place. The GPU's kernels take
/// neither; a module with both targets' kernels shares the GPU's weights.
struct CpuLayouts {
  bool packWeights = false;
  bool matmulEpilogues = false;
};

LogicalResult lowerGraph(ModuleOp module, CpuLayouts layouts) {
  PassManager pm(module.getContext());
  pm.addPass(createLowerToLinalg());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  if (failed(pm.run(module)) || failed(fuseElementwise(module)))
    return failure();
  if (layouts.packWeights && failed(packMatmulWeights(module)))
    return failure();
  if (layouts.matmulEpilogues && failed(formMatmulEpilogues(module)))
    return failure();
  PassManager cleanup(module.getContext());
  cleanup.addPass(createCanonicalizerPass());
  cleanup.addPass(createCSEPass());
  return cleanup.run(module);
}

/// Moves the ABI kernels named `names` (bufferized) from `module` into one
/// gpu.module of `holder`, leaving the host's shape functions, their
/// contractions on tensor cores where they can be (recorded in
/// `tensorCores`); returns each kernel's workgroup count.
FailureOr<llvm::StringMap<int64_t>> moveKernelsToGpu(ModuleOp module, ModuleOp holder,
                                                     ArrayRef<std::string> names,
                                                     const tessera::gpu::CudaTarget &cuda,
                                                     tessera::gpu::TensorCoreSummary &tensorCores) {
  MLIRContext *ctx = module.getContext();
  holder->setAttr(mlir::gpu::GPUDialect::getContainerModuleAttrName(), UnitAttr::get(ctx));
  OpBuilder b = OpBuilder::atBlockEnd(holder.getBody());
  auto gpuModule = mlir::gpu::GPUModuleOp::create(b, module.getLoc(), "tessera_kernels");
  llvm::StringMap<int64_t> workgroups;
  SmallVector<func::FuncOp> kernels;
  for (const std::string &name : names)
    if (auto func = module.lookupSymbol<func::FuncOp>(name))
      kernels.push_back(func);
  for (func::FuncOp kernel : kernels) {
    auto count = kernel->getAttrOfType<IntegerAttr>(kWorkgroupsAttr);
    workgroups[kernel.getName()] = count ? count.getInt() : 1;
    tessera::gpu::useTensorCores(kernel, kCudaBlockSize, cuda.version, tensorCores);
    if (failed(tessera::gpu::distributeOverThreads(kernel, gpuModule, kCudaBlockSize)))
      return failure();
  }
  // Constants the kernels read (small tables bufferization made globals)
  // go with them: a kernel can address only its own module's globals.
  llvm::StringSet<> copied;
  OpBuilder gb = OpBuilder::atBlockBegin(gpuModule.getBody());
  gpuModule.walk([&](memref::GetGlobalOp get) {
    if (!copied.insert(get.getName()).second)
      return;
    if (auto global = module.lookupSymbol<memref::GlobalOp>(get.getName()))
      gb.clone(*global);
  });
  return workgroups;
}

/// One target's code (options.cuda: the GPU's, else the CPU's) into `out`,
/// with the weights it reads added to `weights`: a table that
/// may already hold another target's, compiled from the same IR, whose
/// weights are then shared.
llvm::Error compileTarget(ModuleOp module, const CompileOptions &options, CpuLayouts layouts,
                          WeightTable &weights, CompiledModule &out) {
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
                   vector::VectorDialect, mlir::gpu::GPUDialect>();
  ErrorCollector errors(ctx);
  TargetCPU target = options.target;
  if (llvm::Error err = resolveTargetCPU(target))
    return err;

  report("lowering to linalg");
  concatenateAttentionCaches(module);
  if (failed(lowerGraph(module, layouts)))
    return errors.error("lowering to linalg");
  if (options.stopAfter == Stage::Linalg)
    return llvm::Error::success();

  report("forming dispatches");
  if (failed(formDispatches(module)))
    return errors.error("dispatch formation");
  if (options.stopAfter == Stage::Dispatches)
    return llvm::Error::success();

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
    if (failed(abi) ||
        failed(options.cuda ? tileForWorkgroups(*abi, kCudaBlockSize, cudaTiling())
                            : tileForWorkgroups(*abi, options.threadsHint)))
      return errors.error("kernel " + name);
    kernelIndex[name] = out.desc.kernels.size();
    out.desc.kernels.push_back(name);
  }

  for (func::FuncOp host : hosts) {
    FailureOr<module::FunctionDesc> function = buildHostProgram(
        host, module, kernelIndex, options.bounds, weights);
    if (failed(function))
      return errors.error("host program of @" + host.getName().str());
    report(("@" + host.getName() + ": " + llvm::Twine(function->dispatches.size()) +
            " dispatches, arena " + llvm::Twine(function->arenaSize) + " bytes at the " +
            "compiled maxima").str());
    out.desc.functions.push_back(std::move(*function));
  }
  for (func::FuncOp f : llvm::concat<func::FuncOp>(hosts, tensorKernels))
    f.erase();
  if (options.cuda) {
    report("distributing kernels over GPU threads");
    OwningOpRef<ModuleOp> holder = ModuleOp::create(module.getLoc());
    FailureOr<llvm::StringMap<int64_t>> workgroups;
    out.tensorCores.precision = options.precision;
    if (failed(bufferizeKernels(module)) ||
        failed(workgroups = moveKernelsToGpu(module, *holder, out.desc.kernels,
                                             *options.cuda, out.tensorCores)))
      return errors.error("GPU kernels");
    unsigned serial = 0;
    holder->walk([&](mlir::gpu::GPUFuncOp f) {
      serial += f->hasAttr(tessera::gpu::kSingleThreadAttr);
    });
    if (serial)
      report((llvm::Twine(serial) + " kernels run on one thread per block: their tile "
                                    "temporaries are sized at run time")
                 .str());
    for (module::FunctionDesc &function : out.desc.functions)
      for (module::DispatchDesc &dispatch : function.dispatches) {
        dispatch.workgroupCount[0].value =
            workgroups->lookup(out.desc.kernels[dispatch.kernel]);
        dispatch.workgroupSize = {int32_t(kCudaBlockSize), 1, 1};
      }
    if (options.stopAfter == Stage::Kernels) {
      // Printed with the module: the kernels as they go to NVVM.
      for (Operation &op : llvm::make_early_inc_range(holder->getBody()->getOperations()))
        op.moveBefore(module.getBody(), module.getBody()->end());
      module->setAttr(mlir::gpu::GPUDialect::getContainerModuleAttrName(),
                      UnitAttr::get(ctx));
      return llvm::Error::success();
    }
    report("emitting PTX (" + options.cuda->arch + ")");
    llvm::Expected<std::string> ptx = tessera::gpu::emitPtx(*holder, *options.cuda);
    if (!ptx)
      return errors.error("PTX: " + llvm::toString(ptx.takeError()));
    out.ptx = std::move(*ptx);
    out.ptx.push_back('\0');
  } else if (options.stopAfter == Stage::Kernels) {
    return llvm::Error::success();
  }

  report(options.cuda ? "lowering shape functions to LLVM" : "lowering kernels to LLVM");
  if (failed(lowerKernelsToLLVM(module)))
    return errors.error("lowering kernels to LLVM");
  // Distribution may have fallen back to one workgroup for some kernels.
  llvm::StringMap<int64_t> workgroups;
  module.walk([&](LLVM::LLVMFuncOp fn) {
    if (auto count = fn->getAttrOfType<IntegerAttr>(kWorkgroupsAttr))
      workgroups[fn.getName()] = count.getInt();
  });
  if (!options.cuda)
    for (module::FunctionDesc &function : out.desc.functions)
      for (module::DispatchDesc &dispatch : function.dispatches)
        dispatch.workgroupCount[0].value =
            workgroups.lookup(out.desc.kernels[dispatch.kernel]);
  if (options.stopAfter == Stage::LLVM)
    return llvm::Error::success();

  report("emitting x86-64 code (" + target.cpu + ")");
  llvm::Expected<std::vector<char>> object = emitSharedObject(module, target);
  if (!object)
    return object.takeError();
  out.kernelObject = std::move(*object);
  out.desc.producer = "tessera-compile";
  out.desc.target =
      options.cuda ? "cuda:" + options.cuda->arch : "x86_64-cpu:" + target.cpu;
  if (options.cuda) {
    out.desc.cudaArch = options.cuda->arch;
    out.desc.cudaPtx = out.ptx;
  }
  out.desc.kernelObject = out.kernelObject;
  return llvm::Error::success();
}

/// `options.progress`, each line prefixed with the target it is about.
std::function<void(llvm::StringRef)> progressOf(const CompileOptions &options,
                                                llvm::StringRef target) {
  if (!options.progress)
    return nullptr;
  return [progress = options.progress, prefix = target.str()](llvm::StringRef what) {
    progress((prefix + ": " + what).str());
  };
}

/// The CPU's code and the GPU's in one module. Each target compiles its own
/// copy of the graph (the CPU's changes the IR in place); the GPU's,
/// lowered as the CPU's was but for the tiling, finds the same constants in
/// the shared table, so every weight is stored once.
llvm::Expected<std::unique_ptr<CompiledModule>> compileCpuAndCuda(ModuleOp module,
                                                                  const CompileOptions &options) {
  if (options.stopAfter != Stage::Module)
    return llvm::createStringError("an intermediate stage is one target's code: stop a "
                                   "compilation for the CPU or for CUDA alone");
  OwningOpRef<ModuleOp> gpuInput = module.clone();
  auto compiled = std::make_unique<CompiledModule>();
  CompileOptions cpuOptions = options;
  cpuOptions.cuda.reset();
  cpuOptions.withCpu = false;
  cpuOptions.progress = progressOf(options, "cpu");
  if (llvm::Error err = compileTarget(module, cpuOptions, {/*packWeights=*/false,
                                                           /*matmulEpilogues=*/true},
                                      compiled->weights, *compiled))
    return std::move(err);
  size_t cpuWeights = compiled->weights.segments.size();

  auto gpu = std::make_unique<CompiledModule>();
  CompileOptions gpuOptions = options;
  gpuOptions.withCpu = false;
  gpuOptions.progress = progressOf(options, "cuda");
  if (llvm::Error err = compileTarget(*gpuInput, gpuOptions, CpuLayouts(), compiled->weights, *gpu))
    return std::move(err);
  if (options.progress) {
    // The GPU's table indices below cpuWeights are weights the CPU added.
    llvm::DenseSet<int32_t> read;
    for (const module::FunctionDesc &fn : gpu->desc.functions)
      for (const module::BufferDesc &buffer : fn.buffers)
        if (buffer.kind == module::BufferKind::constant)
          read.insert(buffer.index);
    size_t shared = llvm::count_if(read, [&](int32_t i) { return size_t(i) < cpuWeights; });
    options.progress((llvm::Twine(compiled->weights.segments.size()) +
                      " weights, each stored once: " + llvm::Twine(shared) +
                      " read by both targets, " + llvm::Twine(cpuWeights - shared) +
                      " by the CPU's code only, " + llvm::Twine(read.size() - shared) +
                      " by the GPU's only")
                         .str());
  }
  compiled->desc.otherTargets.push_back(std::move(static_cast<module::TargetDesc &>(gpu->desc)));
  compiled->others.push_back(std::move(gpu));
  compiled->desc.weights = compiled->weights.segments;
  return compiled;
}

} // namespace

llvm::Expected<std::unique_ptr<CompiledModule>>
compileModule(ModuleOp module, const CompileOptions &options) {
  if (options.cuda && options.withCpu)
    return compileCpuAndCuda(module, options);
  auto compiled = std::make_unique<CompiledModule>();
  CpuLayouts layouts;
  layouts.packWeights = layouts.matmulEpilogues = !options.cuda;
  if (llvm::Error err = compileTarget(module, options, layouts, compiled->weights, *compiled))
    return std::move(err);
  compiled->desc.weights = compiled->weights.segments;
  return compiled;
}

} // namespace tessera::codegen
