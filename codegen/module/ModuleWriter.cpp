//===- ModuleWriter.cpp - write a .tsr module -----------------------------===//
//
// File layout: the size-prefixed FlatBuffer from byte 0, then segment 0 (the
// kernel object) and segments 1..N (weight i of the description is segment
// i + 1), the PTX of CUDA code, then the other targets' kernel objects and
// PTX, each at a 64-byte aligned absolute offset, zero padding between.
//
// The segment table lives inside the FlatBuffer, yet its entries depend on the
// FlatBuffer's size. Segments are fixed-size structs, so their values never
// change that size: the FlatBuffer is built once with a zero table to learn its
// size, then again with the real offsets.
//
//===----------------------------------------------------------------------===//

#include "codegen/module/ModuleWriter.h"

#include "tessera/kernel_abi.h"
#include "tessera/module_generated.h"

#include "llvm/ADT/Twine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/raw_ostream.h"

namespace tessera::module {
namespace {

using flatbuffers::FlatBufferBuilder;
using flatbuffers::Offset;

constexpr uint64_t kAlignment = TESSERA_BUFFER_ALIGNMENT;

uint64_t alignUp(uint64_t value) { return (value + kAlignment - 1) & ~(kAlignment - 1); }

llvm::Error descError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 "invalid module description: " + message);
}

/// Catches, at compile time and with the compiler's names, what the runtime
/// would only report as an out-of-range index at load time.
llvm::Error validateTarget(const ModuleDesc &desc, const TargetDesc &code) {
  for (const FunctionDesc &fn : code.functions) {
    std::string where = "function '" + fn.name + "'";
    if (&code != &desc)
      where = "target '" + code.target + "': " + where;
    for (const auto *sigs : {&fn.inputs, &fn.outputs})
      for (const TensorSigDesc &sig : *sigs)
        if (!sig.dimNames.empty() && sig.dimNames.size() != sig.dims.size())
          return descError(where + ": tensor '" + sig.name + "' has " +
                           llvm::Twine(sig.dims.size()) + " dims but " +
                           llvm::Twine(sig.dimNames.size()) + " dim names");
    for (const BufferDesc &buffer : fn.buffers)
      if (buffer.kind == BufferKind::constant &&
          (buffer.index < 0 || size_t(buffer.index) >= desc.weights.size()))
        return descError(where + ": a constant buffer refers to weight " +
                         llvm::Twine(buffer.index) + ", but there are " +
                         llvm::Twine(desc.weights.size()) + " weights");
    for (const StateDesc &state : fn.states)
      if (state.input < -1 || state.input >= int64_t(fn.inputs.size()) || state.output < -1 ||
          state.output >= int64_t(fn.outputs.size()) || (state.input < 0 && state.output < 0))
        return descError(where + ": state '" + state.name + "' refers to input " +
                         llvm::Twine(state.input) + " and output " + llvm::Twine(state.output));
    for (const DispatchDesc &dispatch : fn.dispatches) {
      if (dispatch.kernel < 0 || size_t(dispatch.kernel) >= code.kernels.size())
        return descError(where + ", dispatch '" + dispatch.name + "': kernel " +
                         llvm::Twine(dispatch.kernel) + " of " +
                         llvm::Twine(code.kernels.size()));
      for (const BindingDesc &binding : dispatch.bindings)
        if (binding.buffer < 0 || size_t(binding.buffer) >= fn.buffers.size())
          return descError(where + ", dispatch '" + dispatch.name + "': binds buffer " +
                           llvm::Twine(binding.buffer) + " of " +
                           llvm::Twine(fn.buffers.size()));
    }
  }
  return llvm::Error::success();
}

