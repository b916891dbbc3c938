//===- T5.cpp - T5 encoder-decoders ---------------------------------------===//
//
// transformers' modeling_t5.py: pre-norm blocks with T5's LayerNorm (RMS, no
// bias), unscaled attention whose scores get a learned bias per relative-
// position bucket (computed by each stack's first block and shared by the
// rest), decoder cross-attention over the encoder output, a ReLU or gated
// GELU MLP, and an LM head that is the shared embedding scaled by
// d_model^-0.5 when tied.
//
// Besides `main` (encoder and decoder in one call), generation gets
// `encode` (the encoder output, computed once) and `decode` (one decoder
// token over that output and the decoder's self-attention caches, which a
// session keeps; cross-attention keys and values are recomputed from the
// encoder output each step).
//
//===----------------------------------------------------------------------===//

#include "frontend/native/Families.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/BuiltinAttributes.h"

#include <cmath>
#include <limits>

using namespace mlir;

namespace tessera::native {

namespace {

constexpr int64_t kDynamic = ShapedType::kDynamic;
/// T5 checkpoints use 128; the bound keeps the bucket table small.
constexpr int64_t kMaxRelativeDistance = 1 << 16;

struct T5Config {
  int64_t model = 0, kv = 0, ff = 0, encoderLayers = 0, decoderLayers = 0,
          heads = 0, vocab = 0, buckets = 0, maxDistance = 0;
  float epsilon = 1e-6f;
  Activation activation = Activation::relu;
  bool gated = false, tied = true;
};

struct AttentionWeights {
  ElementsAttr norm, q, k, v, o;
};

struct FeedForwardWeights {
  ElementsAttr norm, wi, wiGate, wo; // wiGate: the gated form's wi_0
};

struct BlockWeights {
  AttentionWeights self, cross; // cross: decoder blocks only
  FeedForwardWeights ff;
};

struct StackWeights {
  ElementsAttr relativeBias, finalNorm;
  std::vector<BlockWeights> blocks;
};

struct Weights {
  ElementsAttr shared, lmHead;
  StackWeights encoder, decoder;
};

llvm::Expected<T5Config> readConfig(ModelConfig &config) {
  T5Config c;
  c.model = config.dimension("d_model");
  c.kv = config.dimension("d_kv", 64);
  c.ff = config.dimension("d_ff");
  c.encoderLayers = config.dimension("num_layers");
  c.decoderLayers = config.dimension("num_decoder_layers", c.encoderLayers);
  c.heads = config.dimension("num_heads");
  c.vocab = config.dimension("vocab_size");
  c.buckets = config.dimension("relative_attention_num_buckets", 32);
  c.maxDistance = config.dimension("relative_attention_max_distance", 128);
  c.epsilon =
      static_cast<float>(config.positiveNumber("layer_norm_epsilon", 1e-6));
  c.tied = config.boolean("tie_word_embeddings", true);
  // As transformers parses it: "[gated-]act", and gated-gelu means gelu_new.
  std::string proj = config.string("feed_forward_proj", "relu");
  llvm::StringRef act = proj;
  c.gated = act.consume_front("gated-");
  if (act == "relu")
    c.activation = Activation::relu;
  else if (act == "gelu")
    c.activation = c.gated ? Activation::gelu_tanh : Activation::gelu;
  else if (act == "gelu_new")
    c.activation = Activation::gelu_tanh;
  else if (act == "silu")
    c.activation = Activation::silu;
  else
    config.fail("feed_forward_proj",
                "'" + proj +
                    "' is not supported "
                    "([gated-]relu, gelu, gelu_new, silu)");
  // Bidirectional buckets split in two halves, each half in exact and
  // logarithmic parts: the logarithmic part needs max_distance beyond the
  // exact range.
  // The bucket table has max_distance + 1 entries.
  if (c.buckets && c.buckets < 4)
    config.fail("relative_attention_num_buckets",
                llvm::Twine(c.buckets) + " is below 4");
  else if (c.maxDistance && (c.maxDistance <= c.buckets / 2 ||
                             c.maxDistance > kMaxRelativeDistance))
    config.fail("relative_attention_max_distance",
                llvm::Twine(c.maxDistance) +
                    " must exceed half of relative_attention_num_buckets and "
                    "be at most " +
                    llvm::Twine(kMaxRelativeDistance));
  if (llvm::Error err = config.takeError())
    return std::move(err);
  return c;
}

llvm::Expected<Weights> loadWeights(const T5Config &c, WeightLoader &w) {
  int64_t d = c.model, inner = c.heads * c.kv;
  Weights out;
  // Tied checkpoints store the embedding once, usually as shared.weight.
  std::string shared =
      w.has("shared.weight") ? "shared.weight" : "encoder.embed_tokens.weight";
  out.shared = w.load(shared, {c.vocab, d});
  auto attention = [&](const std::string &p, const std::string &kind) {
    return AttentionWeights{w.load(p + "layer_norm.weight", {d}),
                            w.loadTransposed(p + kind + ".q.weight", inner, d),
                            w.loadTransposed(p + kind + ".k.weight", inner, d),
                            w.loadTransposed(p + kind + ".v.weight", inner, d),
                            w.loadTransposed(p + kind + ".o.weight", d, inner)};
  };
  auto feedForward = [&](const std::string &p) {
    FeedForwardWeights ff;
    ff.norm = w.load(p + "layer_norm.weight", {d});
    std::string dense = p + "DenseReluDense.";
    if (c.gated) {
      ff.wiGate = w.loadTransposed(dense + "wi_0.weight", c.ff, d);
      ff.wi = w.loadTransposed(dense + "wi_1.weight", c.ff, d);
    } else {
      ff.wi = w.loadTransposed(dense + "wi.weight", c.ff, d);
    }
    ff.wo = w.loadTransposed(dense + "wo.weight", d, c.ff);
    return ff;
  };
  auto stack = [&](const std::string &name, int64_t layers, bool decoder) {
    StackWeights s;
    s.relativeBias = w.load(name + ".block.0.layer.0.SelfAttention."
                                   "relative_attention_bias.weight",
                            {c.buckets, c.heads});
    for (int64_t l = 0; l < layers; ++l) {
      std::string p = name + ".block." + std::to_string(l) + ".layer.";
      BlockWeights block;
      block.self = attention(p + "0.", "SelfAttention");
      if (decoder)
        block.cross = attention(p + "1.", "EncDecAttention");
      block.ff = feedForward(p + (decoder ? "2." : "1."));
      s.blocks.push_back(block);
    }
    s.finalNorm = w.load(name + ".final_layer_norm.weight", {d});
    return s;
  };
  out.encoder = stack("encoder", c.encoderLayers, false);
  out.decoder = stack("decoder", c.decoderLayers, true);
  out.lmHead = w.loadTransposed(c.tied ? shared : "lm_head.weight", c.vocab, d);
  if (llvm::Error err = w.takeError())
    return std::move(err);
  return out;
}

/// T5's bucket for |relative position| n = 0 .. maxDistance (larger ones
/// share the last), for one direction with `buckets` buckets: n itself below
/// buckets / 2, then logarithmically spaced up to maxDistance. Tabulated
/// here in exact arithmetic (integer results of the logarithm are not left to
/// rounding), so that the IR only looks it up.
std::vector<int64_t> bucketTable(int64_t buckets, int64_t maxDistance) {
  int64_t exact = buckets / 2;
  std::vector<int64_t> table(maxDistance + 1);
  for (int64_t n = 0; n <= maxDistance; ++n) {
    if (n < exact) {
      table[n] = n;
      continue;
    }
    double scaled = std::log(double(n) / exact) /
                    std::log(double(maxDistance) / exact) * (buckets - exact);
    table[n] = std::min(exact + static_cast<int64_t>(std::floor(scaled + 1e-9)),
                        buckets - 1);
  }
  return table;
}

class T5Builder {
public:
  T5Builder(const T5Config &c, const Weights &w, GraphBuilder &g)
      : c(c), w(w), g(g), b(g.b()) {}

