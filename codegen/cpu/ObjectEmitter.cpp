//===- ObjectEmitter.cpp - LLVM dialect to an x86-64 shared object --------===//

#include "codegen/cpu/ObjectEmitter.h"

#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Export.h"

#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Target/TargetOptions.h"
#include "llvm/TargetParser/Host.h"

#include <mutex>

namespace tessera::cpu {

static constexpr const char *kTriple = "x86_64-unknown-linux-gnu";

static void initializeX86Target() {
  static std::once_flag once;
  std::call_once(once, [] {
    LLVMInitializeX86TargetInfo();
    LLVMInitializeX86Target();
    LLVMInitializeX86TargetMC();
    LLVMInitializeX86AsmPrinter();
  });
}

llvm::Error resolveTargetCPU(TargetCPU &target) {
  if (target.name == "host") {
    target.cpu = llvm::sys::getHostCPUName().str();
    std::string features;
    for (const auto &feature : llvm::sys::getHostCPUFeatures()) {
      if (!features.empty())
        features += ",";
      features += (feature.second ? "+" : "-") + feature.first().str();
    }
    target.features = features;
    return llvm::Error::success();
  }
  // Any CPU LLVM knows (znver4, skylake-avx512, ...): compiling on one
  // machine for the machine the module will be deployed on.
  initializeX86Target();
  llvm::Triple triple(kTriple);
  std::string error;
  const llvm::Target *llvmTarget =
      llvm::TargetRegistry::lookupTarget(triple, error);
  if (!llvmTarget)
    return llvm::createStringError("no x86-64 target: " + error);
  std::unique_ptr<llvm::MCSubtargetInfo> subtarget(
      llvmTarget->createMCSubtargetInfo(triple, "", ""));
  if (!subtarget || !subtarget->isCPUStringValid(target.name))
    return llvm::createStringError(
        "unknown --target-cpu '" + target.name +
        "' (host, x86-64-v3, x86-64-v4, or an LLVM x86 CPU name such as "
        "skylake-avx512 or znver4)");
  target.cpu = target.name;
  target.features = "";
  return llvm::Error::success();
}

static std::unique_ptr<llvm::TargetMachine>
createTargetMachine(const TargetCPU &target, std::string &error) {
  initializeX86Target();
  llvm::Triple triple(kTriple);
  const llvm::Target *llvmTarget =
      llvm::TargetRegistry::lookupTarget(triple, error);
  if (!llvmTarget)
    return nullptr;
  llvm::TargetOptions options;
  // a * b + c becomes one FMA, as in every BLAS: faster, and rounded once.
  options.AllowFPOpFusion = llvm::FPOpFusion::Fast;
  return std::unique_ptr<llvm::TargetMachine>(llvmTarget->createTargetMachine(
      triple, target.cpu, target.features, options, llvm::Reloc::PIC_,
      std::nullopt, llvm::CodeGenOptLevel::Aggressive));
}

static void optimize(llvm::Module &module, llvm::TargetMachine &machine) {
  llvm::LoopAnalysisManager lam;
  llvm::FunctionAnalysisManager fam;
  llvm::CGSCCAnalysisManager cgam;
  llvm::ModuleAnalysisManager mam;
  llvm::PipelineTuningOptions tuning;
  tuning.LoopVectorization = true;
  tuning.SLPVectorization = true;
  llvm::PassBuilder builder(&machine, tuning);
  builder.registerModuleAnalyses(mam);
  builder.registerCGSCCAnalyses(cgam);
  builder.registerFunctionAnalyses(fam);
  builder.registerLoopAnalyses(lam);
  builder.crossRegisterProxies(lam, fam, cgam, mam);
  llvm::ModulePassManager passes =
      builder.buildPerModuleDefaultPipeline(llvm::OptimizationLevel::O3);
  passes.run(module, mam);
}

/// Runs the system linker: ld -shared -o so object.
static llvm::Error linkShared(llvm::StringRef object, llvm::StringRef so) {
  llvm::ErrorOr<std::string> ld = llvm::sys::findProgramByName("ld");
  if (!ld)
    return llvm::createStringError(
        "the system linker 'ld' (binutils) was not found on PATH; it links "
        "the generated kernels into a shared object");
  llvm::SmallVector<llvm::StringRef> args{*ld, "-shared", "--build-id=none",
                                          "-o", so, object};
  std::string message;
  int rc = llvm::sys::ExecuteAndWait(*ld, args, std::nullopt, {}, 0, 0,
                                     &message);
  if (rc != 0)
    return llvm::createStringError("linking the kernel object failed: " +
                                   (message.empty() ? "ld exited with " +
                                                          std::to_string(rc)
                                                    : message));
  return llvm::Error::success();
}

llvm::Expected<std::vector<char>> emitSharedObject(mlir::ModuleOp module,
                                                   const TargetCPU &target) {
  mlir::registerBuiltinDialectTranslation(*module.getContext());
  mlir::registerLLVMDialectTranslation(*module.getContext());
  llvm::LLVMContext llvmContext;
  std::unique_ptr<llvm::Module> llvmModule =
      mlir::translateModuleToLLVMIR(module, llvmContext, "tessera_kernels");
  if (!llvmModule)
    return llvm::createStringError("translation to LLVM IR failed");

  std::string error;
  std::unique_ptr<llvm::TargetMachine> machine =
      createTargetMachine(target, error);
  if (!machine)
    return llvm::createStringError("no x86-64 target: " + error);
  llvmModule->setTargetTriple(llvm::Triple(kTriple));
  llvmModule->setDataLayout(machine->createDataLayout());
  // Vector width: use the full AVX-512 registers where the CPU has them.
  for (llvm::Function &f : *llvmModule)
    if (!f.isDeclaration())
      f.addFnAttr("prefer-vector-width", "512");
  optimize(*llvmModule, *machine);

  llvm::SmallString<0> object;
  {
    llvm::raw_svector_ostream os(object);
    llvm::legacy::PassManager emit;
    if (machine->addPassesToEmitFile(emit, os, nullptr,
                                     llvm::CodeGenFileType::ObjectFile))
      return llvm::createStringError("the target cannot emit objects");
    emit.run(*llvmModule);
  }

  llvm::SmallString<128> objectPath, soPath;
  if (std::error_code ec = llvm::sys::fs::createTemporaryFile(
          "tessera-kernels", "o", objectPath))
    return llvm::createStringError("temporary file: " + ec.message());
  llvm::FileRemover removeObject(objectPath);
  if (std::error_code ec = llvm::sys::fs::createTemporaryFile(
          "tessera-kernels", "so", soPath))
    return llvm::createStringError("temporary file: " + ec.message());
  llvm::FileRemover removeSo(soPath);
  {
    std::error_code ec;
    llvm::raw_fd_ostream os(objectPath, ec);
    if (ec)
      return llvm::createStringError(objectPath + ": " + ec.message());
    os << object;
  }
  if (llvm::Error err = linkShared(objectPath, soPath))
    return std::move(err);
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> so =
      llvm::MemoryBuffer::getFile(soPath);
  if (!so)
    return llvm::createStringError(soPath + ": " + so.getError().message());
  return std::vector<char>((*so)->getBufferStart(), (*so)->getBufferEnd());
}

} // namespace tessera::cpu
