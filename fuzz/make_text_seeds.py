#!/usr/bin/python3
"""make_text_seeds.py: the seed corpora of the tokenizer and config fuzzers, and the
tokenizer.json form of the fixed vocabulary. Run from the repository root; needs nothing
beyond the standard library. Writes fuzz/corpus/{vocab_merges,tokenizer_json,encode,config}/
and fuzz/vocab/tokenizer.json.

The seeds are small valid files of each kind, the variants the loaders accept (merges as
arrays, roles as objects, added tokens, add_prefix_space, ignore_merges), and the malformed
files the test suites refuse (tests/tokenizer/test_malformed.c, tests/config/)."""

import glob
import json
import os

OUT = "fuzz/corpus"
VOCAB = "fuzz/vocab"


def write(kind, name, data):
    os.makedirs(os.path.join(OUT, kind), exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(OUT, kind, name), "wb") as f:
        f.write(data)


def byte_chars():
    """GPT-2's byte-to-character table: the character that spells each byte in vocab.json."""
    keep = list(range(0x21, 0x7F)) + list(range(0xA1, 0xAD)) + list(range(0xAE, 0x100))
    table, extra = {}, 0
    for b in range(256):
        if b in keep:
            table[b] = chr(b)
        else:
            table[b] = chr(256 + extra)
            extra += 1
    return table


def toy_vocab(extra=()):
    """The 256 byte tokens, then extra pieces from id 256 on."""
    chars = byte_chars()
    vocab = {chars[b]: b for b in range(256)}
    for i, piece in enumerate(extra):
        vocab[piece] = 256 + i
    return vocab


def spell(text):
    """The vocab.json spelling of a byte string ("Ġthe" for " the")."""
    chars = byte_chars()
    return "".join(chars[b] for b in text.encode())


def dumps(obj):
    return json.dumps(obj, ensure_ascii=False)


def joined(*parts):
    return b"\0".join(p.encode() if isinstance(p, str) else p for p in parts)


def read(path):
    with open(path, "rb") as f:
        return f.read()


# ---- vocab.json + merges.txt ----

def vocab_merges_seeds():
    kind = "vocab_merges"
    pe = spell("П")
    toy = toy_vocab(["ab", spell(" t"), spell(" th"), spell(" the"), pe, "<|endoftext|>"])
    merges = "#version: 0.2\na b\n%s t\n%s h\n%s e\n%s %s\n" % (
        spell(" "), spell(" t"), spell(" th"), pe[0], pe[1])
    write(kind, "toy", joined(dumps(toy), merges))
    write(kind, "toy_crlf", joined(dumps(toy), merges.replace("\n", "\r\n")))
    write(kind, "toy_side_files", joined(
        dumps(toy), merges, dumps({"<pad>": 262, "<extra 1>": 263}),
        dumps({"eos_token": "<|endoftext|>", "pad_token": {"content": "<pad>"},
               "additional_special_tokens": ["<sep>", "<|endoftext|>"]})))
    write(kind, "bytes_only", dumps(toy_vocab()))
    write(kind, "fixed_vocabulary", joined(
        read(VOCAB + "/vocab.json"), read(VOCAB + "/merges.txt"), "{}",
        read(VOCAB + "/special_tokens_map.json")))

    # The malformed files of tests/tokenizer/test_malformed.c.
    write(kind, "truncated_vocab", joined('{"a": 0, "b": 1, "c"', merges))
    write(kind, "merge_unknown_token", joined(dumps(toy_vocab(["ab"])), "a b\nq zz\n"))
    write(kind, "merge_making_unknown", joined(dumps(toy), "a c\n"))
    write(kind, "merge_three_pieces", joined(dumps(toy), "a b c\n"))
    write(kind, "duplicate_ids", joined('{"a": 0, "b": 1, "c": 1}', ""))
    write(kind, "duplicate_pieces", joined('{"a": 0, "b": 1, "a": 2}', ""))
    write(kind, "id_past_vocabulary", joined('{"a": 0, "b": 70000}', ""))
    write(kind, "negative_id", joined('{"a": -1}', ""))
    write(kind, "string_id", joined('{"a": "zero"}', ""))
    write(kind, "not_utf8", joined(b'{"a": 0,\n "\xff\xfe": 1}', b""))
    write(kind, "not_an_object", joined("[1, 2, 3]", ""))
    write(kind, "missing_byte_tokens", joined('{"a": 0, "b": 1}', ""))
    write(kind, "long_string", joined('{"' + "x" * 70000 + '": 0}', ""))
    write(kind, "added_clash", joined(dumps(toy), merges, dumps({"ab": 7})))
    write(kind, "special_map_truncated", joined(dumps(toy), merges, "{}", '{"eos_token": "</s'))


