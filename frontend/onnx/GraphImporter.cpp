//===- GraphImporter.cpp - one ONNX graph into one func.func --------------===//

#include "frontend/onnx/GraphImporter.h"

#include "frontend/onnx/OpRegistry.h"
#include "frontend/onnx/TensorData.h"
#include "ir/TesseraDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Verifier.h"

#include "onnx/defs/schema.h"

#include <set>

using namespace mlir;

namespace tessera::onnx_frontend {

llvm::StringRef canonicalDomain(llvm::StringRef domain) {
  return domain == "ai.onnx" ? llvm::StringRef() : domain;
}

namespace {

/// A resource-blob name derived from an ONNX value name.
std::string blobNameFor(llvm::StringRef name, unsigned counter) {
  std::string out;
  for (char c : name)
    out.push_back(llvm::isAlnum(c) || c == '_' || c == '.' ? c : '_');
  if (out.empty() || llvm::isDigit(out.front()))
    out = "w" + std::to_string(counter) + "_" + out;
  return out;
}

/// Collects the MLIR diagnostics emitted while it lives.
class DiagnosticCollector {
public:
  explicit DiagnosticCollector(MLIRContext *context)
      : handler(context, [this](Diagnostic &diag) {
          if (!text.empty())
            text += "; ";
          text += diag.str();
          return success();
        }) {}
  std::string text;

private:
  ScopedDiagnosticHandler handler;
};

} // namespace

//===----------------------------------------------------------------------===//
// NodeImporter
//===----------------------------------------------------------------------===//

std::string describeNode(const onnx::NodeProto &node, int index) {
  return node.name().empty() ? "#" + std::to_string(index)
                             : "'" + node.name() + "'";
}

static Location nodeLocation(MLIRContext *context, const onnx::NodeProto &node,
                             int index, llvm::StringRef file) {
  std::string name = node.name().empty()
                         ? node.op_type() + "#" + std::to_string(index)
                         : node.name();
  return NameLoc::get(StringAttr::get(context, name),
                      FileLineColLoc::get(context, file, 0, 0));
}

NodeImporter::NodeImporter(GraphImporter &graph, const onnx::NodeProto &node,
                           int index, int64_t opset)
    : graph_(graph), node_(node), index_(index), opset_(opset),
      loc_(nodeLocation(graph.context(), node, index, graph.displayName())) {}

OpBuilder &NodeImporter::builder() { return graph_.builder(); }
MLIRContext *NodeImporter::context() { return graph_.context(); }

LogicalResult NodeImporter::error(const llvm::Twine &message) {
  std::string name = describeNode(node_, index_);
  std::string domain = canonicalDomain(node_.domain()).str();
  return graph_.fail("node " + name + " (" +
                     (domain.empty() ? "" : domain + ":") + node_.op_type() +
                     ", opset " + llvm::Twine(opset_) + "): " + message);
}

bool NodeImporter::hasInput(size_t i) const {
  return i < static_cast<size_t>(node_.input_size()) &&
         !node_.input(i).empty();
}

FailureOr<Value> NodeImporter::input(size_t i) {
  if (!hasInput(i))
    return error("input " + llvm::Twine(i) + " is required but missing");
  ImportedValue *value = graph_.lookup(node_.input(i), loc_);
  if (!value)
    return failure();
  return graph_.materialize(*value, loc_);
}

FailureOr<RankedTensorType> NodeImporter::inputType(size_t i) {
  FailureOr<Value> value = input(i);
  if (failed(value))
    return failure();
  auto type = dyn_cast<RankedTensorType>(value->getType());
  if (!type)
    return error("input " + llvm::Twine(i) + " is not a ranked tensor");
  return type;
}

std::optional<SymbolicInts> NodeImporter::inputElements(size_t i) {
  if (!hasInput(i))
    return std::nullopt;
  ImportedValue *value = graph_.lookup(node_.input(i), loc_);
  if (!value)
    return std::nullopt;
  if (value->elements)
    return value->elements;
  // A constant integer tensor defined by an earlier op (e.g. folded).
  if (value->tensor)
    if (auto constant = value->tensor.getDefiningOp<ConstantOp>())
      if (auto dense = dyn_cast<DenseIntElementsAttr>(constant.getValue()))
        if (dense.getType().getRank() <= 1 && dense.getNumElements() <= 4096) {
          SymbolicInts elements;
          for (const APInt &v : dense.getValues<APInt>())
            elements.push_back(SymbolicInt::of(
                dense.getElementType().isUnsignedInteger() ? v.getZExtValue()
                                                           : v.getSExtValue()));
          return elements;
        }
  return std::nullopt;
}

std::optional<llvm::SmallVector<int64_t>>
NodeImporter::inputConstants(size_t i) {
  std::optional<SymbolicInts> elements = inputElements(i);
  if (!elements)
    return std::nullopt;
  llvm::SmallVector<int64_t> values;
  for (const SymbolicInt &e : *elements) {
    if (!e.isConstant())
      return std::nullopt;
    values.push_back(e.constant);
  }
  return values;
}

std::optional<double> NodeImporter::inputFloatConstant(size_t i) {
  if (!hasInput(i))
    return std::nullopt;
  ImportedValue *value = graph_.lookup(node_.input(i), loc_);
  if (!value)
    return std::nullopt;
  if (value->elements && value->elements->size() == 1 &&
      value->elements->front().isConstant())
    return static_cast<double>(value->elements->front().constant);
  if (!value->tensor)
    return std::nullopt;
  auto constant = value->tensor.getDefiningOp<ConstantOp>();
  if (!constant)
    return std::nullopt;
  auto dense = dyn_cast<DenseFPElementsAttr>(constant.getValue());
  if (!dense || !(dense.isSplat() || dense.getNumElements() == 1))
    return std::nullopt;
  return (*dense.getValues<APFloat>().begin()).convertToDouble();
}

const onnx::AttributeProto *NodeImporter::attr(llvm::StringRef name) const {
  for (const onnx::AttributeProto &a : node_.attribute())
    if (a.name() == name)
      return &a;
  return nullptr;
}

int64_t NodeImporter::intAttr(llvm::StringRef name, int64_t defaultValue) const {
  const onnx::AttributeProto *a = attr(name);
  return a && a->has_i() ? a->i() : defaultValue;
}

float NodeImporter::floatAttr(llvm::StringRef name, float defaultValue) const {
  const onnx::AttributeProto *a = attr(name);
  return a && a->has_f() ? a->f() : defaultValue;
}

std::string NodeImporter::stringAttr(llvm::StringRef name,
                                     llvm::StringRef defaultValue) const {
  const onnx::AttributeProto *a = attr(name);
  return a && a->has_s() ? a->s() : defaultValue.str();
}

std::optional<llvm::SmallVector<int64_t>>
NodeImporter::intsAttr(llvm::StringRef name) const {
  const onnx::AttributeProto *a = attr(name);
  if (!a)
    return std::nullopt;
  return llvm::SmallVector<int64_t>(a->ints().begin(), a->ints().end());
}

bool NodeImporter::hasOutput(size_t i) const {
  return i < static_cast<size_t>(node_.output_size()) &&
         !node_.output(i).empty();
}

LogicalResult NodeImporter::setOutput(size_t i, Value value) {
  if (!hasOutput(i))
    return success();
  ImportedValue imported;
  imported.tensor = value;
  graph_.define(node_.output(i), imported);
  return success();
}

LogicalResult NodeImporter::setOutputElements(size_t i, SymbolicInts elements,
                                              bool scalar, Type elementType) {
  if (!hasOutput(i))
    return success();
  ImportedValue imported;
  imported.elements = std::move(elements);
  imported.scalar = scalar;
  imported.elementType = elementType;
  graph_.define(node_.output(i), imported);
  return success();
}

NamedAttribute NodeImporter::namedAttr(llvm::StringRef name, Attribute value) {
  return NamedAttribute(StringAttr::get(context(), name), value);
}

FailureOr<Operation *>
NodeImporter::createInferredImpl(llvm::StringRef opName, ValueRange operands,
                                 llvm::ArrayRef<NamedAttribute> attributes,
                                 unsigned numResults) {
  // Built with placeholder result types, which the op's own inference then
  // replaces: a shape error becomes this node's error, never an abort.
  OperationState state(loc_, opName);
  state.addOperands(operands);
  state.addAttributes(attributes);
  state.addTypes(SmallVector<Type>(numResults, NoneType::get(context())));
  DiagnosticCollector diagnostics(context());
  Operation *op = builder().create(state);
  auto inferrable = dyn_cast<InferTypeOpInterface>(op);
  SmallVector<Type> inferred;
  if (!inferrable ||
      failed(inferrable.inferReturnTypes(
          context(), loc_, op->getOperands(), op->getAttrDictionary(),
          op->getPropertiesStorage(), op->getRegions(), inferred)) ||
      inferred.size() != numResults) {
    op->erase();
    return error("cannot build " + opName + ": " +
                 (diagnostics.text.empty() ? std::string("types do not match")
                                           : diagnostics.text));
  }
  for (auto [result, type] : llvm::zip_equal(op->getResults(), inferred))
    result.setType(type);
  // Operand constraints (e.g. unsigned integers where signless ones are
  // needed) are checked now, so that the error names this node.
  if (failed(verify(op, /*verifyRecursively=*/false))) {
    op->erase();
    return error("cannot build " + opName + ": " + diagnostics.text);
  }
  return op;
}

//===----------------------------------------------------------------------===//
// GraphImporter
//===----------------------------------------------------------------------===//

GraphImporter::GraphImporter(ModuleOp module,
                             std::shared_ptr<const onnx::ModelProto> model,
                             llvm::StringRef displayName,
                             llvm::StringRef modelDir,
                             const ImportOptions &options)
    : module_(module), model_(std::move(model)), displayName_(displayName),
      modelDir_(modelDir), options_(options), builder_(module.getContext()) {
  for (const onnx::OperatorSetIdProto &opset : model_->opset_import())
    opsets_[canonicalDomain(opset.domain())] = opset.version();
  for (const onnx::TensorProto &init : model_->graph().initializer())
    initializers_[init.name()] = &init;
}

int64_t GraphImporter::opsetFor(llvm::StringRef domain) const {
  auto it = opsets_.find(canonicalDomain(domain));
  // Contrib domains are often used without being imported; their ops have
  // one version.
  return it == opsets_.end() ? 1 : it->second;
}

LogicalResult GraphImporter::fail(const llvm::Twine &message) {
  if (error_.empty())
    error_ = message.str();
  return failure();
}

void GraphImporter::define(llvm::StringRef name, ImportedValue value) {
  values_[name] = std::move(value);
}

ImportedValue *GraphImporter::lookup(llvm::StringRef name, Location loc) {
  auto it = values_.find(name);
  if (it != values_.end())
    return &it->second;
  auto init = initializers_.find(name);
  if (init != initializers_.end()) {
    FailureOr<ImportedValue> imported = importTensor(*init->second, loc);
    if (failed(imported))
      return nullptr;
    values_[name] = *imported;
    return &values_[name];
  }
  auto missing = unavailable_.find(name);
  if (missing != unavailable_.end()) {
    (void)fail("value '" + name + "' is used, but " + missing->second);
    return nullptr;
  }
  (void)fail("value '" + name +
             "' is used before it is defined (the graph is not topologically "
             "sorted, or no node or input has that name)");
  return nullptr;
}

FailureOr<ImportedValue>
GraphImporter::importTensor(const onnx::TensorProto &tensor, Location loc) {
  llvm::SmallVector<int64_t> dims(tensor.dims().begin(), tensor.dims().end());
  auto count = checkedElementCount(dims);
  if (!count)
    return fail("tensor '" + tensor.name() +
                "': " + llvm::toString(count.takeError()));
  auto elementType = convertElementType(context(), tensor.data_type());
  if (!elementType)
    return fail("tensor '" + tensor.name() +
                "': " + llvm::toString(elementType.takeError()));
  auto type = RankedTensorType::get(dims, *elementType);
  auto data = convertTensorData(
      tensor, type, options_.inlineConstantLimit,
      blobNameFor(tensor.name(), resourceCounter_++), ExternalData{modelDir_},
      model_);
  if (!data)
    return fail(llvm::toString(data.takeError()));
  ImportedValue value;
  value.tensor = ConstantOp::create(builder_, loc, type, *data);
  // Small integer constants are also tracked, for the shape ops.
  if (auto dense = dyn_cast<DenseIntElementsAttr>(*data))
    if (type.getRank() <= 1 && *count <= 4096 && !elementType->isInteger(1)) {
      SymbolicInts elements;
      for (const APInt &v : dense.getValues<APInt>())
        elements.push_back(SymbolicInt::of(
            elementType->isUnsignedInteger() ? v.getZExtValue()
                                             : v.getSExtValue()));
      value.elements = std::move(elements);
      value.scalar = type.getRank() == 0;
      value.elementType = *elementType;
    }
  return value;
}

FailureOr<Value> GraphImporter::materialize(ImportedValue &value,
                                            Location loc) {
  if (value.tensor)
    return value.tensor;
  if (!value.elements)
    return fail("internal: a value has neither a tensor nor known elements");
  const SymbolicInts &elements = *value.elements;
  llvm::SmallVector<int64_t> shape;
  if (!value.scalar)
    shape.push_back(elements.size());
  auto type = RankedTensorType::get(shape, value.elementType);
  unsigned width = value.elementType.getIntOrFloatBitWidth();
  bool allConstant = llvm::all_of(
      elements, [](const SymbolicInt &e) { return e.isConstant(); });
  if (allConstant) {
    llvm::SmallVector<APInt> bits;
    for (const SymbolicInt &e : elements)
      bits.push_back(APInt(width, static_cast<uint64_t>(e.constant),
                           /*isSigned=*/true, /*implicitTrunc=*/true));
    value.tensor = ConstantOp::create(builder_, loc, type,
                                      DenseElementsAttr::get(type, bits));
    return value.tensor;
  }
  // Run-time shape values used as data: this is the plumbing that stays.
  llvm::SmallVector<Value> scalars;
  for (const SymbolicInt &e : elements) {
    if (e.isConstant())
      scalars.push_back(arith::ConstantOp::create(
          builder_, loc, IntegerAttr::get(value.elementType, e.constant)));
    else
      scalars.push_back(
          arith::IndexCastOp::create(builder_, loc, value.elementType, e.dynamic));
  }
  value.tensor = tensor::FromElementsOp::create(builder_, loc, type, scalars);
  return value.tensor;
}

SymbolicInt GraphImporter::dimOf(Value tensor, int64_t dim) {
  auto type = cast<RankedTensorType>(tensor.getType());
  if (!type.isDynamicDim(dim))
    return SymbolicInt::of(type.getDimSize(dim));
  // A size the importer gave to a reshape or expand is reused as is.
  auto sizeOperand = [&](ValueRange dynamicDims) {
    int64_t position = 0;
    for (int64_t d = 0; d < dim; ++d)
      position += type.isDynamicDim(d);
    return dynamicDims[position];
  };
  if (auto reshape = tensor.getDefiningOp<ReshapeOp>())
    return SymbolicInt::of(sizeOperand(reshape.getDynamicDims()));
  if (auto expand = tensor.getDefiningOp<ExpandOp>())
    return SymbolicInt::of(sizeOperand(expand.getDynamicDims()));
  Value &cached = dims_[{tensor, dim}];
  if (!cached)
    cached = tensor::DimOp::create(builder_, tensor.getLoc(), tensor, dim);
  return SymbolicInt::of(cached);
}

Value GraphImporter::toIndex(SymbolicInt value, Location loc) {
  if (!value.isConstant())
    return value.dynamic;
  return arith::ConstantIndexOp::create(builder_, loc, value.constant);
}

SymbolicInt GraphImporter::add(SymbolicInt a, SymbolicInt b, Location loc) {
  int64_t sum;
  if (a.isConstant() && b.isConstant() &&
      !__builtin_add_overflow(a.constant, b.constant, &sum))
    return SymbolicInt::of(sum);
  if (a.isConstant() && a.constant == 0)
    return b;
  if (b.isConstant() && b.constant == 0)
    return a;
  return SymbolicInt::of(
      arith::AddIOp::create(builder_, loc, toIndex(a, loc), toIndex(b, loc))
          .getResult());
}

SymbolicInt GraphImporter::sub(SymbolicInt a, SymbolicInt b, Location loc) {
  int64_t difference;
  if (a.isConstant() && b.isConstant() &&
      !__builtin_sub_overflow(a.constant, b.constant, &difference))
    return SymbolicInt::of(difference);
  if (b.isConstant() && b.constant == 0)
    return a;
  return SymbolicInt::of(
      arith::SubIOp::create(builder_, loc, toIndex(a, loc), toIndex(b, loc))
          .getResult());
}

SymbolicInt GraphImporter::mul(SymbolicInt a, SymbolicInt b, Location loc) {
  int64_t product;
  if (a.isConstant() && b.isConstant() &&
      !__builtin_mul_overflow(a.constant, b.constant, &product))
    return SymbolicInt::of(product);
  if (a.isConstant() && a.constant == 1)
    return b;
  if (b.isConstant() && b.constant == 1)
    return a;
  return SymbolicInt::of(
      arith::MulIOp::create(builder_, loc, toIndex(a, loc), toIndex(b, loc))
          .getResult());
}

std::optional<SymbolicInt> GraphImporter::div(SymbolicInt a, SymbolicInt b,
                                              Location loc) {
  if (b.isConstant() && b.constant == 0)
    return std::nullopt;
  if (b.isConstant() && b.constant == 1)
    return a;
  if (a.isConstant() && b.isConstant()) {
    if (a.constant == std::numeric_limits<int64_t>::min() && b.constant == -1)
      return std::nullopt;
    return SymbolicInt::of(a.constant / b.constant);
  }
  return SymbolicInt::of(
      arith::DivSIOp::create(builder_, loc, toIndex(a, loc), toIndex(b, loc))
          .getResult());
}

LogicalResult GraphImporter::importInputs(func::FuncOp &func) {
  const onnx::GraphProto &graph = model_->graph();
  llvm::SmallVector<Type> types;
  llvm::SmallVector<DictionaryAttr> argAttrs;
  llvm::SmallVector<std::string> names;
  for (const onnx::ValueInfoProto &input : graph.input()) {
    if (initializers_.count(input.name()))
      continue; // IR versions < 4 list initializers as inputs too
    auto type = convertValueType(input, "graph input");
    if (failed(type))
      return failure();
    types.push_back(type->first);
    llvm::SmallVector<NamedAttribute> attrs = {builder_.getNamedAttr(
        "tessera.name", builder_.getStringAttr(input.name()))};
    if (!type->second.empty())
      attrs.push_back(builder_.getNamedAttr(
          "tessera.dim_names", builder_.getStrArrayAttr(llvm::SmallVector<llvm::StringRef>(
                                   type->second.begin(), type->second.end()))));
    argAttrs.push_back(builder_.getDictionaryAttr(attrs));
    names.push_back(input.name());
  }
  builder_.setInsertionPointToEnd(module_.getBody());
  func = func::FuncOp::create(builder_, FileLineColLoc::get(context(), displayName_, 0, 0),
                              options_.functionName,
                              builder_.getFunctionType(types, {}));
  func.setAllArgAttrs(argAttrs);
  body_ = func.addEntryBlock();
  builder_.setInsertionPointToEnd(body_);
  for (auto [name, arg] : llvm::zip_equal(names, body_->getArguments())) {
    ImportedValue value;
    value.tensor = arg;
    define(name, value);
  }
  return success();
}

FailureOr<std::pair<Type, llvm::SmallVector<std::string>>>
GraphImporter::convertValueType(const onnx::ValueInfoProto &info,
                                llvm::StringRef role) {
  auto refuse = [&](const llvm::Twine &why) {
    return fail(role + " '" + info.name() + "' " + why);
  };
  if (!info.type().has_tensor_type())
    return refuse("is not a tensor (sequences, maps and optionals are not "
                  "supported)");
  const onnx::TypeProto_Tensor &tensor = info.type().tensor_type();
  auto elementType = convertElementType(context(), tensor.elem_type());
  if (!elementType)
    return refuse("has element type " + llvm::toString(elementType.takeError()));
  if (!tensor.has_shape())
    return refuse("has no shape: Tessera needs at least the rank of every "
                  "graph input and output");
  llvm::SmallVector<int64_t> shape;
  llvm::SmallVector<std::string> dimNames;
  bool anyNamed = false;
  for (const onnx::TensorShapeProto_Dimension &dim : tensor.shape().dim()) {
    // Some tools write -1 for "unknown"; it is read as a dynamic dimension.
    if (dim.has_dim_value() && dim.dim_value() >= 0) {
      shape.push_back(dim.dim_value());
      dimNames.push_back("");
    } else {
      shape.push_back(ShapedType::kDynamic);
      dimNames.push_back(dim.dim_param());
      anyNamed |= !dim.dim_param().empty();
    }
  }
  if (!anyNamed)
    dimNames.clear();
  return std::make_pair(Type(RankedTensorType::get(shape, *elementType)),
                        dimNames);
}

LogicalResult GraphImporter::importNode(const onnx::NodeProto &node,
                                        int index) {
  int64_t opset = opsetFor(node.domain());
  const OpImporter *importer =
      OpRegistry::instance().lookup(node.domain(), node.op_type(), opset);
  NodeImporter n(*this, node, index, opset);
  if (!importer)
    return n.error("no importer (it should have been reported as unsupported)");
  // Importers index the inputs and outputs the op's schema requires without
  // checking that the node has that many: a node with fewer is refused here.
  if (const onnx::OpSchema *schema = onnx::OpSchemaRegistry::Schema(
          node.op_type(), static_cast<int>(opset), canonicalDomain(node.domain()).str())) {
    if (node.input_size() < schema->min_input())
      return n.error("has " + llvm::Twine(node.input_size()) +
                     " inputs; the op requires at least " +
                     llvm::Twine(schema->min_input()));
    if (node.output_size() < schema->min_output())
      return n.error("has " + llvm::Twine(node.output_size()) +
                     " outputs; the op requires at least " +
                     llvm::Twine(schema->min_output()));
  }
  if (failed(importer->import(n))) {
    if (error_.empty())
      return n.error("import failed");
    return failure();
  }
  for (int i = 0; i < node.output_size(); ++i)
    if (!node.output(i).empty() && !values_.count(node.output(i)))
      unavailable_[node.output(i)] =
          "Tessera does not compute output " + std::to_string(i) +
          " of node " + describeNode(node, index) + " (" + node.op_type() +
          ")";
  return success();
}

LogicalResult GraphImporter::importOutputs(func::FuncOp func) {
  llvm::SmallVector<Value> results;
  llvm::SmallVector<DictionaryAttr> resultAttrs;
  Location loc = func.getLoc();
  for (const onnx::ValueInfoProto &output : model_->graph().output()) {
    ImportedValue *value = lookup(output.name(), loc);
    if (!value)
      return failure();
    FailureOr<Value> tensor = materialize(*value, loc);
    if (failed(tensor))
      return failure();
    results.push_back(*tensor);
    resultAttrs.push_back(builder_.getDictionaryAttr({builder_.getNamedAttr(
        "tessera.name", builder_.getStringAttr(output.name()))}));
  }
  func::ReturnOp::create(builder_, loc, results);
  func.setFunctionType(builder_.getFunctionType(
      func.getArgumentTypes(), ValueRange(results).getTypes()));
  func.setAllResultAttrs(resultAttrs);
  return success();
}

FailureOr<std::vector<int>>
GraphImporter::sortNodes(const onnx::GraphProto &graph) {
  // ONNX requires topological order, but real files (and ONNX Runtime)
  // do not always keep it. Stable: nodes already in order keep it.
  const auto &nodes = graph.node();
  llvm::StringMap<int> producer;
  for (int i = 0; i < nodes.size(); ++i)
    for (const std::string &out : nodes[i].output())
      if (!out.empty())
        producer[out] = i;
  std::vector<std::vector<int>> consumers(nodes.size());
  std::vector<int> pending(nodes.size(), 0);
  for (int i = 0; i < nodes.size(); ++i)
    for (const std::string &in : nodes[i].input()) {
      auto it = producer.find(in);
      if (in.empty() || it == producer.end() || it->second == i)
        continue;
      consumers[it->second].push_back(i);
      ++pending[i];
    }
  std::set<int> ready;
  for (int i = 0; i < nodes.size(); ++i)
    if (pending[i] == 0)
      ready.insert(i);
  std::vector<int> order;
  while (!ready.empty()) {
    int i = *ready.begin();
    ready.erase(ready.begin());
    order.push_back(i);
    for (int c : consumers[i])
      if (--pending[c] == 0)
        ready.insert(c);
  }
  if (order.size() != static_cast<size_t>(nodes.size())) {
    std::string stuck;
    for (int i = 0, shown = 0; i < nodes.size() && shown < 5; ++i)
      if (pending[i] > 0)
        stuck += (shown++ ? ", " : "") + describeNode(nodes[i], i);
    return fail("the graph has a cycle; nodes on or after it: " + stuck);
  }
  return order;
}

LogicalResult GraphImporter::importSubgraph(const onnx::GraphProto &graph) {
  for (const onnx::TensorProto &init : graph.initializer())
    initializers_[init.name()] = &init;
  FailureOr<std::vector<int>> order = sortNodes(graph);
  if (failed(order))
    return failure();
  for (int index : *order)
    if (failed(importNode(graph.node(index), index)))
      return failure();
  return success();
}

LogicalResult GraphImporter::run() {
  FailureOr<std::vector<int>> order = sortNodes(model_->graph());
  if (failed(order))
    return failure();
  func::FuncOp func;
  if (failed(importInputs(func)))
    return failure();
  for (int index : *order)
    if (failed(importNode(model_->graph().node(index), index)))
      return failure();
  return importOutputs(func);
}

} // namespace tessera::onnx_frontend
