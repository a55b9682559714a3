#!/usr/bin/python3
"""train_ru_gpt2.py: trains the small Russian GPT-2 shipped in models/gpt2-ru-tiny, from the
corpus tools/ru_corpus.py gathers, and writes its Hugging Face folder and the fixture that
tests/model/test_ru_model.c checks vkgpt against.

Run from the repository root after a build (Debian's python3 with python3-torch and numpy):

    tools/ru_corpus.py --out /work/ru-data/corpus
    tools/train_ru_gpt2.py --corpus /work/ru-data/corpus --out models/gpt2-ru-tiny

Steps:
  1. `vkgpt tokenizer train` learns the byte-level BPE vocabulary from the training text and
     writes vocab.json and merges.txt into --out; `vkgpt tokenize` turns the corpus into ids.
     A second BPE encoder written here (encode()) must give the same ids on the held-out text.
  2. A GPT-2 (pre-LayerNorm blocks, gelu_new, LM head tied to wte) trains from a fixed seed
     for --steps steps of --batch windows of n_ctx tokens drawn at random from the training
     ids, with AdamW and a cosine learning rate. With --bench N it runs N steps, prints the
     speed and stops.
  3. The weights are rounded to float16 and written as model.safetensors (Hugging Face's
     names, Conv1D weights [in, out]) with config.json and generation_config.json.
  4. The held-out loss and perplexity are those of the float16 weights, over consecutive
     n_ctx windows of the held-out ids (every id but each window's first is predicted).
  5. Greedy continuations of PROMPTS, computed in float64 from the float16 weights, go into
     --fixture for the C test.
A JSON report (timings, losses, sizes) is written to --report. With --evaluate-only, steps 1
to 3 are skipped and steps 4 and 5 run on the weights already in --out.

Training runs on one CPU thread and is deterministic for a given seed, BLAS and CPU; another
BLAS or CPU rounds differently and gives slightly different weights.
"""

import argparse
import json
import math
import os
import subprocess
import sys
import time
import unicodedata

# One thread everywhere (torch's OpenMP pool and OpenBLAS's own), set before either loads: on
# a machine whose cores other jobs share, two threads waiting on each other at every barrier
# ran 4 to 6 times slower than one, and one thread makes the result independent of the core
# count.
os.environ["OMP_NUM_THREADS"] = "1"
os.environ["OPENBLAS_NUM_THREADS"] = "1"

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_gpt2_fixtures import safetensors_bytes  # noqa: E402

EOT = "<|endoftext|>"
N_GREEDY = 24
MIN_GREEDY = 8  # a fixture case keeps at least this many greedy ids
# The smallest top-1 minus top-2 logit gap a fixture's greedy step may have: the device's f32
# logits stay within 1e-4 of the largest logit's magnitude (about 15 here) of the float64
# reference, so a gap of 0.005 cannot close.
MIN_MARGIN = 0.005
PROMPTS = ["Команда ls выводит", "Жизнь — это", "Любовь", "Программист", "Хороший человек",
           "Если вы хотите", "Женщина", "Счастье", "Когда я был маленьким", "Мужчина должен",
           "В этом случае", "Русский язык"]
MIN_CASES = 4  # prompts without MIN_GREEDY clear steps are left out; at least this many stay


# ---- Tokenizer -----------------------------------------------------------------------------

def run_vkgpt(vkgpt, args, **kw):
    env = dict(os.environ)
    plugins = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(vkgpt))),
                           "plugins")
    env.setdefault("VKGPT_PLUGIN_PATH", plugins)
    return subprocess.run([vkgpt] + args, env=env, check=True, capture_output=True, **kw)


def train_tokenizer(vkgpt, corpus, out, vocab_size):
    run_vkgpt(vkgpt, ["tokenizer", "train", "--vocab-size", str(vocab_size), "--out", out,
                      os.path.join(corpus, "bpe-input.txt")])


def tokenize_file(vkgpt, folder, path):
    out = run_vkgpt(vkgpt, ["tokenize", "--tokenizer", folder, "--special", "--ids",
                            "-f", path]).stdout
    return np.array([int(t) for t in out.split()], dtype=np.int64)


