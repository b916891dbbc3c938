//===- FusionReport.cpp - what the fusion passes did, per candidate -------===//

#include "passes/FusionReport.h"

#include "ir/TesseraDialect.h"
#include "passes/FusionMatchers.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/JSON.h"

#include <map>

using namespace mlir;

namespace tessera {

bool FusionReport::record(Diagnostic &diagnostic) {
  if (diagnostic.getSeverity() != DiagnosticSeverity::Remark)
    return false;
  std::string text = diagnostic.str();
  llvm::StringRef message(text);
  FusionCandidate candidate;
  if (message.consume_front("fused as ")) {
    candidate.fused = true;
    candidate.kind = message.str();
  } else if (message.consume_front("not fused as ")) {
    auto [kind, reason] = message.split(": ");
    candidate.fused = false;
    candidate.kind = kind.str();
    candidate.reason = reason.str();
  } else {
    return false;
  }
  candidate.node = nodeName(diagnostic.getLocation());
  candidates_.push_back(std::move(candidate));
  return true;
}

void FusionReport::printSummary(llvm::raw_ostream &os,
                                llvm::StringRef prefix) const {
  std::map<std::string, std::pair<int, int>> counts; // kind -> fused, total
  for (const FusionCandidate &c : candidates_) {
    counts[c.kind].second++;
    counts[c.kind].first += c.fused;
  }
  os << prefix << "fusion:";
  if (counts.empty())
    os << " no candidates";
  bool first = true;
  for (const auto &[kind, count] : counts) {
    os << (first ? " " : ", ") << kind << " " << count.first << "/"
       << count.second;
    first = false;
  }
  os << " fused\n";
  for (const FusionCandidate &c : candidates_)
    if (!c.fused)
      os << prefix << "  not fused: " << c.kind << " at node '" << c.node
         << "': " << c.reason << "\n";
}

llvm::Error FusionReport::writeJson(llvm::StringRef path,
                                    llvm::StringRef model) const {
  llvm::json::Array list;
  std::map<std::string, std::pair<int, int>> counts;
  for (const FusionCandidate &c : candidates_) {
    llvm::json::Object entry{{"kind", c.kind}, {"node", c.node},
                             {"fused", c.fused}};
    if (!c.fused)
      entry["reason"] = c.reason;
    list.push_back(std::move(entry));
    counts[c.kind].second++;
    counts[c.kind].first += c.fused;
  }
  llvm::json::Object summary;
  for (const auto &[kind, count] : counts)
    summary[kind] = llvm::json::Object{{"candidates", count.second},
                                       {"fused", count.first}};
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec, llvm::sys::fs::OF_Text);
  if (ec)
    return llvm::createStringError(ec, "cannot write the fusion report '" +
                                           path + "': " + ec.message());
  os << llvm::formatv("{0:2}", llvm::json::Value(llvm::json::Object{
                                   {"model", model},
                                   {"summary", std::move(summary)},
                                   {"candidates", std::move(list)}}))
     << "\n";
  return llvm::Error::success();
}

std::string FusionReport::unfusedOf(llvm::ArrayRef<std::string> kinds) const {
  std::string out;
  for (const FusionCandidate &c : candidates_)
    if (!c.fused && llvm::is_contained(kinds, c.kind))
      out += (out.empty() ? "" : "; ") + c.kind + " at node '" + c.node +
             "' is not fused: " + c.reason;
  return out;
}

FusionRemarkCollector::FusionRemarkCollector(MLIRContext &context,
                                             FusionReport &report)
    : handler_(&context, [&report](Diagnostic &diagnostic) {
        return success(report.record(diagnostic));
      }) {}

} // namespace tessera
