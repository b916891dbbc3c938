//===- tessera-run.cpp - run a compiled module on .npy inputs -------------===//
//
// A thin main over the runtime's C API: load the module, match .npy files to
// the function's inputs, resolve the output shapes, run, and write or print
// the outputs. Every error names the input and file it is about; the exit
// code is 1 for those, 2 for a malformed command line.
//
//===----------------------------------------------------------------------===//

#include "Generate.h"
#include "NarrowTypes.h"

#include "tessera/runtime.h"
#include "tools/common/Npy.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <sys/stat.h>
#include <utility>
#include <vector>

namespace {

using namespace tessera::tools;

const char kUsage[] =
    R"(usage: tessera-run MODEL.tsr [options] [INPUT.npy ...]
       tessera-run MODEL.tsr --prompt TEXT [generation options]

Runs a function of a compiled Tessera module on inputs read from .npy files,
or generates text from a prompt.

  --function NAME         the function to run (default: the module's only one)
  --input NAME=FILE.npy   the file for input NAME; alternatively give the files
                          positionally, in signature order
  --output-dir DIR        write each output to DIR/<output name>.npy
                          (default: print the output shapes only)
  --device DEVICE         cpu (the default) or cuda, cuda:N for GPU N: where
                          the kernels run; the module must be compiled for it
                          (--target=cuda:<arch>, or cpu,cuda:<arch> for a
                          module that runs on both). CUDA needs the NVIDIA
                          driver (libcuda.so.1), nothing else
  --threads N             CPU threads, the calling one included (default 0:
                          one per CPU)
  --benchmark N           after the first run, time N more runs and print the
                          min/median/max latency
  --profile               time every dispatch (over the --benchmark runs, or
                          the one run) and print the slowest
  --print-signature       print the module's functions and exit
  --help                  print this and exit

Generation (a module with prefill + decode, or with only main, which is then
re-run on the whole sequence for every token):
  --prompt TEXT           the text to continue ("" starts from BOS)
  -n N                    tokens to generate (default 100)
  --temperature T         0 (the default) picks the most likely token
  --top-k K               sample among the K most likely (default 0: all)
  --top-p P               ... and among the fewest whose probability reaches
                          P (default 1)
  --seed S                the sampler's seed (default 0)
  --tokenizer FILE        tokenizer.bin, tokenizer.model, vocab.json (with
                          merges.txt beside it) or vocab.txt, instead of the
                          one tessera-compile stored in the module
  --rerun-main            generate with main even when prefill/decode exist
  --token-ids FILE.npy    also write the prompt and generated ids (int64)
Text goes to stdout as it is generated; tokens/s of prefill and decode to
stderr at the end.

.npy has no bfloat16: a bf16 input or output is an int16 .npy of its raw
bits, the upper 16 bits of the float32 value (from uint16 bit patterns in
NumPy: bits.view(np.int16)). Nor has it the narrow types: 8-bit and 4-bit
floats (f8e4m3fn, f8e4m3fnuz, f8e5m2, f8e5m2fnuz, f8e8m0, f4e2m1) are uint8
.npy files of their bits, one element a byte; 4-bit and 2-bit integers are
int8 (i4, i2) or uint8 (u4, u2) files of their values.
)";

struct Options {
  std::string modulePath;
  std::string function;
  std::vector<std::pair<std::string, std::string>> namedInputs;
  std::vector<std::string> positionalInputs;
  std::string outputDir;
  tsr_session_options_t session{TSR_DEVICE_CPU, 0, 0}; // --device, --threads
  uint64_t benchmarkRuns = 0;
  bool printSignature = false;
  bool profile = false;
  bool help = false;
  bool generateText = false;
  tessera::tools::GenerateOptions generation;
};

struct ModuleDeleter {
  void operator()(tsr_module_t *module) const { tsr_module_free(module); }
};
struct SessionDeleter {
  void operator()(tsr_session_t *session) const { tsr_session_free(session); }
};
using ModulePtr = std::unique_ptr<tsr_module_t, ModuleDeleter>;
using SessionPtr = std::unique_ptr<tsr_session_t, SessionDeleter>;

/// Moves a runtime status into `error` (with `context` in front); true when
/// there was none.
bool ok(tsr_status_t status, std::string &error, const std::string &context = "") {
  if (!status)
    return true;
  error = context + tsr_status_message(status);
  tsr_status_free(status);
  return false;
}

bool parseCount(const std::string &flag, const std::string &text, uint64_t max, uint64_t &out,
                std::string &error) {
  uint64_t value = 0;
  bool valid = !text.empty() && text.size() <= 19;
  for (char c : text)
    valid = valid && c >= '0' && c <= '9';
  if (valid) {
    value = std::stoull(text);
    valid = value <= max;
  }
  if (!valid) {
    error = flag + " takes a whole number up to " + std::to_string(max) + ", got '" + text + "'";
    return false;
  }
  out = value;
  return true;
}

/// A finite number in [min, max].
bool parseReal(const std::string &flag, const std::string &text, double min, double max,
               float &out, std::string &error) {
  char *end = nullptr;
  double value = text.empty() ? 0 : std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || !(value >= min && value <= max)) {
    error = flag + " takes a number from " + std::to_string(min) + " to " +
            std::to_string(max) + ", got '" + text + "'";
    return false;
  }
  out = float(value);
  return true;
}

