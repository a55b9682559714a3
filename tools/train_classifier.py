#!/usr/bin/python3
"""train_classifier.py: the lecture's transformer classifier in PyTorch, trained to tell which
language a line of Debian documentation is in (English, German, French, Russian), saved as a
vkgpt classifier folder, plus the fixtures that check vkgpt against PyTorch.

The data comes from the manual pages installed on a Debian 12 machine: the English originals
(package `manpages` and whatever else is installed) and the translations of manpages-l10n
(`apt-get install manpages-de manpages-fr manpages-ru`). A "line" is one text line of a page's
roff source with the formatting escapes removed: typically a wrapped fragment of a sentence,
20 to 200 characters long. Pages go to the held-out set by a hash of their name, so a page and
its translations are always on the same side and no held-out sentence was seen in training.
Translated pages keep some paragraphs in English; a line that also occurs in an English page is
dropped from the other languages, and a Russian line must contain a Cyrillic letter.

The tokenizer is a byte-level BPE vocabulary learnt by `vkgpt tokenizer train` on the training
lines, and the lines are tokenized by `vkgpt tokenize`, so the ids the model is trained on are
exactly the ones vkgpt produces.

The model is the lecture's: token and position embeddings, `depth` blocks of
x = norm1(attention(x) + x); x = norm2(ff(x) + x) with ff = Linear(k, 4k), ReLU, Linear(4k, k)
and no causal mask, then the mean over the sequence, Linear(k, classes) and log-softmax.
Attention is "wide" (each head projects to k, as in the lecture's first version) or "narrow"
(k split into heads); either way the lecture divides queries and keys by k^(1/4) with k the
model width, i.e. the dot products by sqrt(k) ("attention_scale": "width"). "head" divides by
the square root of the head size instead, as torch.nn.MultiheadAttention does.

There is no padding mask in the lecture's model, so training batches hold lines of exactly
one token length: the model never sees padding, as vkgpt never applies it.

Run from the repository root after building (ninja -C build):
    /usr/bin/python3 tools/train_classifier.py
It writes models/langid/ and tests/fixtures/classifier/. Training takes about ten minutes on
two shared cores; the same machine and packages give the same files.
"""
import argparse
import collections
import copy
import gzip
import hashlib
import json
import math
import os
import random
import re
import subprocess
import sys
import time
import unicodedata

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

LANGS = ["en", "de", "fr", "ru"]
MAN_ROOT = "/usr/share/man"
MIN_CHARS, MAX_CHARS, MIN_WORDS = 20, 200, 3
HELD_OUT_PERCENT = 10


# ---- Data: text lines of manual pages -------------------------------------------------------

# roff escapes: fonts (\fB, \f(CW, \f[B]), named glyphs (\(aq, \[em], \('e, \[u00E9]),
# strings (\*(xx, \*[x]), zero-width and spacing escapes. Glyphs that carry text become it
# (the translations spell most accented letters as glyphs: \('e is e acute); the rest are
# dropped.
GLYPHS = {"aq": "'", "dq": '"', "lq": '"', "rq": '"', "oq": "'", "cq": "'", "em": "-",
          "en": "-", "hy": "-", "bu": "*", "co": "(c)", "rg": "(R)", "ga": "`", "ha": "^",
          "ti": "~", "rs": "\\", "Fo": "\u00ab", "Fc": "\u00bb", "Lq": '"', "Rq": '"',
          "ss": "\u00df", "ae": "\u00e6", "AE": "\u00c6", "oe": "\u0153", "OE": "\u0152",
          "r!": "\u00a1", "r?": "\u00bf", "de": "\u00b0", "mu": "\u00d7", "tm": "(TM)"}
ACCENTS = {"'": "\u0301", "`": "\u0300", "^": "\u0302", ":": "\u0308", ",": "\u0327",
           "~": "\u0303", "o": "\u030a"}
ESCAPE = re.compile(r"\\(f(\(..|\[[^\]]*\]|.)|\((..)|\[([^\]]*)\]|\*(\(..|\[[^\]]*\]|.)"
                    r"|[-e&%~ |^0:/,)c!]|s[-+]?\d|.)")


def glyph(name):
    if name in GLYPHS:
        return GLYPHS[name]
    if len(name) == 2 and name[0] in ACCENTS and name[1].isalpha():
        return unicodedata.normalize("NFC", name[1] + ACCENTS[name[0]])
    if re.fullmatch(r"u[0-9A-F]{4,5}", name):
        return chr(int(name[1:], 16))
    return ""


