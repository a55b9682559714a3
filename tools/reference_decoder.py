#!/usr/bin/python3
"""Reference decoder for vkgpt's generation driver, written from Hugging Face generate()'s
rules (transformers 4.45) and sharing no code with the C implementation.

It drives a deterministic toy language model whose logits are a fixed function of the token
sequence, and writes the ids that greedy search, sampling, beam search and beam sampling must
produce, for the C tests to compare against (tests/decode/test_driver.c).

The toy model (toy_model.json, format "vkgpt-toy-lm-1"): for a sequence s of length n >= 1,
with a = s[n-1], b = s[n-2] (or a when n == 1) and p = (n - 1) mod n_pos,
    logit[v] = float32((bigram[a][v] + skip[b][v]) + position[p][v])
where the tables hold float32 values and the sum is taken in double. Token v decodes to
pieces[v] (UTF-8 text, used for stop strings).

Every decision is made in double arithmetic in a fixed order (see runtime/decode/logits.h),
so the C driver must reproduce each id exactly. Hugging Face computes in float32; the
--torch-check pass re-runs the deterministic cases with float32 tensors and torch.topk, as
Hugging Face does, and confirms the same ids come out. Sampling cannot be compared with
torch.multinomial; it uses the generator and the inverse-CDF procedure documented in
runtime/decode/rng.h and logits.h, implemented again here.

Because C and Python call the same libm functions (exp, log, pow), their results agree to the
last bit on one machine; on another libm they could differ in the last bit. The script
therefore records, for every decision, how far the deciding quantities were from a tie and
refuses to write fixtures where any margin is below 1e-9 (relative), so that such a difference
cannot change an expected id.

tools/reference_decoder_gpt2.py runs the same rules on the tiny GPT-2 checkpoints of
tests/fixtures/gpt2 instead of the toy model.

usage: reference_decoder.py [--model toy_model.json] [--out expected.json] [--new-model]
                            [--torch-check]
"""
import argparse
import json
import math
import os
import sys

import numpy as np

NEG_INF = float("-inf")
MASK64 = (1 << 64) - 1
MARGIN_MIN = 1e-9


# ---------------------------------------------------------------------------------------------
# Tie margins

class Margins:
    """The smallest relative distance from a tie seen at any decision."""

    def __init__(self):
        self.smallest = math.inf
        self.where = ""

    def note(self, a, b, what):
        if a == b or not (math.isfinite(a) and math.isfinite(b)):
            return  # exact ties are broken by a rule both sides apply identically
        m = abs(a - b) / max(1.0, abs(a), abs(b))
        if m < self.smallest:
            self.smallest, self.where = m, what


MARGINS = Margins()


# ---------------------------------------------------------------------------------------------
# Toy model

def f32(x):
    return float(np.float32(x))


class ToyModel:
    def __init__(self, d):
        if d.get("format") != "vkgpt-toy-lm-1":
            raise SystemExit("not a vkgpt-toy-lm-1 model")
        self.n_vocab = d["n_vocab"]
        self.n_ctx = d["n_ctx"]
        self.n_pos = d["n_pos"]
        self.bigram = d["bigram"]
        self.skip = d["skip"]
        self.position = d["position"]
        self.pieces = d["pieces"]
        self.eos = d["eos_token_ids"]

    def logits(self, seq):
        n = len(seq)
        a = seq[-1]
        b = seq[-2] if n >= 2 else a
        p = (n - 1) % self.n_pos
        return [f32((self.bigram[a][v] + self.skip[b][v]) + self.position[p][v])
                for v in range(self.n_vocab)]

    def decode(self, ids):
        return "".join(self.pieces[i] for i in ids).encode("utf-8")


