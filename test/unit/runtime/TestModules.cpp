//===- TestModules.cpp - modules and handles for the runtime tests --------===//

#include "TestModules.h"

#include "gtest/gtest.h"
#include "llvm/Support/Error.h"

#include <cstring>
#include <fstream>
#include <ftw.h>
#include <iterator>
#include <sys/stat.h>
#include <unistd.h>

namespace tessera::test {
namespace {

using module::BufferKind;
using module::DType;

std::string processTempDir() {
  static const std::string dir = [] {
    std::string path = ::testing::TempDir() + "tessera-runtime-" + std::to_string(getpid());
    mkdir(path.c_str(), 0700);
    return path;
  }();
  return dir;
}

/// Removes the process's temporary directory once all tests have run.
class TempDirCleanup : public ::testing::Environment {
public:
  void TearDown() override {
    nftw(
        processTempDir().c_str(),
        [](const char *path, const struct stat *, int, struct FTW *) { return remove(path); }, 16,
        FTW_DEPTH | FTW_PHYS);
  }
};
const auto *const cleanup = ::testing::AddGlobalTestEnvironment(new TempDirCleanup);

module::TensorSigDesc tensor(const std::string &name, std::vector<module::DimDesc> dims,
                             std::vector<std::string> dimNames, int32_t buffer) {
  module::TensorSigDesc sig;
  sig.name = name;
  sig.dtype = DType::f32;
  sig.dims = std::move(dims);
  sig.dimNames = std::move(dimNames);
  sig.buffer = buffer;
  return sig;
}

module::BufferDesc buffer(BufferKind kind, int32_t index, int64_t size, int64_t offset = 0) {
  module::BufferDesc b;
  b.kind = kind;
  b.index = index;
  b.size = size;
  b.offset = offset;
  return b;
}

module::FunctionDesc addFunction() {
  module::FunctionDesc fn;
  fn.name = "add";
  module::DimDesc n{kAddMax, 0};
  fn.inputs = {tensor("a", {n}, {"n"}, 0), tensor("b", {n}, {"n"}, 1)};
  fn.outputs = {tensor("sum", {n}, {"n"}, 2)};
  fn.numScalars = 2;
  fn.shapeFunction = "tsr_test_add_shape";
  fn.checks = {kAddCheck};
  int64_t bytes = kAddMax * 4;
  fn.buffers = {buffer(BufferKind::input, 0, bytes), buffer(BufferKind::input, 1, bytes),
                buffer(BufferKind::output, 0, bytes)};
  module::DispatchDesc dispatch;
  dispatch.name = "add";
  dispatch.kernel = 0;
  dispatch.workgroupCount[0] = {kAddMax / 64, 1};
  dispatch.workgroupCount[1] = {1, -1};
  dispatch.workgroupCount[2] = {1, -1};
  dispatch.bindings = {{0, 0}, {1, 0}, {2, 0}};
  dispatch.pushConstants = {0};
  fn.dispatches = {dispatch};
  return fn;
}

module::FunctionDesc affineFunction() {
  module::FunctionDesc fn;
  fn.name = "affine";
  module::DimDesc rows{kAffineMaxRows, 0}, cols{kAffineCols, -1};
  fn.inputs = {tensor("x", {rows, cols}, {"rows", ""}, 0)};
  fn.outputs = {tensor("y", {rows, cols}, {"rows", ""}, 3)};
  fn.numScalars = 1;
  int64_t bytes = kAffineMaxRows * kAffineCols * 4;
  // The bias is the second half of the weight: binding 1 starts 64 bytes in.
  // The intermediate sits 64 bytes into the arena.
  fn.buffers = {buffer(BufferKind::input, 0, bytes),
                buffer(BufferKind::constant, 0, 2 * kAffineCols * 4),
                buffer(BufferKind::arena, 0, bytes, /*offset=*/64),
                buffer(BufferKind::output, 0, bytes)};
  fn.arenaSize = 64 + bytes;
  module::DispatchDesc bias;
  bias.name = "bias_add";
  bias.kernel = 1;
  bias.workgroupCount[0] = {kAffineCols, -1};
  bias.workgroupCount[1] = {kAffineMaxRows, 0};
  bias.workgroupCount[2] = {1, -1};
  bias.bindings = {{0, 0}, {1, kAffineCols * 4}, {2, 0}};
  module::DispatchDesc twice;
  twice.name = "double_rows";
  twice.kernel = 2;
  twice.workgroupCount[0] = {1, -1};
  twice.workgroupCount[1] = {1, -1};
  twice.workgroupCount[2] = {kAffineMaxRows, 0};
  twice.bindings = {{2, 0}, {3, 0}};
  fn.dispatches = {bias, twice};
  return fn;
}

} // namespace

float affineBias(int64_t column) { return 0.5f * float(column) - 3.0f; }

std::unique_ptr<TestModule> makeTestModule(bool subtract) {
  auto test = std::make_unique<TestModule>();
  test->kernelObject = readFile(subtract ? TSR_TEST_SUBTRACT_KERNELS_PATH : TSR_TEST_KERNELS_PATH);
  // First half: filler the kernels must not read; second half: the bias.
  std::vector<float> weight(2 * kAffineCols, 1e6f);
  for (int64_t c = 0; c < kAffineCols; ++c)
    weight[size_t(kAffineCols + c)] = affineBias(c);
  test->weight.resize(weight.size() * sizeof(float));
  std::memcpy(test->weight.data(), weight.data(), test->weight.size());

  module::ModuleDesc &desc = test->desc;
  desc.producer = "tessera runtime tests";
  desc.target = "x86_64-cpu:test:";
  desc.kernels = {"tsr_test_add_f32", "tsr_test_bias_add", "tsr_test_double_rows"};
  desc.kernelObject = test->kernelObject;
  desc.weights = {test->weight};
  desc.functions = {addFunction(), affineFunction()};
  return test;
}

tsr_session_options_t cudaSessionOptions(uint32_t index) {
  tsr_session_options_t options;
  tsr_session_options_init(&options);
  options.device = TSR_DEVICE_CUDA;
  options.device_index = index;
  return options;
}

void addAccumulatorFunctions(module::ModuleDesc &desc) {
  module::FunctionDesc start = desc.functions[kAddFunction];
  start.name = "start";
  start.states.push_back({"acc", -1, 0, 0});
  module::FunctionDesc step = desc.functions[kAddFunction];
  step.name = "step";
  step.states.push_back({"acc", 0, 0, 0});
  module::FunctionDesc peek = desc.functions[kAddFunction];
  peek.name = "peek";
  peek.states.push_back({"acc", 0, -1, 0});
  desc.functions.insert(desc.functions.end(), {start, step, peek});
}

std::unique_ptr<TestModule> makeCudaTestModule(const std::string &arch) {
  auto test = makeTestModule();
  std::string ptx = "// Tessera runtime tests: entry points only\n"
                    ".version 7.8\n.target " + arch + "\n.address_size 64\n";
  for (const std::string &kernel : test->desc.kernels)
    ptx += "\n.visible .entry " + kernel +
           "(.param .u64 bindings, .param .u64 push_constants)\n{\n  ret;\n}\n";
  test->ptx.assign(ptx.begin(), ptx.end());
  test->ptx.push_back('\0');
  module::ModuleDesc &desc = test->desc;
  desc.target = "cuda:" + arch;
  desc.cudaPtx = test->ptx;
  desc.cudaArch = arch;
  for (module::FunctionDesc &fn : desc.functions)
    for (module::DispatchDesc &dispatch : fn.dispatches)
      dispatch.workgroupSize = {64, 1, 1};
  return test;
}

std::unique_ptr<DualTestModule> makeDualTestModule(bool subtractOnCpu) {
  auto dual = std::make_unique<DualTestModule>();
  dual->cpu = makeTestModule(subtractOnCpu);
  dual->cuda = makeCudaTestModule();
  dual->desc = dual->cpu->desc;
  dual->desc.otherTargets.push_back(static_cast<const module::TargetDesc &>(dual->cuda->desc));
  return dual;
}

std::string tempPath(const std::string &name) {
  const auto *info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string prefix = info ? std::string(info->test_suite_name()) + "." + info->name() + "-" : "";
  return processTempDir() + "/" + prefix + name;
}

std::vector<char> readFile(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot read " << path;
  return std::vector<char>(std::istreambuf_iterator<char>(in), {});
}

void writeFile(const std::string &path, const std::vector<char> &bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), std::streamsize(bytes.size()));
  EXPECT_TRUE(out.good()) << "cannot write " << path;
}

