//===- OnnxImporter.cpp - ONNX models into tessera IR ---------------------===//

#include "frontend/onnx/OnnxImporter.h"

#include "frontend/onnx/GraphImporter.h"
#include "frontend/onnx/OpRegistry.h"
#include "frontend/onnx/TensorData.h"
#include "ir/TesseraDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Verifier.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include "onnx/defs/parser.h"

#include <algorithm>
#include <climits>

using namespace mlir;

namespace tessera::onnx_frontend {

namespace {

llvm::Error makeError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

void collectNodes(const onnx::GraphProto &graph,
                  std::vector<const onnx::NodeProto *> &nodes) {
  for (const onnx::NodeProto &node : graph.node()) {
    nodes.push_back(&node);
    for (const onnx::AttributeProto &attr : node.attribute()) {
      if (attr.has_g())
        collectNodes(attr.g(), nodes);
      for (const onnx::GraphProto &g : attr.graphs())
        collectNodes(g, nodes);
    }
  }
}

/// One error listing every (domain, op, opset) without an importer, with
/// the nodes that use it, before anything is imported.
llvm::Error checkSupported(const onnx::ModelProto &model,
                           llvm::StringRef displayName) {
  llvm::StringMap<int64_t> opsets;
  for (const onnx::OperatorSetIdProto &opset : model.opset_import())
    opsets[canonicalDomain(opset.domain())] = opset.version();
  std::vector<const onnx::NodeProto *> nodes;
  collectNodes(model.graph(), nodes);
  // Unnamed top-level nodes are named by their index, as in import errors.
  llvm::DenseMap<const onnx::NodeProto *, int> topIndex;
  for (int i = 0; i < model.graph().node_size(); ++i)
    topIndex[&model.graph().node(i)] = i;
  auto describe = [&](const onnx::NodeProto *node) {
    auto it = topIndex.find(node);
    if (it != topIndex.end())
      return describeNode(*node, it->second);
    return node->name().empty() ? std::string("(in a subgraph)")
                                : "'" + node->name() + "'";
  };
  // (domain:op (opset), node names), in order of first appearance.
  std::vector<std::pair<std::string, std::vector<std::string>>> unsupported;
  for (const onnx::NodeProto *node : nodes) {
    llvm::StringRef domain = canonicalDomain(node->domain());
    auto it = opsets.find(domain);
    int64_t opset = it == opsets.end() ? 1 : it->second;
    if (OpRegistry::instance().lookup(domain, node->op_type(), opset))
      continue;
    std::string key = (domain.empty() ? "ai.onnx" : domain.str()) + ":" +
                      node->op_type() + " (opset " + std::to_string(opset) +
                      ")";
    auto entry = llvm::find_if(unsupported,
                               [&](const auto &e) { return e.first == key; });
    if (entry == unsupported.end())
      entry = unsupported.insert(unsupported.end(), {key, {}});
    entry->second.push_back(describe(node));
  }
  if (unsupported.empty())
    return llvm::Error::success();
  std::string message = displayName.str() + ": " +
                        std::to_string(unsupported.size()) +
                        " unsupported operator(s); nothing was imported:";
  for (auto &[key, names] : unsupported) {
    message += "\n  " + key + " at node(s) ";
    for (size_t i = 0; i < names.size() && i < 5; ++i)
      message += (i ? ", " : "") + names[i];
    if (names.size() > 5)
      message += " and " + std::to_string(names.size() - 5) + " more";
  }
  message += "\n(tessera-compile --list-ops prints what is supported)";
  return makeError(message);
}

/// The .npy files tessera-run reads hold bfloat16 as int16 bits, 8-bit
/// floats as uint8 bits and 4-bit and 2-bit integers (and 4-bit floats) one
/// a byte: the bytes of `value` as the TensorProto of `declared` holds them
/// (the 4-bit and 2-bit types packed, first element in the low bits), or
/// nullopt when the values' type is not that of the declared type.
std::optional<std::string> bytesAs(int32_t declared, const ConstantInput &value) {
  using TP = onnx::TensorProto;
  if (declared == value.onnxType)
    return value.bytes;
  if (declared == TP::BFLOAT16 && value.onnxType == TP::INT16)
    return value.bytes;
  bool float8 = declared == FLOAT8E4M3FN || declared == FLOAT8E4M3FNUZ ||
                declared == FLOAT8E5M2 || declared == FLOAT8E5M2FNUZ ||
                declared == FLOAT8E8M0;
  if (float8 && value.onnxType == TP::UINT8)
    return value.bytes;
  unsigned bits = packedBits(declared);
  bool isSigned = declared == INT4 || declared == INT2;
  if (!bits || value.onnxType != (isSigned ? TP::INT8 : TP::UINT8))
    return std::nullopt;
  return packElements(llvm::ArrayRef<char>(value.bytes.data(), value.bytes.size()), bits);
}

/// Replaces each graph input of `constants` by an initializer holding its
/// values, after checking them against the input's declared type and shape.
llvm::Error bindConstantInputs(onnx::GraphProto &graph,
                               const std::map<std::string, ConstantInput> &constants,
                               llvm::StringRef displayName) {
  for (const auto &[name, value] : constants) {
    auto inputs = graph.mutable_input();
    auto it = std::find_if(inputs->begin(), inputs->end(),
                           [&](const onnx::ValueInfoProto &i) { return i.name() == name; });
    if (it == inputs->end()) {
      std::string names;
      for (const onnx::ValueInfoProto &i : graph.input())
        names += (names.empty() ? "" : ", ") + i.name();
      return makeError(displayName + ": --constant-input " + name +
                       ": the graph has no input of that name (inputs: " + names + ")");
    }
    const onnx::TypeProto_Tensor &declared = it->type().tensor_type();
    std::optional<std::string> bytes = bytesAs(declared.elem_type(), value);
    if (!bytes)
      return makeError(displayName + ": --constant-input " + name + ": the input is " +
                       dataTypeName(declared.elem_type()) + ", the values are " +
                       dataTypeName(value.onnxType));
    if (declared.has_shape()) {
      const onnx::TensorShapeProto &shape = declared.shape();
      bool fits = shape.dim_size() == int(value.shape.size());
      for (int d = 0; fits && d < shape.dim_size(); ++d)
        fits = !shape.dim(d).has_dim_value() || shape.dim(d).dim_value() == value.shape[d];
      if (!fits)
        return makeError(displayName + ": --constant-input " + name +
                         ": the values' shape does not match the input's");
    }
    onnx::TensorProto *tensor = graph.add_initializer();
    tensor->set_name(name);
    tensor->set_data_type(declared.elem_type());
    for (int64_t d : value.shape)
      tensor->add_dims(d);
    tensor->set_raw_data(*bytes);
    inputs->erase(it);
  }
  return llvm::Error::success();
}

llvm::Expected<OwningOpRef<ModuleOp>>
importModel(MLIRContext &context, std::shared_ptr<onnx::ModelProto> model,
            llvm::StringRef displayName, llvm::StringRef modelDir,
            const ImportOptions &options) {
  if (!model->has_graph())
    return makeError(displayName + ": the model has no graph");
  if (llvm::Error err =
          bindConstantInputs(*model->mutable_graph(), options.constantInputs, displayName))
    return std::move(err);
  if (llvm::Error err = checkSupported(*model, displayName))
    return std::move(err);

  DialectRegistry registry;
  registerImportDialects(registry);
  context.appendDialectRegistry(registry);
  context.loadAllAvailableDialects();

  OwningOpRef<ModuleOp> module =
      ModuleOp::create(FileLineColLoc::get(&context, displayName, 0, 0));
  GraphImporter importer(*module, model, displayName, modelDir, options);
  if (failed(importer.run()))
    return makeError(displayName + ": " + importer.errorMessage());

  std::string diagnostics;
  {
    ScopedDiagnosticHandler handler(&context, [&](Diagnostic &diag) {
      llvm::raw_string_ostream os(diagnostics);
      os << "\n  " << diag.getLocation() << ": " << diag.str();
      return success();
    });
    if (failed(verify(*module)))
      return makeError(displayName +
                       ": the imported IR does not verify:" + diagnostics);
  }
  return module;
}

} // namespace

void registerImportDialects(DialectRegistry &registry) {
  registry.insert<TesseraDialect, func::FuncDialect, arith::ArithDialect,
                  tensor::TensorDialect>();
}

void printSupportedOps(llvm::raw_ostream &os) {
  OpRegistry::instance().print(os);
}

llvm::Expected<OwningOpRef<ModuleOp>>
importOnnxBytes(MLIRContext &context, llvm::StringRef bytes,
                llvm::StringRef displayName, llvm::StringRef modelDir,
                const ImportOptions &options) {
  if (bytes.size() > static_cast<size_t>(INT_MAX))
    return makeError(displayName +
                     ": larger than 2 GiB; protobuf cannot hold it (store the "
                     "weights as ONNX external data)");
  auto model = std::make_shared<onnx::ModelProto>();
  if (!model->ParseFromArray(bytes.data(), static_cast<int>(bytes.size())))
    return makeError(displayName +
                     ": not a valid ONNX model (protobuf parsing failed; the "
                     "file may be truncated or corrupt)");
  return importModel(context, std::move(model), displayName, modelDir, options);
}

llvm::Expected<OwningOpRef<ModuleOp>>
importOnnxFile(MLIRContext &context, llvm::StringRef path,
               const ImportOptions &options) {
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                            /*RequiresNullTerminator=*/true);
  if (!buffer)
    return makeError(path + ": cannot read: " + buffer.getError().message());
  llvm::SmallString<256> dir = llvm::sys::path::parent_path(path);
  if (dir.empty())
    dir = ".";
  if (!path.ends_with(".onnxtxt"))
    return importOnnxBytes(context, (*buffer)->getBuffer(), path, dir, options);

  auto model = std::make_shared<onnx::ModelProto>();
  std::string parseError;
  try {
    onnx::Common::Status status =
        onnx::OnnxParser::Parse(*model, (*buffer)->getBufferStart());
    if (!status.IsOK())
      parseError = status.ErrorMessage();
  } catch (const std::exception &e) {
    parseError = e.what();
  }
  if (!parseError.empty())
    return makeError(path + ": not valid ONNX text format: " + parseError);
  return importModel(context, std::move(model), path, dir, options);
}

} // namespace tessera::onnx_frontend
