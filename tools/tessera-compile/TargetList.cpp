//===- TargetList.cpp - the --target list ---------------------------------===//

#include "TargetList.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/Twine.h"

namespace tessera::tools {

llvm::Error parseTargetList(llvm::StringRef list, codegen::CompileOptions &options) {
  llvm::SmallVector<llvm::StringRef> entries;
  list.split(entries, ',');
  bool cpu = false;
  std::optional<gpu::CudaTarget> cuda;
  for (llvm::StringRef entry : entries) {
    entry = entry.trim();
    if (entry == "cpu") {
      if (cpu)
        return llvm::createStringError("--target=" + list.str() + ": cpu appears twice");
      cpu = true;
      continue;
    }
    if (cuda)
      return llvm::createStringError("--target=" + list.str() +
                                     ": more than one CUDA target (a module holds code "
                                     "for one GPU architecture)");
    llvm::Expected<gpu::CudaTarget> parsed = gpu::parseCudaTarget(entry);
    if (!parsed)
      return parsed.takeError();
    cuda = *parsed;
  }
  options.cuda = cuda;
  options.withCpu = cpu && cuda;
  return llvm::Error::success();
}

} // namespace tessera::tools