def bytes_to_unicode():
    """GPT-2's byte-to-character table: printable Latin-1 bytes stand for themselves, the
    rest map to U+0100 onwards in byte order."""
    keep = list(range(0x21, 0x7F)) + list(range(0xA1, 0xAD)) + list(range(0xAE, 0x100))
    table, extra = {}, 0
    for b in range(256):
        if b in keep:
            table[b] = chr(b)
        else:
            table[b] = chr(256 + extra)
            extra += 1
    return table


def char_class(c):
    if c.isspace():
        return "s"
    cat = unicodedata.category(c)
    return "L" if cat[0] == "L" else "N" if cat[0] == "N" else "P"


def pretokenize(text):
    """GPT-2's split ('s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|
    \\s+(?!\\S)|\\s+) written as a scanner over character classes."""
    pieces, i, n = [], 0, len(text)
    while i < n:
        for c in ("'s", "'t", "'re", "'ve", "'m", "'ll", "'d"):
            if text.startswith(c, i):
                pieces.append(c)
                i += len(c)
                break
        else:
            j = i + 1 if text[i] == " " and i + 1 < n and char_class(text[i + 1]) != "s" else i
            cls = char_class(text[j])
            if cls != "s":
                k = j + 1
                while k < n and char_class(text[k]) == cls:
                    k += 1
            else:
                k = i
                while k < n and text[k].isspace():
                    k += 1
                if k < n and k - i > 1:
                    k -= 1  # the last space goes with the word that follows
            pieces.append(text[i:k])
            i = k
    return pieces


class Encoder:
    """Byte-level BPE from vocab.json and merges.txt: each piece's bytes as GPT-2's
    characters, then the lowest-ranked adjacent pair merged until none is in merges.txt."""

    def __init__(self, folder):
        with open(os.path.join(folder, "vocab.json"), encoding="utf-8") as f:
            self.vocab = json.load(f)
        with open(os.path.join(folder, "merges.txt"), encoding="utf-8") as f:
            lines = [l.rstrip("\n") for l in f if l.strip() and not l.startswith("#version")]
        self.ranks = {tuple(l.split(" ")): r for r, l in enumerate(lines)}
        self.byte_char = bytes_to_unicode()
        self.cache = {}

    def bpe(self, piece):
        if piece in self.cache:
            return self.cache[piece]
        parts = [self.byte_char[b] for b in piece.encode("utf-8")]
        while len(parts) > 1:
            pairs = [(self.ranks.get((a, b), math.inf), i)
                     for i, (a, b) in enumerate(zip(parts, parts[1:]))]
            rank, i = min(pairs)
            if rank == math.inf:
                break
            parts[i:i + 2] = [parts[i] + parts[i + 1]]
        ids = [self.vocab[p] for p in parts]
        self.cache[piece] = ids
        return ids

    def encode(self, text):
        ids = []
        for k, chunk in enumerate(text.split(EOT)):
            if k:
                ids.append(self.vocab[EOT])
            for piece in pretokenize(chunk):
                ids.extend(self.bpe(piece))
        return ids


# ---- Model ---------------------------------------------------------------------------------