def new_toy_model(seed=20240917, n_vocab=32, n_ctx=64, n_pos=16):
    rs = np.random.RandomState(seed)
    bigram = rs.normal(0.0, 2.0, (n_vocab, n_vocab)).astype(np.float32)
    skip = rs.normal(0.0, 1.0, (n_vocab, n_vocab)).astype(np.float32)
    position = rs.normal(0.0, 0.5, (n_pos, n_vocab)).astype(np.float32)
    # Make the end-of-text token 1 likely enough that beams finish within a few steps.
    bigram[:, 1] += np.float32(1.0)
    letters = "etaoinshrdlucmfwypvbgkjqxz"
    pieces = ["<pad>", "<eos>", " ", "th", "e ", "Жи", "ё"]
    pieces += list(letters[:n_vocab - len(pieces)])
    return {
        "format": "vkgpt-toy-lm-1",
        "n_vocab": n_vocab,
        "n_ctx": n_ctx,
        "n_pos": n_pos,
        "eos_token_ids": [1],
        "pieces": pieces,
        "bigram": [[float(x) for x in row] for row in bigram],
        "skip": [[float(x) for x in row] for row in skip],
        "position": [[float(x) for x in row] for row in position],
    }


# ---------------------------------------------------------------------------------------------
# Random numbers (runtime/decode/rng.h)

GAMMA = 0x9E3779B97F4A7C15


def mix64(z):
    z &= MASK64
    z ^= z >> 30
    z = (z * 0xBF58476D1CE4E5B9) & MASK64
    z ^= z >> 27
    z = (z * 0x94D049BB133111EB) & MASK64
    return z ^ (z >> 31)


class Rng:
    def __init__(self, seed, stream):
        self.key = mix64(seed + GAMMA * (stream + 1))
        self.counter = 0

    def uniform(self):
        self.counter += 1
        x = mix64(self.key + GAMMA * self.counter)
        return float(x >> 11) * 2.0 ** -53


# ---------------------------------------------------------------------------------------------
# Generation config (GenerationConfig names and defaults)

DEFAULTS = {
    "strategy": "greedy", "max_new_tokens": 64, "min_new_tokens": 0, "temperature": 1.0,
    "top_k": 50, "top_p": 1.0, "num_beams": 1, "length_penalty": 1.0,
    "early_stopping": False, "num_return_sequences": 1, "repetition_penalty": 1.0,
    "no_repeat_ngram_size": 0, "eos_token_id": [1], "stop": [], "seed": 0,
}


def full_config(cfg):
    out = dict(DEFAULTS)
    out.update(cfg)
    return out


def samples(cfg):
    return cfg["strategy"] in ("sample", "beam_sample")


def is_beam(cfg):
    return cfg["strategy"] in ("beam", "beam_sample")


# ---------------------------------------------------------------------------------------------
# Logits processors, Hugging Face's order and rules, in double precision

def exp_weights_total(values, mx):
    total = 0.0
    for v in values:
        total += math.exp(v - mx)
    return total


def repetition_penalty(scores, ids, penalty):
    # Each distinct id once: divide a positive score, multiply a negative one.
    for t in set(ids):
        s = scores[t]
        scores[t] = s * penalty if s < 0.0 else s / penalty


def no_repeat_ngram(scores, ids, n):
    if len(ids) + 1 < n:
        return
    prefix = ids[len(ids) - (n - 1):] if n > 1 else []
    for start in range(len(ids) - n + 1):
        if ids[start:start + n - 1] == prefix:
            scores[ids[start + n - 1]] = NEG_INF


def top_k(scores, k, min_keep):
    k = max(k, min_keep)
    if k >= len(scores):
        return
    ordered = sorted(scores, reverse=True)
    kth = ordered[k - 1]
    # Only the largest score below the k-th decides what is kept: the scores above it stay
    # whatever their order.
    below = [v for v in ordered[k:] if v != kth]
    if below:
        MARGINS.note(below[0], kth, "top-k threshold")
    for i, s in enumerate(scores):
        if s < kth:
            scores[i] = NEG_INF


def top_p(scores, p, min_keep):
    if p >= 1.0:
        return
    finite = sorted((s, i) for i, s in enumerate(scores) if math.isfinite(s))
    if not finite:
        return
    mx = finite[-1][0]
    total = exp_weights_total([s for s, _ in finite], mx)
    cut = 1.0 - p
    running = 0.0
    for j in range(len(finite) - min_keep):
        s, i = finite[j]
        running += math.exp(s - mx)
        MARGINS.note(running / total, cut, "top-p cut")
        if running / total <= cut:
            scores[i] = NEG_INF


