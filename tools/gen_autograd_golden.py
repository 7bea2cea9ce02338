#!/usr/bin/python3
"""Golden fixture for the autograd module: one Llama-style transformer block with LoRA adapters on
q_proj and v_proj, trained a few steps in PyTorch (float32) with AdamW, a cosine schedule with
warmup (HF formula), global gradient-norm clipping and gradient accumulation.

Writes autograd/src/test/resources/golden/lora_block.json with the initial weights, the batches,
the per-micro-batch losses, the per-step gradient norms and learning rates, and the final
trainable parameters. The Java test (TrainingGoldenTest) rebuilds the same network with Ops and
must match. Run once with Debian's python3-torch:  /usr/bin/python3 tools/gen_autograd_golden.py
"""
import json
import math
import os

import torch

torch.manual_seed(0)
DT = torch.float32

V, C, HQ, HKV, D, F, T, B = 11, 16, 4, 2, 4, 24, 6, 2
R, ALPHA = 2, 4.0
EPS = 1e-5
THETA = 10000.0
LR, WD, BETAS, ADAM_EPS = 1e-2, 0.01, (0.9, 0.999), 1e-8
STEPS, ACCUM, WARMUP, MAX_NORM = 4, 2, 1, 0.5


def rand(*shape, scale=0.5):
    return (torch.rand(*shape, dtype=DT) * 2 - 1) * scale


frozen = {
    "embed": rand(V, C),
    "wq": rand(HQ * D, C), "wk": rand(HKV * D, C), "wv": rand(HKV * D, C), "wo": rand(C, HQ * D),
    "wg": rand(F, C), "wu": rand(F, C), "wd": rand(C, F), "lm_head": rand(V, C),
}
trainable = {
    "norm1": 1 + rand(C, scale=0.1), "norm2": 1 + rand(C, scale=0.1),
    "normf": 1 + rand(C, scale=0.1),
    "q_lora_a": rand(R, C), "q_lora_b": rand(HQ * D, R, scale=0.05),
    "v_lora_a": rand(R, C), "v_lora_b": rand(HKV * D, R, scale=0.05),
}
init = {k: v.clone() for k, v in {**frozen, **trainable}.items()}
params = {k: torch.nn.Parameter(v.clone()) for k, v in trainable.items()}

# batches: STEPS * ACCUM micro-batches of [B, T] ids and targets (some ignored)
batches = []
g = torch.Generator().manual_seed(1)
for _ in range(STEPS * ACCUM):
    ids = torch.randint(0, V, (B, T), generator=g)
    targets = torch.randint(0, V, (B, T), generator=g)
    targets[0, 0] = -100
    targets[1, 2] = -100
    batches.append((ids, targets))

inv_freq = 1.0 / (THETA ** (torch.arange(0, D, 2, dtype=torch.int64).float() / D))


def rope(x, pos):  # x [B,T,H,D]
    freqs = torch.outer(pos.float(), inv_freq)  # [T, D/2]
    emb = torch.cat((freqs, freqs), dim=-1)
    cos, sin = emb.cos()[None, :, None, :], emb.sin()[None, :, None, :]
    x1, x2 = x[..., : D // 2], x[..., D // 2:]
    rot = torch.cat((-x2, x1), dim=-1)
    return x * cos + rot * sin


def rms(x, w):
    var = x.pow(2).mean(-1, keepdim=True)
    return w * (x * torch.rsqrt(var + EPS))


def forward(ids, targets):
    h = frozen["embed"][ids]  # [B,T,C]
    x = rms(h, params["norm1"])
    scale = ALPHA / R
    q = x @ frozen["wq"].T + (x @ params["q_lora_a"].T) @ params["q_lora_b"].T * scale
    k = x @ frozen["wk"].T
    v = x @ frozen["wv"].T + (x @ params["v_lora_a"].T) @ params["v_lora_b"].T * scale
    q, k, v = q.view(B, T, HQ, D), k.view(B, T, HKV, D), v.view(B, T, HKV, D)
    pos = torch.arange(T)
    q, k = rope(q, pos), rope(k, pos)
    group = HQ // HKV
    k = k.repeat_interleave(group, dim=2)
    v = v.repeat_interleave(group, dim=2)
    qt, kt, vt = q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2)  # [B,H,T,D]
    scores = qt @ kt.transpose(-1, -2) / math.sqrt(D)
    causal = torch.triu(torch.ones(T, T, dtype=torch.bool), 1)
    scores = scores.masked_fill(causal, float("-inf"))
    att = torch.softmax(scores, dim=-1) @ vt  # [B,H,T,D]
    att = att.transpose(1, 2).reshape(B, T, HQ * D)
    h2 = h + att @ frozen["wo"].T
    x2 = rms(h2, params["norm2"])
    mlp = (torch.nn.functional.silu(x2 @ frozen["wg"].T) * (x2 @ frozen["wu"].T)) @ frozen["wd"].T
    h3 = h2 + mlp
    logits = rms(h3, params["normf"]) @ frozen["lm_head"].T
    return torch.nn.functional.cross_entropy(
        logits.view(-1, V), targets.view(-1), ignore_index=-100)