class Block(nn.Module):
    """One pre-LayerNorm GPT-2 block. nn.Linear keeps weights [out, in]; export transposes
    them to Conv1D's [in, out]."""

    def __init__(self, E, H):
        super().__init__()
        self.H = H
        self.ln_1, self.ln_2 = nn.LayerNorm(E), nn.LayerNorm(E)
        self.c_attn, self.attn_proj = nn.Linear(E, 3 * E), nn.Linear(E, E)
        self.c_fc, self.mlp_proj = nn.Linear(E, 4 * E), nn.Linear(4 * E, E)

    def attention(self, x, mask):
        B, T, E = x.shape
        q, k, v = self.c_attn(x).split(E, dim=-1)
        q, k, v = (t.view(B, T, self.H, E // self.H).transpose(1, 2) for t in (q, k, v))
        scores = (q @ k.transpose(-1, -2)) / math.sqrt(E // self.H)  # [B, H, T, T]
        probs = torch.softmax(scores.masked_fill(mask[:T, :T], float("-inf")), dim=-1)
        return self.attn_proj((probs @ v).transpose(1, 2).reshape(B, T, E))

    def forward(self, x, mask):
        x = x + self.attention(self.ln_1(x), mask)
        return x + self.mlp_proj(F.gelu(self.c_fc(self.ln_2(x)), approximate="tanh"))


class GPT2(nn.Module):
    def __init__(self, h):
        super().__init__()
        self.h = h
        V, P, E = h["vocab_size"], h["n_positions"], h["n_embd"]
        self.wte, self.wpe = nn.Embedding(V, E), nn.Embedding(P, E)
        self.blocks = nn.ModuleList(Block(E, h["n_head"]) for _ in range(h["n_layer"]))
        self.ln_f = nn.LayerNorm(E)
        self.register_buffer("mask", torch.ones(P, P, dtype=torch.bool).triu(1), False)
        self.init_weights()

    def init_weights(self):
        """GPT-2's: normal(0, 0.02), the residual projections scaled by 1/sqrt(2 n_layer)."""
        for name, p in self.named_parameters():
            if name.endswith("bias") or ".ln_" in name or name.startswith("ln_f"):
                continue
            std = 0.02 / math.sqrt(2 * self.h["n_layer"]) if "proj" in name else 0.02
            nn.init.normal_(p, 0.0, std)

    def forward(self, ids):
        """ids: [B, T] -> logits [B, T, V]."""
        x = self.wte(ids) + self.wpe(torch.arange(ids.shape[1]))
        for block in self.blocks:
            x = block(x, self.mask)
        return self.ln_f(x) @ self.wte.weight.T


def n_params(model):
    return sum(p.numel() for p in model.parameters())


# ---- Training ------------------------------------------------------------------------------

def learning_rate(step, args):
    if step < args.warmup:
        return args.lr * (step + 1) / args.warmup
    done = (step - args.warmup) / max(1, args.steps - args.warmup)
    return args.lr * (0.1 + 0.9 * 0.5 * (1.0 + math.cos(math.pi * done)))


def batches(ids, n_ctx, batch, rng):
    """Random windows of n_ctx + 1 ids: inputs and the next ids."""
    while True:
        starts = rng.integers(0, len(ids) - n_ctx - 1, size=batch)
        w = torch.from_numpy(np.stack([ids[s:s + n_ctx + 1] for s in starts]))
        yield w[:, :-1], w[:, 1:]


@torch.no_grad()
def heldout_loss(model, ids, n_ctx, max_windows=None):
    """Mean cross-entropy (nats per id) over consecutive n_ctx windows of ids, and the
    number of predicted ids."""
    model.eval()
    total, count = 0.0, 0
    starts = list(range(0, len(ids) - 1, n_ctx))[:max_windows]
    for s in starts:
        w = torch.from_numpy(ids[s:s + n_ctx + 1]).unsqueeze(0)
        logits = model(w[:, :-1])
        total += F.cross_entropy(logits[0].double(), w[0, 1:], reduction="sum").item()
        count += w.shape[1] - 1
    model.train()
    return total / count, count


def train(model, train_ids, heldout_ids, args, report):
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    other = [p for n, p in model.named_parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": args.weight_decay},
                             {"params": other, "weight_decay": 0.0}],
                            lr=args.lr, betas=(0.9, 0.95))
    data = batches(train_ids, model.h["n_positions"], args.batch,
                   np.random.default_rng(args.seed))
    steps = args.bench or args.steps
    log, t0, cpu0, running = [], time.time(), time.process_time(), None
    for step in range(steps):
        for g in opt.param_groups:
            g["lr"] = learning_rate(step, args)
        x, y = next(data)
        loss = F.cross_entropy(model(x).flatten(0, 1), y.flatten())
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        running = loss.item() if running is None else 0.98 * running + 0.02 * loss.item()
        if (step + 1) % args.eval_every == 0 or step + 1 == steps:
            ho, _ = heldout_loss(model, heldout_ids, model.h["n_positions"], 32)
            log.append({"step": step + 1, "train_loss": round(running, 4),
                        "heldout_loss_sample": round(ho, 4),
                        "seconds": round(time.time() - t0, 1)})
            print(f"step {step + 1:6d}  train {running:.3f}  held-out {ho:.3f}  "
                  f"{(step + 1) / (time.time() - t0):.2f} steps/s", flush=True)
    report["train_seconds"] = round(time.time() - t0, 1)
    report["train_cpu_seconds"] = round(time.process_time() - cpu0, 1)
    report["steps_per_second"] = round(steps / (time.time() - t0), 3)
    report["log"] = log


# ---- Export --------------------------------------------------------------------------------

def hf_tensors(model):
    """The weights under GPT2LMHeadModel's names, float16, Conv1D layout [in, out]."""
    sd = {k: v.detach() for k, v in model.state_dict().items() if k != "mask"}
    out = {}
    rename = {"c_attn": "attn.c_attn", "attn_proj": "attn.c_proj", "c_fc": "mlp.c_fc",
              "mlp_proj": "mlp.c_proj", "ln_1": "ln_1", "ln_2": "ln_2"}
    for k, v in sd.items():
        parts = k.split(".")
        if parts[0] == "blocks":
            name = f"h.{parts[1]}.{rename[parts[2]]}.{parts[3]}"
            if parts[3] == "weight" and not parts[2].startswith("ln_"):
                v = v.T  # nn.Linear [out, in] -> Conv1D [in, out]
        else:
            name = k
        out["transformer." + name] = v.contiguous().numpy().astype(np.float16)
    return out


def load_hf_tensors(model, tensors):
    """The inverse of hf_tensors(): the float16 values back into model (as its dtype)."""
    inverse = {}
    for name in tensors:
        parts = name[len("transformer."):].split(".")
        if parts[0] == "h":
            short = {"attn.c_attn": "c_attn", "attn.c_proj": "attn_proj",
                     "mlp.c_fc": "c_fc", "mlp.c_proj": "mlp_proj"}
            mod = short.get(".".join(parts[2:4]), parts[2])
            inverse[name] = f"blocks.{parts[1]}.{mod}.{parts[-1]}"
        else:
            inverse[name] = ".".join(parts)
    sd = model.state_dict()
    for name, key in inverse.items():
        t = torch.from_numpy(tensors[name].astype(np.float64))
        transposed = key.startswith("blocks.") and key.endswith("weight") and ".ln_" not in key
        sd[key].copy_(t.T if transposed else t)


def read_safetensors(path):
    with open(path, "rb") as f:
        blob = f.read()
    n = int.from_bytes(blob[:8], "little")
    header = json.loads(blob[8:8 + n])
    base, out = 8 + n, {}
    for name, h in header.items():
        if name == "__metadata__":
            continue
        assert h["dtype"] == "F16", name
        a, b = h["data_offsets"]
        out[name] = np.frombuffer(blob[base + a:base + b], dtype="<f2").reshape(h["shape"])
    return out


def write_json(path, obj):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, ensure_ascii=False, indent=1)
        f.write("\n")


def export(model, out, eot_id):
    h = model.h
    write_json(os.path.join(out, "config.json"), {
        "architectures": ["GPT2LMHeadModel"], "model_type": "gpt2",
        "activation_function": "gelu_new",
        "n_layer": h["n_layer"], "n_embd": h["n_embd"], "n_head": h["n_head"],
        "n_positions": h["n_positions"], "n_ctx": h["n_positions"], "n_inner": None,
        "vocab_size": h["vocab_size"], "layer_norm_epsilon": 1e-5,
        "initializer_range": 0.02, "resid_pdrop": 0.0, "embd_pdrop": 0.0, "attn_pdrop": 0.0,
        "scale_attn_weights": True, "bos_token_id": eot_id, "eos_token_id": eot_id,
        "tie_word_embeddings": True, "torch_dtype": "float16",
    })
    write_json(os.path.join(out, "generation_config.json"), {
        "bos_token_id": eot_id, "eos_token_id": eot_id, "max_length": h["n_positions"],
        "do_sample": False,
    })
    tensors = hf_tensors(model)
    path = os.path.join(out, "model.safetensors")
    with open(path, "wb") as f:
        f.write(safetensors_bytes(tensors))
    back = read_safetensors(path)
    assert all(np.array_equal(back[k], tensors[k]) for k in tensors), "safetensors round trip"
    return back


# ---- Greedy fixture ------------------------------------------------------------------------

@torch.no_grad()
def greedy(model, prompt):
    """Up to N_GREEDY argmax ids after prompt, each step a full recomputation, stopped before
    the first step whose best two logits are closer than MIN_MARGIN (a tie there could go
    either way in float32 on a device) or at eos."""
    ids, margins = list(prompt), []
    for _ in range(N_GREEDY):
        last = model(torch.tensor([ids]))[0, -1]
        top2 = torch.topk(last, 2)
        margin = (top2.values[0] - top2.values[1]).item()
        if margin < MIN_MARGIN:
            break
        margins.append(margin)
        ids.append(int(top2.indices[0]))
        if ids[-1] == model.h["vocab_size"] - 1:
            break
    return ids[len(prompt):], margins


def whole_characters(ids, decode):
    """The longest prefix of ids whose bytes are whole UTF-8 characters, and its text."""
    for n in range(len(ids), 0, -1):
        try:
            return ids[:n], decode(ids[:n])
        except UnicodeDecodeError:
            continue
    return [], ""


def write_fixture(path, model64, enc, h, decode):
    cases = []
    for text in PROMPTS:
        prompt = enc.encode(text)
        new, margins = greedy(model64, prompt)
        new, new_text = whole_characters(new, decode)
        if len(new) < MIN_GREEDY:
            print(f"prompt '{text}': only {len(new)} clear greedy steps; left out",
                  file=sys.stderr)
            continue
        case = {"text": text, "prompt": prompt, "greedy": new, "greedy_text": new_text,
                "min_margin": round(min(margins[:len(new)]), 4)}
        if not cases:
            with torch.no_grad():
                last = model64(torch.tensor([prompt]))[0, -1].tolist()
            case["last_logits"] = [float(f"{v:.9g}") for v in last]
        cases.append(case)
    if len(cases) < MIN_CASES:
        raise SystemExit(f"only {len(cases)} prompts have {MIN_GREEDY} clear greedy steps")
    write_json(path, {
        "model": "models/gpt2-ru-tiny",
        "reference": "float64 forward pass of the float16 weights in model.safetensors; "
                     "prompt ids from train_ru_gpt2.py's own BPE encoder; greedy ids stop "
                     f"before the first step whose top-2 logit gap is under {MIN_MARGIN}",
        "vocab_size": h["vocab_size"], "cases": cases})


# ---- Main ---------------------------------------------------------------------------------

def blas_library():
    """The BLAS that torch's matrix products went to, from this process's mappings. Debian's
    reference BLAS (libblas3) is about 7 times slower than OpenBLAS here; python3-torch
    recommends libopenblas0, and the numbers in the model card come from OpenBLAS."""
    torch.ones(64, 64) @ torch.ones(64, 64)
    with open("/proc/self/maps") as f:
        libs = {l.split()[-1] for l in f if "blas" in l.split()[-1]}
    found = sorted(libs)
    if not any("openblas" in l for l in found):
        print("train_ru_gpt2: torch uses the reference BLAS; install libopenblas0-pthread "
              "for the speed the model card states", file=sys.stderr)
    return found


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", required=True, help="folder written by tools/ru_corpus.py")
    ap.add_argument("--out", default="models/gpt2-ru-tiny")
    ap.add_argument("--fixture", default="tests/fixtures/gpt2-ru-tiny/greedy.json")
    ap.add_argument("--report", default=None, help="JSON report (default: CORPUS/report.json)")
    ap.add_argument("--vkgpt", default="build/cli/vkgpt")
    ap.add_argument("--vocab-size", type=int, default=4096)
    ap.add_argument("--n-layer", type=int, default=4)
    ap.add_argument("--n-embd", type=int, default=192)
    ap.add_argument("--n-head", type=int, default=4)
    ap.add_argument("--n-ctx", type=int, default=128)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--steps", type=int, default=2400)
    ap.add_argument("--warmup", type=int, default=50)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--weight-decay", type=float, default=0.1)
    ap.add_argument("--eval-every", type=int, default=100)
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--bench", type=int, default=0, help="time this many steps, then stop")
    ap.add_argument("--evaluate-only", action="store_true",
                    help="skip training: evaluate --out's weights and rewrite the fixture")
    return ap.parse_args()


def tokenized_corpus(args, enc, report):
    """Training and held-out ids from vkgpt's tokenizer, checked against encode()."""
    train_ids = tokenize_file(args.vkgpt, args.out, os.path.join(args.corpus, "train.txt"))
    heldout_ids = tokenize_file(args.vkgpt, args.out, os.path.join(args.corpus, "heldout.txt"))
    with open(os.path.join(args.corpus, "heldout.txt"), encoding="utf-8") as f:
        heldout_text = f.read()
    assert enc.encode(heldout_text) == heldout_ids.tolist(), "the two BPE encoders disagree"
    report.update(train_ids=len(train_ids), heldout_ids=len(heldout_ids),
                  heldout_chars=len(heldout_text.replace(EOT, "")))
    print(f"ids: train {len(train_ids)}, held-out {len(heldout_ids)}", flush=True)
    return train_ids, heldout_ids


def evaluate(model, tensors, heldout_ids, args, report):
    """Held-out loss of the float16 weights as written."""
    load_hf_tensors(model, tensors)
    loss, count = heldout_loss(model, heldout_ids, args.n_ctx)
    report.update(heldout_loss=round(loss, 4), heldout_perplexity=round(math.exp(loss), 2),
                  heldout_predicted_ids=count,
                  bits_per_char=round(loss * count / math.log(2) / report["heldout_chars"], 4),
                  safetensors_bytes=os.path.getsize(os.path.join(args.out,
                                                                 "model.safetensors")))
    print(f"held-out loss {loss:.4f}, perplexity {math.exp(loss):.2f}, "
          f"{report['bits_per_char']} bits/char", flush=True)


def main():
    args = parse_args()
    torch.manual_seed(args.seed)
    torch.set_num_threads(1)
    report = {"args": vars(args), "blas": blas_library()}
    print(f"BLAS: {report['blas']}", flush=True)
    t_start = time.time()

    os.makedirs(args.out, exist_ok=True)
    if not args.evaluate_only:
        train_tokenizer(args.vkgpt, args.corpus, args.out, args.vocab_size)
    enc = Encoder(args.out)
    train_ids, heldout_ids = tokenized_corpus(args, enc, report)
    h = {"vocab_size": len(enc.vocab), "n_positions": args.n_ctx, "n_embd": args.n_embd,
         "n_layer": args.n_layer, "n_head": args.n_head}
    model = GPT2(h)
    report["params"] = n_params(model)
    print(f"parameters: {report['params']}", flush=True)

    if args.evaluate_only:
        tensors = read_safetensors(os.path.join(args.out, "model.safetensors"))
    else:
        train(model, train_ids, heldout_ids, args, report)
        if args.bench:
            print(json.dumps({k: report[k] for k in ("params", "steps_per_second")}))
            return
        tensors = export(model, args.out, enc.vocab[EOT])
    evaluate(model, tensors, heldout_ids, args, report)

    model64 = GPT2(h).double()
    load_hf_tensors(model64, tensors)
    model64.eval()
    inverse = {i: p for p, i in enc.vocab.items()}
    char_byte = {c: b for b, c in enc.byte_char.items()}
    decode = lambda ids: bytes(char_byte[c] for i in ids for c in inverse[i]).decode("utf-8")
    os.makedirs(os.path.dirname(args.fixture), exist_ok=True)
    write_fixture(args.fixture, model64, enc, h, decode)
    report["total_seconds"] = round(time.time() - t_start, 1)
    default_report = "evaluation.json" if args.evaluate_only else "report.json"
    write_json(args.report or os.path.join(args.corpus, default_report), report)


if __name__ == "__main__":
    main()
