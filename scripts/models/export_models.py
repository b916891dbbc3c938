#!/usr/bin/python3
"""Export tiny, seeded, randomly initialised transformer models to ONNX.

Tessera's frontend tests need graphs exactly as the PyTorch ONNX exporter
writes them (its Reshape/Transpose/Slice idioms, decomposed GELU and norms,
shape-computation subgraphs for dynamic axes), but the test machines have no
network and no `transformers` package.  This script therefore re-implements
the math of four Hugging Face models (BERT, GPT-2, Llama, T5) as small
nn.Modules written the way the HF code is written, and exports each one with
torch.onnx.export at several opsets.  Next to every model it writes a sample
input and the PyTorch reference output as .npy files for numeric tests.

Run with Debian's interpreter, which is the one that sees torch/onnx/numpy:

    /usr/bin/python3 scripts/models/export_models.py --out DIR \
        [--models bert,gpt2,llama,t5] [--opsets 11,14,17]
"""

import argparse
import math
import os
import sys
import warnings

import numpy as np
import torch
from torch import nn

HIDDEN = 32
LAYERS = 2
HEADS = 4
HEAD_DIM = HIDDEN // HEADS
FFN = 64
VOCAB = 100
MAX_POS = 64
INIT_STD = 0.02

BATCH = 2
SEQ = 7
DECODER_SEQ = 5


# --------------------------------------------------------------------------
# BERT (mirrors transformers' modeling_bert.py)
# --------------------------------------------------------------------------

class BertEmbeddings(nn.Module):
    def __init__(self):
        super().__init__()
        self.word_embeddings = nn.Embedding(VOCAB, HIDDEN)
        self.position_embeddings = nn.Embedding(MAX_POS, HIDDEN)
        self.token_type_embeddings = nn.Embedding(2, HIDDEN)
        self.LayerNorm = nn.LayerNorm(HIDDEN, eps=1e-12)
        # HF keeps position ids as a buffer and slices it, which shows up in
        # the exported graph as a Slice of an int64 initializer.
        self.register_buffer("position_ids", torch.arange(MAX_POS).expand((1, -1)))

    def forward(self, input_ids, token_type_ids):
        seq_length = input_ids.size()[1]
        position_ids = self.position_ids[:, 0:seq_length]
        embeddings = self.word_embeddings(input_ids) + self.token_type_embeddings(token_type_ids)
        embeddings += self.position_embeddings(position_ids)
        return self.LayerNorm(embeddings)


class BertSelfAttention(nn.Module):
    def __init__(self):
        super().__init__()
        self.num_attention_heads = HEADS
        self.attention_head_size = HEAD_DIM
        self.all_head_size = HEADS * HEAD_DIM
        self.query = nn.Linear(HIDDEN, self.all_head_size)
        self.key = nn.Linear(HIDDEN, self.all_head_size)
        self.value = nn.Linear(HIDDEN, self.all_head_size)

    def transpose_for_scores(self, x):
        new_x_shape = x.size()[:-1] + (self.num_attention_heads, self.attention_head_size)
        x = x.view(new_x_shape)
        return x.permute(0, 2, 1, 3)

    def forward(self, hidden_states, attention_mask):
        query_layer = self.transpose_for_scores(self.query(hidden_states))
        key_layer = self.transpose_for_scores(self.key(hidden_states))
        value_layer = self.transpose_for_scores(self.value(hidden_states))

        attention_scores = torch.matmul(query_layer, key_layer.transpose(-1, -2))
        attention_scores = attention_scores / math.sqrt(self.attention_head_size)
        attention_scores = attention_scores + attention_mask
        attention_probs = nn.functional.softmax(attention_scores, dim=-1)

        context_layer = torch.matmul(attention_probs, value_layer)
        context_layer = context_layer.permute(0, 2, 1, 3).contiguous()
        new_context_layer_shape = context_layer.size()[:-2] + (self.all_head_size,)
        return context_layer.view(new_context_layer_shape)


class BertSelfOutput(nn.Module):
    def __init__(self):
        super().__init__()
        self.dense = nn.Linear(HIDDEN, HIDDEN)
        self.LayerNorm = nn.LayerNorm(HIDDEN, eps=1e-12)

    def forward(self, hidden_states, input_tensor):
        return self.LayerNorm(self.dense(hidden_states) + input_tensor)


class BertAttention(nn.Module):
    def __init__(self):
        super().__init__()
        self.self = BertSelfAttention()
        self.output = BertSelfOutput()

    def forward(self, hidden_states, attention_mask):
        return self.output(self.self(hidden_states, attention_mask), hidden_states)


