//===- Generate.cpp - text generation with a compiled model ---------------===//
//
// Batch 1. A step feeds int64 ids [1, n] (its only input besides the
// session's states) and takes the last row of its logits output
// [1, n, vocab]. With states, prefill sees the prompt and decode one token
// per step, its caches bound by the session; without, `main` sees every id
// so far on every step.
//
//===----------------------------------------------------------------------===//

#include "Generate.h"

#include "ModuleTokenizer.h"
#include "tools/common/Npy.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <vector>

namespace tessera::tools {
namespace {

using tokenizers::TokenId;

bool ok(tsr_status_t status, std::string &error, const std::string &context = "") {
  if (!status)
    return true;
  error = context + tsr_status_message(status);
  tsr_status_free(status);
  return false;
}

struct Tensor {
  std::string name;
  tsr_dtype_t dtype;
  std::vector<tsr_dim_info_t> dims;
  bool state = false;
};

bool readTensors(const tsr_module_t *module, size_t function, tsr_io_t io, size_t n,
                 std::vector<Tensor> &out, std::string &error) {
  out.resize(n);
  for (size_t i = 0; i < n; ++i) {
    tsr_tensor_info_t info;
    const char *state = nullptr;
    if (!ok(tsr_module_tensor_info(module, function, io, i, &info), error) ||
        !ok(tsr_module_tensor_state(module, function, io, i, &state), error))
      return false;
    out[i].name = info.name;
    out[i].dtype = info.dtype;
    out[i].state = state != nullptr;
    out[i].dims.resize(info.rank);
    for (size_t d = 0; d < info.rank; ++d)
      if (!ok(tsr_module_tensor_dim(module, function, io, i, d, &out[i].dims[d]), error))
        return false;
  }
  return true;
}

struct SessionDeleter {
  void operator()(tsr_session_t *session) const { tsr_session_free(session); }
};

/// One function as a generation step: ids in, the last row of logits out.
class Step {
public:
  bool init(const tsr_module_t *module, tsr_session_t *session, const char *name,
            bool withState, std::string &error) {
    session_ = session;
    withState_ = withState;
    name_ = name;
    size_t numInputs = 0, numOutputs = 0;
    std::vector<Tensor> inputs;
    if (!ok(tsr_module_find_function(module, name, &function_), error) ||
        !ok(tsr_module_function_arity(module, function_, &numInputs, &numOutputs), error) ||
        !readTensors(module, function_, TSR_IO_INPUT, numInputs, inputs, error) ||
        !readTensors(module, function_, TSR_IO_OUTPUT, numOutputs, outputs_, error))
      return false;
    std::string own;
    size_t numOwn = 0;
    for (size_t i = 0; i < inputs.size(); ++i) {
      if (withState && inputs[i].state) {
        // The cache length a step may read: dim 2 of [batch, heads, past, head_dim].
        if (inputs[i].dims.size() > 2)
          maxPast_ = inputs[i].dims[2].max;
        continue;
      }
      own += (numOwn++ ? ", " : "") + inputs[i].name;
      ids_ = inputs[i];
    }
    if (numOwn != 1 || ids_.dtype != TSR_DTYPE_I64 || ids_.dims.size() != 2) {
      error = "function '" + name_ + "' takes " + (own.empty() ? "no input" : own) +
              (withState ? " besides its caches" : "") +
              "; generation needs exactly one int64 [batch, sequence] input of token ids";
      return false;
    }
    size_t ownOutputs = 0;
    for (size_t o = 0; o < outputs_.size(); ++o) {
      const Tensor &t = outputs_[o];
      if (withState && t.state)
        continue;
      ++ownOutputs;
      bool shaped = t.dtype == TSR_DTYPE_F32 && t.dims.size() == 3;
      if (shaped && (t.name == "logits" || (logits_ < 0 && !withState)))
        logits_ = int(o);
    }
    if (logits_ < 0 || (withState && ownOutputs != 1)) {
      error = "function '" + name_ + "' needs " +
              (withState ? "exactly one output besides its caches, float32 [batch, sequence, "
                           "vocab] 'logits'"
                         : "a float32 [batch, sequence, vocab] output");
      return false;
    }
    maxSequence_ = ids_.dims[1].size >= 0 ? ids_.dims[1].size : ids_.dims[1].max;
    return true;
  }

  /// 0: unbounded.
  int64_t maxSequence() const { return maxSequence_; }
  int64_t maxPast() const { return maxPast_; }

