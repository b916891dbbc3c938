//===- OpRegistry.h - the table of ONNX op importers ------------*- C++ -*-===//
//
// One importer per (domain, op type, since-version). A node of a model whose
// opset for that domain is V is imported by the entry with the largest
// since-version <= V, exactly as ONNX resolves operator versions.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_FRONTEND_ONNX_OPREGISTRY_H
#define TESSERA_FRONTEND_ONNX_OPREGISTRY_H

#include "mlir/Support/LogicalResult.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/raw_ostream.h"

#include <string>
#include <vector>

namespace tessera::onnx_frontend {

class NodeImporter;
using ImportFn = mlir::LogicalResult (*)(NodeImporter &);

struct OpImporter {
  std::string domain; // canonical: "" for ai.onnx
  std::string opType;
  int64_t sinceVersion;
  ImportFn import;
};

class OpRegistry {
public:
  /// The table with every importer of the frontend.
  static const OpRegistry &instance();

  void add(llvm::StringRef domain, llvm::StringRef opType,
           int64_t sinceVersion, ImportFn import);
  /// The importer for a node of `opType` in a model whose opset for `domain`
  /// is `opset`; null when there is none.
  const OpImporter *lookup(llvm::StringRef domain, llvm::StringRef opType,
                           int64_t opset) const;
  /// One line per entry: domain, op type, since-version.
  void print(llvm::raw_ostream &os) const;

private:
  std::vector<OpImporter> entries_;
};

// One registration function per file under ops/.
void registerElementwiseImporters(OpRegistry &registry);
void registerShapeImporters(OpRegistry &registry);
void registerReductionImporters(OpRegistry &registry);
void registerLinearImporters(OpRegistry &registry);
void registerNormalizationImporters(OpRegistry &registry);
void registerActivationImporters(OpRegistry &registry);
void registerAttentionImporters(OpRegistry &registry);
void registerControlFlowImporters(OpRegistry &registry);

} // namespace tessera::onnx_frontend

#endif // TESSERA_FRONTEND_ONNX_OPREGISTRY_H
