//===- Llama.cpp - Llama-architecture models ------------------------------===//

#include "frontend/native/Llama.h"

#include "frontend/native/CausalLM.h"

#include <cmath>

using namespace mlir;

namespace tessera::native {

namespace {

/// The largest RoPE table accepted (cos and sin each), in elements.
constexpr int64_t kMaxRopeTable = int64_t(1) << 28;

struct LayerWeights {
  ElementsAttr inputNorm, q, k, v, o, postNorm, gate, up, down;
};

struct Weights {
  ElementsAttr embedding, finalNorm, lmHead, cos, sin;
  std::vector<LayerWeights> layers;
};

/// cos and sin of position * theta^(-2i/d) as [maxPositions, headDim / 2],
/// each step rounded to float32 as PyTorch computes them (llama2.c's
/// model.py, Hugging Face's LlamaRotaryEmbedding), so that long positions
/// round alike.
std::pair<ElementsAttr, ElementsAttr> ropeTables(MLIRContext *context,
                                                 const LlamaConfig &c) {
  int64_t half = c.headDim / 2;
  std::vector<float> inverse(half);
  for (int64_t i = 0; i < half; ++i)
    inverse[i] = 1.0f / std::pow(static_cast<float>(c.ropeTheta),
                                 static_cast<float>(2 * i) /
                                     static_cast<float>(c.headDim));
  std::vector<float> cosines(c.maxPositions * half), sines(cosines.size());
  for (int64_t p = 0; p < c.maxPositions; ++p)
    for (int64_t i = 0; i < half; ++i) {
      float angle = static_cast<float>(p) * inverse[i];
      cosines[p * half + i] = static_cast<float>(std::cos(double(angle)));
      sines[p * half + i] = static_cast<float>(std::sin(double(angle)));
    }
  auto type =
      RankedTensorType::get({c.maxPositions, half}, Float32Type::get(context));
  return {floatConstant(type, "rope.cos", cosines),
          floatConstant(type, "rope.sin", sines)};
}

llvm::Expected<Weights> loadWeights(const LlamaConfig &c, WeightLoader &w,
                                    MLIRContext *context) {
  Weights out;
  int64_t qDim = c.heads * c.headDim, kvDim = c.kvHeads * c.headDim;
  out.embedding = w.load("model.embed_tokens.weight", {c.vocab, c.hidden});
  for (int64_t l = 0; l < c.layers; ++l) {
    std::string p = "model.layers." + std::to_string(l) + ".";
    LayerWeights lw;
    lw.inputNorm = w.load(p + "input_layernorm.weight", {c.hidden});
    lw.q = w.loadTransposed(p + "self_attn.q_proj.weight", qDim, c.hidden);
    lw.k = w.loadTransposed(p + "self_attn.k_proj.weight", kvDim, c.hidden);
    lw.v = w.loadTransposed(p + "self_attn.v_proj.weight", kvDim, c.hidden);
    lw.o = w.loadTransposed(p + "self_attn.o_proj.weight", c.hidden, qDim);
    lw.postNorm = w.load(p + "post_attention_layernorm.weight", {c.hidden});
    lw.gate =
        w.loadTransposed(p + "mlp.gate_proj.weight", c.intermediate, c.hidden);
    lw.up =
        w.loadTransposed(p + "mlp.up_proj.weight", c.intermediate, c.hidden);
    lw.down =
        w.loadTransposed(p + "mlp.down_proj.weight", c.hidden, c.intermediate);
    out.layers.push_back(lw);
  }
  out.finalNorm = w.load("model.norm.weight", {c.hidden});
  // A tied checkpoint stores the table once; the head is its transpose.
  out.lmHead = w.loadTransposed(c.tiedEmbeddings ? "model.embed_tokens.weight"
                                                 : "lm_head.weight",
                                c.vocab, c.hidden);
  if (llvm::Error err = w.takeError())
    return std::move(err);
  std::tie(out.cos, out.sin) = ropeTables(context, c);
  return out;
}

CausalLMResult forward(const LlamaConfig &c, const Weights &w, GraphBuilder &g,
                       const CausalLMStep &step) {
  ImplicitLocOpBuilder &b = g.b();
  float scale = 1.0f / std::sqrt(static_cast<float>(c.headDim));

  g.setScope("embed_tokens");
  Value h = EmbeddingOp::create(b, g.constant(w.embedding), step.ids);
  Value cos = g.constant(w.cos), sin = g.constant(w.sin);
  CausalLMResult result;
  for (auto [l, lw] : llvm::enumerate(w.layers)) {
    std::string layer = "layers." + std::to_string(l);
    g.setScope(layer + ".self_attn");
    Value x = g.rmsNorm(h, g.constant(lw.inputNorm), c.epsilon);
    auto rope = [&](Value heads) -> Value {
      return RotaryEmbeddingOp::create(b, heads, cos, sin, step.positions,
                                       c.interleavedRope, IntegerAttr());
    };
    Value q =
        rope(g.splitHeads(g.linear(x, g.constant(lw.q)), c.heads, c.headDim));
    Value k =
        rope(g.splitHeads(g.linear(x, g.constant(lw.k)), c.kvHeads, c.headDim));
    Value v = g.splitHeads(g.linear(x, g.constant(lw.v)), c.kvHeads, c.headDim);
    const KVCache *past = step.past.empty() ? nullptr : &step.past[l];
    auto [attention, present] =
        g.attention(q, k, v, Value(), past, scale, /*causal=*/true);
    result.present.push_back(present);
    h = g.linear(g.mergeHeads(attention), g.constant(lw.o), Value(), h);

    g.setScope(layer + ".mlp");
    x = g.rmsNorm(h, g.constant(lw.postNorm), c.epsilon);
    Value gate =
        g.linear(x, g.constant(lw.gate), Value(), Value(), Activation::silu);
    Value up = g.linear(x, g.constant(lw.up));
    h = g.linear(MulOp::create(b, gate, up), g.constant(lw.down), Value(), h);
  }
  g.setScope("lm_head");
  Value x = g.rmsNorm(h, g.constant(w.finalNorm), c.epsilon);
  result.logits = g.linear(x, g.constant(w.lmHead));
  return result;
}

} // namespace

llvm::Error checkLlamaConfig(const LlamaConfig &c, llvm::StringRef what) {
  auto fail = [&](const llvm::Twine &message) {
    return llvm::createStringError(what + ": " + message);
  };
  if (c.heads % c.kvHeads != 0)
    return fail(llvm::Twine(c.heads) +
                " attention heads are not a multiple of " +
                llvm::Twine(c.kvHeads) + " key/value heads");
  if (c.headDim % 2 != 0)
    return fail("head dimension " + llvm::Twine(c.headDim) +
                " is odd; RoPE rotates pairs");
  if (c.maxPositions * (c.headDim / 2) > kMaxRopeTable)
    return fail("a RoPE table of " + llvm::Twine(c.maxPositions) +
                " positions x " + llvm::Twine(c.headDim / 2) +
                " frequencies is larger than Tessera builds (2^28)");
  return llvm::Error::success();
}

llvm::Expected<LlamaConfig> readLlamaConfig(ModelConfig &config) {
  LlamaConfig c;
  c.hidden = config.dimension("hidden_size");
  c.intermediate = config.dimension("intermediate_size");
  c.layers = config.dimension("num_hidden_layers");
  c.heads = config.dimension("num_attention_heads");
  c.kvHeads = config.dimension("num_key_value_heads", c.heads);
  c.vocab = config.dimension("vocab_size");
  if (!config.isSet("head_dim") && c.heads && c.hidden % c.heads != 0)
    config.fail("hidden_size",
                llvm::Twine(c.hidden) +
                    " is not a multiple of num_attention_heads " +
                    llvm::Twine(c.heads));
  c.headDim = config.dimension("head_dim", c.heads ? c.hidden / c.heads : 0);
  c.maxPositions = config.dimension("max_position_embeddings", 2048);
  c.epsilon = static_cast<float>(config.positiveNumber("rms_norm_eps", 1e-6));
  c.ropeTheta = config.positiveNumber("rope_theta", 10000.0);
  c.tiedEmbeddings = config.boolean("tie_word_embeddings", false);
  if (std::string act = config.string("hidden_act", "silu"); act != "silu")
    config.fail("hidden_act", "'" + act + "' is not supported (silu)");
  for (llvm::StringRef key : {"attention_bias", "mlp_bias"})
    if (config.boolean(key, false))
      config.fail(key, "biased projections are not supported");
  if (config.isSet("rope_scaling"))
    config.fail("rope_scaling",
                "RoPE scaling is not supported (only the unscaled rotation)");
  if (llvm::Error err = config.takeError())
    return std::move(err);
  if (llvm::Error err = checkLlamaConfig(c, config.path()))
    return std::move(err);
  return c;
}

llvm::Error buildLlama(const LlamaConfig &config, WeightLoader &weights,
                       GraphBuilder &g) {
  auto w = loadWeights(config, weights, g.context());
  if (!w)
    return w.takeError();
  emitCausalLMFunctions(g, {config.layers, config.kvHeads, config.headDim},
                        [&](GraphBuilder &g, const CausalLMStep &step) {
                          return forward(config, *w, g, step);
                        });
  return llvm::Error::success();
}

} // namespace tessera::native
