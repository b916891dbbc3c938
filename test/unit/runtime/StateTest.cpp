//===- StateTest.cpp - module metadata and session-kept state -------------===//
//
// The test module's "add" (sum = a + b) is cloned into "start" (produces
// state "acc" from its sum) and "step" (reads "acc" as a, writes sum back
// into it): a running sum kept by the session, as a KV cache is. "peek"
// reads "acc" as a and hands the sum to the caller.
//
//===----------------------------------------------------------------------===//

#include "TestModules.h"

#include "gtest/gtest.h"

namespace tessera::test {
namespace {

constexpr size_t kStart = 2, kStep = 3, kPeek = 4;

class State : public ::testing::Test {
protected:
  void SetUp() override {
    test_ = makeTestModule();
    addAccumulatorFunctions(test_->desc);
    test_->desc.metadata = {{"tokenizer.kind", "llama2c"}, {"empty", ""}};
  }

  Status load() {
    return loadFromMemory(readFile(writeTestModule(test_->desc, "state.tsr")), module_);
  }

  SessionPtr session() {
    tsr_session_t *raw = nullptr;
    EXPECT_EQ(take(tsr_session_create(module_.get(), 1, &raw)).code, TSR_STATUS_OK);
    return SessionPtr(raw);
  }

  /// Runs `function` with b = `value` (and a[i] = i for "start").
  Status run(tsr_session_t *s, size_t function, int64_t n, float value,
             std::vector<float> *sum = nullptr) {
    size_t count = static_cast<size_t>(n);
    std::vector<float> a(count), b(count, value), out(count, -1);
    for (int64_t i = 0; i < n; ++i)
      a[size_t(i)] = float(i);
    int64_t dims[1] = {n}, outDims[1] = {0};
    size_t bytes = size_t(n) * sizeof(float);
    tsr_input_t inputs[2] = {{TSR_DTYPE_F32, 1, dims, a.data(), bytes},
                             {TSR_DTYPE_F32, 1, dims, b.data(), bytes}};
    tsr_output_t output = {out.data(), bytes, 1, outDims, 0};
    bool start = function == kStart, peek = function == kPeek;
    Status status = take(tsr_session_run_with_state(s, function, start ? inputs : inputs + 1,
                                                    start ? 2 : 1, &output, peek ? 1 : 0));
    if (sum)
      *sum = out;
    return status;
  }

