//===- CudaFakeDriverTest.cpp - the CUDA backend against a fake driver ----===//
//
// Runs with fixtures/fake_libcuda.cpp as libcuda.so.1 (ctest puts it on
// LD_LIBRARY_PATH): device memory is host memory and a launch runs the CPU
// fixture kernel per block, so the whole CUDA session path (context, PTX
// load, weights, arena, staging, binding tables, launches, copies, states,
// profiling, error paths and cleanup) runs and must give the CPU's results;
// so does a module with both targets' code.
// On a machine with the real driver these tests skip.
//
//===----------------------------------------------------------------------===//

#include "TestModules.h"

#include "gtest/gtest.h"

#include <cstdlib>
#include <dlfcn.h>

namespace tessera::test {
namespace {

/// The fake's counter of live objects ("allocations", "contexts",
/// "streams", "modules", "depth", "launches"); -1 without the fake.
int live(const char *what) {
  static auto *query = reinterpret_cast<int (*)(const char *)>([] {
    void *library = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
    return library ? dlsym(library, "tsr_fake_cuda_live") : nullptr;
  }());
  return query ? query(what) : -1;
}

void expectNothingLive() {
  EXPECT_EQ(live("allocations"), 0);
  EXPECT_EQ(live("contexts"), 0);
  EXPECT_EQ(live("streams"), 0);
  EXPECT_EQ(live("modules"), 0);
  EXPECT_EQ(live("depth"), 0);
}

class CudaFakeDriver : public ::testing::Test {
protected:
  void SetUp() override {
    if (live("allocations") < 0)
      GTEST_SKIP() << "libcuda.so.1 is not the test's fake driver";
    if (std::getenv("TSR_FAKE_CUDA_INIT_ERROR"))
      GTEST_SKIP() << "the fake driver is set to fail cuInit";
  }
  void TearDown() override {
    unsetenv("TSR_FAKE_CUDA_FAIL");
    if (!IsSkipped())
      expectNothingLive();
  }

  Status load(const TestModule &test, ModulePtr &module) {
    return loadFromMemory(readFile(writeTestModule(test.desc, "cuda.tsr")), module);
  }