def erf_gelu(x):
    # The exact GELU BERT uses; exports as Div/Erf/Add/Mul.
    return x * 0.5 * (1.0 + torch.erf(x / math.sqrt(2.0)))


class BertIntermediate(nn.Module):
    def __init__(self):
        super().__init__()
        self.dense = nn.Linear(HIDDEN, FFN)

    def forward(self, hidden_states):
        return erf_gelu(self.dense(hidden_states))


class BertOutput(nn.Module):
    def __init__(self):
        super().__init__()
        self.dense = nn.Linear(FFN, HIDDEN)
        self.LayerNorm = nn.LayerNorm(HIDDEN, eps=1e-12)

    def forward(self, hidden_states, input_tensor):
        return self.LayerNorm(self.dense(hidden_states) + input_tensor)


class BertLayer(nn.Module):
    def __init__(self):
        super().__init__()
        self.attention = BertAttention()
        self.intermediate = BertIntermediate()
        self.output = BertOutput()

    def forward(self, hidden_states, attention_mask):
        attention_output = self.attention(hidden_states, attention_mask)
        return self.output(self.intermediate(attention_output), attention_output)


class BertEncoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.layer = nn.ModuleList([BertLayer() for _ in range(LAYERS)])

    def forward(self, hidden_states, attention_mask):
        for layer_module in self.layer:
            hidden_states = layer_module(hidden_states, attention_mask)
        return hidden_states


class BertPooler(nn.Module):
    def __init__(self):
        super().__init__()
        self.dense = nn.Linear(HIDDEN, HIDDEN)
        self.activation = nn.Tanh()

    def forward(self, hidden_states):
        first_token_tensor = hidden_states[:, 0]
        return self.activation(self.dense(first_token_tensor))


class BertModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.embeddings = BertEmbeddings()
        self.encoder = BertEncoder()
        self.pooler = BertPooler()

    def forward(self, input_ids, attention_mask, token_type_ids):
        extended_attention_mask = attention_mask[:, None, None, :]
        extended_attention_mask = extended_attention_mask.to(dtype=torch.float32)
        extended_attention_mask = (1.0 - extended_attention_mask) * -10000.0

        embedding_output = self.embeddings(input_ids, token_type_ids)
        sequence_output = self.encoder(embedding_output, extended_attention_mask)
        pooled_output = self.pooler(sequence_output)
        return sequence_output, pooled_output


# --------------------------------------------------------------------------
# GPT-2 (mirrors transformers' modeling_gpt2.py)
# --------------------------------------------------------------------------

class Conv1D(nn.Module):
    """GPT-2's transposed linear layer: weight is [in, out]."""

    def __init__(self, nf, nx):
        super().__init__()
        self.nf = nf
        self.weight = nn.Parameter(torch.empty(nx, nf))
        self.bias = nn.Parameter(torch.zeros(nf))

    def forward(self, x):
        size_out = x.size()[:-1] + (self.nf,)
        x = torch.addmm(self.bias, x.view(-1, x.size(-1)), self.weight)
        return x.view(size_out)


def gelu_new(x):
    # GPT-2's tanh approximation of GELU ("gelu_new" in HF).
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