  bool run(const TokenId *ids, size_t n, const float **lastRow, size_t *vocab,
           std::string &error) {
    idBuffer_.assign(ids, ids + n);
    int64_t dims[2] = {1, int64_t(n)};
    tsr_input_t input{TSR_DTYPE_I64, 2, dims, idBuffer_.data(), n * sizeof(int64_t)};
    size_t numOwn = withState_ ? 1 : outputs_.size();
    dims_.resize(outputs_.size());
    buffers_.resize(outputs_.size());
    std::vector<tsr_output_t> outs(numOwn);
    for (size_t o = 0; o < numOwn; ++o) {
      size_t sig = withState_ ? size_t(logits_) : o;
      dims_[sig].assign(outputs_[sig].dims.size(), 0);
      outs[o] = tsr_output_t{nullptr, 0, dims_[sig].size(), dims_[sig].data(), 0};
    }
    std::string where = "function '" + name_ + "': ";
    if (withState_) {
      // logits [1, n, vocab]: the vocab is static in every model we generate with.
      const tsr_dim_info_t &v = outputs_[size_t(logits_)].dims[2];
      outs[0].byte_size = n * size_t(v.size >= 0 ? v.size : v.max) * sizeof(float);
    } else if (!ok(tsr_session_resolve_outputs(session_, function_, &input, 1, outs.data(),
                                               outs.size()),
                   error, where)) {
      return false;
    }
    for (size_t o = 0; o < numOwn; ++o) {
      size_t sig = withState_ ? size_t(logits_) : o;
      if (buffers_[sig].size() < outs[o].byte_size &&
          !buffers_[sig].allocate(outs[o].byte_size)) {
        error = where + "cannot allocate " + std::to_string(outs[o].byte_size) +
                " bytes for output '" + outputs_[sig].name + "'";
        return false;
      }
      outs[o].data = buffers_[sig].data();
      outs[o].capacity = buffers_[sig].size();
    }
    tsr_status_t status =
        withState_ ? tsr_session_run_with_state(session_, function_, &input, 1, outs.data(), 1)
                   : tsr_session_run(session_, function_, &input, 1, outs.data(), outs.size());
    if (!ok(status, error, where))
      return false;
    const std::vector<int64_t> &d = dims_[size_t(logits_)];
    if (d[0] != 1 || d[1] < 1) {
      error = where + "logits have dims [" + std::to_string(d[0]) + ", " +
              std::to_string(d[1]) + ", ...], expected [1, n, vocab]";
      return false;
    }
    *vocab = size_t(d[2]);
    *lastRow = reinterpret_cast<const float *>(buffers_[size_t(logits_)].data()) +
               size_t(d[1] - 1) * *vocab;
    return true;
  }

private:
  tsr_session_t *session_ = nullptr;
  bool withState_ = false;
  std::string name_;
  size_t function_ = 0;
  Tensor ids_;
  std::vector<Tensor> outputs_;
  int logits_ = -1;
  int64_t maxSequence_ = 0, maxPast_ = 0;
  std::vector<int64_t> idBuffer_;
  std::vector<std::vector<int64_t>> dims_;
  std::vector<AlignedBytes> buffers_;
};

bool hasFunction(const tsr_module_t *module, const char *name) {
  size_t index = 0;
  tsr_status_t status = tsr_module_find_function(module, name, &index);
  tsr_status_free(status);
  return status == nullptr;
}

/// Whether `decode` reads its caches from the session.
bool decodeHasState(const tsr_module_t *module) {
  size_t function = 0, numInputs = 0, numOutputs = 0;
  std::string ignored;
  if (!ok(tsr_module_find_function(module, "decode", &function), ignored) ||
      !ok(tsr_module_function_arity(module, function, &numInputs, &numOutputs), ignored))
    return false;
  for (size_t i = 0; i < numInputs; ++i) {
    const char *state = nullptr;
    if (ok(tsr_module_tensor_state(module, function, TSR_IO_INPUT, i, &state), ignored) &&
        state)
      return true;
  }
  return false;
}

/// The single function of a module, or `main`.
bool mainFunction(const tsr_module_t *module, std::string &name, std::string &error) {
  if (hasFunction(module, "main")) {
    name = "main";
    return true;
  }
  tsr_module_info_t info;
  const char *only = nullptr;
  if (!ok(tsr_module_info(module, &info), error))
    return false;
  if (info.num_functions != 1 || !ok(tsr_module_function_name(module, 0, &only), error)) {
    error = "the module has neither prefill/decode nor main; generation runs one of those";
    return false;
  }
  name = only;
  return true;
}

double seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

void printRate(const char *phase, size_t tokens, double s) {
  std::fprintf(stderr, "%s: %zu tokens in %.2f ms (%.1f tokens/s)", phase, tokens, s * 1e3,
               s > 0 ? tokens / s : 0.0);
}

} // namespace

bool createSession(const tsr_module_t *module, const tsr_session_options_t &options,
                   tsr_session_t **out, std::string &error) {
  if (ok(tsr_session_create_with_options(module, &options, out), error))
    return true;
  // The hint only where the module lacks the device's code (not where the
  // device itself failed).
  int supported = 1;
  tsr_device_kind_t kind = TSR_DEVICE_CPU;
  if (tsr_status_t status = tsr_module_supports_device(module, options.device, &supported))
    tsr_status_free(status);
  else if (tsr_status_t status = tsr_module_device_kind(module, &kind))
    tsr_status_free(status);
  else if (!supported)
    error += kind == TSR_DEVICE_CUDA ? " (tessera-run: pass --device=cuda)"
                                     : " (tessera-run: pass --device=cpu)";
  return false;
}

bool generate(const tsr_module_t *module, const GenerateOptions &options, std::string &error) {
  ModuleTokenizer tok;
  if (!loadTokenizer(module, options.tokenizerFile, tok, error))
    return false;
  std::vector<TokenId> ids = tok.encodePrompt(options.prompt);
  if (ids.empty()) {
    error = "the prompt gives no tokens and the tokenizer has no start token: give a prompt";
    return false;
  }
  size_t promptLength = ids.size();

  tsr_session_t *raw = nullptr;
  if (!createSession(module, options.session, &raw, error))
    return false;
  std::unique_ptr<tsr_session_t, SessionDeleter> session(raw);

  bool cached = !options.rerunMain && hasFunction(module, "prefill") &&
                hasFunction(module, "decode") && decodeHasState(module);
  Step prefill, decode;
  std::string mainName;
  if (cached) {
    if (!prefill.init(module, session.get(), "prefill", true, error) ||
        !decode.init(module, session.get(), "decode", true, error))
      return false;
  } else if (!mainFunction(module, mainName, error) ||
             !prefill.init(module, session.get(), mainName.c_str(), false, error)) {
    return false;
  }
  // The most positions the model may see (0: unbounded): prefill's (or
  // main's) sequence, and with caches no more than the past decode reads.
  int64_t maxPositions = prefill.maxSequence();
  if (cached && decode.maxPast() > 0)
    maxPositions = maxPositions > 0 ? std::min(maxPositions, decode.maxPast())
                                    : decode.maxPast();
  if (prefill.maxSequence() > 0 && int64_t(promptLength) > prefill.maxSequence()) {
    error = "the prompt has " + std::to_string(promptLength) +
            " tokens; the module was compiled for at most " +
            std::to_string(prefill.maxSequence()) + " (tessera-compile --max-seq-len)";
    return false;
  }

  auto decodeText = [&](std::string &out) {
    auto text = tok.tokenizer->decode(ids);
    if (!text.ok()) {
      error = "cannot decode the generated tokens: " + text.error().toString();
      return false;
    }
    out = std::move(*text);
    return true;
  };
  std::string text;
  if (!decodeText(text))
    return false;
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fflush(stdout);
  size_t printed = text.size();

  Sampler sampler(options.sampler);
  const float *logits = nullptr;
  size_t vocab = 0;
  auto start = std::chrono::steady_clock::now();
  if (!prefill.run(ids.data(), ids.size(), &logits, &vocab, error))
    return false;
  double prefillSeconds = seconds(start), decodeSeconds = 0;
  size_t decodeRuns = 0;
  std::string stopReason;
  for (uint64_t made = 0; made < options.maxNewTokens; ++made) {
    TokenId next = sampler.sample(logits, vocab);
    if (std::find(tok.stops.begin(), tok.stops.end(), next) != tok.stops.end()) {
      stopReason = "end of text";
      break;
    }
    ids.push_back(next);
    if (!decodeText(text))
      return false;
    if (text.size() > printed && text.compare(0, printed, text, 0, printed) == 0) {
      std::fwrite(text.data() + printed, 1, text.size() - printed, stdout);
      std::fflush(stdout);
      printed = text.size();
    }
    if (made + 1 == options.maxNewTokens)
      break;
    if (maxPositions > 0 && int64_t(ids.size()) > maxPositions) {
      stopReason = "the compiled maximum of " + std::to_string(maxPositions) +
                   " positions (tessera-compile --max-seq-len)";
      break;
    }
    auto stepStart = std::chrono::steady_clock::now();
    bool stepOk = cached ? decode.run(&ids.back(), 1, &logits, &vocab, error)
                         : prefill.run(ids.data(), ids.size(), &logits, &vocab, error);
    if (!stepOk)
      return false;
    decodeSeconds += seconds(stepStart);
    ++decodeRuns;
  }
  std::fputc('\n', stdout);
  std::fflush(stdout);

  printRate("prefill", promptLength, prefillSeconds);
  std::fputs("; ", stderr);
  printRate(cached ? "decode" : "decode (main re-run on the whole sequence)", decodeRuns,
            decodeSeconds);
  std::fprintf(stderr, "; %zu tokens generated%s%s\n", ids.size() - promptLength,
               stopReason.empty() ? "" : ", stopped at ", stopReason.c_str());

  if (!options.tokenIdsPath.empty()) {
    std::vector<int64_t> wide(ids.begin(), ids.end());
    if (!writeNpy(options.tokenIdsPath, NpyDType::i64, {int64_t(wide.size())}, wide.data(),
                  wide.size() * sizeof(int64_t), error))
      return false;
  }
  return true;
}

} // namespace tessera::tools