bool parseArgs(int argc, char **argv, Options &options, std::string &error) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    // "--flag VALUE" or "--flag=VALUE".
    auto value = [&](const char *flag, std::string &out) {
      std::string name = flag;
      if (arg == name) {
        if (i + 1 >= argc) {
          error = name + " needs a value";
          return false;
        }
        out = argv[++i];
        return true;
      }
      if (arg.compare(0, name.size() + 1, name + "=") == 0) {
        out = arg.substr(name.size() + 1);
        return true;
      }
      return false;
    };
    std::string text;
    if (arg == "--help" || arg == "-h") {
      options.help = true;
    } else if (arg == "--print-signature") {
      options.printSignature = true;
    } else if (arg == "--profile") {
      options.profile = true;
    } else if (value("--function", options.function) ||
               value("--output-dir", options.outputDir)) {
      // value() stored it
    } else if (value("--input", text)) {
      size_t eq = text.find('=');
      if (eq == std::string::npos || eq == 0 || eq + 1 == text.size()) {
        error = "--input takes NAME=FILE.npy, got '" + text + "'";
        return false;
      }
      options.namedInputs.emplace_back(text.substr(0, eq), text.substr(eq + 1));
    } else if (value("--threads", text)) {
      uint64_t threads = 0;
      if (!parseCount("--threads", text, 4096, threads, error))
        return false;
      options.session.num_threads = uint32_t(threads);
    } else if (value("--device", text)) {
      uint64_t index = 0;
      if (text == "cpu") {
        options.session.device = TSR_DEVICE_CPU;
      } else if (text == "cuda") {
        options.session.device = TSR_DEVICE_CUDA;
      } else if (text.compare(0, 5, "cuda:") == 0) {
        std::string ignored;
        if (!parseCount("--device cuda:", text.substr(5), 1023, index, ignored)) {
          error = "--device takes cpu, cuda or cuda:N, got '" + text + "'";
          return false;
        }
        options.session.device = TSR_DEVICE_CUDA;
        options.session.device_index = uint32_t(index);
      } else {
        error = "--device takes cpu, cuda or cuda:N, got '" + text + "'";
        return false;
      }
    } else if (value("--prompt", options.generation.prompt)) {
      options.generateText = true;
    } else if (value("-n", text)) {
      if (!parseCount("-n", text, 1000000, options.generation.maxNewTokens, error))
        return false;
    } else if (value("--temperature", text)) {
      if (!parseReal("--temperature", text, 0, 100, options.generation.sampler.temperature,
                     error))
        return false;
    } else if (value("--top-k", text)) {
      uint64_t k = 0;
      if (!parseCount("--top-k", text, 1u << 30, k, error))
        return false;
      options.generation.sampler.topK = size_t(k);
    } else if (value("--top-p", text)) {
      if (!parseReal("--top-p", text, 0, 1, options.generation.sampler.topP, error))
        return false;
    } else if (value("--seed", text)) {
      if (!parseCount("--seed", text, 1000000000000000000ull, options.generation.sampler.seed, error))
        return false;
    } else if (value("--tokenizer", options.generation.tokenizerFile) ||
               value("--token-ids", options.generation.tokenIdsPath)) {
      // value() stored it
    } else if (arg == "--rerun-main") {
      options.generation.rerunMain = true;
    } else if (value("--benchmark", text)) {
      if (!parseCount("--benchmark", text, 1000000000, options.benchmarkRuns, error))
        return false;
    } else if (!error.empty()) {
      return false; // a flag without its value
    } else if (arg.size() > 1 && arg[0] == '-') {
      error = "unknown option '" + arg + "'";
      return false;
    } else if (options.modulePath.empty()) {
      options.modulePath = arg;
    } else {
      options.positionalInputs.push_back(arg);
    }
  }
  if (!options.help && options.modulePath.empty()) {
    error = "no module given";
    return false;
  }
  return true;
}

