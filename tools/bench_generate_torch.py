#!/usr/bin/python3
"""PyTorch eager baseline for `peftbench bench generate` (Llama-family models).

Loads a HF model folder (config.json + model.safetensors, F32/BF16/F16 weights) into a plain
torch float32 Llama/Mistral/Qwen2/Qwen3 forward (HF "eager" attention: matmul + softmax), then
measures prefill and greedy decode with a KV cache exactly like the Java command: random prompt
ids (seeded), a short warm-up, the best of --repeats timed runs.

  /usr/bin/python3 tools/bench_generate_torch.py --model /tmp/smollm2 --prompt-tokens 128 \
      --new-tokens 64 --threads 2 [--weights-dtype bf16] --json

--weights-dtype bf16 keeps the weights in bfloat16 and computes in bfloat16 (torch's CPU BF16
path); the default float32 computes in float32 like the Java engine.
"""
import argparse
import json
import math
import os
import struct
import sys
import time

import torch

DTYPES = {"F32": torch.float32, "BF16": torch.bfloat16, "F16": torch.float16}


def load_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        b, e = info["data_offsets"]
        dt = DTYPES[info["dtype"]]
        out[name] = torch.frombuffer(bytearray(data[b:e]), dtype=dt).reshape(info["shape"])
    return out


class Llama:
    def __init__(self, cfg, w, dtype):
        self.cfg = cfg
        self.w = {k: v.to(dtype) for k, v in w.items()}
        self.dtype = dtype
        c = cfg["hidden_size"]
        self.hq = cfg["num_attention_heads"]
        self.hkv = cfg.get("num_key_value_heads", self.hq)
        self.d = cfg.get("head_dim") or c // self.hq
        self.eps = cfg.get("rms_norm_eps", 1e-6)
        rp = cfg.get("rope_parameters") or {}
        theta = rp.get("rope_theta", cfg.get("rope_theta", 10000.0))
        self.inv_freq = 1.0 / (theta ** (torch.arange(0, self.d, 2).float() / self.d))
        self.qwen3 = cfg["architectures"][0] == "Qwen3ForCausalLM"
        self.head = self.w["model.embed_tokens.weight"] if cfg.get("tie_word_embeddings") else self.w["lm_head.weight"]

    def rms(self, x, w):
        x32 = x.float()
        return (x32 * torch.rsqrt(x32.pow(2).mean(-1, keepdim=True) + self.eps)).to(self.dtype) * w

    def lin(self, name, x):
        return torch.nn.functional.linear(x, self.w[name + ".weight"], self.w.get(name + ".bias"))

    def rope(self, x, pos):
        f = pos.float()[:, None] * self.inv_freq[None, :]
        emb = torch.cat([f, f], -1)
        cos, sin = emb.cos().to(self.dtype)[None, :, None, :], emb.sin().to(self.dtype)[None, :, None, :]
        h = self.d // 2
        rot = torch.cat([-x[..., h:], x[..., :h]], -1)
        return x * cos + rot * sin

    def forward(self, ids, cache, start):
        """ids [B,T]; cache: list of (k, v) [B, Hkv, S, D] or None; returns last logits."""
        b, t = ids.shape
        x = self.w["model.embed_tokens.weight"][ids]
        pos = torch.arange(start, start + t)
        rep = self.hq // self.hkv
        new_cache = []
        for i in range(self.cfg["num_hidden_layers"]):
            p = f"model.layers.{i}."
            h = self.rms(x, self.w[p + "input_layernorm.weight"])
            q = self.lin(p + "self_attn.q_proj", h).view(b, t, self.hq, self.d)
            k = self.lin(p + "self_attn.k_proj", h).view(b, t, self.hkv, self.d)
            v = self.lin(p + "self_attn.v_proj", h).view(b, t, self.hkv, self.d)
            if self.qwen3:
                q = self.rms(q, self.w[p + "self_attn.q_norm.weight"])
                k = self.rms(k, self.w[p + "self_attn.k_norm.weight"])
            q, k = self.rope(q, pos), self.rope(k, pos)
            q, k, v = q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2)
            if cache is not None:
                k = torch.cat([cache[i][0], k], 2)
                v = torch.cat([cache[i][1], v], 2)
            new_cache.append((k, v))
            kr, vr = k.repeat_interleave(rep, 1), v.repeat_interleave(rep, 1)
            s = q @ kr.transpose(-1, -2) / math.sqrt(self.d)
            if t > 1:
                s = s + torch.full((t, k.shape[2]), float("-inf")).triu(k.shape[2] - t + 1).to(s.dtype)
            a = torch.softmax(s.float(), -1).to(self.dtype) @ vr
            a = a.transpose(1, 2).reshape(b, t, self.hq * self.d)
            x = x + self.lin(p + "self_attn.o_proj", a)
            h = self.rms(x, self.w[p + "post_attention_layernorm.weight"])
            x = x + self.lin(p + "mlp.down_proj", torch.nn.functional.silu(self.lin(p + "mlp.gate_proj", h)) * self.lin(p + "mlp.up_proj", h))
        x = self.rms(x[:, -1:], self.w["model.norm.weight"])
        return (x @ self.head.T)[:, -1], new_cache


def generate(model, prompt, new_tokens):
    t0 = time.perf_counter()
    logits, cache = model.forward(prompt, None, 0)
    t1 = time.perf_counter()
    nxt = logits.argmax(-1, keepdim=True)
    pos = prompt.shape[1]
    steps = 0
    for _ in range(new_tokens - 1):
        logits, cache = model.forward(nxt, cache, pos)
        nxt = logits.argmax(-1, keepdim=True)
        pos += 1
        steps += 1
    t2 = time.perf_counter()
    return t1 - t0, steps, t2 - t1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--prompt-tokens", type=int, default=128)
    ap.add_argument("--new-tokens", type=int, default=64)
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--weights-dtype", choices=["f32", "bf16"], default="f32")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    with open(os.path.join(a.model, "config.json")) as f:
        cfg = json.load(f)
    if cfg["architectures"][0] not in ("LlamaForCausalLM", "MistralForCausalLM", "Qwen2ForCausalLM", "Qwen3ForCausalLM"):
        sys.exit("only Llama-family models: " + cfg["architectures"][0])
    dtype = torch.float32 if a.weights_dtype == "f32" else torch.bfloat16
    model = Llama(cfg, load_safetensors(os.path.join(a.model, "model.safetensors")), dtype)
    g = torch.Generator().manual_seed(a.seed)
    prompt = torch.randint(0, cfg["vocab_size"], (a.batch, a.prompt_tokens), generator=g)
    best_prefill = best_decode = 0.0
    with torch.inference_mode():
        generate(model, prompt[:1, : min(16, a.prompt_tokens)], min(4, a.new_tokens))  # warm-up
        for _ in range(a.repeats):
            pt, steps, dt = generate(model, prompt, a.new_tokens)
            best_prefill = max(best_prefill, a.batch * a.prompt_tokens / pt)
            best_decode = max(best_decode, a.batch * steps / dt if steps else 0.0)
    result = {
        "engine": "pytorch-eager",
        "torch": torch.__version__,
        "dtype": a.weights_dtype.upper(),
        "threads": a.threads,
        "batch": a.batch,
        "prompt_tokens": a.prompt_tokens,
        "new_tokens": a.new_tokens,
        "prefill_tokens_per_s": best_prefill,
        "decode_tokens_per_s": best_decode,
    }
    print(json.dumps(result) if a.json else result)


if __name__ == "__main__":
    main()