  Status create(const tsr_module_t *module, SessionPtr &session, uint32_t index = 0) {
    tsr_session_options_t options = cudaSessionOptions(index);
    tsr_session_t *raw = nullptr;
    Status status = take(tsr_session_create_with_options(module, &options, &raw));
    session.reset(raw);
    return status;
  }
};

/// Runs "affine" on rows x 16 inputs x[r][c] = r - c / 4.
Status runAffine(tsr_session_t *session, int64_t rows, std::vector<float> &y) {
  std::vector<float> x(size_t(rows * kAffineCols));
  for (int64_t i = 0; i < rows * kAffineCols; ++i)
    x[size_t(i)] = float(i / kAffineCols) - float(i % kAffineCols) / 4;
  y.assign(x.size(), -1);
  int64_t dims[2] = {rows, kAffineCols}, outDims[2] = {0, 0};
  tsr_input_t input = {TSR_DTYPE_F32, 2, dims, x.data(), x.size() * 4};
  tsr_output_t output = {y.data(), y.size() * 4, 2, outDims, 0};
  return take(tsr_session_run(session, kAffineFunction, &input, 1, &output, 1));
}

/// The profile of the affine function's second dispatch after `runs` runs:
/// "double_rows", called once per run, of the function's two dispatches.
void expectDoubleRowsProfile(tsr_session_t *session, uint64_t runs) {
  const char *name = nullptr;
  uint64_t ns = 0, calls = 0;
  size_t dispatches = 0;
  ASSERT_EQ(take(tsr_session_dispatch_profile(session, kAffineFunction, 1, &name, &ns, &calls,
                                              &dispatches))
                .code,
            TSR_STATUS_OK);
  EXPECT_STREQ(name, "double_rows");
  EXPECT_EQ(calls, runs);
  EXPECT_EQ(dispatches, 2u);
}

TEST_F(CudaFakeDriver, RunsLikeTheCpu) {
  auto test = makeCudaTestModule();
  ModulePtr module;
  ASSERT_EQ(load(*test, module).code, TSR_STATUS_OK);
  SessionPtr session;
  Status created = create(module.get(), session);
  ASSERT_EQ(created.code, TSR_STATUS_OK) << created.message;
  EXPECT_EQ(live("contexts"), 1);
  EXPECT_EQ(live("depth"), 0); // the context is pushed only inside calls
  tsr_device_kind_t kind = TSR_DEVICE_CPU;
  const char *description = nullptr;
  ASSERT_EQ(take(tsr_session_device(session.get(), &kind, &description)).code, TSR_STATUS_OK);
  EXPECT_EQ(kind, TSR_DEVICE_CUDA);
  EXPECT_STREQ(description, "CUDA device 0 (Tessera fake GPU, sm_80)");
  uint32_t threads = 0;
  ASSERT_EQ(take(tsr_session_thread_count(session.get(), &threads)).code, TSR_STATUS_OK);
  EXPECT_EQ(threads, 1u);

  auto cpuTest = makeTestModule();
  ModulePtr cpuModule;
  ASSERT_EQ(loadFromMemory(readFile(writeTestModule(cpuTest->desc, "cpu.tsr")), cpuModule).code,
            TSR_STATUS_OK);
  tsr_session_t *rawCpu = nullptr;
  ASSERT_EQ(take(tsr_session_create(cpuModule.get(), 1, &rawCpu)).code, TSR_STATUS_OK);
  SessionPtr cpu(rawCpu);

  for (int64_t n : {int64_t(8), int64_t(0), kAddMax, int64_t(68)}) {
    std::vector<float> onCuda, onCpu;
    Status status = runAdd(session.get(), n, 0.25f, onCuda);
    ASSERT_EQ(status.code, TSR_STATUS_OK) << "n = " << n << ": " << status.message;
    ASSERT_EQ(runAdd(cpu.get(), n, 0.25f, onCpu).code, TSR_STATUS_OK);
    EXPECT_EQ(onCuda, onCpu) << "n = " << n;
  }
  // Weights, the arena and grids over y and z.
  for (int64_t rows : {int64_t(1), kAffineMaxRows, int64_t(3)}) {
    std::vector<float> onCuda, onCpu;
    Status status = runAffine(session.get(), rows, onCuda);
    ASSERT_EQ(status.code, TSR_STATUS_OK) << status.message;
    ASSERT_EQ(runAffine(cpu.get(), rows, onCpu).code, TSR_STATUS_OK);
    EXPECT_EQ(onCuda, onCpu) << "rows = " << rows;
    EXPECT_EQ(onCuda[1], 2 * (-0.25f + affineBias(1)));
  }
  // Host-side checks still come first.
  std::vector<float> sum;
  Status check = runAdd(session.get(), 6, 0, sum);
  EXPECT_EQ(check.code, TSR_STATUS_FAILED_PRECONDITION) << check.message;
  EXPECT_NE(check.message.find(kAddCheck), std::string::npos) << check.message;
  EXPECT_EQ(live("depth"), 0);
}

TEST_F(CudaFakeDriver, ADualTargetModuleRunsEachDevicesOwnCode) {
  // The CPU's "add" computes a - b; the CUDA code's kernels are the fake's
  // (a + b): each session shows which code it ran.
  auto dual = makeDualTestModule(/*subtractOnCpu=*/true);
  ModulePtr module;
  ASSERT_EQ(loadFromMemory(readFile(writeTestModule(dual->desc, "dual.tsr")), module).code,
            TSR_STATUS_OK);
  SessionPtr onCuda;
  Status created = create(module.get(), onCuda);
  ASSERT_EQ(created.code, TSR_STATUS_OK) << created.message;
  tsr_session_t *raw = nullptr;
  ASSERT_EQ(take(tsr_session_create(module.get(), 1, &raw)).code, TSR_STATUS_OK);
  SessionPtr onCpu(raw);

  int launches = live("launches");
  std::vector<float> gpuSum, cpuSum;
  ASSERT_EQ(runAdd(onCuda.get(), 8, 0.25f, gpuSum).code, TSR_STATUS_OK);
  EXPECT_GT(live("launches"), launches);
  launches = live("launches");
  ASSERT_EQ(runAdd(onCpu.get(), 8, 0.25f, cpuSum).code, TSR_STATUS_OK);
  EXPECT_EQ(live("launches"), launches) << "the CPU session launched on the device";
  for (size_t i = 0; i < 8; ++i) {
    EXPECT_EQ(gpuSum[i], float(i) + 0.25f) << i;
    EXPECT_EQ(cpuSum[i], float(i) - 0.25f) << i;
  }
  // Both read the one weight: the same bias on either device.
  for (int64_t rows : {int64_t(1), kAffineMaxRows}) {
    std::vector<float> y, yCpu;
    Status status = runAffine(onCuda.get(), rows, y);
    ASSERT_EQ(status.code, TSR_STATUS_OK) << status.message;
    ASSERT_EQ(runAffine(onCpu.get(), rows, yCpu).code, TSR_STATUS_OK);
    EXPECT_EQ(y, yCpu) << "rows = " << rows;
  }
  // The CUDA session profiles the CUDA code's dispatches.
  ASSERT_EQ(take(tsr_session_set_profiling(onCuda.get(), 1)).code, TSR_STATUS_OK);
  std::vector<float> y;
  ASSERT_EQ(runAffine(onCuda.get(), 2, y).code, TSR_STATUS_OK);
  expectDoubleRowsProfile(onCuda.get(), 1);
}

TEST_F(CudaFakeDriver, ProfilesEachDispatch) {
  auto test = makeCudaTestModule();
  ModulePtr module;
  ASSERT_EQ(load(*test, module).code, TSR_STATUS_OK);
  SessionPtr session;
  ASSERT_EQ(create(module.get(), session).code, TSR_STATUS_OK);
  ASSERT_EQ(take(tsr_session_set_profiling(session.get(), 1)).code, TSR_STATUS_OK);
  std::vector<float> y;
  ASSERT_EQ(runAffine(session.get(), 2, y).code, TSR_STATUS_OK);
  ASSERT_EQ(runAffine(session.get(), 2, y).code, TSR_STATUS_OK);
  expectDoubleRowsProfile(session.get(), 2);
}

TEST_F(CudaFakeDriver, KeepsStatesOnTheDevice) {
  auto test = makeCudaTestModule();
  addAccumulatorFunctions(test->desc);
  ModulePtr module;
  ASSERT_EQ(load(*test, module).code, TSR_STATUS_OK);
  SessionPtr session;
  ASSERT_EQ(create(module.get(), session).code, TSR_STATUS_OK);

  auto run = [&](size_t function, int64_t n, float value, std::vector<float> *out) {
    size_t count = static_cast<size_t>(n);
    std::vector<float> a(count), b(count, value), result(count, -1);
    for (int64_t i = 0; i < n; ++i)
      a[size_t(i)] = float(i);
    int64_t dims[1] = {n}, outDims[1] = {0};
    tsr_input_t inputs[2] = {{TSR_DTYPE_F32, 1, dims, a.data(), a.size() * 4},
                             {TSR_DTYPE_F32, 1, dims, b.data(), b.size() * 4}};
    tsr_output_t output = {result.data(), result.size() * 4, 1, outDims, 0};
    bool first = function == 2, last = function == 4;
    Status status = take(tsr_session_run_with_state(session.get(), function,
                                                    first ? inputs : inputs + 1, first ? 2 : 1,
                                                    &output, last ? 1 : 0));
    if (out)
      *out = result;
    return status;
  };
  ASSERT_EQ(run(2, 8, 1, nullptr).code, TSR_STATUS_OK); // acc[i] = i + 1
  for (int k = 0; k < 3; ++k)
    ASSERT_EQ(run(3, 8, 2, nullptr).code, TSR_STATUS_OK); // acc[i] = i + 7
  std::vector<float> sum;
  Status peeked = run(4, 8, 0.5f, &sum);
  ASSERT_EQ(peeked.code, TSR_STATUS_OK) << peeked.message;
  for (size_t i = 0; i < sum.size(); ++i)
    EXPECT_EQ(sum[i], float(i) + 7.5f) << "element " << i;
  int64_t length = 0;
  ASSERT_EQ(take(tsr_session_state_length(session.get(), &length)).code, TSR_STATUS_OK);
  EXPECT_EQ(length, 8);
}

TEST_F(CudaFakeDriver, NamesWhatTheDeviceCannotDo) {
  SessionPtr session;
  auto newer = makeCudaTestModule("sm_90");
  ModulePtr module;
  ASSERT_EQ(load(*newer, module).code, TSR_STATUS_OK);
  Status arch = create(module.get(), session);
  EXPECT_EQ(arch.code, TSR_STATUS_UNSUPPORTED);
  EXPECT_EQ(arch.message, "CUDA: the module is compiled for sm_90, which CUDA device 0 (Tessera "
                          "fake GPU, sm_80) cannot run: recompile it for sm_80");

  auto test = makeCudaTestModule();
  ASSERT_EQ(load(*test, module).code, TSR_STATUS_OK);
  Status index = create(module.get(), session, 3);
  EXPECT_EQ(index.code, TSR_STATUS_UNAVAILABLE);
  EXPECT_EQ(index.message, "CUDA: there is no device 3: this machine has 1 CUDA device (0 to 0)");

  auto broken = makeCudaTestModule();
  std::string ptx(broken->ptx.data());
  ptx += "// FAKE_JIT_FAILURE\n";
  broken->ptx.assign(ptx.begin(), ptx.end());
  broken->ptx.push_back('\0');
  broken->desc.cudaPtx = broken->ptx;
  ASSERT_EQ(load(*broken, module).code, TSR_STATUS_OK);
  Status jit = create(module.get(), session);
  EXPECT_EQ(jit.code, TSR_STATUS_INVALID_MODULE);
  EXPECT_EQ(jit.message,
            "CUDA: compiling the module's PTX (sm_80) for CUDA device 0 (Tessera fake GPU, "
            "sm_80): cuModuleLoadDataEx failed: CUDA_ERROR_INVALID_PTX (218: a PTX JIT "
            "compilation failed); JIT error log:\nptxas application ptx input, line 7; error   "
            ": fake failure");

  auto missing = makeCudaTestModule();
  missing->desc.kernels[2] = "tsr_test_triple_rows";
  ASSERT_EQ(load(*missing, module).code, TSR_STATUS_OK);
  Status entry = create(module.get(), session);
  EXPECT_EQ(entry.code, TSR_STATUS_INVALID_MODULE);
  EXPECT_EQ(entry.message, "invalid module: kernel 2 'tsr_test_triple_rows' is not an entry of "
                           "the module's PTX");
  EXPECT_EQ(session, nullptr);
}

TEST_F(CudaFakeDriver, DriverErrorsAreStatusesAndLeakNothing) {
  auto test = makeCudaTestModule();
  ModulePtr module;
  ASSERT_EQ(load(*test, module).code, TSR_STATUS_OK);
  SessionPtr session;
  setenv("TSR_FAKE_CUDA_FAIL", "cuMemAlloc_v2", 1);
  Status memory = create(module.get(), session);
  EXPECT_EQ(memory.code, TSR_STATUS_RESOURCE_EXHAUSTED);
  EXPECT_EQ(memory.message, "CUDA: allocating 256 bytes of device memory for the weights: "
                            "cuMemAlloc_v2 failed: CUDA_ERROR_OUT_OF_MEMORY (2: out of memory)");
  expectNothingLive(); // the partial session released everything
  unsetenv("TSR_FAKE_CUDA_FAIL");

  ASSERT_EQ(create(module.get(), session).code, TSR_STATUS_OK);
  setenv("TSR_FAKE_CUDA_FAIL", "cuLaunchKernel", 1);
  std::vector<float> y;
  Status launch = runAffine(session.get(), 2, y);
  EXPECT_EQ(launch.code, TSR_STATUS_INTERNAL);
  EXPECT_EQ(launch.message,
            "CUDA: function 'affine': launching dispatch 0 ('bias_add') (kernel "
            "'tsr_test_bias_add', grid 16x2x1, block 64x1x1): cuLaunchKernel failed: "
            "CUDA_ERROR_LAUNCH_FAILED (719: unspecified launch failure)");
  unsetenv("TSR_FAKE_CUDA_FAIL");
  ASSERT_EQ(runAffine(session.get(), 2, y).code, TSR_STATUS_OK); // the fake recovers
  // Growing the staging buffer when it is out of memory.
  setenv("TSR_FAKE_CUDA_FAIL", "cuMemAlloc_v2", 1);
  std::vector<float> sum;
  Status grow = runAdd(session.get(), kAddMax, 1, sum);
  EXPECT_EQ(grow.code, TSR_STATUS_RESOURCE_EXHAUSTED) << grow.message;
  unsetenv("TSR_FAKE_CUDA_FAIL");
  EXPECT_EQ(runAdd(session.get(), kAddMax, 1, sum).code, TSR_STATUS_OK);
  EXPECT_EQ(sum[kAddMax - 1], float(kAddMax));
  session.reset();
  expectNothingLive();
}

// Run by its own ctest entry, with TSR_FAKE_CUDA_INIT_ERROR=100 (cuInit's
// outcome is remembered for the process).
TEST(CudaFakeDriverInit, ReportsCuInitFailing) {
  if (!std::getenv("TSR_FAKE_CUDA_INIT_ERROR") || live("allocations") < 0)
    GTEST_SKIP() << "needs the fake driver with TSR_FAKE_CUDA_INIT_ERROR set";
  auto test = makeCudaTestModule();
  ModulePtr module;
  ASSERT_EQ(loadFromMemory(readFile(writeTestModule(test->desc, "cuda.tsr")), module).code,
            TSR_STATUS_OK);
  tsr_session_options_t options = cudaSessionOptions();
  tsr_session_t *raw = nullptr;
  Status status = take(tsr_session_create_with_options(module.get(), &options, &raw));
  EXPECT_EQ(status.code, TSR_STATUS_UNAVAILABLE);
  EXPECT_EQ(raw, nullptr);
  EXPECT_EQ(status.message, "CUDA: cuInit failed: CUDA_ERROR_NO_DEVICE (100: no CUDA-capable "
                            "device is detected)");
}

} // namespace
} // namespace tessera::test
