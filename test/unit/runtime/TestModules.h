//===- TestModules.h - modules and handles for the runtime tests -*- C++ -*-===//
//
// The runtime tests build their modules with the real writer around the
// fixture kernel object (fixtures/test_kernels.c), so every test exercises
// the writer and the loader together.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_TEST_UNIT_RUNTIME_TESTMODULES_H
#define TESSERA_TEST_UNIT_RUNTIME_TESTMODULES_H

#include "codegen/module/ModuleWriter.h"
#include "tessera/runtime.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace tessera::test {

// Function "add": a [n] + b [n] -> sum [n], n dynamic up to kAddMax, with a
// shape function that requires n % 4 == 0 and derives the workgroup count.
constexpr size_t kAddFunction = 0;
constexpr int64_t kAddMax = 1024;
constexpr const char *kAddCheck = "n is a multiple of 4";
// Function "affine": y [rows, 16] = 2 * (x + bias), rows dynamic up to
// kAffineMaxRows; the bias is the second half of a weight segment, the
// intermediate lives in the arena, the dispatches use the x, y and z axes.
constexpr size_t kAffineFunction = 1;
constexpr int64_t kAffineMaxRows = 8;
constexpr int64_t kAffineCols = 16;
float affineBias(int64_t column);

/// A description plus the bytes its ArrayRefs point at (so: not copyable).
struct TestModule {
  TestModule() = default;
  TestModule(const TestModule &) = delete;
  TestModule &operator=(const TestModule &) = delete;

  std::vector<char> kernelObject;
  std::vector<char> weight;
  std::vector<char> ptx;
  module::ModuleDesc desc;
};

/// The two-function module; `subtract` uses the fixture build whose "add"
/// computes a - b.
std::unique_ptr<TestModule> makeTestModule(bool subtract = false);

/// The same two functions as a CUDA module for `arch` ("sm_80"): target
/// "cuda:<arch>", PTX text declaring the three kernels as .entry points
/// (bodies that only return), threads per block {64, 1, 1} on every
/// dispatch. The kernel object still provides the shape function.
std::unique_ptr<TestModule> makeCudaTestModule(const std::string &arch = "sm_80");

/// Both targets in one module, as tessera-compile --target=cpu,cuda writes
/// them: makeTestModule(`subtractOnCpu`)'s code as the primary target (its
/// "add" computing a - b tells a CPU run from a CUDA one) and
/// makeCudaTestModule()'s as the other target, which reads the same weight.
struct DualTestModule {
  std::unique_ptr<TestModule> cpu, cuda; // the bytes `desc` points at
  module::ModuleDesc desc;
};
std::unique_ptr<DualTestModule> makeDualTestModule(bool subtractOnCpu = true);

/// Appends three copies of the add function that share a state "acc":
/// "start" only produces it, "step" reads and writes it, "peek" only reads it.
void addAccumulatorFunctions(module::ModuleDesc &desc);

/// Session options for CUDA device `index`, the rest at their defaults.
tsr_session_options_t cudaSessionOptions(uint32_t index = 0);

/// A path in the test's own temporary directory.
std::string tempPath(const std::string &name);
std::vector<char> readFile(const std::string &path);
void writeFile(const std::string &path, const std::vector<char> &bytes);

/// Writes `desc` to tempPath(name); fails the test (and returns "") on error.
std::string writeTestModule(const module::ModuleDesc &desc, const std::string &name);

/// A status taken over from the runtime (and freed): its code and message.
struct Status {
  tsr_status_code_t code;
  std::string message;
};
Status take(tsr_status_t status);

struct ModuleDeleter {
  void operator()(tsr_module_t *module) const { tsr_module_free(module); }
};
struct SessionDeleter {
  void operator()(tsr_session_t *session) const { tsr_session_free(session); }
};
using ModulePtr = std::unique_ptr<tsr_module_t, ModuleDeleter>;
using SessionPtr = std::unique_ptr<tsr_session_t, SessionDeleter>;

/// Loads `bytes` (copied); the status tells why not.
Status loadFromMemory(const std::vector<char> &bytes, ModulePtr &out);

/// Expects loading `bytes` to fail with `code` and a message that contains
/// `needle`, with no module made.
void expectRejected(const std::vector<char> &bytes, tsr_status_code_t code,
                    const std::string &needle);
/// The same, as an invalid module.
void expectRejected(const std::vector<char> &bytes, const std::string &needle);

/// Runs "add" on a session: fills a and b (a[i] = i, b[i] = seed), returns the
/// status and, through `sum`, the output.
Status runAdd(tsr_session_t *session, int64_t n, float seed, std::vector<float> &sum);

} // namespace tessera::test

#endif // TESSERA_TEST_UNIT_RUNTIME_TESTMODULES_H