def unescape(line):
    def sub(m):
        whole = m.group(0)
        name = m.group(3) or m.group(4)
        if name is not None:
            return glyph(name)
        if whole == "\\-":
            return "-"
        if whole == "\\e":
            return "\\"
        if whole in ("\\ ", "\\~", "\\0"):
            return " "
        return ""
    return ESCAPE.sub(sub, line)


def page_lines(path):
    """The prose lines of one roff page, unescaped, whitespace collapsed."""
    try:
        with gzip.open(path, "rb") as f:
            text = f.read().decode("utf-8")
    except (OSError, UnicodeDecodeError, EOFError):
        return []
    out = []
    for raw in text.split("\n"):
        if raw.startswith((".", "'")) or not raw.strip():
            continue
        line = " ".join(unescape(raw).split())
        if MIN_CHARS <= len(line) <= MAX_CHARS and len(line.split()) >= MIN_WORDS:
            out.append(line)
    return out


def page_key(path):
    """manX/name.X.gz -> "name.X", the name shared by a page and its translations."""
    base = os.path.basename(path)
    return base[:-3] if base.endswith(".gz") else base


def list_pages(lang):
    root = MAN_ROOT if lang == "en" else os.path.join(MAN_ROOT, lang)
    pages = []
    for section in sorted(os.listdir(root)):
        folder = os.path.join(root, section)
        if section.startswith("man") and os.path.isdir(folder):
            pages += [os.path.join(folder, n) for n in sorted(os.listdir(folder))
                      if n.endswith(".gz") and os.path.isfile(os.path.join(folder, n))]
    return pages


def is_held_out(key):
    return int(hashlib.sha1(key.encode()).hexdigest(), 16) % 100 < HELD_OUT_PERCENT


def collect(max_train, max_held_out, seed):
    """{lang: {"train": [...], "held_out": [...]}}: at most max_train training and max_held_out
    held-out lines per language, the same counts for every language."""
    translated = set()
    for lang in LANGS[1:]:
        translated |= {page_key(p) for p in list_pages(lang)}
    lines = {}
    for lang in LANGS:
        pages = list_pages(lang)
        if lang == "en":
            # Only the pages that have translations: the four languages then cover one set of
            # topics, and the task stays about language rather than subject.
            pages = [p for p in pages if page_key(p) in translated]
        lines[lang] = [(page_key(p), line) for p in pages for line in page_lines(p)]
        if not lines[lang]:
            sys.exit(f"no {lang} manual pages under {MAN_ROOT}: apt-get install manpages "
                     "manpages-de manpages-fr manpages-ru")

    # A line found in more than one language (a list of references, a command line, an
    # untranslated paragraph) says nothing about its language.
    langs_of = collections.defaultdict(set)
    for lang in LANGS:
        for _, line in lines[lang]:
            langs_of[line].add(lang)
    cyrillic = re.compile("[\u0400-\u04ff]")
    data = {}
    for lang in LANGS:
        seen, split = set(), {"train": [], "held_out": []}
        for key, line in lines[lang]:
            if line in seen or len(langs_of[line]) > 1:
                continue
            if (lang == "ru") != bool(cyrillic.search(line)):
                continue
            seen.add(line)
            split["held_out" if is_held_out(key) else "train"].append(line)
        data[lang] = split
    n_train = min(max_train, *(len(d["train"]) for d in data.values()))
    n_held = min(max_held_out, *(len(d["held_out"]) for d in data.values()))
    rng = random.Random(seed)
    for lang in LANGS:
        for part, n in (("train", n_train), ("held_out", n_held)):
            rng.shuffle(data[lang][part])
            data[lang][part] = data[lang][part][:n]
    return data


# ---- Tokenizer: vkgpt's own trainer and encoder --------------------------------------------

