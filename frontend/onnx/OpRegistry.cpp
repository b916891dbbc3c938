//===- OpRegistry.cpp - the table of ONNX op importers --------------------===//

#include "frontend/onnx/OpRegistry.h"

#include "frontend/onnx/GraphImporter.h"

#include <algorithm>
#include <tuple>

namespace tessera::onnx_frontend {

const OpRegistry &OpRegistry::instance() {
  static const OpRegistry registry = [] {
    OpRegistry r;
    registerElementwiseImporters(r);
    registerShapeImporters(r);
    registerReductionImporters(r);
    registerLinearImporters(r);
    registerNormalizationImporters(r);
    registerActivationImporters(r);
    registerAttentionImporters(r);
    registerControlFlowImporters(r);
    std::sort(r.entries_.begin(), r.entries_.end(),
              [](const OpImporter &a, const OpImporter &b) {
                return std::tie(a.domain, a.opType, a.sinceVersion) <
                       std::tie(b.domain, b.opType, b.sinceVersion);
              });
    return r;
  }();
  return registry;
}

void OpRegistry::add(llvm::StringRef domain, llvm::StringRef opType,
                     int64_t sinceVersion, ImportFn import) {
  entries_.push_back({canonicalDomain(domain).str(), opType.str(),
                      sinceVersion, import});
}

const OpImporter *OpRegistry::lookup(llvm::StringRef domain,
                                     llvm::StringRef opType,
                                     int64_t opset) const {
  const OpImporter *best = nullptr;
  llvm::StringRef canonical = canonicalDomain(domain);
  for (const OpImporter &entry : entries_)
    if (entry.domain == canonical && entry.opType == opType &&
        entry.sinceVersion <= opset &&
        (!best || entry.sinceVersion > best->sinceVersion))
      best = &entry;
  return best;
}

void OpRegistry::print(llvm::raw_ostream &os) const {
  os << "domain\top\tsince-version\n";
  for (const OpImporter &entry : entries_)
    os << (entry.domain.empty() ? "ai.onnx" : entry.domain) << '\t'
       << entry.opType << '\t' << entry.sinceVersion << '\n';
}

} // namespace tessera::onnx_frontend
