#!/usr/bin/env python3
"""Cross-checks Stride's safetensors files against PyTorch, in both directions.

    /usr/bin/python3 packages/core/scripts/safetensors_cross_check.py write
        writes test/fixtures/torch-tensors.safetensors from PyTorch tensors; Stride's test
        (test/safetensors-fixtures.test.ts) loads it and compares every value.
    /usr/bin/python3 packages/core/scripts/safetensors_cross_check.py check [FILE]
        reads a Stride-written file (default: test/fixtures/stride-tensors.safetensors, which
        that same test requires Stride to reproduce byte for byte), checks every value in
        PyTorch, and loads the `bn.*` entries into a torch.nn.BatchNorm2d with
        load_state_dict(strict=True): Stride's int32 `num_batches_tracked` ('I32') is accepted
        and lands in PyTorch's int64 buffer.

Debian 12 packages no `safetensors` module for Python, so the format (8-byte little-endian
header length, JSON header padded with spaces to 8 bytes, raw little-endian data) is written and
read here with struct and json, following the same layout rules as the reference writer: tensors
sorted by element size (widest first) then name, data tiling the buffer with no holes.
Both directions were run with PyTorch 1.13 and pass.
"""

import json
import os
import struct
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.normpath(os.path.join(HERE, "..", "test", "fixtures"))

TO_TAG = {
    torch.float64: "F64",
    torch.float32: "F32",
    torch.int64: "I64",
    torch.int32: "I32",
    torch.bool: "BOOL",
}
FROM_TAG = {
    "F64": ("<f8", torch.float64),
    "F32": ("<f4", torch.float32),
    "I64": ("<i8", torch.int64),
    "I32": ("<i4", torch.int32),
    "BOOL": ("u1", torch.bool),
}


def encode(tensors, metadata=None):
    """Named tensors -> safetensors bytes, laid out as the reference writer lays them out."""
    order = sorted(tensors, key=lambda n: (-tensors[n].element_size(), n))
    header = {}
    if metadata:
        header["__metadata__"] = metadata
    chunks, offset = [], 0
    for name in order:
        t = tensors[name].detach().contiguous()
        raw = t.numpy().astype(FROM_TAG[TO_TAG[t.dtype]][0], copy=False).tobytes()
        header[name] = {
            "dtype": TO_TAG[t.dtype],
            "shape": list(t.shape),
            "data_offsets": [offset, offset + len(raw)],
        }
        chunks.append(raw)
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(chunks)


def decode(data):
    """safetensors bytes -> ({name: tensor}, metadata, {name: tag}), validating the layout."""
    (n,) = struct.unpack_from("<Q", data, 0)
    assert 8 + n <= len(data), f"header length {n} runs past the file ({len(data)} bytes)"
    assert n % 8 == 0, f"header length {n} is not a multiple of 8"
    header = json.loads(data[8 : 8 + n].decode("utf-8"))
    body = data[8 + n :]
    metadata = header.pop("__metadata__", {})
    spans = sorted((info["data_offsets"], name) for name, info in header.items())
    end = 0
    for (begin, stop), name in spans:
        assert begin == end, f"{name}: data starts at {begin}, expected {end}"
        end = stop
    assert end == len(body), f"data is {len(body)} bytes, header covers {end}"
    tensors, tags = {}, {}
    for name, info in header.items():
        begin, stop = info["data_offsets"]
        np_dtype, torch_dtype = FROM_TAG[info["dtype"]]
        arr = np.frombuffer(body[begin:stop], dtype=np_dtype).reshape(info["shape"])
        tensors[name] = torch.from_numpy(arr.copy()).to(torch_dtype)
        tags[name] = info["dtype"]
    return tensors, metadata, tags


# The values both sides agree on. Every float is exact in its dtype, so comparisons are exact.
F32 = torch.arange(6, dtype=torch.float32).reshape(2, 3) / 4 - 0.5
F64 = torch.tensor([1 / 3, -2.5, 1e-300, 1e300], dtype=torch.float64)
INTS = [0, -1, 2**31 - 1, -(2**31)]
MASK = torch.tensor([True, False, True])
BN = {
    "bn.weight": torch.tensor([1.0, 0.5, 2.0]),
    "bn.bias": torch.tensor([0.0, 0.25, -1.0]),
    "bn.running_mean": torch.tensor([0.125, -0.5, 2.0]),
    "bn.running_var": torch.tensor([1.0, 0.75, 4.0]),
}


