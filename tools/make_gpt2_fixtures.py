#!/usr/bin/python3
"""make_gpt2_fixtures.py: tiny GPT-2 checkpoints with seeded random weights, in every file
format vkgpt reads, and the logits and greedy continuations a correct forward pass gives.

Run from the repository root (Debian's python3 with python3-torch and python3-numpy):

    tools/make_gpt2_fixtures.py [--out tests/fixtures/gpt2]

What it writes (tests/fixtures/gpt2/README.md describes the layout):
  <model>-<variant>/            a Hugging Face model folder: config.json + weights
  <model>[-f16].expected.json   the reference outputs for those weights

The reference is a GPT-2 forward pass written out term by term as Hugging Face's
GPT2LMHeadModel computes it (Conv1D weights stored [in, out], fused QKV, scale 1/sqrt(head
size), causal mask, pre-LayerNorm blocks, gelu_new, final ln_f, LM head tied to wte unless
lm_head.weight exists), evaluated in float64 on the stored weights. A second, independent
formulation with torch.nn.functional checks it on every case.
"""

import argparse
import collections
import json
import math
import os
import shutil
import struct

import numpy as np
import torch
import torch.nn.functional as F

N_GREEDY = 8
MIN_MARGIN = 1e-3  # smallest top-1 minus top-2 logit gap allowed in a greedy step

# name -> hyper-parameters and how the checkpoint is laid out
MODELS = {
    "tiny2": dict(seed=1, n_layer=2, n_embd=32, n_head=4, vocab_size=96, n_positions=64,
                  tied=True),
    # Width 24 (head size 8) and vocabulary 260 are not powers of two: tile edges matter.
    "tiny3": dict(seed=2, n_layer=3, n_embd=24, n_head=3, vocab_size=260, n_positions=40,
                  tied=False),
}


# ---- Weights -------------------------------------------------------------------------------

def make_weights(m):
    """Seeded float32 weights under GPT-2's names without the "transformer." prefix.

    Scales are larger than GPT-2's initialisation so that logits spread over several units
    and greedy choices are not near-ties; wte is small next to wpe and the blocks' outputs,
    so that a tied head does not simply predict the last token again (with wte at 0.5 and
    projections at 0.5/sqrt(fan_in) every greedy continuation repeated one token). LayerNorm
    gains and all biases are non-trivial."""
    rng = np.random.default_rng(m["seed"])
    E, L, V, P = m["n_embd"], m["n_layer"], m["vocab_size"], m["n_positions"]
    inner = 4 * E

    def normal(shape, std, mean=0.0):
        return (mean + std * rng.standard_normal(shape)).astype(np.float32)

    w = collections.OrderedDict()
    w["wte.weight"] = normal((V, E), 0.3)
    w["wpe.weight"] = normal((P, E), 1.0)
    for i in range(L):
        p = f"h.{i}."
        w[p + "ln_1.weight"] = normal((E,), 0.1, 1.0)
        w[p + "ln_1.bias"] = normal((E,), 0.1)
        w[p + "attn.c_attn.weight"] = normal((E, 3 * E), 1.0 / math.sqrt(E))
        w[p + "attn.c_attn.bias"] = normal((3 * E,), 0.1)
        w[p + "attn.c_proj.weight"] = normal((E, E), 1.0 / math.sqrt(E))
        w[p + "attn.c_proj.bias"] = normal((E,), 0.1)
        w[p + "ln_2.weight"] = normal((E,), 0.1, 1.0)
        w[p + "ln_2.bias"] = normal((E,), 0.1)
        w[p + "mlp.c_fc.weight"] = normal((E, inner), 1.0 / math.sqrt(E))
        w[p + "mlp.c_fc.bias"] = normal((inner,), 0.1)
        w[p + "mlp.c_proj.weight"] = normal((inner, E), 1.0 / math.sqrt(inner))
        w[p + "mlp.c_proj.bias"] = normal((E,), 0.1)
    w["ln_f.weight"] = normal((E,), 0.1, 1.0)
    w["ln_f.bias"] = normal((E,), 0.1)
    if not m["tied"]:
        w["lm_head.weight"] = normal((V, E), 0.3)
    return w


def to_f16(w):
    return collections.OrderedDict((k, v.astype(np.float16)) for k, v in w.items())


def prefixed(w):
    """Hugging Face's GPT2LMHeadModel names: the body under "transformer.", the head not."""
    return collections.OrderedDict(
        (k if k.startswith("lm_head.") else "transformer." + k, v) for k, v in w.items())


# ---- Reference forward pass (float64) ------------------------------------------------------

def gelu_new(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x.pow(3.0))))


