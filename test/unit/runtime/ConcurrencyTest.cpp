//===- ConcurrencyTest.cpp - modules and sessions used from many threads --===//
//
// What runtime.h promises about threads: a loaded module is immutable, so
// any number of threads may inspect it and create, run and free their own
// sessions of it at once; modules may be loaded and freed concurrently, each
// with its own kernel object. scripts/sanitize.sh runs these under
// ThreadSanitizer (with RunTest's TwoSessionsOnOneModuleRunConcurrently).
//
//===----------------------------------------------------------------------===//

#include "TestModules.h"

#include "gtest/gtest.h"

#include <atomic>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace tessera::test {
namespace {

constexpr int kThreads = 4;

/// Runs `work(thread index, &failure)` on kThreads threads; returns the
/// first failure any of them reported ("" when none did).
template <typename Work>
std::string onThreads(Work work) {
  std::vector<std::string> failures(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back(work, t, &failures[size_t(t)]);
  for (std::thread &thread : threads)
    thread.join();
  for (const std::string &failure : failures)
    if (!failure.empty())
      return failure;
  return "";
}

/// Runs "affine" (arena, constant, three workgroup axes) on `session`.
std::string runAffine(tsr_session_t *session, int64_t rows) {
  std::vector<float> x(size_t(rows * kAffineCols)), y(x.size(), -1.0f);
  for (size_t i = 0; i < x.size(); ++i)
    x[i] = float(i);
  int64_t dims[2] = {rows, kAffineCols}, outDims[2] = {-1, -1};
  size_t bytes = x.size() * sizeof(float);
  tsr_input_t input = {TSR_DTYPE_F32, 2, dims, x.data(), bytes};
  tsr_output_t output = {y.data(), bytes, 2, outDims, 0};
  Status status = take(tsr_session_run(session, kAffineFunction, &input, 1, &output, 1));
  if (status.code != TSR_STATUS_OK)
    return "affine: " + status.message;
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < kAffineCols; ++c)
      if (y[size_t(r * kAffineCols + c)] != 2 * (float(r * kAffineCols + c) + affineBias(c)))
        return "affine: wrong value at row " + std::to_string(r);
  return "";
}

/// Reads every signature of the module, as an inspecting thread would.
std::string inspect(const tsr_module_t *module) {
  tsr_module_info_t info;
  if (take(tsr_module_info(module, &info)).code != TSR_STATUS_OK || info.num_functions != 2)
    return "module_info";
  for (size_t f = 0; f < info.num_functions; ++f) {
    const char *name = nullptr;
    size_t found = 99, inputs = 0, outputs = 0;
    if (take(tsr_module_function_name(module, f, &name)).code != TSR_STATUS_OK ||
        take(tsr_module_find_function(module, name, &found)).code != TSR_STATUS_OK ||
        found != f ||
        take(tsr_module_function_arity(module, f, &inputs, &outputs)).code != TSR_STATUS_OK)
      return "function " + std::to_string(f);
    tsr_tensor_info_t tensor;
    tsr_dim_info_t dim;
    if (take(tsr_module_tensor_info(module, f, TSR_IO_INPUT, 0, &tensor)).code != TSR_STATUS_OK ||
        take(tsr_module_tensor_dim(module, f, TSR_IO_INPUT, 0, 0, &dim)).code != TSR_STATUS_OK ||
        dim.size != -1)
      return "signature of function " + std::to_string(f);
  }
  return "";
}

class Concurrency : public ::testing::Test {
protected:
  void SetUp() override {
    test_ = makeTestModule();
    bytes_ = readFile(writeTestModule(test_->desc, "module.tsr"));
    ASSERT_EQ(loadFromMemory(bytes_, module_).code, TSR_STATUS_OK);
  }

  std::unique_ptr<TestModule> test_;
  std::vector<char> bytes_;
  ModulePtr module_;
};

// Each thread creates its own multi-threaded sessions of the one module,
// runs both functions and inspects the module while the others do the same.
TEST_F(Concurrency, SessionsOfOneModuleFromSeveralThreads) {
  const tsr_module_t *module = module_.get();
  std::string failure = onThreads([module](int t, std::string *failure) {
    for (int iteration = 0; iteration < 12 && failure->empty(); ++iteration) {
      tsr_session_t *raw = nullptr;
      Status created = take(tsr_session_create(module, 1 + uint32_t(iteration % 3), &raw));
      if (created.code != TSR_STATUS_OK) {
        *failure = "session_create: " + created.message;
        return;
      }
      SessionPtr session(raw);
      if (iteration % 2)
        take(tsr_session_set_profiling(session.get(), 1));
      int64_t n = 4 * (1 + (t * 31 + iteration * 17) % 256);
      float seed = float(t * 100 + iteration);
      std::vector<float> sum;
      Status status = runAdd(session.get(), n, seed, sum);
      if (status.code != TSR_STATUS_OK) {
        *failure = "add: " + status.message;
        return;
      }
      for (int64_t i = 0; i < n; ++i)
        if (sum[size_t(i)] != float(i) + seed) {
          *failure = "add: wrong sum on thread " + std::to_string(t);
          return;
        }
      *failure = runAffine(session.get(), 1 + (t + iteration) % kAffineMaxRows);
      if (failure->empty())
        *failure = inspect(module);
    }
  });
  EXPECT_EQ(failure, "");
}

// Modules are loaded and freed from several threads at once, half of them
// with the kernel object whose "add" subtracts: each module must call its
// own kernels (kernel objects are loaded per module, by a path that must
// not be reused while an object is loaded).
TEST_F(Concurrency, ModulesLoadedAndFreedFromSeveralThreads) {
  std::unique_ptr<TestModule> subtract = makeTestModule(/*subtract=*/true);
  std::vector<char> subtractBytes =
      readFile(writeTestModule(subtract->desc, "subtract.tsr"));
  const std::vector<char> *images[2] = {&bytes_, &subtractBytes};
  std::string failure = onThreads([&images](int t, std::string *failure) {
    for (int iteration = 0; iteration < 8 && failure->empty(); ++iteration) {
      bool subtracts = (t + iteration) % 2;
      ModulePtr module;
      Status loaded = loadFromMemory(*images[subtracts], module);
      if (loaded.code != TSR_STATUS_OK) {
        *failure = "load: " + loaded.message;
        return;
      }
      tsr_session_t *raw = nullptr;
      if (take(tsr_session_create(module.get(), 2, &raw)).code != TSR_STATUS_OK) {
        *failure = "session_create";
        return;
      }
      SessionPtr session(raw);
      std::vector<float> sum;
      Status status = runAdd(session.get(), 64, 1.0f, sum);
      if (status.code != TSR_STATUS_OK) {
        *failure = "add: " + status.message;
        return;
      }
      for (int64_t i = 0; i < 64; ++i)
        if (sum[size_t(i)] != (subtracts ? float(i) - 1.0f : float(i) + 1.0f)) {
          *failure = std::string("a module ran the other module's kernel (") +
                     (subtracts ? "subtract" : "add") + " expected)";
          return;
        }
    }
  });
  EXPECT_EQ(failure, "");
}

} // namespace
} // namespace tessera::test