struct TensorSig {
  std::string name;
  tsr_dtype_t dtype;
  std::vector<tsr_dim_info_t> dims;
};

bool readSignature(const tsr_module_t *module, size_t function, tsr_io_t io, size_t index,
                   TensorSig &out, std::string &error) {
  tsr_tensor_info_t info;
  if (!ok(tsr_module_tensor_info(module, function, io, index, &info), error))
    return false;
  out.name = info.name;
  out.dtype = info.dtype;
  out.dims.resize(info.rank);
  for (size_t d = 0; d < info.rank; ++d)
    if (!ok(tsr_module_tensor_dim(module, function, io, index, d, &out.dims[d]), error))
      return false;
  return true;
}

bool readSignatures(const tsr_module_t *module, size_t function, std::vector<TensorSig> &inputs,
                    std::vector<TensorSig> &outputs, std::string &error) {
  size_t numInputs = 0, numOutputs = 0;
  if (!ok(tsr_module_function_arity(module, function, &numInputs, &numOutputs), error))
    return false;
  inputs.resize(numInputs);
  outputs.resize(numOutputs);
  for (size_t i = 0; i < numInputs; ++i)
    if (!readSignature(module, function, TSR_IO_INPUT, i, inputs[i], error))
      return false;
  for (size_t o = 0; o < numOutputs; ++o)
    if (!readSignature(module, function, TSR_IO_OUTPUT, o, outputs[o], error))
      return false;
  return true;
}

const char *dtypeName(tsr_dtype_t dtype) {
  const char *name = "?";
  tsr_status_free(tsr_dtype_name(dtype, &name));
  return name;
}

std::string formatSignatureDims(const std::vector<tsr_dim_info_t> &dims) {
  std::string out = "[";
  for (size_t d = 0; d < dims.size(); ++d) {
    const tsr_dim_info_t &dim = dims[d];
    out += d ? ", " : "";
    if (dim.size >= 0) {
      out += std::to_string(dim.size);
      continue;
    }
    out += *dim.name ? dim.name : "?";
    if (dim.max > 0)
      out += "<=" + std::to_string(dim.max);
  }
  return out + "]";
}

std::string formatDims(const std::vector<int64_t> &dims) {
  std::string out = "[";
  for (size_t d = 0; d < dims.size(); ++d)
    out += (d ? ", " : "") + std::to_string(dims[d]);
  return out + "]";
}