class GPT2Attention(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer(
            "bias",
            torch.tril(torch.ones((MAX_POS, MAX_POS), dtype=torch.bool)).view(1, 1, MAX_POS, MAX_POS),
        )
        self.num_heads = HEADS
        self.head_dim = HEAD_DIM
        self.split_size = HIDDEN
        self.c_attn = Conv1D(3 * HIDDEN, HIDDEN)
        self.c_proj = Conv1D(HIDDEN, HIDDEN)

    def _split_heads(self, tensor, num_heads, attn_head_size):
        new_shape = tensor.size()[:-1] + (num_heads, attn_head_size)
        tensor = tensor.view(new_shape)
        return tensor.permute(0, 2, 1, 3)

    def _merge_heads(self, tensor, num_heads, attn_head_size):
        tensor = tensor.permute(0, 2, 1, 3).contiguous()
        new_shape = tensor.size()[:-2] + (num_heads * attn_head_size,)
        return tensor.view(new_shape)

    def _attn(self, query, key, value):
        w = torch.matmul(query, key.transpose(-1, -2))
        w = w / (float(value.size(-1)) ** 0.5)

        query_length, key_length = query.size(-2), key.size(-2)
        causal_mask = self.bias[:, :, key_length - query_length : key_length, :key_length]
        w = torch.where(causal_mask, w, torch.tensor(torch.finfo(w.dtype).min))

        w = nn.functional.softmax(w, dim=-1)
        return torch.matmul(w, value)

    def forward(self, hidden_states):
        query, key, value = self.c_attn(hidden_states).split(self.split_size, dim=2)
        query = self._split_heads(query, self.num_heads, self.head_dim)
        key = self._split_heads(key, self.num_heads, self.head_dim)
        value = self._split_heads(value, self.num_heads, self.head_dim)
        attn_output = self._attn(query, key, value)
        attn_output = self._merge_heads(attn_output, self.num_heads, self.head_dim)
        return self.c_proj(attn_output)


class GPT2MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.c_fc = Conv1D(FFN, HIDDEN)
        self.c_proj = Conv1D(HIDDEN, FFN)

    def forward(self, hidden_states):
        return self.c_proj(gelu_new(self.c_fc(hidden_states)))


class GPT2Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.ln_1 = nn.LayerNorm(HIDDEN, eps=1e-5)
        self.attn = GPT2Attention()
        self.ln_2 = nn.LayerNorm(HIDDEN, eps=1e-5)
        self.mlp = GPT2MLP()

    def forward(self, hidden_states):
        residual = hidden_states
        hidden_states = residual + self.attn(self.ln_1(hidden_states))
        residual = hidden_states
        return residual + self.mlp(self.ln_2(hidden_states))


class GPT2Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.wte = nn.Embedding(VOCAB, HIDDEN)
        self.wpe = nn.Embedding(MAX_POS, HIDDEN)
        self.h = nn.ModuleList([GPT2Block() for _ in range(LAYERS)])
        self.ln_f = nn.LayerNorm(HIDDEN, eps=1e-5)

    def forward(self, input_ids):
        input_shape = input_ids.size()
        input_ids = input_ids.view(-1, input_shape[-1])
        position_ids = torch.arange(0, input_shape[-1], dtype=torch.long)
        position_ids = position_ids.unsqueeze(0).view(-1, input_shape[-1])

        hidden_states = self.wte(input_ids) + self.wpe(position_ids)
        for block in self.h:
            hidden_states = block(hidden_states)
        hidden_states = self.ln_f(hidden_states)

        output_shape = input_shape + (hidden_states.size(-1),)
        return hidden_states.view(output_shape)


# --------------------------------------------------------------------------
# Llama (mirrors transformers' modeling_llama.py, 4.3x era)
# --------------------------------------------------------------------------

LLAMA_KV_HEADS = 2


class LlamaRMSNorm(nn.Module):
    def __init__(self, hidden_size, eps=1e-6):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(hidden_size))
        self.variance_epsilon = eps

    def forward(self, hidden_states):
        variance = hidden_states.pow(2).mean(-1, keepdim=True)
        hidden_states = hidden_states * torch.rsqrt(variance + self.variance_epsilon)
        return self.weight * hidden_states


class LlamaRotaryEmbedding(nn.Module):
    def __init__(self, dim, max_position_embeddings, base=10000):
        super().__init__()
        inv_freq = 1.0 / (base ** (torch.arange(0, dim, 2).float() / dim))
        t = torch.arange(max_position_embeddings, dtype=inv_freq.dtype)
        freqs = torch.einsum("i,j->ij", t, inv_freq)
        emb = torch.cat((freqs, freqs), dim=-1)
        self.register_buffer("cos_cached", emb.cos()[None, None, :, :], persistent=False)
        self.register_buffer("sin_cached", emb.sin()[None, None, :, :], persistent=False)

    def forward(self, x, seq_len):
        return (
            self.cos_cached[:, :, :seq_len, ...].to(dtype=x.dtype),
            self.sin_cached[:, :, :seq_len, ...].to(dtype=x.dtype),
        )


