#!/usr/bin/env python3
"""LeNet-5 checkpoints shared between PyTorch and Stride, in both directions.

    /usr/bin/python3 packages/layers/scripts/lenet_checkpoint.py write
        writes fixtures/lenet5-torch.safetensors (the state dict of the PyTorch LeNet-5 below)
        and fixtures/lenet5-torch-io.safetensors (`x`, a fixed batch of 8 images in [0, 1), and
        `logits`, the model's output on it). Stride's test/checkpoint.test.ts loads the weights
        into its LeNet5 and must give the same logits within 1e-4.
    /usr/bin/python3 packages/layers/scripts/lenet_checkpoint.py check PATH [IO_PATH]
        loads a Stride-written checkpoint into the same PyTorch module with
        load_state_dict(strict=True), runs the `x` of IO_PATH (default: PATH with `.safetensors`
        replaced by `-io.safetensors`) and compares with that file's `logits`, which Stride
        computed, within 1e-4. Prints one `ok:` or `fail:` line; exits 1 on failure.
        Stride's test pins fixtures/lenet5-stride.safetensors and its -io companion for this.

The safetensors reader and writer are those of packages/core/scripts/safetensors_cross_check.py
(imported, not copied): Debian 12 packages no `safetensors` module for Python.
"""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.normpath(os.path.join(HERE, "..", "fixtures"))
from core_safetensors import st  # noqa: E402  (the script folder is on sys.path)

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

# One thread keeps every float reduction in the same order, so a rerun of `write` gives
# byte-identical fixtures.
torch.set_num_threads(1)

TOLERANCE = 1e-4
BATCH = 8
SEED = 0
TRAIN_STEPS = 60
LR = 2e-3


# The same PyTorch LeNet-5 the layer fixtures use (its names match Stride's LeNet5).
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_fixtures import LeNet5  # noqa: E402


def read(path):
    with open(path, "rb") as f:
        return st.decode(f.read())


def write(path, tensors, metadata):
    with open(path, "wb") as f:
        f.write(st.encode(tensors, metadata))
    print(f"wrote {os.path.relpath(path)} ({len(tensors)} tensors, {os.path.getsize(path)} bytes)")


def write_torch_fixture():
    torch.manual_seed(SEED)
    model = LeNet5()
    x = torch.rand(BATCH, 1, 28, 28)
    labels = torch.randint(0, 10, (BATCH,))
    # Training until the batch is (nearly) memorised moves the weights well off PyTorch's
    # initialisation and makes the logits differ from image to image by whole units (at init
    # they are all alike), so a loader or layout bug cannot hide below the tolerance.
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    for _ in range(TRAIN_STEPS):
        opt.zero_grad()
        F.cross_entropy(model(x), labels).backward()
        opt.step()
    model.eval()
    with torch.no_grad():
        logits = model(x)
    state = {k: v.detach().clone() for k, v in model.state_dict().items()}
    write(os.path.join(FIXTURES, "lenet5-torch.safetensors"), state, {"format": "pt"})
    write(os.path.join(FIXTURES, "lenet5-torch-io.safetensors"), {"x": x, "logits": logits},
          {"format": "pt"})


def companion(path):
    base = path[: -len(".safetensors")] if path.endswith(".safetensors") else path
    return base + "-io.safetensors"


def check_stride_checkpoint(path, io_path):
    name = os.path.relpath(path)
    try:
        state, _, tags = read(path)
        io, _, _ = read(io_path)
        for key, tag in tags.items():
            assert tag == "F32", f"{key} is {tag}, expected F32"
        model = LeNet5()
        # strict=True: every key present, none extra, every shape equal (it raises otherwise).
        model.load_state_dict(state, strict=True)
        model.eval()
        with torch.no_grad():
            logits = model(io["x"])
        expected = io["logits"]
        assert logits.shape == expected.shape, (
            f"logits {tuple(logits.shape)}, expected {tuple(expected.shape)}")
        diff = (logits - expected).abs().max().item()
    except Exception as error:  # noqa: BLE001 - one readable line whatever went wrong
        # PyTorch's load_state_dict errors span lines; one line is what the caller greps for.
        print(f"fail: {name}: {type(error).__name__}: {' '.join(str(error).split())}")
        return 1
    if not diff <= TOLERANCE:
        print(f"fail: {name}: PyTorch's logits differ from Stride's by {diff:.3g} "
              f"(tolerance {TOLERANCE:g})")
        return 1
    print(f"ok: {name} loads into PyTorch {torch.__version__} LeNet-5 with "
          f"load_state_dict(strict=True) ({len(state)} tensors, "
          f"{sum(t.numel() for t in state.values())} parameters); logits on "
          f"{tuple(io['x'].shape)} match Stride's within {TOLERANCE:g} (max |diff| {diff:.3g})")
    return 0


def main(argv):
    usage = f"usage: {argv[0]} write | check PATH [IO_PATH]"
    mode = argv[1] if len(argv) > 1 else None
    if mode == "write" and len(argv) == 2:
        write_torch_fixture()
        return 0
    if mode == "check" and len(argv) in (3, 4):
        path = argv[2]
        return check_stride_checkpoint(path, argv[3] if len(argv) == 4 else companion(path))
    print(usage, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
