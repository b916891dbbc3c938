//===- CudaTest.cpp - CUDA modules without a GPU --------------------------===//
//
// What can be checked on a machine without the NVIDIA driver (CI): the
// verifier's checks of a CUDA module's fields, the device choice of the C
// API (a module runs only on its own kind of device, and the refusal names
// its target), and a CUDA session failing cleanly, with the reason, when
// libcuda.so.1 is missing. The driver path itself is covered by
// CudaFakeDriverTest.cpp, against a stand-in libcuda.so.1.
//
//===----------------------------------------------------------------------===//

#include "TestModules.h"

#include "tessera/module_generated.h"

#include "gtest/gtest.h"

#include <dlfcn.h>
#include <functional>

namespace tessera::test {
namespace {

namespace fb = tessera::module::fb;

std::vector<char> writeBytes(const module::ModuleDesc &desc) {
  return readFile(writeTestModule(desc, "module.tsr"));
}

/// The CUDA test module after `edit` changed its description.
std::vector<char> cudaModuleWith(const std::function<void(TestModule &)> &edit) {
  auto test = makeCudaTestModule();
  edit(*test);
  return writeBytes(test->desc);
}

/// The CUDA test module's bytes after `mutate` edited its FlatBuffer.
std::vector<char> mutatedCudaModule(const std::function<void(fb::Module &)> &mutate) {
  auto test = makeCudaTestModule();
  std::vector<char> bytes = writeBytes(test->desc);
  mutate(*fb::GetMutableSizePrefixedModule(bytes.data()));
  return bytes;
}

void setWorkgroupSize(TestModule &test, std::vector<int32_t> size) {
  test.desc.functions[kAddFunction].dispatches[0].workgroupSize = std::move(size);
}

bool driverPresent() {
  void *library = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!library)
    return false;
  dlclose(library);
  return true;
}

TEST(CudaModule, LoadsAndSaysItIsForCuda) {
  auto test = makeCudaTestModule("sm_90");
  ModulePtr module;
  Status status = loadFromMemory(writeBytes(test->desc), module);
  ASSERT_EQ(status.code, TSR_STATUS_OK) << status.message;
  tsr_module_info_t info;
  ASSERT_EQ(take(tsr_module_info(module.get(), &info)).code, TSR_STATUS_OK);
  EXPECT_STREQ(info.target, "cuda:sm_90");
  tsr_device_kind_t kind = TSR_DEVICE_CPU;
  ASSERT_EQ(take(tsr_module_device_kind(module.get(), &kind)).code, TSR_STATUS_OK);
  EXPECT_EQ(kind, TSR_DEVICE_CUDA);

  auto cpu = makeTestModule();
  ModulePtr cpuModule;
  ASSERT_EQ(loadFromMemory(writeBytes(cpu->desc), cpuModule).code, TSR_STATUS_OK);
  ASSERT_EQ(take(tsr_module_device_kind(cpuModule.get(), &kind)).code, TSR_STATUS_OK);
  EXPECT_EQ(kind, TSR_DEVICE_CPU);
  EXPECT_EQ(take(tsr_module_device_kind(nullptr, &kind)).code, TSR_STATUS_INVALID_ARGUMENT);
}

TEST(CudaModule, RejectsABadPtxSegment) {
  expectRejected(mutatedCudaModule([](fb::Module &m) { m.mutate_cuda_ptx(99); }),
                 "the PTX is segment 99, but the module has 3 segments");
  expectRejected(mutatedCudaModule([](fb::Module &m) { m.mutate_cuda_ptx(-2); }),
                 "the PTX is segment -2");
  expectRejected(mutatedCudaModule([](fb::Module &m) { m.mutate_cuda_ptx(0); }),
                 "the PTX is segment 0, which holds the kernel object");
  // The weight segment (1) ends in a float, not a NUL.
  expectRejected(mutatedCudaModule([](fb::Module &m) { m.mutate_cuda_ptx(1); }),
                 "is not NUL-terminated text");
  expectRejected(cudaModuleWith([](TestModule &t) {
                   t.ptx.back() = '\n';
                   t.desc.cudaPtx = t.ptx;
                 }),
                 "the PTX (segment 2, ");
  // A constant buffer may not alias the PTX.
  expectRejected(mutatedCudaModule([](fb::Module &m) {
                   m.mutable_functions()
                       ->GetMutableObject(kAffineFunction)
                       ->mutable_buffers()
                       ->GetMutableObject(1)
                       ->mutate_index(2);
                 }),
                 "is a constant in segment 2, which holds the PTX");
}

TEST(CudaModule, RejectsABadArchOrTarget) {
  expectRejected(cudaModuleWith([](TestModule &t) { t.desc.cudaArch = "compute_80"; }),
                 "the CUDA arch is 'compute_80', expected sm_<number>");
  expectRejected(cudaModuleWith([](TestModule &t) { t.desc.cudaArch = "sm_"; }),
                 "the CUDA arch is 'sm_'");
  expectRejected(cudaModuleWith([](TestModule &t) { t.desc.target = "x86_64-cpu:test:"; }),
                 "the module holds PTX for sm_80, but its target is 'x86_64-cpu:test:'");
}

TEST(CudaModule, RejectsBadWorkgroupSizes) {
  expectRejected(cudaModuleWith([](TestModule &t) { setWorkgroupSize(t, {}); }),
                 "function 'add': dispatch 0 ('add') has 0 workgroup sizes, not 3");
  expectRejected(cudaModuleWith([](TestModule &t) { setWorkgroupSize(t, {64, 1}); }),
                 "has 2 workgroup sizes, not 3 (threads per block x, y, z)");
  expectRejected(cudaModuleWith([](TestModule &t) { setWorkgroupSize(t, {64, 1, 1, 1}); }),
                 "has 4 workgroup sizes");
  expectRejected(cudaModuleWith([](TestModule &t) { setWorkgroupSize(t, {64, 0, 1}); }),
                 "workgroup size y is 0; threads per block are positive");
  expectRejected(cudaModuleWith([](TestModule &t) { setWorkgroupSize(t, {64, 1, -4}); }),
                 "workgroup size z is -4");
  expectRejected(cudaModuleWith([](TestModule &t) { setWorkgroupSize(t, {64, 32, 1}); }),
                 "has 64 x 32 x 1 threads per block, more than the 1024 CUDA allows");
}

TEST(CudaModule, ACpuModuleHasNoCudaFields) {
  auto withSize = makeTestModule();
  withSize->desc.functions[kAffineFunction].dispatches[1].workgroupSize = {64, 1, 1};
  expectRejected(writeBytes(withSize->desc),
                 "function 'affine': dispatch 1 ('double_rows') has a workgroup size, but the "
                 "module has no PTX (a CPU module)");
  auto cudaTarget = makeTestModule();
  cudaTarget->desc.target = "cuda:sm_80";
  expectRejected(writeBytes(cudaTarget->desc),
                 "the target is 'cuda:sm_80', but the module has no PTX (cuda_ptx -1)");
  // An arch without PTX: the writer stores no arch then, so set it by hand.
  auto cuda = makeCudaTestModule();
  std::vector<char> bytes = writeBytes(cuda->desc);
  fb::Module &root = *fb::GetMutableSizePrefixedModule(bytes.data());
  root.mutate_cuda_ptx(-1);
  root.mutable_target()->Mutate(0, 'x'); // "xuda:sm_80": not a CUDA target
  expectRejected(bytes, "the module has no PTX (cuda_ptx -1) but names the CUDA arch 'sm_80'");
}

TEST(CudaSession, SessionOptionsDefaultToTheCpu) {
  tsr_session_options_t options;
  std::memset(&options, 0x5a, sizeof(options));
  tsr_session_options_init(&options);
  EXPECT_EQ(options.device, TSR_DEVICE_CPU);
  EXPECT_EQ(options.device_index, 0u);
  EXPECT_EQ(options.num_threads, 0u);
  tsr_session_options_init(nullptr); // ignored

  auto test = makeTestModule();
  ModulePtr module;
  ASSERT_EQ(loadFromMemory(writeBytes(test->desc), module).code, TSR_STATUS_OK);
  options.num_threads = 2;
  tsr_session_t *raw = nullptr;
  Status status = take(tsr_session_create_with_options(module.get(), &options, &raw));
  SessionPtr session(raw);
  ASSERT_EQ(status.code, TSR_STATUS_OK) << status.message;
  tsr_device_kind_t kind = TSR_DEVICE_CUDA;
  const char *description = nullptr;
  ASSERT_EQ(take(tsr_session_device(session.get(), &kind, &description)).code, TSR_STATUS_OK);
  EXPECT_EQ(kind, TSR_DEVICE_CPU);
  EXPECT_STREQ(description, "cpu (2 threads)");
  std::vector<float> sum;
  EXPECT_EQ(runAdd(session.get(), 8, 1.0f, sum).code, TSR_STATUS_OK);
  EXPECT_EQ(sum[7], 8.0f);

  EXPECT_EQ(take(tsr_session_create_with_options(module.get(), nullptr, &raw)).code,
            TSR_STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(take(tsr_session_device(nullptr, &kind, nullptr)).code, TSR_STATUS_INVALID_ARGUMENT);
  options.device = tsr_device_kind_t(7);
  Status unknown = take(tsr_session_create_with_options(module.get(), &options, &raw));
  EXPECT_EQ(unknown.code, TSR_STATUS_INVALID_ARGUMENT);
  EXPECT_NE(unknown.message.find("unknown device 7"), std::string::npos) << unknown.message;
}

TEST(CudaSession, AModuleRunsOnlyOnItsOwnDevice) {
  auto cuda = makeCudaTestModule("sm_90");
  ModulePtr cudaModule;
  ASSERT_EQ(loadFromMemory(writeBytes(cuda->desc), cudaModule).code, TSR_STATUS_OK);
  tsr_session_t *raw = nullptr;
  Status onCpu = take(tsr_session_create(cudaModule.get(), 1, &raw));
  EXPECT_EQ(onCpu.code, TSR_STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(raw, nullptr);
  EXPECT_EQ(onCpu.message,
            "the module's target is 'cuda:sm_90', a CUDA module, so it cannot run on the CPU "
            "device: create the session on TSR_DEVICE_CUDA or compile the model for the CPU");

  auto cpu = makeTestModule();
  ModulePtr cpuModule;
  ASSERT_EQ(loadFromMemory(writeBytes(cpu->desc), cpuModule).code, TSR_STATUS_OK);
  tsr_session_options_t options = cudaSessionOptions();
  Status onCuda = take(tsr_session_create_with_options(cpuModule.get(), &options, &raw));
  EXPECT_EQ(onCuda.code, TSR_STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(raw, nullptr);
  EXPECT_EQ(onCuda.message,
            "the module's target is 'x86_64-cpu:test:', a CPU module, so it cannot run on the "
            "CUDA device: create the session on TSR_DEVICE_CPU or compile the model for a "
            "cuda:<arch> target (alone or with cpu: --target=cpu,cuda:<arch>)");
}

TEST(CudaSession, WithoutTheDriverCreationFailsSayingSo) {
  if (driverPresent())
    GTEST_SKIP() << "libcuda.so.1 is installed here: the no-driver path cannot be seen";
  auto test = makeCudaTestModule();
  ModulePtr module;
  ASSERT_EQ(loadFromMemory(writeBytes(test->desc), module).code, TSR_STATUS_OK);
  tsr_session_options_t options = cudaSessionOptions();
  for (int attempt = 0; attempt < 2; ++attempt) { // the second sees the remembered outcome
    tsr_session_t *raw = nullptr;
    Status status = take(tsr_session_create_with_options(module.get(), &options, &raw));
    EXPECT_EQ(status.code, TSR_STATUS_UNAVAILABLE);
    EXPECT_EQ(raw, nullptr);
    EXPECT_EQ(status.message.rfind("CUDA: libcuda.so.1 not found (dlopen: libcuda.so.1: ", 0), 0u)
        << status.message;
    EXPECT_NE(status.message.find("): no NVIDIA driver on this machine"), std::string::npos)
        << status.message;
  }
  EXPECT_STREQ(tsr_status_code_name(TSR_STATUS_UNAVAILABLE), "UNAVAILABLE");
}

} // namespace
} // namespace tessera::test