  void buildMain() {
    Type i64 = b.getI64Type();
    FunctionInput ids{
        "input_ids", {kDynamic, kDynamic}, i64, {"batch", "sequence"}};
    FunctionInput mask = ids;
    mask.name = "attention_mask";
    FunctionInput decoderIds{"decoder_input_ids",
                             {kDynamic, kDynamic},
                             i64,
                             {"batch", "decoder_sequence"}};
    llvm::SmallVector<Value> args =
        g.beginFunction("main", {ids, mask, decoderIds});
    Value encoded = encode(args[0], args[1]);
    Value logits = decode(args[2], encoded, args[1], {}, nullptr);
    g.setScope("main");
    g.endFunction({{"logits", logits}});
  }

  void buildEncodeDecode() {
    Type i64 = b.getI64Type(), f32 = b.getF32Type();
    FunctionInput ids{
        "input_ids", {kDynamic, kDynamic}, i64, {"batch", "sequence"}};
    FunctionInput mask = ids;
    mask.name = "attention_mask";
    llvm::SmallVector<Value> args = g.beginFunction("encode", {ids, mask});
    Value encoded = encode(args[0], args[1]);
    g.setScope("encode");
    g.endFunction({{"encoder_hidden_states", encoded}});

    llvm::SmallVector<FunctionInput> inputs = {
        {"decoder_input_ids", {kDynamic, 1}, i64, {"batch", ""}},
        mask,
        {"encoder_hidden_states",
         {kDynamic, kDynamic, c.model},
         f32,
         {"batch", "sequence", ""}}};
    for (int64_t i = 0; i < c.decoderLayers; ++i)
      for (llvm::StringRef part : {"key", "value"})
        inputs.push_back(
            {"past_key_values." + std::to_string(i) + "." + part.str(),
             {kDynamic, c.heads, kDynamic, c.kv},
             f32,
             {"batch", "", "past_sequence", ""}});
    args = g.beginFunction("decode", inputs);
    llvm::SmallVector<KVCache> past, present;
    for (int64_t i = 0; i < c.decoderLayers; ++i)
      past.push_back({args[3 + 2 * i], args[4 + 2 * i]});
    Value logits = decode(args[0], args[2], args[1], past, &present);
    g.setScope("decode");
    llvm::SmallVector<std::pair<std::string, Value>> outputs = {
        {"logits", logits}};
    for (auto [i, cache] : llvm::enumerate(present)) {
      outputs.push_back({"present." + std::to_string(i) + ".key", cache.key});
      outputs.push_back(
          {"present." + std::to_string(i) + ".value", cache.value});
    }
    g.endFunction(outputs);
  }

private:
  /// The relative-position bias [1, heads, q, k] of queries offset ..
  /// offset+q-1 (offset: null for 0) over keys 0..k-1.
  Value positionBias(ElementsAttr table, OpFoldResult queries,
                     OpFoldResult keys, bool bidirectional,
                     Value queryOffset = {}) {
    Value q =
        g.reshape(g.iota(queries, queryOffset), {queries, b.getIndexAttr(1)});
    Value k = g.reshape(g.iota(keys, Value()), {b.getIndexAttr(1), keys});
    Value relative = SubOp::create(b, k, q);
    int64_t buckets = bidirectional ? c.buckets / 2 : c.buckets;
    Value distance, offset;
    if (bidirectional) {
      // Keys after the query use the upper half of the buckets.
      Value after =
          CmpOp::create(b, CmpPredicate::gt, relative, g.scalarI64(0));
      offset = WhereOp::create(b, after, g.scalarI64(buckets), g.scalarI64(0));
      distance = AbsOp::create(b, relative);
    } else {
      // Causal: only keys at or before the query, by how far before.
      distance = NegOp::create(b, MinOp::create(b, relative, g.scalarI64(0)));
    }
    distance = MinOp::create(b, distance, g.scalarI64(c.maxDistance));
    std::vector<int64_t> values = bucketTable(buckets, c.maxDistance);
    auto tableType = RankedTensorType::get(
        {static_cast<int64_t>(values.size())}, b.getI64Type());
    Value bucketOf = g.constant(cast<ElementsAttr>(
        DenseElementsAttr::get(tableType, llvm::ArrayRef<int64_t>(values))));
    Value bucket =
        GatherOp::create(b, bucketOf, distance, b.getI64IntegerAttr(0));
    if (offset)
      bucket = AddOp::create(b, bucket, offset);
    Value bias = EmbeddingOp::create(b, g.constant(table), bucket); // [q, k, H]
    bias = g.transpose(bias, {2, 0, 1});
    return g.reshape(
        bias, {b.getIndexAttr(1), b.getIndexAttr(c.heads), queries, keys});
  }

