#!/usr/bin/python3
"""Expected generations of the tiny GPT-2 checkpoints (tests/fixtures/gpt2), for the device
tests of tests/api/test_generate.c.

The decoding rules are tools/reference_decoder.py's (Hugging Face generate(), double
precision, the documented random generator); this script only puts a real model behind them:
the float64 GPT-2 forward pass of tools/make_gpt2_fixtures.py, evaluated on the whole sequence
at every step (no cache), on the weights stored in the fixture folders. Each step's logits are
rounded to float32, as the device reports them.

The device computes in float32: on lavapipe its logits for these models differ from the float64
ones by at most 2e-6 (logits of size 3 to 5), so a decision that lies that close to a tie could
go either way there. Every case therefore draws its prompts from a seeded generator and redraws
them until the smallest tie margin of the whole case (reference_decoder.Margins: relative to
max(1, |values|), which for probabilities is absolute) is at least MARGIN_MIN = 1e-4, fifty
times the error seen; the margin is written with the case. (1e-3 was tried first: sampling
with top-k and top-p over 260 tokens then passed for only one prompt in eight, because the
k-th score and the top-p cut sit among many close values.)

It also writes a byte-level BPE tokenizer for tiny3 (260 ids: 256 bytes, 3 merges and
<|endoftext|>, as vocab.json and merges.txt in GPT-2's byte-to-unicode spelling). Which byte
each id stands for is chosen so that the greedy continuation of the "stream" prompt is valid
UTF-8 in which multi-byte characters are split across tokens: the streaming test then checks
that no delivered piece splits a character. With the tokenizer the script also produces cases
with stop strings.

usage: reference_decoder_gpt2.py [--out-dir tests/fixtures/decode]
Output (tests/fixtures/decode/README.md describes it):
  gpt2-tiny2.expected.json, gpt2-tiny3.expected.json   format vkgpt-decode-expected-1
  tiny3-tokenizer/vocab.json, tiny3-tokenizer/merges.txt
"""
import argparse
import json
import os
import re
import struct
import sys
import zlib

import numpy as np
import torch

import make_gpt2_fixtures as mk
import reference_decoder as rd

MARGIN_MIN = 1e-4
MAX_DRAWS = 400

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..")
GPT2_FIXTURES = os.path.join(ROOT, "tests", "fixtures", "gpt2")


# ---------------------------------------------------------------------------------------------
# The model

def read_safetensors(path):
    """name -> float64 tensor, with Hugging Face's "transformer." prefix removed."""
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    out = {}
    for name, t in header.items():
        if name == "__metadata__":
            continue
        if t["dtype"] != "F32":
            raise SystemExit(f"{path}: {name} is {t['dtype']}; the reference reads F32 weights")
        a, b = t["data_offsets"]
        arr = np.frombuffer(raw[8 + n + a:8 + n + b], dtype="<f4").reshape(t["shape"])
        key = name[len("transformer."):] if name.startswith("transformer.") else name
        out[key] = torch.from_numpy(arr.astype(np.float64))
    return out


class Gpt2Model:
    """The interface reference_decoder expects: n_vocab, n_ctx, logits(seq), decode(ids)."""

    def __init__(self, folder):
        with open(os.path.join(GPT2_FIXTURES, folder, "config.json")) as f:
            cfg = json.load(f)
        self.folder = folder
        self.hp = {k: cfg[k] for k in ("n_layer", "n_embd", "n_head", "vocab_size",
                                       "n_positions")}
        self.W = read_safetensors(os.path.join(GPT2_FIXTURES, folder, "model.safetensors"))
        self.n_vocab = cfg["vocab_size"]
        self.n_ctx = cfg["n_positions"]
        self.eos = cfg["eos_token_id"]
        self.pieces = None  # bytes of each id, once a tokenizer is attached
        self.cache = {}

    def logits(self, seq):
        key = tuple(seq)
        if key not in self.cache:
            last = mk.forward(self.W, self.hp, list(seq))[-1]
            self.cache[key] = [float(x) for x in last.numpy().astype(np.float32)]
        return self.cache[key]

    def decode(self, ids):
        if self.pieces is None:
            raise SystemExit("a case with stop strings needs the tokenizer")
        return b"".join(self.pieces[i] for i in ids)

    def check(self, seqs):
        """The second formulation of make_gpt2_fixtures agrees on every position of seqs."""
        for s in seqs:
            mk.checked_forward(self.W, self.hp, list(s))


# ---------------------------------------------------------------------------------------------
# Cases: prompts drawn until every decision is clear of float32 noise

def draw_prompts(rng, lengths, n_vocab, eos):
    prompts = []
    for n in lengths:
        p = [int(t) for t in rng.integers(0, n_vocab, size=n)]
        prompts.append([t for t in p if t != eos] or [0])
    return prompts


