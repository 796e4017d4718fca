#!/usr/bin/env python3
"""State-dict names of ModuleList, ModuleDict and Identity shared between PyTorch and Stride.

    /usr/bin/python3 packages/layers/scripts/torch_containers.py write
        trains the PyTorch model below for a few steps, so that its weights and the running
        statistics of its InstanceNorm2d and BatchNorm2d are off their defaults, and writes
        fixtures/torch-containers.safetensors: its state dict under PyTorch's names, `input`
        (a fixed batch) and `output` (the model's output on it in eval mode), with the state-dict
        keys in PyTorch's order as JSON in the metadata entry `keys` (a safetensors file sorts
        its tensors by element size and name, so the order needs storing apart). It then reads
        the file back into a fresh model with load_state_dict(strict=True) and checks the output.
        Stride's test/torch-containers.test.ts builds the same model, loads the state dict
        strictly and must give the same key order and output.
    /usr/bin/python3 packages/layers/scripts/torch_containers.py check PATH
        reads a Stride-written file of the same layout, checks that its `keys` are PyTorch's in
        PyTorch's order, loads those tensors into the PyTorch model with
        load_state_dict(strict=True), runs `input` in eval mode and compares with `output`,
        which Stride computed, within 1e-4. Prints one `ok:` or `fail:` line; exits 1 on failure.
        Stride's test runs this on the file it writes when /usr/bin/python3 has torch.

The safetensors reader and writer are those of packages/core/scripts/safetensors_cross_check.py
(imported, not copied): Debian 12 packages no `safetensors` module for Python.
"""

import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURE = os.path.normpath(os.path.join(HERE, "..", "fixtures", "torch-containers.safetensors"))
from core_safetensors import st  # noqa: E402  (the script folder is on sys.path)

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402

# One thread keeps every float reduction in the same order, so a rerun of `write` gives a
# byte-identical fixture.
torch.set_num_threads(1)

TOLERANCE = 1e-4
SEED = 0
TRAIN_STEPS = 12
LR = 1e-2
INPUT_SHAPE = (2, 3, 4, 4)
# Names of the file's tensors that are not in the state dict.
IO_NAMES = ("input", "output")


class ContainerNet(nn.Module):
    """Every container whose names the test pins, nested with the normalisation layers.

    `blocks` is a ModuleList of ModuleDicts; block 0's `skip` is an Identity (no state, so no
    names) and block 1's a bias-free 1x1 projection, so block 1's names show that the list counts
    blocks, not tensors. Children are registered in the order of Stride's fields.
    """

    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3, padding=1)
        self.blocks = nn.ModuleList([
            nn.ModuleDict({
                "conv": nn.Conv2d(8, 8, 3, padding=1),
                "norm": nn.GroupNorm(2, 8),
                "skip": nn.Identity(),
            }),
            nn.ModuleDict({
                "conv": nn.Conv2d(8, 12, 3, padding=1),
                "norm": nn.GroupNorm(4, 12),
                "skip": nn.Conv2d(8, 12, 1, bias=False),
            }),
        ])
        self.inorm = nn.InstanceNorm2d(12, affine=True, track_running_stats=True)
        # [N, 12, 4, 4] -> [N, 4, 8, 8]: (4 - 1) * 2 - 2 * 1 + 3 + 1 = 8.
        self.up = nn.ConvTranspose2d(12, 4, 3, stride=2, padding=1, output_padding=1)
        self.lnorm = nn.LayerNorm([8, 8])
        self.bn = nn.BatchNorm2d(4)

    def forward(self, x):
        h = self.stem(x)
        for block in self.blocks:
            h = block["skip"](h) + F.relu(block["norm"](block["conv"](h)))
        h = self.inorm(h)
        h = self.lnorm(self.up(h))
        return self.bn(h)


def read(path):
    with open(path, "rb") as f:
        return st.decode(f.read())


def eval_output(model, x):
    model.eval()
    with torch.no_grad():
        return model(x)


def load_strict(path):
    """(model, input, output, keys) of a file of this script's layout; raises on any mismatch."""
    tensors, metadata, tags = read(path)
    keys = json.loads(metadata["keys"])
    model = ContainerNet()
    expected = list(model.state_dict().keys())
    assert keys == expected, f"keys {keys}, expected PyTorch's {expected}"
    names = sorted(tensors)
    assert names == sorted(keys + list(IO_NAMES)), f"tensors {names}"
    for key in keys:
        assert tags[key] in ("F32", "I32", "I64"), f"{key} is {tags[key]}"
    # strict=True: every key present, none extra, every shape equal (it raises otherwise).
    model.load_state_dict({k: tensors[k] for k in keys}, strict=True)
    return model, tensors["input"], tensors["output"], keys


def write_fixture():
    torch.manual_seed(SEED)
    model = ContainerNet()
    x = torch.rand(INPUT_SHAPE)
    target = torch.randn(INPUT_SHAPE[0], 4, 8, 8)
    # Training moves the weights off PyTorch's initialisation (GroupNorm's and LayerNorm's
    # weight off 1, bias off 0) and the running statistics off 0 and 1, so that a weight or
    # buffer left unloaded changes the output well past the tolerance.
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    for _ in range(TRAIN_STEPS):
        opt.zero_grad()
        F.mse_loss(model(x), target).backward()
        opt.step()
    output = eval_output(model, x)
    state = {k: v.detach().clone() for k, v in model.state_dict().items()}
    keys = list(state.keys())
    tensors = {**state, "input": x, "output": output}
    with open(FIXTURE, "wb") as f:
        f.write(st.encode(tensors, {"format": "pt", "keys": json.dumps(keys)}))
    print(f"wrote {os.path.relpath(FIXTURE)} ({len(keys)} state-dict tensors, "
          f"{sum(t.numel() for t in state.values())} values; {os.path.getsize(FIXTURE)} bytes)")
    # The file as written must load strictly and reproduce its own output.
    loaded, x2, y2, _ = load_strict(FIXTURE)
    diff = (eval_output(loaded, x2) - y2).abs().max().item()
    assert diff == 0, f"re-read model differs by {diff:.3g}"
    print(f"ok: {os.path.relpath(FIXTURE)} reloads with load_state_dict(strict=True)")


def check_stride_file(path):
    name = os.path.relpath(path)
    try:
        model, x, expected, keys = load_strict(path)
        got = eval_output(model, x)
        assert got.shape == expected.shape, (
            f"output {tuple(got.shape)}, expected {tuple(expected.shape)}")
        diff = (got - expected).abs().max().item()
    except Exception as error:  # noqa: BLE001 - one readable line whatever went wrong
        # PyTorch's load_state_dict errors span lines; one line is what the caller greps for.
        print(f"fail: {name}: {type(error).__name__}: {' '.join(str(error).split())}")
        return 1
    if not diff <= TOLERANCE:
        print(f"fail: {name}: PyTorch's output differs from Stride's by {diff:.3g} "
              f"(tolerance {TOLERANCE:g})")
        return 1
    print(f"ok: {name} loads into PyTorch {torch.__version__} with load_state_dict(strict=True) "
          f"({len(keys)} tensors, PyTorch's order); output {tuple(got.shape)} matches Stride's "
          f"within {TOLERANCE:g} (max |diff| {diff:.3g})")
    return 0


def main(argv):
    mode = argv[1] if len(argv) > 1 else None
    if mode == "write" and len(argv) == 2:
        write_fixture()
        return 0
    if mode == "check" and len(argv) == 3:
        return check_stride_file(argv[2])
    print(f"usage: {argv[0]} write | check PATH", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
