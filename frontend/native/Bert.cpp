//===- Bert.cpp - BERT encoders and their classification heads ------------===//
//
// transformers' modeling_bert.py: word + position + token-type embeddings,
// post-LayerNorm blocks with bidirectional attention under the padding mask,
// an erf GELU MLP; the pooler (tanh of a dense layer on the first token)
// feeds sequence classification, the per-token states token classification.
//
//===----------------------------------------------------------------------===//

#include "frontend/native/Families.h"

#include <cmath>

using namespace mlir;

namespace tessera::native {

namespace {

constexpr int64_t kDynamic = ShapedType::kDynamic;

enum class Head { None, SequenceClassification, TokenClassification };

struct BertConfig {
  int64_t hidden = 0, layers = 0, heads = 0, intermediate = 0, vocab = 0,
          positions = 0, typeVocab = 0, labels = 0;
  float epsilon = 1e-12f;
  Activation activation = Activation::gelu;
  Head head = Head::None;
};

struct Norm {
  ElementsAttr scale, bias;
};

struct LayerWeights {
  ElementsAttr q, qBias, k, kBias, v, vBias, out, outBias, inter, interBias,
      down, downBias;
  Norm attentionNorm, outputNorm;
};

struct Weights {
  ElementsAttr words, positions, types, pooler, poolerBias, classifier,
      classifierBias;
  Norm embeddingNorm;
  std::vector<LayerWeights> layers;
};

llvm::Expected<BertConfig> readConfig(ModelConfig &config) {
  BertConfig c;
  c.hidden = config.dimension("hidden_size");
  c.layers = config.dimension("num_hidden_layers");
  c.heads = config.dimension("num_attention_heads");
  c.intermediate = config.dimension("intermediate_size");
  c.vocab = config.dimension("vocab_size");
  c.positions = config.dimension("max_position_embeddings", 512);
  c.typeVocab = config.dimension("type_vocab_size", 2);
  c.epsilon =
      static_cast<float>(config.positiveNumber("layer_norm_eps", 1e-12));
  // transformers derives num_labels from id2label, which is what it saves.
  c.labels = config.objectSize("id2label", config.dimension("num_labels", 2));
  std::string act = config.string("hidden_act", "gelu");
  if (act == "gelu")
    c.activation = Activation::gelu;
  else if (act == "gelu_new" || act == "gelu_pytorch_tanh")
    c.activation = Activation::gelu_tanh;
  else if (act == "relu")
    c.activation = Activation::relu;
  else
    config.fail("hidden_act", "'" + act +
                                  "' is not supported (gelu, "
                                  "gelu_new, relu)");
  if (std::string kind = config.string("position_embedding_type", "absolute");
      kind != "absolute")
    config.fail("position_embedding_type",
                "'" + kind + "' is not supported (absolute)");
  if (config.boolean("is_decoder", false))
    config.fail("is_decoder", "BERT as a decoder is not supported");
  std::vector<std::string> architectures = config.strings("architectures");
  if (architectures.size() > 1)
    config.fail("architectures", "lists " + llvm::Twine(architectures.size()) +
                                     " architectures; expected one");
  std::string arch = architectures.empty() ? "BertModel" : architectures[0];
  if (arch == "BertForSequenceClassification")
    c.head = Head::SequenceClassification;
  else if (arch == "BertForTokenClassification")
    c.head = Head::TokenClassification;
  else if (arch != "BertModel")
    config.fail("architectures", "'" + arch +
                                     "' is not supported (BertModel, "
                                     "BertForSequenceClassification, "
                                     "BertForTokenClassification)");
  if (c.heads && c.hidden % c.heads != 0)
    config.fail("hidden_size",
                llvm::Twine(c.hidden) +
                    " is not a multiple of num_attention_heads " +
                    llvm::Twine(c.heads));
  if (llvm::Error err = config.takeError())
    return std::move(err);
  return c;
}

llvm::Expected<Weights> loadWeights(const BertConfig &c, WeightLoader &w) {
  // The heads save the encoder under "bert."; a bare BertModel may not.
  std::string root =
      w.has("bert.embeddings.word_embeddings.weight") ? "bert." : "";
  int64_t d = c.hidden;
  // Checkpoints converted from TensorFlow name LayerNorm's parameters
  // gamma and beta.
  auto norm = [&](const std::string &prefix) {
    bool old = !w.has(prefix + ".weight") && w.has(prefix + ".gamma");
    return Norm{w.load(prefix + (old ? ".gamma" : ".weight"), {d}),
                w.load(prefix + (old ? ".beta" : ".bias"), {d})};
  };
  Weights out;
  std::string e = root + "embeddings.";
  out.words = w.load(e + "word_embeddings.weight", {c.vocab, d});
  out.positions = w.load(e + "position_embeddings.weight", {c.positions, d});
  out.types = w.load(e + "token_type_embeddings.weight", {c.typeVocab, d});
  out.embeddingNorm = norm(e + "LayerNorm");
  for (int64_t l = 0; l < c.layers; ++l) {
    std::string p = root + "encoder.layer." + std::to_string(l) + ".";
    LayerWeights lw;
    lw.q = w.loadTransposed(p + "attention.self.query.weight", d, d);
    lw.qBias = w.load(p + "attention.self.query.bias", {d});
    lw.k = w.loadTransposed(p + "attention.self.key.weight", d, d);
    lw.kBias = w.load(p + "attention.self.key.bias", {d});
    lw.v = w.loadTransposed(p + "attention.self.value.weight", d, d);
    lw.vBias = w.load(p + "attention.self.value.bias", {d});
    lw.out = w.loadTransposed(p + "attention.output.dense.weight", d, d);
    lw.outBias = w.load(p + "attention.output.dense.bias", {d});
    lw.attentionNorm = norm(p + "attention.output.LayerNorm");
    lw.inter =
        w.loadTransposed(p + "intermediate.dense.weight", c.intermediate, d);
    lw.interBias = w.load(p + "intermediate.dense.bias", {c.intermediate});
    lw.down = w.loadTransposed(p + "output.dense.weight", d, c.intermediate);
    lw.downBias = w.load(p + "output.dense.bias", {d});
    lw.outputNorm = norm(p + "output.LayerNorm");
    out.layers.push_back(lw);
  }
  // The pooler is optional in a bare model (add_pooling_layer=False) and
  // unused by token classification.
  if (c.head == Head::SequenceClassification ||
      (c.head == Head::None && w.has(root + "pooler.dense.weight"))) {
    out.pooler = w.loadTransposed(root + "pooler.dense.weight", d, d);
    out.poolerBias = w.load(root + "pooler.dense.bias", {d});
  }
  if (c.head != Head::None) {
    out.classifier = w.loadTransposed("classifier.weight", c.labels, d);
    out.classifierBias = w.load("classifier.bias", {c.labels});
  }
  if (llvm::Error err = w.takeError())
    return std::move(err);
  return out;
}

void buildMain(const BertConfig &c, const Weights &w, GraphBuilder &g) {
  ImplicitLocOpBuilder &b = g.b();
  Type i64 = b.getI64Type();
  FunctionInput ids{
      "input_ids", {kDynamic, kDynamic}, i64, {"batch", "sequence"}};
  FunctionInput mask = ids, types = ids;
  mask.name = "attention_mask";
  types.name = "token_type_ids";
  llvm::SmallVector<Value> args = g.beginFunction("main", {ids, mask, types});
  int64_t headDim = c.hidden / c.heads;
  float scale = 1.0f / std::sqrt(static_cast<float>(headDim));

  g.setScope("embeddings");
  Value positions = g.positions(g.size(args[0], 1), Value());
  // One statement per op keeps the IR in source order (argument
  // evaluation order is unspecified).
  Value wordEmbedding = EmbeddingOp::create(b, g.constant(w.words), args[0]);
  Value typeEmbedding = EmbeddingOp::create(b, g.constant(w.types), args[2]);
  Value h = AddOp::create(b, wordEmbedding, typeEmbedding);
  Value positionEmbedding =
      EmbeddingOp::create(b, g.constant(w.positions), positions);
  h = AddOp::create(b, h, positionEmbedding);
  h = g.layerNorm(h, g.constant(w.embeddingNorm.scale),
                  g.constant(w.embeddingNorm.bias), c.epsilon);
  // Keys where attention_mask is 0 are padding: a boolean mask, true =
  // attend, broadcast over heads and queries as [B, 1, 1, S].
  Value attend = CmpOp::create(b, CmpPredicate::ne, args[1], g.scalarI64(0));
  Value keyMask = g.reshape(attend, {g.size(args[1], 0), b.getIndexAttr(1),
                                     b.getIndexAttr(1), g.size(args[1], 1)});

  for (auto [l, lw] : llvm::enumerate(w.layers)) {
    std::string layer = "encoder.layer." + std::to_string(l);
    g.setScope(layer + ".attention");
    auto heads = [&](ElementsAttr weight, ElementsAttr bias) {
      return g.splitHeads(g.linear(h, g.constant(weight), g.constant(bias)),
                          c.heads, headDim);
    };
    Value q = heads(lw.q, lw.qBias);
    Value k = heads(lw.k, lw.kBias);
    Value v = heads(lw.v, lw.vBias);
    Value attention =
        g.attention(q, k, v, keyMask, nullptr, scale, /*causal=*/false).first;
    h = g.linear(g.mergeHeads(attention), g.constant(lw.out),
                 g.constant(lw.outBias), h);
    h = g.layerNorm(h, g.constant(lw.attentionNorm.scale),
                    g.constant(lw.attentionNorm.bias), c.epsilon);
    g.setScope(layer + ".mlp");
    Value inner = g.linear(h, g.constant(lw.inter), g.constant(lw.interBias),
                           Value(), c.activation);
    h = g.linear(inner, g.constant(lw.down), g.constant(lw.downBias), h);
    h = g.layerNorm(h, g.constant(lw.outputNorm.scale),
                    g.constant(lw.outputNorm.bias), c.epsilon);
  }

  llvm::SmallVector<std::pair<std::string, Value>> outputs;
  Value pooled;
  if (w.pooler) {
    g.setScope("pooler");
    Value first = g.reshape(g.slice(h, 1, 0, 1),
                            {g.size(h, 0), b.getIndexAttr(c.hidden)});
    pooled = TanhOp::create(
        b, g.linear(first, g.constant(w.pooler), g.constant(w.poolerBias)));
  }
  g.setScope("classifier");
  switch (c.head) {
  case Head::None:
    outputs.push_back({"last_hidden_state", h});
    if (pooled)
      outputs.push_back({"pooler_output", pooled});
    break;
  case Head::SequenceClassification:
    outputs.push_back({"logits", g.linear(pooled, g.constant(w.classifier),
                                          g.constant(w.classifierBias))});
    break;
  case Head::TokenClassification:
    outputs.push_back({"logits", g.linear(h, g.constant(w.classifier),
                                          g.constant(w.classifierBias))});
    break;
  }
  g.endFunction(outputs);
}

} // namespace

llvm::Error importBert(ModelConfig &config, WeightLoader &weights,
                       GraphBuilder &g) {
  auto c = readConfig(config);
  if (!c)
    return c.takeError();
  auto w = loadWeights(*c, weights);
  if (!w)
    return w.takeError();
  buildMain(*c, *w, g);
  return llvm::Error::success();
}

} // namespace tessera::native