def run_with_margin(model, cfg, prompts):
    rd.MARGINS = rd.Margins()
    outputs = rd.run_case(model, cfg, prompts)
    return outputs, rd.MARGINS.smallest, rd.MARGINS.where


def solve_case(model, name, cfg, lengths=None, prompts=None):
    """Runs one case on fixed prompts, or on the first draw of prompts of the given lengths
    whose decisions all have margins of at least MARGIN_MIN."""
    cfg = dict(cfg)
    cfg.setdefault("eos_token_id", [model.eos])
    full = rd.full_config(cfg)
    rng = np.random.default_rng(zlib.crc32(f"{model.folder}/{name}".encode()))
    for _draw in range(MAX_DRAWS if prompts is None else 1):
        ps = prompts if prompts is not None else draw_prompts(rng, lengths, model.n_vocab,
                                                               model.eos)
        outputs, margin, where = run_with_margin(model, full, ps)
        if margin >= MARGIN_MIN:
            model.check([p + s["ids"] for p, outs in zip(ps, outputs) for s in outs])
            return {"name": name, "config": cfg, "prompts": ps, "outputs": outputs,
                    "min_margin": float(f"{margin:.3g}") if margin != float("inf") else None,
                    "min_margin_at": where or None}
    raise SystemExit(f"{model.folder} {name}: no prompts with margins >= {MARGIN_MIN} "
                     f"in {MAX_DRAWS} draws")


BEAM_GRID = [(nb, lp, early) for nb in (3, 5) for lp in (1.0, 0.5) for early in (False, True)]


def tiny3_cases(model, beam_eos):
    lecture = {"strategy": "sample", "temperature": 1.3, "top_k": 20, "top_p": 0.8}
    out = [
        solve_case(model, "greedy_batch", {"max_new_tokens": 12}, lengths=(1, 4, 9)),
        solve_case(model, "greedy_context_limit", {"max_new_tokens": 16}, lengths=(30,)),
        solve_case(model, "greedy_repetition_penalty",
                   {"max_new_tokens": 14, "repetition_penalty": 1.3}, lengths=(3, 6)),
        solve_case(model, "greedy_no_repeat_ngram_2",
                   {"max_new_tokens": 14, "no_repeat_ngram_size": 2}, lengths=(3, 6)),
        solve_case(model, "greedy_eos_min_new_tokens",
                   {"max_new_tokens": 12, "min_new_tokens": 3, "eos_token_id": [beam_eos]},
                   lengths=(2, 5)),
        solve_case(model, "sample_lecture_batch", dict(lecture, max_new_tokens=14, seed=42),
                   lengths=(2, 5, 8)),
        solve_case(model, "sample_temperature_0.7",
                   {"strategy": "sample", "temperature": 0.7, "top_k": 0, "max_new_tokens": 12,
                    "seed": 7, "num_return_sequences": 2}, lengths=(2, 6)),
        solve_case(model, "sample_repetition_penalty",
                   {"strategy": "sample", "temperature": 0.9, "top_k": 30,
                    "repetition_penalty": 1.3, "max_new_tokens": 12, "seed": 3},
                   lengths=(4,)),
    ]
    for nb, lp, early in BEAM_GRID:
        name = f"beam{nb}_lp{lp:g}_{'early' if early else 'not_early'}_nrs2"
        out.append(solve_case(model, name, {"strategy": "beam", "num_beams": nb,
                                            "length_penalty": lp, "early_stopping": early,
                                            "num_return_sequences": 2, "max_new_tokens": 10,
                                            "eos_token_id": [beam_eos]}, lengths=(3, 6)))
    out.append(solve_case(model, "beam3_no_repeat_ngram_2",
                          {"strategy": "beam", "num_beams": 3, "no_repeat_ngram_size": 2,
                           "max_new_tokens": 10, "eos_token_id": [beam_eos]}, lengths=(4,)))
    return out


def tiny2_cases(model, beam_eos):
    return [
        solve_case(model, "greedy_batch", {"max_new_tokens": 12}, lengths=(1, 5, 9)),
        solve_case(model, "sample_lecture_batch",
                   {"strategy": "sample", "temperature": 1.3, "top_k": 20, "top_p": 0.8,
                    "max_new_tokens": 12, "seed": 42}, lengths=(3, 4, 7)),
        solve_case(model, "beam5_lp0.5_not_early_nrs2",
                   {"strategy": "beam", "num_beams": 5, "length_penalty": 0.5,
                    "num_return_sequences": 2, "max_new_tokens": 10,
                    "eos_token_id": [beam_eos]}, lengths=(2, 4)),
    ]


