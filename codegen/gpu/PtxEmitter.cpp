//===- PtxEmitter.cpp - GPU kernels to PTX through NVVM -------------------===//

#include "codegen/gpu/PtxEmitter.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/CompilationInterfaces.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Target/LLVM/NVVM/Target.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/GPU/GPUToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/NVVM/NVVMToLLVMIRTranslation.h"

#include "llvm/ADT/StringExtras.h"

using namespace mlir;

namespace tessera::gpu {

llvm::Expected<CudaTarget> parseCudaTarget(llvm::StringRef target) {
  CudaTarget cuda;
  if (target == "cuda")
    return cuda;
  unsigned version = 0;
  llvm::StringRef arch = target;
  if (!arch.consume_front("cuda:") || !arch.starts_with("sm_") ||
      arch.drop_front(3).getAsInteger(10, version) || version < 70)
    return llvm::createStringError(
        "unknown --target '" + target.str() +
        "' (cpu, cuda, cuda:sm_80, cuda:sm_90, ...: an NVIDIA architecture "
        "from sm_70 on)");
  cuda.arch = arch.str();
  cuda.version = version;
  // sm_100 and newer need PTX 8.6 (LLVM 22's NVPTX backend).
  if (version >= 100)
    cuda.features = "+ptx86";
  return cuda;
}

/// |x| on integers as arith (the NVVM conversion has no pattern for it).
void expandIntegerAbs(ModuleOp holder) {
  holder.walk([](math::AbsIOp abs) {
    OpBuilder b(abs);
    Location loc = abs.getLoc();
    Value x = abs.getOperand();
    Value zero = arith::ConstantOp::create(b, loc, b.getZeroAttr(x.getType()));
    Value negative = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, x, zero);
    Value negated = arith::SubIOp::create(b, loc, zero, x);
    abs.replaceAllUsesWith(arith::SelectOp::create(b, loc, negative, negated, x).getResult());
    abs.erase();
  });
}

llvm::Expected<std::string> emitPtx(ModuleOp holder, const CudaTarget &target) {
  MLIRContext *ctx = holder.getContext();
  expandIntegerAbs(holder);
  ctx->loadDialect<NVVM::NVVMDialect>();
  NVVM::registerNVVMTargetInterfaceExternalModels(*ctx);
  registerBuiltinDialectTranslation(*ctx);
  registerLLVMDialectTranslation(*ctx);
  registerNVVMDialectTranslation(*ctx);
  registerGPUDialectTranslation(*ctx);

  // Loops and index arithmetic to control flow first: the NVVM conversion
  // takes arith, cf, memref, math and gpu ops.
  std::string pipeline =
      "gpu.module(lower-affine,convert-scf-to-cf,expand-strided-metadata,"
      "lower-affine,canonicalize,cse,convert-gpu-to-nvvm{index-bitwidth=64},"
      "reconcile-unrealized-casts,canonicalize,cse),"
      "nvvm-attach-target{chip=" + target.arch + " features=" + target.features +
      " O=3},gpu-module-to-binary{format=isa}";
  PassManager pm(ctx);
  (void)applyPassManagerCLOptions(pm);
  std::string error;
  llvm::raw_string_ostream os(error);
  if (failed(parsePassPipeline(pipeline, pm, os)))
    return llvm::createStringError("internal GPU pass pipeline: " + error);
  if (failed(pm.run(holder)))
    return llvm::createStringError("lowering the GPU kernels to PTX failed");
  std::string ptx;
  for (auto binary : holder.getOps<mlir::gpu::BinaryOp>())
    for (Attribute object : binary.getObjects())
      if (auto o = dyn_cast<mlir::gpu::ObjectAttr>(object))
        ptx += o.getObject().getValue();
  if (ptx.empty())
    return llvm::createStringError("the GPU pipeline produced no PTX");
  return ptx;
}

} // namespace tessera::gpu