def rotate_half(x):
    x1 = x[..., : x.shape[-1] // 2]
    x2 = x[..., x.shape[-1] // 2 :]
    return torch.cat((-x2, x1), dim=-1)


def apply_rotary_pos_emb(q, k, cos, sin, position_ids):
    cos = cos.squeeze(1).squeeze(0)  # [seq_len, dim]
    sin = sin.squeeze(1).squeeze(0)
    cos = cos[position_ids].unsqueeze(1)  # [bs, 1, seq_len, dim]
    sin = sin[position_ids].unsqueeze(1)
    q_embed = (q * cos) + (rotate_half(q) * sin)
    k_embed = (k * cos) + (rotate_half(k) * sin)
    return q_embed, k_embed


def repeat_kv(hidden_states, n_rep):
    batch, num_key_value_heads, slen, head_dim = hidden_states.shape
    hidden_states = hidden_states[:, :, None, :, :].expand(batch, num_key_value_heads, n_rep, slen, head_dim)
    return hidden_states.reshape(batch, num_key_value_heads * n_rep, slen, head_dim)


class LlamaAttention(nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden_size = HIDDEN
        self.num_heads = HEADS
        self.head_dim = HEAD_DIM
        self.num_key_value_heads = LLAMA_KV_HEADS
        self.num_key_value_groups = HEADS // LLAMA_KV_HEADS
        self.q_proj = nn.Linear(HIDDEN, HEADS * HEAD_DIM, bias=False)
        self.k_proj = nn.Linear(HIDDEN, LLAMA_KV_HEADS * HEAD_DIM, bias=False)
        self.v_proj = nn.Linear(HIDDEN, LLAMA_KV_HEADS * HEAD_DIM, bias=False)
        self.o_proj = nn.Linear(HEADS * HEAD_DIM, HIDDEN, bias=False)
        self.rotary_emb = LlamaRotaryEmbedding(HEAD_DIM, MAX_POS)

    def forward(self, hidden_states, attention_mask, position_ids):
        bsz, q_len, _ = hidden_states.size()

        query_states = self.q_proj(hidden_states).view(bsz, q_len, self.num_heads, self.head_dim).transpose(1, 2)
        key_states = self.k_proj(hidden_states).view(bsz, q_len, self.num_key_value_heads, self.head_dim).transpose(1, 2)
        value_states = self.v_proj(hidden_states).view(bsz, q_len, self.num_key_value_heads, self.head_dim).transpose(1, 2)

        kv_seq_len = key_states.shape[-2]
        cos, sin = self.rotary_emb(value_states, seq_len=kv_seq_len)
        query_states, key_states = apply_rotary_pos_emb(query_states, key_states, cos, sin, position_ids)

        key_states = repeat_kv(key_states, self.num_key_value_groups)
        value_states = repeat_kv(value_states, self.num_key_value_groups)

        attn_weights = torch.matmul(query_states, key_states.transpose(2, 3)) / math.sqrt(self.head_dim)
        attn_weights = attn_weights + attention_mask
        attn_weights = nn.functional.softmax(attn_weights, dim=-1, dtype=torch.float32).to(query_states.dtype)
        attn_output = torch.matmul(attn_weights, value_states)

        attn_output = attn_output.transpose(1, 2).contiguous()
        attn_output = attn_output.reshape(bsz, q_len, self.hidden_size)
        return self.o_proj(attn_output)


class LlamaMLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.gate_proj = nn.Linear(HIDDEN, FFN, bias=False)
        self.up_proj = nn.Linear(HIDDEN, FFN, bias=False)
        self.down_proj = nn.Linear(FFN, HIDDEN, bias=False)
        self.act_fn = nn.SiLU()

    def forward(self, x):
        return self.down_proj(self.act_fn(self.gate_proj(x)) * self.up_proj(x))


class LlamaDecoderLayer(nn.Module):
    def __init__(self):
        super().__init__()
        self.self_attn = LlamaAttention()
        self.mlp = LlamaMLP()
        self.input_layernorm = LlamaRMSNorm(HIDDEN)
        self.post_attention_layernorm = LlamaRMSNorm(HIDDEN)

    def forward(self, hidden_states, attention_mask, position_ids):
        residual = hidden_states
        hidden_states = self.input_layernorm(hidden_states)
        hidden_states = residual + self.self_attn(hidden_states, attention_mask, position_ids)
        residual = hidden_states
        hidden_states = self.post_attention_layernorm(hidden_states)
        return residual + self.mlp(hidden_states)


def _make_causal_mask(bsz, tgt_len, dtype):
    # HF's additive causal mask of the same era.  The newer
    # `torch.triu(torch.full(...), diagonal=1)` form exports aten::triu,
    # which torch.onnx only supports from opset 14, so it would rule out
    # opset 11; this comparison form builds the same mask at every opset.
    mask = torch.full((tgt_len, tgt_len), torch.finfo(dtype).min)
    mask_cond = torch.arange(mask.size(-1))
    mask.masked_fill_(mask_cond < (mask_cond + 1).view(mask.size(-1), 1), 0)
    mask = mask.to(dtype)
    return mask[None, None, :, :].expand(bsz, 1, tgt_len, tgt_len)


class LlamaModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed_tokens = nn.Embedding(VOCAB, HIDDEN)
        self.layers = nn.ModuleList([LlamaDecoderLayer() for _ in range(LAYERS)])
        self.norm = LlamaRMSNorm(HIDDEN)

    def forward(self, input_ids):
        batch_size, seq_length = input_ids.shape
        position_ids = torch.arange(0, seq_length, dtype=torch.long)
        position_ids = position_ids.unsqueeze(0).view(-1, seq_length)

        inputs_embeds = self.embed_tokens(input_ids)
        attention_mask = _make_causal_mask(batch_size, seq_length, inputs_embeds.dtype)

        hidden_states = inputs_embeds
        for decoder_layer in self.layers:
            hidden_states = decoder_layer(hidden_states, attention_mask, position_ids)
        return self.norm(hidden_states)


class LlamaForCausalLM(nn.Module):
    def __init__(self):
        super().__init__()
        self.model = LlamaModel()
        self.lm_head = nn.Linear(HIDDEN, VOCAB, bias=False)

    def forward(self, input_ids):
        return self.lm_head(self.model(input_ids))


# --------------------------------------------------------------------------
# T5 (mirrors transformers' modeling_t5.py)
# --------------------------------------------------------------------------

T5_NUM_BUCKETS = 32
T5_MAX_DISTANCE = 128


def _int_min(a, b):
    # HF calls torch.min here, which torch.onnx exports as Min on int64 at
    # every opset, but Min accepts integers only from opset 12: the opset-11
    # file then fails the checker (the reason optimum requires opset >= 12
    # for T5).  Less + Where build the same result at every opset.
    return torch.where(a < b, a, b)


class T5LayerNorm(nn.Module):
    def __init__(self, hidden_size, eps=1e-6):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(hidden_size))
        self.variance_epsilon = eps

    def forward(self, hidden_states):
        # RMS norm: no mean subtraction, no bias.
        variance = hidden_states.to(torch.float32).pow(2).mean(-1, keepdim=True)
        hidden_states = hidden_states * torch.rsqrt(variance + self.variance_epsilon)
        return self.weight * hidden_states


class T5DenseReluDense(nn.Module):
    def __init__(self):
        super().__init__()
        self.wi = nn.Linear(HIDDEN, FFN, bias=False)
        self.wo = nn.Linear(FFN, HIDDEN, bias=False)

    def forward(self, hidden_states):
        return self.wo(nn.functional.relu(self.wi(hidden_states)))


class T5LayerFF(nn.Module):
    def __init__(self):
        super().__init__()
        self.DenseReluDense = T5DenseReluDense()
        self.layer_norm = T5LayerNorm(HIDDEN)

    def forward(self, hidden_states):
        return hidden_states + self.DenseReluDense(self.layer_norm(hidden_states))


class T5Attention(nn.Module):
    def __init__(self, is_decoder, has_relative_attention_bias):
        super().__init__()
        self.is_decoder = is_decoder
        self.has_relative_attention_bias = has_relative_attention_bias
        self.n_heads = HEADS
        self.key_value_proj_dim = HEAD_DIM
        self.inner_dim = HEADS * HEAD_DIM
        self.q = nn.Linear(HIDDEN, self.inner_dim, bias=False)
        self.k = nn.Linear(HIDDEN, self.inner_dim, bias=False)
        self.v = nn.Linear(HIDDEN, self.inner_dim, bias=False)
        self.o = nn.Linear(self.inner_dim, HIDDEN, bias=False)
        if self.has_relative_attention_bias:
            self.relative_attention_bias = nn.Embedding(T5_NUM_BUCKETS, self.n_heads)

    @staticmethod
    def _relative_position_bucket(relative_position, bidirectional, num_buckets, max_distance):
        relative_buckets = 0
        if bidirectional:
            num_buckets //= 2
            relative_buckets += (relative_position > 0).to(torch.long) * num_buckets
            relative_position = torch.abs(relative_position)
        else:
            relative_position = -_int_min(relative_position, torch.zeros_like(relative_position))
        # Half of the buckets are exact offsets, the rest grow logarithmically.
        max_exact = num_buckets // 2
        is_small = relative_position < max_exact
        relative_position_if_large = max_exact + (
            torch.log(relative_position.float() / max_exact)
            / math.log(max_distance / max_exact)
            * (num_buckets - max_exact)
        ).to(torch.long)
        relative_position_if_large = _int_min(
            relative_position_if_large, torch.full_like(relative_position_if_large, num_buckets - 1)
        )
        relative_buckets += torch.where(is_small, relative_position, relative_position_if_large)
        return relative_buckets

    def compute_bias(self, query_length, key_length):
        context_position = torch.arange(query_length, dtype=torch.long)[:, None]
        memory_position = torch.arange(key_length, dtype=torch.long)[None, :]
        relative_position = memory_position - context_position
        relative_position_bucket = self._relative_position_bucket(
            relative_position,
            bidirectional=(not self.is_decoder),
            num_buckets=T5_NUM_BUCKETS,
            max_distance=T5_MAX_DISTANCE,
        )
        values = self.relative_attention_bias(relative_position_bucket)  # [q, k, heads]
        return values.permute([2, 0, 1]).unsqueeze(0)  # [1, heads, q, k]

    def forward(self, hidden_states, mask, key_value_states=None, position_bias=None):
        batch_size, seq_length = hidden_states.shape[:2]
        key_length = seq_length if key_value_states is None else key_value_states.shape[1]

        def shape(states):
            return states.view(batch_size, -1, self.n_heads, self.key_value_proj_dim).transpose(1, 2)

        def unshape(states):
            return states.transpose(1, 2).contiguous().view(batch_size, -1, self.inner_dim)

        kv_input = hidden_states if key_value_states is None else key_value_states
        query_states = shape(self.q(hidden_states))
        key_states = shape(self.k(kv_input))
        value_states = shape(self.v(kv_input))

        # T5 folds the 1/sqrt(d) scaling into its weight initialisation.
        scores = torch.matmul(query_states, key_states.transpose(3, 2))

        if position_bias is None:
            if not self.has_relative_attention_bias:
                position_bias = torch.zeros((1, self.n_heads, seq_length, key_length), dtype=scores.dtype)
            else:
                position_bias = self.compute_bias(seq_length, key_length)
            position_bias = position_bias + mask

        scores += position_bias
        attn_weights = nn.functional.softmax(scores.float(), dim=-1).type_as(scores)
        attn_output = unshape(torch.matmul(attn_weights, value_states))
        return self.o(attn_output), position_bias


class T5LayerSelfAttention(nn.Module):
    def __init__(self, is_decoder, has_relative_attention_bias):
        super().__init__()
        self.SelfAttention = T5Attention(is_decoder, has_relative_attention_bias)
        self.layer_norm = T5LayerNorm(HIDDEN)

    def forward(self, hidden_states, attention_mask, position_bias):
        attention_output, position_bias = self.SelfAttention(
            self.layer_norm(hidden_states), attention_mask, position_bias=position_bias
        )
        return hidden_states + attention_output, position_bias


class T5LayerCrossAttention(nn.Module):
    def __init__(self):
        super().__init__()
        self.EncDecAttention = T5Attention(is_decoder=True, has_relative_attention_bias=False)
        self.layer_norm = T5LayerNorm(HIDDEN)

    def forward(self, hidden_states, key_value_states, attention_mask, position_bias):
        attention_output, position_bias = self.EncDecAttention(
            self.layer_norm(hidden_states),
            attention_mask,
            key_value_states=key_value_states,
            position_bias=position_bias,
        )
        return hidden_states + attention_output, position_bias


class T5Block(nn.Module):
    def __init__(self, is_decoder, has_relative_attention_bias):
        super().__init__()
        self.is_decoder = is_decoder
        self.layer = nn.ModuleList([T5LayerSelfAttention(is_decoder, has_relative_attention_bias)])
        if is_decoder:
            self.layer.append(T5LayerCrossAttention())
        self.layer.append(T5LayerFF())

    def forward(self, hidden_states, attention_mask, position_bias,
                encoder_hidden_states=None, encoder_attention_mask=None, encoder_decoder_position_bias=None):
        hidden_states, position_bias = self.layer[0](hidden_states, attention_mask, position_bias)
        if self.is_decoder:
            hidden_states, encoder_decoder_position_bias = self.layer[1](
                hidden_states, encoder_hidden_states, encoder_attention_mask, encoder_decoder_position_bias
            )
        hidden_states = self.layer[-1](hidden_states)
        return hidden_states, position_bias, encoder_decoder_position_bias


class T5Stack(nn.Module):
    def __init__(self, embed_tokens, is_decoder):
        super().__init__()
        self.embed_tokens = embed_tokens
        self.is_decoder = is_decoder
        # Only the first block owns the relative position bias; its result is
        # handed on to the later blocks, as in HF.
        self.block = nn.ModuleList(
            [T5Block(is_decoder, has_relative_attention_bias=(i == 0)) for i in range(LAYERS)]
        )
        self.final_layer_norm = T5LayerNorm(HIDDEN)

    def get_extended_attention_mask(self, attention_mask, input_shape):
        if self.is_decoder:
            batch_size, seq_length = input_shape
            seq_ids = torch.arange(seq_length)
            causal_mask = seq_ids[None, None, :].repeat(batch_size, seq_length, 1) <= seq_ids[None, :, None]
            causal_mask = causal_mask.to(attention_mask.dtype)
            extended_attention_mask = causal_mask[:, None, :, :] * attention_mask[:, None, None, :]
        else:
            extended_attention_mask = attention_mask[:, None, None, :]
        extended_attention_mask = extended_attention_mask.to(dtype=torch.float32)
        return (1.0 - extended_attention_mask) * torch.finfo(torch.float32).min

    @staticmethod
    def invert_attention_mask(encoder_attention_mask):
        encoder_extended_attention_mask = encoder_attention_mask[:, None, None, :]
        encoder_extended_attention_mask = encoder_extended_attention_mask.to(dtype=torch.float32)
        return (1.0 - encoder_extended_attention_mask) * torch.finfo(torch.float32).min

    def forward(self, input_ids, attention_mask=None, encoder_hidden_states=None, encoder_attention_mask=None):
        input_shape = input_ids.size()
        inputs_embeds = self.embed_tokens(input_ids)
        batch_size, seq_length = input_shape

        if attention_mask is None:
            attention_mask = torch.ones(batch_size, seq_length)
        extended_attention_mask = self.get_extended_attention_mask(attention_mask, input_shape)
        encoder_extended_attention_mask = None
        if self.is_decoder:
            encoder_extended_attention_mask = self.invert_attention_mask(encoder_attention_mask)

        position_bias = None
        encoder_decoder_position_bias = None
        hidden_states = inputs_embeds
        for layer_module in self.block:
            hidden_states, position_bias, encoder_decoder_position_bias = layer_module(
                hidden_states,
                extended_attention_mask,
                position_bias,
                encoder_hidden_states,
                encoder_extended_attention_mask,
                encoder_decoder_position_bias,
            )
        return self.final_layer_norm(hidden_states)


class T5ForConditionalGeneration(nn.Module):
    def __init__(self):
        super().__init__()
        self.model_dim = HIDDEN
        self.shared = nn.Embedding(VOCAB, HIDDEN)
        self.encoder = T5Stack(self.shared, is_decoder=False)
        self.decoder = T5Stack(self.shared, is_decoder=True)
        self.lm_head = nn.Linear(HIDDEN, VOCAB, bias=False)
        self.lm_head.weight = self.shared.weight  # tie_word_embeddings

    def forward(self, input_ids, attention_mask, decoder_input_ids):
        encoder_hidden_states = self.encoder(input_ids, attention_mask=attention_mask)
        sequence_output = self.decoder(
            decoder_input_ids,
            encoder_hidden_states=encoder_hidden_states,
            encoder_attention_mask=attention_mask,
        )
        # Tied embeddings: HF rescales before projecting onto the vocabulary.
        sequence_output = sequence_output * (self.model_dim ** -0.5)
        return self.lm_head(sequence_output)


# --------------------------------------------------------------------------
# Export driver
# --------------------------------------------------------------------------

NORM_TYPES = (nn.LayerNorm, LlamaRMSNorm, T5LayerNorm)


def init_weights(model):
    """Small random weights, norm scales near 1, so outputs stay well scaled
    while every parameter (biases and norm weights too) still matters to the
    numeric comparison."""
    with torch.no_grad():
        for module in model.modules():
            is_norm = isinstance(module, NORM_TYPES)
            for name, param in module.named_parameters(recurse=False):
                param.normal_(0.0, INIT_STD)
                if is_norm and name == "weight":
                    param.add_(1.0)


def sample_inputs(generator, names):
    ids = lambda seq: torch.randint(0, VOCAB, (BATCH, seq), generator=generator, dtype=torch.long)
    attention_mask = torch.ones((BATCH, SEQ), dtype=torch.long)
    attention_mask[1, -2:] = 0  # the second row is padded
    token_type_ids = torch.zeros((BATCH, SEQ), dtype=torch.long)
    token_type_ids[:, SEQ // 2 :] = 1  # a sentence pair
    make = {
        "input_ids": lambda: ids(SEQ),
        "attention_mask": lambda: attention_mask,
        "token_type_ids": lambda: token_type_ids,
        "decoder_input_ids": lambda: ids(DECODER_SEQ),
    }
    return {name: make[name]() for name in names}


BATCH_SEQ = {0: "batch", 1: "sequence"}

# name -> (module class, input names, output names, dynamic axes)
MODELS = {
    "bert": (
        BertModel,
        ["input_ids", "attention_mask", "token_type_ids"],
        ["last_hidden_state", "pooler_output"],
        {"input_ids": BATCH_SEQ, "attention_mask": BATCH_SEQ, "token_type_ids": BATCH_SEQ,
         "last_hidden_state": BATCH_SEQ, "pooler_output": {0: "batch"}},
    ),
    "gpt2": (
        GPT2Model,
        ["input_ids"],
        ["last_hidden_state"],
        {"input_ids": BATCH_SEQ, "last_hidden_state": BATCH_SEQ},
    ),
    "llama": (
        LlamaForCausalLM,
        ["input_ids"],
        ["logits"],
        {"input_ids": BATCH_SEQ, "logits": BATCH_SEQ},
    ),
    "t5": (
        T5ForConditionalGeneration,
        ["input_ids", "attention_mask", "decoder_input_ids"],
        ["logits"],
        {"input_ids": BATCH_SEQ, "attention_mask": BATCH_SEQ,
         "decoder_input_ids": {0: "batch", 1: "decoder_sequence"},
         "logits": {0: "batch", 1: "decoder_sequence"}},
    ),
}


def build(name):
    cls, input_names, output_names, dynamic_axes = MODELS[name]
    # Same seed for every model, so each file is reproducible on its own
    # whatever subset of models is requested.
    torch.manual_seed(0)
    model = cls()
    init_weights(model)
    model.eval()
    inputs = sample_inputs(torch.Generator().manual_seed(1), input_names)
    with torch.no_grad():
        outputs = model(*inputs.values())
    if isinstance(outputs, torch.Tensor):
        outputs = (outputs,)
    return model, inputs, dict(zip(output_names, outputs)), dynamic_axes


def export(name, opset, model, inputs, outputs, dynamic_axes, out_dir):
    import onnx  # only needed to check the exported files

    stem = os.path.join(out_dir, f"{name}_opset{opset}")
    path = stem + ".onnx"
    try:
        torch.onnx.export(
            model,
            tuple(inputs.values()),
            path,
            input_names=list(inputs),
            output_names=list(outputs),
            dynamic_axes=dynamic_axes,
            opset_version=opset,
            do_constant_folding=True,
        )
    except Exception as exc:
        raise RuntimeError(f"exporting {name} at opset {opset} failed") from exc

    try:
        onnx_model = onnx.load(path)
        onnx.checker.check_model(onnx_model, full_check=True)
    except Exception as exc:
        sys.exit(f"error: {path} failed the ONNX checker: {exc}")

    for key, tensor in inputs.items():
        np.save(f"{stem}.input_{key}.npy", tensor.numpy())
    for key, tensor in outputs.items():
        np.save(f"{stem}.output_{key}.npy", tensor.numpy())
    print(f"{name} opset{opset}: {len(onnx_model.graph.node)} nodes -> {path}", flush=True)


def parse_list(text, allowed=None, convert=str):
    items = [convert(item.strip()) for item in text.split(",") if item.strip()]
    if allowed is not None:
        unknown = [item for item in items if item not in allowed]
        if unknown:
            raise argparse.ArgumentTypeError(f"unknown: {', '.join(map(str, unknown))}")
    if not items:
        raise argparse.ArgumentTypeError("empty list")
    return items


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", required=True, help="output directory")
    parser.add_argument("--models", default=",".join(MODELS),
                        type=lambda s: parse_list(s, allowed=MODELS),
                        help="comma-separated subset of: " + ",".join(MODELS))
    parser.add_argument("--opsets", default="11,14,17",
                        type=lambda s: parse_list(s, convert=int),
                        help="comma-separated ONNX opsets (torch 1.13 supports up to 17)")
    args = parser.parse_args()

    # Tiny models gain nothing from threads; stay light when tests run in parallel.
    torch.set_num_threads(1)
    # Tracing turns shape arithmetic into constants and warns each time; the
    # dynamic axes are what keep these graphs general, so the warnings are noise.
    warnings.filterwarnings("ignore", category=torch.jit.TracerWarning)

    os.makedirs(args.out, exist_ok=True)
    for name in args.models:
        model, inputs, outputs, dynamic_axes = build(name)
        for opset in args.opsets:
            export(name, opset, model, inputs, outputs, dynamic_axes, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