def layer_norm(x, gain, bias, eps):
    mean = x.mean(dim=-1, keepdim=True)
    var = (x - mean).pow(2).mean(dim=-1, keepdim=True)  # biased, as nn.LayerNorm
    return (x - mean) / torch.sqrt(var + eps) * gain + bias


def attention(x, W, p, m):
    """x: [T, E] -> [T, E]; one block's causal self-attention."""
    T, E, H = x.shape[0], m["n_embd"], m["n_head"]
    D = E // H
    qkv = x @ W[p + "attn.c_attn.weight"] + W[p + "attn.c_attn.bias"]  # Conv1D: [T, 3E]
    q, k, v = qkv.split(E, dim=-1)
    q, k, v = (t.reshape(T, H, D).transpose(0, 1) for t in (q, k, v))  # [H, T, D]
    scores = (q @ k.transpose(-1, -2)) / math.sqrt(D)  # [H, T, T]
    future = torch.triu(torch.ones(T, T, dtype=torch.bool), diagonal=1)
    scores = scores.masked_fill(future, torch.finfo(scores.dtype).min)
    probs = torch.softmax(scores, dim=-1)
    out = (probs @ v).transpose(0, 1).reshape(T, E)  # heads merged back: [T, E]
    return out @ W[p + "attn.c_proj.weight"] + W[p + "attn.c_proj.bias"]


def mlp(x, W, p):
    hidden = gelu_new(x @ W[p + "mlp.c_fc.weight"] + W[p + "mlp.c_fc.bias"])  # [T, 4E]
    return hidden @ W[p + "mlp.c_proj.weight"] + W[p + "mlp.c_proj.bias"]


def forward(W, m, ids):
    """ids: list of T token ids -> logits [T, V], float64."""
    eps = 1e-5
    T = len(ids)
    h = W["wte.weight"][ids] + W["wpe.weight"][:T]  # [T, E]
    for i in range(m["n_layer"]):
        p = f"h.{i}."
        h = h + attention(layer_norm(h, W[p + "ln_1.weight"], W[p + "ln_1.bias"], eps), W, p, m)
        h = h + mlp(layer_norm(h, W[p + "ln_2.weight"], W[p + "ln_2.bias"], eps), W, p)
    h = layer_norm(h, W["ln_f.weight"], W["ln_f.bias"], eps)
    head = W.get("lm_head.weight", W["wte.weight"])  # [V, E]
    return h @ head.T


def forward_functional(W, m, ids):
    """The same model through torch.nn.functional, as a check on forward()."""
    T, E, H = len(ids), m["n_embd"], m["n_head"]
    D = E // H
    h = F.embedding(torch.tensor(ids), W["wte.weight"]) + W["wpe.weight"][:T]
    mask = torch.full((T, T), float("-inf"), dtype=torch.float64).triu(1)
    for i in range(m["n_layer"]):
        p = f"h.{i}."
        a = F.layer_norm(h, (E,), W[p + "ln_1.weight"], W[p + "ln_1.bias"], 1e-5)
        qkv = F.linear(a, W[p + "attn.c_attn.weight"].T, W[p + "attn.c_attn.bias"])
        q, k, v = (t.view(T, H, D).permute(1, 0, 2) for t in qkv.chunk(3, dim=-1))
        probs = F.softmax(torch.einsum("htd,hsd->hts", q, k) * D ** -0.5 + mask, dim=-1)
        att = torch.einsum("hts,hsd->thd", probs, v).reshape(T, E)
        h = h + F.linear(att, W[p + "attn.c_proj.weight"].T, W[p + "attn.c_proj.bias"])
        a = F.layer_norm(h, (E,), W[p + "ln_2.weight"], W[p + "ln_2.bias"], 1e-5)
        a = F.gelu(F.linear(a, W[p + "mlp.c_fc.weight"].T, W[p + "mlp.c_fc.bias"]),
                   approximate="tanh")
        h = h + F.linear(a, W[p + "mlp.c_proj.weight"].T, W[p + "mlp.c_proj.bias"])
    h = F.layer_norm(h, (E,), W["ln_f.weight"], W["ln_f.bias"], 1e-5)
    return F.linear(h, W.get("lm_head.weight", W["wte.weight"]))


def checked_forward(W, m, ids):
    logits = forward(W, m, ids)
    other = forward_functional(W, m, ids)
    diff = (logits - other).abs().max().item()
    assert diff < 1e-9, f"the two reference formulations differ by {diff}"
    return logits


