#!/usr/bin/python3
"""Golden fixtures for Gemma 3 and sliding-window attention, from an independent float64 reference.

The Gemma 3 text decoder is written out here in plain torch ops (no `transformers` import),
following the conventions of transformers' Gemma3ForCausalLM:
  - embeddings multiplied by sqrt(hidden_size), the factor rounded to the weights' dtype first;
  - RMSNorm computing x * rsqrt(mean(x^2) + eps) * (1 + w), with 1 + w formed in float32;
  - per layer: input_layernorm, attention, post_attention_layernorm, residual;
    pre_feedforward_layernorm, GeGLU MLP (tanh GELU), post_feedforward_layernorm, residual;
  - per-head q_norm / k_norm before RoPE; attention scale query_pre_attn_scalar ** -0.5;
  - "sliding_attention" layers: window mask (key slot j visible to query slot i iff i - j < W, on
    the whole key axis incl. padding and prefix slots) and RoPE base rope_local_base_freq;
    "full_attention" layers: rope_theta with rope_scaling (here: linear);
  - layer types from layer_types or sliding_window_pattern (every Nth layer global);
  - optional final_logit_softcapping: cap * tanh(logits / cap).
Prefix tuning keys/values act as past_key_values (real tokens' positions start at P).

Also a Mistral model whose sliding_window is shorter than the sequence.

Outputs under transformer/src/test/resources/golden/<case>/ (config.json, model.safetensors,
expected.json), like tools/gen_transformer_golden.py, whose helpers this script reuses.

Run (Debian python3 + python3-torch):  /usr/bin/python3 tools/gen_gemma_golden.py
"""
import json
import math
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen_transformer_golden import (  # noqa: E402
    F64,
    OUT,
    attention,
    base_llama,
    gelu_tanh,
    llama_forward,
    llama_weights,
    loss_of,
    rounded,
    visibility,
    write_safetensors,
)

SLIDING, FULL = "sliding_attention", "full_attention"


def layer_types(cfg):
    if cfg.get("layer_types") is not None:
        return cfg["layer_types"]
    pattern = cfg.get("sliding_window_pattern", cfg.get("_sliding_window_pattern", 6))
    return [SLIDING if (i + 1) % pattern else FULL for i in range(cfg["num_hidden_layers"])]


def rope_params(cfg):
    """(theta, linear factor) of global layers, theta of local layers."""
    rp = cfg.get("rope_parameters")
    if rp is not None and FULL in rp:  # transformers 5.x, keyed by layer type
        g, l = rp[FULL], rp.get(SLIDING, {"rope_type": "default", "rope_theta": 10000.0})
        gf = g["factor"] if g.get("rope_type") == "linear" else 1.0
        return (g["rope_theta"], gf), l["rope_theta"]
    rs = cfg.get("rope_scaling") or {}
    gf = rs["factor"] if rs.get("rope_type", rs.get("type")) == "linear" else 1.0
    return (cfg.get("rope_theta", 1e6), gf), cfg.get("rope_local_base_freq", 10000.0)


def inv_freq(theta, d, linear):
    """HF's default inv_freq in float32, divided by the linear factor in float32."""
    f = 1.0 / (theta ** (torch.arange(0, d, 2, dtype=torch.int64).float() / d))
    if linear != 1.0:
        f = f / linear
    return f


