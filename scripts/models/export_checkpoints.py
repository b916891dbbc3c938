#!/usr/bin/python3
"""Write tiny, seeded Hugging Face-style checkpoints for the native frontend.

Each model gets a directory the way `save_pretrained` writes it: config.json
and model.safetensors (Hugging Face's parameter names; tied weights stored
once). The test machines have neither network nor `transformers` nor the
`safetensors` package, so the models are hand-written nn.Modules that follow
transformers' modeling_{gpt2,llama,bert,t5}.py, and the safetensors bytes are
written here (an 8-byte little-endian header length, the JSON header padded
with spaces to 8 bytes, then the raw little-endian tensors back to back).

Next to them go sample inputs and the PyTorch outputs as .npy files, greedy
generations for the decoder models (gpt2, llama; t5 decodes greedily from
decoder_start_token_id), and reference.json, which names them:

    {"inputs": {"input_ids": "input_ids.npy", ...},
     "outputs": {"logits": "logits.npy", ...},
     "greedy": {"inputs": {...}, "tokens": "greedy_tokens.npy",
                "decoder": false}}

Run with Debian's interpreter (torch 1.13, numpy):

    /usr/bin/python3 scripts/models/export_checkpoints.py --out DIR [--models gpt2,llama,...]
"""

import argparse
import json
import math
import os
import struct
import sys

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

BATCH = 2
SEQ = 7
DECODER_SEQ = 5
GREEDY_STEPS = 6
INIT_STD = 0.05
# Greedy references are only useful when the top two logits are further
# apart than float32 rounding in another implementation could move them.
MIN_GREEDY_MARGIN = 1e-3

NEG_MIN = torch.finfo(torch.float32).min


# --------------------------------------------------------------------------
# GPT-2 (modeling_gpt2.py)
# --------------------------------------------------------------------------

def gelu_new(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


class Conv1D(nn.Module):
    """GPT-2's linear layer with the weight stored [in, out]."""

    def __init__(self, nf, nx):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(nx, nf))
        self.bias = nn.Parameter(torch.zeros(nf))

    def forward(self, x):
        return torch.addmm(self.bias, x.reshape(-1, x.size(-1)), self.weight).view(*x.shape[:-1], -1)


