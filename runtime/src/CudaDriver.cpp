//===- CudaDriver.cpp - loading libcuda.so.1 ------------------------------===//
//
// The library stays loaded for the life of the process once found (the
// driver does not support being unloaded); a failed load is remembered, so
// every later CUDA session gets the same message without retrying.
//
//===----------------------------------------------------------------------===//

#include "CudaDriver.h"

#include "Status.h"

#include <dlfcn.h>
#include <initializer_list>

namespace tessera::runtime::cuda {
namespace {

struct LoadedDriver {
  Driver driver{};
  bool ok = false;
  std::string error; // when !ok
};

/// Binds `slot` to the first of `names` the library exports; false (with
/// `missing` set) when it exports none.
template <typename Fn>
bool bind(void *library, Fn &slot, std::initializer_list<const char *> names,
          std::string &missing) {
  for (const char *name : names)
    if (void *address = dlsym(library, name)) {
      slot = reinterpret_cast<Fn>(address);
      return true;
    }
  missing = *names.begin();
  return false;
}

LoadedDriver load() {
  LoadedDriver out;
  dlerror();
  void *library = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!library) {
    const char *why = dlerror();
    out.error = std::string("CUDA: libcuda.so.1 not found (dlopen: ") +
                (why ? why : "unknown error") + "): no NVIDIA driver on this machine";
    return out;
  }
  Driver &d = out.driver;
  std::string missing;
  bool bound = bind(library, d.cuInit, {"cuInit"}, missing) &&
               bind(library, d.cuGetErrorName, {"cuGetErrorName"}, missing) &&
               bind(library, d.cuGetErrorString, {"cuGetErrorString"}, missing) &&
               bind(library, d.cuDeviceGetCount, {"cuDeviceGetCount"}, missing) &&
               bind(library, d.cuDeviceGet, {"cuDeviceGet"}, missing) &&
               bind(library, d.cuDeviceGetName, {"cuDeviceGetName"}, missing) &&
               bind(library, d.cuDeviceGetAttribute, {"cuDeviceGetAttribute"}, missing) &&
               bind(library, d.cuDevicePrimaryCtxRetain, {"cuDevicePrimaryCtxRetain"},
                    missing) &&
               bind(library, d.cuDevicePrimaryCtxRelease,
                    {"cuDevicePrimaryCtxRelease_v2", "cuDevicePrimaryCtxRelease"}, missing) &&
               bind(library, d.cuCtxPushCurrent, {"cuCtxPushCurrent_v2"}, missing) &&
               bind(library, d.cuCtxPopCurrent, {"cuCtxPopCurrent_v2"}, missing) &&
               bind(library, d.cuModuleLoadDataEx, {"cuModuleLoadDataEx"}, missing) &&
               bind(library, d.cuModuleGetFunction, {"cuModuleGetFunction"}, missing) &&
               bind(library, d.cuModuleUnload, {"cuModuleUnload"}, missing) &&
               bind(library, d.cuMemAlloc, {"cuMemAlloc_v2"}, missing) &&
               bind(library, d.cuMemFree, {"cuMemFree_v2"}, missing) &&
               bind(library, d.cuMemcpyHtoDAsync, {"cuMemcpyHtoDAsync_v2"}, missing) &&
               bind(library, d.cuMemcpyDtoHAsync, {"cuMemcpyDtoHAsync_v2"}, missing) &&
               bind(library, d.cuMemsetD8Async, {"cuMemsetD8Async"}, missing) &&
               bind(library, d.cuStreamCreate, {"cuStreamCreate"}, missing) &&
               bind(library, d.cuStreamSynchronize, {"cuStreamSynchronize"}, missing) &&
               bind(library, d.cuStreamDestroy, {"cuStreamDestroy_v2"}, missing) &&
               bind(library, d.cuLaunchKernel, {"cuLaunchKernel"}, missing);
  if (!bound) {
    out.error = "CUDA: libcuda.so.1 does not export " + missing +
                ": the NVIDIA driver is too old (the runtime needs CUDA 11 or newer)";
    return out; // the library stays loaded: unloading a driver is not safe
  }
  if (CUresult result = d.cuInit(0)) {
    out.error = "CUDA: cuInit failed: " + describe(d, result);
    return out;
  }
  out.ok = true;
  return out;
}

} // namespace

tsr_status_t getDriver(const Driver **out) {
  static const LoadedDriver loaded = load(); // thread-safe, once per process
  if (!loaded.ok)
    return makeStatus(TSR_STATUS_UNAVAILABLE, loaded.error);
  *out = &loaded.driver;
  return nullptr;
}

std::string describe(const Driver &driver, CUresult result) {
  const char *name = nullptr, *text = nullptr;
  if (driver.cuGetErrorName(result, &name) != CUDA_SUCCESS || !name)
    name = "CUDA error";
  if (driver.cuGetErrorString(result, &text) != CUDA_SUCCESS || !text)
    text = "no description";
  return std::string(name) + " (" + std::to_string(result) + ": " + text + ")";
}

tsr_status_t failure(const Driver &driver, CUresult result, const char *call,
                     const std::string &context, tsr_status_code_t code) {
  if (result == CUDA_ERROR_OUT_OF_MEMORY)
    code = TSR_STATUS_RESOURCE_EXHAUSTED;
  return error(code, "CUDA: ", context, ": ", call, " failed: ", describe(driver, result));
}

} // namespace tessera::runtime::cuda