class Vkgpt:
    """Runs the vkgpt command of a build folder with its tokenizer plugins."""

    def __init__(self, build):
        self.exe = os.path.join(build, "cli", "vkgpt")
        if not os.access(self.exe, os.X_OK):
            sys.exit(f"{self.exe} is missing: build vkgpt first (ninja -C {build})")
        self.env = dict(os.environ, VKGPT_PLUGIN_PATH=os.path.join(build, "plugins"))

    def run(self, *args):
        r = subprocess.run([self.exe, *args], env=self.env, capture_output=True)
        if r.returncode != 0:
            sys.exit(f"vkgpt {' '.join(args[:2])} failed: {r.stderr.decode(errors='replace')}")
        return r.stdout.decode()

    def train_tokenizer(self, text_path, vocab_size, out_dir):
        self.run("tokenizer", "train", "--vocab-size", str(vocab_size), "--out", out_dir,
                 text_path)

    def encode_lines(self, tok_dir, lines, scratch):
        """Token ids of each line. The lines go through the encoder as one text joined by
        newlines: the GPT-2 pre-tokenizer always makes a lone newline between two non-space
        characters a token of its own, and merges never cross pre-tokens, so the ids between
        newline tokens are exactly those of each line encoded alone (checked on a sample)."""
        newline = [int(x) for x in self.run("tokenize", "--tokenizer", tok_dir, "-p",
                                            "a\nb").split()]
        assert len(newline) == 3, newline
        nl = newline[1]
        with open(scratch, "w", encoding="utf-8") as f:
            f.write("\n".join(lines))
        ids = [int(x) for x in self.run("tokenize", "--tokenizer", tok_dir, "-f",
                                        scratch).split()]
        out, cur = [], []
        for i in ids:
            if i == nl:
                out.append(cur)
                cur = []
            else:
                cur.append(i)
        out.append(cur)
        assert len(out) == len(lines), (len(out), len(lines))
        for j in range(0, len(lines), max(1, len(lines) // 8)):
            alone = [int(x) for x in self.run("tokenize", "--tokenizer", tok_dir, "-p",
                                              lines[j]).split()]
            assert alone == out[j], (lines[j], alone, out[j])
        return out


# ---- The lecture's model ---------------------------------------------------------------------

class SelfAttention(nn.Module):
    """Multi-head self-attention without a mask. wide: queries, keys and values of each head
    are k wide (projections k -> heads*k); narrow: k is split into heads of k/heads."""

    def __init__(self, k, heads, wide=True, scale="width"):
        super().__init__()
        assert wide or k % heads == 0
        self.k, self.heads, self.wide = k, heads, wide
        self.s = k if wide else k // heads
        inner = heads * self.s
        self.tokeys = nn.Linear(k, inner, bias=False)
        self.toqueries = nn.Linear(k, inner, bias=False)
        self.tovalues = nn.Linear(k, inner, bias=False)
        self.unifyheads = nn.Linear(inner, k)
        # The lecture divides queries and keys by k^(1/4) each (k the width); "head" uses the
        # head size, which differs only in the narrow layout.
        self.scale_dim = k if scale == "width" else self.s

    def forward(self, x):
        b, t, k = x.size()
        h, s = self.heads, self.s
        queries = self.toqueries(x).view(b, t, h, s).transpose(1, 2).reshape(b * h, t, s)
        keys = self.tokeys(x).view(b, t, h, s).transpose(1, 2).reshape(b * h, t, s)
        values = self.tovalues(x).view(b, t, h, s).transpose(1, 2).reshape(b * h, t, s)
        queries = queries / (self.scale_dim ** (1 / 4))
        keys = keys / (self.scale_dim ** (1 / 4))
        dot = F.softmax(torch.bmm(queries, keys.transpose(1, 2)), dim=2)
        out = torch.bmm(dot, values).view(b, h, t, s).transpose(1, 2).reshape(b, t, h * s)
        return self.unifyheads(out)


class TransformerBlock(nn.Module):
    def __init__(self, k, heads, wide, scale):
        super().__init__()
        self.attention = SelfAttention(k, heads, wide, scale)
        self.norm1 = nn.LayerNorm(k)
        self.norm2 = nn.LayerNorm(k)
        self.ff = nn.Sequential(nn.Linear(k, 4 * k), nn.ReLU(), nn.Linear(4 * k, k))

    def forward(self, x):
        x = self.norm1(self.attention(x) + x)
        return self.norm2(self.ff(x) + x)


class Transformer(nn.Module):
    """The lecture's classifier: embeddings, blocks, mean over time, toprobs, log-softmax."""

    def __init__(self, k, heads, depth, seq_length, num_tokens, num_classes, wide=True,
                 scale="width"):
        super().__init__()
        self.token_emb = nn.Embedding(num_tokens, k)
        self.pos_emb = nn.Embedding(seq_length, k)
        self.tblocks = nn.Sequential(*[TransformerBlock(k, heads, wide, scale)
                                       for _ in range(depth)])
        self.toprobs = nn.Linear(k, num_classes)

    def forward(self, x):
        tokens = self.token_emb(x)
        b, t, k = tokens.size()
        positions = self.pos_emb(torch.arange(t))[None, :, :].expand(b, t, k)
        x = self.tblocks(tokens + positions)
        return F.log_softmax(self.toprobs(x.mean(dim=1)), dim=1)


def model_config(model, hp, labels, tokenizer_plugin):
    att = model.tblocks[0].attention
    return {
        "model_type": "classifier",
        "k": hp["k"], "heads": hp["heads"], "depth": hp["depth"],
        "seq_length": hp["seq_length"], "num_tokens": hp["num_tokens"],
        "num_classes": hp["num_classes"],
        "attention": "wide" if att.wide else "narrow",
        "attention_scale": "width" if att.scale_dim == hp["k"] else "head",
        "layer_norm_eps": 1e-5,
        "labels": labels,
        "tokenizer_plugin": tokenizer_plugin,
    }


# ---- safetensors, written with numpy and json ------------------------------------------------

def save_safetensors(path, tensors, dtype=np.float32):
    """tensors: {name: np.ndarray}; every tensor stored as dtype (F32 or F16)."""
    tag = {np.float32: "F32", np.float16: "F16"}[dtype]
    header, blobs, offset = {"__metadata__": {"format": "pt"}}, [], 0
    for name in sorted(tensors):
        data = np.ascontiguousarray(tensors[name], dtype=np.dtype(dtype).newbyteorder("<"))
        raw = data.tobytes()
        header[name] = {"dtype": tag, "shape": list(data.shape),
                        "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(len(text).to_bytes(8, "little"))
        f.write(text)
        for raw in blobs:
            f.write(raw)


def state_arrays(model):
    return {n: p.detach().cpu().numpy().astype(np.float32)
            for n, p in model.state_dict().items()}


# ---- Training --------------------------------------------------------------------------------

def buckets(seqs, labels, batch, seq_length, rng):
    """Batches of lines of one token length (truncated to seq_length), shuffled."""
    by_len = collections.defaultdict(list)
    for ids, y in zip(seqs, labels):
        ids = ids[:seq_length]
        if ids:
            by_len[len(ids)].append((ids, y))
    out = []
    for n in sorted(by_len):
        group = by_len[n]
        rng.shuffle(group)
        out += [group[i:i + batch] for i in range(0, len(group), batch)]
    rng.shuffle(out)
    return out


def to_tensors(batch):
    return (torch.tensor([ids for ids, _ in batch], dtype=torch.long),
            torch.tensor([y for _, y in batch], dtype=torch.long))


def evaluate(model, seqs, labels, seq_length):
    model.eval()
    right = total = 0
    with torch.no_grad():
        for b in buckets(seqs, labels, 256, seq_length, random.Random(0)):
            x, y = to_tensors(b)
            right += (model(x).argmax(dim=1) == y).sum().item()
            total += len(b)
    model.train()
    return right / max(1, total)


def train(model, seqs, labels, args):
    rng = random.Random(args.seed)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    steps = sum(len(buckets(seqs, labels, args.batch, args.seq_length, random.Random(0)))
                for _ in range(args.epochs))
    warmup = max(1, steps // 20)
    # Linear warm-up, then cosine decay to a tenth of the rate.
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda i: min(1.0, (i + 1) / warmup) * (0.1 + 0.9 * 0.5 * (
            1 + math.cos(math.pi * min(1.0, i / steps)))))
    start = time.time()
    for epoch in range(args.epochs):
        total = 0.0
        batches = buckets(seqs, labels, args.batch, args.seq_length, rng)
        for b in batches:
            x, y = to_tensors(b)
            loss = F.nll_loss(model(x), y)
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            total += loss.item()
        print(f"epoch {epoch + 1}: loss {total / len(batches):.4f}, "
              f"{time.time() - start:.0f} s", flush=True)


# ---- Fixtures --------------------------------------------------------------------------------

def reference_log_probs(model, ids, f16_matrices):
    """PyTorch's log-probabilities for one sequence, in float64, from the model's weights or
    from them with every matrix (rank-2 tensor) rounded to f16 as vkgpt stores them."""
    ref = copy.deepcopy(model).double()
    if f16_matrices:
        with torch.no_grad():
            for p in ref.parameters():
                if p.dim() == 2:
                    p.copy_(p.half().double())
    ref.eval()
    with torch.no_grad():
        return ref(torch.tensor([ids], dtype=torch.long))[0].tolist()


def write_json(path, obj):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, ensure_ascii=False, indent=1)
        f.write("\n")


def fixture_cases(model, cases):
    """cases: [(text or None, ids)] -> JSON cases with both references."""
    return [{"text": text, "ids": ids,
             "log_probs_f32": reference_log_probs(model, ids, False),
             "log_probs_f16": reference_log_probs(model, ids, True)} for text, ids in cases]


def tiny_fixtures(out_dir, seed):
    """Small untrained models in both layouts and both scalings, saved like the real one, with
    references for random id sequences of several lengths up to seq_length."""
    made = []
    for name, wide, scale in (("tiny-narrow", False, "width"),
                              ("tiny-narrow-headscale", False, "head"),
                              ("tiny-wide", True, "width")):
        torch.manual_seed(seed)
        hp = {"k": 16, "heads": 4, "depth": 2, "seq_length": 12, "num_tokens": 40,
              "num_classes": 3}
        model = Transformer(**hp, wide=wide, scale=scale)
        with torch.no_grad():
            for n, p in model.named_parameters():
                if "norm" in n:
                    p.add_(0.1 * torch.randn_like(p))  # LayerNorm gains and shifts not 1 and 0
            model.toprobs.weight.mul_(4.0)  # log-probabilities far from uniform
        folder = os.path.join(out_dir, name)
        os.makedirs(folder, exist_ok=True)
        save_safetensors(os.path.join(folder, "model.safetensors"), state_arrays(model))
        write_json(os.path.join(folder, "config.json"),
                   dict(model_config(model, hp, None, None), labels=["a", "b", "c"],
                        tokenizer_plugin=None))
        rng = random.Random(seed)
        cases = [(None, [rng.randrange(hp["num_tokens"]) for _ in range(n)])
                 for n in (1, 2, 5, 12)]
        write_json(os.path.join(out_dir, name + ".expected.json"),
                   {"model": name, "cases": fixture_cases(model, cases)})
        made.append(name)
    return made


# ---- Main ------------------------------------------------------------------------------------

MODEL_CARD = """# langid: which language a line of Debian documentation is in

A transformer classifier of the lecture's architecture (token and position embeddings,
{depth} post-LayerNorm blocks of {heads} "{attention}" attention heads over width k = {k},
mean pooling over the sequence, a linear layer and log-softmax), {n_params:,} parameters,
trained to tell the language of one line of a Debian manual page: {labels}.

| | |
|---|---|
| held-out accuracy | **{accuracy:.2%}** on {n_held:,} lines ({n_held_each:,} per language) |
| training lines | {n_train:,} ({n_train_each:,} per language), {epochs} epochs |
| tokenizer | byte-level BPE, {vocab} tokens, learnt by `vkgpt tokenizer train` |
| longest input | {seq_length} tokens; `vkgpt classify` reads only the first {seq_length} |
| weights | `model.safetensors`, f32, the PyTorch module's own parameter names |

Per language (held out): {per_lang}.

vkgpt's log-probabilities for this model equal PyTorch's within 2e-5
(tests/model/test_classifier.c), so `vkgpt classify -f` over the held-out lines (the script
leaves them in build/train-classifier/held_out.txt, {n_held_each:,} per language in the order
{labels}) gives the same accuracy.

## Data

Text lines of the manual pages of Debian 12's `manpages` (English) and `manpages-de`,
`manpages-fr`, `manpages-ru` (version 4.18.1), roff formatting removed, 20 to 200 characters,
at least three words. Pages are assigned to training or held-out by a hash of their name, so a
page and its translations are on the same side. Lines that occur in more than one language
(reference lists, commands, untranslated paragraphs) are dropped, as are Russian lines without
a Cyrillic letter. The held-out accuracy counts every remaining held-out line, short and
ambiguous ones included: a line such as a bare list of option names has no language.

## Use

```sh
vkgpt classify -m models/langid -p "Die Datei wurde nicht gefunden."
vkgpt classify -m models/langid -f lines.txt --json
```

## Reproduce

```sh
apt-get install manpages manpages-de manpages-fr manpages-ru
ninja -C build
/usr/bin/python3 tools/train_classifier.py
```

It takes about ten minutes on two CPU cores shared with other work (torch {torch_version}, one
thread, seed {seed}) and rewrites this folder and tests/fixtures/classifier/.
"""


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", default="build")
    ap.add_argument("--out", default="models/langid")
    ap.add_argument("--fixtures", default="tests/fixtures/classifier")
    ap.add_argument("--work", default="build/train-classifier")
    ap.add_argument("--seed", type=int, default=20240611)
    ap.add_argument("--train-lines", type=int, default=4000, help="per language")
    ap.add_argument("--held-out-lines", type=int, default=1500, help="per language")
    ap.add_argument("--vocab", type=int, default=1024)
    ap.add_argument("--k", type=int, default=32)
    ap.add_argument("--heads", type=int, default=2)
    ap.add_argument("--depth", type=int, default=2)
    ap.add_argument("--seq-length", type=int, default=64)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--narrow", action="store_true", help="the narrow attention layout")
    # One thread: on two cores shared with other work, Debian's torch (generic BLAS, OpenMP)
    # took 1.6 s per batch with two threads and 0.33 s with one.
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--tiny-only", action="store_true", help="only the untrained fixtures")
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    os.makedirs(args.fixtures, exist_ok=True)
    print("tiny fixtures:", ", ".join(tiny_fixtures(args.fixtures, args.seed)))
    if args.tiny_only:
        return
    random.seed(args.seed)
    torch.manual_seed(args.seed)
    vk = Vkgpt(args.build)
    os.makedirs(args.work, exist_ok=True)
    os.makedirs(args.out, exist_ok=True)

    data = collect(args.train_lines, args.held_out_lines, args.seed)
    train_text = os.path.join(args.work, "train.txt")
    with open(train_text, "w", encoding="utf-8") as f:
        f.write("\n".join(line for lang in LANGS for line in data[lang]["train"]) + "\n")
    vk.train_tokenizer(train_text, args.vocab, args.out)
    vocab = len(json.load(open(os.path.join(args.out, "vocab.json"), encoding="utf-8")))

    parts = {}
    for part in ("train", "held_out"):
        lines = [line for lang in LANGS for line in data[lang][part]]
        labels = [i for i, lang in enumerate(LANGS) for _ in data[lang][part]]
        parts[part] = (lines, vk.encode_lines(args.out, lines,
                                              os.path.join(args.work, part + ".txt")), labels)
    hp = {"k": args.k, "heads": args.heads, "depth": args.depth, "seq_length": args.seq_length,
          "num_tokens": vocab, "num_classes": len(LANGS)}
    model = Transformer(**hp, wide=not args.narrow, scale="width")
    _, train_ids, train_y = parts["train"]
    train(model, train_ids, train_y, args)

    held_lines, held_ids, held_y = parts["held_out"]
    accuracy = evaluate(model, held_ids, held_y, args.seq_length)
    per_lang = []
    for i, lang in enumerate(LANGS):
        sel = [j for j, y in enumerate(held_y) if y == i]
        acc = evaluate(model, [held_ids[j] for j in sel], [i] * len(sel), args.seq_length)
        per_lang.append(f"{lang} {acc:.2%}")
    print(f"held-out accuracy {accuracy:.4f} ({', '.join(per_lang)})")

    save_safetensors(os.path.join(args.out, "model.safetensors"), state_arrays(model))
    write_json(os.path.join(args.out, "config.json"), model_config(model, hp, LANGS, "bpe"))
    n_params = sum(p.numel() for p in model.parameters())
    with open(os.path.join(args.out, "README.md"), "w", encoding="utf-8") as f:
        f.write(MODEL_CARD.format(
            depth=args.depth, heads=args.heads, k=args.k, n_params=n_params,
            attention="narrow" if args.narrow else "wide", labels=", ".join(LANGS),
            accuracy=accuracy, n_held=len(held_y), n_held_each=len(held_y) // len(LANGS),
            n_train=len(train_y), n_train_each=len(train_y) // len(LANGS), epochs=args.epochs,
            vocab=vocab, seq_length=args.seq_length, per_lang=", ".join(per_lang),
            torch_version=torch.__version__, seed=args.seed))

    # Fixture: two held-out lines per language, and the first seq_length tokens of a line
    # longer than that (the text API truncates; the ids here are already truncated).
    cases = []
    for i, lang in enumerate(LANGS):
        picks = [j for j, y in enumerate(held_y) if y == i][:2]
        cases += [(held_lines[j], held_ids[j][:args.seq_length]) for j in picks]
    longest = max(range(len(held_ids)), key=lambda j: len(held_ids[j]))
    if len(held_ids[longest]) > args.seq_length:
        cases.append((held_lines[longest], held_ids[longest][:args.seq_length]))
    write_json(os.path.join(args.fixtures, "langid.expected.json"),
               {"model": "models/langid", "accuracy": accuracy, "cases":
                fixture_cases(model, cases)})


if __name__ == "__main__":
    main()