def cosine_lambda(step):  # transformers.get_cosine_schedule_with_warmup, num_cycles=0.5
    if step < WARMUP:
        return float(step) / float(max(1, WARMUP))
    progress = float(step - WARMUP) / float(max(1, STEPS - WARMUP))
    return max(0.0, 0.5 * (1.0 + math.cos(math.pi * 0.5 * 2.0 * progress)))


opt = torch.optim.AdamW(list(params.values()), lr=LR, betas=BETAS, eps=ADAM_EPS, weight_decay=WD)
sched = torch.optim.lr_scheduler.LambdaLR(opt, cosine_lambda)
losses, norms, lrs = [], [], []
for step in range(STEPS):
    for micro in range(ACCUM):
        ids, targets = batches[step * ACCUM + micro]
        loss = forward(ids, targets)
        losses.append(loss.item())
        (loss / ACCUM).backward()
    norms.append(torch.nn.utils.clip_grad_norm_(list(params.values()), MAX_NORM).item())
    lrs.append(opt.param_groups[0]["lr"])
    opt.step()
    sched.step()
    opt.zero_grad()


def flat(t):
    return {"shape": list(t.shape), "data": [float(x) for x in t.detach().reshape(-1).tolist()]}


fixture = {
    "generator": "tools/gen_autograd_golden.py",
    "torch": torch.__version__,
    "config": {"V": V, "C": C, "HQ": HQ, "HKV": HKV, "D": D, "F": F, "T": T, "B": B, "R": R,
               "alpha": ALPHA, "eps": EPS, "theta": THETA, "lr": LR, "weight_decay": WD,
               "beta1": BETAS[0], "beta2": BETAS[1], "adam_eps": ADAM_EPS, "steps": STEPS,
               "accum": ACCUM, "warmup": WARMUP, "max_norm": MAX_NORM},
    "init": {k: flat(v) for k, v in init.items()},
    "batches": [{"ids": i.reshape(-1).tolist(), "targets": t.reshape(-1).tolist()}
                for i, t in batches],
    "losses": losses,
    "grad_norms": norms,
    "lrs": lrs,
    "final": {k: flat(v) for k, v in params.items()},
}
out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "autograd", "src", "test",
                   "resources", "golden", "lora_block.json")
with open(out, "w") as f:
    json.dump(fixture, f)
print("wrote", os.path.normpath(out), "losses", losses, "norms", norms, "lrs", lrs)


# ---- second fixture: optimizer updates on fixed gradient sequences (optimizers.json)
def run_optimizer(make, p0, grads):
    p = torch.nn.Parameter(p0.clone())
    opt = make([p])
    lrs = [0.1, 0.05, 0.02, 0.08, 0.03]
    out = []
    for i, gr in enumerate(grads):
        for group in opt.param_groups:
            group["lr"] = lrs[i]
        p.grad = gr.clone()
        opt.step()
        out.append(flat(p))
    return {"lrs": lrs[: len(grads)], "after_each_step": out}


g2 = torch.Generator().manual_seed(2)
p0 = torch.rand(3, 4, generator=g2, dtype=DT) * 2 - 1
grads = [torch.randn(3, 4, generator=g2, dtype=DT) * s for s in (1.0, 0.1, 3.0, 1e-3, 0.5)]
optim_fixture = {
    "generator": "tools/gen_autograd_golden.py",
    "torch": torch.__version__,
    "init": flat(p0),
    "grads": [flat(x) for x in grads],
    "adamw": run_optimizer(
        lambda ps: torch.optim.AdamW(ps, lr=0.1, betas=(0.8, 0.95), eps=1e-6, weight_decay=0.1),
        p0, grads),
    "sgd_momentum": run_optimizer(
        lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9, dampening=0.1, weight_decay=0.01),
        p0, grads),
    "sgd_nesterov": run_optimizer(
        lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True), p0, grads),
    "sgd_plain": run_optimizer(lambda ps: torch.optim.SGD(ps, lr=0.1), p0, grads),
}
out2 = os.path.join(os.path.dirname(out), "optimizers.json")
with open(out2, "w") as f:
    json.dump(optim_fixture, f)
print("wrote", os.path.normpath(out2))


# ---- third fixture: torch.nn.LSTM (bidirectional, batch_first) outputs and input gradients
torch.manual_seed(3)
lstm = torch.nn.LSTM(input_size=3, hidden_size=4, num_layers=1, bidirectional=True,
                     batch_first=True)
lx = torch.randn(2, 5, 3, requires_grad=True)
lout, _ = lstm(lx)  # [B, T, 2H]
lweights = torch.randn(lout.shape)
(lout * lweights).sum().backward()
lstm_fixture = {
    "generator": "tools/gen_autograd_golden.py",
    "torch": torch.__version__,
    "x": flat(lx),
    "out": flat(lout),
    "out_weights": flat(lweights),
    "x_grad": flat(lx.grad),
    "params": {name: flat(p) for name, p in lstm.named_parameters()},
    "param_grads": {name: flat(p.grad) for name, p in lstm.named_parameters()},
}
out3 = os.path.join(os.path.dirname(out), "lstm.json")
with open(out3, "w") as f:
    json.dump(lstm_fixture, f)
print("wrote", os.path.normpath(out3), list(lstm_fixture["params"].keys()))
