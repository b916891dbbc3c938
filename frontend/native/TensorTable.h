//===- TensorTable.h - a checkpoint's named tensors -------------*- C++ -*-===//
//
// What a checkpoint reader produces and the weight loader consumes: each
// tensor's dtype, shape and bytes, which point into the checkpoint files the
// table keeps mapped. Readers check every offset and size before they add a
// tensor, so a view here always lies inside its file.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_FRONTEND_NATIVE_TENSORTABLE_H
#define TESSERA_FRONTEND_NATIVE_TENSORTABLE_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/MemoryBuffer.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace tessera::native {

/// Element types a checkpoint may store (safetensors' names).
enum class DType { F64, F32, F16, BF16, I64, I32, I16, I8, U8, Bool };

/// The dtype named `name` in a safetensors header ("F32", "BF16", ...).
std::optional<DType> parseDType(llvm::StringRef name);
llvm::StringRef dtypeName(DType dtype);
size_t dtypeBytes(DType dtype);

/// One tensor: where its bytes lie in a mapped file.
struct TensorView {
  DType dtype = DType::F32;
  llvm::SmallVector<int64_t, 4> shape;
  llvm::ArrayRef<char> bytes;
  /// The file it was read from, for messages.
  std::string file;
};

/// `shape` as "[a, b, c]", for messages.
std::string formatShape(llvm::ArrayRef<int64_t> shape);

/// The number of elements of `shape`, or nullopt when a dimension is negative
/// or the product overflows.
std::optional<int64_t> elementCount(llvm::ArrayRef<int64_t> shape);

class TensorTable {
public:
  TensorTable();

  /// Keeps `file` mapped for as long as the table or a blob made from it
  /// lives; views added afterwards may point into it.
  void keepMapped(std::unique_ptr<llvm::MemoryBuffer> file);

  /// Adds `view` as `name`; a name given twice is an error naming both files.
  llvm::Error add(llvm::StringRef name, TensorView view);

  const TensorView *find(llvm::StringRef name) const;
  bool contains(llvm::StringRef name) const { return find(name) != nullptr; }

  /// Owns the mapped files: a blob that points into them holds a copy.
  std::shared_ptr<const void> owner() const { return files_; }

  /// The checkpoint as users named it (file or directory), for messages.
  const std::string &source() const { return source_; }
  void setSource(llvm::StringRef source) { source_ = source.str(); }

private:
  std::shared_ptr<std::vector<std::unique_ptr<llvm::MemoryBuffer>>> files_;
  llvm::StringMap<TensorView> tensors_;
  std::string source_;
};

} // namespace tessera::native

#endif // TESSERA_FRONTEND_NATIVE_TENSORTABLE_H