def process(cfg, scores, ids, n_new):
    if cfg["repetition_penalty"] != 1.0:
        repetition_penalty(scores, ids, cfg["repetition_penalty"])
    if cfg["no_repeat_ngram_size"] > 0:
        no_repeat_ngram(scores, ids, cfg["no_repeat_ngram_size"])
    if n_new < cfg["min_new_tokens"]:
        for e in cfg["eos_token_id"]:
            scores[e] = NEG_INF
    if not samples(cfg):
        return
    min_keep = 2 if is_beam(cfg) else 1
    if cfg["temperature"] != 1.0:
        for i in range(len(scores)):
            scores[i] = scores[i] / cfg["temperature"]
    if cfg["top_k"] != 0:
        top_k(scores, cfg["top_k"], min_keep)
    if cfg["top_p"] < 1.0:
        top_p(scores, cfg["top_p"], min_keep)


def log_softmax(scores):
    mx = max(s for s in scores if math.isfinite(s))
    ls = math.log(exp_weights_total(scores, mx))
    return [(s - mx) - ls for s in scores]


def argmax(scores):
    best = -1
    for i, s in enumerate(scores):
        if math.isfinite(s) and (best < 0 or s > scores[best]):
            best = i
    second = [s for i, s in enumerate(scores) if i != best and math.isfinite(s)]
    if second:
        MARGINS.note(scores[best], max(second), "argmax")
    return best


def inverse_cdf(weights, u, what):
    """First index whose running sum exceeds u * total, in index order; -1 if all are 0."""
    total = 0.0
    for w in weights:
        total += w
    if not total > 0.0:
        return -1
    target = u * total
    running, last = 0.0, -1
    for i, w in enumerate(weights):
        if w > 0.0:
            before = running
            running += w
            last = i
            if running > target:
                MARGINS.note(before / total, target / total, what)
                MARGINS.note(running / total, target / total, what)
                return i
    return last


def sample(scores, u):
    mx = max(s for s in scores if math.isfinite(s))
    return inverse_cdf([math.exp(s - mx) for s in scores], u, "sample")


# ---------------------------------------------------------------------------------------------
# Greedy and sample: one sequence at a time

def find_stop(model, cfg, gen):
    if not cfg["stop"]:
        return None
    text = model.decode(gen)
    hits = [text.find(s.encode("utf-8")) for s in cfg["stop"]]
    hits = [h for h in hits if h >= 0]
    return min(hits) if hits else None


def generate_row(model, cfg, prompt, stream):
    rng = Rng(cfg["seed"], stream)
    limit = min(cfg["max_new_tokens"], model.n_ctx - len(prompt))
    ids = list(prompt)
    gen = []
    while True:
        scores = [float(x) for x in model.logits(ids)]
        process(cfg, scores, ids, len(gen))
        tok = sample(scores, rng.uniform()) if samples(cfg) else argmax(scores)
        ids.append(tok)
        gen.append(tok)
        stop_at = find_stop(model, cfg, gen)
        if tok in cfg["eos_token_id"]:
            return {"ids": gen, "score": 0.0, "finish": "eos"}
        if stop_at is not None:
            return {"ids": gen, "score": 0.0, "finish": "stop", "stop_offset": stop_at}
        if len(gen) >= limit:
            return {"ids": gen, "score": 0.0, "finish": "length"}


# ---------------------------------------------------------------------------------------------
# Beam search: BeamSearchScorer and BeamHypotheses

