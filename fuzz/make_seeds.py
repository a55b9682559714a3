#!/usr/bin/python3
"""make_seeds.py: the seed corpus of the weight-file fuzzers, small valid files of each kind
and a few that the readers must refuse. Run from the repository root with Debian's python3
(torch 1.13); writes fuzz/corpus/{safetensors,torch_zip,pickle}/."""

import collections
import io
import json
import os
import struct
import zipfile

import torch

OUT = "fuzz/corpus"


def write(kind, name, data):
    os.makedirs(os.path.join(OUT, kind), exist_ok=True)
    with open(os.path.join(OUT, kind, name), "wb") as f:
        f.write(data)


def safetensors(header, data):
    text = json.dumps(header).encode()
    return struct.pack("<Q", len(text)) + text + data


def entry(dtype, shape, begin, end):
    return {"dtype": dtype, "shape": shape, "data_offsets": [begin, end]}


def safetensors_seeds():
    write("safetensors", "valid", safetensors(
        {"__metadata__": {"format": "pt"}, "a": entry("F32", [2, 2], 0, 16),
         "s": entry("F16", [], 16, 18), "z": entry("BF16", [0, 3], 18, 18),
         "h.0.attn.bias": entry("BOOL", [1, 1, 2, 2], 18, 22)}, bytes(range(22))))
    write("safetensors", "overlap", safetensors(
        {"a": entry("F32", [1], 0, 4), "b": entry("F32", [1], 2, 6)}, bytes(6)))
    write("safetensors", "gap", safetensors(
        {"a": entry("F32", [1], 0, 4), "b": entry("F32", [1], 8, 12)}, bytes(12)))
    write("safetensors", "overflow", safetensors(
        {"a": entry("F32", [2, 2**63 - 1], 0, 4)}, bytes(4)))
    write("safetensors", "length_past_end", struct.pack("<Q", 1000) + b"{}")


def state_dict():
    sd = collections.OrderedDict()
    sd["transformer.wte.weight"] = torch.arange(12, dtype=torch.float32).view(3, 4)
    sd["transformer.h.0.ln_1.bias"] = torch.ones(4, dtype=torch.float16)
    mask = torch.tril(torch.ones(2, 2, dtype=torch.bool))
    sd["transformer.h.0.attn.bias"] = mask.view(1, 1, 2, 2)
    sd["transformer.h.0.attn.masked_bias"] = torch.tensor(-1e4)
    sd["lm_head.weight"] = sd["transformer.wte.weight"]
    sd["x.bf16"] = torch.zeros(2, dtype=torch.bfloat16)
    sd._metadata = collections.OrderedDict([("", {"version": 1})])
    return sd


def torch_seeds():
    buf = io.BytesIO()
    torch.save(state_dict(), buf)
    write("torch_zip", "valid", buf.getvalue())
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as z:
        write("pickle", "data.pkl", z.read("archive/data.pkl"))
    legacy = io.BytesIO()
    torch.save(state_dict(), legacy, _use_new_zipfile_serialization=False)
    write("pickle", "legacy", legacy.getvalue())
    write("pickle", "os_system", b"\x80\x02cos\nsystem\nX\x02\x00\x00\x00ls\x85R.")


if __name__ == "__main__":
    safetensors_seeds()
    torch_seeds()