def write_torch_fixture():
    tensors = {
        "f32": F32,
        "f64": F64,
        # int64 is how PyTorch stores integer tensors; Stride reads them as int32.
        "i64": torch.tensor(INTS, dtype=torch.int64),
        "mask": MASK,
        "scalar": torch.tensor(3.5),
        "empty": torch.zeros(0),
        "empty2d": torch.zeros(2, 0),
        **BN,
    }
    # Exactly what BatchNorm2d.state_dict() holds: a 0-d int64 tensor.
    bn = torch.nn.BatchNorm2d(3)
    bn.num_batches_tracked.fill_(7)
    tensors["bn.num_batches_tracked"] = bn.state_dict()["num_batches_tracked"]
    assert tensors["bn.num_batches_tracked"].dtype == torch.int64
    assert tensors["bn.num_batches_tracked"].shape == ()
    path = os.path.join(FIXTURES, "torch-tensors.safetensors")
    with open(path, "wb") as f:
        f.write(encode(tensors, {"format": "pt"}))
    print(f"wrote {os.path.relpath(path)} ({len(tensors)} tensors)")


def check_stride_file(path):
    with open(path, "rb") as f:
        tensors, metadata, tags = decode(f.read())

    def same(name, expected, tag):
        got = tensors[name]
        assert tags[name] == tag, f"{name}: dtype {tags[name]}, expected {tag}"
        assert got.shape == expected.shape, f"{name}: shape {tuple(got.shape)}, expected {tuple(expected.shape)}"
        assert torch.equal(got, expected.to(got.dtype)), f"{name}: {got} != {expected}"

    assert metadata == {"format": "pt"}, f"metadata {metadata}"
    same("f32", F32, "F32")
    same("f64", F64, "F64")
    same("i32", torch.tensor(INTS, dtype=torch.int32), "I32")
    same("mask", MASK, "BOOL")
    same("scalar", torch.tensor(3.5), "F32")
    same("empty", torch.zeros(0), "F32")
    same("empty2d", torch.zeros(2, 0), "F32")
    for name, value in BN.items():
        same(name, value, "F32")
    same("bn.num_batches_tracked", torch.tensor(7, dtype=torch.int32), "I32")
    assert len(tensors) == 12, sorted(tensors)

    # The round trip a user makes: a Stride state dict into a PyTorch module.
    bn = torch.nn.BatchNorm2d(3)
    state = {k[len("bn.") :]: v for k, v in tensors.items() if k.startswith("bn.")}
    result = bn.load_state_dict(state, strict=True)
    assert not result.missing_keys and not result.unexpected_keys, result
    assert bn.num_batches_tracked.dtype == torch.int64
    assert int(bn.num_batches_tracked) == 7
    assert torch.equal(bn.running_var, BN["bn.running_var"])
    out = bn.eval()(torch.ones(1, 3, 1, 1))
    expected = (1 - BN["bn.running_mean"]) / torch.sqrt(BN["bn.running_var"] + 1e-5) * BN["bn.weight"] + BN["bn.bias"]
    assert torch.allclose(out.flatten(), expected, atol=1e-6), (out.flatten(), expected)
    print(f"ok: {os.path.relpath(path)} loads into PyTorch {torch.__version__} ({len(tensors)} tensors, "
          "BatchNorm2d.load_state_dict accepts the I32 num_batches_tracked)")


def main(argv):
    mode = argv[1] if len(argv) > 1 else "write"
    if mode == "write":
        write_torch_fixture()
    elif mode == "check":
        check_stride_file(argv[2] if len(argv) > 2 else os.path.join(FIXTURES, "stride-tensors.safetensors"))
    else:
        sys.exit(f"usage: {argv[0]} write | check [FILE]")


if __name__ == "__main__":
    main(sys.argv)