  /// Attention of x's queries over `kv` (x itself for self-attention), after
  /// a `past` cache when given; `present` receives the keys and values it
  /// attended to.
  Value attention(const AttentionWeights &aw, Value x, Value kv, Value mask,
                  bool causal, const KVCache *past, KVCache *present) {
    Value q = g.splitHeads(g.linear(x, g.constant(aw.q)), c.heads, c.kv);
    Value k = g.splitHeads(g.linear(kv, g.constant(aw.k)), c.heads, c.kv);
    Value v = g.splitHeads(g.linear(kv, g.constant(aw.v)), c.heads, c.kv);
    // T5 folds 1/sqrt(d_kv) into its initialization: no scaling.
    auto [out, cache] = g.attention(q, k, v, mask, past, 1.0f, causal);
    if (present)
      *present = cache;
    return g.mergeHeads(out);
  }

  /// x + attention(norm(x)).
  Value attentionLayer(const AttentionWeights &aw, Value x, Value kv,
                       Value mask, bool causal, const KVCache *past = nullptr,
                       KVCache *present = nullptr) {
    Value normed = g.rmsNorm(x, g.constant(aw.norm), c.epsilon);
    Value out = attention(aw, normed, kv ? kv : normed, mask, causal, past,
                          present);
    return g.linear(out, g.constant(aw.o), Value(), x);
  }

