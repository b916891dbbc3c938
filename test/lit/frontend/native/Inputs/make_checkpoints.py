#!/usr/bin/python3
"""Writes the tiny checkpoints the native-frontend lit tests import, and
broken variants of them, into the directory given as the only argument:

  llama2c.bin            llama2.c v0: dim 8, hidden 16, 2 layers, 2 heads,
                         1 KV head, vocab 12, seq_len 6, shared classifier
  llama2c-wcls.bin       the same with a separate classifier (vocab -12)
  gpt2/                  GPT2Model names (no "transformer." prefix): n_embd 8,
                         2 heads, 1 layer, vocab 10, 8 positions
  gpt2-sharded/          the same tensors in two shards and an index
  llama/                 Hugging Face llama: hidden 8, 2 heads, 1 KV head,
                         1 layer, untied lm_head, rope_theta 500000
  bert-seqcls/, bert-tokcls/, t5/
  broken/...             one defect each (see the error tests)

Only numpy: values are seeded and small; the tests check IR, not numbers.
"""
import json
import os
import struct
import sys

import numpy as np

rng = np.random.default_rng(0)


def rand(*shape):
    return (rng.standard_normal(shape) * 0.1).astype(np.float32)


def write_safetensors(path, tensors, header_patch=None):
    """tensors: name -> float32 array. header_patch(header) may damage the
    header before it is written."""
    header, data = {"__metadata__": {"format": "pt"}}, b""
    for name, array in tensors.items():
        raw = np.ascontiguousarray(array).astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(array.shape),
                        "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    if header_patch:
        header_patch(header)
    text = json.dumps(header).encode()
    text += b" " * (-(8 + len(text)) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + data)