class GPT2Attention(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.heads = cfg["n_head"]
        self.c_attn = Conv1D(3 * cfg["n_embd"], cfg["n_embd"])
        self.c_proj = Conv1D(cfg["n_embd"], cfg["n_embd"])

    def forward(self, x):
        b, s, d = x.shape
        q, k, v = self.c_attn(x).split(d, dim=2)
        split = lambda t: t.view(b, s, self.heads, -1).permute(0, 2, 1, 3)
        q, k, v = split(q), split(k), split(v)
        w = torch.matmul(q, k.transpose(-1, -2)) / torch.full([], v.size(-1) ** 0.5)
        causal = torch.tril(torch.ones((s, s), dtype=torch.bool))
        w = torch.where(causal, w, torch.tensor(NEG_MIN))
        out = torch.matmul(F.softmax(w, dim=-1), v)
        return self.c_proj(out.permute(0, 2, 1, 3).reshape(b, s, d))


class GPT2MLP(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        inner = cfg["n_inner"] or 4 * cfg["n_embd"]
        self.c_fc = Conv1D(inner, cfg["n_embd"])
        self.c_proj = Conv1D(cfg["n_embd"], inner)

    def forward(self, x):
        return self.c_proj(gelu_new(self.c_fc(x)))


class GPT2Block(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.ln_1 = nn.LayerNorm(cfg["n_embd"], eps=cfg["layer_norm_epsilon"])
        self.attn = GPT2Attention(cfg)
        self.ln_2 = nn.LayerNorm(cfg["n_embd"], eps=cfg["layer_norm_epsilon"])
        self.mlp = GPT2MLP(cfg)

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class GPT2Model(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.wte = nn.Embedding(cfg["vocab_size"], cfg["n_embd"])
        self.wpe = nn.Embedding(cfg["n_positions"], cfg["n_embd"])
        self.h = nn.ModuleList([GPT2Block(cfg) for _ in range(cfg["n_layer"])])
        self.ln_f = nn.LayerNorm(cfg["n_embd"], eps=cfg["layer_norm_epsilon"])

    def forward(self, input_ids):
        positions = torch.arange(input_ids.shape[1])[None, :]
        x = self.wte(input_ids) + self.wpe(positions)
        for block in self.h:
            x = block(x)
        return self.ln_f(x)


class GPT2LMHeadModel(nn.Module):
    tied = {"lm_head.weight"}

    def __init__(self, cfg):
        super().__init__()
        self.transformer = GPT2Model(cfg)

    def forward(self, input_ids):
        return {"logits": self.transformer(input_ids) @ self.transformer.wte.weight.T}


# --------------------------------------------------------------------------
# Llama (modeling_llama.py)
# --------------------------------------------------------------------------

class LlamaRMSNorm(nn.Module):
    def __init__(self, size, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(size))
        self.eps = eps

    def forward(self, x):
        variance = x.pow(2).mean(-1, keepdim=True)
        return self.weight * (x * torch.rsqrt(variance + self.eps))


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


def llama_rope(cfg, seq):
    dim = cfg["hidden_size"] // cfg["num_attention_heads"]
    inv_freq = 1.0 / (cfg["rope_theta"] ** (torch.arange(0, dim, 2, dtype=torch.int64).float() / dim))
    freqs = torch.arange(seq).float()[:, None] * inv_freq[None, :]
    emb = torch.cat((freqs, freqs), dim=-1)
    return emb.cos(), emb.sin()


class LlamaAttention(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        d = cfg["hidden_size"]
        self.heads = cfg["num_attention_heads"]
        self.kv_heads = cfg["num_key_value_heads"]
        self.head_dim = d // self.heads
        self.q_proj = nn.Linear(d, self.heads * self.head_dim, bias=False)
        self.k_proj = nn.Linear(d, self.kv_heads * self.head_dim, bias=False)
        self.v_proj = nn.Linear(d, self.kv_heads * self.head_dim, bias=False)
        self.o_proj = nn.Linear(self.heads * self.head_dim, d, bias=False)

    def forward(self, x, cos, sin, mask):
        b, s, _ = x.shape
        q = self.q_proj(x).view(b, s, self.heads, -1).transpose(1, 2)
        k = self.k_proj(x).view(b, s, self.kv_heads, -1).transpose(1, 2)
        v = self.v_proj(x).view(b, s, self.kv_heads, -1).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        groups = self.heads // self.kv_heads
        k = k.repeat_interleave(groups, dim=1)
        v = v.repeat_interleave(groups, dim=1)
        w = torch.matmul(q, k.transpose(2, 3)) / math.sqrt(self.head_dim) + mask
        out = torch.matmul(F.softmax(w, dim=-1, dtype=torch.float32), v)
        return self.o_proj(out.transpose(1, 2).reshape(b, s, -1))


class LlamaMLP(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        d, f = cfg["hidden_size"], cfg["intermediate_size"]
        self.gate_proj = nn.Linear(d, f, bias=False)
        self.up_proj = nn.Linear(d, f, bias=False)
        self.down_proj = nn.Linear(f, d, bias=False)

    def forward(self, x):
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class LlamaDecoderLayer(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.self_attn = LlamaAttention(cfg)
        self.mlp = LlamaMLP(cfg)
        self.input_layernorm = LlamaRMSNorm(cfg["hidden_size"], cfg["rms_norm_eps"])
        self.post_attention_layernorm = LlamaRMSNorm(cfg["hidden_size"], cfg["rms_norm_eps"])

    def forward(self, x, cos, sin, mask):
        x = x + self.self_attn(self.input_layernorm(x), cos, sin, mask)
        return x + self.mlp(self.post_attention_layernorm(x))


class LlamaModel(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        self.embed_tokens = nn.Embedding(cfg["vocab_size"], cfg["hidden_size"])
        self.layers = nn.ModuleList([LlamaDecoderLayer(cfg) for _ in range(cfg["num_hidden_layers"])])
        self.norm = LlamaRMSNorm(cfg["hidden_size"], cfg["rms_norm_eps"])

    def forward(self, input_ids):
        s = input_ids.shape[1]
        cos, sin = llama_rope(self.cfg, s)
        mask = torch.triu(torch.full((s, s), NEG_MIN), diagonal=1)
        x = self.embed_tokens(input_ids)
        for layer in self.layers:
            x = layer(x, cos, sin, mask)
        return self.norm(x)


class LlamaForCausalLM(nn.Module):
    tied = set()

    def __init__(self, cfg):
        super().__init__()
        self.model = LlamaModel(cfg)
        self.lm_head = nn.Linear(cfg["hidden_size"], cfg["vocab_size"], bias=False)

    def forward(self, input_ids):
        return {"logits": self.lm_head(self.model(input_ids))}


# --------------------------------------------------------------------------
# BERT (modeling_bert.py)
# --------------------------------------------------------------------------

class BertEmbeddings(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        d = cfg["hidden_size"]
        self.word_embeddings = nn.Embedding(cfg["vocab_size"], d)
        self.position_embeddings = nn.Embedding(cfg["max_position_embeddings"], d)
        self.token_type_embeddings = nn.Embedding(cfg["type_vocab_size"], d)
        self.LayerNorm = nn.LayerNorm(d, eps=cfg["layer_norm_eps"])

    def forward(self, input_ids, token_type_ids):
        positions = torch.arange(input_ids.shape[1])[None, :]
        x = self.word_embeddings(input_ids) + self.token_type_embeddings(token_type_ids)
        return self.LayerNorm(x + self.position_embeddings(positions))


class BertSelfAttention(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        d = cfg["hidden_size"]
        self.heads = cfg["num_attention_heads"]
        self.query = nn.Linear(d, d)
        self.key = nn.Linear(d, d)
        self.value = nn.Linear(d, d)

    def forward(self, x, mask):
        b, s, d = x.shape
        split = lambda t: t.view(b, s, self.heads, -1).permute(0, 2, 1, 3)
        q, k, v = split(self.query(x)), split(self.key(x)), split(self.value(x))
        w = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(d // self.heads) + mask
        out = torch.matmul(F.softmax(w, dim=-1), v)
        return out.permute(0, 2, 1, 3).reshape(b, s, d)


class BertSelfOutput(nn.Module):
    def __init__(self, cfg, inner):
        super().__init__()
        self.dense = nn.Linear(inner, cfg["hidden_size"])
        self.LayerNorm = nn.LayerNorm(cfg["hidden_size"], eps=cfg["layer_norm_eps"])

    def forward(self, x, residual):
        return self.LayerNorm(self.dense(x) + residual)


class BertAttention(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.self = BertSelfAttention(cfg)
        self.output = BertSelfOutput(cfg, cfg["hidden_size"])

    def forward(self, x, mask):
        return self.output(self.self(x, mask), x)


class BertIntermediate(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.dense = nn.Linear(cfg["hidden_size"], cfg["intermediate_size"])

    def forward(self, x):
        return F.gelu(self.dense(x))


class BertLayer(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.attention = BertAttention(cfg)
        self.intermediate = BertIntermediate(cfg)
        self.output = BertSelfOutput(cfg, cfg["intermediate_size"])

    def forward(self, x, mask):
        x = self.attention(x, mask)
        return self.output(self.intermediate(x), x)


class BertEncoder(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.layer = nn.ModuleList([BertLayer(cfg) for _ in range(cfg["num_hidden_layers"])])

    def forward(self, x, mask):
        for layer in self.layer:
            x = layer(x, mask)
        return x


class BertPooler(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.dense = nn.Linear(cfg["hidden_size"], cfg["hidden_size"])

    def forward(self, x):
        return torch.tanh(self.dense(x[:, 0]))


class BertModel(nn.Module):
    tied = set()

    def __init__(self, cfg, pooler=True):
        super().__init__()
        self.embeddings = BertEmbeddings(cfg)
        self.encoder = BertEncoder(cfg)
        self.pooler = BertPooler(cfg) if pooler else None

    def encode(self, input_ids, attention_mask, token_type_ids):
        mask = (1.0 - attention_mask[:, None, None, :].float()) * NEG_MIN
        return self.encoder(self.embeddings(input_ids, token_type_ids), mask)

    def forward(self, input_ids, attention_mask, token_type_ids):
        h = self.encode(input_ids, attention_mask, token_type_ids)
        return {"last_hidden_state": h, "pooler_output": self.pooler(h)}


class BertForSequenceClassification(nn.Module):
    tied = set()

    def __init__(self, cfg):
        super().__init__()
        self.bert = BertModel(cfg)
        self.classifier = nn.Linear(cfg["hidden_size"], len(cfg["id2label"]))

    def forward(self, input_ids, attention_mask, token_type_ids):
        pooled = self.bert(input_ids, attention_mask, token_type_ids)["pooler_output"]
        return {"logits": self.classifier(pooled)}


class BertForTokenClassification(nn.Module):
    tied = set()

    def __init__(self, cfg):
        super().__init__()
        self.bert = BertModel(cfg, pooler=False)
        self.classifier = nn.Linear(cfg["hidden_size"], len(cfg["id2label"]))

    def forward(self, input_ids, attention_mask, token_type_ids):
        return {"logits": self.classifier(self.bert.encode(input_ids, attention_mask, token_type_ids))}


# --------------------------------------------------------------------------
# T5 (modeling_t5.py)
# --------------------------------------------------------------------------

class T5LayerNorm(nn.Module):
    def __init__(self, size, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(size))
        self.eps = eps

    def forward(self, x):
        variance = x.pow(2).mean(-1, keepdim=True)
        return self.weight * (x * torch.rsqrt(variance + self.eps))


def t5_activation(cfg):
    act = cfg["feed_forward_proj"].split("-")[-1]
    if cfg["feed_forward_proj"] == "gated-gelu":
        return gelu_new
    return {"relu": F.relu, "gelu": F.gelu, "gelu_new": gelu_new, "silu": F.silu}[act]


class T5DenseActDense(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.gated = cfg["feed_forward_proj"].startswith("gated-")
        if self.gated:
            self.wi_0 = nn.Linear(cfg["d_model"], cfg["d_ff"], bias=False)
            self.wi_1 = nn.Linear(cfg["d_model"], cfg["d_ff"], bias=False)
        else:
            self.wi = nn.Linear(cfg["d_model"], cfg["d_ff"], bias=False)
        self.wo = nn.Linear(cfg["d_ff"], cfg["d_model"], bias=False)
        self.act = t5_activation(cfg)

    def forward(self, x):
        if self.gated:
            return self.wo(self.act(self.wi_0(x)) * self.wi_1(x))
        return self.wo(self.act(self.wi(x)))


class T5LayerFF(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.DenseReluDense = T5DenseActDense(cfg)
        self.layer_norm = T5LayerNorm(cfg["d_model"], cfg["layer_norm_epsilon"])

    def forward(self, x):
        return x + self.DenseReluDense(self.layer_norm(x))


class T5Attention(nn.Module):
    def __init__(self, cfg, is_decoder, has_relative_attention_bias):
        super().__init__()
        self.cfg = cfg
        self.is_decoder = is_decoder
        self.heads = cfg["num_heads"]
        inner = cfg["num_heads"] * cfg["d_kv"]
        self.q = nn.Linear(cfg["d_model"], inner, bias=False)
        self.k = nn.Linear(cfg["d_model"], inner, bias=False)
        self.v = nn.Linear(cfg["d_model"], inner, bias=False)
        self.o = nn.Linear(inner, cfg["d_model"], bias=False)
        if has_relative_attention_bias:
            self.relative_attention_bias = nn.Embedding(cfg["relative_attention_num_buckets"], self.heads)

    @staticmethod
    def _relative_position_bucket(relative_position, bidirectional, num_buckets, max_distance):
        relative_buckets = 0
        if bidirectional:
            num_buckets //= 2
            relative_buckets += (relative_position > 0).to(torch.long) * num_buckets
            relative_position = torch.abs(relative_position)
        else:
            relative_position = -torch.min(relative_position, torch.zeros_like(relative_position))
        max_exact = num_buckets // 2
        is_small = relative_position < max_exact
        relative_position_if_large = max_exact + (
            torch.log(relative_position.float() / max_exact)
            / math.log(max_distance / max_exact)
            * (num_buckets - max_exact)
        ).to(torch.long)
        relative_position_if_large = torch.min(
            relative_position_if_large, torch.full_like(relative_position_if_large, num_buckets - 1))
        relative_buckets += torch.where(is_small, relative_position, relative_position_if_large)
        return relative_buckets

    def compute_bias(self, query_length, key_length):
        context = torch.arange(query_length, dtype=torch.long)[:, None]
        memory = torch.arange(key_length, dtype=torch.long)[None, :]
        buckets = self._relative_position_bucket(
            memory - context, bidirectional=not self.is_decoder,
            num_buckets=self.cfg["relative_attention_num_buckets"],
            max_distance=self.cfg["relative_attention_max_distance"])
        return self.relative_attention_bias(buckets).permute([2, 0, 1]).unsqueeze(0)

    def forward(self, x, mask, kv=None, position_bias=None):
        b, s, _ = x.shape
        kv = x if kv is None else kv
        shape = lambda t: t.view(b, -1, self.heads, self.cfg["d_kv"]).transpose(1, 2)
        q, k, v = shape(self.q(x)), shape(self.k(kv)), shape(self.v(kv))
        scores = torch.matmul(q, k.transpose(3, 2))
        if position_bias is None:
            if hasattr(self, "relative_attention_bias"):
                position_bias = self.compute_bias(s, k.shape[2])
            else:
                position_bias = torch.zeros((1, self.heads, s, k.shape[2]))
            position_bias = position_bias + mask
        weights = F.softmax((scores + position_bias).float(), dim=-1)
        out = torch.matmul(weights, v).transpose(1, 2).reshape(b, s, -1)
        return self.o(out), position_bias


class T5LayerSelfAttention(nn.Module):
    def __init__(self, cfg, is_decoder, bias):
        super().__init__()
        self.SelfAttention = T5Attention(cfg, is_decoder, bias)
        self.layer_norm = T5LayerNorm(cfg["d_model"], cfg["layer_norm_epsilon"])

    def forward(self, x, mask, position_bias):
        out, position_bias = self.SelfAttention(self.layer_norm(x), mask, position_bias=position_bias)
        return x + out, position_bias


class T5LayerCrossAttention(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.EncDecAttention = T5Attention(cfg, True, False)
        self.layer_norm = T5LayerNorm(cfg["d_model"], cfg["layer_norm_epsilon"])

    def forward(self, x, kv, mask, position_bias):
        out, position_bias = self.EncDecAttention(self.layer_norm(x), mask, kv=kv, position_bias=position_bias)
        return x + out, position_bias


class T5Block(nn.Module):
    def __init__(self, cfg, is_decoder, bias):
        super().__init__()
        self.layer = nn.ModuleList([T5LayerSelfAttention(cfg, is_decoder, bias)])
        if is_decoder:
            self.layer.append(T5LayerCrossAttention(cfg))
        self.layer.append(T5LayerFF(cfg))


class T5Stack(nn.Module):
    def __init__(self, cfg, is_decoder):
        super().__init__()
        self.is_decoder = is_decoder
        layers = cfg["num_decoder_layers"] if is_decoder else cfg["num_layers"]
        self.block = nn.ModuleList([T5Block(cfg, is_decoder, i == 0) for i in range(layers)])
        self.final_layer_norm = T5LayerNorm(cfg["d_model"], cfg["layer_norm_epsilon"])

    def forward(self, embeds, attention_mask, encoder_states=None, encoder_mask=None):
        b, s, _ = embeds.shape
        if self.is_decoder:
            causal = torch.tril(torch.ones((s, s)))[None, None]
            mask = (1.0 - causal) * NEG_MIN
            cross_mask = (1.0 - encoder_mask[:, None, None, :].float()) * NEG_MIN
        else:
            mask = (1.0 - attention_mask[:, None, None, :].float()) * NEG_MIN
        x, bias, cross_bias = embeds, None, None
        for block in self.block:
            x, bias = block.layer[0](x, mask, bias)
            if self.is_decoder:
                x, cross_bias = block.layer[1](x, encoder_states, cross_mask, cross_bias)
            x = block.layer[-1](x)
        return self.final_layer_norm(x)


class T5ForConditionalGeneration(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        self.shared = nn.Embedding(cfg["vocab_size"], cfg["d_model"])
        self.encoder = T5Stack(cfg, False)
        self.decoder = T5Stack(cfg, True)
        if not cfg["tie_word_embeddings"]:
            self.lm_head = nn.Linear(cfg["d_model"], cfg["vocab_size"], bias=False)
        self.tied = {"lm_head.weight"} if cfg["tie_word_embeddings"] else set()

    def forward(self, input_ids, attention_mask, decoder_input_ids):
        encoded = self.encoder(self.shared(input_ids), attention_mask)
        out = self.decoder(self.shared(decoder_input_ids), None, encoded, attention_mask)
        if self.cfg["tie_word_embeddings"]:
            return {"logits": (out * self.cfg["d_model"] ** -0.5) @ self.shared.weight.T}
        return {"logits": self.lm_head(out)}


# --------------------------------------------------------------------------
# The models
# --------------------------------------------------------------------------

GPT2 = {"model_type": "gpt2", "architectures": ["GPT2LMHeadModel"], "vocab_size": 100,
        "n_positions": 64, "n_embd": 32, "n_layer": 2, "n_head": 4, "n_inner": None,
        "activation_function": "gelu_new", "layer_norm_epsilon": 1e-5,
        "tie_word_embeddings": True, "bos_token_id": 0, "eos_token_id": 0}
LLAMA = {"model_type": "llama", "architectures": ["LlamaForCausalLM"], "vocab_size": 100,
         "hidden_size": 32, "intermediate_size": 48, "num_hidden_layers": 2,
         "num_attention_heads": 4, "num_key_value_heads": 2, "hidden_act": "silu",
         "max_position_embeddings": 64, "rms_norm_eps": 1e-6, "rope_theta": 500000.0,
         "rope_scaling": None, "tie_word_embeddings": False, "bos_token_id": 1,
         "eos_token_id": 2}
BERT = {"model_type": "bert", "vocab_size": 100, "hidden_size": 32, "num_hidden_layers": 2,
        "num_attention_heads": 4, "intermediate_size": 64, "hidden_act": "gelu",
        "max_position_embeddings": 64, "type_vocab_size": 2, "layer_norm_eps": 1e-12,
        "position_embedding_type": "absolute", "pad_token_id": 0}
T5 = {"model_type": "t5", "architectures": ["T5ForConditionalGeneration"], "vocab_size": 100,
      "d_model": 32, "d_kv": 8, "d_ff": 64, "num_layers": 2, "num_decoder_layers": 2,
      "num_heads": 4, "relative_attention_num_buckets": 8,
      "relative_attention_max_distance": 16, "layer_norm_epsilon": 1e-6,
      "feed_forward_proj": "relu", "tie_word_embeddings": True, "is_encoder_decoder": True,
      "decoder_start_token_id": 0, "pad_token_id": 0, "eos_token_id": 1}

# name -> (module, config.json[, storage dtype: F32 unless given])
MODELS = {
    "gpt2": (GPT2LMHeadModel, GPT2),
    # Half-precision storage: the weights are rounded first, so that the
    # float32 reference computes with exactly what the file holds.
    "gpt2-f16": (GPT2LMHeadModel, dict(GPT2, torch_dtype="float16"), "F16"),
    "llama": (LlamaForCausalLM, LLAMA),
    "llama-bf16": (LlamaForCausalLM, dict(LLAMA, torch_dtype="bfloat16"), "BF16"),
    "bert": (BertModel, dict(BERT, architectures=["BertModel"])),
    "bert-seqcls": (BertForSequenceClassification,
                    dict(BERT, architectures=["BertForSequenceClassification"],
                         id2label={"0": "NEGATIVE", "1": "NEUTRAL", "2": "POSITIVE"})),
    "bert-tokcls": (BertForTokenClassification,
                    dict(BERT, architectures=["BertForTokenClassification"],
                         id2label={str(i): f"TAG_{i}" for i in range(5)})),
    "t5": (T5ForConditionalGeneration, T5),
    # T5 v1.1's form: gated GELU, untied head, an inner width (heads * d_kv)
    # other than d_model, and more decoder than encoder layers.
    "t5-gated": (T5ForConditionalGeneration,
                 dict(T5, d_kv=6, feed_forward_proj="gated-gelu", tie_word_embeddings=False,
                      num_decoder_layers=3)),
}

INPUTS = {
    "gpt2": ["input_ids"],
    "llama": ["input_ids"],
    "bert": ["input_ids", "attention_mask", "token_type_ids"],
    "t5": ["input_ids", "attention_mask", "decoder_input_ids"],
}


def init_weights(model):
    """Seeded normal weights; norm scales near 1, so that every parameter,
    biases and norm weights included, moves the outputs."""
    with torch.no_grad():
        for module in model.modules():
            norm = isinstance(module, (nn.LayerNorm, LlamaRMSNorm, T5LayerNorm))
            for name, param in module.named_parameters(recurse=False):
                param.normal_(0.0, INIT_STD)
                if norm and name == "weight":
                    param.add_(1.0)


def sample_inputs(names, vocab):
    generator = torch.Generator().manual_seed(1)
    ids = lambda seq: torch.randint(3, vocab, (BATCH, seq), generator=generator)
    attention_mask = torch.ones((BATCH, SEQ), dtype=torch.long)
    attention_mask[1, -2:] = 0  # the second row is padded
    token_type_ids = torch.zeros((BATCH, SEQ), dtype=torch.long)
    token_type_ids[:, SEQ // 2:] = 1  # a sentence pair
    make = {"input_ids": lambda: ids(SEQ), "attention_mask": lambda: attention_mask,
            "token_type_ids": lambda: token_type_ids,
            "decoder_input_ids": lambda: ids(DECODER_SEQ)}
    return {name: make[name]() for name in names}


def tensor_bytes(tensor, dtype):
    """The little-endian bytes of a float32 tensor stored as dtype (F32, F16,
    or BF16: the upper half of each float32, exact for values that were
    rounded to bfloat16 before)."""
    array = tensor.detach().contiguous().numpy().astype("<f4")
    if dtype == "F16":
        return array.astype("<f2").tobytes()
    if dtype == "BF16":
        return (array.view("<u4") >> 16).astype("<u2").tobytes()
    return array.tobytes()


def write_safetensors(path, tensors, dtype):
    """tensors: name -> float32 tensor, in file order."""
    header, blobs, offset = {"__metadata__": {"format": "pt"}}, [], 0
    for name, tensor in tensors.items():
        data = tensor_bytes(tensor, dtype)
        header[name] = {"dtype": dtype, "shape": list(tensor.shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-(8 + len(text)) % 8)  # the data starts 8-byte aligned
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)


def greedy(model, family, inputs, cfg):
    """Greedy continuation of the first sample: (inputs for the first step,
    tokens). Decoder-only: the prompt grows; T5: the decoder input grows from
    decoder_start_token_id while the encoder input stays."""
    first = {name: tensor[:1] for name, tensor in inputs.items()}
    if family == "t5":
        tokens = torch.tensor([[cfg["decoder_start_token_id"]]])
        step_inputs = lambda t: dict(first, decoder_input_ids=t)
        start = {k: v for k, v in first.items() if k != "decoder_input_ids"}
    else:
        tokens = first["input_ids"]
        step_inputs = lambda t: {"input_ids": t}
        start = {}
    for _ in range(GREEDY_STEPS):
        logits = model(**step_inputs(tokens))["logits"][0, -1]
        top = torch.topk(logits, 2).values
        if float(top[0] - top[1]) < MIN_GREEDY_MARGIN:
            sys.exit(f"error: {family}: greedy step {tokens.shape[1]} has a top-2 margin of "
                     f"{float(top[0] - top[1]):.2e}; change the seed")
        tokens = torch.cat([tokens, logits.argmax().view(1, 1)], dim=1)
    return start, tokens


STORAGE = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16}


def export(name, out_dir):
    cls, cfg, dtype = (MODELS[name] + ("F32",))[:3]
    family = cfg["model_type"]
    torch.manual_seed(0)
    model = cls(cfg)
    init_weights(model)
    with torch.no_grad():
        for param in model.parameters():
            param.copy_(param.to(STORAGE[dtype]).float())
    model.eval()
    directory = os.path.join(out_dir, name)
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2)
        f.write("\n")
    state = {k: v for k, v in model.state_dict().items() if k not in model.tied}
    write_safetensors(os.path.join(directory, "model.safetensors"), state, dtype)

    reference = {"inputs": {}, "outputs": {}}
    inputs = sample_inputs(INPUTS[family], cfg["vocab_size"])
    with torch.no_grad():
        outputs = model(**inputs)
        for key, tensor in list(inputs.items()) + list(outputs.items()):
            np.save(os.path.join(directory, f"{key}.npy"), tensor.numpy())
            reference["inputs" if key in inputs else "outputs"][key] = f"{key}.npy"
        if family in ("gpt2", "llama", "t5"):
            start, tokens = greedy(model, family, inputs, cfg)
            greedy_ref = {"inputs": {}, "tokens": "greedy_tokens.npy",
                          "decoder": family == "t5"}
            for key, tensor in start.items():
                np.save(os.path.join(directory, f"greedy_{key}.npy"), tensor.numpy())
                greedy_ref["inputs"][key] = f"greedy_{key}.npy"
            np.save(os.path.join(directory, "greedy_tokens.npy"), tokens.numpy())
            reference["greedy"] = greedy_ref
    with open(os.path.join(directory, "reference.json"), "w") as f:
        json.dump(reference, f, indent=2)
        f.write("\n")
    print(f"{name}: {len(state)} {dtype} tensors -> {directory}", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", required=True, help="output directory (one subdirectory per model)")
    parser.add_argument("--models", default=",".join(MODELS),
                        help="comma-separated subset of: " + ",".join(MODELS))
    args = parser.parse_args()
    names = [n.strip() for n in args.models.split(",") if n.strip()]
    unknown = [n for n in names if n not in MODELS]
    if unknown or not names:
        parser.error(f"unknown models: {', '.join(unknown) or '(none given)'}")
    torch.set_num_threads(1)
    for name in names:
        export(name, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
