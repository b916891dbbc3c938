//===- DualTargetTest.cpp - one module with CPU and CUDA code -------------===//
//
// A module compiled for the CPU and CUDA (tessera-compile
// --target=cpu,cuda:<arch>) without a GPU: its layout (each target's code
// objects, the weights once), what the C API says about it, its CPU
// session running the CPU's code, the verifier's checks of the other
// target, and the writer's. CudaFakeDriverTest.cpp runs its CUDA code.
//
//===----------------------------------------------------------------------===//

#include "TestModules.h"

#include "tessera/module_generated.h"

#include "gtest/gtest.h"

#include <functional>

namespace tessera::test {
namespace {

namespace fb = tessera::module::fb;

std::vector<char> writeBytes(const module::ModuleDesc &desc) {
  return readFile(writeTestModule(desc, "dual.tsr"));
}

/// The dual module after `edit` changed its description.
std::vector<char> dualWith(const std::function<void(module::ModuleDesc &)> &edit) {
  auto dual = makeDualTestModule();
  edit(dual->desc);
  return writeBytes(dual->desc);
}

/// The dual module's bytes after `mutate` edited its other target's tables.
std::vector<char> mutatedOther(const std::function<void(fb::TargetCode &)> &mutate) {
  auto dual = makeDualTestModule();
  std::vector<char> bytes = writeBytes(dual->desc);
  fb::Module &root = *fb::GetMutableSizePrefixedModule(bytes.data());
  mutate(*root.mutable_other_targets()->GetMutableObject(0));
  return bytes;
}

/// The constant segment `fn`'s buffers read (-1: none).
int32_t constantSegment(const fb::Function &fn) {
  for (const fb::Buffer *buffer : *fn.buffers())
    if (buffer->kind() == fb::BufferKind::constant)
      return buffer->index();
  return -1;
}

TEST(DualTargetModule, HoldsEachTargetsCodeAndTheWeightOnce) {
  auto dual = makeDualTestModule();
  std::vector<char> bytes = writeBytes(dual->desc);
  const fb::Module &root = *fb::GetSizePrefixedModule(bytes.data());
  // The CPU's kernel object, the one weight, the CUDA code's kernel object
  // (its shape functions) and its PTX: the weight is not stored twice.
  ASSERT_EQ(root.segments()->size(), 4u);
  EXPECT_EQ(root.kernel_object(), 0);
  EXPECT_EQ(root.cuda_ptx(), -1);
  EXPECT_STREQ(root.target()->c_str(), "x86_64-cpu:test:");
  ASSERT_NE(root.other_targets(), nullptr);
  ASSERT_EQ(root.other_targets()->size(), 1u);
  const fb::TargetCode &cuda = *root.other_targets()->Get(0);
  EXPECT_STREQ(cuda.target()->c_str(), "cuda:sm_80");
  EXPECT_STREQ(cuda.cuda_arch()->c_str(), "sm_80");
  EXPECT_EQ(cuda.kernel_object(), 2);
  EXPECT_EQ(cuda.cuda_ptx(), 3);
  ASSERT_EQ(cuda.functions()->size(), root.functions()->size());
  EXPECT_EQ(constantSegment(*root.functions()->Get(kAffineFunction)), 1);
  EXPECT_EQ(constantSegment(*cuda.functions()->Get(kAffineFunction)), 1);
  EXPECT_EQ(cuda.functions()->Get(kAddFunction)->dispatches()->Get(0)->workgroup_size()->Get(0),
            64);

  // A single-target module has no other_targets at all.
  auto cpu = makeTestModule();
  std::vector<char> cpuBytes = writeBytes(cpu->desc);
  EXPECT_EQ(fb::GetSizePrefixedModule(cpuBytes.data())->other_targets(), nullptr);
  EXPECT_EQ(fb::GetSizePrefixedModule(cpuBytes.data())->segments()->size(), 2u);
}

TEST(DualTargetModule, SupportsBothDevicesAndRunsItsCpuCodeOnTheCpu) {
  auto dual = makeDualTestModule(/*subtractOnCpu=*/true);
  ModulePtr module;
  Status loaded = loadFromMemory(writeBytes(dual->desc), module);
  ASSERT_EQ(loaded.code, TSR_STATUS_OK) << loaded.message;
  tsr_module_info_t info;
  ASSERT_EQ(take(tsr_module_info(module.get(), &info)).code, TSR_STATUS_OK);
  EXPECT_STREQ(info.target, "x86_64-cpu:test:");
  EXPECT_EQ(info.num_functions, 2u);
  tsr_device_kind_t kind = TSR_DEVICE_CUDA;
  ASSERT_EQ(take(tsr_module_device_kind(module.get(), &kind)).code, TSR_STATUS_OK);
  EXPECT_EQ(kind, TSR_DEVICE_CPU); // the primary target's
  for (tsr_device_kind_t device : {TSR_DEVICE_CPU, TSR_DEVICE_CUDA}) {
    int supported = 0;
    ASSERT_EQ(take(tsr_module_supports_device(module.get(), device, &supported)).code,
              TSR_STATUS_OK);
    EXPECT_EQ(supported, 1) << "device " << device;
  }

  tsr_session_t *raw = nullptr;
  ASSERT_EQ(take(tsr_session_create(module.get(), 1, &raw)).code, TSR_STATUS_OK);
  SessionPtr session(raw);
  std::vector<float> sum;
  ASSERT_EQ(runAdd(session.get(), 8, 0.25f, sum).code, TSR_STATUS_OK);
  for (size_t i = 0; i < sum.size(); ++i)
    EXPECT_EQ(sum[i], float(i) - 0.25f) << "the CPU's code computes a - b: " << i;
  // The weight both targets share, read in place.
  std::vector<float> x(2 * kAffineCols, 1.0f), y(x.size(), -1);
  int64_t dims[2] = {2, kAffineCols}, outDims[2] = {0, 0};
  tsr_input_t input = {TSR_DTYPE_F32, 2, dims, x.data(), x.size() * 4};
  tsr_output_t output = {y.data(), y.size() * 4, 2, outDims, 0};
  ASSERT_EQ(take(tsr_session_run(session.get(), kAffineFunction, &input, 1, &output, 1)).code,
            TSR_STATUS_OK);
  for (int64_t c = 0; c < kAffineCols; ++c)
    EXPECT_EQ(y[size_t(kAffineCols + c)], 2 * (1.0f + affineBias(c)));
}

TEST(DualTargetModule, SingleTargetModulesSupportTheirOwnDeviceOnly) {
  auto cpu = makeTestModule();
  auto cuda = makeCudaTestModule();
  ModulePtr cpuModule, cudaModule;
  ASSERT_EQ(loadFromMemory(writeBytes(cpu->desc), cpuModule).code, TSR_STATUS_OK);
  ASSERT_EQ(loadFromMemory(writeBytes(cuda->desc), cudaModule).code, TSR_STATUS_OK);
  int supported = -1;
  ASSERT_EQ(take(tsr_module_supports_device(cpuModule.get(), TSR_DEVICE_CUDA, &supported)).code,
            TSR_STATUS_OK);
  EXPECT_EQ(supported, 0);
  ASSERT_EQ(take(tsr_module_supports_device(cudaModule.get(), TSR_DEVICE_CPU, &supported)).code,
            TSR_STATUS_OK);
  EXPECT_EQ(supported, 0);
  ASSERT_EQ(take(tsr_module_supports_device(cudaModule.get(), TSR_DEVICE_CUDA, &supported)).code,
            TSR_STATUS_OK);
  EXPECT_EQ(supported, 1);
  Status unknown = take(tsr_module_supports_device(cpuModule.get(), tsr_device_kind_t(7),
                                                   &supported));
  EXPECT_EQ(unknown.code, TSR_STATUS_INVALID_ARGUMENT);
  EXPECT_NE(unknown.message.find("unknown device 7"), std::string::npos) << unknown.message;
  EXPECT_EQ(take(tsr_module_supports_device(nullptr, TSR_DEVICE_CPU, &supported)).code,
            TSR_STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(take(tsr_module_supports_device(cpuModule.get(), TSR_DEVICE_CPU, nullptr)).code,
            TSR_STATUS_INVALID_ARGUMENT);

  // A CUDA session of a CPU-only module says what is missing.
  tsr_session_options_t options = cudaSessionOptions();
  tsr_session_t *raw = nullptr;
  Status refused = take(tsr_session_create_with_options(cpuModule.get(), &options, &raw));
  EXPECT_EQ(refused.code, TSR_STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(raw, nullptr);
  EXPECT_NE(refused.message.find("--target=cpu,cuda:<arch>"), std::string::npos)
      << refused.message;
}

TEST(DualTargetModule, VerifiesTheOtherTargetsSegments) {
  expectRejected(mutatedOther([](fb::TargetCode &t) { EXPECT_TRUE(t.mutate_kernel_object(99)); }),
                 "target 'cuda:sm_80': the kernel object is segment 99, but the module has 4");
  expectRejected(mutatedOther([](fb::TargetCode &t) { EXPECT_TRUE(t.mutate_kernel_object(-3)); }),
                 "the kernel object is segment -3");
  expectRejected(mutatedOther([](fb::TargetCode &t) { EXPECT_TRUE(t.mutate_cuda_ptx(0)); }),
                 "target 'cuda:sm_80': the PTX is segment 0, which holds a kernel object");
  expectRejected(mutatedOther([](fb::TargetCode &t) { EXPECT_TRUE(t.mutate_cuda_ptx(2)); }),
                 "the PTX is segment 2, which holds the kernel object");
  expectRejected(mutatedOther([](fb::TargetCode &t) { EXPECT_TRUE(t.mutate_cuda_ptx(17)); }),
                 "the PTX is segment 17, but the module has 4 segments");
  // The primary's kernel object may not be the other target's PTX either.
  expectRejected(mutatedOther([](fb::TargetCode &t) { EXPECT_TRUE(t.mutate_kernel_object(3)); }),
                 "the PTX is segment 3, which holds the kernel object");
}

TEST(DualTargetModule, VerifiesTheOtherTargetsFunctions) {
  auto buffer = [](fb::TargetCode &t, size_t fn, size_t index) -> fb::Buffer & {
    return *t.mutable_functions()->GetMutableObject(flatbuffers::uoffset_t(fn))
                ->mutable_buffers()
                ->GetMutableObject(flatbuffers::uoffset_t(index));
  };
  // Constants are weights: not a kernel object or PTX of either target.
  expectRejected(mutatedOther([&](fb::TargetCode &t) {
                   EXPECT_TRUE(buffer(t, kAffineFunction, 1).mutate_index(0));
                 }),
                 "target 'cuda:sm_80': function 'affine': buffer 1 is a constant in segment 0, "
                 "which holds another target's code");
  expectRejected(mutatedOther([&](fb::TargetCode &t) {
                   EXPECT_TRUE(buffer(t, kAffineFunction, 1).mutate_index(3));
                 }),
                 "segment 3, which holds the PTX");
  expectRejected(mutatedOther([&](fb::TargetCode &t) {
                   EXPECT_TRUE(buffer(t, kAffineFunction, 1).mutate_index(9));
                 }),
                 "is constant segment 9, but the module has 4 segments");
  // Its dispatches call its own kernels and have CUDA's block sizes.
  expectRejected(mutatedOther([](fb::TargetCode &t) {
                   EXPECT_TRUE(t.mutable_functions()
                                   ->GetMutableObject(kAffineFunction)
                                   ->mutable_dispatches()
                                   ->GetMutableObject(1)
                                   ->mutate_kernel(3));
                 }),
                 "target 'cuda:sm_80': function 'affine': dispatch 1 ('double_rows') calls "
                 "kernel 3, but the module has 3 kernels");
  expectRejected(dualWith([](module::ModuleDesc &d) {
                   d.otherTargets[0].functions[kAddFunction].dispatches[0].workgroupSize = {};
                 }),
                 "0 workgroup sizes, not 3");
}

TEST(DualTargetModule, OtherTargetsHaveThePrimarysSignatures) {
  expectRejected(dualWith([](module::ModuleDesc &d) {
                   d.otherTargets[0].functions[kAddFunction].inputs[1].dtype = module::DType::i32;
                 }),
                 "target 'cuda:sm_80': function 'add': inputs[1] ('b') differs from the primary "
                 "target's");
  expectRejected(dualWith([](module::ModuleDesc &d) {
                   d.otherTargets[0].functions[kAddFunction].outputs[0].dims[0].value = 512;
                 }),
                 "function 'add': outputs[0]");
  expectRejected(dualWith([](module::ModuleDesc &d) {
                   d.otherTargets[0].functions[kAffineFunction].inputs[0].dimNames[0] = "batch";
                 }),
                 "function 'affine': inputs[0] ('x') differs");
  expectRejected(dualWith([](module::ModuleDesc &d) {
                   d.otherTargets[0].functions[kAddFunction].states.push_back({"acc", 0, 0, 0});
                 }),
                 "function 'add' has other states than the primary target's");
  // Their own slots, buffers and arena may differ: only what a caller sees
  // must not.
  ModulePtr module;
  Status loaded = loadFromMemory(dualWith([](module::ModuleDesc &d) {
                                   d.otherTargets[0].functions[kAffineFunction].arenaSize += 64;
                                 }),
                                 module);
  EXPECT_EQ(loaded.code, TSR_STATUS_OK) << loaded.message;
}

TEST(DualTargetModule, RejectsTruncationsAtEverySegment) {
  auto dual = makeDualTestModule();
  std::vector<char> bytes = writeBytes(dual->desc);
  const fb::Module &root = *fb::GetSizePrefixedModule(bytes.data());
  std::vector<size_t> cuts = {bytes.size() - 1};
  for (const fb::Segment *segment : *root.segments())
    cuts.push_back(size_t(segment->offset() + segment->size() / 2));
  for (size_t cut : cuts) {
    std::vector<char> truncated(bytes.begin(), bytes.begin() + std::ptrdiff_t(cut));
    expectRejected(truncated, "runs past the end of the file");
  }
}

TEST(DualTargetModule, TheWriterChecksTheOtherTargets) {
  auto expectRefused = [](const std::function<void(module::ModuleDesc &)> &edit,
                          const std::string &needle) {
    auto dual = makeDualTestModule();
    edit(dual->desc);
    llvm::Error error = module::writeModule(dual->desc, tempPath("refused.tsr"));
    ASSERT_TRUE(bool(error));
    std::string message = llvm::toString(std::move(error));
    EXPECT_NE(message.find(needle), std::string::npos) << message;
  };
  expectRefused([](module::ModuleDesc &d) { d.otherTargets[0].functions.pop_back(); },
                "target 'cuda:sm_80' has 1 functions, the primary target 2");
  expectRefused([](module::ModuleDesc &d) { d.otherTargets[0].functions[0].name = "sum"; },
                "function 0 is 'sum', the primary target's 'add'");
  expectRefused([](module::ModuleDesc &d) { d.otherTargets[0].cudaPtx = {}; },
                "runs on the primary target's kind of device");
  expectRefused([](module::ModuleDesc &d) { d.otherTargets.push_back(d.otherTargets[0]); },
                "runs on the same kind of device as target 'cuda:sm_80'");
  expectRefused(
      [](module::ModuleDesc &d) {
        d.otherTargets[0].functions[kAffineFunction].dispatches[1].kernel = 5;
      },
      "target 'cuda:sm_80': function 'affine', dispatch 'double_rows': kernel 5 of 3");
}

} // namespace
} // namespace tessera::test