def write_sharded(path, config, tensors, shard_name=None):
    """The tensors split over two files listed in model.safetensors.index.json;
    shard_name(i) overrides the name the index gives shard i."""
    os.makedirs(path, exist_ok=True)
    with open(os.path.join(path, "config.json"), "w") as f:
        json.dump(config, f)
    names = list(tensors)
    weight_map = {}
    for i, part in enumerate((names[: len(names) // 2], names[len(names) // 2:])):
        file = f"model-{i + 1:05d}-of-00002.safetensors"
        write_safetensors(os.path.join(path, file), {n: tensors[n] for n in part})
        for n in part:
            weight_map[n] = shard_name(i) if shard_name else file
    with open(os.path.join(path, "model.safetensors.index.json"), "w") as f:
        json.dump({"metadata": {}, "weight_map": weight_map}, f)


def write_dir(path, config, tensors, header_patch=None):
    os.makedirs(path, exist_ok=True)
    with open(os.path.join(path, "config.json"), "w") as f:
        json.dump(config, f)
    if tensors is not None:
        write_safetensors(os.path.join(path, "model.safetensors"), tensors, header_patch)


def llama2c(path, shared=True):
    dim, hidden, layers, heads, kv_heads, vocab, seq = 8, 16, 2, 2, 1, 12, 6
    kv_dim = dim * kv_heads // heads
    header = struct.pack("<7i", dim, hidden, layers, heads, kv_heads,
                         vocab if shared else -vocab, seq)
    parts = [rand(vocab, dim), 1 + rand(layers, dim), rand(layers, dim, dim),
             rand(layers, kv_dim, dim), rand(layers, kv_dim, dim),
             rand(layers, dim, dim), 1 + rand(layers, dim),
             rand(layers, hidden, dim), rand(layers, dim, hidden),
             rand(layers, hidden, dim), 1 + rand(dim),
             rand(seq, dim // heads // 2), rand(seq, dim // heads // 2)]
    if not shared:
        parts.append(rand(vocab, dim))
    with open(path, "wb") as f:
        f.write(header + b"".join(p.astype("<f4").tobytes() for p in parts))


def gpt2_tensors(d=8, layers=1, vocab=10, positions=8):
    t = {"wte.weight": rand(vocab, d), "wpe.weight": rand(positions, d)}
    for i in range(layers):
        p = f"h.{i}."
        t.update({p + "ln_1.weight": 1 + rand(d), p + "ln_1.bias": rand(d),
                  p + "attn.c_attn.weight": rand(d, 3 * d), p + "attn.c_attn.bias": rand(3 * d),
                  p + "attn.c_proj.weight": rand(d, d), p + "attn.c_proj.bias": rand(d),
                  p + "ln_2.weight": 1 + rand(d), p + "ln_2.bias": rand(d),
                  p + "mlp.c_fc.weight": rand(d, 4 * d), p + "mlp.c_fc.bias": rand(4 * d),
                  p + "mlp.c_proj.weight": rand(4 * d, d), p + "mlp.c_proj.bias": rand(d)})
    t.update({"ln_f.weight": 1 + rand(d), "ln_f.bias": rand(d)})
    return t


GPT2 = {"model_type": "gpt2", "n_embd": 8, "n_layer": 1, "n_head": 2, "vocab_size": 10,
        "n_positions": 8}


def llama_dir(path):
    d, heads, kv, inter, vocab = 8, 2, 1, 12, 10
    hd = d // heads
    t = {"model.embed_tokens.weight": rand(vocab, d),
         "model.layers.0.input_layernorm.weight": 1 + rand(d),
         "model.layers.0.self_attn.q_proj.weight": rand(heads * hd, d),
         "model.layers.0.self_attn.k_proj.weight": rand(kv * hd, d),
         "model.layers.0.self_attn.v_proj.weight": rand(kv * hd, d),
         "model.layers.0.self_attn.o_proj.weight": rand(d, heads * hd),
         "model.layers.0.post_attention_layernorm.weight": 1 + rand(d),
         "model.layers.0.mlp.gate_proj.weight": rand(inter, d),
         "model.layers.0.mlp.up_proj.weight": rand(inter, d),
         "model.layers.0.mlp.down_proj.weight": rand(d, inter),
         "model.norm.weight": 1 + rand(d), "lm_head.weight": rand(vocab, d)}
    write_dir(path, {"model_type": "llama", "hidden_size": d, "intermediate_size": inter,
                     "num_hidden_layers": 1, "num_attention_heads": heads,
                     "num_key_value_heads": kv, "vocab_size": vocab,
                     "max_position_embeddings": 16, "rms_norm_eps": 1e-5,
                     "rope_theta": 500000.0, "tie_word_embeddings": False}, t)


def bert_dir(path, arch, labels):
    d, inter, vocab = 8, 16, 10
    e = "bert.embeddings."
    t = {e + "word_embeddings.weight": rand(vocab, d),
         e + "position_embeddings.weight": rand(8, d),
         e + "token_type_embeddings.weight": rand(2, d),
         # TensorFlow-converted checkpoints name LayerNorm's parameters so.
         e + "LayerNorm.gamma": 1 + rand(d), e + "LayerNorm.beta": rand(d)}
    p = "bert.encoder.layer.0."
    for name in ("query", "key", "value"):
        t[p + f"attention.self.{name}.weight"] = rand(d, d)
        t[p + f"attention.self.{name}.bias"] = rand(d)
    t.update({p + "attention.output.dense.weight": rand(d, d),
              p + "attention.output.dense.bias": rand(d),
              p + "attention.output.LayerNorm.weight": 1 + rand(d),
              p + "attention.output.LayerNorm.bias": rand(d),
              p + "intermediate.dense.weight": rand(inter, d),
              p + "intermediate.dense.bias": rand(inter),
              p + "output.dense.weight": rand(d, inter), p + "output.dense.bias": rand(d),
              p + "output.LayerNorm.weight": 1 + rand(d), p + "output.LayerNorm.bias": rand(d),
              "classifier.weight": rand(labels, d), "classifier.bias": rand(labels)})
    if arch == "BertForSequenceClassification":
        t.update({"bert.pooler.dense.weight": rand(d, d), "bert.pooler.dense.bias": rand(d)})
    write_dir(path, {"model_type": "bert", "architectures": [arch], "hidden_size": d,
                     "num_hidden_layers": 1, "num_attention_heads": 2,
                     "intermediate_size": inter, "vocab_size": vocab,
                     "max_position_embeddings": 8,
                     "id2label": {str(i): f"L{i}" for i in range(labels)}}, t)


def t5_dir(path):
    d, kv, heads, ff, vocab, buckets = 8, 4, 2, 16, 10, 8
    inner = heads * kv
    t = {"shared.weight": rand(vocab, d)}
    attention = lambda p: {p + n + ".weight": rand(inner, d) for n in "qkv"} | {
        p + "o.weight": rand(d, inner)}
    for stack, layers in (("encoder", 1), ("decoder", 1)):
        b = f"{stack}.block.0.layer."
        t.update(attention(b + "0.SelfAttention."))
        t[b + "0.SelfAttention.relative_attention_bias.weight"] = rand(buckets, heads)
        t[b + "0.layer_norm.weight"] = 1 + rand(d)
        ffl = "1."
        if stack == "decoder":
            t.update(attention(b + "1.EncDecAttention."))
            t[b + "1.layer_norm.weight"] = 1 + rand(d)
            ffl = "2."
        t[b + ffl + "DenseReluDense.wi.weight"] = rand(ff, d)
        t[b + ffl + "DenseReluDense.wo.weight"] = rand(d, ff)
        t[b + ffl + "layer_norm.weight"] = 1 + rand(d)
        t[f"{stack}.final_layer_norm.weight"] = 1 + rand(d)
    write_dir(path, {"model_type": "t5", "d_model": d, "d_kv": kv, "d_ff": ff,
                     "num_layers": 1, "num_heads": heads, "vocab_size": vocab,
                     "relative_attention_num_buckets": buckets,
                     "relative_attention_max_distance": 16}, t)


def broken(out):
    b = os.path.join(out, "broken")
    os.makedirs(b, exist_ok=True)
    with open(os.path.join(out, "llama2c.bin"), "rb") as f:
        whole = f.read()
    for name, data in {"truncated.bin": whole[:500],
                       "trailing.bin": whole + b"\0" * 8,
                       "tiny.bin": whole[:10],
                       "header.bin": struct.pack("<7i", 8, 16, 2, 2, 1, 0, 6),
                       "versioned.bin": b"24ka" + whole[4:]}.items():
        with open(os.path.join(b, name), "wb") as f:
            f.write(data)

    def past_end(header):
        header["wte.weight"]["data_offsets"][1] += 1 << 20
    write_dir(os.path.join(b, "past-end"), GPT2, gpt2_tensors(), past_end)
    write_dir(os.path.join(b, "unknown-type"), {"model_type": "mamba"}, None)
    write_sharded(os.path.join(b, "shard-escape"), GPT2, gpt2_tensors(),
                  lambda i: "../../gpt2/model.safetensors" if i else
                  "model-00001-of-00002.safetensors")
    missing = gpt2_tensors()
    del missing["h.0.attn.c_proj.bias"]
    write_dir(os.path.join(b, "missing-tensor"), GPT2, missing)
    wrong = gpt2_tensors()
    wrong["wpe.weight"] = rand(4, 8)
    write_dir(os.path.join(b, "wrong-shape"), GPT2, wrong)
    write_dir(os.path.join(b, "bad-field"), dict(GPT2, n_head="two"), gpt2_tensors())
    write_dir(os.path.join(b, "no-weights"), GPT2, None)
    write_dir(os.path.join(b, "bad-header-length"), GPT2, gpt2_tensors())
    with open(os.path.join(b, "bad-header-length", "model.safetensors"), "r+b") as f:
        f.write(struct.pack("<Q", 1 << 40))

    write_dir(os.path.join(b, "tail"), GPT2, gpt2_tensors())
    with open(os.path.join(b, "tail", "model.safetensors"), "ab") as f:
        f.write(b"hidden")

    def overlap(header):
        header["wpe.weight"]["data_offsets"] = header["wte.weight"]["data_offsets"]
    write_dir(os.path.join(b, "overlap"), GPT2, dict(gpt2_tensors(), **{
        "wpe.weight": rand(10, 8)}), overlap)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    llama2c(os.path.join(out, "llama2c.bin"))
    llama2c(os.path.join(out, "llama2c-wcls.bin"), shared=False)
    gpt2 = gpt2_tensors()
    write_dir(os.path.join(out, "gpt2"), GPT2, gpt2)
    write_sharded(os.path.join(out, "gpt2-sharded"), GPT2, gpt2)
    llama_dir(os.path.join(out, "llama"))
    bert_dir(os.path.join(out, "bert-seqcls"), "BertForSequenceClassification", 3)
    bert_dir(os.path.join(out, "bert-tokcls"), "BertForTokenClassification", 5)
    t5_dir(os.path.join(out, "t5"))
    broken(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
