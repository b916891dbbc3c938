//===- NativeChecks.h - invariants of the native checkpoint readers -*- C++ -*-===//
//
// Shared by the safetensors and llama2.c harnesses: every tensor a reader
// adds lies inside one of the files its table keeps, holds exactly
// elements * dtype bytes, and its bytes can all be read; the weight loader
// turns it into an attribute of its own shape; a model that imports
// verifies.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_FUZZ_COMMON_NATIVECHECKS_H
#define TESSERA_FUZZ_COMMON_NATIVECHECKS_H

#include "fuzz/common/FuzzSupport.h"

#include "frontend/native/NativeImporter.h"
#include "frontend/native/TensorTable.h"
#include "frontend/native/WeightLoader.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "llvm/Support/raw_ostream.h"

namespace tessera::fuzz {

/// Weights the harness converts (the loader copies what it widens or
/// transposes: keep one input cheap).
constexpr int64_t kMaxLoadedElements = 1 << 16;

/// The files a table keeps mapped (TensorTable::owner() hands them out as an
/// opaque owner; this is its real type).
inline const std::vector<std::unique_ptr<llvm::MemoryBuffer>> &
mappedFiles(const native::TensorTable &table) {
  static std::shared_ptr<const void> keep;
  keep = table.owner();
  return *static_cast<const std::vector<std::unique_ptr<llvm::MemoryBuffer>> *>(keep.get());
}

/// Checks tensor `name` of `table` (which must have it), and loads it.
inline void checkTensor(const native::TensorTable &table, llvm::StringRef name,
                        native::WeightLoader *loader) {
  const native::TensorView *view = table.find(name);
  if (!view)
    violated("a tensor the reader listed is not in the table", name.str());
  std::optional<int64_t> count = native::elementCount(view->shape);
  if (!count)
    violated("a tensor in the table has a negative or overflowing shape", name.str());
  uint64_t bytes = 0;
  if (__builtin_mul_overflow(uint64_t(*count), native::dtypeBytes(view->dtype), &bytes) ||
      bytes != view->bytes.size())
    violated("a tensor's byte count is not its element count times its dtype size",
             name.str());
  bool inside = view->bytes.empty();
  for (const auto &file : mappedFiles(table)) {
    const char *begin = file->getBufferStart(), *end = file->getBufferEnd();
    if (view->bytes.data() >= begin && view->bytes.data() <= end &&
        uint64_t(end - view->bytes.data()) >= view->bytes.size())
      inside = true;
  }
  if (!inside)
    violated("a tensor's bytes lie outside every file the table keeps", name.str());
  // Reading every byte: a sanitizer flags what lies outside a heap copy.
  volatile unsigned char sink = 0;
  for (char c : view->bytes)
    sink = sink + static_cast<unsigned char>(c);
  (void)sink;

  if (!loader || *count > kMaxLoadedElements)
    return;
  bool isFloat = view->dtype == native::DType::F32 || view->dtype == native::DType::F16 ||
                 view->dtype == native::DType::BF16 || view->dtype == native::DType::F64;
  mlir::ElementsAttr attr = loader->load(name, view->shape);
  if (view->shape.size() == 2)
    (void)loader->loadTransposed(name, view->shape[0], view->shape[1]);
  llvm::Error error = loader->takeError();
  if (isFloat && error)
    violated("the weight loader refused a float tensor of its own shape",
             llvm::toString(std::move(error)));
  llvm::consumeError(std::move(error));
  if (attr && attr.getNumElements() != *count)
    violated("a loaded weight has another element count than its tensor", name.str());
}

/// A fresh context whose diagnostics go nowhere.
struct QuietContext {
  mlir::MLIRContext context{mlir::MLIRContext::Threading::DISABLED};
  mlir::ScopedDiagnosticHandler quiet{&context,
                                      [](mlir::Diagnostic &) { return mlir::success(); }};
};

/// Imports the native model at `path`; one that imports must verify.
inline void checkImport(llvm::StringRef path) {
  QuietContext q;
  auto module = native::importNativeModel(q.context, path);
  if (!module) {
    if (llvm::toString(module.takeError()).empty())
      violated("a native import error without a message");
    return;
  }
  if (!*module || mlir::failed(mlir::verify(**module)))
    violated("an imported native model does not verify", path.str());
  llvm::raw_null_ostream os;
  (*module)->print(os);
}

} // namespace tessera::fuzz

#endif // TESSERA_FUZZ_COMMON_NATIVECHECKS_H
