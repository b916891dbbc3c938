//===- ModuleLoadTest.cpp - loading, inspecting and rejecting modules -----===//

#include "TestModules.h"

#include "tessera/module_generated.h"

#include "gtest/gtest.h"

#include <cstdlib>
#include <functional>

namespace tessera::test {
namespace {

namespace fb = tessera::module::fb;

/// The module's bytes after `mutate` edited its FlatBuffer in place.
std::vector<char> mutated(const std::function<void(fb::Module &)> &mutate) {
  auto test = makeTestModule();
  std::vector<char> bytes = readFile(writeTestModule(test->desc, "module.tsr"));
  mutate(*fb::GetMutableSizePrefixedModule(bytes.data()));
  return bytes;
}

fb::Function &function(fb::Module &module, size_t index) {
  return *module.mutable_functions()->GetMutableObject(flatbuffers::uoffset_t(index));
}

fb::Binding &binding(fb::Module &module, size_t fn, size_t dispatch, size_t index) {
  return *function(module, fn)
              .mutable_dispatches()
              ->GetMutableObject(flatbuffers::uoffset_t(dispatch))
              ->mutable_bindings()
              ->GetMutableObject(flatbuffers::uoffset_t(index));
}

size_t headerEnd(const std::vector<char> &bytes) {
  return 4 + flatbuffers::ReadScalar<flatbuffers::uoffset_t>(bytes.data());
}


TEST(ModuleLoad, LoadsFromFileAndDescribesSignatures) {
  auto test = makeTestModule();
  std::string path = writeTestModule(test->desc, "module.tsr");
  tsr_module_t *raw = nullptr;
  Status status = take(tsr_module_load_file(path.c_str(), &raw));
  ModulePtr module(raw);
  ASSERT_EQ(status.code, TSR_STATUS_OK) << status.message;

  tsr_module_info_t info;
  ASSERT_EQ(take(tsr_module_info(module.get(), &info)).code, TSR_STATUS_OK);
  EXPECT_STREQ(info.producer, "tessera runtime tests");
  EXPECT_STREQ(info.target, "x86_64-cpu:test:");
  EXPECT_EQ(info.num_functions, 2u);

  const char *name = nullptr;
  ASSERT_EQ(take(tsr_module_function_name(module.get(), kAffineFunction, &name)).code,
            TSR_STATUS_OK);
  EXPECT_STREQ(name, "affine");
  size_t index = 99;
  ASSERT_EQ(take(tsr_module_find_function(module.get(), "add", &index)).code, TSR_STATUS_OK);
  EXPECT_EQ(index, kAddFunction);
  Status missing = take(tsr_module_find_function(module.get(), "mul", &index));
  EXPECT_EQ(missing.code, TSR_STATUS_NOT_FOUND);
  EXPECT_NE(missing.message.find("'add', 'affine'"), std::string::npos) << missing.message;

  size_t numInputs = 0, numOutputs = 0;
  ASSERT_EQ(take(tsr_module_function_arity(module.get(), kAddFunction, &numInputs, &numOutputs))
                .code,
            TSR_STATUS_OK);
  EXPECT_EQ(numInputs, 2u);
  EXPECT_EQ(numOutputs, 1u);

  tsr_tensor_info_t tensor;
  ASSERT_EQ(take(tsr_module_tensor_info(module.get(), kAffineFunction, TSR_IO_OUTPUT, 0, &tensor))
                .code,
            TSR_STATUS_OK);
  EXPECT_STREQ(tensor.name, "y");
  EXPECT_EQ(tensor.dtype, TSR_DTYPE_F32);
  EXPECT_EQ(tensor.rank, 2u);

  tsr_dim_info_t dim;
  ASSERT_EQ(take(tsr_module_tensor_dim(module.get(), kAffineFunction, TSR_IO_INPUT, 0, 0, &dim))
                .code,
            TSR_STATUS_OK);
  EXPECT_EQ(dim.size, -1);
  EXPECT_EQ(dim.max, kAffineMaxRows);
  EXPECT_STREQ(dim.name, "rows");
  ASSERT_EQ(take(tsr_module_tensor_dim(module.get(), kAffineFunction, TSR_IO_INPUT, 0, 1, &dim))
                .code,
            TSR_STATUS_OK);
  EXPECT_EQ(dim.size, kAffineCols);
  EXPECT_EQ(dim.max, kAffineCols);
  EXPECT_STREQ(dim.name, "");

  EXPECT_EQ(take(tsr_module_tensor_dim(module.get(), kAffineFunction, TSR_IO_INPUT, 0, 2, &dim))
                .code,
            TSR_STATUS_OUT_OF_RANGE);
  EXPECT_EQ(take(tsr_module_tensor_info(module.get(), 7, TSR_IO_INPUT, 0, &tensor)).code,
            TSR_STATUS_OUT_OF_RANGE);
}

TEST(ModuleLoad, MissingFileIsNotFound) {
  tsr_module_t *module = nullptr;
  Status status = take(tsr_module_load_file(tempPath("absent.tsr").c_str(), &module));
  EXPECT_EQ(status.code, TSR_STATUS_NOT_FOUND);
  EXPECT_NE(status.message.find("absent.tsr"), std::string::npos) << status.message;
}

TEST(ModuleLoad, CopiesUnalignedMemoryAndBorrowsAlignedMemory) {
  auto test = makeTestModule();
  std::vector<char> bytes = readFile(writeTestModule(test->desc, "module.tsr"));
  // 64-aligned storage; +1 gives a deliberately unaligned start.
  void *block = nullptr;
  ASSERT_EQ(posix_memalign(&block, 64, bytes.size() + 64), 0);
  std::unique_ptr<char, decltype(&std::free)> storage(static_cast<char *>(block), &std::free);
  std::copy(bytes.begin(), bytes.end(), storage.get() + 1);

  tsr_module_t *raw = nullptr;
  Status copied = take(
      tsr_module_load_memory(storage.get() + 1, bytes.size(), TSR_MODULE_LOAD_COPY, &raw));
  ModulePtr copy(raw);
  EXPECT_EQ(copied.code, TSR_STATUS_OK) << copied.message;

  Status unaligned = take(
      tsr_module_load_memory(storage.get() + 1, bytes.size(), TSR_MODULE_LOAD_BORROW, &raw));
  EXPECT_EQ(unaligned.code, TSR_STATUS_INVALID_ARGUMENT);
  EXPECT_NE(unaligned.message.find("aligned"), std::string::npos) << unaligned.message;

  std::copy(bytes.begin(), bytes.end(), storage.get());
  raw = nullptr;
  Status borrowed =
      take(tsr_module_load_memory(storage.get(), bytes.size(), TSR_MODULE_LOAD_BORROW, &raw));
  ModulePtr borrow(raw);
  EXPECT_EQ(borrowed.code, TSR_STATUS_OK) << borrowed.message;

  EXPECT_EQ(take(tsr_module_load_memory(storage.get(), bytes.size(), 4, &raw)).code,
            TSR_STATUS_INVALID_ARGUMENT);
}

TEST(ModuleLoad, RejectsAFlippedIdentifierByte) {
  auto test = makeTestModule();
  std::vector<char> bytes = readFile(writeTestModule(test->desc, "module.tsr"));
  bytes[9] ^= 0x20; // "TSRM" -> "TsRM"
  expectRejected(bytes, TSR_STATUS_INVALID_MODULE, "file identifier is 'TsRM'");
}

TEST(ModuleLoad, RejectsAFlippedSizePrefix) {
  auto test = makeTestModule();
  std::vector<char> bytes = readFile(writeTestModule(test->desc, "module.tsr"));
  bytes[3] ^= 0x40; // the prefix's high byte: far past the end of the file
  expectRejected(bytes, TSR_STATUS_INVALID_MODULE, "size prefix");
}

// Whatever byte of the header is flipped, loading either fails with a status
// or yields a module that verified: it never crashes.
TEST(ModuleLoad, EveryHeaderByteFlipIsRejectedOrVerified) {
  auto test = makeTestModule();
  std::vector<char> bytes = readFile(writeTestModule(test->desc, "module.tsr"));
  size_t rejected = 0, end = headerEnd(bytes);
  for (size_t i = 0; i < end; ++i) {
    std::vector<char> flipped = bytes;
    flipped[i] ^= char(0xff);
    ModulePtr module;
    Status status = loadFromMemory(flipped, module);
    EXPECT_EQ(status.code == TSR_STATUS_OK, module != nullptr) << "byte " << i;
    rejected += status.code != TSR_STATUS_OK;
  }
  EXPECT_GT(rejected, end / 4);
}

// A kernel-object segment cut short (a corrupt size in the segment table)
// leaves ELF segments past the object's end, which dlopen would touch and
// fault on (SIGBUS): it is rejected first. Cutting only what dlopen does
// not read (section headers, at the end) may still load.
TEST(ModuleLoad, AKernelObjectCutShortIsRejectedNotMapped) {
  std::vector<char> whole = mutated([](fb::Module &) {});
  uint64_t objectSize = 0;
  mutated([&](fb::Module &module) { objectSize = module.segments()->Get(0)->size(); });
  size_t rejected = 0;
  for (uint64_t cut = 1; cut < objectSize; cut += cut < 128 ? 31 : 61) {
    std::vector<char> bytes = mutated([&](fb::Module &module) {
      const_cast<fb::Segment *>(module.segments()->Get(0))->mutate_size(cut);
    });
    ModulePtr module;
    Status status = loadFromMemory(bytes, module);
    EXPECT_EQ(status.code == TSR_STATUS_OK, module != nullptr) << "cut at " << cut;
    if (status.code != TSR_STATUS_OK) {
      ++rejected;
      EXPECT_EQ(status.code, TSR_STATUS_INVALID_MODULE) << status.message;
      EXPECT_NE(status.message.find("kernel object"), std::string::npos) << status.message;
    }
  }
  EXPECT_GT(rejected, 0u);
  ModulePtr module;
  EXPECT_EQ(loadFromMemory(whole, module).code, TSR_STATUS_OK);
}

TEST(ModuleLoad, RejectsTruncatedFiles) {
  auto test = makeTestModule();
  std::vector<char> bytes = readFile(writeTestModule(test->desc, "module.tsr"));
  size_t end = headerEnd(bytes);
  for (size_t size : {size_t(1), size_t(11), size_t(100), end - 1, end, bytes.size() - 1}) {
    std::vector<char> truncated(bytes.begin(), bytes.begin() + std::ptrdiff_t(size));
    expectRejected(truncated, TSR_STATUS_INVALID_MODULE, "invalid module");
  }
  std::string path = tempPath("truncated.tsr");
  writeFile(path, std::vector<char>(bytes.begin(), bytes.end() - 1));
  tsr_module_t *module = nullptr;
  Status status = take(tsr_module_load_file(path.c_str(), &module));
  EXPECT_EQ(status.code, TSR_STATUS_INVALID_MODULE);
  EXPECT_NE(status.message.find("truncated.tsr"), std::string::npos) << status.message;
  EXPECT_NE(status.message.find("runs past the end"), std::string::npos) << status.message;

  writeFile(path, {});
  status = take(tsr_module_load_file(path.c_str(), &module));
  EXPECT_EQ(status.code, TSR_STATUS_INVALID_MODULE);
  EXPECT_NE(status.message.find("empty"), std::string::npos) << status.message;
}

TEST(ModuleLoad, RejectsSegmentsOutsideTheFile) {
  std::vector<char> past = mutated([](fb::Module &m) {
    m.mutable_segments()->GetMutableObject(1)->mutate_offset(1 << 20);
  });
  expectRejected(past, TSR_STATUS_INVALID_MODULE, "segment 1");
  expectRejected(past, TSR_STATUS_INVALID_MODULE, "runs past the end of the file");

  // offset + size wraps around: must not pass as "inside".
  expectRejected(mutated([](fb::Module &m) {
                   m.mutable_segments()->GetMutableObject(1)->mutate_size(~uint64_t(0) - 8);
                 }),
                 TSR_STATUS_INVALID_MODULE, "runs past the end");
  expectRejected(mutated([](fb::Module &m) {
                   fb::Segment *segment = m.mutable_segments()->GetMutableObject(1);
                   segment->mutate_offset(segment->offset() + 8);
                 }),
                 TSR_STATUS_INVALID_MODULE, "not 64-byte aligned");
  expectRejected(mutated([](fb::Module &m) {
                   m.mutable_segments()->GetMutableObject(1)->mutate_offset(0);
                 }),
                 TSR_STATUS_INVALID_MODULE, "inside the module header");
}

TEST(ModuleLoad, RejectsOutOfRangeIndices) {
  expectRejected(mutated([](fb::Module &m) {
                   binding(m, kAffineFunction, 0, 1).mutate_buffer(99);
                 }),
                 TSR_STATUS_INVALID_MODULE, "binding 1 refers to buffer 99");
  expectRejected(mutated([](fb::Module &m) {
                   EXPECT_TRUE(function(m, kAffineFunction)
                                   .mutable_dispatches()
                                   ->GetMutableObject(1)
                                   ->mutate_kernel(7));
                 }),
                 TSR_STATUS_INVALID_MODULE, "calls kernel 7");
  expectRejected(mutated([](fb::Module &m) {
                   EXPECT_TRUE(function(m, kAffineFunction)
                                   .mutable_buffers()
                                   ->GetMutableObject(1)
                                   ->mutate_index(5));
                 }),
                 TSR_STATUS_INVALID_MODULE, "constant segment 5");
  expectRejected(mutated([](fb::Module &m) {
                   function(m, kAddFunction).mutable_dispatches()->GetMutableObject(0)
                       ->mutable_push_constants()->Mutate(0, 2);
                 }),
                 TSR_STATUS_INVALID_MODULE, "reads scalar slot 2");
}

TEST(ModuleLoad, RejectsBuffersBeyondTheirStorage) {
  expectRejected(mutated([](fb::Module &m) {
                   EXPECT_TRUE(function(m, kAffineFunction)
                                   .mutable_buffers()
                                   ->GetMutableObject(2)
                                   ->mutate_offset(1000));
                 }),
                 TSR_STATUS_INVALID_MODULE, "outside the arena");
  expectRejected(mutated([](fb::Module &m) {
                   EXPECT_TRUE(function(m, kAffineFunction)
                                   .mutable_buffers()
                                   ->GetMutableObject(1)
                                   ->mutate_size(4096));
                 }),
                 TSR_STATUS_INVALID_MODULE, "larger than its segment");
  expectRejected(mutated([](fb::Module &m) {
                   binding(m, kAffineFunction, 0, 1).mutate_offset(1 << 20);
                 }),
                 TSR_STATUS_INVALID_MODULE, "binding 1 starts at offset");
}

TEST(ModuleLoad, RejectsOtherVersions) {
  expectRejected(mutated([](fb::Module &m) { EXPECT_TRUE(m.mutate_schema_version(99)); }),
                 TSR_STATUS_UNSUPPORTED, "schema version 99");
  expectRejected(mutated([](fb::Module &m) { EXPECT_TRUE(m.mutate_kernel_abi_version(42)); }),
                 TSR_STATUS_UNSUPPORTED, "kernel ABI version 42");
}

TEST(ModuleLoad, RejectsAFunctionWithoutShapeFunctionReadingDerivedSlots) {
  auto test = makeTestModule();
  test->desc.functions[kAddFunction].shapeFunction = "";
  ModulePtr module;
  Status status =
      loadFromMemory(readFile(writeTestModule(test->desc, "module.tsr")), module);
  EXPECT_EQ(status.code, TSR_STATUS_INVALID_MODULE);
  EXPECT_NE(status.message.find("reads scalar slot 1, which no input dim sets"),
            std::string::npos)
      << status.message;
}

TEST(ModuleLoad, NamesAMissingKernelSymbol) {
  auto test = makeTestModule();
  test->desc.kernels.push_back("tsr_test_no_such_kernel");
  ModulePtr module;
  Status status = loadFromMemory(readFile(writeTestModule(test->desc, "module.tsr")), module);
  EXPECT_EQ(status.code, TSR_STATUS_INVALID_MODULE);
  EXPECT_NE(status.message.find("no symbol 'tsr_test_no_such_kernel' (kernel 3)"),
            std::string::npos)
      << status.message;
}

TEST(ModuleLoad, NamesAMissingShapeFunction) {
  auto test = makeTestModule();
  test->desc.functions[kAddFunction].shapeFunction = "tsr_test_no_such_shape";
  ModulePtr module;
  Status status = loadFromMemory(readFile(writeTestModule(test->desc, "module.tsr")), module);
  EXPECT_EQ(status.code, TSR_STATUS_INVALID_MODULE);
  EXPECT_NE(status.message.find("'tsr_test_no_such_shape' (the shape function of 'add')"),
            std::string::npos)
      << status.message;
}

TEST(ModuleLoad, RejectsAKernelObjectThatIsNotAnElfObject) {
  auto test = makeTestModule();
  std::vector<char> garbage(256, 'x');
  test->desc.kernelObject = garbage;
  ModulePtr module;
  Status status = loadFromMemory(readFile(writeTestModule(test->desc, "module.tsr")), module);
  EXPECT_EQ(status.code, TSR_STATUS_INVALID_MODULE);
  EXPECT_NE(status.message.find("does not load as a shared object"), std::string::npos)
      << status.message;
}

// Each load gets its own copy of the kernel object, even when the memfd
// (and so the /proc/self/fd path) of an earlier, freed module is reused.
TEST(ModuleLoad, EachModuleRunsItsOwnKernelObject) {
  auto adding = makeTestModule(), subtracting = makeTestModule(/*subtract=*/true);
  std::vector<char> addBytes = readFile(writeTestModule(adding->desc, "add.tsr"));
  std::vector<char> subBytes = readFile(writeTestModule(subtracting->desc, "sub.tsr"));
  for (int round = 0; round < 3; ++round) {
    for (bool subtract : {false, true}) {
      ModulePtr module;
      ASSERT_EQ(loadFromMemory(subtract ? subBytes : addBytes, module).code, TSR_STATUS_OK);
      tsr_session_t *raw = nullptr;
      ASSERT_EQ(take(tsr_session_create(module.get(), 1, &raw)).code, TSR_STATUS_OK);
      SessionPtr session(raw);
      std::vector<float> out;
      ASSERT_EQ(runAdd(session.get(), 8, 2.0f, out).code, TSR_STATUS_OK);
      EXPECT_EQ(out[5], subtract ? 3.0f : 7.0f) << "round " << round;
    }
  }
}

} // namespace
} // namespace tessera::test