bool printSignatures(const tsr_module_t *module, std::string &error) {
  tsr_module_info_t info;
  if (!ok(tsr_module_info(module, &info), error))
    return false;
  std::printf("producer: %s\ntarget: %s\ndevices:", info.producer, info.target);
  const std::pair<tsr_device_kind_t, const char *> kinds[] = {{TSR_DEVICE_CPU, "cpu"},
                                                               {TSR_DEVICE_CUDA, "cuda"}};
  for (auto [kind, device] : kinds) {
    int supported = 0;
    if (!ok(tsr_module_supports_device(module, kind, &supported), error))
      return false;
    if (supported)
      std::printf(" %s", device);
  }
  std::printf("\n");
  for (size_t f = 0; f < info.num_functions; ++f) {
    const char *name = nullptr;
    std::vector<TensorSig> inputs, outputs;
    if (!ok(tsr_module_function_name(module, f, &name), error) ||
        !readSignatures(module, f, inputs, outputs, error))
      return false;
    std::printf("function '%s'\n", name);
    for (size_t i = 0; i < inputs.size(); ++i)
      std::printf("  input  %zu '%s': %s %s\n", i, inputs[i].name.c_str(),
                  dtypeName(inputs[i].dtype), formatSignatureDims(inputs[i].dims).c_str());
    for (size_t o = 0; o < outputs.size(); ++o)
      std::printf("  output %zu '%s': %s %s\n", o, outputs[o].name.c_str(),
                  dtypeName(outputs[o].dtype), formatSignatureDims(outputs[o].dims).c_str());
  }
  return true;
}

bool selectFunction(const tsr_module_t *module, const std::string &requested, size_t &out,
                    std::string &error) {
  if (!requested.empty())
    return ok(tsr_module_find_function(module, requested.c_str(), &out), error);
  tsr_module_info_t info;
  if (!ok(tsr_module_info(module, &info), error))
    return false;
  if (info.num_functions == 1) {
    out = 0;
    return true;
  }
  std::string names;
  for (size_t f = 0; f < info.num_functions; ++f) {
    const char *name = nullptr;
    if (!ok(tsr_module_function_name(module, f, &name), error))
      return false;
    names += (f ? ", '" : "'") + std::string(name) + "'";
  }
  error = info.num_functions == 0
              ? "the module has no functions"
              : "the module has " + std::to_string(info.num_functions) + " functions (" +
                    names + "); choose one with --function";
  return false;
}

std::string listNames(const std::vector<TensorSig> &sigs) {
  std::string out;
  for (size_t i = 0; i < sigs.size(); ++i)
    out += (i ? ", " : "") + sigs[i].name;
  return out.empty() ? "none" : out;
}

/// The file for each input, in signature order.
bool assignInputFiles(const Options &options, const std::string &function,
                      const std::vector<TensorSig> &inputs, std::vector<std::string> &paths,
                      std::string &error) {
  std::string where = "function '" + function + "'";
  if (!options.namedInputs.empty() && !options.positionalInputs.empty()) {
    error = "give inputs either as --input NAME=FILE.npy or positionally, not both";
    return false;
  }
  if (options.namedInputs.empty()) {
    if (options.positionalInputs.size() != inputs.size()) {
      error = where + " takes " + std::to_string(inputs.size()) + " inputs (" +
              listNames(inputs) + "), got " + std::to_string(options.positionalInputs.size()) +
              " files";
      return false;
    }
    paths = options.positionalInputs;
    return true;
  }
  paths.assign(inputs.size(), "");
  for (const auto &[name, path] : options.namedInputs) {
    auto it = std::find_if(inputs.begin(), inputs.end(),
                           [&](const TensorSig &sig) { return sig.name == name; });
    if (it == inputs.end()) {
      error = where + " has no input '" + name + "'; its inputs are " + listNames(inputs);
      return false;
    }
    std::string &slot = paths[size_t(it - inputs.begin())];
    if (!slot.empty()) {
      error = "input '" + name + "' is given twice ('" + slot + "' and '" + path + "')";
      return false;
    }
    slot = path;
  }
  for (size_t i = 0; i < inputs.size(); ++i)
    if (paths[i].empty()) {
      error = "no file for input '" + inputs[i].name + "' (give --input " + inputs[i].name +
              "=FILE.npy)";
      return false;
    }
  return true;
}