def greedy(W, m, prompt, eos):
    """N_GREEDY argmax steps, each a full recomputation; returns ids and the smallest gap
    between the best and second-best logit."""
    ids, margin = list(prompt), math.inf
    for _ in range(N_GREEDY):
        last = checked_forward(W, m, ids)[-1]
        top2 = torch.topk(last, 2).values
        margin = min(margin, (top2[0] - top2[1]).item())
        ids.append(int(torch.argmax(last)))
    new = ids[len(prompt):]
    return new, margin, eos in new


# ---- Expected outputs ----------------------------------------------------------------------

def rounded(values):
    """10 significant digits: far below the 1e-4 relative tolerance, half the bytes."""
    return [float(f"{v:.10g}") for v in values]


def choose_prompts(W, m, rng, eos):
    """Prompts of a few lengths whose greedy continuations have clear winners and no eos."""
    chosen = []
    for length in (1, 4, 11, 23):
        for _attempt in range(200):
            prompt = [int(t) for t in rng.integers(0, m["vocab_size"] - 1, size=length)]
            ids, margin, hit_eos = greedy(W, m, prompt, eos)
            if margin >= MIN_MARGIN and not hit_eos:
                chosen.append((prompt, ids, margin))
                break
        else:
            raise SystemExit(f"no prompt of length {length} with clear greedy steps")
    return chosen


def expected(name, m, weights, dtype_name):
    W = {k: torch.from_numpy(v.astype(np.float64)) for k, v in weights.items()}
    eos = m["vocab_size"] - 1
    rng = np.random.default_rng(1000 + m["seed"])
    cases = []
    for prompt, ids, margin in choose_prompts(W, m, rng, eos):
        logits = checked_forward(W, m, prompt)
        cases.append({"prompt": prompt, "last_logits": rounded(logits[-1].tolist()),
                      "greedy": ids, "greedy_min_margin": round(margin, 6)})
    full = cases[2]["prompt"]
    all_positions = checked_forward(W, m, full)
    return {
        "model": name,
        "weights_dtype": dtype_name,
        "reference": "float64 GPT-2 forward pass (GPT2LMHeadModel term by term) on the stored "
                     "weights; greedy = argmax with full recomputation, not stopped at eos",
        "hparams": {k: m[k] for k in ("n_layer", "n_embd", "n_head", "vocab_size",
                                      "n_positions")},
        "layer_norm_epsilon": 1e-5,
        "tied_lm_head": m["tied"],
        "cases": cases,
        "all_positions": {"prompt": full,
                          "logits": [rounded(row) for row in all_positions.tolist()]},
    }


# ---- Files ---------------------------------------------------------------------------------

def config_json(m, dtype_name):
    return {
        "architectures": ["GPT2LMHeadModel"],
        "model_type": "gpt2",
        "activation_function": "gelu_new",
        "n_layer": m["n_layer"], "n_embd": m["n_embd"], "n_head": m["n_head"],
        "n_positions": m["n_positions"], "n_ctx": m["n_positions"], "n_inner": None,
        "vocab_size": m["vocab_size"], "layer_norm_epsilon": 1e-5,
        "bos_token_id": m["vocab_size"] - 1, "eos_token_id": m["vocab_size"] - 1,
        "tie_word_embeddings": m["tied"],
        "torch_dtype": "float16" if dtype_name == "F16" else "float32",
    }


def write_json(path, obj):
    with open(path, "w") as f:
        json.dump(obj, f, indent=1)
        f.write("\n")