class Hypotheses:
    def __init__(self, cfg, max_new):
        self.num_beams = cfg["num_beams"]
        self.lp = cfg["length_penalty"]
        self.early = cfg["early_stopping"]
        self.max_new = max_new
        self.beams = []  # (score, ids, finish) in the order added
        self.worst = 1e9
        self.done = False

    def add(self, ids, sum_logprobs, gen_len, finish):
        score = sum_logprobs / (float(gen_len) ** self.lp)
        if len(self.beams) >= self.num_beams:
            MARGINS.note(score, self.worst, "hypothesis vs worst")
        if len(self.beams) < self.num_beams or score > self.worst:
            self.beams.append((score, list(ids), finish))
            if len(self.beams) > self.num_beams:
                ranked = sorted((s, idx) for idx, (s, _, _) in enumerate(self.beams))
                del self.beams[ranked[0][1]]
                self.worst = ranked[1][0]
            else:
                self.worst = min(score, self.worst)

    def is_done(self, best_sum, cur_len):
        if len(self.beams) < self.num_beams:
            return False
        if self.early is True:
            return True
        length = cur_len
        if self.early == "never" and self.lp > 0.0:
            length = self.max_new
        best = best_sum / (float(length) ** self.lp)
        MARGINS.note(self.worst, best, "is_done")
        return self.worst >= best


class ExactScores:
    """Per-beam scores in double, as logits.h specifies."""

    def row(self, cfg, logits, ids, n_new, beam_score):
        s = log_softmax([float(x) for x in logits])
        process(cfg, s, ids, n_new)
        return [x + beam_score for x in s]

    def best_k(self, flat, k):
        order = sorted(range(len(flat)), key=lambda i: (-flat[i], i))
        return [(flat[i], i) for i in order[:k]]


def beam_candidates(scorer, cfg, model, beams, n_new, k, rng):
    flat = []
    for ids, score in beams:
        flat.extend(scorer.row(cfg, model.logits(ids), ids, n_new, score))
    if not samples(cfg):
        return scorer.best_k(flat, k + 1)  # one more, to check the margin at the k-th
    mx = max(flat)
    weights = [math.exp(x - mx) if math.isfinite(mx) else 0.0 for x in flat]
    picked = []
    while len(picked) < k:
        i = inverse_cdf(weights, rng.uniform(), "beam sample")
        if i < 0:
            break
        picked.append(i)
        weights[i] = 0.0
    rest = sorted((i for i in range(len(flat)) if i not in picked), key=lambda i: (-flat[i], i))
    picked += rest[:k - len(picked)]
    return sorted(((flat[i], i) for i in picked), key=lambda c: (-c[0], c[1]))


def select_beams(cands, beams, eos, nb, n_prompt, n_vocab):
    """Walks the candidates best first: an eos among the first nb ends a hypothesis, the others
    continue as the next beams until nb of them are found. Returns (next beams, ended)."""
    nxt, ended = [], []
    for rank, (score, flat) in enumerate(cands):
        b, tok = divmod(flat, n_vocab)
        if tok in eos:
            if rank < nb:
                ended.append((beams[b][0][n_prompt:] + [tok], score))
        else:
            nxt.append((beams[b][0] + [tok], score))
        if len(nxt) == nb:
            break
    return nxt, ended


def note_rank_margins(cands, k, beams, eos, nb, n_prompt, n_vocab):
    """Notes the gap between neighbouring candidates wherever exchanging the two would change
    which sequences continue or end (cands may hold one more than the k considered). Order
    alone does not matter: it only numbers the rows."""
    def outcome(cs):
        nxt, ended = select_beams(cs[:k], beams, eos, nb, n_prompt, n_vocab)
        return (sorted(tuple(ids) for ids, _ in nxt), sorted(tuple(ids) for ids, _ in ended))

    base = outcome(cands)
    for r in range(len(cands) - 1):
        swapped = list(cands)
        swapped[r], swapped[r + 1] = swapped[r + 1], swapped[r]
        if outcome(swapped) != base:
            MARGINS.note(cands[r][0], cands[r + 1][0], "beam rank")


def stopped(model, cfg, gen):
    return find_stop(model, cfg, gen) is not None