bool toNpy(tsr_dtype_t dtype, NpyDType &out) {
  switch (dtype) {
  case TSR_DTYPE_F32: out = NpyDType::f32; return true;
  case TSR_DTYPE_F64: out = NpyDType::f64; return true;
  case TSR_DTYPE_F16: out = NpyDType::f16; return true;
  case TSR_DTYPE_I64: out = NpyDType::i64; return true;
  case TSR_DTYPE_I32: out = NpyDType::i32; return true;
  case TSR_DTYPE_I16: out = NpyDType::i16; return true;
  case TSR_DTYPE_I8: out = NpyDType::i8; return true;
  case TSR_DTYPE_U8: out = NpyDType::u8; return true;
  case TSR_DTYPE_BOOL: out = NpyDType::bool_; return true;
  case TSR_DTYPE_U16: out = NpyDType::u16; return true;
  case TSR_DTYPE_U32: out = NpyDType::u32; return true;
  case TSR_DTYPE_U64: out = NpyDType::u64; return true;
  // .npy has no bfloat16; int16 holds its bits (what numpy writes for a
  // bfloat16 array viewed as int16).
  case TSR_DTYPE_BF16: out = NpyDType::i16; return true;
  default: return narrowNpyType(dtype, out);
  }
}

bool loadInputs(const std::vector<TensorSig> &sigs, const std::vector<std::string> &paths,
                std::vector<NpyArray> &arrays, std::vector<tsr_input_t> &inputs,
                std::string &error) {
  arrays.resize(sigs.size());
  inputs.resize(sigs.size());
  for (size_t i = 0; i < sigs.size(); ++i) {
    const TensorSig &sig = sigs[i];
    std::string what = "input '" + sig.name + "' ";
    NpyDType expected;
    if (!toNpy(sig.dtype, expected)) {
      error = what + "is " + dtypeName(sig.dtype) + ", which .npy files cannot hold";
      return false;
    }
    if (!readNpy(paths[i], arrays[i], error)) {
      error = what + "(" + error + ")";
      return false;
    }
    const NpyArray &array = arrays[i];
    if (array.dtype != expected) {
      error = what + "is " + dtypeName(sig.dtype) + " ('" + npyDescr(expected) +
              (sig.dtype == TSR_DTYPE_BF16 ? "' holding its bits" : "'") + "), but " + paths[i] +
              " holds '" + npyDescr(array.dtype) + "'";
      return false;
    }
    if (!checkNarrowInput(sig.dtype, array.data.data(),
                          array.data.size(), sig.name, error))
      return false;
    if (array.shape.size() != sig.dims.size()) {
      error = what + "has rank " + std::to_string(sig.dims.size()) + " " +
              formatSignatureDims(sig.dims) + ", but " + paths[i] + " has shape " +
              formatDims(array.shape);
      return false;
    }
    inputs[i] = tsr_input_t{sig.dtype, array.shape.size(), array.shape.data(),
                            array.data.data(), array.data.size()};
  }
  return true;
}

struct OutputBuffers {
  std::vector<std::vector<int64_t>> dims;
  std::vector<AlignedBytes> data;
  std::vector<tsr_output_t> outputs;
};

bool prepareOutputs(tsr_session_t *session, size_t function, const std::vector<TensorSig> &sigs,
                    const std::vector<tsr_input_t> &inputs, OutputBuffers &out,
                    std::string &error) {
  out.dims.resize(sigs.size());
  out.data.resize(sigs.size());
  out.outputs.resize(sigs.size());
  for (size_t o = 0; o < sigs.size(); ++o) {
    out.dims[o].assign(sigs[o].dims.size(), 0);
    out.outputs[o] = tsr_output_t{nullptr, 0, sigs[o].dims.size(), out.dims[o].data(), 0};
  }
  if (!ok(tsr_session_resolve_outputs(session, function, inputs.data(), inputs.size(),
                                      out.outputs.data(), out.outputs.size()),
          error))
    return false;
  for (size_t o = 0; o < sigs.size(); ++o) {
    if (!out.data[o].allocate(out.outputs[o].byte_size)) {
      error = "cannot allocate " + std::to_string(out.outputs[o].byte_size) +
              " bytes for output '" + sigs[o].name + "'";
      return false;
    }
    out.outputs[o].data = out.data[o].data();
    out.outputs[o].capacity = out.data[o].size();
  }
  return true;
}

