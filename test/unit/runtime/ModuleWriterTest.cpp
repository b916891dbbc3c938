//===- ModuleWriterTest.cpp - the .tsr file layout writeModule produces ---===//

#include "TestModules.h"

#include "tessera/kernel_abi.h"
#include "tessera/module_generated.h"

#include "gtest/gtest.h"
#include "llvm/Support/Error.h"

#include <cstring>

namespace tessera::test {
namespace {

namespace fb = tessera::module::fb;

TEST(ModuleWriter, PlacesTheKernelObjectAndWeightsInAlignedSegments) {
  auto test = makeTestModule();
  std::vector<char> bytes = readFile(writeTestModule(test->desc, "module.tsr"));
  ASSERT_GT(bytes.size(), 12u);
  ASSERT_TRUE(fb::SizePrefixedModuleBufferHasIdentifier(bytes.data()));
  size_t flatBufferSize = flatbuffers::ReadScalar<flatbuffers::uoffset_t>(bytes.data());
  flatbuffers::Verifier verifier(reinterpret_cast<const uint8_t *>(bytes.data()),
                                 flatBufferSize + 4);
  ASSERT_TRUE(fb::VerifySizePrefixedModuleBuffer(verifier));

  const fb::Module &module = *fb::GetSizePrefixedModule(bytes.data());
  EXPECT_EQ(module.schema_version(), TESSERA_MODULE_SCHEMA_VERSION);
  EXPECT_EQ(module.kernel_abi_version(), TESSERA_KERNEL_ABI_VERSION);
  EXPECT_EQ(module.kernel_object(), 0);
  ASSERT_EQ(module.segments()->size(), 2u);

  const std::vector<char> *contents[2] = {&test->kernelObject, &test->weight};
  uint64_t previousEnd = flatBufferSize + 4;
  for (flatbuffers::uoffset_t i = 0; i < 2; ++i) {
    const fb::Segment &segment = *module.segments()->Get(i);
    EXPECT_EQ(segment.offset() % TESSERA_BUFFER_ALIGNMENT, 0u) << "segment " << i;
    EXPECT_GE(segment.offset(), previousEnd) << "segment " << i;
    ASSERT_EQ(segment.size(), contents[i]->size()) << "segment " << i;
    ASSERT_LE(segment.offset() + segment.size(), bytes.size());
    EXPECT_EQ(std::memcmp(bytes.data() + segment.offset(), contents[i]->data(), segment.size()),
              0)
        << "segment " << i;
    previousEnd = segment.offset() + segment.size();
  }
  EXPECT_EQ(previousEnd, bytes.size());

  // Weight 0 of the description is segment 1 of the file.
  const fb::Buffer &constant = *module.functions()->Get(1)->buffers()->Get(1);
  EXPECT_EQ(constant.kind(), fb::BufferKind::constant);
  EXPECT_EQ(constant.index(), 1);
}

TEST(ModuleWriter, ReportsAnUnwritablePath) {
  auto test = makeTestModule();
  std::string path = tempPath("no-such-dir/module.tsr");
  llvm::Error error = module::writeModule(test->desc, path);
  ASSERT_TRUE(bool(error));
  std::string message = llvm::toString(std::move(error));
  EXPECT_NE(message.find(path), std::string::npos) << message;
}

TEST(ModuleWriter, RejectsAConstantWithoutItsWeight) {
  auto test = makeTestModule();
  test->desc.functions[kAffineFunction].buffers[1].index = 3;
  llvm::Error error = module::writeModule(test->desc, tempPath("module.tsr"));
  ASSERT_TRUE(bool(error));
  std::string message = llvm::toString(std::move(error));
  EXPECT_NE(message.find("function 'affine': a constant buffer refers to weight 3, but there "
                         "are 1 weights"),
            std::string::npos)
      << message;
}

} // namespace
} // namespace tessera::test
