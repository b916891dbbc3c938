//===- ToolTest.cpp - tessera-run end to end on the test module -----------===//

#include "TestModules.h"

#include "tools/common/Npy.h"

#include "gtest/gtest.h"

#include <cstdio>
#include <cstring>
#include <sys/wait.h>

namespace tessera::test {
namespace {

using tools::NpyDType;

struct Result {
  int exitCode;
  std::string output; // stdout and stderr
};

std::string quote(const std::string &arg) { return "'" + arg + "'"; }

Result runTool(const std::string &arguments) {
  std::string command = quote(TSR_TESSERA_RUN_PATH) + " " + arguments + " 2>&1";
  Result result{-1, ""};
  FILE *pipe = popen(command.c_str(), "r");
  if (!pipe)
    return result;
  char chunk[4096];
  for (size_t n; (n = fread(chunk, 1, sizeof(chunk), pipe)) > 0;)
    result.output.append(chunk, n);
  int status = pclose(pipe);
  result.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

class TesseraRun : public ::testing::Test {
protected:
  void SetUp() override {
    test_ = makeTestModule();
    module_ = quote(writeTestModule(test_->desc, "module.tsr"));
    a_ = writeFloats("a.npy", 8, [](int64_t i) { return float(i); });
    b_ = writeFloats("b.npy", 8, [](int64_t) { return 1.5f; });
  }

  template <typename Fill>
  std::string writeFloats(const std::string &name, int64_t n, Fill fill) {
    std::vector<float> data(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i)
      data[size_t(i)] = fill(i);
    std::string path = tempPath(name), error;
    EXPECT_TRUE(tools::writeNpy(path, NpyDType::f32, {n}, data.data(), data.size() * 4, error))
        << error;
    return path;
  }

  std::string inputs() const {
    return "--input a=" + quote(a_) + " --input b=" + quote(b_);
  }

  std::unique_ptr<TestModule> test_;
  std::string module_, a_, b_;
};

void expectFailure(const Result &result, const std::string &needle, int exitCode = 1) {
  EXPECT_EQ(result.exitCode, exitCode) << result.output;
  EXPECT_NE(result.output.find(needle), std::string::npos)
      << "expected '" << needle << "' in: " << result.output;
}

TEST_F(TesseraRun, RunsNamedInputsAndWritesEachOutput) {
  std::string dir = tempPath("out");
  Result result = runTool(module_ + " --function add " + inputs() + " --output-dir " +
                          quote(dir) + " --threads 2");
  ASSERT_EQ(result.exitCode, 0) << result.output;
  EXPECT_NE(result.output.find("output 'sum': f32 [8]"), std::string::npos) << result.output;
  tools::NpyArray sum;
  std::string error;
  ASSERT_TRUE(tools::readNpy(dir + "/sum.npy", sum, error)) << error;
  ASSERT_EQ(sum.shape, std::vector<int64_t>{8});
  const float *values = reinterpret_cast<const float *>(sum.data.data());
  for (int i = 0; i < 8; ++i)
    EXPECT_EQ(values[i], float(i) + 1.5f);
}

TEST_F(TesseraRun, TakesPositionalInputsAndBenchmarks) {
  Result result = runTool(module_ + " --function=add " + quote(a_) + " " + quote(b_) +
                          " --benchmark 3");
  ASSERT_EQ(result.exitCode, 0) << result.output;
  EXPECT_NE(result.output.find("latency over 3 runs: min "), std::string::npos)
      << result.output;
}

TEST_F(TesseraRun, PrintsTheSignature) {
  Result result = runTool(module_ + " --print-signature");
  ASSERT_EQ(result.exitCode, 0) << result.output;
  EXPECT_NE(result.output.find("function 'add'\n  input  0 'a': f32 [n<=1024]"),
            std::string::npos)
      << result.output;
  EXPECT_NE(result.output.find("output 0 'y': f32 [rows<=8, 16]"), std::string::npos)
      << result.output;
}

TEST_F(TesseraRun, NamesTheInputAndFileOfEveryError) {
  expectFailure(runTool(module_ + " " + inputs()), "2 functions ('add', 'affine'); choose one");
  expectFailure(runTool(module_ + " --function mul " + inputs()), "no function 'mul'");
  expectFailure(runTool(module_ + " --function add --input a=" + quote(a_)),
                "no file for input 'b'");
  expectFailure(runTool(module_ + " --function add " + inputs() + " --input c=x.npy"),
                "has no input 'c'; its inputs are a, b");
  expectFailure(runTool(module_ + " --function add " + quote(a_)),
                "takes 2 inputs (a, b), got 1 files");

  std::string missing = tempPath("missing.npy");
  expectFailure(runTool(module_ + " --function add --input a=" + quote(missing) +
                        " --input b=" + quote(b_)),
                "input 'a' (" + missing + ": cannot open");

  std::string doubles = tempPath("doubles.npy"), error;
  double data[8] = {};
  ASSERT_TRUE(tools::writeNpy(doubles, NpyDType::f64, {8}, data, sizeof(data), error));
  expectFailure(runTool(module_ + " --function add --input a=" + quote(doubles) +
                        " --input b=" + quote(b_)),
                "input 'a' is f32 ('<f4'), but " + doubles + " holds '<f8'");

  std::string big = writeFloats("big.npy", 2000, [](int64_t) { return 0.0f; });
  expectFailure(runTool(module_ + " --function add --input a=" + quote(big) + " --input b=" +
                        quote(big)),
                "above the maximum 1024");
  expectFailure(runTool(module_ + " --function add --input a=" + quote(big) + " --input b=" +
                        quote(big)),
                "inputs: a=" + big + ", b=" + big);

  std::string six = writeFloats("six.npy", 6, [](int64_t) { return 0.0f; });
  expectFailure(runTool(module_ + " --function add --input a=" + quote(six) + " --input b=" +
                        quote(six)),
                kAddCheck);
}

TEST_F(TesseraRun, RejectsBadModulesAndCommandLines) {
  std::string corrupt = tempPath("corrupt.tsr");
  writeFile(corrupt, std::vector<char>(100, 'x'));
  expectFailure(runTool(quote(corrupt) + " --print-signature"), "invalid module");
  expectFailure(runTool(module_ + " --threads lots"), "--threads takes a whole number", 2);
  expectFailure(runTool(module_ + " --input noequals"), "--input takes NAME=FILE.npy", 2);
  expectFailure(runTool(module_ + " --frobnicate"), "unknown option '--frobnicate'", 2);
  expectFailure(runTool(""), "no module given", 2);
}

TEST_F(TesseraRun, ChoosesTheDevice) {
  expectFailure(runTool(module_ + " --device gpu"), "--device takes cpu, cuda or cuda:N, got 'gpu'",
                2);
  expectFailure(runTool(module_ + " --device=cuda:x"), "--device takes cpu, cuda or cuda:N", 2);
  Result cpu = runTool(module_ + " --device=cpu --function add " + inputs());
  EXPECT_EQ(cpu.exitCode, 0) << cpu.output;
  expectFailure(runTool(module_ + " --device=cuda --function add " + inputs()),
                "the module's target is 'x86_64-cpu:test:', a CPU module, so it cannot run on "
                "the CUDA device");
  expectFailure(runTool(module_ + " --device=cuda --function add " + inputs()),
                "(tessera-run: pass --device=cpu)");

  auto cuda = makeCudaTestModule();
  std::string cudaModule = quote(writeTestModule(cuda->desc, "cuda.tsr"));
  Result signature = runTool(cudaModule + " --print-signature");
  EXPECT_EQ(signature.exitCode, 0) << signature.output;
  EXPECT_NE(signature.output.find("target: cuda:sm_80"), std::string::npos) << signature.output;
  expectFailure(runTool(cudaModule + " --function add " + inputs()),
                "the module's target is 'cuda:sm_80', a CUDA module, so it cannot run on the "
                "CPU device");
  expectFailure(runTool(cudaModule + " --function add " + inputs()),
                "(tessera-run: pass --device=cuda)");
  Result onCuda = runTool(cudaModule + " --device cuda --function add " + inputs());
  EXPECT_EQ(onCuda.exitCode, 1) << onCuda.output;
  EXPECT_NE(onCuda.output.find("tessera-run: error: CUDA: "), std::string::npos)
      << onCuda.output; // no driver here: which step failed; a real one: the stub PTX's fate
  Result help = runTool("--help");
  EXPECT_NE(help.output.find("--device DEVICE"), std::string::npos) << help.output;
}

TEST_F(TesseraRun, RunsADualTargetModuleOnTheCpuAndTriesCudaWithoutAHint) {
  auto dual = makeDualTestModule(/*subtractOnCpu=*/false);
  std::string dualModule = quote(writeTestModule(dual->desc, "dual.tsr"));
  Result signature = runTool(dualModule + " --print-signature");
  EXPECT_EQ(signature.exitCode, 0) << signature.output;
  EXPECT_NE(signature.output.find("target: x86_64-cpu:test:\ndevices: cpu cuda\n"),
            std::string::npos)
      << signature.output;
  Result cpu = runTool(dualModule + " --function add " + inputs());
  EXPECT_EQ(cpu.exitCode, 0) << cpu.output;
  Result onCuda = runTool(dualModule + " --device=cuda --function add " + inputs());
  if (onCuda.exitCode != 0) { // no driver here (or the stub PTX's fate on a real one)
    EXPECT_NE(onCuda.output.find("tessera-run: error: CUDA: "), std::string::npos)
        << onCuda.output;
    EXPECT_EQ(onCuda.output.find("pass --device"), std::string::npos) << onCuda.output;
  }
}

TEST_F(TesseraRun, GenerationNamesWhatIsMissing) {
  expectFailure(runTool(module_ + " --prompt hi"), "the module holds no tokenizer");
  expectFailure(runTool(module_ + " --prompt hi --tokenizer " + quote(tempPath("none.bin"))),
                "--tokenizer: FileNotFound");
  std::string tokenizer = tempPath("tokenizer.bin");
  // llama2.c's format: max_token_length, then (score, length, bytes) per token.
  std::vector<char> bytes;
  auto put = [&](const void *p, size_t n) {
    bytes.insert(bytes.end(), static_cast<const char *>(p), static_cast<const char *>(p) + n);
  };
  int32_t maxLength = 5;
  put(&maxLength, 4);
  for (const char *piece : {"<unk>", "<s>", "</s>", "h", "i"}) {
    float score = 0;
    int32_t length = int32_t(std::strlen(piece));
    put(&score, 4);
    put(&length, 4);
    put(piece, size_t(length));
  }
  writeFile(tokenizer, bytes);
  expectFailure(runTool(module_ + " --prompt hi --tokenizer " + quote(tokenizer)),
                "neither prefill/decode nor main");
  expectFailure(runTool(module_ + " --prompt hi --temperature hot"),
                "--temperature takes a number", 2);
  expectFailure(runTool(module_ + " --prompt hi --top-p 2"), "--top-p takes a number", 2);
}

} // namespace
} // namespace tessera::test
