//===- Gpt2.cpp - GPT-2 ---------------------------------------------------===//
//
// transformers' modeling_gpt2.py: pre-LayerNorm blocks, one packed Conv1D
// for q, k and v ([in, out] weights, used as stored), causal attention
// scaled by 1/sqrt(head_dim), a GELU MLP and the head tied to wte.
//
//===----------------------------------------------------------------------===//

#include "frontend/native/CausalLM.h"
#include "frontend/native/Families.h"

#include <cmath>

using namespace mlir;

namespace tessera::native {

namespace {

struct Gpt2Config {
  int64_t hidden = 0, layers = 0, heads = 0, vocab = 0, positions = 0,
          inner = 0;
  float epsilon = 1e-5f;
  Activation activation = Activation::gelu_tanh;
  bool scaleAttention = true, scaleByLayer = false, tied = true;
};

struct LayerWeights {
  ElementsAttr ln1Scale, ln1Bias, qkv, qkvBias, proj, projBias, ln2Scale,
      ln2Bias, fc, fcBias, fcProj, fcProjBias;
};

struct Weights {
  ElementsAttr wte, wpe, lnScale, lnBias, lmHead;
  std::vector<LayerWeights> layers;
};

llvm::Expected<Gpt2Config> readConfig(ModelConfig &config) {
  Gpt2Config c;
  c.hidden = config.dimension("n_embd");
  c.layers = config.dimension("n_layer");
  c.heads = config.dimension("n_head");
  c.vocab = config.dimension("vocab_size");
  c.positions = config.dimension("n_positions", 1024);
  c.inner = config.dimension("n_inner", 4 * c.hidden);
  c.epsilon =
      static_cast<float>(config.positiveNumber("layer_norm_epsilon", 1e-5));
  c.scaleAttention = config.boolean("scale_attn_weights", true);
  c.scaleByLayer = config.boolean("scale_attn_by_inverse_layer_idx", false);
  c.tied = config.boolean("tie_word_embeddings", true);
  std::string act = config.string("activation_function", "gelu_new");
  if (act == "gelu_new" || act == "gelu_pytorch_tanh" || act == "gelu_fast")
    c.activation = Activation::gelu_tanh;
  else if (act == "gelu")
    c.activation = Activation::gelu;
  else if (act == "relu")
    c.activation = Activation::relu;
  else
    config.fail("activation_function",
                "'" + act + "' is not supported (gelu_new, gelu, relu)");
  if (config.boolean("add_cross_attention", false))
    config.fail("add_cross_attention", "cross-attention is not supported");
  if (c.heads && c.hidden % c.heads != 0)
    config.fail("n_embd", llvm::Twine(c.hidden) +
                              " is not a multiple of n_head " +
                              llvm::Twine(c.heads));
  if (llvm::Error err = config.takeError())
    return std::move(err);
  return c;
}

llvm::Expected<Weights> loadWeights(const Gpt2Config &c, WeightLoader &w) {
  // GPT2LMHeadModel saves the body under "transformer."; GPT2Model does not.
  std::string root = w.has("transformer.wte.weight") ? "transformer." : "";
  int64_t d = c.hidden;
  Weights out;
  out.wte = w.load(root + "wte.weight", {c.vocab, d});
  out.wpe = w.load(root + "wpe.weight", {c.positions, d});
  for (int64_t l = 0; l < c.layers; ++l) {
    std::string p = root + "h." + std::to_string(l) + ".";
    LayerWeights lw;
    lw.ln1Scale = w.load(p + "ln_1.weight", {d});
    lw.ln1Bias = w.load(p + "ln_1.bias", {d});
    lw.qkv = w.load(p + "attn.c_attn.weight", {d, 3 * d});
    lw.qkvBias = w.load(p + "attn.c_attn.bias", {3 * d});
    lw.proj = w.load(p + "attn.c_proj.weight", {d, d});
    lw.projBias = w.load(p + "attn.c_proj.bias", {d});
    lw.ln2Scale = w.load(p + "ln_2.weight", {d});
    lw.ln2Bias = w.load(p + "ln_2.bias", {d});
    lw.fc = w.load(p + "mlp.c_fc.weight", {d, c.inner});
    lw.fcBias = w.load(p + "mlp.c_fc.bias", {c.inner});
    lw.fcProj = w.load(p + "mlp.c_proj.weight", {c.inner, d});
    lw.fcProjBias = w.load(p + "mlp.c_proj.bias", {d});
    out.layers.push_back(lw);
  }
  out.lnScale = w.load(root + "ln_f.weight", {d});
  out.lnBias = w.load(root + "ln_f.bias", {d});
  out.lmHead = w.loadTransposed(c.tied ? root + "wte.weight" : "lm_head.weight",
                                c.vocab, d);
  if (llvm::Error err = w.takeError())
    return std::move(err);
  return out;
}

CausalLMResult forward(const Gpt2Config &c, const Weights &w, GraphBuilder &g,
                       const CausalLMStep &step) {
  ImplicitLocOpBuilder &b = g.b();
  int64_t headDim = c.hidden / c.heads;
  g.setScope("embeddings");
  // One statement per op keeps the IR in source order (argument
  // evaluation order is unspecified).
  Value tokens = EmbeddingOp::create(b, g.constant(w.wte), step.ids);
  Value positions = EmbeddingOp::create(b, g.constant(w.wpe), step.positions);
  Value h = AddOp::create(b, tokens, positions);
  CausalLMResult result;
  for (auto [l, lw] : llvm::enumerate(w.layers)) {
    std::string layer = "h." + std::to_string(l);
    g.setScope(layer + ".attn");
    Value x = g.layerNorm(h, g.constant(lw.ln1Scale), g.constant(lw.ln1Bias),
                          c.epsilon);
    Value qkv = g.linear(x, g.constant(lw.qkv), g.constant(lw.qkvBias));
    auto part = [&](int64_t i) {
      return g.splitHeads(g.slice(qkv, 2, i * c.hidden, (i + 1) * c.hidden),
                          c.heads, headDim);
    };
    float scale =
        c.scaleAttention ? 1.0f / std::sqrt(static_cast<float>(headDim)) : 1.0f;
    if (c.scaleByLayer)
      scale /= static_cast<float>(l + 1);
    const KVCache *past = step.past.empty() ? nullptr : &step.past[l];
    Value q = part(0), k = part(1), v = part(2);
    auto [attention, present] =
        g.attention(q, k, v, Value(), past, scale, /*causal=*/true);
    result.present.push_back(present);
    h = g.linear(g.mergeHeads(attention), g.constant(lw.proj),
                 g.constant(lw.projBias), h);

    g.setScope(layer + ".mlp");
    x = g.layerNorm(h, g.constant(lw.ln2Scale), g.constant(lw.ln2Bias),
                    c.epsilon);
    Value inner = g.linear(x, g.constant(lw.fc), g.constant(lw.fcBias), Value(),
                           c.activation);
    h = g.linear(inner, g.constant(lw.fcProj), g.constant(lw.fcProjBias), h);
  }
  g.setScope("lm_head");
  Value x =
      g.layerNorm(h, g.constant(w.lnScale), g.constant(w.lnBias), c.epsilon);
  result.logits = g.linear(x, g.constant(w.lmHead));
  return result;
}

} // namespace

llvm::Error importGpt2(ModelConfig &config, WeightLoader &weights,
                       GraphBuilder &g) {
  auto c = readConfig(config);
  if (!c)
    return c.takeError();
  auto w = loadWeights(*c, weights);
  if (!w)
    return w.takeError();
  emitCausalLMFunctions(g, {c->layers, c->heads, c->hidden / c->heads},
                        [&](GraphBuilder &g, const CausalLMStep &step) {
                          return forward(*c, *w, g, step);
                        });
  return llvm::Error::success();
}

} // namespace tessera::native