/// A file name for each output: characters outside [A-Za-z0-9._-] become '_'
/// (ONNX names hold '/', ':' and worse), so no name leaves the directory;
/// a name that collides with an earlier one gets the output's index appended.
std::vector<std::string> outputFileNames(const std::vector<TensorSig> &sigs) {
  std::vector<std::string> names;
  for (size_t o = 0; o < sigs.size(); ++o) {
    std::string name = sigs[o].name;
    for (char &c : name)
      if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            c == '.' || c == '_' || c == '-'))
        c = '_';
    if (std::find(names.begin(), names.end(), name + ".npy") != names.end())
      name += "_" + std::to_string(o);
    names.push_back(name + ".npy");
  }
  return names;
}

bool ensureDirectory(const std::string &dir, std::string &error) {
  if (mkdir(dir.c_str(), 0777) == 0)
    return true;
  struct stat st;
  if (errno == EEXIST && stat(dir.c_str(), &st) == 0 && S_ISDIR(st.st_mode))
    return true;
  error = "cannot create the output directory '" + dir + "': " +
          (errno == EEXIST ? std::string("a file of that name exists") : std::strerror(errno));
  return false;
}

bool writeOutputs(const std::string &dir, const std::vector<TensorSig> &sigs,
                  const std::vector<NpyDType> &dtypes, OutputBuffers &buffers,
                  std::string &error) {
  if (!ensureDirectory(dir, error))
    return false;
  std::vector<std::string> names = outputFileNames(sigs);
  for (size_t o = 0; o < sigs.size(); ++o) {
    std::string path = dir + "/" + names[o];
    normalizeNarrowOutput(sigs[o].dtype, buffers.data[o].data(), buffers.outputs[o].byte_size);
    if (!writeNpy(path, dtypes[o], buffers.dims[o], buffers.data[o].data(),
                  buffers.outputs[o].byte_size, error))
      return false;
    std::printf("output '%s': %s %s -> %s\n", sigs[o].name.c_str(), dtypeName(sigs[o].dtype),
                formatDims(buffers.dims[o]).c_str(), path.c_str());
  }
  return true;
}

bool benchmark(tsr_session_t *session, size_t function, const std::vector<tsr_input_t> &inputs,
               OutputBuffers &outputs, uint64_t runs, std::string &error) {
  std::vector<double> ms;
  ms.reserve(runs);
  for (uint64_t r = 0; r < runs; ++r) {
    auto start = std::chrono::steady_clock::now();
    if (!ok(tsr_session_run(session, function, inputs.data(), inputs.size(),
                            outputs.outputs.data(), outputs.outputs.size()),
            error))
      return false;
    auto end = std::chrono::steady_clock::now();
    ms.push_back(std::chrono::duration<double, std::milli>(end - start).count());
  }
  std::sort(ms.begin(), ms.end());
  size_t n = ms.size();
  double median = n % 2 ? ms[n / 2] : (ms[n / 2 - 1] + ms[n / 2]) / 2;
  std::printf("latency over %zu runs: min %.3f ms, median %.3f ms, max %.3f ms\n", n, ms.front(),
              median, ms.back());
  return true;
}

/// The dispatches that took the most time, with their share of the total.
bool printProfile(tsr_session_t *session, size_t function, std::string &error) {
  struct Entry { std::string name; uint64_t ns, calls; };
  std::vector<Entry> entries;
  size_t count = 1;
  uint64_t total = 0;
  for (size_t i = 0; i < count; ++i) {
    const char *name = nullptr;
    uint64_t ns = 0, calls = 0;
    if (!ok(tsr_session_dispatch_profile(session, function, i, &name, &ns, &calls, &count), error))
      return false;
    entries.push_back({"#" + std::to_string(i) + " " + name, ns, calls});
    total += ns;
  }
  std::sort(entries.begin(), entries.end(),
            [](const Entry &a, const Entry &b) { return a.ns > b.ns; });
  std::printf("profile: %zu dispatches, %.3f ms in all (per run: total / calls)\n",
              entries.size(), total / 1e6 / std::max<uint64_t>(entries.empty() ? 1 : entries[0].calls, 1));
  for (size_t i = 0; i < entries.size(); ++i)
    std::printf("  %6.2f%%  %9.3f ms  %s\n", total ? 100.0 * entries[i].ns / total : 0.0,
                entries[i].ns / 1e6 / std::max<uint64_t>(entries[i].calls, 1),
                entries[i].name.c_str());
  return true;
}