def beam_search(model, cfg, prompt, stream, scorer, trace=None):
    nb = cfg["num_beams"]
    eos = cfg["eos_token_id"]
    k = max(2, 1 + len(eos)) * nb
    limit = min(cfg["max_new_tokens"], model.n_ctx - len(prompt))
    hyps = Hypotheses(cfg, limit)
    rng = Rng(cfg["seed"], stream)
    n_prompt = len(prompt)
    beams = [(list(prompt), 0.0 if j == 0 else -1e9) for j in range(nb)]
    end = "length"
    t = 0
    while True:
        cands = beam_candidates(scorer, cfg, model, beams, t, k, rng)
        note_rank_margins(cands, k, beams, eos, nb, n_prompt, model.n_vocab)
        cands = cands[:k]
        nxt, ended = select_beams(cands, beams, eos, nb, n_prompt, model.n_vocab)
        for ids, score in ended:
            hyps.add(ids, score, t + 1, "eos")
        assert len(nxt) == nb
        hyps.done = hyps.is_done(cands[0][0], t + 1)
        beams = nxt
        t += 1
        if trace is not None:
            trace.append([ids[n_prompt:] for ids, _ in beams])
        if hyps.done:
            break
        if t >= limit:
            break
        if cfg["stop"] and all(stopped(model, cfg, ids[n_prompt:]) for ids, _ in beams):
            end = "stop"
            break
    if not hyps.done:
        for ids, score in beams:
            hyps.add(ids[n_prompt:], score, t, end)

    ranked = sorted(range(len(hyps.beams)), key=lambda i: (-hyps.beams[i][0], -i))
    for r in range(min(cfg["num_return_sequences"], len(ranked) - 1)):
        MARGINS.note(hyps.beams[ranked[r]][0], hyps.beams[ranked[r + 1]][0], "final order")
    out = []
    for i in ranked[:cfg["num_return_sequences"]]:
        score, ids, finish = hyps.beams[i]
        seq = {"ids": ids, "score": score, "finish": finish}
        if finish == "stop":
            seq["stop_offset"] = find_stop(model, cfg, ids)
        out.append(seq)
    return out


# ---------------------------------------------------------------------------------------------
# A float32 re-run with torch, as Hugging Face computes

class TorchScores:
    """Hugging Face's tensor operations: float32 log_softmax, processors and torch.topk."""

    def __init__(self):
        import torch
        self.torch = torch

    def row(self, cfg, logits, ids, n_new, beam_score):
        torch = self.torch
        s = torch.log_softmax(torch.tensor([logits], dtype=torch.float32), dim=-1)
        if cfg["repetition_penalty"] != 1.0:
            idx = torch.tensor([ids])
            g = torch.gather(s, 1, idx)
            g = torch.where(g < 0, g * cfg["repetition_penalty"], g / cfg["repetition_penalty"])
            s = s.scatter(1, idx, g)
        n = cfg["no_repeat_ngram_size"]
        if n > 0:
            plain = s[0].tolist()
            no_repeat_ngram(plain, ids, n)
            s = torch.tensor([plain], dtype=torch.float32)
        if n_new < cfg["min_new_tokens"]:
            s[0, cfg["eos_token_id"]] = NEG_INF
        s = s + torch.tensor(beam_score, dtype=torch.float32)
        return s[0]

    def best_k(self, flat, k):
        torch = self.torch
        v, i = torch.topk(torch.stack(flat).reshape(-1), k)
        return [(float(a), int(b)) for a, b in zip(v.tolist(), i.tolist())]


def torch_beam_candidates(scorer, cfg, model, beams, n_new, k, rng):
    rows = [scorer.row(cfg, model.logits(ids), ids, n_new, score) for ids, score in beams]
    return scorer.best_k(rows, k)


def torch_greedy_row(model, cfg, prompt):
    import torch
    limit = min(cfg["max_new_tokens"], model.n_ctx - len(prompt))
    ids, gen = list(prompt), []
    while len(gen) < limit:
        s = torch.tensor([model.logits(ids)], dtype=torch.float32)
        if cfg["repetition_penalty"] != 1.0:
            idx = torch.tensor([ids])
            g = torch.gather(s, 1, idx)
            g = torch.where(g < 0, g * cfg["repetition_penalty"], g / cfg["repetition_penalty"])
            s = s.scatter(1, idx, g)
        if cfg["no_repeat_ngram_size"] > 0:
            plain = s[0].tolist()
            no_repeat_ngram(plain, ids, cfg["no_repeat_ngram_size"])
            s = torch.tensor([plain], dtype=torch.float32)
        if len(gen) < cfg["min_new_tokens"]:
            s[0, cfg["eos_token_id"]] = NEG_INF
        tok = int(torch.argmax(s, dim=-1)[0])
        ids.append(tok)
        gen.append(tok)
        if tok in cfg["eos_token_id"] or find_stop(model, cfg, gen) is not None:
            break
    return gen