/// Another target serves the same functions on another kind of device (the
/// runtime also compares their signatures).
llvm::Error validateOtherTarget(const ModuleDesc &desc, size_t index) {
  const TargetDesc &code = desc.otherTargets[index];
  std::string where = "target '" + code.target + "'";
  if (code.cudaPtx.empty() == desc.cudaPtx.empty())
    return descError(where + " runs on the primary target's kind of device ('" +
                     desc.target + "')");
  for (size_t i = 0; i < index; ++i)
    if (code.cudaPtx.empty() == desc.otherTargets[i].cudaPtx.empty())
      return descError(where + " runs on the same kind of device as target '" +
                       desc.otherTargets[i].target + "'");
  if (code.functions.size() != desc.functions.size())
    return descError(where + " has " + llvm::Twine(code.functions.size()) +
                     " functions, the primary target " + llvm::Twine(desc.functions.size()));
  for (size_t f = 0; f < code.functions.size(); ++f)
    if (code.functions[f].name != desc.functions[f].name)
      return descError(where + ": function " + llvm::Twine(f) + " is '" +
                       code.functions[f].name + "', the primary target's '" +
                       desc.functions[f].name + "'");
  return validateTarget(desc, code);
}

llvm::Error validate(const ModuleDesc &desc) {
  for (size_t i = 0; i < desc.metadata.size(); ++i)
    for (size_t j = 0; j < i; ++j)
      if (desc.metadata[i].key == desc.metadata[j].key)
        return descError("metadata key '" + desc.metadata[i].key + "' appears twice");
  if (llvm::Error error = validateTarget(desc, desc))
    return error;
  for (size_t i = 0; i < desc.otherTargets.size(); ++i)
    if (llvm::Error error = validateOtherTarget(desc, i))
      return error;
  return llvm::Error::success();
}

/// The segments of `desc` in file order: the primary's kernel object
/// (segment 0), the weights (weight i is segment i + 1), the primary's PTX,
/// then each other target's kernel object and PTX.
struct SegmentPlan {
  std::vector<llvm::ArrayRef<char>> bytes;
  /// Per target (the primary first): its kernel object's and PTX's segment
  /// (-1: no PTX).
  std::vector<std::pair<int32_t, int32_t>> code;
};

SegmentPlan planSegments(const ModuleDesc &desc) {
  SegmentPlan plan;
  plan.bytes.push_back(desc.kernelObject);
  plan.bytes.insert(plan.bytes.end(), desc.weights.begin(), desc.weights.end());
  auto addPtx = [&](const TargetDesc &code) {
    if (code.cudaPtx.empty())
      return int32_t(-1);
    plan.bytes.push_back(code.cudaPtx);
    return int32_t(plan.bytes.size() - 1);
  };
  plan.code.push_back({0, addPtx(desc)});
  for (const TargetDesc &code : desc.otherTargets) {
    plan.bytes.push_back(code.kernelObject);
    int32_t object = int32_t(plan.bytes.size() - 1);
    plan.code.push_back({object, addPtx(code)});
  }
  return plan;
}

fb::Dim encodeDim(const DimDesc &dim) { return fb::Dim(dim.value, dim.slot); }

std::vector<fb::Dim> encodeDims(llvm::ArrayRef<DimDesc> dims) {
  std::vector<fb::Dim> out;
  out.reserve(dims.size());
  for (const DimDesc &dim : dims)
    out.push_back(encodeDim(dim));
  return out;
}

Offset<fb::TensorSig> encodeTensor(FlatBufferBuilder &fbb, const TensorSigDesc &sig) {
  auto name = fbb.CreateString(sig.name);
  auto dims = fbb.CreateVectorOfStructs(encodeDims(sig.dims));
  auto dimNames = fbb.CreateVectorOfStrings(sig.dimNames);
  return fb::CreateTensorSig(fbb, name, static_cast<fb::DType>(sig.dtype), dims, dimNames,
                             sig.buffer);
}

Offset<fb::Buffer> encodeBuffer(FlatBufferBuilder &fbb, const BufferDesc &buffer) {
  // Weight i is segment i + 1: segment 0 is the kernel object.
  int32_t index = buffer.kind == BufferKind::constant ? buffer.index + 1 : buffer.index;
  return fb::CreateBuffer(fbb, static_cast<fb::BufferKind>(buffer.kind), index, buffer.offset,
                          buffer.size);
}

