//===- FusionReport.h - what the fusion passes did, per candidate -*- C++ -*-===//
//
// The fusion passes emit one remark per candidate ("fused as gelu", "not
// fused as layer_norm: <first failed predicate>"). The report collects them
// with the ONNX node names from their locations, for the JSON file, the
// summary on stderr and --require-fusion.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_PASSES_FUSIONREPORT_H
#define TESSERA_PASSES_FUSIONREPORT_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"

#include <string>
#include <vector>

namespace tessera {

struct FusionCandidate {
  std::string kind;
  std::string node;
  bool fused;
  std::string reason;
};

class FusionReport {
public:
  /// Records the candidate a fusion remark describes; false when the
  /// diagnostic is not a fusion remark.
  bool record(mlir::Diagnostic &diagnostic);
  void printSummary(llvm::raw_ostream &os, llvm::StringRef prefix) const;
  llvm::Error writeJson(llvm::StringRef path, llvm::StringRef model) const;
  /// "kind at node 'n': reason; ..." for unfused candidates of `kinds`.
  std::string unfusedOf(llvm::ArrayRef<std::string> kinds) const;
  const std::vector<FusionCandidate> &candidates() const { return candidates_; }

private:
  std::vector<FusionCandidate> candidates_;
};

/// Routes fusion remarks into a report while it lives; every other
/// diagnostic goes on to the previous handler.
class FusionRemarkCollector {
public:
  FusionRemarkCollector(mlir::MLIRContext &context, FusionReport &report);

private:
  mlir::ScopedDiagnosticHandler handler_;
};

} // namespace tessera

#endif // TESSERA_PASSES_FUSIONREPORT_H