def frequent_token(model, n_prompts=6, steps=12):
    """The id greedy search chooses most often from random prompts: as an eos id it makes
    beams end at different lengths, so that early stopping and length penalty matter."""
    rng = np.random.default_rng(99)
    counts = np.zeros(model.n_vocab, dtype=np.int64)
    for _ in range(n_prompts):
        ids = [int(t) for t in rng.integers(0, model.n_vocab - 1, size=3)]
        for _ in range(steps):
            logits = model.logits(ids)
            ids.append(int(np.argmax(logits)))
            counts[ids[-1]] += 1
    return int(np.argmax(counts))


# ---------------------------------------------------------------------------------------------
# The tiny3 tokenizer

def bytes_to_unicode():
    """GPT-2's printable spelling of each byte in vocab.json and merges.txt."""
    keep = (list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1))
            + list(range(ord("®"), ord("ÿ") + 1)))
    table, extra = {}, 0
    for b in range(256):
        if b in keep:
            table[b] = chr(b)
        else:
            table[b] = chr(256 + extra)
            extra += 1
    return table


MERGES = [(b" ", b"t"), (b"h", b"e"), (b" t", b"he")]  # ids 256, 257, 258: " t", "he", " the"
EOT = b"<|endoftext|>"


def utf8_classes(seq, fixed):
    """Assigns each id of seq a class: 'A' (ASCII), 'L2'/'L3' (lead of a 2- or 3-byte
    character) or 'C' (continuation), keeping `fixed`, so that seq's bytes are valid UTF-8 with
    as many multi-byte characters as possible. Depth-first over the ids in order of first
    appearance, checking the prefix whose ids all have classes."""
    order = []
    for t in seq:
        if t not in order and t not in fixed:
            order.append(t)
    need = {"A": 0, "L2": 1, "L3": 2}

    def valid_prefix(cls):
        pending = 0
        for t in seq:
            c = cls.get(t)
            if c is None:
                return True
            if c == "C":
                if pending == 0:
                    return False
                pending -= 1
            else:
                if pending:
                    return False
                pending = need[c]
        return True  # an unfinished last character is cut by max_new_tokens

    best = [None, -1]
    budget = [200000]  # nodes: enough for the ~15 distinct ids of a 24-token continuation

    def score(cls):
        return sum(1 for t in seq if cls[t] in ("L2", "L3")) + 3 * any(
            cls[t] == "L3" for t in seq)

    def dfs(i, cls):
        budget[0] -= 1
        if budget[0] < 0:
            return
        if i == len(order):
            s = score(cls)
            if s > best[1]:
                best[0], best[1] = dict(cls), s
            return
        for c in ("L3", "L2", "C", "A"):
            cls[order[i]] = c
            if valid_prefix(cls):
                dfs(i + 1, cls)
            del cls[order[i]]

    dfs(0, dict(fixed))
    return best[0]


def assign_bytes(classes, n_bytes=256):
    """id -> byte for the ids < 256: each class from its own range, the rest in order."""
    pools = {
        "A": [ord(c) for c in "abcdefgijklmnopqrsuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.,"],
        "L2": list(range(0xD0, 0xD2)) + list(range(0xC3, 0xD0)),
        "L3": list(range(0xE2, 0xED)) + [0xEE, 0xEF],  # E0 and ED restrict the next byte
        "C": list(range(0x90, 0xC0)) + list(range(0x80, 0x90)),
    }
    taken, table = set(), {}
    for t in sorted(classes):
        b = next(b for b in pools[classes[t]] if b not in taken)
        table[t] = b
        taken.add(b)
    rest = [b for b in range(256) if b not in taken]
    for t in range(n_bytes):
        if t not in table:
            table[t] = rest.pop(0)
    return table


def merged_pieces(table):
    pieces = [bytes([table[t]]) for t in range(256)]
    for a, b in MERGES:
        pieces.append(a + b)
    pieces.append(EOT)
    return pieces


def multibyte_splits(pieces, ids):
    """How many characters of the decoded ids begin in one token and end in another."""
    text, ends, splits = b"", set(), 0
    for t in ids:
        text += pieces[t]
        ends.add(len(text))
    i = 0
    while i < len(text):
        n = 1 if text[i] < 0x80 else 2 if text[i] < 0xE0 else 3 if text[i] < 0xF0 else 4
        splits += any(i < e < i + n for e in ends)
        i += n
    return splits


def design_tokenizer(model):
    """Draws the stream prompt (3 byte tokens) until its greedy continuation can be made valid
    UTF-8 with at least four characters split across tokens, then fixes the byte of each id."""
    rng = np.random.default_rng(2024)
    cfg = rd.full_config({"max_new_tokens": 24, "eos_token_id": [model.eos]})
    for _draw in range(MAX_DRAWS):
        prompt = [int(t) for t in rng.integers(0, 256, size=3)]
        outputs, margin, _ = run_with_margin(model, cfg, [prompt])
        gen = outputs[0][0]["ids"]
        if margin < MARGIN_MIN or any(t >= 256 for t in gen):
            continue
        classes = utf8_classes(gen, {t: "A" for t in prompt})
        table = assign_bytes(classes)
        pieces = merged_pieces(table)
        text = b"".join(pieces[t] for t in prompt)
        if any(a + b in text for a, b in MERGES):
            continue  # the prompt must encode to the drawn ids
        try:
            b"".join(pieces[t] for t in gen).decode()
        except UnicodeDecodeError:
            continue
        if multibyte_splits(pieces, gen) >= 4:
            return prompt, pieces
    raise SystemExit("no stream prompt gave a continuation that can be valid UTF-8")


