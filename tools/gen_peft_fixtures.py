#!/usr/bin/python3
"""Golden fixtures for the peft module's adapter-compatibility tests.

An independent PyTorch implementation (no `peft`, no `transformers`) of:
  * a tiny random Llama (GQA, RoPE, SwiGLU, untied lm_head), written in HF layout;
  * each PEFT method's formulas, with random non-trivial adapter weights, written as HF PEFT
    adapter folders (adapter_config.json + adapter_model.safetensors with PEFT's key names);
  * the log-probabilities of a fixed batch under each adapted model;
  * P-tuning's PromptEncoder (MLP and LSTM) and prefix tuning's projection, as torch modules with
    their outputs, to check the Java encoders compute the same function.

Run from the repository root:  /usr/bin/python3 tools/gen_peft_fixtures.py
Output: peft/src/test/resources/peft-fixtures/
"""
import json
import math
import os
import struct

import numpy as np
import torch
import torch.nn.functional as F

OUT = os.path.join(os.path.dirname(__file__), "..", "peft", "src", "test", "resources", "peft-fixtures")

CFG = dict(
    architectures=["LlamaForCausalLM"],
    model_type="llama",
    hidden_size=32,
    intermediate_size=48,
    num_hidden_layers=2,
    num_attention_heads=4,
    num_key_value_heads=2,
    head_dim=8,
    vocab_size=64,
    max_position_embeddings=128,
    hidden_act="silu",
    rms_norm_eps=1e-6,
    rope_theta=10000.0,
    attention_bias=False,
    mlp_bias=False,
    tie_word_embeddings=False,
    bos_token_id=1,
    eos_token_id=2,
    torch_dtype="float32",
)
C = CFG["hidden_size"]
I = CFG["intermediate_size"]
L = CFG["num_hidden_layers"]
H = CFG["num_attention_heads"]
HKV = CFG["num_key_value_heads"]
D = CFG["head_dim"]
V = CFG["vocab_size"]
PREFIX = "base_model.model."


def save_safetensors(path, tensors):
    """The safetensors format: u64 header length, JSON header, raw little-endian data."""
    header = {}
    offset = 0
    blobs = []
    for name in sorted(tensors):
        t = tensors[name].detach().contiguous()
        if t.dtype == torch.int64:
            arr, dtype = t.numpy().astype("<i8"), "I64"
        else:
            arr, dtype = t.float().numpy().astype("<f4"), "F32"
        b = arr.tobytes()
        header[name] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [offset, offset + len(b)]}
        offset += len(b)
        blobs.append(b)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def linear_names():
    for l in range(L):
        p = f"model.layers.{l}."
        yield p + "self_attn.q_proj", C, H * D
        yield p + "self_attn.k_proj", C, HKV * D
        yield p + "self_attn.v_proj", C, HKV * D
        yield p + "self_attn.o_proj", H * D, C
        yield p + "mlp.gate_proj", C, I
        yield p + "mlp.up_proj", C, I
        yield p + "mlp.down_proj", I, C


def make_base(gen):
    w = {"model.embed_tokens.weight": torch.randn(V, C, generator=gen) * 0.5}
    for name, fin, fout in linear_names():
        w[name + ".weight"] = torch.randn(fout, fin, generator=gen) / math.sqrt(fin)
    for l in range(L):
        p = f"model.layers.{l}."
        w[p + "input_layernorm.weight"] = 1 + 0.1 * torch.randn(C, generator=gen)
        w[p + "post_attention_layernorm.weight"] = 1 + 0.1 * torch.randn(C, generator=gen)
    w["model.norm.weight"] = 1 + 0.1 * torch.randn(C, generator=gen)
    w["lm_head.weight"] = torch.randn(V, C, generator=gen) / math.sqrt(C)
    return w


# ---------------------------------------------------------------- the model


def rms_norm(x, w):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + CFG["rms_norm_eps"]) * w


