//===- ModuleVerifier.cpp - checking an untrusted module ------------------===//
//
// Order matters: the size prefix is checked against the file before the
// FlatBuffer verifier reads anything, the verifier runs before any accessor,
// and the versions are checked before the fields whose meaning they define.
// All offset arithmetic is overflow-checked: the values are attacker-chosen.
//
//===----------------------------------------------------------------------===//

#include "ModuleVerifier.h"

#include "DType.h"
#include "ModuleCode.h"
#include "Status.h"

#include "tessera/kernel_abi.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstring>
#include <map>
#include <set>
#include <string>

namespace tessera::runtime {
namespace {

namespace fb = tessera::module::fb;
using flatbuffers::uoffset_t;

template <typename... Args>
tsr_status_t invalid(const Args &...args) {
  return error(TSR_STATUS_INVALID_MODULE, "invalid module: ", args...);
}

/// True when `s` holds no NUL before its end: names are later used as C
/// strings (dlsym, messages), where an embedded NUL would silently cut them.
bool isCleanString(const flatbuffers::String *s) {
  return std::strlen(s->c_str()) == s->size();
}

/// FlatBuffers' verifier checks that a vector's length field is 4-byte
/// aligned, not that its elements are aligned for their type: a crafted
/// module can put a vector of 8-byte aligned structs (Dim, Segment, Binding)
/// at a 4-byte boundary, and reading through it would be undefined
/// behavior. The module starts 64-byte aligned, so the address tells.
template <typename T>
bool alignedStructs(const flatbuffers::Vector<const T *> *vector) {
  // An empty vector's data is never read (FlatBuffers does not align it).
  return !vector || vector->size() == 0 ||
         reinterpret_cast<uintptr_t>(vector->Data()) % alignof(T) == 0;
}

/// The identifier bytes, printable or \xNN, for the "not a module" message.
std::string describeIdentifier(const uint8_t *bytes) {
  static const char hex[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < flatbuffers::kFileIdentifierLength; ++i) {
    uint8_t c = bytes[i];
    if (c >= 0x20 && c < 0x7f) {
      out += char(c);
    } else {
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

tsr_status_t verifyFraming(const uint8_t *data, size_t size) {
  // Size prefix, root offset and file identifier: 12 bytes at least.
  constexpr size_t kMinSize = 2 * sizeof(uoffset_t) + flatbuffers::kFileIdentifierLength;
  if (size < kMinSize)
    return invalid("the file has ", size, " bytes, fewer than the ", kMinSize,
                   " of the smallest module header");
  uint64_t flatBufferSize = flatbuffers::ReadScalar<uoffset_t>(data);
  if (flatBufferSize > size - sizeof(uoffset_t))
    return invalid("the size prefix says the module header has ", flatBufferSize,
                   " bytes, but only ", size - sizeof(uoffset_t),
                   " follow it (a truncated file?)");
  if (flatBufferSize + sizeof(uoffset_t) >= FLATBUFFERS_MAX_BUFFER_SIZE)
    return invalid("the module header claims ", flatBufferSize,
                   " bytes, more than a FlatBuffer can hold");
  if (!fb::SizePrefixedModuleBufferHasIdentifier(data))
    return invalid("not a Tessera module: the file identifier is '",
                   describeIdentifier(data + 2 * sizeof(uoffset_t)), "', expected '",
                   fb::ModuleIdentifier(), "'");
  flatbuffers::Verifier verifier(data, flatBufferSize + sizeof(uoffset_t));
  if (!fb::VerifySizePrefixedModuleBuffer(verifier))
    return invalid("the module header (", flatBufferSize,
                   " bytes) is not a well-formed FlatBuffer of the module schema: "
                   "the file is corrupt");
  return nullptr;
}

tsr_status_t verifyVersions(const fb::Module &module) {
  if (module.schema_version() != TESSERA_MODULE_SCHEMA_VERSION)
    return error(TSR_STATUS_UNSUPPORTED, "the module has schema version ",
                 module.schema_version(), ", this runtime reads version ",
                 TESSERA_MODULE_SCHEMA_VERSION,
                 ": recompile the model with a matching tessera-compile");
  if (module.kernel_abi_version() != TESSERA_KERNEL_ABI_VERSION)
    return error(TSR_STATUS_UNSUPPORTED, "the module's kernels use kernel ABI version ",
                 module.kernel_abi_version(), ", this runtime calls version ",
                 TESSERA_KERNEL_ABI_VERSION,
                 ": recompile the model with a matching tessera-compile");
  return nullptr;
}

tsr_status_t verifySegments(const fb::Module &module, uint64_t headerEnd, uint64_t fileSize) {
  if (!alignedStructs(module.segments()))
    return invalid("the segment table is misaligned: the file is corrupt");
  size_t numSegments = count(module.segments());
  for (size_t i = 0; i < numSegments; ++i) {
    const fb::Segment *segment = module.segments()->Get(uoffset_t(i));
    uint64_t offset = segment->offset(), size = segment->size(), end;
    if (offset % TESSERA_BUFFER_ALIGNMENT != 0)
      return invalid("segment ", i, " starts at offset ", offset, ", which is not ",
                     TESSERA_BUFFER_ALIGNMENT, "-byte aligned");
    if (offset < headerEnd)
      return invalid("segment ", i, " starts at offset ", offset,
                     ", inside the module header (which ends at ", headerEnd, ")");
    if (__builtin_add_overflow(offset, size, &end) || end > fileSize)
      return invalid("segment ", i, " (", size, " bytes at offset ", offset,
                     ") runs past the end of the file (", fileSize, " bytes; truncated?)");
  }
  return nullptr;
}

/// "target 'cuda:sm_90': " for another target's code, "" for the primary's
/// (whose messages read as before modules held several targets).
std::string codePrefix(const CodeTables &code) {
  return code.other ? "target '" + std::string(code.targetName()) + "': " : std::string();
}

/// The segment indices a target's code names lie in the table, and its
/// PTX is not a kernel object (of any target: `objects`).
tsr_status_t verifyCodeSegments(const fb::Module &module, const CodeTables &code,
                                const std::set<int32_t> &objects) {
  std::string prefix = codePrefix(code);
  size_t numSegments = count(module.segments());
  if (code.kernelObject < 0 || size_t(code.kernelObject) >= numSegments)
    return invalid(prefix, "the kernel object is segment ", code.kernelObject,
                   ", but the module has ", numSegments, " segments");
  int32_t ptx = code.cudaPtx;
  if (ptx == -1)
    return nullptr;
  if (ptx < 0 || size_t(ptx) >= numSegments)
    return invalid(prefix, "the PTX is segment ", ptx, ", but the module has ", numSegments,
                   " segments");
  if (objects.count(ptx))
    return invalid(prefix, "the PTX is segment ", ptx, ", which holds ",
                   ptx == code.kernelObject ? "the" : "a", " kernel object");
  return nullptr;
}

/// CUDA code (cuda_ptx >= 0; its segment checked by verifyCodeSegments) is
/// NUL-terminated text (the driver reads it as a C string), an arch
/// "sm_<number>[letter]" and a "cuda:" target; CPU code (cuda_ptx -1) has
/// no arch and no "cuda:" target. Dispatches are checked per function.
tsr_status_t verifyCudaFields(const fb::Module &module, const CodeTables &code,
                              const uint8_t *data) {
  std::string prefix = codePrefix(code);
  int32_t ptx = code.cudaPtx;
  const char *target = code.targetName();
  bool cudaTarget = std::strncmp(target, "cuda:", 5) == 0;
  if (ptx == -1) {
    if (code.cudaArch && code.cudaArch->size() != 0)
      return invalid(prefix, "the module has no PTX (cuda_ptx -1) but names the CUDA arch '",
                     code.cudaArch->str(), "'");
    if (cudaTarget)
      return invalid("the target is '", target, "', but the module has no PTX (cuda_ptx -1)");
    return nullptr;
  }
  const fb::Segment &segment = *module.segments()->Get(uoffset_t(ptx));
  if (segment.size() == 0 || data[segment.offset() + segment.size() - 1] != 0)
    return invalid(prefix, "the PTX (segment ", ptx, ", ", segment.size(),
                   " bytes) is not NUL-terminated text");
  const flatbuffers::String *arch = code.cudaArch;
  bool archValid = arch && arch->size() > 3 && isCleanString(arch) &&
                   std::strncmp(arch->c_str(), "sm_", 3) == 0 &&
                   std::isdigit(static_cast<unsigned char>(arch->c_str()[3]));
  for (size_t i = 4; archValid && i < arch->size(); ++i)
    archValid = std::isalnum(static_cast<unsigned char>(arch->c_str()[i]));
  if (!archValid)
    return invalid(prefix, "the CUDA arch is '", arch ? arch->str() : std::string(),
                   "', expected sm_<number> (sm_80, sm_90)");
  if (!cudaTarget)
    return invalid("the module holds PTX for ", arch->str(), ", but its target is '", target,
                   "', not cuda:<arch>");
  return nullptr;
}

tsr_status_t verifyKernels(const CodeTables &code) {
  for (size_t i = 0; i < count(code.kernels); ++i) {
    const flatbuffers::String *name = code.kernels->Get(uoffset_t(i));
    if (name->size() == 0 || !isCleanString(name))
      return invalid(codePrefix(code), "kernel ", i,
                     " has an empty or NUL-containing symbol name");
  }
  return nullptr;
}

/// Checks one function; every message names it.
class FunctionVerifier {
public:
  /// `codeSegments`: every target's kernel object and PTX, which no
  /// constant may be.
  FunctionVerifier(const fb::Module &module, const CodeTables &code,
                   const std::set<int32_t> &codeSegments, const fb::Function &fn, size_t index)
      : module_(module), code_(code), codeSegments_(codeSegments), fn_(fn), index_(index),
        prefix_(codePrefix(code)) {}

  tsr_status_t verify() {
    if (!fn_.name() || fn_.name()->size() == 0 || !isCleanString(fn_.name()))
      return invalid(prefix_, "function ", index_, " has an empty or NUL-containing name");
    name_ = fn_.name()->str();
    numScalars_ = fn_.num_scalars();
    if (numScalars_ < 0 || numScalars_ > kMaxScalars)
      return fail("num_scalars is ", numScalars_, ", outside [0, ", kMaxScalars, "]");
    if (fn_.arena_size() < 0)
      return fail("arena_size is negative (", fn_.arena_size(), ")");
    if (fn_.shape_function() && !isCleanString(fn_.shape_function()))
      return fail("the shape function's name contains a NUL byte");
    for (size_t i = 0; i < count(fn_.checks()); ++i)
      if (!isCleanString(fn_.checks()->Get(uoffset_t(i))))
        return fail("check ", i, " contains a NUL byte");

    for (size_t i = 0; i < count(fn_.buffers()); ++i)
      TSR_RETURN_IF_ERROR(verifyBuffer(i));
    for (size_t i = 0; i < count(fn_.inputs()); ++i)
      TSR_RETURN_IF_ERROR(verifyTensor(*fn_.inputs()->Get(uoffset_t(i)), "input", i,
                                       fb::BufferKind::input));
    for (size_t i = 0; i < count(fn_.outputs()); ++i)
      TSR_RETURN_IF_ERROR(verifyTensor(*fn_.outputs()->Get(uoffset_t(i)), "output", i,
                                       fb::BufferKind::output));
    for (size_t i = 0; i < count(fn_.dispatches()); ++i)
      TSR_RETURN_IF_ERROR(verifyDispatch(i));
    TSR_RETURN_IF_ERROR(verifyStates());
    return verifySlotsWithoutShapeFunction();
  }

private:
  template <typename... Args>
  tsr_status_t fail(const Args &...args) {
    return invalid(prefix_, "function '", name_, "': ", args...);
  }

  tsr_status_t verifyDim(const fb::Dim &dim, const std::string &what) {
    if (dim.slot() < 0) {
      if (dim.value() < 0)
        return fail(what, " has the negative static size ", dim.value());
      return nullptr;
    }
    if (dim.slot() >= numScalars_)
      return fail(what, " reads scalar slot ", dim.slot(), ", but the function has ",
                  numScalars_, " slots");
    if (dim.value() < 0)
      return fail(what, " has the negative maximum ", dim.value());
    return nullptr;
  }

  tsr_status_t verifyTensor(const fb::TensorSig &sig, const char *role, size_t index,
                            fb::BufferKind kind) {
    if (!sig.name() || sig.name()->size() == 0 || !isCleanString(sig.name()))
      return fail(role, " ", index, " has an empty or NUL-containing name");
    std::string what = std::string(role) + " '" + sig.name()->str() + "'";
    // Checked as an integer: only a valid value may become a tsr_dtype_t.
    if (dtypeSize(int32_t(sig.dtype())) == 0)
      return fail(what, " has the unknown dtype ", int(sig.dtype()));
    if (!alignedStructs(sig.dims()))
      return fail(what, " has misaligned dims: the file is corrupt");
    size_t rank = count(sig.dims());
    for (size_t d = 0; d < rank; ++d) {
      const fb::Dim *dim = sig.dims()->Get(uoffset_t(d));
      TSR_RETURN_IF_ERROR(verifyDim(*dim, what + " dim " + std::to_string(d)));
      if (kind == fb::BufferKind::input && dim->slot() >= 0) {
        // Input dims sharing a slot must be equal: the tightest bound holds.
        int64_t bound = dim->value() > 0 ? dim->value() : INT64_MAX;
        auto [it, inserted] = inputSlotMax_.emplace(dim->slot(), bound);
        if (!inserted)
          it->second = std::min(it->second, bound);
      }
    }
    if (sig.dim_names()) {
      if (sig.dim_names()->size() != rank)
        return fail(what, " has ", rank, " dims but ", sig.dim_names()->size(), " dim names");
      for (size_t d = 0; d < rank; ++d)
        if (!isCleanString(sig.dim_names()->Get(uoffset_t(d))))
          return fail(what, " dim ", d, "'s name contains a NUL byte");
    }
    // -1: no dispatch binds this tensor (an unused input, for instance).
    int32_t buffer = sig.buffer();
    if (buffer == -1)
      return nullptr;
    if (buffer < 0 || size_t(buffer) >= count(fn_.buffers()))
      return fail(what, " refers to buffer ", buffer, ", but the function has ",
                  count(fn_.buffers()), " buffers");
    const fb::Buffer *b = fn_.buffers()->Get(uoffset_t(buffer));
    if (b->kind() != kind || b->index() != int32_t(index))
      return fail(what, " refers to buffer ", buffer, ", which is ",
                  fb::EnumNameBufferKind(b->kind()), " ", b->index(), ", not ", role, " ",
                  index);
    return nullptr;
  }

  tsr_status_t verifyBuffer(size_t index) {
    const fb::Buffer &buffer = *fn_.buffers()->Get(uoffset_t(index));
    std::string what = "buffer " + std::to_string(index);
    int64_t size = buffer.size(), offset = buffer.offset();
    int32_t target = buffer.index();
    if (size < 0)
      return fail(what, " has the negative size ", size);
    if (buffer.kind() != fb::BufferKind::arena && offset != 0)
      return fail(what, " (", fb::EnumNameBufferKind(buffer.kind()), ") has offset ", offset,
                  "; only arena buffers have one");
    switch (buffer.kind()) {
    case fb::BufferKind::input:
      if (target < 0 || size_t(target) >= count(fn_.inputs()))
        return fail(what, " is input ", target, ", but the function has ",
                    count(fn_.inputs()), " inputs");
      return nullptr;
    case fb::BufferKind::output:
      if (target < 0 || size_t(target) >= count(fn_.outputs()))
        return fail(what, " is output ", target, ", but the function has ",
                    count(fn_.outputs()), " outputs");
      return nullptr;
    case fb::BufferKind::constant: {
      if (target < 0 || size_t(target) >= count(module_.segments()))
        return fail(what, " is constant segment ", target, ", but the module has ",
                    count(module_.segments()), " segments");
      if (codeSegments_.count(target))
        return fail(what, " is a constant in segment ", target, ", which holds ",
                    target == code_.kernelObject ? "the kernel object"
                    : target == code_.cudaPtx    ? "the PTX"
                                                 : "another target's code");
      uint64_t segmentSize = module_.segments()->Get(uoffset_t(target))->size();
      if (uint64_t(size) > segmentSize)
        return fail(what, " is ", size, " bytes, larger than its segment ", target, " (",
                    segmentSize, " bytes)");
      return nullptr;
    }
    case fb::BufferKind::arena:
      if (offset < 0 || offset > fn_.arena_size() || size > fn_.arena_size() - offset)
        return fail(what, " (", size, " bytes at arena offset ", offset,
                    ") lies outside the arena of ", fn_.arena_size(), " bytes");
      return nullptr;
    }
    return fail(what, " has the unknown kind ", int(buffer.kind()));
  }

  tsr_status_t verifyDispatch(size_t index) {
    const fb::Dispatch &dispatch = *fn_.dispatches()->Get(uoffset_t(index));
    if (dispatch.name() && !isCleanString(dispatch.name()))
      return fail("dispatch ", index, "'s name contains a NUL byte");
    std::string what = "dispatch " + std::to_string(index);
    if (dispatch.name() && dispatch.name()->size() != 0)
      what += " ('" + dispatch.name()->str() + "')";

    if (dispatch.kernel() < 0 || size_t(dispatch.kernel()) >= count(code_.kernels))
      return fail(what, " calls kernel ", dispatch.kernel(), ", but the module has ",
                  count(code_.kernels), " kernels");
    size_t sizes = count(dispatch.workgroup_size());
    if (!code_.isCuda()) {
      if (sizes != 0)
        return fail(what, " has a workgroup size, but the module has no PTX (a CPU module)");
    } else {
      if (sizes != 3)
        return fail(what, " has ", sizes,
                    " workgroup sizes, not 3 (threads per block x, y, z)");
      int64_t threads = 1;
      for (uoffset_t axis = 0; axis < 3; ++axis) {
        int32_t size = dispatch.workgroup_size()->Get(axis);
        if (size <= 0)
          return fail(what, " workgroup size ", "xyz"[axis], " is ", size,
                      "; threads per block are positive");
        threads *= size; // at most 1024 so far, times < 2^31: no overflow
        if (threads > kMaxCudaBlockThreads)
          return fail(what, " has ", dispatch.workgroup_size()->Get(0), " x ",
                      dispatch.workgroup_size()->Get(1), " x ",
                      dispatch.workgroup_size()->Get(2), " threads per block, more than ",
                      "the ", kMaxCudaBlockThreads, " CUDA allows");
      }
    }
    if (!alignedStructs(dispatch.workgroup_count()) || !alignedStructs(dispatch.bindings()))
      return fail(what, " has misaligned workgroup counts or bindings: the file is corrupt");
    if (count(dispatch.workgroup_count()) != 3)
      return fail(what, " has ", count(dispatch.workgroup_count()),
                  " workgroup counts, not 3 (x, y, z)");
    for (uoffset_t axis = 0; axis < 3; ++axis) {
      const fb::Dim *dim = dispatch.workgroup_count()->Get(axis);
      TSR_RETURN_IF_ERROR(verifyDim(*dim, what + " workgroup count " + "xyz"[axis]));
      if (dim->slot() >= 0)
        derivedSlots_.emplace(dim->slot(), what + " workgroup count " + "xyz"[axis]);
    }
    size_t numBuffers = count(fn_.buffers());
    for (size_t i = 0; i < count(dispatch.bindings()); ++i) {
      const fb::Binding *binding = dispatch.bindings()->Get(uoffset_t(i));
      if (binding->buffer() < 0 || size_t(binding->buffer()) >= numBuffers)
        return fail(what, " binding ", i, " refers to buffer ", binding->buffer(),
                    ", but the function has ", numBuffers, " buffers");
      int64_t bufferSize = fn_.buffers()->Get(uoffset_t(binding->buffer()))->size();
      if (binding->offset() < 0 || binding->offset() > bufferSize)
        return fail(what, " binding ", i, " starts at offset ", binding->offset(),
                    " of buffer ", binding->buffer(), ", which has ", bufferSize, " bytes");
    }
    for (size_t i = 0; i < count(dispatch.push_constants()); ++i) {
      int32_t slot = dispatch.push_constants()->Get(uoffset_t(i));
      if (slot < 0 || slot >= numScalars_)
        return fail(what, " push constant ", i, " reads scalar slot ", slot,
                    ", but the function has ", numScalars_, " slots");
      derivedSlots_.emplace(slot, what + " push constant " + std::to_string(i));
    }
    return nullptr;
  }

  /// Each state names an existing input (if read) and output (if written)
  /// of one dtype and rank, a length axis inside that rank, and no tensor
  /// twice: the session binds these tensors itself.
  tsr_status_t verifyStates() {
    std::set<std::string> names;
    std::set<int32_t> inputs, outputs;
    for (size_t i = 0; i < count(fn_.states()); ++i) {
      const fb::State &state = *fn_.states()->Get(uoffset_t(i));
      if (!state.name() || state.name()->size() == 0 || !isCleanString(state.name()))
        return fail("state ", i, " has an empty or NUL-containing name");
      std::string what = "state '" + state.name()->str() + "'";
      if (!names.insert(state.name()->str()).second)
        return fail(what, " appears twice");
      int32_t in = state.input(), out = state.output();
      if (out < -1 || (out >= 0 && size_t(out) >= count(fn_.outputs())))
        return fail(what, " is output ", out, ", but the function has ", count(fn_.outputs()),
                    " outputs");
      if (in < -1 || (in >= 0 && size_t(in) >= count(fn_.inputs())))
        return fail(what, " is input ", in, ", but the function has ", count(fn_.inputs()),
                    " inputs");
      if (in < 0 && out < 0)
        return fail(what, " is neither read nor written");
      if ((out >= 0 && !outputs.insert(out).second) || (in >= 0 && !inputs.insert(in).second))
        return fail(what, " shares its input or output with another state");
      const fb::TensorSig &sig = out >= 0 ? *fn_.outputs()->Get(uoffset_t(out))
                                          : *fn_.inputs()->Get(uoffset_t(in));
      size_t rank = count(sig.dims());
      if (state.length_axis() < 0 || size_t(state.length_axis()) >= rank)
        return fail(what, " has length axis ", state.length_axis(), ", but '",
                    sig.name()->str(), "' has rank ", rank);
      if (in >= 0 && out >= 0) {
        const fb::TensorSig &read = *fn_.inputs()->Get(uoffset_t(in));
        if (read.dtype() != sig.dtype() || count(read.dims()) != rank)
          return fail(what, ": input '", read.name()->str(), "' and output '",
                      sig.name()->str(), "' differ in dtype or rank");
      }
    }
    return nullptr;
  }

  /// Without a shape function only the input dims fill the scalar table, so
  /// any other slot read would be a silent zero, and an output dim holds
  /// what the input dims allow: its maximum must admit all of that.
  tsr_status_t verifySlotsWithoutShapeFunction() {
    if (fn_.shape_function() && fn_.shape_function()->size() != 0)
      return nullptr;
    for (size_t i = 0; i < count(fn_.outputs()); ++i) {
      const fb::TensorSig &sig = *fn_.outputs()->Get(uoffset_t(i));
      for (size_t d = 0; d < count(sig.dims()); ++d) {
        const fb::Dim *dim = sig.dims()->Get(uoffset_t(d));
        if (dim->slot() < 0)
          continue;
        std::string what = "output '" + sig.name()->str() + "' dim " + std::to_string(d);
        auto input = inputSlotMax_.find(dim->slot());
        if (input != inputSlotMax_.end() && dim->value() > 0 && input->second > dim->value())
          return fail("has no shape function, but ", what, " allows at most ", dim->value(),
                      " while the input dims that set its slot ", dim->slot(), " allow ",
                      input->second == INT64_MAX ? std::string("any size")
                                                 : "up to " + std::to_string(input->second));
        derivedSlots_.emplace(dim->slot(), what);
      }
    }
    for (const auto &[slot, reader] : derivedSlots_)
      if (!inputSlotMax_.count(slot))
        return fail("has no shape function, but ", reader, " reads scalar slot ", slot,
                    ", which no input dim sets");
    return nullptr;
  }

  const fb::Module &module_;
  const CodeTables &code_;
  const std::set<int32_t> &codeSegments_;
  const fb::Function &fn_;
  size_t index_;
  std::string prefix_;
  std::string name_;
  int32_t numScalars_ = 0;
  /// The largest value the input dims can put into each slot they set
  /// (INT64_MAX: unbounded).
  std::map<int32_t, int64_t> inputSlotMax_;
  std::set<std::pair<int32_t, std::string>> derivedSlots_;
};

/// Two dims agree when a caller cannot tell them apart: both static of one
/// size, or both dynamic with one maximum (their slots may differ).
bool sameDim(const fb::Dim &a, const fb::Dim &b) {
  return (a.slot() < 0) == (b.slot() < 0) && a.value() == b.value();
}

bool sameString(const flatbuffers::String *a, const flatbuffers::String *b) {
  size_t sizeA = a ? a->size() : 0, sizeB = b ? b->size() : 0;
  return sizeA == sizeB && (sizeA == 0 || std::memcmp(a->data(), b->data(), sizeA) == 0);
}

/// `b` is the signature `a` is, as the C API describes it.
bool sameTensor(const fb::TensorSig &a, const fb::TensorSig &b) {
  size_t rank = count(a.dims());
  if (!sameString(a.name(), b.name()) || a.dtype() != b.dtype() || count(b.dims()) != rank ||
      count(a.dim_names()) != count(b.dim_names()))
    return false;
  for (size_t d = 0; d < rank; ++d)
    if (!sameDim(*a.dims()->Get(uoffset_t(d)), *b.dims()->Get(uoffset_t(d))))
      return false;
  for (size_t d = 0; d < count(a.dim_names()); ++d)
    if (!sameString(a.dim_names()->Get(uoffset_t(d)), b.dim_names()->Get(uoffset_t(d))))
      return false;
  return true;
}

/// Another target's functions are the primary's (which the module's
/// inspection functions describe), in order, with the same signatures and
/// states: a session on either device takes the same inputs and gives the
/// same outputs and states.
tsr_status_t verifySameFunctions(const CodeTables &primary, const CodeTables &other) {
  std::string prefix = codePrefix(other);
  if (count(other.functions) != count(primary.functions))
    return invalid(prefix, "the target has ", count(other.functions),
                   " functions, the primary target ", count(primary.functions));
  for (size_t f = 0; f < count(primary.functions); ++f) {
    const fb::Function &a = *primary.functions->Get(uoffset_t(f));
    const fb::Function &b = *other.functions->Get(uoffset_t(f));
    std::string name = a.name()->str();
    if (!sameString(a.name(), b.name()))
      return invalid(prefix, "function ", f, " is '", b.name()->str(),
                     "', the primary target's '", name, "'");
    const char *roles[] = {"inputs", "outputs"};
    for (int io = 0; io < 2; ++io) {
      const auto *mine = io ? a.outputs() : a.inputs();
      const auto *theirs = io ? b.outputs() : b.inputs();
      if (count(mine) != count(theirs))
        return invalid(prefix, "function '", name, "' has ", count(theirs), " ", roles[io],
                       ", the primary target's ", count(mine));
      for (size_t i = 0; i < count(mine); ++i)
        if (!sameTensor(*mine->Get(uoffset_t(i)), *theirs->Get(uoffset_t(i))))
          return invalid(prefix, "function '", name, "': ", roles[io], "[", i, "] ('",
                         mine->Get(uoffset_t(i))->name()->str(),
                         "') differs from the primary target's in name, dtype, dims or "
                         "dim names");
    }
    bool sameStates = count(a.states()) == count(b.states());
    for (size_t i = 0; sameStates && i < count(a.states()); ++i) {
      const fb::State &x = *a.states()->Get(uoffset_t(i));
      const fb::State &y = *b.states()->Get(uoffset_t(i));
      sameStates = sameString(x.name(), y.name()) && x.input() == y.input() &&
                   x.output() == y.output() && x.length_axis() == y.length_axis();
    }
    if (!sameStates)
      return invalid(prefix, "function '", name, "' has other states than the primary "
                     "target's");
  }
  return nullptr;
}

/// At most one target per kind of device: a session picks its code by kind.
tsr_status_t verifyDistinctDevices(const std::vector<CodeTables> &code) {
  for (size_t i = 1; i < code.size(); ++i)
    for (size_t j = 0; j < i; ++j)
      if (code[i].device() == code[j].device())
        return invalid(codePrefix(code[i]), "a second target for ",
                       code[i].isCuda() ? "CUDA" : "the CPU", " (the ",
                       j == 0 ? "primary target" : "target", " '", code[j].targetName(),
                       "' is one already)");
  return nullptr;
}

tsr_status_t verifyFunctions(const fb::Module &module, const CodeTables &code,
                             const std::set<int32_t> &codeSegments) {
  std::set<std::string> names;
  for (size_t i = 0; i < count(code.functions); ++i) {
    const fb::Function &fn = *code.functions->Get(uoffset_t(i));
    TSR_RETURN_IF_ERROR(FunctionVerifier(module, code, codeSegments, fn, i).verify());
    if (!names.insert(fn.name()->str()).second)
      return invalid(codePrefix(code), "two functions are named '", fn.name()->str(), "'");
  }
  return nullptr;
}

} // namespace

tsr_status_t verifyModule(const uint8_t *data, size_t size, const fb::Module **out_root) {
  TSR_RETURN_IF_ERROR(verifyFraming(data, size));
  const fb::Module &module = *fb::GetSizePrefixedModule(data);
  TSR_RETURN_IF_ERROR(verifyVersions(module));
  uint64_t headerEnd = sizeof(uoffset_t) + flatbuffers::ReadScalar<uoffset_t>(data);
  TSR_RETURN_IF_ERROR(verifySegments(module, headerEnd, size));

  std::vector<CodeTables> code = moduleCode(module);
  std::set<int32_t> objects, codeSegments;
  for (const CodeTables &c : code)
    objects.insert(c.kernelObject);
  for (const CodeTables &c : code) {
    if (c.other && (!c.target || c.target->size() == 0 || !isCleanString(c.target)))
      return invalid("another target's code has an empty or NUL-containing target name");
    TSR_RETURN_IF_ERROR(verifyCodeSegments(module, c, objects));
    TSR_RETURN_IF_ERROR(verifyCudaFields(module, c, data));
    TSR_RETURN_IF_ERROR(verifyKernels(c));
    codeSegments.insert(c.kernelObject);
    if (c.isCuda())
      codeSegments.insert(c.cudaPtx);
  }
  TSR_RETURN_IF_ERROR(verifyDistinctDevices(code));

  std::set<std::string> keys;
  for (size_t i = 0; i < count(module.metadata()); ++i) {
    const fb::Metadata &entry = *module.metadata()->Get(uoffset_t(i));
    if (!entry.key() || entry.key()->size() == 0 || !isCleanString(entry.key()))
      return invalid("metadata entry ", i, " has an empty or NUL-containing key");
    if (!keys.insert(entry.key()->str()).second)
      return invalid("metadata key '", entry.key()->str(), "' appears twice");
  }
  for (const CodeTables &c : code) {
    TSR_RETURN_IF_ERROR(verifyFunctions(module, c, codeSegments));
    if (c.other)
      TSR_RETURN_IF_ERROR(verifySameFunctions(code.front(), c));
  }
  *out_root = &module;
  return nullptr;
}

} // namespace tessera::runtime