def write_tokenizer(folder, pieces):
    spell = bytes_to_unicode()

    def spelled(b):
        return "".join(spell[x] for x in b)

    vocab = {spelled(p): i for i, p in enumerate(pieces[:259])}
    vocab[EOT.decode()] = 259
    assert len(vocab) == 260
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "vocab.json"), "w", encoding="utf-8") as f:
        json.dump(vocab, f, ensure_ascii=False)
        f.write("\n")
    with open(os.path.join(folder, "merges.txt"), "w", encoding="utf-8") as f:
        f.write("#version: 0.2\n")
        for a, b in MERGES:
            f.write(f"{spelled(a)} {spelled(b)}\n")


def text_cases(model, stream_prompt):
    """Cases that need the tokenizer: the stream prompt (given as text too), and stop strings
    cut from earlier outputs so that they are sure to appear."""
    stream = solve_case(model, "stream_greedy", {"max_new_tokens": 24},
                        prompts=[stream_prompt])
    stream["prompt_texts"] = [model.decode(stream_prompt).decode()]
    gen = stream["outputs"][0][0]["ids"]
    text = model.decode(gen).decode()
    stop = text[len(text) // 2:len(text) // 2 + 2]
    greedy_stop = solve_case(model, "greedy_stop_string",
                             {"max_new_tokens": 24, "stop": ["never appears", stop]},
                             prompts=[stream_prompt])

    sampled = solve_case(model, "sample_for_stop", {"strategy": "sample", "top_k": 0,
                                                    "max_new_tokens": 16, "seed": 11},
                         lengths=(4,))
    ids = sampled["outputs"][0][0]["ids"]
    ascii_at = [i for i in range(4, len(ids)) if ids[i] < 259 and
                re.fullmatch(rb"[ -~]+", model.pieces[ids[i]])]
    if not ascii_at:
        raise SystemExit("the sampled sequence holds no ASCII token to stop at")
    sample_stop = solve_case(model, "sample_stop_string",
                             dict(sampled["config"],
                                  stop=[model.pieces[ids[ascii_at[0]]].decode()]),
                             prompts=sampled["prompts"])
    return [stream, greedy_stop, sample_stop]


# ---------------------------------------------------------------------------------------------
# Output

def dump(doc):
    """JSON with one line per id list, so that the files stay small and diffs readable."""
    text = json.dumps(doc, ensure_ascii=False, indent=1)
    return re.sub(r"\[\s+([-0-9.e,\s]+?)\s+\]",
                  lambda m: "[" + re.sub(r"\s+", " ", m.group(1)) + "]", text)


def write_expected(path, model, cases, tokenizer=None):
    doc = {"format": "vkgpt-decode-expected-1",
           "model": "../gpt2/" + model.folder,
           "tokenizer": tokenizer,
           "generator": "tools/reference_decoder_gpt2.py",
           "margin_min": MARGIN_MIN,
           "cases": cases}
    if tokenizer is None:
        del doc["tokenizer"]
    with open(path, "w", encoding="utf-8") as f:
        f.write(dump(doc))
        f.write("\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out-dir", default=os.path.join(ROOT, "tests", "fixtures", "decode"))
    args = ap.parse_args()
    torch.set_num_threads(1)

    tiny3 = Gpt2Model("tiny3-st")
    stream_prompt, pieces = design_tokenizer(tiny3)
    tiny3.pieces = pieces
    write_tokenizer(os.path.join(args.out_dir, "tiny3-tokenizer"), pieces)
    eos3 = frequent_token(tiny3)
    cases3 = tiny3_cases(tiny3, eos3) + text_cases(tiny3, stream_prompt)
    write_expected(os.path.join(args.out_dir, "gpt2-tiny3.expected.json"), tiny3, cases3,
                   "tiny3-tokenizer")

    tiny2 = Gpt2Model("tiny2-st")
    cases2 = tiny2_cases(tiny2, frequent_token(tiny2))
    write_expected(os.path.join(args.out_dir, "gpt2-tiny2.expected.json"), tiny2, cases2)

    for c in cases3 + cases2:
        print(f"{c['name']:32s} margin {c['min_margin']} ({c['min_margin_at']})",
              file=sys.stderr)


if __name__ == "__main__":
    main()