def rope(x, pos):
    # x [B, T, h, D], pos [T]; HF rotate-half
    inv = 1.0 / (CFG["rope_theta"] ** (torch.arange(0, D, 2, dtype=torch.float64) / D))
    ang = pos.double()[:, None] * inv[None, :]
    emb = torch.cat([ang, ang], -1)
    cos, sin = emb.cos().float()[None, :, None, :], emb.sin().float()[None, :, None, :]
    x1, x2 = x[..., : D // 2], x[..., D // 2 :]
    rot = torch.cat([-x2, x1], -1)
    return x * cos + rot * sin


class Adapted:
    """The base weights plus hooks a method sets: per-linear forward, norms, prompts, prefix."""

    def __init__(self, w):
        self.w = w
        self.linear_fn = {}  # module name -> f(x, W) -> y
        self.norm_w = {}  # module name -> replacement weight
        self.prompt = None  # [P, C] virtual token embeddings
        self.prefix = None  # per layer (k [P,HKV,D], v [P,HKV,D])

    def linear(self, name, x):
        W = self.w[name + ".weight"]
        f = self.linear_fn.get(name)
        return f(x, W) if f else x @ W.T

    def norm(self, name, x):
        return rms_norm(x, self.norm_w.get(name, self.w[name + ".weight"]))

    def logprobs(self, ids):
        B, T = ids.shape
        x = self.w["model.embed_tokens.weight"][ids]
        P = 0
        if self.prompt is not None:
            P = self.prompt.shape[0]
            x = torch.cat([self.prompt[None].expand(B, -1, -1), x], 1)
        Tx = x.shape[1]
        prefix_len = self.prefix[0][0].shape[0] if self.prefix is not None else 0
        # HF: real tokens' positions start after past_key_values (the prefix)
        pos = torch.arange(prefix_len, prefix_len + Tx)
        for l in range(L):
            p = f"model.layers.{l}."
            h = self.norm(p + "input_layernorm", x)
            q = self.linear(p + "self_attn.q_proj", h).view(B, Tx, H, D)
            k = self.linear(p + "self_attn.k_proj", h).view(B, Tx, HKV, D)
            v = self.linear(p + "self_attn.v_proj", h).view(B, Tx, HKV, D)
            q, k = rope(q, pos), rope(k, pos)
            if self.prefix is not None:
                pk, pv = self.prefix[l]
                k = torch.cat([pk[None].expand(B, -1, -1, -1), k], 1)
                v = torch.cat([pv[None].expand(B, -1, -1, -1), v], 1)
            S = k.shape[1]
            k = k.repeat_interleave(H // HKV, dim=2)
            v = v.repeat_interleave(H // HKV, dim=2)
            scores = torch.einsum("bthd,bshd->bhts", q, k) / math.sqrt(D)
            allowed = torch.ones(Tx, S, dtype=torch.bool)
            allowed[:, prefix_len:] = torch.tril(torch.ones(Tx, Tx, dtype=torch.bool))
            scores = scores.masked_fill(~allowed, float("-inf"))
            att = torch.einsum("bhts,bshd->bthd", scores.softmax(-1), v).reshape(B, Tx, H * D)
            x = x + self.linear(p + "self_attn.o_proj", att)
            h = self.norm(p + "post_attention_layernorm", x)
            g = self.linear(p + "mlp.gate_proj", h)
            u = self.linear(p + "mlp.up_proj", h)
            x = x + self.linear(p + "mlp.down_proj", F.silu(g) * u)
        x = self.norm("model.norm", x)
        logits = x @ self.w["lm_head.weight"].T
        return torch.log_softmax(logits[:, P:], -1)


def kaiming_uniform(shape, gen):
    # torch's kaiming_uniform_(a=sqrt(5)) on a [out, in] matrix: bound = 1/sqrt(fan_in)
    bound = 1.0 / math.sqrt(shape[1])
    return (torch.rand(*shape, generator=gen) * 2 - 1) * bound


def adapter_dir(name, config, tensors):
    d = os.path.join(OUT, "adapters", name)
    os.makedirs(d, exist_ok=True)
    cfg = {"task_type": "CAUSAL_LM", "base_model_name_or_path": "../../model", "inference_mode": True}
    cfg.update(config)
    with open(os.path.join(d, "adapter_config.json"), "w") as f:
        json.dump(cfg, f, indent=2, sort_keys=True)
    save_safetensors(os.path.join(d, "adapter_model.safetensors"), tensors)


# ---------------------------------------------------------------- the methods


def lora(w, gen, dora=False, rslora=False):
    r, alpha = 4, 8
    scale = alpha / math.sqrt(r) if rslora else alpha / r
    targets = ["q_proj", "v_proj", "down_proj"]
    m = Adapted(w)
    t = {}
    for name, fin, fout in linear_names():
        if name.split(".")[-1] not in targets:
            continue
        A = kaiming_uniform((r, fin), gen)
        B = torch.randn(fout, r, generator=gen) * 0.2  # trained: nonzero
        t[PREFIX + name + ".lora_A.weight"] = A
        t[PREFIX + name + ".lora_B.weight"] = B
        if dora:
            W = w[name + ".weight"]
            norm0 = (W + scale * B @ A).norm(dim=1)
            mag = norm0 * (1 + 0.1 * torch.randn(fout, generator=gen))
            t[PREFIX + name + ".lora_magnitude_vector"] = mag

            def f(x, W, A=A, B=B, mag=mag):
                wn = (W + scale * B @ A).norm(dim=1)
                base = x @ W.T
                s = mag / wn
                return base + (s - 1) * base + s * (x @ A.T @ B.T) * scale

        else:

            def f(x, W, A=A, B=B):
                return x @ W.T + (x @ A.T @ B.T) * scale

        m.linear_fn[name] = f
    cfg = {
        "peft_type": "LORA",
        "r": r,
        "lora_alpha": alpha,
        "lora_dropout": 0.0,
        "target_modules": targets,
        "bias": "none",
        "use_rslora": rslora,
        "use_dora": dora,
        "fan_in_fan_out": False,
        "init_lora_weights": True,
        "modules_to_save": None,
        "layers_to_transform": None,
        "rank_pattern": {},
        "alpha_pattern": {},
    }
    return m, cfg, t


def ia3(w, gen):
    targets, ff = ["k_proj", "v_proj", "down_proj"], ["down_proj"]
    m = Adapted(w)
    t = {}
    for name, fin, fout in linear_names():
        leaf = name.split(".")[-1]
        if leaf not in targets:
            continue
        if leaf in ff:
            l = 1 + 0.3 * torch.randn(1, fin, generator=gen)
            m.linear_fn[name] = lambda x, W, l=l: (x * l.flatten()) @ W.T
        else:
            l = 1 + 0.3 * torch.randn(fout, 1, generator=gen)
            m.linear_fn[name] = lambda x, W, l=l: (x @ W.T) * l.flatten()
        t[PREFIX + name + ".ia3_l"] = l
    cfg = {"peft_type": "IA3", "target_modules": targets, "feedforward_modules": ff, "fan_in_fan_out": False, "init_ia3_weights": True}
    return m, cfg, t


def prompt_tuning(w, gen):
    P = 4
    m = Adapted(w)
    m.prompt = torch.randn(P, C, generator=gen)
    cfg = {
        "peft_type": "PROMPT_TUNING",
        "num_virtual_tokens": P,
        "token_dim": C,
        "num_transformer_submodules": 1,
        "num_attention_heads": H,
        "num_layers": L,
        "prompt_tuning_init": "RANDOM",
        "prompt_tuning_init_text": None,
        "tokenizer_name_or_path": None,
    }
    return m, cfg, {"prompt_embeddings": m.prompt}


def prefix_tuning(w, gen):
    P = 3
    token_dim = HKV * D  # PEFT's grouped-query sizing
    m = Adapted(w)
    emb = torch.randn(P, L * 2 * token_dim, generator=gen)
    # PEFT: view(P, 2L, Hkv, D), then layer l's key is entry 2l, value 2l+1
    kv = emb.view(P, 2 * L, HKV, D)
    m.prefix = [(kv[:, 2 * l], kv[:, 2 * l + 1]) for l in range(L)]
    cfg = {
        "peft_type": "PREFIX_TUNING",
        "num_virtual_tokens": P,
        "token_dim": token_dim,
        "num_transformer_submodules": 1,
        "num_attention_heads": HKV,
        "num_layers": L,
        "encoder_hidden_size": token_dim,
        "prefix_projection": False,
    }
    return m, cfg, {"prompt_embeddings": emb}


def p_tuning(w, gen):
    # Saved adapters hold the encoder's output (PEFT's get_prompt_embedding_to_save).
    P = 5
    m = Adapted(w)
    m.prompt = torch.randn(P, C, generator=gen)
    cfg = {
        "peft_type": "P_TUNING",
        "num_virtual_tokens": P,
        "token_dim": C,
        "num_transformer_submodules": 1,
        "num_attention_heads": H,
        "num_layers": L,
        "encoder_reparameterization_type": "MLP",
        "encoder_hidden_size": 24,
        "encoder_num_layers": 2,
        "encoder_dropout": 0.0,
    }
    return m, cfg, {"prompt_embeddings": m.prompt}


def ln_tuning(w, gen):
    m = Adapted(w)
    t = {}
    names = [f"model.layers.{l}.{n}" for l in range(L) for n in ("input_layernorm", "post_attention_layernorm")]
    names.append("model.norm")
    for n in names:
        nw = w[n + ".weight"] + 0.2 * torch.randn(C, generator=gen)
        m.norm_w[n] = nw
        t[PREFIX + n + ".ln_tuning_layers.weight"] = nw
    cfg = {"peft_type": "LN_TUNING", "target_modules": ["input_layernorm", "post_attention_layernorm", "norm"], "exclude_modules": None}
    return m, cfg, t


def bitfit(w, gen):
    m = Adapted(w)
    t = {}
    for name, fin, fout in linear_names():
        if name.split(".")[-1] not in ("q_proj", "v_proj"):
            continue
        b = 0.3 * torch.randn(fout, generator=gen)
        t[PREFIX + name + ".bias"] = b
        m.linear_fn[name] = lambda x, W, b=b: x @ W.T + b
    cfg = {"peft_type": "BITFIT", "target_modules": ["q_proj", "v_proj"]}
    return m, cfg, t


def vera(w, gen):
    r = 6
    targets = ["q_proj", "v_proj"]
    chosen = [(n, i, o) for n, i, o in linear_names() if n.split(".")[-1] in targets]
    max_in = max(i for _, i, _ in chosen)
    max_out = max(o for _, _, o in chosen)
    A = kaiming_uniform((r, max_in), gen)
    Bm = kaiming_uniform((max_out, r), gen)
    m = Adapted(w)
    t = {"base_model.vera_A": A, "base_model.vera_B": Bm}
    for name, fin, fout in chosen:
        lb = 0.5 * torch.randn(fout, generator=gen)
        ld = 0.1 + 0.5 * torch.randn(r, generator=gen)
        t[PREFIX + name + ".vera_lambda_b"] = lb
        t[PREFIX + name + ".vera_lambda_d"] = ld

        def f(x, W, lb=lb, ld=ld, fin=fin, fout=fout):
            return x @ W.T + lb * ((ld * (x @ A[:, :fin].T)) @ Bm[:fout, :].T)

        m.linear_fn[name] = f
    cfg = {
        "peft_type": "VERA",
        "r": r,
        "target_modules": targets,
        "projection_prng_key": 0,
        "save_projection": True,
        "vera_dropout": 0.0,
        "d_initial": 0.1,
        "fan_in_fan_out": False,
        "bias": "none",
    }
    return m, cfg, t


def loha(w, gen):
    r, alpha = 3, 6
    s = alpha / r
    targets = ["q_proj", "v_proj"]
    m = Adapted(w)
    t = {}
    for name, fin, fout in linear_names():
        if name.split(".")[-1] not in targets:
            continue
        w1a = 0.3 * torch.randn(fout, r, generator=gen)
        w1b = 0.3 * torch.randn(r, fin, generator=gen)
        w2a = 0.3 * torch.randn(fout, r, generator=gen)
        w2b = 0.3 * torch.randn(r, fin, generator=gen)
        for k, v in (("hada_w1_a", w1a), ("hada_w1_b", w1b), ("hada_w2_a", w2a), ("hada_w2_b", w2b)):
            t[PREFIX + name + "." + k] = v
        dw = (w1a @ w1b) * (w2a @ w2b) * s
        m.linear_fn[name] = lambda x, W, dw=dw: x @ (W + dw).T
    cfg = {"peft_type": "LOHA", "r": r, "alpha": alpha, "rank_dropout": 0.0, "module_dropout": 0.0, "target_modules": targets, "init_weights": True}
    return m, cfg, t


def factorization(dimension, factor=-1):
    if factor > 0 and dimension % factor == 0:
        return factor, dimension // factor
    if factor == -1:
        factor = dimension
    m, n = 1, dimension
    length = m + n
    while m < n:
        new_m = m + 1
        while dimension % new_m != 0:
            new_m += 1
        new_n = dimension // new_m
        if new_m + new_n > length or new_m > factor:
            break
        m, n = new_m, new_n
    if m > n:
        n, m = m, n
    return m, n


def lokr(w, gen):
    r, alpha = 2, 4
    s = alpha / r
    targets = ["q_proj", "v_proj", "down_proj"]
    m = Adapted(w)
    t = {}
    for name, fin, fout in linear_names():
        if name.split(".")[-1] not in targets:
            continue
        a, b = factorization(fout)
        c, d = factorization(fin)
        w1 = 0.3 * torch.randn(a, c, generator=gen)
        t[PREFIX + name + ".lokr_w1"] = w1
        if r >= max(b, d) / 2:
            w2 = 0.3 * torch.randn(b, d, generator=gen)
            t[PREFIX + name + ".lokr_w2"] = w2
        else:
            w2a = 0.3 * torch.randn(b, r, generator=gen)
            w2b = 0.3 * torch.randn(r, d, generator=gen)
            t[PREFIX + name + ".lokr_w2_a"] = w2a
            t[PREFIX + name + ".lokr_w2_b"] = w2b
            w2 = w2a @ w2b
        dw = torch.kron(w1, w2) * s
        m.linear_fn[name] = lambda x, W, dw=dw: x @ (W + dw).T
    cfg = {
        "peft_type": "LOKR",
        "r": r,
        "alpha": alpha,
        "rank_dropout": 0.0,
        "module_dropout": 0.0,
        "decompose_both": False,
        "decompose_factor": -1,
        "target_modules": targets,
        "init_weights": True,
    }
    return m, cfg, t


# ---------------------------------------------------------------- encoders


def encoders(gen):
    torch.manual_seed(7)
    t = {}
    P, Cd, Hd = 5, C, 24
    emb = torch.randn(P, Cd, generator=gen)
    t["input"] = emb
    mlp = torch.nn.Sequential(
        torch.nn.Linear(Cd, Hd), torch.nn.ReLU(), torch.nn.Linear(Hd, Hd), torch.nn.ReLU(), torch.nn.Linear(Hd, Cd)
    )
    for k, v in mlp.state_dict().items():
        t["mlp.mlp_head." + k] = v
    t["mlp.output"] = mlp(emb[None])[0]
    lstm = torch.nn.LSTM(input_size=Cd, hidden_size=Hd, num_layers=2, bidirectional=True, batch_first=True)
    head = torch.nn.Sequential(torch.nn.Linear(2 * Hd, 2 * Hd), torch.nn.ReLU(), torch.nn.Linear(2 * Hd, Cd))
    for k, v in lstm.state_dict().items():
        t["lstm.lstm_head." + k] = v
    for k, v in head.state_dict().items():
        t["lstm.mlp_head." + k] = v
    t["lstm.output"] = head(lstm(emb[None])[0])[0]
    td, eh = HKV * D, 20
    proj = torch.nn.Sequential(torch.nn.Linear(td, eh), torch.nn.Tanh(), torch.nn.Linear(eh, L * 2 * td))
    pin = torch.randn(3, td, generator=gen)
    t["prefix.input"] = pin
    for k, v in proj.state_dict().items():
        t["prefix.transform." + k] = v
    t["prefix.output"] = proj(pin[None])[0]
    return t


def main():
    gen = torch.Generator().manual_seed(20251128)
    os.makedirs(os.path.join(OUT, "model"), exist_ok=True)
    w = make_base(gen)
    with open(os.path.join(OUT, "model", "config.json"), "w") as f:
        json.dump(CFG, f, indent=2)
    save_safetensors(os.path.join(OUT, "model", "model.safetensors"), w)
    ids = torch.randint(3, V, (2, 7), generator=gen)
    expected = {"input_ids": ids, "base": Adapted(w).logprobs(ids)}
    methods = {
        "lora": lambda: lora(w, gen),
        "lora_rslora": lambda: lora(w, gen, rslora=True),
        "dora": lambda: lora(w, gen, dora=True),
        "ia3": lambda: ia3(w, gen),
        "prompt_tuning": lambda: prompt_tuning(w, gen),
        "prefix_tuning": lambda: prefix_tuning(w, gen),
        "p_tuning": lambda: p_tuning(w, gen),
        "ln_tuning": lambda: ln_tuning(w, gen),
        "bitfit": lambda: bitfit(w, gen),
        "vera": lambda: vera(w, gen),
        "loha": lambda: loha(w, gen),
        "lokr": lambda: lokr(w, gen),
    }
    with torch.no_grad():
        for name, make in methods.items():
            m, cfg, tensors = make()
            adapter_dir(name, cfg, tensors)
            expected[name] = m.logprobs(ids)
            diff = (expected[name] - expected["base"]).abs().max().item()
            print(f"{name:14s} max |Δ logprob| vs base = {diff:.4f}")
            assert diff > 1e-3, name + " does not change the model"
        save_safetensors(os.path.join(OUT, "expected.safetensors"), expected)
        save_safetensors(os.path.join(OUT, "encoders.safetensors"), encoders(gen))


if __name__ == "__main__":
    main()