def torch_check(model, cases):
    """Re-runs greedy and beam cases in float32 and reports any id that differs."""
    global beam_candidates
    exact_candidates = beam_candidates
    scorer = TorchScores()
    bad = 0
    for case in cases:
        cfg = full_config(case["config"])
        if samples(cfg):
            continue
        for p, prompt in enumerate(case["prompts"]):
            if is_beam(cfg):
                beam_candidates = torch_beam_candidates
                got = [s["ids"] for s in beam_search(model, cfg, prompt, p, scorer)]
                beam_candidates = exact_candidates
            else:
                got = [torch_greedy_row(model, cfg, prompt)]
            want = [s["ids"] for s in case["outputs"][p]]
            if got != want:
                bad += 1
                print(f"torch check: {case['name']} prompt {p}: {got} != {want}",
                      file=sys.stderr)
    print(f"torch check: {'all cases agree' if bad == 0 else f'{bad} differ'}",
          file=sys.stderr)
    return bad == 0


# ---------------------------------------------------------------------------------------------
# The cases

PROMPTS = [[5, 9, 12], [3, 7], [20, 4, 4, 8, 11]]


def cases():
    lecture = {"strategy": "sample", "temperature": 1.3, "top_k": 20, "top_p": 0.8}
    out = [
        ("greedy_batch", {"max_new_tokens": 12}, PROMPTS),
        ("greedy_repetition_penalty", {"max_new_tokens": 16, "repetition_penalty": 1.3},
         PROMPTS),
        ("greedy_no_repeat_2", {"max_new_tokens": 16, "no_repeat_ngram_size": 2}, PROMPTS),
        ("greedy_no_repeat_3", {"max_new_tokens": 20, "no_repeat_ngram_size": 3,
                                "eos_token_id": []}, PROMPTS[:1]),
        ("greedy_min_new_tokens", {"max_new_tokens": 12, "min_new_tokens": 6}, PROMPTS),
        ("greedy_context_limit", {"max_new_tokens": 12}, [list(range(2, 32)) * 2][:1]),
        ("sample_plain", {"strategy": "sample", "top_k": 0, "max_new_tokens": 12, "seed": 7,
                          "num_return_sequences": 2}, PROMPTS[:2]),
        ("sample_lecture", dict(lecture, max_new_tokens=16, seed=42), PROMPTS),
        ("sample_topk_topp_penalty", {"strategy": "sample", "top_k": 5, "top_p": 0.9,
                                      "repetition_penalty": 1.2, "temperature": 0.7,
                                      "max_new_tokens": 16, "seed": 3}, PROMPTS),
        ("sample_top_p_only", {"strategy": "sample", "top_k": 0, "top_p": 0.5,
                               "max_new_tokens": 16, "seed": 11}, PROMPTS[:2]),
        ("beam3_lp1_nrs2", {"strategy": "beam", "num_beams": 3, "max_new_tokens": 10,
                            "num_return_sequences": 2}, PROMPTS),
        ("beam4_lp05_early", {"strategy": "beam", "num_beams": 4, "length_penalty": 0.5,
                              "early_stopping": True, "max_new_tokens": 10}, PROMPTS),
        ("beam4_lp2_never_nrs3", {"strategy": "beam", "num_beams": 4, "length_penalty": 2.0,
                                  "early_stopping": "never", "max_new_tokens": 10,
                                  "num_return_sequences": 3}, PROMPTS),
        ("beam5_lp_neg_no_repeat", {"strategy": "beam", "num_beams": 5,
                                    "length_penalty": -0.5, "no_repeat_ngram_size": 2,
                                    "max_new_tokens": 12, "num_return_sequences": 5},
         PROMPTS[:2]),
        ("beam3_two_eos", {"strategy": "beam", "num_beams": 3, "eos_token_id": [1, 2],
                           "max_new_tokens": 10, "num_return_sequences": 3}, PROMPTS),
        ("beam2_penalties_min_new", {"strategy": "beam", "num_beams": 2,
                                     "repetition_penalty": 1.5, "min_new_tokens": 4,
                                     "max_new_tokens": 8}, PROMPTS),
        ("beam2_never_context_limit", {"strategy": "beam", "num_beams": 2,
                                       "early_stopping": "never", "max_new_tokens": 12,
                                       "num_return_sequences": 2},
         [list(range(2, 32)) * 2][:1]),
        ("beam_sample3", {"strategy": "beam_sample", "num_beams": 3, "temperature": 1.3,
                          "top_k": 8, "top_p": 0.9, "max_new_tokens": 10, "seed": 5,
                          "num_return_sequences": 2}, PROMPTS),
    ]
    return out


