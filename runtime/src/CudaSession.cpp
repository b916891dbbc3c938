//===- CudaSession.cpp - running a module's dispatches on a GPU -----------===//
//
// Every driver call's result is checked; a failure becomes a status naming
// the call, its error and what was being done. Once work is enqueued, an
// error path waits for the stream before returning, so that no copy or
// kernel of a failed run is still running when the caller reuses its
// buffers or the session.
//
//===----------------------------------------------------------------------===//

#include "CudaSession.h"

#include "Dispatch.h"
#include "Session.h"
#include "Status.h"

#include <chrono>
#include <cstring>

namespace tessera::runtime::cuda {
namespace {

using flatbuffers::uoffset_t;

/// Device allocations are placed at this alignment inside one allocation
/// (cuMemAlloc itself returns 256-byte aligned memory).
constexpr size_t kDeviceAlignment = 256;

bool alignUp(size_t bytes, size_t *out) {
  return !__builtin_add_overflow(bytes, kDeviceAlignment - 1, out) &&
         ((*out &= ~(kDeviceAlignment - 1)), true);
}

/// Makes `context` current on this thread for the scope, and restores what
/// was current before (sessions may be used from any thread, one at a time).
class ScopedContext {
public:
  ScopedContext(const Driver &driver, CUcontext context)
      : driver_(driver), result_(driver.cuCtxPushCurrent(context)) {}
  ScopedContext(const ScopedContext &) = delete;
  ScopedContext &operator=(const ScopedContext &) = delete;
  ~ScopedContext() {
    if (result_ == CUDA_SUCCESS) {
      CUcontext popped = nullptr;
      driver_.cuCtxPopCurrent(&popped);
    }
  }
  CUresult result() const { return result_; }

private:
  const Driver &driver_;
  CUresult result_;
};

/// sm_<number>[suffix]: the compute capability the PTX needs (sm_86: 8.6,
/// sm_100: 10.0) and whether it is arch-specific (sm_90a runs on 9.0 only).
/// The verifier has checked the form.
void parseArch(const char *arch, int *major, int *minor, bool *exact) {
  int number = 0;
  const char *p = arch + 3;
  while (*p >= '0' && *p <= '9' && number < 100000)
    number = number * 10 + (*p++ - '0');
  *major = number / 10;
  *minor = number % 10;
  *exact = *p != '\0';
}

} // namespace

tsr_status_t DeviceBuffer::allocate(const Driver &driver, size_t bytes, const std::string &what) {
  reset();
  driver_ = &driver;
  CUdeviceptr pointer = 0;
  if (CUresult result = driver.cuMemAlloc(&pointer, bytes))
    return failure(driver, result, "cuMemAlloc_v2",
                   "allocating " + std::to_string(bytes) + " bytes of device memory for " + what,
                   TSR_STATUS_INTERNAL);
  pointer_ = pointer;
  size_ = bytes;
  return nullptr;
}

void DeviceBuffer::reset() {
  if (pointer_)
    driver_->cuMemFree(pointer_); // nothing to do about a failure here
  pointer_ = 0;
  size_ = 0;
}

void DeviceBuffer::forget() {
  pointer_ = 0;
  size_ = 0;
}

tsr_status_t CudaSession::check(CUresult result, const char *call, const std::string &context,
                                tsr_status_code_t code) const {
  return result == CUDA_SUCCESS ? nullptr : failure(d_, result, call, context, code);
}

tsr_status_t CudaSession::create(const tsr_module_s &module, const LoadedCode &code,
                                 uint32_t deviceIndex, std::unique_ptr<CudaSession> &out) {
  const Driver *driver = nullptr;
  TSR_RETURN_IF_ERROR(getDriver(&driver));
  // The destructor releases whatever initialize() got before a failure.
  std::unique_ptr<CudaSession> session(new CudaSession(*driver, code));
  TSR_RETURN_IF_ERROR(session->initialize(module, deviceIndex));
  out = std::move(session);
  return nullptr;
}

tsr_status_t CudaSession::initialize(const tsr_module_s &module, uint32_t deviceIndex) {
  int numDevices = 0;
  TSR_RETURN_IF_ERROR(check(d_.cuDeviceGetCount(&numDevices), "cuDeviceGetCount",
                            "counting the devices", TSR_STATUS_UNAVAILABLE));
  if (numDevices <= 0)
    return error(TSR_STATUS_UNAVAILABLE, "CUDA: the driver finds no CUDA device on this machine");
  if (deviceIndex >= unsigned(numDevices))
    return error(TSR_STATUS_UNAVAILABLE, "CUDA: there is no device ", deviceIndex,
                 ": this machine has ", numDevices, " CUDA device", numDevices == 1 ? "" : "s",
                 " (0 to ", numDevices - 1, ")");
  std::string which = "device " + std::to_string(deviceIndex);
  TSR_RETURN_IF_ERROR(
      check(d_.cuDeviceGet(&device_, int(deviceIndex)), "cuDeviceGet", which,
            TSR_STATUS_UNAVAILABLE));
  char name[256] = {};
  if (d_.cuDeviceGetName(name, int(sizeof(name) - 1), device_) != CUDA_SUCCESS)
    std::strcpy(name, "unnamed");
  int major = 0, minor = 0;
  TSR_RETURN_IF_ERROR(check(
      d_.cuDeviceGetAttribute(&major, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, device_),
      "cuDeviceGetAttribute", which + ": reading its compute capability",
      TSR_STATUS_UNAVAILABLE));
  TSR_RETURN_IF_ERROR(check(
      d_.cuDeviceGetAttribute(&minor, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, device_),
      "cuDeviceGetAttribute", which + ": reading its compute capability",
      TSR_STATUS_UNAVAILABLE));
  description_ = "CUDA device " + std::to_string(deviceIndex) + " (" + name + ", sm_" +
                 std::to_string(major * 10 + minor) + ")";

  const char *arch = code_.fb.cudaArch->c_str();
  int needMajor = 0, needMinor = 0;
  bool exact = false;
  parseArch(arch, &needMajor, &needMinor, &exact);
  bool runs = exact ? major == needMajor && minor == needMinor
                    : major > needMajor || (major == needMajor && minor >= needMinor);
  if (!runs)
    return error(TSR_STATUS_UNSUPPORTED, "CUDA: the module is compiled for ", arch, ", which ",
                 description_, " cannot run", exact ? " (arch-specific PTX)" : "",
                 ": recompile it for sm_", major * 10 + minor);

  CUcontext context = nullptr;
  TSR_RETURN_IF_ERROR(check(d_.cuDevicePrimaryCtxRetain(&context, device_),
                            "cuDevicePrimaryCtxRetain", description_, TSR_STATUS_UNAVAILABLE));
  context_ = context;
  ScopedContext scope(d_, context_);
  TSR_RETURN_IF_ERROR(check(scope.result(), "cuCtxPushCurrent_v2", description_,
                            TSR_STATUS_UNAVAILABLE));
  CUstream stream = nullptr;
  TSR_RETURN_IF_ERROR(check(d_.cuStreamCreate(&stream, CU_STREAM_NON_BLOCKING), "cuStreamCreate",
                            description_ + ": creating the session's stream"));
  stream_ = stream;
  TSR_RETURN_IF_ERROR(loadPtx(module));
  TSR_RETURN_IF_ERROR(uploadWeights(module));
  if (code_.maxArenaSize > 0) {
    TSR_RETURN_IF_ERROR(arena_.allocate(d_, size_t(code_.maxArenaSize), "the arena"));
    // Not needed by the kernels; a defined start makes a bug reproducible.
    TSR_RETURN_IF_ERROR(check(d_.cuMemsetD8Async(arena_.get(), 0, arena_.size(), stream_),
                              "cuMemsetD8Async", "clearing the arena"));
  }
  TSR_RETURN_IF_ERROR(check(d_.cuStreamSynchronize(stream_), "cuStreamSynchronize",
                            description_ + ": uploading the weights"));
  states_[0].resize(module.states.size());
  states_[1].resize(module.states.size());
  return nullptr;
}

tsr_status_t CudaSession::loadPtx(const tsr_module_s &module) {
  const void *ptx = module.segments[size_t(code_.fb.cudaPtx)]; // verified NUL-terminated
  std::vector<char> log(32768, '\0');
  CUjit_option options[] = {CU_JIT_ERROR_LOG_BUFFER, CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES};
  void *values[] = {log.data(), reinterpret_cast<void *>(uintptr_t(log.size()))};
  CUmodule loaded = nullptr;
  CUresult result = d_.cuModuleLoadDataEx(&loaded, ptx, 2, options, values);
  if (result != CUDA_SUCCESS) {
    log.back() = '\0';
    std::string text(log.data());
    while (!text.empty() && (text.back() == '\n' || text.back() == ' '))
      text.pop_back();
    tsr_status_code_t code = TSR_STATUS_UNAVAILABLE;
    if (result == CUDA_ERROR_INVALID_PTX || result == CUDA_ERROR_INVALID_IMAGE)
      code = TSR_STATUS_INVALID_MODULE;
    else if (result == CUDA_ERROR_UNSUPPORTED_PTX_VERSION ||
             result == CUDA_ERROR_NO_BINARY_FOR_GPU)
      code = TSR_STATUS_UNSUPPORTED;
    else if (result == CUDA_ERROR_OUT_OF_MEMORY)
      code = TSR_STATUS_RESOURCE_EXHAUSTED;
    return error(code, "CUDA: compiling the module's PTX (", code_.fb.cudaArch->str(), ") for ",
                 description_, ": cuModuleLoadDataEx failed: ", describe(d_, result),
                 text.empty() ? std::string("; the JIT wrote no error log")
                              : "; JIT error log:\n" + text);
  }
  ptx_ = loaded;
  for (size_t i = 0; i < count(code_.fb.kernels); ++i) {
    const char *name = code_.fb.kernels->Get(uoffset_t(i))->c_str();
    CUfunction function = nullptr;
    result = d_.cuModuleGetFunction(&function, ptx_, name);
    if (result == CUDA_ERROR_NOT_FOUND)
      return error(TSR_STATUS_INVALID_MODULE, "invalid module: kernel ", i, " '", name,
                   "' is not an entry of the module's PTX");
    TSR_RETURN_IF_ERROR(check(result, "cuModuleGetFunction",
                              "finding kernel " + std::to_string(i) + " '" + name +
                                  "' in the PTX"));
    kernels_.push_back(function);
  }
  return nullptr;
}

tsr_status_t CudaSession::uploadWeights(const tsr_module_s &module) {
  const fb::Module &root = *module.root;
  std::vector<bool> read(count(root.segments()), false);
  for (const LoadedFunction &fn : code_.functions)
    for (size_t b = 0; b < count(fn.fb->buffers()); ++b) {
      const fb::Buffer &buffer = *fn.fb->buffers()->Get(uoffset_t(b));
      if (buffer.kind() == fb::BufferKind::constant)
        read[size_t(buffer.index())] = true;
    }
  std::vector<size_t> offsets(read.size(), 0);
  size_t total = 0;
  for (size_t s = 0; s < read.size(); ++s) {
    if (!read[s])
      continue;
    offsets[s] = total;
    size_t size = 0;
    if (!alignUp(size_t(root.segments()->Get(uoffset_t(s))->size()), &size) ||
        __builtin_add_overflow(total, size, &total))
      return error(TSR_STATUS_RESOURCE_EXHAUSTED, "CUDA: the weights overflow the address space");
  }
  segments_.assign(read.size(), 0);
  if (total == 0)
    return nullptr;
  TSR_RETURN_IF_ERROR(weights_.allocate(d_, total, "the weights"));
  for (size_t s = 0; s < read.size(); ++s) {
    if (!read[s])
      continue;
    segments_[s] = weights_.get() + offsets[s];
    size_t size = size_t(root.segments()->Get(uoffset_t(s))->size());
    if (size)
      TSR_RETURN_IF_ERROR(check(d_.cuMemcpyHtoDAsync(segments_[s], module.segments[s], size,
                                                     stream_),
                                "cuMemcpyHtoDAsync_v2",
                                "uploading weight segment " + std::to_string(s)));
  }
  return nullptr; // initialize() waits for the copies
}

CudaSession::~CudaSession() {
  if (!context_)
    return; // nothing was retained
  {
    ScopedContext scope(d_, context_);
    bool current = scope.result() == CUDA_SUCCESS;
    if (current && stream_)
      d_.cuStreamSynchronize(stream_);
    DeviceBuffer *buffers[] = {&table_, &io_, &arena_, &weights_};
    for (DeviceBuffer *buffer : buffers)
      current ? buffer->reset() : buffer->forget();
    for (auto &pair : states_)
      for (DeviceBuffer &buffer : pair)
        current ? buffer.reset() : buffer.forget();
    if (current && ptx_)
      d_.cuModuleUnload(ptx_);
    if (current && stream_)
      d_.cuStreamDestroy(stream_);
  }
  d_.cuDevicePrimaryCtxRelease(device_);
}

tsr_status_t CudaSession::reserveState(size_t state, size_t bytes, const std::string &name,
                                       bool *grew, void *out[2]) {
  ScopedContext scope(d_, context_);
  TSR_RETURN_IF_ERROR(check(scope.result(), "cuCtxPushCurrent_v2", description_));
  *grew = false;
  if (states_[0][state].size() < bytes) {
    *grew = true;
    for (auto &pair : states_)
      TSR_RETURN_IF_ERROR(pair[state].allocate(d_, bytes, "state '" + name + "'"));
  }
  for (int i = 0; i < 2; ++i)
    out[i] = reinterpret_cast<void *>(uintptr_t(states_[i][state].get()));
  return nullptr;
}

tsr_status_t CudaSession::run(tsr_session_s &session, const LoadedFunction &fn,
                              const tsr_input_t *inputs, tsr_output_t *outputs,
                              const DeviceResident &resident) {
  const fb::Function &function = *fn.fb;
  const int64_t *scalars = session.scalars.data();
  std::string where = std::string("function '") + fn.name + "'";
  ScopedContext scope(d_, context_);
  TSR_RETURN_IF_ERROR(check(scope.result(), "cuCtxPushCurrent_v2", where));

  // Where each input and output lives on the device: a state buffer, or a
  // slice of the staging buffer (tensors no dispatch binds, and empty ones,
  // have none and are not copied).
  size_t numInputs = count(function.inputs()), numOutputs = count(function.outputs());
  std::vector<CUdeviceptr> inputAddress(numInputs, 0), outputAddress(numOutputs, 0);
  std::vector<size_t> inputOffset(numInputs, SIZE_MAX), outputOffset(numOutputs, SIZE_MAX);
  size_t staged = 0;
  auto place = [&](size_t bytes, size_t &offset) -> tsr_status_t {
    size_t size = 0;
    if (!alignUp(bytes, &size) || __builtin_add_overflow(staged, size, &staged))
      return error(TSR_STATUS_RESOURCE_EXHAUSTED, "CUDA: ", where,
                   ": the inputs and outputs overflow the address space");
    offset = staged - size;
    return nullptr;
  };
  for (size_t i = 0; i < numInputs; ++i) {
    if (i < resident.inputs.size() && resident.inputs[i])
      inputAddress[i] = CUdeviceptr(uintptr_t(inputs[i].data));
    else if (function.inputs()->Get(uoffset_t(i))->buffer() >= 0 && inputs[i].byte_size > 0)
      TSR_RETURN_IF_ERROR(place(inputs[i].byte_size, inputOffset[i]));
  }
  for (size_t o = 0; o < numOutputs; ++o) {
    if (o < resident.outputs.size() && resident.outputs[o])
      outputAddress[o] = CUdeviceptr(uintptr_t(outputs[o].data));
    else if (function.outputs()->Get(uoffset_t(o))->buffer() >= 0 && outputs[o].byte_size > 0)
      TSR_RETURN_IF_ERROR(place(outputs[o].byte_size, outputOffset[o]));
  }
  if (staged > io_.size())
    TSR_RETURN_IF_ERROR(io_.allocate(d_, staged, "the inputs and outputs"));
  for (size_t i = 0; i < numInputs; ++i)
    if (inputOffset[i] != SIZE_MAX)
      inputAddress[i] = io_.get() + inputOffset[i];
  for (size_t o = 0; o < numOutputs; ++o)
    if (outputOffset[o] != SIZE_MAX)
      outputAddress[o] = io_.get() + outputOffset[o];

  // The launches and one table of every launch's binding addresses and push
  // constants, uploaded in one copy.
  struct Launch {
    size_t dispatch;
    unsigned grid[3];
    size_t bindings, pushConstants; // word offsets into the table
  };
  std::vector<Launch> launches;
  hostTable_.clear();
  const auto *buffers = function.buffers();
  for (size_t index = 0; index < count(function.dispatches()); ++index) {
    const fb::Dispatch &dispatch = *function.dispatches()->Get(uoffset_t(index));
    int64_t counts[3], total = 0;
    TSR_RETURN_IF_ERROR(workgroupCounts(fn, index, scalars, counts, &total));
    if (total == 0)
      continue; // an empty tensor: nothing to compute
    if (counts[0] > 0x7fffffff || counts[1] > 65535 || counts[2] > 65535)
      return error(TSR_STATUS_INTERNAL, "CUDA: ", describeDispatch(fn.name, index, dispatch),
                   ": a grid of ", counts[0], " x ", counts[1], " x ", counts[2],
                   " blocks exceeds CUDA's 2^31-1 x 65535 x 65535");
    Launch launch{index, {unsigned(counts[0]), unsigned(counts[1]), unsigned(counts[2])},
                  hostTable_.size(), 0};
    for (size_t b = 0; b < count(dispatch.bindings()); ++b) {
      const fb::Binding &binding = *dispatch.bindings()->Get(uoffset_t(b));
      const fb::Buffer &buffer = *buffers->Get(uoffset_t(binding.buffer()));
      CUdeviceptr base = 0;
      switch (buffer.kind()) {
      case fb::BufferKind::input:
        base = inputAddress[size_t(buffer.index())];
        break;
      case fb::BufferKind::output:
        base = outputAddress[size_t(buffer.index())];
        break;
      case fb::BufferKind::constant:
        base = segments_[size_t(buffer.index())];
        break;
      case fb::BufferKind::arena:
        base = arena_.get() ? arena_.get() + CUdeviceptr(buffer.offset()) : 0;
        break;
      }
      // 0 only for an empty tensor, which no kernel reads.
      hostTable_.push_back(base ? base + CUdeviceptr(binding.offset()) : 0);
    }
    launch.pushConstants = hostTable_.size();
    for (size_t p = 0; p < count(dispatch.push_constants()); ++p)
      hostTable_.push_back(uint64_t(scalars[dispatch.push_constants()->Get(uoffset_t(p))]));
    launches.push_back(launch);
  }
  size_t tableBytes = hostTable_.size() * sizeof(uint64_t);
  if (tableBytes > table_.size())
    TSR_RETURN_IF_ERROR(table_.allocate(d_, tableBytes, "the binding and push constant table"));

  // From here on work is enqueued: every failure waits for it first. The
  // messages are built only on failure (this is the per-token path).
  auto abandon = [&](CUresult result, const char *call, const std::string &context) {
    d_.cuStreamSynchronize(stream_);
    return failure(d_, result, call, where + ": " + context, TSR_STATUS_INTERNAL);
  };
  auto inputName = [&](size_t i) { return function.inputs()->Get(uoffset_t(i))->name()->str(); };
  auto outputName = [&](size_t o) {
    return function.outputs()->Get(uoffset_t(o))->name()->str();
  };
  for (size_t i = 0; i < numInputs; ++i)
    if (inputOffset[i] != SIZE_MAX)
      if (CUresult r = d_.cuMemcpyHtoDAsync(inputAddress[i], inputs[i].data,
                                            inputs[i].byte_size, stream_))
        return abandon(r, "cuMemcpyHtoDAsync_v2",
                       "copying input '" + inputName(i) + "' to the device");
  if (tableBytes)
    if (CUresult r = d_.cuMemcpyHtoDAsync(table_.get(), hostTable_.data(), tableBytes, stream_))
      return abandon(r, "cuMemcpyHtoDAsync_v2", "copying the binding table to the device");
  for (const Launch &launch : launches) {
    const fb::Dispatch &dispatch = *function.dispatches()->Get(uoffset_t(launch.dispatch));
    const auto *size = dispatch.workgroup_size(); // verified: 3 positive ints
    unsigned block[3] = {unsigned(size->Get(0)), unsigned(size->Get(1)), unsigned(size->Get(2))};
    CUdeviceptr bindingTable = table_.get() + launch.bindings * sizeof(uint64_t);
    CUdeviceptr pushTable = table_.get() + launch.pushConstants * sizeof(uint64_t);
    void *params[] = {&bindingTable, &pushTable};
    std::chrono::steady_clock::time_point start;
    if (session.profiling) {
      if (CUresult r = d_.cuStreamSynchronize(stream_))
        return abandon(r, "cuStreamSynchronize", "waiting before a profiled dispatch");
      start = std::chrono::steady_clock::now();
    }
    if (CUresult r = d_.cuLaunchKernel(kernels_[size_t(dispatch.kernel())], launch.grid[0],
                                       launch.grid[1], launch.grid[2], block[0], block[1],
                                       block[2], /*sharedMemBytes=*/0, stream_, params, nullptr))
      return abandon(
          r, "cuLaunchKernel",
          "launching " + describeDispatch(fn.name, launch.dispatch, dispatch).substr(where.size() + 1) +
              " (kernel '" + code_.fb.kernels->Get(uoffset_t(dispatch.kernel()))->str() +
              "', grid " + std::to_string(launch.grid[0]) + "x" + std::to_string(launch.grid[1]) +
              "x" + std::to_string(launch.grid[2]) + ", block " + std::to_string(block[0]) + "x" +
              std::to_string(block[1]) + "x" + std::to_string(block[2]) + ")");
    if (session.profiling) {
      if (CUresult r = d_.cuStreamSynchronize(stream_))
        return abandon(r, "cuStreamSynchronize",
                       "running " + describeDispatch(fn.name, launch.dispatch, dispatch)
                                        .substr(where.size() + 1));
      auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                    std::chrono::steady_clock::now() - start)
                    .count();
      recordProfile(session, fn, launch.dispatch, uint64_t(ns));
    }
  }
  for (size_t o = 0; o < numOutputs; ++o)
    if (outputOffset[o] != SIZE_MAX)
      if (CUresult r = d_.cuMemcpyDtoHAsync(outputs[o].data, outputAddress[o],
                                            outputs[o].byte_size, stream_))
        return abandon(r, "cuMemcpyDtoHAsync_v2",
                       "copying output '" + outputName(o) + "' from the device");
  // Errors of the kernels themselves (an illegal address) surface here; they
  // leave the device's context unusable, so the session can only be freed.
  if (CUresult r = d_.cuStreamSynchronize(stream_))
    return failure(d_, r, "cuStreamSynchronize", where + ": running its dispatches",
                   TSR_STATUS_INTERNAL);
  return nullptr;
}

} // namespace tessera::runtime::cuda