def safetensors_bytes(tensors):
    """The safetensors layout: u64 header length, JSON header padded with spaces to a multiple
    of 8, then each tensor's little-endian bytes in header order."""
    codes = {np.dtype(np.float32): "F32", np.dtype(np.float16): "F16"}
    header, blobs, offset = {"__metadata__": {"format": "pt"}}, [], 0
    for name in sorted(tensors):
        a = np.ascontiguousarray(tensors[name]).astype(tensors[name].dtype.newbyteorder("<"))
        b = a.tobytes()
        header[name] = {"dtype": codes[a.dtype], "shape": list(a.shape),
                        "data_offsets": [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(blobs)


def write_safetensors(path, tensors):
    with open(path, "wb") as f:
        f.write(safetensors_bytes(tensors))


def write_sharded(folder, tensors):
    names = sorted(tensors)
    half = len(names) // 2
    shards = [names[:half], names[half:]]
    weight_map, total = {}, 0
    for i, part in enumerate(shards):
        file = f"model-{i + 1:05d}-of-{len(shards):05d}.safetensors"
        write_safetensors(os.path.join(folder, file), {n: tensors[n] for n in part})
        for n in part:
            weight_map[n] = file
            total += tensors[n].nbytes
    write_json(os.path.join(folder, "model.safetensors.index.json"),
               {"metadata": {"total_size": total}, "weight_map": weight_map})


def torch_state_dict(weights, m, mask_dtype):
    """What GPT2LMHeadModel.state_dict() held in 2020-era transformers: the "transformer."
    prefix, each block's causal-mask buffer (attn.bias, [1, 1, P, P]) and masked_bias (a
    rank-0 -1e4), the metadata attribute, and lm_head.weight sharing wte's storage when
    tied."""
    sd = collections.OrderedDict()
    P = m["n_positions"]
    wte = torch.from_numpy(weights["wte.weight"].copy())
    for k, v in prefixed(weights).items():
        sd[k] = wte if k == "transformer.wte.weight" else torch.from_numpy(v.copy())
        if k.endswith(".ln_1.bias"):
            block = k[:-len("ln_1.bias")]
            mask = torch.tril(torch.ones(P, P, dtype=mask_dtype))
            sd[block + "attn.bias"] = mask.view(1, 1, P, P)
            sd[block + "attn.masked_bias"] = torch.tensor(-1e4)
    if m["tied"]:
        sd["lm_head.weight"] = wte
    sd._metadata = collections.OrderedDict([("", {"version": 1})])
    return sd


def write_model(out, folder, m, dtype_name, write):
    path = os.path.join(out, folder)
    os.makedirs(path, exist_ok=True)
    write_json(os.path.join(path, "config.json"), config_json(m, dtype_name))
    write(path)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default="tests/fixtures/gpt2")
    out = ap.parse_args().out
    if os.path.isdir(out):
        for entry in os.listdir(out):
            full = os.path.join(out, entry)
            if os.path.isdir(full):
                shutil.rmtree(full)
    os.makedirs(out, exist_ok=True)
    torch.set_num_threads(1)

    manifest = []

    def add(folder, model, fmt, dtype_name, exp, prefix, head):
        manifest.append({"dir": folder, "model": model, "format": fmt, "dtype": dtype_name,
                         "expected": exp, "transformer_prefix": prefix, "lm_head": head})

    # tiny2: tied head; every format.
    m = MODELS["tiny2"]
    w = make_weights(m)
    w16 = to_f16(w)
    write_model(out, "tiny2-st", m, "F32",
                lambda p: (write_safetensors(os.path.join(p, "model.safetensors"), w),
                           write_json(os.path.join(p, "generation_config.json"),
                                      {"bos_token_id": 95, "eos_token_id": 95,
                                       "max_length": 64, "do_sample": False})))
    add("tiny2-st", "tiny2", "safetensors", "F32", "tiny2.expected.json", False, "tied")
    write_model(out, "tiny2-st-sharded", m, "F32",
                lambda p: write_sharded(p, prefixed(w)))
    add("tiny2-st-sharded", "tiny2", "safetensors-sharded", "F32", "tiny2.expected.json", True,
        "tied")
    write_model(out, "tiny2-zip", m, "F32",
                lambda p: torch.save(torch_state_dict(w, m, torch.bool),
                                     os.path.join(p, "pytorch_model.bin")))
    add("tiny2-zip", "tiny2", "pytorch-zip", "F32", "tiny2.expected.json", True,
        "lm_head.weight shares wte's storage")
    write_model(out, "tiny2-legacy", m, "F32",
                lambda p: torch.save(torch_state_dict(w, m, torch.uint8),
                                     os.path.join(p, "pytorch_model.bin"),
                                     _use_new_zipfile_serialization=False))
    add("tiny2-legacy", "tiny2", "pytorch-legacy", "F32", "tiny2.expected.json", True,
        "lm_head.weight shares wte's storage")
    write_model(out, "tiny2-st-f16", m, "F16",
                lambda p: write_safetensors(os.path.join(p, "model.safetensors"), w16))
    add("tiny2-st-f16", "tiny2", "safetensors", "F16", "tiny2-f16.expected.json", False, "tied")
    write_json(os.path.join(out, "tiny2.expected.json"), expected("tiny2", m, w, "F32"))
    write_json(os.path.join(out, "tiny2-f16.expected.json"), expected("tiny2", m, w16, "F16"))

    # tiny3: separate LM head, odd sizes.
    m = MODELS["tiny3"]
    w = make_weights(m)
    write_model(out, "tiny3-st", m, "F32",
                lambda p: write_safetensors(os.path.join(p, "model.safetensors"), prefixed(w)))
    add("tiny3-st", "tiny3", "safetensors", "F32", "tiny3.expected.json", True, "separate")
    write_json(os.path.join(out, "tiny3.expected.json"), expected("tiny3", m, w, "F32"))

    write_json(os.path.join(out, "manifest.json"), manifest)


if __name__ == "__main__":
    main()
