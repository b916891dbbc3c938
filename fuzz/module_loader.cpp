//===- module_loader.cpp - fuzzing the runtime's module loader ------------===//
//
// Input: the bytes of a .tsr module. They are loaded (copied, borrowed from
// a 64-byte aligned buffer, or mapped from a file: chosen by size % 3), and
// a module that loads is inspected through every signature, state and
// metadata query; then a one-thread session runs each function whose inputs
// are small, with zeroed inputs (dynamic dims at 2, or their maximum when that
// is smaller): plainly, and twice with the session keeping its states (a
// prefill, then a decode step reading what the first run wrote).
//
// Kernels do not run: common/StubKernelLibrary.cpp stands in for dlopen
// (why: see there). The runtime's sources are compiled into this harness
// (fuzz/CMakeLists.txt), so the verifier's accessors are instrumented.
//
// TESSERA_FUZZ_VERBOSE=1 prints each input's load status.
//
// Invariants checked (abort on violation), beyond the sanitizers':
//  - a load that fails says INVALID_MODULE, UNSUPPORTED, IO_ERROR or
//    RESOURCE_EXHAUSTED, with a message;
//  - every query on a loaded module succeeds for indexes in range, fails
//    with OUT_OF_RANGE past them, and find_function finds each name at its
//    own index; every metadata key is found, an absent one is NOT_FOUND;
//  - INTERNAL only ever comes from a function with a shape function (the
//    stub may return nonsense); never "unexpected C++ exception";
//  - a run that succeeds gives the dims resolve_outputs gave;
//  - the state length is 0 after reset_state;
//  - a module supports its own device kind; one without CPU code (a CUDA
//    module) has its CPU session refused (INVALID_ARGUMENT), one with (a
//    CPU module, or CPU and CUDA) runs its CPU code.
//
//===----------------------------------------------------------------------===//

#include "fuzz/common/FuzzSupport.h"
#include "fuzz/common/StubKernelLibrary.h"

#include "runtime/src/Module.h"
#include "tessera/runtime.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