Offset<fb::Dispatch> encodeDispatch(FlatBufferBuilder &fbb, const DispatchDesc &dispatch) {
  auto name = fbb.CreateString(dispatch.name);
  auto counts = fbb.CreateVectorOfStructs(encodeDims(dispatch.workgroupCount));
  std::vector<fb::Binding> bindings;
  for (const BindingDesc &binding : dispatch.bindings)
    bindings.emplace_back(binding.buffer, binding.offset);
  auto bindingVec = fbb.CreateVectorOfStructs(bindings);
  auto push = fbb.CreateVector(dispatch.pushConstants);
  auto size = dispatch.workgroupSize.empty() ? 0 : fbb.CreateVector(dispatch.workgroupSize);
  return fb::CreateDispatch(fbb, name, dispatch.kernel, counts, bindingVec, push, size);
}

Offset<fb::Function> encodeFunction(FlatBufferBuilder &fbb, const FunctionDesc &fn) {
  auto name = fbb.CreateString(fn.name);
  std::vector<Offset<fb::TensorSig>> inputs, outputs;
  for (const TensorSigDesc &sig : fn.inputs)
    inputs.push_back(encodeTensor(fbb, sig));
  for (const TensorSigDesc &sig : fn.outputs)
    outputs.push_back(encodeTensor(fbb, sig));
  auto inputVec = fbb.CreateVector(inputs);
  auto outputVec = fbb.CreateVector(outputs);
  auto shapeFunction = fbb.CreateString(fn.shapeFunction);
  auto checks = fbb.CreateVectorOfStrings(fn.checks);
  std::vector<Offset<fb::Buffer>> buffers;
  for (const BufferDesc &buffer : fn.buffers)
    buffers.push_back(encodeBuffer(fbb, buffer));
  auto bufferVec = fbb.CreateVector(buffers);
  std::vector<Offset<fb::Dispatch>> dispatches;
  for (const DispatchDesc &dispatch : fn.dispatches)
    dispatches.push_back(encodeDispatch(fbb, dispatch));
  auto dispatchVec = fbb.CreateVector(dispatches);
  std::vector<Offset<fb::State>> states;
  for (const StateDesc &state : fn.states)
    states.push_back(fb::CreateState(fbb, fbb.CreateString(state.name), state.input,
                                     state.output, state.lengthAxis));
  auto stateVec = fbb.CreateVector(states);
  return fb::CreateFunction(fbb, name, inputVec, outputVec, fn.numScalars, shapeFunction,
                            checks, bufferVec, fn.arenaSize, dispatchVec, stateVec);
}

using FunctionVector = Offset<flatbuffers::Vector<Offset<fb::Function>>>;

FunctionVector encodeFunctions(FlatBufferBuilder &fbb, const TargetDesc &code) {
  std::vector<Offset<fb::Function>> functions;
  for (const FunctionDesc &fn : code.functions)
    functions.push_back(encodeFunction(fbb, fn));
  return fbb.CreateVector(functions);
}

Offset<fb::TargetCode> encodeTarget(FlatBufferBuilder &fbb, const TargetDesc &code,
                                    std::pair<int32_t, int32_t> segments) {
  auto target = fbb.CreateString(code.target);
  auto kernels = fbb.CreateVectorOfStrings(code.kernels);
  auto cudaArch = code.cudaPtx.empty() ? 0 : fbb.CreateString(code.cudaArch);
  auto functions = encodeFunctions(fbb, code);
  return fb::CreateTargetCode(fbb, target, kernels, segments.first, segments.second, cudaArch,
                              functions);
}

