//===- CudaDriver.h - the CUDA driver API, loaded at run time ---*- C++ -*-===//
//
// The runtime builds and loads without CUDA: no header or library of the
// CUDA toolkit is used at build time. The few driver types and functions the
// CUDA backend calls are declared here as the driver's public C ABI defines
// them (cuda.h), and resolved from libcuda.so.1 with dlopen/dlsym the first
// time a CUDA session is created. Where the driver exports versioned names
// (cuMemAlloc_v2, ...), those are the ones bound: the unversioned symbols
// keep the CUDA 3.x ABI (32-bit sizes).
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_RUNTIME_CUDADRIVER_H
#define TESSERA_RUNTIME_CUDADRIVER_H

#include "tessera/runtime.h"

#include <cstddef>
#include <cstdint>
#include <string>

namespace tessera::runtime::cuda {

// ---- The driver ABI (cuda.h) ----------------------------------------------
using CUresult = int;
using CUdevice = int;
using CUdeviceptr = unsigned long long; // 64-bit on every 64-bit platform
struct CUctx_st;
struct CUmod_st;
struct CUfunc_st;
struct CUstream_st;
using CUcontext = CUctx_st *;
using CUmodule = CUmod_st *;
using CUfunction = CUfunc_st *;
using CUstream = CUstream_st *;
using CUjit_option = int;
using CUdevice_attribute = int;

constexpr CUresult CUDA_SUCCESS = 0;
constexpr CUresult CUDA_ERROR_INVALID_VALUE = 1;
constexpr CUresult CUDA_ERROR_OUT_OF_MEMORY = 2;
constexpr CUresult CUDA_ERROR_INVALID_IMAGE = 200;
constexpr CUresult CUDA_ERROR_NO_BINARY_FOR_GPU = 209;
constexpr CUresult CUDA_ERROR_INVALID_PTX = 218;
constexpr CUresult CUDA_ERROR_UNSUPPORTED_PTX_VERSION = 222;
constexpr CUresult CUDA_ERROR_NOT_FOUND = 500;

constexpr CUjit_option CU_JIT_INFO_LOG_BUFFER = 3;
constexpr CUjit_option CU_JIT_INFO_LOG_BUFFER_SIZE_BYTES = 4;
constexpr CUjit_option CU_JIT_ERROR_LOG_BUFFER = 5;
constexpr CUjit_option CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES = 6;

constexpr CUdevice_attribute CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR = 75;
constexpr CUdevice_attribute CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR = 76;

constexpr unsigned CU_STREAM_NON_BLOCKING = 1;

/// The entry points the backend uses, bound from libcuda.so.1.
struct Driver {
  CUresult (*cuInit)(unsigned flags);
  CUresult (*cuGetErrorName)(CUresult error, const char **name);
  CUresult (*cuGetErrorString)(CUresult error, const char **text);
  CUresult (*cuDeviceGetCount)(int *count);
  CUresult (*cuDeviceGet)(CUdevice *device, int ordinal);
  CUresult (*cuDeviceGetName)(char *name, int length, CUdevice device);
  CUresult (*cuDeviceGetAttribute)(int *value, CUdevice_attribute attribute, CUdevice device);
  CUresult (*cuDevicePrimaryCtxRetain)(CUcontext *context, CUdevice device);
  CUresult (*cuDevicePrimaryCtxRelease)(CUdevice device); // cuDevicePrimaryCtxRelease_v2
  CUresult (*cuCtxPushCurrent)(CUcontext context);        // cuCtxPushCurrent_v2
  CUresult (*cuCtxPopCurrent)(CUcontext *context);        // cuCtxPopCurrent_v2
  CUresult (*cuModuleLoadDataEx)(CUmodule *module, const void *image, unsigned numOptions,
                                 CUjit_option *options, void **optionValues);
  CUresult (*cuModuleGetFunction)(CUfunction *function, CUmodule module, const char *name);
  CUresult (*cuModuleUnload)(CUmodule module);
  CUresult (*cuMemAlloc)(CUdeviceptr *pointer, size_t bytes);                  // _v2
  CUresult (*cuMemFree)(CUdeviceptr pointer);                                  // _v2
  CUresult (*cuMemcpyHtoDAsync)(CUdeviceptr destination, const void *source, size_t bytes,
                                CUstream stream);                              // _v2
  CUresult (*cuMemcpyDtoHAsync)(void *destination, CUdeviceptr source, size_t bytes,
                                CUstream stream);                              // _v2
  CUresult (*cuMemsetD8Async)(CUdeviceptr destination, unsigned char value, size_t count,
                              CUstream stream);
  CUresult (*cuStreamCreate)(CUstream *stream, unsigned flags);
  CUresult (*cuStreamSynchronize)(CUstream stream);
  CUresult (*cuStreamDestroy)(CUstream stream); // cuStreamDestroy_v2
  CUresult (*cuLaunchKernel)(CUfunction function, unsigned gridX, unsigned gridY,
                             unsigned gridZ, unsigned blockX, unsigned blockY, unsigned blockZ,
                             unsigned sharedMemBytes, CUstream stream, void **kernelParams,
                             void **extra);
};

/// The driver, loaded and initialized (cuInit(0)) once per process; later
/// calls return the first call's outcome. Errors (TSR_STATUS_UNAVAILABLE)
/// say which step failed: libcuda.so.1 missing, a symbol missing, cuInit.
tsr_status_t getDriver(const Driver **out);

/// "CUDA_ERROR_NO_DEVICE (100: no CUDA-capable device is detected)".
std::string describe(const Driver &driver, CUresult result);

/// The status for `result` from `call` ("cuMemAlloc_v2"), with `context`
/// (what was being done) in the message: "CUDA: <context>: <call> failed:
/// <describe(result)>". The code follows the result: out of memory is
/// RESOURCE_EXHAUSTED, anything else `code`.
tsr_status_t failure(const Driver &driver, CUresult result, const char *call,
                     const std::string &context, tsr_status_code_t code);

} // namespace tessera::runtime::cuda

#endif // TESSERA_RUNTIME_CUDADRIVER_H