  /// x + ff(norm(x)).
  Value feedForward(const FeedForwardWeights &ff, Value x) {
    Value normed = g.rmsNorm(x, g.constant(ff.norm), c.epsilon);
    Value hidden;
    if (c.gated) {
      Value gate = g.linear(normed, g.constant(ff.wiGate), Value(), Value(),
                            c.activation);
      hidden = MulOp::create(b, gate, g.linear(normed, g.constant(ff.wi)));
    } else {
      hidden =
          g.linear(normed, g.constant(ff.wi), Value(), Value(), c.activation);
    }
    return g.linear(hidden, g.constant(ff.wo), Value(), x);
  }

  Value encode(Value ids, Value attentionMask) {
    g.setScope("encoder.embed_tokens");
    Value h = EmbeddingOp::create(b, g.constant(w.shared), ids);
    g.setScope("encoder.relative_attention_bias");
    OpFoldResult length = g.size(ids, 1);
    Value bias = positionBias(w.encoder.relativeBias, length, length, true);
    // Padding keys get transformers' additive (1 - mask) * finfo.min.
    Value keep = CastOp::create(
        b,
        cast<RankedTensorType>(attentionMask.getType()).clone(b.getF32Type()),
        attentionMask);
    Value padding =
        MulOp::create(b, SubOp::create(b, g.scalar(1.0f), keep),
                      g.scalar(std::numeric_limits<float>::lowest()));
    padding = g.reshape(padding, {g.size(ids, 0), b.getIndexAttr(1),
                                  b.getIndexAttr(1), length});
    Value mask = AddOp::create(b, bias, padding);
    for (auto [l, block] : llvm::enumerate(w.encoder.blocks)) {
      std::string name = "encoder.block." + std::to_string(l);
      g.setScope(name + ".self_attention");
      h = attentionLayer(block.self, h, Value(), mask, /*causal=*/false);
      g.setScope(name + ".ff");
      h = feedForward(block.ff, h);
    }
    g.setScope("encoder.final_layer_norm");
    return g.rmsNorm(h, g.constant(w.encoder.finalNorm), c.epsilon);
  }