std::string writeTestModule(const module::ModuleDesc &desc, const std::string &name) {
  std::string path = tempPath(name);
  if (llvm::Error error = module::writeModule(desc, path)) {
    ADD_FAILURE() << "writeModule: " << llvm::toString(std::move(error));
    return "";
  }
  return path;
}

Status take(tsr_status_t status) {
  Status out{tsr_status_code(status), tsr_status_message(status)};
  tsr_status_free(status);
  return out;
}

Status loadFromMemory(const std::vector<char> &bytes, ModulePtr &out) {
  tsr_module_t *module = nullptr;
  Status status = take(tsr_module_load_memory(bytes.data(), bytes.size(), TSR_MODULE_LOAD_COPY,
                                              &module));
  out.reset(module);
  return status;
}

void expectRejected(const std::vector<char> &bytes, const std::string &needle) {
  expectRejected(bytes, TSR_STATUS_INVALID_MODULE, needle);
}

void expectRejected(const std::vector<char> &bytes, tsr_status_code_t code,
                    const std::string &needle) {
  ModulePtr module;
  Status status = loadFromMemory(bytes, module);
  EXPECT_EQ(status.code, code) << status.message;
  EXPECT_NE(status.message.find(needle), std::string::npos)
      << "expected '" << needle << "' in: " << status.message;
  EXPECT_EQ(module, nullptr);
}

Status runAdd(tsr_session_t *session, int64_t n, float seed, std::vector<float> &sum) {
  std::vector<float> a(static_cast<size_t>(n)), b(static_cast<size_t>(n), seed);
  for (int64_t i = 0; i < n; ++i)
    a[size_t(i)] = float(i);
  sum.assign(size_t(n), -1.0f);
  int64_t dims[1] = {n}, outDims[1] = {-1};
  size_t bytes = size_t(n) * sizeof(float);
  tsr_input_t inputs[2] = {{TSR_DTYPE_F32, 1, dims, a.data(), bytes},
                           {TSR_DTYPE_F32, 1, dims, b.data(), bytes}};
  tsr_output_t output = {sum.data(), bytes, 1, outDims, 0};
  Status status = take(tsr_session_run(session, kAddFunction, inputs, 2, &output, 1));
  if (status.code == TSR_STATUS_OK && (outDims[0] != n || output.byte_size != bytes))
    return {TSR_STATUS_INTERNAL, "output dims or byte size not filled in"};
  return status;
}

} // namespace tessera::test