  std::unique_ptr<TestModule> test_;
  ModulePtr module_;
};

TEST_F(State, MetadataIsHandedOutByKey) {
  ASSERT_EQ(load().code, TSR_STATUS_OK);
  size_t n = 0;
  ASSERT_EQ(take(tsr_module_metadata_count(module_.get(), &n)).code, TSR_STATUS_OK);
  ASSERT_EQ(n, 2u);
  const char *key = nullptr;
  ASSERT_EQ(take(tsr_module_metadata_key(module_.get(), 1, &key)).code, TSR_STATUS_OK);
  EXPECT_STREQ(key, "empty");
  EXPECT_EQ(take(tsr_module_metadata_key(module_.get(), 2, &key)).code, TSR_STATUS_OUT_OF_RANGE);
  const void *data = nullptr;
  size_t size = 0;
  ASSERT_EQ(take(tsr_module_metadata(module_.get(), "tokenizer.kind", &data, &size)).code,
            TSR_STATUS_OK);
  EXPECT_EQ(std::string(static_cast<const char *>(data), size), "llama2c");
  ASSERT_EQ(take(tsr_module_metadata(module_.get(), "empty", &data, &size)).code, TSR_STATUS_OK);
  EXPECT_EQ(size, 0u);
  EXPECT_NE(data, nullptr);
  Status missing = take(tsr_module_metadata(module_.get(), "tokenizer.file", &data, &size));
  EXPECT_EQ(missing.code, TSR_STATUS_NOT_FOUND);
  EXPECT_NE(missing.message.find("'tokenizer.kind', 'empty'"), std::string::npos)
      << missing.message;
}

TEST_F(State, TensorsAreNamedAsState) {
  ASSERT_EQ(load().code, TSR_STATUS_OK);
  const char *name = "unset";
  ASSERT_EQ(take(tsr_module_tensor_state(module_.get(), kStep, TSR_IO_INPUT, 0, &name)).code,
            TSR_STATUS_OK);
  EXPECT_STREQ(name, "acc");
  ASSERT_EQ(take(tsr_module_tensor_state(module_.get(), kStep, TSR_IO_INPUT, 1, &name)).code,
            TSR_STATUS_OK);
  EXPECT_EQ(name, nullptr);
  ASSERT_EQ(take(tsr_module_tensor_state(module_.get(), kStart, TSR_IO_INPUT, 0, &name)).code,
            TSR_STATUS_OK);
  EXPECT_EQ(name, nullptr);
  EXPECT_EQ(take(tsr_module_tensor_state(module_.get(), kStep, TSR_IO_OUTPUT, 1, &name)).code,
            TSR_STATUS_OUT_OF_RANGE);
}

TEST_F(State, SessionCarriesTheStateBetweenRuns) {
  ASSERT_EQ(load().code, TSR_STATUS_OK);
  SessionPtr s = session();
  int64_t length = -1;
  ASSERT_EQ(take(tsr_session_state_length(s.get(), &length)).code, TSR_STATUS_OK);
  EXPECT_EQ(length, 0);
  Status early = run(s.get(), kStep, 8, 1);
  EXPECT_EQ(early.code, TSR_STATUS_FAILED_PRECONDITION) << early.message;

  ASSERT_EQ(run(s.get(), kStart, 8, 1).code, TSR_STATUS_OK); // acc[i] = i + 1
  for (int k = 0; k < 3; ++k)
    ASSERT_EQ(run(s.get(), kStep, 8, 2).code, TSR_STATUS_OK); // acc[i] = i + 7
  ASSERT_EQ(take(tsr_session_state_length(s.get(), &length)).code, TSR_STATUS_OK);
  EXPECT_EQ(length, 8);
  // A failed run (n is not a multiple of 4 here) leaves the state alone.
  EXPECT_EQ(run(s.get(), kStep, 6, 2).code, TSR_STATUS_INVALID_ARGUMENT);
  std::vector<float> sum;
  ASSERT_EQ(run(s.get(), kPeek, 8, 0.5f, &sum).code, TSR_STATUS_OK);
  for (size_t i = 0; i < sum.size(); ++i)
    EXPECT_EQ(sum[i], float(i) + 7.5f) << "element " << i;

  ASSERT_EQ(run(s.get(), kStart, 4, 0).code, TSR_STATUS_OK); // restarts, shorter
  ASSERT_EQ(take(tsr_session_state_length(s.get(), &length)).code, TSR_STATUS_OK);
  EXPECT_EQ(length, 4);
  ASSERT_EQ(run(s.get(), kPeek, 4, 0, &sum).code, TSR_STATUS_OK);
  EXPECT_EQ(sum, (std::vector<float>{0, 1, 2, 3}));

  ASSERT_EQ(take(tsr_session_reset_state(s.get())).code, TSR_STATUS_OK);
  EXPECT_EQ(run(s.get(), kStep, 4, 1).code, TSR_STATUS_FAILED_PRECONDITION);
}

TEST_F(State, RunWithStateTakesOnlyTheOtherTensors) {
  ASSERT_EQ(load().code, TSR_STATUS_OK);
  SessionPtr s = session();
  float a[4] = {0, 1, 2, 3};
  int64_t dims[1] = {4};
  tsr_input_t inputs[2] = {{TSR_DTYPE_F32, 1, dims, a, sizeof a},
                           {TSR_DTYPE_F32, 1, dims, a, sizeof a}};
  Status status = take(tsr_session_run_with_state(s.get(), kStep, inputs, 2, nullptr, 0));
  EXPECT_EQ(status.code, TSR_STATUS_INVALID_ARGUMENT);
  EXPECT_NE(status.message.find("takes 1 inputs and 0 outputs besides its states"),
            std::string::npos)
      << status.message;
}

TEST_F(State, LengthAxisOutsideTheRankIsRejected) {
  test_->desc.functions[kStep].states[0].lengthAxis = 1;
  Status status = load();
  EXPECT_EQ(status.code, TSR_STATUS_INVALID_MODULE);
  EXPECT_NE(status.message.find("length axis 1"), std::string::npos) << status.message;
}

TEST_F(State, OneStateHasOneShape) {
  test_->desc.functions[kStart].states[0].name = "acc";
  test_->desc.functions[kStart].outputs[0].dtype = module::DType::i32;
  test_->desc.functions[kStart].inputs[0].dtype = module::DType::i32;
  Status status = load();
  EXPECT_EQ(status.code, TSR_STATUS_INVALID_MODULE);
  EXPECT_NE(status.message.find("another dtype"), std::string::npos) << status.message;
}

TEST_F(State, StateSharingAnInputIsRejected) {
  test_->desc.functions[kStep].states.push_back({"other", 0, 0, 0});
  Status status = load();
  EXPECT_EQ(status.code, TSR_STATUS_INVALID_MODULE);
  EXPECT_NE(status.message.find("shares its input or output"), std::string::npos)
      << status.message;
}

} // namespace
} // namespace tessera::test