  /// The decoder's logits for `ids`; with `past` (one cache per layer) the
  /// single token in `ids` follows the cached ones and `present` receives
  /// the caches extended by it.
  Value decode(Value ids, Value encoded, Value attentionMask,
               llvm::ArrayRef<KVCache> past,
               llvm::SmallVectorImpl<KVCache> *present) {
    g.setScope("decoder.embed_tokens");
    Value h = EmbeddingOp::create(b, g.constant(w.shared), ids);
    g.setScope("decoder.relative_attention_bias");
    OpFoldResult length = g.size(ids, 1);
    Value bias;
    if (past.empty()) {
      bias = positionBias(w.decoder.relativeBias, length, length, false);
    } else {
      // One query at position past_sequence over keys 0..past_sequence.
      Value pastLength = g.indexValue(g.size(past.front().key, 2));
      Value keys = arith::AddIOp::create(
          b, pastLength, arith::ConstantIndexOp::create(b, 1));
      bias = positionBias(w.decoder.relativeBias, length, keys, false,
                          pastLength);
    }
    // Cross-attention skips the encoder's padding keys.
    Value attend =
        CmpOp::create(b, CmpPredicate::ne, attentionMask, g.scalarI64(0));
    Value crossMask =
        g.reshape(attend, {g.size(attentionMask, 0), b.getIndexAttr(1),
                           b.getIndexAttr(1), g.size(attentionMask, 1)});
    for (auto [l, block] : llvm::enumerate(w.decoder.blocks)) {
      std::string name = "decoder.block." + std::to_string(l);
      g.setScope(name + ".self_attention");
      if (past.empty()) {
        h = attentionLayer(block.self, h, Value(), bias, /*causal=*/true);
      } else {
        // A single query sees every cached key: no causal mask is needed.
        present->emplace_back();
        h = attentionLayer(block.self, h, Value(), bias, /*causal=*/false,
                           &past[l], &present->back());
      }
      g.setScope(name + ".cross_attention");
      h = attentionLayer(block.cross, h, encoded, crossMask, /*causal=*/false);
      g.setScope(name + ".ff");
      h = feedForward(block.ff, h);
    }
    g.setScope("lm_head");
    h = g.rmsNorm(h, g.constant(w.decoder.finalNorm), c.epsilon);
    // transformers multiplies by the double d_model ** -0.5 rounded to float.
    if (c.tied)
      h = MulOp::create(
          b, h, g.scalar(static_cast<float>(std::pow(double(c.model), -0.5))));
    return g.linear(h, g.constant(w.lmHead));
  }

  const T5Config &c;
  const Weights &w;
  GraphBuilder &g;
  ImplicitLocOpBuilder &b;
};

} // namespace

llvm::Error importT5(ModelConfig &config, WeightLoader &weights,
                     GraphBuilder &g) {
  auto c = readConfig(config);
  if (!c)
    return c.takeError();
  auto w = loadWeights(*c, weights);
  if (!w)
    return w.takeError();
  T5Builder builder(*c, *w, g);
  builder.buildMain();
  builder.buildEncodeDecode();
  return llvm::Error::success();
}

} // namespace tessera::native