# ---- tokenizer.json ----

def tokenizer_json(vocab, merges, added=(), prefix_space=False, ignore_merges=False):
    return {
        "version": "1.0",
        "added_tokens": list(added),
        "normalizer": None,
        "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": prefix_space,
                          "trim_offsets": True, "use_regex": True},
        "post_processor": None,
        "decoder": {"type": "ByteLevel"},
        "model": {"type": "BPE", "dropout": None, "unk_token": None,
                  "continuing_subword_prefix": "", "end_of_word_suffix": "",
                  "fuse_unk": False, "byte_fallback": False, "ignore_merges": ignore_merges,
                  "vocab": vocab, "merges": merges},
    }


def added(id_, content, special):
    return {"id": id_, "content": content, "single_word": False, "lstrip": False,
            "rstrip": False, "normalized": not special, "special": special}


def fixed_tokenizer_json():
    """The fixed vocabulary as tokenizer.json, with ignore_merges and added tokens past it,
    two of them with spaces inside (fuzz_encode's second tokenizer)."""
    vocab = json.loads(read(VOCAB + "/vocab.json"))
    merges = [line for line in read(VOCAB + "/merges.txt").decode().split("\n")[1:] if line]
    n = len(vocab)
    extra = [added(vocab["<|endoftext|>"], "<|endoftext|>", True),
             added(n, " New York", False), added(n + 1, "привет мир", False),
             added(n + 2, "<mask>", True), added(n + 3, "\t\t", False)]
    tj = tokenizer_json(vocab, merges, extra, ignore_merges=True)
    with open(VOCAB + "/tokenizer.json", "w") as f:
        json.dump(tj, f, ensure_ascii=False)
        f.write("\n")


def tokenizer_json_seeds():
    kind = "tokenizer_json"
    pe = spell("П")
    toy = toy_vocab(["ab", spell(" t"), spell(" th"), spell(" the"), pe, "<|endoftext|>",
                     spell(" x")])
    sp = spell(" ")
    merges = ["a b", sp + " t", sp + "t h", sp + "th e", pe[0] + " " + pe[1], sp + " x"]
    as_arrays = [m.split(" ") for m in merges]
    plain = tokenizer_json(toy, merges, [added(261, "<|endoftext|>", True)])
    write(kind, "toy", dumps(plain))
    write(kind, "toy_arrays_prefix_space", dumps(tokenizer_json(
        toy, as_arrays, [added(263, "foo bar", False)], prefix_space=True)))
    write(kind, "toy_ignore_merges", dumps(tokenizer_json(
        toy, merges, [added(263, "<mask>", True)], ignore_merges=True)))
    write(kind, "toy_side_files", joined(
        dumps(plain),
        dumps({"add_prefix_space": False, "eos_token": "<|endoftext|>",
               "added_tokens_decoder": {"263": {"content": "<pad>", "special": True},
                                        "264": {"content": "xyz", "special": False}}}),
        dumps({"bos_token": {"content": "<|endoftext|>"}, "pad_token": "<pad>",
               "additional_special_tokens": ["<extra>"]})))
    write(kind, "fixed_vocabulary", read(VOCAB + "/tokenizer.json"))

    # The malformed files of tests/tokenizer/test_malformed.c, and more of the same kind.
    write(kind, "wordpiece", '{"model": {"type": "WordPiece", "vocab": {"a": 0}}}')
    write(kind, "normalizer", '{"normalizer": {"type": "NFC"}, "pre_tokenizer": {"type": '
          '"ByteLevel"}, "model": {"type": "BPE", "vocab": {"a": 0}, "merges": []}}')
    write(kind, "added_past_vocabulary", '{"pre_tokenizer": {"type": "ByteLevel"}, '
          '"added_tokens": [{"id": 999, "content": "<x>", "special": true}], "model": '
          '{"type": "BPE", "vocab": {"a": 0}, "merges": []}}')
    write(kind, "bad_merge_entry", '{"pre_tokenizer": {"type": "ByteLevel"}, "model": '
          '{"type": "BPE", "vocab": {"a": 0}, "merges": [42]}}')
    write(kind, "byte_fallback", dumps(dict(plain, model=dict(plain["model"],
                                                               byte_fallback=True))))
    write(kind, "no_regex", dumps(dict(plain, pre_tokenizer={"type": "ByteLevel",
                                                             "use_regex": False})))
    write(kind, "merge_unknown", dumps(tokenizer_json(toy, merges + ["q zz"])))
    write(kind, "added_clash", dumps(tokenizer_json(toy, merges, [added(256, "zz", False)])))


# ---- Text for the fixed vocabulary ----

