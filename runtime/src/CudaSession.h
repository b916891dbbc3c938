//===- CudaSession.h - a session's CUDA device state ------------*- C++ -*-===//
//
// What a CUDA session owns on its GPU: the retained primary context, one
// stream, the module's PTX loaded there and its kernels, the weights (each
// constant segment a function reads, uploaded once per session: the module
// is immutable and may serve sessions on several devices), the arena, the
// input/output staging buffer, the per-run table of binding addresses and
// push constants, and the state (KV cache) buffers. Everything is released
// in the destructor with the context pushed; creation cleans up after
// itself on every failure (the destructor handles a partial session).
//
// Kernel launch ABI (the compiler generates to it): every PTX .entry takes
// two .param .u64, a device pointer to the dispatch's binding addresses
// (buffer + Binding.offset, in order) and a device pointer to its int64
// push constants; the grid is the workgroup count, the block the
// workgroup size; dynamic shared memory is 0.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_RUNTIME_CUDASESSION_H
#define TESSERA_RUNTIME_CUDASESSION_H

#include "CudaDriver.h"
#include "Module.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

struct tsr_session_s;

namespace tessera::runtime::cuda {

/// Device memory from cuMemAlloc; freed by reset() or the destructor, both
/// of which need the owning context current (CudaSession sees to it).
class DeviceBuffer {
public:
  DeviceBuffer() = default;
  DeviceBuffer(const DeviceBuffer &) = delete;
  DeviceBuffer &operator=(const DeviceBuffer &) = delete;
  DeviceBuffer(DeviceBuffer &&other) noexcept
      : driver_(other.driver_), pointer_(other.pointer_), size_(other.size_) {
    other.pointer_ = 0;
    other.size_ = 0;
  }
  DeviceBuffer &operator=(DeviceBuffer &&) = delete;
  ~DeviceBuffer() { reset(); }

  /// Replaces the buffer with `bytes` (> 0) new bytes; `what` names it in
  /// the error.
  tsr_status_t allocate(const Driver &driver, size_t bytes, const std::string &what);
  void reset();
  /// Drops the buffer without freeing it (when its context cannot be made
  /// current, freeing would act on another context).
  void forget();
  CUdeviceptr get() const { return pointer_; }
  size_t size() const { return size_; }

private:
  const Driver *driver_ = nullptr;
  CUdeviceptr pointer_ = 0;
  size_t size_ = 0;
};

/// Which inputs and outputs of a run are already device addresses (the
/// session's state buffers) rather than host memory to copy. Empty: none.
struct DeviceResident {
  std::vector<bool> inputs, outputs;
};

class CudaSession {
public:
  /// Everything, or nothing and the reason: no driver, no device
  /// `deviceIndex`, a device older than the module's arch, PTX that does
  /// not compile (with the JIT log), a kernel the PTX lacks, no memory.
  /// `code`: the module's CUDA code, which the session runs.
  static tsr_status_t create(const tsr_module_s &module, const LoadedCode &code,
                             uint32_t deviceIndex, std::unique_ptr<CudaSession> &out);
  CudaSession(const CudaSession &) = delete;
  CudaSession &operator=(const CudaSession &) = delete;
  ~CudaSession();

  /// "CUDA device 0 (NVIDIA H200, sm_90)".
  const std::string &description() const { return description_; }

  /// Runs `fn` (shapes already resolved into session.scalars): inputs to
  /// the device, every dispatch in order, outputs back, then waits.
  tsr_status_t run(tsr_session_s &session, const LoadedFunction &fn, const tsr_input_t *inputs,
                   tsr_output_t *outputs, const DeviceResident &resident);

  /// Makes both device buffers of state `state` hold at least `bytes`;
  /// `*grew` says whether they were (re)allocated. out[0..1] receive their
  /// addresses.
  tsr_status_t reserveState(size_t state, size_t bytes, const std::string &name, bool *grew,
                            void *out[2]);

private:
  CudaSession(const Driver &driver, const LoadedCode &code) : d_(driver), code_(code) {}
  tsr_status_t initialize(const tsr_module_s &module, uint32_t deviceIndex);
  tsr_status_t loadPtx(const tsr_module_s &module);
  tsr_status_t uploadWeights(const tsr_module_s &module);
  tsr_status_t check(CUresult result, const char *call, const std::string &context,
                     tsr_status_code_t code = TSR_STATUS_INTERNAL) const;

  const Driver &d_;
  const LoadedCode &code_;
  CUdevice device_ = 0;
  CUcontext context_ = nullptr; // the device's primary context, retained
  CUstream stream_ = nullptr;
  CUmodule ptx_ = nullptr;
  std::vector<CUfunction> kernels_; // one per kernel of the CUDA code
  DeviceBuffer weights_;            // every constant segment read, 256-byte aligned
  std::vector<CUdeviceptr> segments_; // device address of each segment (0: not uploaded)
  DeviceBuffer arena_, io_, table_;
  std::vector<DeviceBuffer> states_[2]; // per module state, two buffers
  std::vector<uint64_t> hostTable_;     // this run's bindings, then push constants
  std::string description_;
};

} // namespace tessera::runtime::cuda

#endif // TESSERA_RUNTIME_CUDASESSION_H
