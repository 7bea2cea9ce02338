#!/usr/bin/python3
"""PyTorch eager baseline for `peftbench bench train`: the same LoRA training step.

A minimal Llama forward written here with torch ops (no transformers / peft packages): frozen base
weights loaded from the model folder's model.safetensors (computed in float32), LoRA (r, alpha) on
q,k,v,o,gate,up,down as PEFT defines it (y = x·Wᵀ + (x·Aᵀ·Bᵀ)·alpha/r, A Kaiming-uniform, B = 0),
HF eager attention (matmul + causal mask + softmax), the mean next-token cross-entropy over all
B·T·V logits (what transformers does), backward, global-norm clipping to 1.0 and AdamW over the
LoRA parameters. Random token ids (seeded) are inputs and labels, as in the Java command.

  /usr/bin/python3 bench/torch_lora_step.py --model /tmp/smollm2 --batch 4 --seq 256 \
      --steps 3 --warmup 1 --threads 1 --json

Prints tokens/s, seconds per step (mean of the timed steps) and the peak RSS of the process.
"""
import argparse
import json
import math
import os
import resource
import struct
import sys
import time

import torch
import torch.nn.functional as F

DTYPES = {"F32": torch.float32, "BF16": torch.bfloat16, "F16": torch.float16}
TARGETS = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")


def load_safetensors(path):
    """name -> float32 tensor (one copy per weight: torch.frombuffer over a private buffer)."""
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        base = 8 + n
        out = {}
        for name, info in header.items():
            if name == "__metadata__":
                continue
            b, e = info["data_offsets"]
            f.seek(base + b)
            buf = bytearray(f.read(e - b))
            t = torch.frombuffer(buf, dtype=DTYPES[info["dtype"]]).reshape(info["shape"])
            out[name] = t if t.dtype == torch.float32 else t.float()
    return out


class LoraLlama:
    def __init__(self, cfg, w, r, alpha, seed):
        self.cfg, self.w = cfg, w
        c = cfg["hidden_size"]
        self.hq = cfg["num_attention_heads"]
        self.hkv = cfg.get("num_key_value_heads", self.hq)
        self.d = cfg.get("head_dim") or c // self.hq
        self.eps = cfg.get("rms_norm_eps", 1e-6)
        rp = cfg.get("rope_parameters") or {}
        theta = rp.get("rope_theta", cfg.get("rope_theta", 10000.0))
        self.inv_freq = 1.0 / (theta ** (torch.arange(0, self.d, 2).float() / self.d))
        self.head = w["model.embed_tokens.weight"] if cfg.get("tie_word_embeddings") else w["lm_head.weight"]
        self.scaling = alpha / r
        g = torch.Generator().manual_seed(seed)
        self.lora = {}
        for i in range(cfg["num_hidden_layers"]):
            for mod in TARGETS:
                sub = "self_attn" if mod.endswith(("q_proj", "k_proj", "v_proj", "o_proj")) else "mlp"
                name = f"model.layers.{i}.{sub}.{mod}"
                out_f, in_f = w[name + ".weight"].shape
                bound = 1.0 / math.sqrt(in_f)  # kaiming_uniform_(a=sqrt(5)) as nn.Linear / PEFT
                a = (torch.rand(r, in_f, generator=g) * 2 - 1) * bound
                self.lora[name] = (a.requires_grad_(), torch.zeros(out_f, r, requires_grad=True))

    def params(self):
        return [p for ab in self.lora.values() for p in ab]

    def rms(self, x, w):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * w

    def lin(self, name, x):
        y = F.linear(x, self.w[name + ".weight"])
        if name in self.lora:
            a, b = self.lora[name]
            y = y + F.linear(F.linear(x, a), b) * self.scaling
        return y

    def rope(self, x, cos, sin):
        h = self.d // 2
        return x * cos + torch.cat([-x[..., h:], x[..., :h]], -1) * sin

    def loss(self, ids):
        b, t = ids.shape
        x = self.w["model.embed_tokens.weight"][ids]
        f = torch.arange(t).float()[:, None] * self.inv_freq[None, :]
        emb = torch.cat([f, f], -1)
        cos, sin = emb.cos()[None, None], emb.sin()[None, None]
        mask = torch.full((t, t), float("-inf")).triu(1)
        rep = self.hq // self.hkv
        for i in range(self.cfg["num_hidden_layers"]):
            p = f"model.layers.{i}."
            h = self.rms(x, self.w[p + "input_layernorm.weight"])
            q = self.lin(p + "self_attn.q_proj", h).view(b, t, self.hq, self.d).transpose(1, 2)
            k = self.lin(p + "self_attn.k_proj", h).view(b, t, self.hkv, self.d).transpose(1, 2)
            v = self.lin(p + "self_attn.v_proj", h).view(b, t, self.hkv, self.d).transpose(1, 2)
            q, k = self.rope(q, cos, sin), self.rope(k, cos, sin)
            k, v = k.repeat_interleave(rep, 1), v.repeat_interleave(rep, 1)
            s = q @ k.transpose(-1, -2) / math.sqrt(self.d) + mask
            a = (torch.softmax(s, -1) @ v).transpose(1, 2).reshape(b, t, self.hq * self.d)
            x = x + self.lin(p + "self_attn.o_proj", a)
            h = self.rms(x, self.w[p + "post_attention_layernorm.weight"])
            gate, up = self.lin(p + "mlp.gate_proj", h), self.lin(p + "mlp.up_proj", h)
            x = x + self.lin(p + "mlp.down_proj", F.silu(gate) * up)
        x = self.rms(x, self.w["model.norm.weight"])
        logits = x @ self.head.T  # [B, T, V]
        v = logits.shape[-1]
        return F.cross_entropy(logits[:, :-1].reshape(-1, v), ids[:, 1:].reshape(-1))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--seq", type=int, default=256)
    ap.add_argument("--steps", type=int, default=3)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--r", type=int, default=16)
    ap.add_argument("--alpha", type=float, default=32)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    with open(os.path.join(a.model, "config.json")) as f:
        cfg = json.load(f)
    if cfg["architectures"][0] not in ("LlamaForCausalLM", "MistralForCausalLM"):
        sys.exit("only Llama/Mistral models: " + cfg["architectures"][0])
    model = LoraLlama(cfg, load_safetensors(os.path.join(a.model, "model.safetensors")), a.r, a.alpha, a.seed)
    params = model.params()
    opt = torch.optim.AdamW(params, lr=1e-4, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0)
    g = torch.Generator().manual_seed(a.seed)
    timed, loss = 0.0, float("nan")
    for s in range(a.warmup + a.steps):
        ids = torch.randint(0, cfg["vocab_size"], (a.batch, a.seq), generator=g)
        t0 = time.perf_counter()
        l = model.loss(ids)
        loss = l.item()
        l.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        opt.zero_grad(set_to_none=True)
        if s >= a.warmup:
            timed += time.perf_counter() - t0
    sps = timed / a.steps
    result = {
        "engine": "pytorch-eager",
        "torch": torch.__version__,
        "threads": a.threads,
        "batch": a.batch,
        "seq": a.seq,
        "steps": a.steps,
        "tokens_per_second": a.batch * a.seq / sps,
        "seconds_per_step": sps,
        "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        "trainable_params": sum(p.numel() for p in params),
        "last_loss": loss,
    }
    print(json.dumps(result) if a.json else result)


if __name__ == "__main__":
    main()