def encode_seeds():
    """The first byte is fuzz_encode's option bits; the rest is the text."""
    kind = "encode"
    russian = read("tests/fixtures/tokenizer/russian.txt")
    texts = {
        "english": b"The quick brown fox jumps over the lazy dog's back; it's 1234 yards.",
        "russian": russian[:2000],
        "mixed_scripts": "Привет, world! 你好，世界 ¿Qué tal? 😀👍🏽 naïve café".encode(),
        "special": b"one<|endoftext|>two <|endoftext|><|endoftext|>three<|endoft",
        "added": "a New York minute, привет мир\t\t<mask> New  York".encode(),
        "split_characters": b"\xd0\x9f\xd1\x80\xe2\x82\xac\xf0\x9f\x98\x80\xd0",
        "invalid_utf8": b"ok \xff\xfe \xc0\xaf \xed\xa0\x80 \xf4\x90\x80\x80 \xe2\x82 end",
        "spaces": b"   a  b \t\n\n  \r\n  " + b" " * 200 + b"x",
        "long_word": b"a" * 3000 + b" " + "я".encode() * 800,
        "digits_punctuation": b"x=1,234,567.89e-10; f(y)->z[0] += 42 // 'quoted' \"q\"",
        "contractions": b"I'm you're he's we'll they'd it's I've DON'T 's 't",
        "code": read("fuzz/fuzz_tok.c")[:3000],
    }
    for name, text in texts.items():
        for opt in (0, 3, 5):
            write(kind, "%s_%d" % (name, opt), bytes([opt]) + text)


# ---- YAML configs ----

def config_seeds():
    kind = "config"
    for path in sorted(glob.glob("configs/*.yaml")):
        write(kind, "shipped_" + os.path.basename(path), read(path))
    write(kind, "overrides", joined(read("configs/beam.yaml"), "generation.temperature=0.9",
                                    "generation.eos_token_id=[50256, 0]", "device=\"1\"",
                                    "generation.stop=END", "generation.seed=null"))
    write(kind, "every_key", """model:
  path: "models/gpt2"
  preset: gpt2-small
  dtype: f16
tokenizer:
  plugin: bpe
  path: tok
generation:
  strategy: sample
  do_sample: true
  num_beams: 1
  temperature: 0.7
  top_k: 40
  top_p: 0.95
  repetition_penalty: 1.1
  no_repeat_ngram_size: 3
  max_new_tokens: 100
  min_new_tokens: 2
  length_penalty: 1.0
  early_stopping: never
  num_return_sequences: 2
  eos_token_id: [50256, 0]
  stop: ["\\n\\n", 'END', x]
  seed: 18446744073709551615
classifier:
  labels: [negative, neutral, positive]
device: "Intel"
""")

    # The refusals of tests/config/test_config_errors.c.
    errors = [
        "generation:\n  temprature: 1.0\n", "model:\n  top_k: 5\n",
        "generation:\n  top_k: 2.5\n", "generation:\n  temperature: \"0.7\"\n",
        "generation:\n  early_stopping: sometimes\n", "generation:\n  stop: [[a]]\n",
        "- a\n- b\n", "{[a]: 1}\n", "generation:\n  top_p: 1.5\n",
        "generation:\n  max_new_tokens: 99999999999999999999\n",
        "generation:\n  eos_token_id: [1, 2, 3, 4, 5, 6, 7, 8, 9]\n",
        "model:\n  path: \"a\\0b\"\n", "classifier:\n  labels: [cat, dog, cat]\n",
        "generation:\n  top_k: 5\n  top_k: 6\n", "generation: &g\n  top_k: 5\n",
        "model:\n  path: &p x\ntokenizer:\n  path: *p\n", "generation:\n  top_k: !!int 5\n",
        "generation:\n  stop: " + "[" * 40, "generation:\n  top_k: [1, 2\n",
        "model:\n  dtype: f16\n---\nmodel:\n  dtype: f32\n",
        "generation:\n  strategy: greedy\n  num_beams: 4\n",
        "generation:\n  num_beams: 3\n  num_return_sequences: 4\n",
        "generation:\n  max_new_tokens: 5\n  min_new_tokens: 6\n",
        "generation:\n  temperature: 1,3\n", "%YAML 1.1\n---\ndevice: 0\n...\n",
    ]
    for i, text in enumerate(errors):
        write(kind, "error_%02d" % i, text)
    write(kind, "error_utf8", b"model:\n  path: \"ab\xff\"\n")
    write(kind, "error_truncated_utf8", b"model:\n  path: \"\xd1\x91\xd1\"\n")
    write(kind, "error_control", b"model:\n  path: a\x01b\n")


if __name__ == "__main__":
    fixed_tokenizer_json()
    vocab_merges_seeds()
    tokenizer_json_seeds()
    encode_seeds()
    config_seeds()