std::string describeInputFiles(const std::vector<TensorSig> &sigs,
                               const std::vector<std::string> &paths) {
  std::string out;
  for (size_t i = 0; i < sigs.size(); ++i)
    out += (i ? ", " : "") + sigs[i].name + "=" + paths[i];
  return out;
}

bool run(Options &options, std::string &error) {
  tsr_module_t *rawModule = nullptr;
  if (!ok(tsr_module_load_file(options.modulePath.c_str(), &rawModule), error))
    return false;
  ModulePtr module(rawModule);
  if (options.printSignature)
    return printSignatures(module.get(), error);
  if (options.generateText) {
    options.generation.session = options.session;
    return tessera::tools::generate(module.get(), options.generation, error);
  }

  size_t function = 0;
  const char *functionName = nullptr;
  std::vector<TensorSig> inputSigs, outputSigs;
  if (!selectFunction(module.get(), options.function, function, error) ||
      !ok(tsr_module_function_name(module.get(), function, &functionName), error) ||
      !readSignatures(module.get(), function, inputSigs, outputSigs, error))
    return false;
  // Refuse an output .npy cannot hold before running, not after.
  std::vector<NpyDType> outputDTypes(outputSigs.size());
  if (!options.outputDir.empty())
    for (size_t o = 0; o < outputSigs.size(); ++o)
      if (!toNpy(outputSigs[o].dtype, outputDTypes[o])) {
        error = "output '" + outputSigs[o].name + "' is " + dtypeName(outputSigs[o].dtype) +
                ", which .npy files cannot hold";
        return false;
      }

  std::vector<std::string> paths;
  std::vector<NpyArray> arrays;
  std::vector<tsr_input_t> inputs;
  if (!assignInputFiles(options, functionName, inputSigs, paths, error) ||
      !loadInputs(inputSigs, paths, arrays, inputs, error))
    return false;
  std::string inputContext = "\n  inputs: " + describeInputFiles(inputSigs, paths);

  tsr_session_t *rawSession = nullptr;
  if (!tessera::tools::createSession(module.get(), options.session, &rawSession, error))
    return false;
  SessionPtr session(rawSession);

  OutputBuffers outputs;
  if (!prepareOutputs(session.get(), function, outputSigs, inputs, outputs, error) ||
      !ok(tsr_session_run(session.get(), function, inputs.data(), inputs.size(),
                          outputs.outputs.data(), outputs.outputs.size()),
          error)) {
    error += inputContext;
    return false;
  }
  if (options.outputDir.empty()) {
    for (size_t o = 0; o < outputSigs.size(); ++o)
      std::printf("output '%s': %s %s\n", outputSigs[o].name.c_str(),
                  dtypeName(outputSigs[o].dtype), formatDims(outputs.dims[o]).c_str());
  } else if (!writeOutputs(options.outputDir, outputSigs, outputDTypes, outputs, error)) {
    return false;
  }
  if (options.profile && !ok(tsr_session_set_profiling(session.get(), 1), error))
    return false;
  if (options.benchmarkRuns &&
      !benchmark(session.get(), function, inputs, outputs, options.benchmarkRuns, error))
    return false;
  if (options.profile) {
    if (!options.benchmarkRuns &&
        !ok(tsr_session_run(session.get(), function, inputs.data(), inputs.size(),
                            outputs.outputs.data(), outputs.outputs.size()),
            error))
      return false;
    return printProfile(session.get(), function, error);
  }
  return true;
}

} // namespace

int main(int argc, char **argv) {
  Options options;
  std::string error;
  if (!parseArgs(argc, argv, options, error)) {
    std::fprintf(stderr, "tessera-run: error: %s\n%s", error.c_str(), kUsage);
    return 2;
  }
  if (options.help) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (!run(options, error)) {
    std::fprintf(stderr, "tessera-run: error: %s\n", error.c_str());
    return 1;
  }
  return 0;
}