namespace {

using tessera::fuzz::violated;
using flatbuffers::uoffset_t;
namespace fb = tessera::module::fb;

/// Limits of what the harness runs. The runtime itself allocates what a
/// module asks for (docs/security.md); these keep one input cheap.
constexpr int64_t kMaxArenaBytes = int64_t(64) << 20;
constexpr size_t kMaxInputBytes = size_t(1) << 20;
constexpr size_t kMaxOutputBytes = size_t(16) << 20;
constexpr size_t kMaxDispatches = 256;
constexpr int64_t kMaxWorkgroups = int64_t(1) << 16;
/// The stub's scribbling shape function writes at most this into a slot.
constexpr int64_t kStubSlotMax = 16;

/// The code of `status` (freed), after checking it has a message.
tsr_status_code_t take(tsr_status_t status) {
  tsr_status_code_t code = tsr_status_code(status);
  const char *message = tsr_status_message(status);
  TSR_FUZZ_CHECK(message != nullptr);
  if (code != TSR_STATUS_OK && std::strlen(message) == 0)
    violated("an error status without a message");
  // What guard() (runtime/src/Status.h) makes of an exception. Only as a
  // prefix: a module's own strings (check texts) appear later in messages.
  if (code == TSR_STATUS_INTERNAL &&
      std::strncmp(message, "unexpected C++ exception", 24) == 0)
    violated("a C++ exception reached the C API", message);
  tsr_status_free(status);
  return code;
}

void expectOk(tsr_status_t status, const char *what) {
  std::string message = tsr_status_message(status);
  if (take(status) != TSR_STATUS_OK)
    violated(what, message);
}

void expectCode(tsr_status_t status, tsr_status_code_t expected, const char *what) {
  std::string message = tsr_status_message(status);
  if (take(status) != expected)
    violated(what, message);
}

void inspect(const tsr_module_t *module) {
  tsr_module_info_t info;
  expectOk(tsr_module_info(module, &info), "tsr_module_info");
  (void)std::strlen(info.producer);
  (void)std::strlen(info.target);
  for (size_t f = 0; f < info.num_functions; ++f) {
    const char *name = nullptr;
    expectOk(tsr_module_function_name(module, f, &name), "tsr_module_function_name");
    size_t found = ~size_t(0);
    expectOk(tsr_module_find_function(module, name, &found), "tsr_module_find_function");
    if (found != f)
      violated("find_function found a function under another index", name);
    size_t numIo[2];
    expectOk(tsr_module_function_arity(module, f, &numIo[0], &numIo[1]), "arity");
    for (tsr_io_t io : {TSR_IO_INPUT, TSR_IO_OUTPUT}) {
      for (size_t i = 0; i < numIo[io]; ++i) {
        tsr_tensor_info_t tensor;
        expectOk(tsr_module_tensor_info(module, f, io, i, &tensor), "tensor_info");
        (void)std::strlen(tensor.name);
        size_t bytes = 0;
        expectOk(tsr_dtype_size(tensor.dtype, &bytes), "a loaded tensor has a valid dtype");
        for (size_t d = 0; d < tensor.rank; ++d) {
          tsr_dim_info_t dim;
          expectOk(tsr_module_tensor_dim(module, f, io, i, d, &dim), "tensor_dim");
          (void)std::strlen(dim.name);
          if (dim.size < -1 || dim.max < 0 || (dim.size >= 0 && dim.size != dim.max))
            violated("tensor_dim gave an inconsistent dim");
        }
        tsr_dim_info_t past;
        expectCode(tsr_module_tensor_dim(module, f, io, i, tensor.rank, &past),
                   TSR_STATUS_OUT_OF_RANGE, "tensor_dim past the rank");
        const char *state = nullptr;
        expectOk(tsr_module_tensor_state(module, f, io, i, &state), "tensor_state");
        if (state)
          (void)std::strlen(state);
      }
      tsr_tensor_info_t past;
      expectCode(tsr_module_tensor_info(module, f, io, numIo[io], &past), TSR_STATUS_OUT_OF_RANGE,
                 "tensor_info past the count");
      const char *state = nullptr;
      expectCode(tsr_module_tensor_state(module, f, io, numIo[io], &state),
                 TSR_STATUS_OUT_OF_RANGE, "tensor_state past the count");
    }
  }
  const char *name = nullptr;
  expectCode(tsr_module_function_name(module, info.num_functions, &name),
             TSR_STATUS_OUT_OF_RANGE, "function_name past the count");
  size_t found = 0;
  expectCode(tsr_module_find_function(module, "\x01no such function", &found),
             TSR_STATUS_NOT_FOUND, "find_function of a name no module has");

  size_t numMetadata = 0;
  expectOk(tsr_module_metadata_count(module, &numMetadata), "metadata_count");
  for (size_t k = 0; k < numMetadata; ++k) {
    const char *key = nullptr;
    expectOk(tsr_module_metadata_key(module, k, &key), "metadata_key");
    const void *value = nullptr;
    size_t size = ~size_t(0);
    expectOk(tsr_module_metadata(module, key, &value, &size), "metadata of a listed key");
    TSR_FUZZ_CHECK(value != nullptr);
    // The first and last byte, so that ASan sees a value reaching past the file.
    if (size) {
      volatile uint8_t ends = static_cast<const uint8_t *>(value)[0];
      ends = static_cast<const uint8_t *>(value)[size - 1];
      (void)ends;
    }
  }
  const char *key = nullptr;
  expectCode(tsr_module_metadata_key(module, numMetadata, &key), TSR_STATUS_OUT_OF_RANGE,
             "metadata_key past the count");
  const void *value = nullptr;
  size_t size = 0;
  expectCode(tsr_module_metadata(module, "\x01no such key", &value, &size),
             TSR_STATUS_NOT_FOUND, "metadata of a key no module has");
}

bool hasShapeFunction(const fb::Function &fn) {
  return fn.shape_function() && fn.shape_function()->size() != 0;
}

/// Whether a run of `fn` stays within the harness's limits.
bool smallEnough(const fb::Function &fn) {
  size_t numDispatches = tessera::runtime::count(fn.dispatches());
  if (numDispatches > kMaxDispatches)
    return false;
  for (size_t i = 0; i < numDispatches; ++i) {
    const fb::Dispatch &dispatch = *fn.dispatches()->Get(uoffset_t(i));
    int64_t total = 1;
    for (uoffset_t axis = 0; axis < 3; ++axis) {
      const fb::Dim &dim = *dispatch.workgroup_count()->Get(axis);
      // A slot holds an input dim (<= 2 here) or what the stub wrote.
      int64_t bound = dim.slot() < 0 ? dim.value() : kStubSlotMax;
      if (__builtin_mul_overflow(total, bound, &total) || total > kMaxWorkgroups)
        return false;
    }
  }
  return true;
}

/// Whether the states function `f` writes stay within the harness's limits,
/// each sized as the session sizes it: the length axis at the module's
/// largest maximum for it, every other dim at its maximum.
bool statesSmallEnough(const tsr_module_t *module, const tessera::runtime::LoadedCode &code,
                       size_t f) {
  const fb::Function &fn = *code.functions[f].fb;
  const std::vector<int32_t> &written = code.functions[f].states.output;
  for (size_t o = 0; o < written.size(); ++o) {
    if (written[o] < 0)
      continue;
    const tessera::runtime::StateInfo &info = module->states[size_t(written[o])];
    size_t bytes = 0;
    expectOk(tsr_dtype_size(tsr_dtype_t(info.dtype), &bytes), "state dtype");
    const auto *dims = fn.outputs()->Get(uoffset_t(o))->dims();
    for (size_t d = 0; d < tessera::runtime::count(dims); ++d) {
      int64_t extent = int(d) == info.lengthAxis ? info.maxLength : dims->Get(uoffset_t(d))->value();
      if (extent < 0 || __builtin_mul_overflow(bytes, size_t(extent), &bytes) ||
          bytes > kMaxOutputBytes)
        return false;
    }
  }
  return true;
}

/// The code of an expected run failure: caller-side checks, failed shape
/// checks, and INTERNAL where a (stub) shape function can produce nonsense.
void expectRunOutcome(tsr_status_t status, const fb::Function &fn, const char *what) {
  std::string message = tsr_status_message(status);
  switch (take(status)) {
  case TSR_STATUS_OK:
  case TSR_STATUS_INVALID_ARGUMENT:
  case TSR_STATUS_OUT_OF_RANGE:
  case TSR_STATUS_FAILED_PRECONDITION:
    return;
  case TSR_STATUS_INTERNAL:
    if (hasShapeFunction(fn))
      return;
    violated("INTERNAL from a function without a shape function", what + (": " + message));
  default:
    violated("unexpected status", what + (": " + message));
  }
}

bool isState(int32_t state) { return state >= 0; }

void tryRun(const tsr_module_t *module, const tessera::runtime::LoadedCode &code,
            tsr_session_t *session, size_t f, uint32_t seed) {
  const fb::Function &fn = *code.functions[f].fb;
  if (!smallEnough(fn))
    return;

  size_t numInputs = tessera::runtime::count(fn.inputs());
  std::vector<std::vector<int64_t>> inputDims(numInputs);
  std::vector<std::vector<uint8_t>> inputData(numInputs);
  std::vector<tsr_input_t> inputs(numInputs);
  size_t totalInputBytes = 0;
  for (size_t i = 0; i < numInputs; ++i) {
    const fb::TensorSig &sig = *fn.inputs()->Get(uoffset_t(i));
    size_t bytes = 0;
    tsr_dtype_t dtype = tsr_dtype_t(sig.dtype());
    expectOk(tsr_dtype_size(dtype, &bytes), "input dtype");
    for (size_t d = 0; d < tessera::runtime::count(sig.dims()); ++d) {
      const fb::Dim &dim = *sig.dims()->Get(uoffset_t(d));
      int64_t size = dim.slot() < 0 ? dim.value() : (dim.value() > 0 && dim.value() < 2 ? dim.value() : 2);
      inputDims[i].push_back(size);
      if (__builtin_mul_overflow(bytes, size_t(size), &bytes) || bytes > kMaxInputBytes)
        return;
    }
    totalInputBytes += bytes;
    if (totalInputBytes > kMaxInputBytes)
      return;
    inputData[i].assign(bytes, 0);
    inputs[i] = {dtype, inputDims[i].size(), inputDims[i].data(), inputData[i].data(), bytes};
  }

  size_t numOutputs = tessera::runtime::count(fn.outputs());
  std::vector<std::vector<int64_t>> outputDims(numOutputs);
  std::vector<tsr_output_t> outputs(numOutputs);
  for (size_t o = 0; o < numOutputs; ++o) {
    size_t rank = tessera::runtime::count(fn.outputs()->Get(uoffset_t(o))->dims());
    outputDims[o].assign(rank, -7);
    outputs[o] = {nullptr, 0, rank, outputDims[o].data(), 0};
  }

  tessera::fuzz::stubSetScalarCount(fn.num_scalars(), seed);
  tsr_status_t resolved = tsr_session_resolve_outputs(session, f, inputs.data(), numInputs,
                                                      outputs.data(), numOutputs);
  if (resolved) {
    expectRunOutcome(resolved, fn, "resolve_outputs");
    return;
  }
  std::vector<std::vector<uint8_t>> outputData(numOutputs);
  std::vector<std::vector<int64_t>> resolvedDims = outputDims;
  for (size_t o = 0; o < numOutputs; ++o) {
    if (outputs[o].byte_size > kMaxOutputBytes)
      return;
    outputData[o].assign(outputs[o].byte_size, 0);
    outputs[o].data = outputData[o].data();
    outputs[o].capacity = outputData[o].size();
  }

  const tessera::runtime::FunctionStates &states = code.functions[f].states;
  bool hasStates = std::any_of(states.input.begin(), states.input.end(), isState) ||
                   std::any_of(states.output.begin(), states.output.end(), isState);
  if (hasStates && statesSmallEnough(module, code, f)) {
    // The same tensors less the states, which the session binds itself.
    std::vector<tsr_input_t> own;
    for (size_t i = 0; i < numInputs; ++i)
      if (!isState(states.input[i]))
        own.push_back(inputs[i]);
    std::vector<tsr_output_t> ownOutputs;
    for (size_t o = 0; o < numOutputs; ++o)
      if (!isState(states.output[o]))
        ownOutputs.push_back(outputs[o]);
    for (int step = 0; step < 2; ++step) {
      tessera::fuzz::stubSetScalarCount(fn.num_scalars(), seed + uint32_t(step));
      expectRunOutcome(tsr_session_run_with_state(session, f, own.data(), own.size(),
                                                  ownOutputs.data(), ownOutputs.size()),
                       fn, "run_with_state");
    }
    int64_t length = -1;
    expectOk(tsr_session_state_length(session, &length), "state_length");
    TSR_FUZZ_CHECK(length >= 0);
  }

  // Wrong counts are caller errors.
  if (numInputs)
    expectCode(tsr_session_run(session, f, inputs.data(), numInputs - 1, outputs.data(),
                               numOutputs),
               TSR_STATUS_INVALID_ARGUMENT, "run with one input too few");

  tessera::fuzz::stubSetScalarCount(fn.num_scalars(), seed);
  tsr_status_t ran =
      tsr_session_run(session, f, inputs.data(), numInputs, outputs.data(), numOutputs);
  if (ran) {
    expectRunOutcome(ran, fn, "run");
    return;
  }
  for (size_t o = 0; o < numOutputs; ++o)
    if (outputDims[o] != resolvedDims[o])
      violated("run gave other output dims than resolve_outputs");
}

void runSessions(const tsr_module_t *module, uint32_t seed) {
  tsr_device_kind_t kind = TSR_DEVICE_CPU;
  expectOk(tsr_module_device_kind(module, &kind), "tsr_module_device_kind");
  int supported[2] = {0, 0};
  for (tsr_device_kind_t device : {TSR_DEVICE_CPU, TSR_DEVICE_CUDA})
    expectOk(tsr_module_supports_device(module, device, &supported[device]),
             "tsr_module_supports_device");
  if (!supported[kind])
    violated("the module does not support its own device kind");
  if (!supported[TSR_DEVICE_CPU]) {
    // Its kernels are PTX only: the CPU refuses it, naming the target. (A
    // CUDA session is not tried: on a machine with a driver it would JIT
    // fuzzed PTX.)
    tsr_session_t *session = nullptr;
    tsr_status_t refused = tsr_session_create(module, 1, &session);
    std::string message = tsr_status_message(refused);
    if (take(refused) != TSR_STATUS_INVALID_ARGUMENT || session != nullptr ||
        message.find("cannot run on the CPU device") == std::string::npos)
      violated("a CUDA module's CPU session was not refused", message);
    return;
  }
  const tessera::runtime::LoadedCode &code = *module->codeFor(TSR_DEVICE_CPU);
  if (code.maxArenaSize > kMaxArenaBytes)
    return;
  tsr_session_t *session = nullptr;
  expectOk(tsr_session_create(module, 1, &session), "tsr_session_create (1 thread)");
  uint32_t threads = 0;
  expectOk(tsr_session_thread_count(session, &threads), "thread_count");
  TSR_FUZZ_CHECK(threads == 1);
  expectOk(tsr_session_set_profiling(session, seed & 1), "set_profiling");
  for (size_t f = 0; f < code.functions.size(); ++f)
    tryRun(module, code, session, f, seed);
  expectOk(tsr_session_reset_state(session), "reset_state");
  int64_t length = -1;
  expectOk(tsr_session_state_length(session, &length), "state_length after reset");
  TSR_FUZZ_CHECK(length == 0);
  for (size_t f = 0; f < code.functions.size(); ++f) {
    size_t numDispatches = 0;
    const char *name = nullptr;
    uint64_t ns = 0, calls = 0;
    for (size_t d = 0;; ++d) {
      tsr_status_t status =
          tsr_session_dispatch_profile(session, f, d, &name, &ns, &calls, &numDispatches);
      if (d < numDispatches) {
        expectOk(status, "dispatch_profile");
        (void)std::strlen(name);
      } else {
        expectCode(status, TSR_STATUS_OUT_OF_RANGE, "dispatch_profile past the count");
        break;
      }
    }
  }
  tsr_session_free(session);
}

struct FreeDeleter {
  void operator()(void *p) const { std::free(p); }
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  tsr_module_t *module = nullptr;
  std::unique_ptr<void, FreeDeleter> borrowed;
  tsr_status_t status = nullptr;
  switch (size % 3) {
  case 0:
    status = tsr_module_load_memory(data, size, TSR_MODULE_LOAD_COPY, &module);
    break;
  case 1: {
    // Exactly `size` bytes, 64-byte aligned: a read past them is reported.
    void *block = nullptr;
    if (posix_memalign(&block, TESSERA_BUFFER_ALIGNMENT, size ? size : 1) != 0)
      return 0;
    std::memcpy(block, data, size);
    borrowed.reset(block);
    status = tsr_module_load_memory(block, size, TSR_MODULE_LOAD_BORROW, &module);
    break;
  }
  default: {
    static const std::string path = tessera::fuzz::tempDir() + "/module.tsr";
    if (!tessera::fuzz::writeFile(path, std::string_view(reinterpret_cast<const char *>(data), size)))
      violated("cannot write the temporary module file", path);
    status = tsr_module_load_file(path.c_str(), &module);
    break;
  }
  }
  static const bool verbose = std::getenv("TESSERA_FUZZ_VERBOSE") != nullptr;
  if (verbose)
    std::fprintf(stderr, "module_loader: %zu bytes: %s\n", size, tsr_status_message(status));
  if (status) {
    std::string message = tsr_status_message(status);
    tsr_status_code_t code = take(status);
    if (code != TSR_STATUS_INVALID_MODULE && code != TSR_STATUS_UNSUPPORTED &&
        code != TSR_STATUS_IO_ERROR && code != TSR_STATUS_RESOURCE_EXHAUSTED)
      violated("a failed load with an unexpected code", message);
    TSR_FUZZ_CHECK(module == nullptr);
    return 0;
  }
  TSR_FUZZ_CHECK(module != nullptr);
  inspect(module);
  uint32_t seed = 0;
  for (size_t i = 0; i < size && i < 64; ++i)
    seed = seed * 31 + data[i];
  runSessions(module, seed ^ uint32_t(size));
  tsr_module_free(module);
  return 0;
}