def rope(x, pos, f):
    d = x.shape[-1]
    freqs = pos.to(torch.float32)[..., None] * f[None, None, :]  # float32 like HF
    emb = torch.cat([freqs, freqs], -1).to(F64)
    cos, sin = emb.cos()[:, :, None, :], emb.sin()[:, :, None, :]
    x1, x2 = x[..., : d // 2], x[..., d // 2 :]
    return x * cos + torch.cat([-x2, x1], -1) * sin


def gemma_norm(x, w, eps):
    one_plus_w = (1.0 + w.to(torch.float32)).to(F64)  # float32 like Gemma3RMSNorm
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * one_plus_w


def embed_scale(cfg, dtype):
    s = torch.tensor(cfg["hidden_size"] ** 0.5, dtype=torch.float32)
    if dtype == "BF16":
        s = s.to(torch.bfloat16)
    return float(s)


def gemma_forward(cfg, w, ids, mask, pos, prefix=None, dtype="F32"):
    c, hq, hkv, d = cfg["hidden_size"], cfg["num_attention_heads"], cfg["num_key_value_heads"], cfg["head_dim"]
    eps = cfg["rms_norm_eps"]
    b, t = ids.shape
    x = w["model.embed_tokens.weight"][ids] * embed_scale(cfg, dtype)
    p_len = 0 if prefix is None else prefix[0][0].shape[1]
    (g_theta, g_lin), l_theta = rope_params(cfg)
    f_global, f_local = inv_freq(g_theta, d, g_lin), inv_freq(l_theta, d, 1.0)
    vis_full = visibility(mask, p_len)
    vis_sliding = visibility(mask, p_len, cfg["sliding_window"])
    scale = cfg["query_pre_attn_scalar"] ** -0.5

    def lin(name, h):
        return h @ w[name + ".weight"].T

    for i, kind in enumerate(layer_types(cfg)):
        L = f"model.layers.{i}."
        h = gemma_norm(x, w[L + "input_layernorm.weight"], eps)
        q = lin(L + "self_attn.q_proj", h).view(b, t, hq, d)
        k = lin(L + "self_attn.k_proj", h).view(b, t, hkv, d)
        v = lin(L + "self_attn.v_proj", h).view(b, t, hkv, d)
        q = gemma_norm(q, w[L + "self_attn.q_norm.weight"], eps)
        k = gemma_norm(k, w[L + "self_attn.k_norm.weight"], eps)
        f = f_local if kind == SLIDING else f_global
        q, k = rope(q, pos, f), rope(k, pos, f)
        if prefix is not None:
            k = torch.cat([prefix[i][0], k], 1)
            v = torch.cat([prefix[i][1], v], 1)
        vis = vis_sliding if kind == SLIDING else vis_full
        a = attention(q, k, v, vis, scale).reshape(b, t, hq * d)
        x = x + gemma_norm(lin(L + "self_attn.o_proj", a), w[L + "post_attention_layernorm.weight"], eps)
        h = gemma_norm(x, w[L + "pre_feedforward_layernorm.weight"], eps)
        m = gelu_tanh(lin(L + "mlp.gate_proj", h)) * lin(L + "mlp.up_proj", h)
        x = x + gemma_norm(lin(L + "mlp.down_proj", m), w[L + "post_feedforward_layernorm.weight"], eps)
    x = gemma_norm(x, w["model.norm.weight"], eps)
    head = w["model.embed_tokens.weight"] if cfg.get("tie_word_embeddings", True) else w["lm_head.weight"]
    logits = x @ head.T
    cap = cfg.get("final_logit_softcapping")
    if cap is not None:
        logits = cap * torch.tanh(logits / cap)
    return logits


def gemma_weights(cfg, g):
    c, hq, hkv, d = cfg["hidden_size"], cfg["num_attention_heads"], cfg["num_key_value_heads"], cfg["head_dim"]
    f, v = cfg["intermediate_size"], cfg["vocab_size"]
    w = {}

    def rnd(*shape, std=0.3):
        return torch.randn(*shape, generator=g, dtype=F64) * std

    def linear(name, out_f, in_f):
        w[name + ".weight"] = rnd(out_f, in_f, std=1.0 / math.sqrt(in_f))

    w["model.embed_tokens.weight"] = rnd(v, c, std=0.5)
    for i in range(cfg["num_hidden_layers"]):
        L = f"model.layers.{i}."
        linear(L + "self_attn.q_proj", hq * d, c)
        linear(L + "self_attn.k_proj", hkv * d, c)
        linear(L + "self_attn.v_proj", hkv * d, c)
        linear(L + "self_attn.o_proj", c, hq * d)
        w[L + "self_attn.q_norm.weight"] = rnd(d, std=0.3)  # Gemma norms: offsets from 1
        w[L + "self_attn.k_norm.weight"] = rnd(d, std=0.3)
        linear(L + "mlp.gate_proj", f, c)
        linear(L + "mlp.up_proj", f, c)
        linear(L + "mlp.down_proj", c, f)
        for n in ("input_layernorm", "post_attention_layernorm", "pre_feedforward_layernorm", "post_feedforward_layernorm"):
            w[L + n + ".weight"] = rnd(c, std=0.3)
    w["model.norm.weight"] = rnd(c, std=0.3)
    if not cfg.get("tie_word_embeddings", True):
        linear("lm_head", v, c)
    return w


def base_gemma(**extra):
    cfg = {
        "architectures": ["Gemma3ForCausalLM"],
        "model_type": "gemma3_text",
        "hidden_size": 24,
        "intermediate_size": 40,
        "num_hidden_layers": 4,
        "num_attention_heads": 4,
        "num_key_value_heads": 2,
        "head_dim": 8,  # Hq·D = 32 != hidden 24
        "vocab_size": 48,
        "max_position_embeddings": 128,
        "rms_norm_eps": 1e-6,
        "hidden_activation": "gelu_pytorch_tanh",
        "query_pre_attn_scalar": 12,
        "sliding_window": 4,
        "attn_logit_softcapping": None,
        "final_logit_softcapping": None,
        "attention_bias": False,
        "tie_word_embeddings": True,
        "initializer_range": 0.02,
        "bos_token_id": 2,
        "eos_token_id": [1, 3],
        "pad_token_id": 0,
    }
    cfg.update(extra)
    return cfg


# Three rows of 10 (longer than every window): full, right-padded, left-padded (HF generate's
# batches). Labels ignore (-100) the first token and the padding.
GEMMA_IDS = [
    [2, 5, 9, 17, 33, 8, 12, 40, 7, 21],
    [2, 30, 4, 22, 11, 45, 6, 0, 0, 0],
    [0, 0, 2, 14, 3, 27, 39, 10, 5, 44],
]
GEMMA_MASK = [
    [1, 1, 1, 1, 1, 1, 1, 1, 1, 1],
    [1, 1, 1, 1, 1, 1, 1, 0, 0, 0],
    [0, 0, 1, 1, 1, 1, 1, 1, 1, 1],
]
MISTRAL_IDS = [[1, 5, 9, 17, 33, 8, 12], [1, 30, 4, 22, 0, 0, 0]]
MISTRAL_MASK = [[1, 1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 0, 0, 0]]
PREFIX_LEN = 3


def labels_of(ids, mask):
    out = []
    for row, m in zip(ids, mask):
        first = m.index(1)
        out.append([-100 if (not mk or i == first) else x for i, (x, mk) in enumerate(zip(row, m))])
    return out


def positions(mask):
    """HF generate's position ids: cumsum(attention_mask) - 1, padding at 1 (never attended)."""
    m = torch.tensor(mask)
    pos = m.cumsum(-1) - 1
    return torch.where(m == 1, pos, torch.ones_like(pos))


CASES = {
    # sliding_window_pattern 3: layers S S F S; BF16 weights (embedding scale rounded to BF16),
    # linear RoPE scaling on the global layer, a local RoPE base of its own, logit soft-capping.
    "gemma3": (
        base_gemma(
            sliding_window_pattern=3,
            rope_theta=10000.0,
            rope_scaling={"rope_type": "linear", "factor": 2.0},
            rope_local_base_freq=100.0,
            final_logit_softcapping=5.0,
        ),
        "BF16",
        GEMMA_IDS,
        GEMMA_MASK,
    ),
    # layer_types (transformers >= 4.53) with rope_parameters per layer type (5.x), one kv head,
    # an untied lm_head, window 3.
    "gemma3_layer_types": (
        base_gemma(
            num_hidden_layers=3,
            num_key_value_heads=1,
            layer_types=[SLIDING, FULL, SLIDING],
            sliding_window=3,
            query_pre_attn_scalar=8,
            tie_word_embeddings=False,
            rope_parameters={
                FULL: {"rope_type": "default", "rope_theta": 50000.0},
                SLIDING: {"rope_type": "default", "rope_theta": 1000.0},
            },
        ),
        "F32",
        GEMMA_IDS,
        GEMMA_MASK,
    ),
    # Mistral with a window of 3 < 7 tokens.
    "mistral_window": (
        base_llama("MistralForCausalLM", sliding_window=3, num_key_value_heads=2),
        "F32",
        MISTRAL_IDS,
        MISTRAL_MASK,
    ),
}


def make_case(name, cfg, dtype, ids_list, mask_list, seed):
    g = torch.Generator().manual_seed(seed)
    gemma = cfg["architectures"][0] == "Gemma3ForCausalLM"
    w = gemma_weights(cfg, g) if gemma else llama_weights(cfg, g)
    if dtype == "BF16":  # the reference computes with exactly the stored (rounded) values
        w = {k: t.to(torch.bfloat16).to(F64) for k, t in w.items()}

    def fwd(ids, mask, pos, prefix=None):
        if gemma:
            return gemma_forward(cfg, w, ids, mask, pos, prefix, dtype)
        return llama_forward(cfg, w, ids, mask, pos, prefix)

    labels_list = labels_of(ids_list, mask_list)
    ids, mask, labels = torch.tensor(ids_list), torch.tensor(mask_list), torch.tensor(labels_list)
    b = ids.shape[0]
    pos = positions(mask_list)
    logprobs = torch.log_softmax(fwd(ids, mask, pos), -1)

    hkv = cfg["num_key_value_heads"]
    d = cfg.get("head_dim") or cfg["hidden_size"] // cfg["num_attention_heads"]
    prefix = [
        (
            torch.randn(b, PREFIX_LEN, hkv, d, generator=g, dtype=F64).float().to(F64),
            torch.randn(b, PREFIX_LEN, hkv, d, generator=g, dtype=F64).float().to(F64),
        )
        for _ in range(cfg["num_hidden_layers"])
    ]
    prefix_logprobs = torch.log_softmax(fwd(ids, mask, pos + PREFIX_LEN, prefix), -1)

    d_out = os.path.join(OUT, name)
    os.makedirs(d_out, exist_ok=True)
    with open(os.path.join(d_out, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2)
    write_safetensors(os.path.join(d_out, "model.safetensors"), w, dtype)
    expected = {
        "input_ids": ids_list,
        "attention_mask": mask_list,
        "labels": labels_list,
        "logprobs": logprobs.tolist(),
        "loss": loss_of(logprobs, labels),
        "prefix_length": PREFIX_LEN,
        "prefix_keys": [k.tolist() for k, _ in prefix],
        "prefix_values": [v.tolist() for _, v in prefix],
        "prefix_logprobs": prefix_logprobs.tolist(),
    }
    with open(os.path.join(d_out, "expected.json"), "w") as f:
        json.dump(rounded(expected), f, separators=(",", ":"))
    print(name, "loss", expected["loss"])


def window_matters():
    """Sanity check: without the window the Gemma reference gives different log-probabilities."""
    cfg, dtype = CASES["gemma3"][0], CASES["gemma3"][1]
    g = torch.Generator().manual_seed(7)
    w = gemma_weights(cfg, g)
    ids, mask = torch.tensor(GEMMA_IDS), torch.tensor(GEMMA_MASK)
    pos = positions(GEMMA_MASK)
    a = gemma_forward(cfg, w, ids, mask, pos)
    b = gemma_forward(dict(cfg, sliding_window=10**6), w, ids, mask, pos)
    diff = float((a - b).abs().max())
    assert diff > 1e-3, diff
    print("window changes logits by up to", diff)


if __name__ == "__main__":
    torch.manual_seed(0)
    window_matters()
    for i, (name, (cfg, dtype, ids, mask)) in enumerate(CASES.items()):
        make_case(name, cfg, dtype, ids, mask, 2000 + i)