void encodeModule(FlatBufferBuilder &fbb, const ModuleDesc &desc, const SegmentPlan &plan,
                  const std::vector<fb::Segment> &segments) {
  auto producer = fbb.CreateString(desc.producer);
  auto target = fbb.CreateString(desc.target);
  auto kernels = fbb.CreateVectorOfStrings(desc.kernels);
  auto segmentVec = fbb.CreateVectorOfStructs(segments);
  auto functionVec = encodeFunctions(fbb, desc);
  std::vector<Offset<fb::Metadata>> metadata;
  for (const MetadataDesc &entry : desc.metadata)
    metadata.push_back(fb::CreateMetadata(
        fbb, fbb.CreateString(entry.key),
        fbb.CreateVector(reinterpret_cast<const uint8_t *>(entry.value.data()),
                         entry.value.size())));
  auto metadataVec = fbb.CreateVector(metadata);
  auto cudaArch = desc.cudaPtx.empty() ? 0 : fbb.CreateString(desc.cudaArch);
  std::vector<Offset<fb::TargetCode>> others;
  for (size_t i = 0; i < desc.otherTargets.size(); ++i)
    others.push_back(encodeTarget(fbb, desc.otherTargets[i], plan.code[i + 1]));
  // Absent, not empty, in a single-target module: its bytes stay as before.
  auto otherVec = others.empty() ? 0 : fbb.CreateVector(others);
  auto root = fb::CreateModule(fbb, TESSERA_MODULE_SCHEMA_VERSION, producer, target,
                               TESSERA_KERNEL_ABI_VERSION, kernels, plan.code[0].first,
                               segmentVec, functionVec, metadataVec, plan.code[0].second,
                               cudaArch, otherVec);
  fb::FinishSizePrefixedModuleBuffer(fbb, root);
}

/// Streams the FlatBuffer and the segments to a temporary file next to `path`
/// and renames it into place, so a failed write never leaves a truncated
/// module behind.
llvm::Error writeFile(llvm::StringRef path, const FlatBufferBuilder &fbb,
                      const std::vector<fb::Segment> &layout,
                      const std::vector<llvm::ArrayRef<char>> &segments) {
  llvm::Expected<llvm::sys::fs::TempFile> temp =
      llvm::sys::fs::TempFile::create(path + ".tmp-%%%%%%");
  if (!temp)
    return llvm::createFileError(path, temp.takeError());

  llvm::raw_fd_ostream os(temp->FD, /*shouldClose=*/false);
  auto failed = [&]() -> llvm::Error {
    std::error_code ec = os.error();
    os.clear_error();
    llvm::Error error = llvm::createFileError(path, ec);
    if (llvm::Error discard = temp->discard())
      return llvm::joinErrors(std::move(error), std::move(discard));
    return error;
  };

  os.write(reinterpret_cast<const char *>(fbb.GetBufferPointer()), fbb.GetSize());
  for (size_t i = 0; i < segments.size() && !os.has_error(); ++i) {
    os.write_zeros(layout[i].offset() - os.tell());
    os.write(segments[i].data(), segments[i].size());
  }
  os.flush();
  if (os.has_error())
    return failed();
  if (llvm::Error error = temp->keep(path))
    return llvm::createFileError(path, std::move(error));
  return llvm::Error::success();
}

} // namespace

llvm::Error writeModule(const ModuleDesc &desc, llvm::StringRef path) {
  if (llvm::Error error = validate(desc))
    return error;

  SegmentPlan plan = planSegments(desc);
  const std::vector<llvm::ArrayRef<char>> &segments = plan.bytes;
  std::vector<fb::Segment> layout(segments.size());
  FlatBufferBuilder probe;
  encodeModule(probe, desc, plan, layout);
  uint64_t offset = alignUp(probe.GetSize());
  for (size_t i = 0; i < segments.size(); ++i) {
    layout[i] = fb::Segment(offset, segments[i].size());
    offset = alignUp(offset + segments[i].size());
  }

  FlatBufferBuilder fbb;
  encodeModule(fbb, desc, plan, layout);
  if (fbb.GetSize() != probe.GetSize())
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "internal error: the module header changed size (" +
                                       llvm::Twine(probe.GetSize()) + " -> " +
                                       llvm::Twine(fbb.GetSize()) +
                                       " bytes) once segment offsets were filled in");
  return writeFile(path, fbb, layout, segments);
}

} // namespace tessera::module