def stop_cases(model, expected):
    """Stop strings cut from earlier outputs, so that they are sure to appear: for greedy the
    text of tokens 8 and 9; for beams the texts of the fourth token of every open beam after
    four steps, so that all beams hold one by then."""
    greedy = expected["greedy_no_repeat_3"][0][0]["ids"]
    stop = model.decode(greedy[8:10]).decode("utf-8")
    cfg = full_config({"strategy": "beam", "num_beams": 3, "max_new_tokens": 10})
    trace = []
    beam_search(model, cfg, PROMPTS[0], 0, ExactScores(), trace)
    bstop = sorted({model.decode(b[3:4]).decode("utf-8") for b in trace[3]})
    return [
        ("greedy_stop_string", {"max_new_tokens": 20, "no_repeat_ngram_size": 3,
                                "eos_token_id": [], "stop": ["never appears", stop]},
         PROMPTS[:1]),
        ("beam_stop_string", {"strategy": "beam", "num_beams": 3, "max_new_tokens": 10,
                              "num_return_sequences": 2, "stop": bstop}, PROMPTS[:1]),
    ]


def run_case(model, cfg_in, prompts):
    cfg = full_config(cfg_in)
    outputs = []
    for p, prompt in enumerate(prompts):
        if is_beam(cfg):
            outputs.append(beam_search(model, cfg, prompt, p, ExactScores()))
        else:
            nrs = cfg["num_return_sequences"]
            outputs.append([generate_row(model, cfg, prompt, p * nrs + j) for j in range(nrs)])
    return outputs


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    fixtures = os.path.join(here, "..", "tests", "fixtures", "decode")
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", default=os.path.join(fixtures, "toy_model.json"))
    ap.add_argument("--out", default=os.path.join(fixtures, "expected.json"))
    ap.add_argument("--new-model", action="store_true", help="write a new toy model first")
    ap.add_argument("--torch-check", action="store_true",
                    help="re-run the deterministic cases in float32 with torch")
    args = ap.parse_args()

    if args.new_model:
        with open(args.model, "w", encoding="utf-8") as f:
            json.dump(new_toy_model(), f, ensure_ascii=False)
            f.write("\n")
    with open(args.model, encoding="utf-8") as f:
        model = ToyModel(json.load(f))

    results, by_name = [], {}
    for name, cfg, prompts in cases():
        outputs = run_case(model, cfg, prompts)
        by_name[name] = outputs
        results.append({"name": name, "config": cfg, "prompts": prompts, "outputs": outputs})
    for name, cfg, prompts in stop_cases(model, by_name):
        results.append({"name": name, "config": cfg, "prompts": prompts,
                        "outputs": run_case(model, cfg, prompts)})

    print(f"smallest tie margin {MARGINS.smallest:.3g} at {MARGINS.where}", file=sys.stderr)
    if MARGINS.smallest < MARGIN_MIN:
        raise SystemExit("a decision is too close to a tie; change the model seed or a case")
    if args.torch_check and not torch_check(model, results):
        raise SystemExit("the float32 re-run disagrees")

    doc = {"format": "vkgpt-decode-expected-1", "model": os.path.basename(args.model),
           "generator": "tools/reference_decoder.py", "cases": results}
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(doc, f, ensure_ascii=False, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
