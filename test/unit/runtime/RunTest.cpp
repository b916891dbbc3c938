//===- RunTest.cpp - sessions: resolving shapes and running ---------------===//

#include "TestModules.h"

#include "gtest/gtest.h"

#include <thread>
#include <utility>

namespace tessera::test {
namespace {

class Run : public ::testing::Test {
protected:
  void SetUp() override {
    test_ = makeTestModule();
    ASSERT_EQ(loadFromMemory(readFile(writeTestModule(test_->desc, "module.tsr")), module_).code,
              TSR_STATUS_OK);
  }

  SessionPtr session(uint32_t threads) {
    tsr_session_t *raw = nullptr;
    Status status = take(tsr_session_create(module_.get(), threads, &raw));
    EXPECT_EQ(status.code, TSR_STATUS_OK) << status.message;
    return SessionPtr(raw);
  }

  /// Runs "add" with explicit inputs; returns the status.
  Status add(tsr_session_t *session, const tsr_input_t (&inputs)[2], tsr_output_t &output) {
    return take(tsr_session_run(session, kAddFunction, inputs, 2, &output, 1));
  }

  std::unique_ptr<TestModule> test_;
  ModulePtr module_;
};

void expectMessage(const Status &status, tsr_status_code_t code, const std::string &needle) {
  EXPECT_EQ(status.code, code) << status.message;
  EXPECT_NE(status.message.find(needle), std::string::npos)
      << "expected '" << needle << "' in: " << status.message;
}

TEST_F(Run, AddsInlineAndOnFourThreads) {
  for (uint32_t threads : {1u, 4u}) {
    SessionPtr s = session(threads);
    uint32_t count = 0;
    ASSERT_EQ(take(tsr_session_thread_count(s.get(), &count)).code, TSR_STATUS_OK);
    EXPECT_EQ(count, threads);
    // 1000 elements: 16 workgroups of 64, the last one partial.
    std::vector<float> sum;
    Status status = runAdd(s.get(), 1000, 0.25f, sum);
    ASSERT_EQ(status.code, TSR_STATUS_OK) << status.message;
    for (size_t i = 0; i < sum.size(); ++i)
      ASSERT_EQ(sum[i], float(i) + 0.25f) << "element " << i << ", " << threads << " threads";
  }
}

TEST_F(Run, DefaultThreadCountIsOnePerCpu) {
  SessionPtr s = session(0);
  uint32_t count = 0;
  ASSERT_EQ(take(tsr_session_thread_count(s.get(), &count)).code, TSR_STATUS_OK);
  EXPECT_GE(count, 1u);
}

TEST_F(Run, ResolvesOutputShapesThroughTheShapeFunction) {
  SessionPtr s = session(1);
  int64_t dims[1] = {100}, outDims[1] = {-1};
  tsr_input_t inputs[2] = {{TSR_DTYPE_F32, 1, dims, nullptr, 0},
                           {TSR_DTYPE_F32, 1, dims, nullptr, 0}};
  tsr_output_t output = {nullptr, 0, 1, outDims, 0};
  Status status =
      take(tsr_session_resolve_outputs(s.get(), kAddFunction, inputs, 2, &output, 1));
  ASSERT_EQ(status.code, TSR_STATUS_OK) << status.message;
  EXPECT_EQ(outDims[0], 100);
  EXPECT_EQ(output.byte_size, 400u);
}

TEST_F(Run, AffineReadsTheWeightSegmentAndTheArenaOverThreeAxes) {
  for (uint32_t threads : {1u, 3u}) {
    SessionPtr s = session(threads);
    const int64_t rows = 5;
    std::vector<float> x(static_cast<size_t>(rows * kAffineCols)), y(x.size(), -1.0f);
    for (size_t i = 0; i < x.size(); ++i)
      x[i] = float(i) * 0.125f;
    int64_t dims[2] = {rows, kAffineCols}, outDims[2] = {0, 0};
    tsr_input_t input = {TSR_DTYPE_F32, 2, dims, x.data(), x.size() * sizeof(float)};
    tsr_output_t output = {y.data(), y.size() * sizeof(float), 2, outDims, 0};
    Status status = take(tsr_session_run(s.get(), kAffineFunction, &input, 1, &output, 1));
    ASSERT_EQ(status.code, TSR_STATUS_OK) << status.message;
    EXPECT_EQ(outDims[0], rows);
    EXPECT_EQ(outDims[1], kAffineCols);
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t c = 0; c < kAffineCols; ++c) {
        size_t i = size_t(r * kAffineCols + c);
        ASSERT_EQ(y[i], 2 * (x[i] + affineBias(c))) << "row " << r << " column " << c;
      }
  }
}

TEST_F(Run, EmptyInputsSkipTheDispatch) {
  SessionPtr s = session(2);
  int64_t dims[1] = {0}, outDims[1] = {-1};
  tsr_input_t inputs[2] = {{TSR_DTYPE_F32, 1, dims, nullptr, 0},
                           {TSR_DTYPE_F32, 1, dims, nullptr, 0}};
  tsr_output_t output = {nullptr, 0, 1, outDims, 0};
  Status status = add(s.get(), inputs, output);
  ASSERT_EQ(status.code, TSR_STATUS_OK) << status.message;
  EXPECT_EQ(outDims[0], 0);
  EXPECT_EQ(output.byte_size, 0u);
}

TEST_F(Run, RejectsAnInputDimAboveItsMaximum) {
  SessionPtr s = session(1);
  std::vector<float> out;
  expectMessage(runAdd(s.get(), 2000, 0, out), TSR_STATUS_OUT_OF_RANGE,
                "input 'a' dim 0 ('n') is 2000, above the maximum 1024");
}

TEST_F(Run, ReportsAFailedShapeCheckWithItsMessage) {
  SessionPtr s = session(1);
  std::vector<float> out;
  Status status = runAdd(s.get(), 6, 0, out);
  expectMessage(status, TSR_STATUS_FAILED_PRECONDITION, kAddCheck);
  EXPECT_NE(status.message.find("(a [6], b [6])"), std::string::npos) << status.message;
}

TEST_F(Run, RejectsDisagreeingDynamicDims) {
  SessionPtr s = session(1);
  std::vector<float> a(8), b(12), sum(12);
  int64_t aDims[1] = {8}, bDims[1] = {12}, outDims[1];
  tsr_input_t inputs[2] = {{TSR_DTYPE_F32, 1, aDims, a.data(), 32},
                           {TSR_DTYPE_F32, 1, bDims, b.data(), 48}};
  tsr_output_t output = {sum.data(), 48, 1, outDims, 0};
  expectMessage(add(s.get(), inputs, output), TSR_STATUS_INVALID_ARGUMENT,
                "input 'b' dim 0 ('n') is 12, but input 'a' dim 0 ('n') is 8");
}

TEST_F(Run, RejectsMismatchedInputs) {
  SessionPtr s = session(1);
  std::vector<float> a(8), b(8), sum(8);
  int64_t dims[1] = {8}, outDims[1];
  tsr_output_t output = {sum.data(), 32, 1, outDims, 0};

  tsr_input_t wrongDType[2] = {{TSR_DTYPE_F16, 1, dims, a.data(), 16},
                               {TSR_DTYPE_F32, 1, dims, b.data(), 32}};
  expectMessage(add(s.get(), wrongDType, output), TSR_STATUS_INVALID_ARGUMENT,
                "input 'a' (#0) is f32, got f16");

  int64_t matrix[2] = {2, 4};
  tsr_input_t wrongRank[2] = {{TSR_DTYPE_F32, 1, dims, a.data(), 32},
                              {TSR_DTYPE_F32, 2, matrix, b.data(), 32}};
  expectMessage(add(s.get(), wrongRank, output), TSR_STATUS_INVALID_ARGUMENT,
                "input 'b' (#1) has rank 1, got rank 2");

  tsr_input_t wrongBytes[2] = {{TSR_DTYPE_F32, 1, dims, a.data(), 32},
                               {TSR_DTYPE_F32, 1, dims, b.data(), 31}};
  expectMessage(add(s.get(), wrongBytes, output), TSR_STATUS_INVALID_ARGUMENT,
                "32 bytes, but its byte_size is 31");

  tsr_input_t good[2] = {{TSR_DTYPE_F32, 1, dims, a.data(), 32},
                         {TSR_DTYPE_F32, 1, dims, b.data(), 32}};
  expectMessage(take(tsr_session_run(s.get(), kAddFunction, good, 1, &output, 1)),
                TSR_STATUS_INVALID_ARGUMENT, "takes 2 inputs, got 1");

  tsr_output_t small = {sum.data(), 28, 1, outDims, 0};
  expectMessage(add(s.get(), good, small), TSR_STATUS_INVALID_ARGUMENT,
                "output 'sum' (#0) needs 32 bytes ([8] f32), but its capacity is 28");

  int64_t negative[1] = {-4};
  tsr_input_t negativeDim[2] = {{TSR_DTYPE_F32, 1, negative, a.data(), 0},
                                {TSR_DTYPE_F32, 1, dims, b.data(), 32}};
  expectMessage(add(s.get(), negativeDim, output), TSR_STATUS_INVALID_ARGUMENT,
                "input 'a' dim 0 ('n') is -4");

  expectMessage(take(tsr_session_run(s.get(), 9, good, 2, &output, 1)), TSR_STATUS_OUT_OF_RANGE,
                "function 9 does not exist");
}

TEST_F(Run, RejectsAStaticDimMismatch) {
  SessionPtr s = session(1);
  std::vector<float> x(2 * 15), y(2 * 16);
  int64_t dims[2] = {2, 15}, outDims[2];
  tsr_input_t input = {TSR_DTYPE_F32, 2, dims, x.data(), x.size() * 4};
  tsr_output_t output = {y.data(), y.size() * 4, 2, outDims, 0};
  expectMessage(take(tsr_session_run(s.get(), kAffineFunction, &input, 1, &output, 1)),
                TSR_STATUS_INVALID_ARGUMENT, "input 'x' dim 1 must be 16, got 15 in [2, 15]");
}

TEST_F(Run, RecoversAfterAFailedRun) {
  SessionPtr s = session(2);
  std::vector<float> sum;
  EXPECT_EQ(runAdd(s.get(), 6, 0, sum).code, TSR_STATUS_FAILED_PRECONDITION);
  Status status = runAdd(s.get(), 12, 1.0f, sum);
  ASSERT_EQ(status.code, TSR_STATUS_OK) << status.message;
  EXPECT_EQ(sum[11], 12.0f);
}

// Sessions share only the immutable module: two threads, each with its own
// multi-threaded session, run at the same time and both get exact results.
TEST_F(Run, TwoSessionsOnOneModuleRunConcurrently) {
  SessionPtr first = session(2), second = session(2);
  auto work = [](tsr_session_t *session, float seed, std::string *failure) {
    for (int iteration = 0; iteration < 200 && failure->empty(); ++iteration) {
      int64_t n = 4 * (1 + (iteration * 37) % 256);
      std::vector<float> sum;
      Status status = runAdd(session, n, seed + float(iteration), sum);
      if (status.code != TSR_STATUS_OK) {
        *failure = status.message;
        return;
      }
      for (int64_t i = 0; i < n; ++i)
        if (sum[size_t(i)] != float(i) + seed + float(iteration)) {
          *failure = "wrong sum at iteration " + std::to_string(iteration);
          return;
        }
    }
  };
  std::string firstFailure, secondFailure;
  std::thread a(work, first.get(), 0.5f, &firstFailure);
  std::thread b(work, second.get(), 1000.0f, &secondFailure);
  a.join();
  b.join();
  EXPECT_EQ(firstFailure, "");
  EXPECT_EQ(secondFailure, "");
}

TEST(RunArguments, NullHandlesAreInvalidArguments) {
  tsr_session_t *session = nullptr;
  EXPECT_EQ(take(tsr_session_create(nullptr, 1, &session)).code, TSR_STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(take(tsr_session_run(nullptr, 0, nullptr, 0, nullptr, 0)).code,
            TSR_STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(take(tsr_module_load_file(nullptr, nullptr)).code, TSR_STATUS_INVALID_ARGUMENT);
  size_t bytes = 0;
  EXPECT_EQ(take(tsr_dtype_size(tsr_dtype_t(42), &bytes)).code, TSR_STATUS_INVALID_ARGUMENT);
  ASSERT_EQ(take(tsr_dtype_size(TSR_DTYPE_BF16, &bytes)).code, TSR_STATUS_OK);
  EXPECT_EQ(bytes, 2u);
  EXPECT_STREQ(tsr_status_message(nullptr), "OK");
  EXPECT_STREQ(tsr_status_code_name(TSR_STATUS_FAILED_PRECONDITION), "FAILED_PRECONDITION");
  tsr_module_free(nullptr);
  tsr_session_free(nullptr);
  tsr_status_free(nullptr);
}

TEST(RunArguments, NarrowTypesTakeOneByteEach) {
  const std::pair<tsr_dtype_t, const char *> narrow[] = {
      {TSR_DTYPE_F8E4M3FN, "f8e4m3fn"}, {TSR_DTYPE_F8E4M3FNUZ, "f8e4m3fnuz"},
      {TSR_DTYPE_F8E5M2, "f8e5m2"},     {TSR_DTYPE_F8E5M2FNUZ, "f8e5m2fnuz"},
      {TSR_DTYPE_F8E8M0, "f8e8m0"},     {TSR_DTYPE_F4E2M1, "f4e2m1"},
      {TSR_DTYPE_I4, "i4"},             {TSR_DTYPE_U4, "u4"},
      {TSR_DTYPE_I2, "i2"},             {TSR_DTYPE_U2, "u2"}};
  for (const auto &[dtype, name] : narrow) {
    size_t bytes = 0;
    const char *actual = nullptr;
    ASSERT_EQ(take(tsr_dtype_size(dtype, &bytes)).code, TSR_STATUS_OK) << name;
    EXPECT_EQ(bytes, 1u) << name;
    ASSERT_EQ(take(tsr_dtype_name(dtype, &actual)).code, TSR_STATUS_OK) << name;
    EXPECT_STREQ(actual, name);
  }
  size_t bytes = 0;
  EXPECT_EQ(take(tsr_dtype_size(tsr_dtype_t(TSR_DTYPE_U2 + 1), &bytes)).code,
            TSR_STATUS_INVALID_ARGUMENT);
}

} // namespace
} // namespace tessera::test
