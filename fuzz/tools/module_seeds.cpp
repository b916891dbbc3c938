//===- module_seeds.cpp - seed modules for the module_loader harness ------===//
//
//   tessera-fuzz-module-seeds OUT_DIR [compiled.tsr ...]
//
// Writes a handful of synthetic modules with the real module writer (one
// per shape of function the runtime handles: dynamic dims with a shape
// function, static dims, arena and constant buffers, no dispatch, several
// dtypes, no function at all, a CUDA module, one for the CPU and CUDA), and
// copies each compiled module given with
// its kernel object cut to the first 64 bytes (the ELF header) and the
// segments packed again: the harness never loads the object (see
// fuzz/common/StubKernelLibrary.cpp), so its bytes would only dilute the
// mutations.
//
//===----------------------------------------------------------------------===//

#include "codegen/module/ModuleWriter.h"

#include "tessera/kernel_abi.h"
#include "tessera/module_generated.h"

#include "llvm/Support/Error.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

using namespace tessera::module;
namespace fb = tessera::module::fb;

namespace {

/// What the stub loader accepts as a kernel object: a 64-bit ELF header
/// with no program or section headers.
std::vector<char> fakeKernelObject() {
  std::vector<char> object(64, 0);
  std::memcpy(object.data(), "\x7f" "ELF\x02\x01\x01", 7);
  return object;
}

/// The first 64 bytes of a real object, its ELF header, with the program
/// and section header counts cleared (the tables are cut off).
void cutToElfHeader(char *object) {
  std::memset(object + 56, 0, 2); // e_phnum
  std::memset(object + 60, 0, 4); // e_shnum, e_shstrndx
}

TensorSigDesc tensor(const std::string &name, DType dtype, std::vector<DimDesc> dims,
                     std::vector<std::string> dimNames, int32_t buffer) {
  TensorSigDesc sig;
  sig.name = name;
  sig.dtype = dtype;
  sig.dims = std::move(dims);
  sig.dimNames = std::move(dimNames);
  sig.buffer = buffer;
  return sig;
}

BufferDesc buffer(BufferKind kind, int32_t index, int64_t size, int64_t offset = 0) {
  BufferDesc b;
  b.kind = kind;
  b.index = index;
  b.size = size;
  b.offset = offset;
  return b;
}

/// add: a [n] + b [n] -> sum [n], n dynamic (max 1024), a shape function.
FunctionDesc addFunction() {
  FunctionDesc fn;
  fn.name = "add";
  DimDesc n{1024, 0};
  fn.inputs = {tensor("a", DType::f32, {n}, {"n"}, 0), tensor("b", DType::f32, {n}, {"n"}, 1)};
  fn.outputs = {tensor("sum", DType::f32, {n}, {"n"}, 2)};
  fn.numScalars = 2;
  fn.shapeFunction = "tsr_test_add_shape";
  fn.checks = {"n is a multiple of 4"};
  fn.buffers = {buffer(BufferKind::input, 0, 4096), buffer(BufferKind::input, 1, 4096),
                buffer(BufferKind::output, 0, 4096)};
  DispatchDesc d;
  d.name = "add";
  d.kernel = 0;
  d.workgroupCount[0] = {16, 1};
  d.workgroupCount[1] = {1, -1};
  d.workgroupCount[2] = {1, -1};
  d.bindings = {{0, 0}, {1, 0}, {2, 0}};
  d.pushConstants = {0};
  fn.dispatches = {d};
  return fn;
}

/// affine: y [rows, 16] = 2 * (x + bias); a constant, an arena buffer, two
/// dispatches on the x, y and z axes; no shape function (rows is an input dim).
FunctionDesc affineFunction() {
  FunctionDesc fn;
  fn.name = "affine";
  DimDesc rows{8, 0}, cols{16, -1};
  fn.inputs = {tensor("x", DType::f32, {rows, cols}, {"rows", ""}, 0)};
  fn.outputs = {tensor("y", DType::f32, {rows, cols}, {"rows", ""}, 3)};
  fn.numScalars = 1;
  int64_t bytes = 8 * 16 * 4;
  fn.buffers = {buffer(BufferKind::input, 0, bytes), buffer(BufferKind::constant, 0, 128),
                buffer(BufferKind::arena, 0, bytes, 64), buffer(BufferKind::output, 0, bytes)};
  fn.arenaSize = 64 + bytes;
  DispatchDesc bias;
  bias.name = "bias_add";
  bias.kernel = 1;
  bias.workgroupCount[0] = {16, -1};
  bias.workgroupCount[1] = {8, 0};
  bias.workgroupCount[2] = {1, -1};
  bias.bindings = {{0, 0}, {1, 64}, {2, 0}};
  DispatchDesc twice;
  twice.name = "double_rows";
  twice.kernel = 2;
  twice.workgroupCount[0] = {1, -1};
  twice.workgroupCount[1] = {1, -1};
  twice.workgroupCount[2] = {8, 0};
  twice.bindings = {{2, 0}, {3, 0}};
  twice.pushConstants = {0};
  fn.dispatches = {bias, twice};
  return fn;
}

/// scale: all-static i64 and f16 inputs, a bool output; runs in the harness.
FunctionDesc staticFunction() {
  FunctionDesc fn;
  fn.name = "static_mixed";
  // (The writer accepts no dim names at all, but writes an empty list that
  // the runtime refuses for a ranked tensor: every dim gets a name here.)
  fn.inputs = {tensor("ids", DType::i64, {{2, -1}, {3, -1}}, {"", ""}, 0),
               tensor("h", DType::f16, {{4, -1}}, {""}, 1),
               tensor("unused", DType::u8, {{1, -1}}, {""}, -1)};
  fn.outputs = {tensor("mask", DType::bool_, {{2, -1}, {3, -1}}, {"", ""}, 2),
                tensor("wide", DType::f32, {{4, -1}}, {""}, 3)};
  fn.buffers = {buffer(BufferKind::input, 0, 48), buffer(BufferKind::input, 1, 8),
                buffer(BufferKind::output, 0, 6), buffer(BufferKind::output, 1, 16),
                buffer(BufferKind::arena, 0, 64, 0)};
  fn.arenaSize = 64;
  DispatchDesc d;
  d.name = "mask";
  d.kernel = 0;
  d.workgroupCount[0] = {2, -1};
  d.workgroupCount[1] = {3, -1};
  d.workgroupCount[2] = {1, -1};
  d.bindings = {{0, 0}, {2, 0}, {4, 0}};
  DispatchDesc e;
  e.name = "widen";
  e.kernel = 1;
  e.workgroupCount[0] = {4, -1};
  e.workgroupCount[1] = {1, -1};
  e.workgroupCount[2] = {1, -1};
  e.bindings = {{1, 0}, {3, 0}};
  fn.dispatches = {d, e};
  return fn;
}

/// empty: no inputs, one static output, no dispatch (nothing to compute).
FunctionDesc emptyFunction() {
  FunctionDesc fn;
  fn.name = "nothing";
  fn.outputs = {tensor("zero", DType::f32, {{0, -1}, {5, -1}}, {"", ""}, -1)};
  return fn;
}

/// prefill: x [n] -> cache [n], the cache a state "kv" (n dynamic, max 8);
/// decode: past [n] (state "kv") -> present [n] (the next "kv"). No shape
/// function: the slot comes from the input dim. No dispatch: the harness runs
/// no kernels, what it fuzzes is the state binding.
FunctionDesc statePrefill() {
  FunctionDesc fn;
  fn.name = "prefill";
  DimDesc n{8, 0};
  fn.inputs = {tensor("x", DType::f32, {n}, {"n"}, -1)};
  fn.outputs = {tensor("cache", DType::f32, {n}, {"n"}, -1)};
  fn.numScalars = 1;
  fn.states = {{"kv", -1, 0, 0}};
  return fn;
}

FunctionDesc stateDecode() {
  FunctionDesc fn = statePrefill();
  fn.name = "decode";
  fn.inputs[0].name = "past";
  fn.outputs[0].name = "present";
  fn.states = {{"kv", 0, 0, 0}};
  return fn;
}

int write(const ModuleDesc &desc, const std::string &path) {
  if (llvm::Error error = writeModule(desc, path)) {
    std::fprintf(stderr, "module_seeds: %s: %s\n", path.c_str(),
                 llvm::toString(std::move(error)).c_str());
    return 1;
  }
  return 0;
}

int writeSynthetic(const std::string &out) {
  static const std::vector<char> object = fakeKernelObject();
  static const std::vector<char> weight(256, 1);
  int failures = 0;

  ModuleDesc both;
  both.producer = "tessera fuzz seeds";
  both.target = "x86_64-cpu:seed:";
  both.kernels = {"tsr_test_add_f32", "tsr_test_bias_add", "tsr_test_double_rows"};
  both.kernelObject = object;
  both.weights = {weight};
  both.functions = {addFunction(), affineFunction()};
  failures += write(both, out + "/synthetic-add-affine.tsr");

  ModuleDesc mixed;
  mixed.producer = "tessera fuzz seeds";
  mixed.target = "x86_64-cpu:seed:";
  mixed.kernels = {"k_mask", "k_widen"};
  mixed.kernelObject = object;
  mixed.functions = {staticFunction(), emptyFunction()};
  failures += write(mixed, out + "/synthetic-static.tsr");

  ModuleDesc none;
  none.producer = "tessera fuzz seeds";
  none.target = "";
  none.kernelObject = object;
  failures += write(none, out + "/synthetic-no-functions.tsr");

  ModuleDesc onlyEmpty = none;
  onlyEmpty.functions = {emptyFunction()};
  failures += write(onlyEmpty, out + "/synthetic-no-kernels.tsr");

  ModuleDesc stateful = none;
  stateful.functions = {statePrefill(), stateDecode()};
  stateful.metadata = {{"tokenizer.kind", "gpt2"}, {"tokenizer.file", std::string(40, 'v')},
                       {"empty", ""}};
  failures += write(stateful, out + "/synthetic-states-metadata.tsr");

  // A CUDA module: PTX segment, arch, a workgroup size on every dispatch.
  static const char ptx[] = ".version 7.8\n.target sm_80\n.address_size 64\n";
  ModuleDesc cuda = both;
  cuda.target = "cuda:sm_80";
  cuda.cudaPtx = llvm::ArrayRef<char>(ptx, sizeof(ptx)); // with its NUL
  cuda.cudaArch = "sm_80";
  for (FunctionDesc &fn : cuda.functions)
    for (DispatchDesc &dispatch : fn.dispatches)
      dispatch.workgroupSize = {64, 1, 1};
  failures += write(cuda, out + "/synthetic-cuda.tsr");

  // Both: the CPU's code primary, the CUDA code another target (its own
  // kernel object and PTX segments), the weight shared.
  ModuleDesc dual = both;
  dual.otherTargets.push_back(static_cast<const TargetDesc &>(cuda));
  failures += write(dual, out + "/synthetic-cpu-cuda.tsr");
  return failures;
}

std::vector<char> readFile(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<char>(std::istreambuf_iterator<char>(in), {});
}

uint64_t alignUp(uint64_t v) {
  return (v + TESSERA_BUFFER_ALIGNMENT - 1) & ~uint64_t(TESSERA_BUFFER_ALIGNMENT - 1);
}

/// `in` with its kernel object cut to 64 bytes, the segments packed again.
int shrink(const std::string &in, const std::string &out) {
  std::vector<char> bytes = readFile(in);
  const auto *data = reinterpret_cast<const uint8_t *>(bytes.data());
  if (bytes.size() < 8) {
    std::fprintf(stderr, "module_seeds: %s: too short\n", in.c_str());
    return 1;
  }
  // The verifier wants exactly the size-prefixed FlatBuffer.
  uint64_t headerEnd = 4 + uint64_t(flatbuffers::ReadScalar<uint32_t>(data));
  flatbuffers::Verifier verifier(data, headerEnd <= bytes.size() ? headerEnd : 0);
  if (headerEnd > bytes.size() || !fb::VerifySizePrefixedModuleBuffer(verifier)) {
    std::fprintf(stderr, "module_seeds: %s: not a module\n", in.c_str());
    return 1;
  }
  std::vector<char> result(bytes.begin(), bytes.begin() + headerEnd);
  // Rewrite the segment table in place, then append the segments: pointers
  // into `result` are not used once it grows.
  struct Copy {
    uint64_t from, to, size;
    bool isObject;
  };
  std::vector<Copy> copies;
  {
    fb::Module *module = fb::GetMutableSizePrefixedModule(result.data());
    auto *segments = module->mutable_segments();
    // Every target's kernel object (a module for the CPU and CUDA has two).
    std::vector<int32_t> objects{module->kernel_object()};
    if (const auto *others = module->other_targets())
      for (const fb::TargetCode *other : *others)
        objects.push_back(other->kernel_object());
    uint64_t cursor = alignUp(headerEnd);
    for (flatbuffers::uoffset_t i = 0; segments && i < segments->size(); ++i) {
      auto *segment = const_cast<fb::Segment *>(segments->Get(i));
      bool isObject = std::find(objects.begin(), objects.end(), int32_t(i)) != objects.end();
      uint64_t size = isObject && segment->size() > 64 ? 64 : segment->size();
      copies.push_back({segment->offset(), cursor, size, isObject && size == 64});
      segment->mutate_offset(cursor);
      segment->mutate_size(size);
      cursor = alignUp(cursor + size);
    }
  }
  for (const Copy &copy : copies) {
    if (copy.from > bytes.size() || copy.size > bytes.size() - copy.from) {
      std::fprintf(stderr, "module_seeds: %s: a segment runs past the end\n", in.c_str());
      return 1;
    }
    result.resize(copy.to, 0);
    result.insert(result.end(), bytes.begin() + copy.from, bytes.begin() + copy.from + copy.size);
    if (copy.isObject)
      cutToElfHeader(result.data() + copy.to);
  }
  std::ofstream file(out, std::ios::binary);
  file.write(result.data(), std::streamsize(result.size()));
  return file.good() ? 0 : 1;
}

std::string baseName(const std::string &path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

} // namespace

int main(int argc, char **argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s OUT_DIR [compiled.tsr ...]\n", argv[0]);
    return 2;
  }
  std::string out = argv[1];
  int failures = writeSynthetic(out);
  for (int i = 2; i < argc; ++i)
    failures += shrink(argv[i], out + "/compiled-" + baseName(argv[i]));
  return failures ? 1 : 0;
}
