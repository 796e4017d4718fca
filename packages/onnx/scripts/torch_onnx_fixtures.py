#!/usr/bin/env python3
"""ONNX files exported by PyTorch 1.13, with inputs and PyTorch's outputs, for the importer's tests.

    /usr/bin/python3 packages/onnx/scripts/torch_onnx_fixtures.py

builds the small models below with fixed seeds, exports each with torch.onnx.export at opset 13
and at 17 (the newest torch 1.13 writes), and writes to packages/onnx/fixtures/torch/:

    <name>.op13.onnx, <name>.op17.onnx    the exported models (eval mode, constant folding on,
                                          PyTorch's defaults: Conv + BatchNorm pairs are fused)
    <name>.input_<k>.pb                   input data set k as an ONNX TensorProto
    <name>.output_<k>.pb                  PyTorch's output on it (eval mode, float32)
    manifest.json                         the models, their data sets and which have a dynamic
                                          batch axis

The parameters are perturbed (and batch-norm running statistics made non-trivial) so that no
output depends on default initial values. Each model is also checked here with onnx.checker.
Stride's test/import-torch.test.ts imports every file and compares with the outputs within 1e-5;
the tests need no Python.
"""

import json
import os

import onnx
import torch
import torch.nn.functional as F
from onnx import numpy_helper
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.normpath(os.path.join(HERE, "..", "fixtures", "torch"))
OPSETS = (13, 17)

# One thread keeps every float reduction in the same order, so a rerun writes the same outputs.
torch.set_num_threads(1)


class LeNet(nn.Module):
    """LeNet-5 as in the MNIST examples: conv, max pool, torch.flatten, three Linear layers."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5, padding=2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = torch.flatten(x, 1)
        return self.fc3(F.relu(self.fc2(F.relu(self.fc1(x)))))


class Block(nn.Module):
    """A residual block; bn2 follows the addition, so it is not fused into a Conv and stays a
    BatchNormalization node with its running statistics."""

    def __init__(self, c):
        super().__init__()
        self.conv1 = nn.Conv2d(c, c, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(c)
        self.conv2 = nn.Conv2d(c, c, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(c)

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        return F.relu(self.bn2(self.conv2(y) + x))


class ResNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3, stride=2, padding=1)
        self.layer1 = nn.Sequential(Block(8), Block(8))
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(8, 5)

    def forward(self, x):
        x = self.layer1(F.relu(self.stem(x)))
        return self.fc(torch.flatten(self.pool(x), 1))


class Signal1d(nn.Module):
    """A conv1d signal classifier: strided, dilated and grouped 1-d convolutions."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv1d(2, 8, 7, stride=2, padding=3),
            nn.BatchNorm1d(8),
            nn.ReLU(),
            nn.Conv1d(8, 8, 3, padding=2, dilation=2, groups=4),
            nn.Tanh(),
            nn.MaxPool1d(3, stride=2, padding=1),
            nn.Conv1d(8, 12, 3),
            nn.AdaptiveAvgPool1d(1),
        )
        self.head = nn.Linear(12, 4)

    def forward(self, x):
        return self.head(self.features(x).squeeze(-1))


class Volume3d(nn.Module):
    """A conv3d net: 3-d convolution, max and average pooling."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv3d(1, 4, 3, padding=1)
        self.conv2 = nn.Conv3d(4, 6, (3, 3, 1), stride=(1, 2, 1))
        self.fc = nn.Linear(6 * 1 * 1 * 2, 3)

    def forward(self, x):
        x = F.max_pool3d(F.elu(self.conv1(x)), 2)
        x = F.avg_pool3d(F.leaky_relu(self.conv2(x), 0.1), (2, 1, 2))
        return self.fc(torch.flatten(x, 1))


class Decoder(nn.Module):
    """ConvTranspose2d (stride, output padding, groups) and Upsample, nearest and bilinear."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)
        self.up1 = nn.ConvTranspose2d(8, 8, 3, stride=2, padding=1, output_padding=1, groups=2)
        self.up2 = nn.Upsample(scale_factor=2, mode="nearest")
        self.up3 = nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False)
        self.up4 = nn.ConvTranspose2d(8, 2, 4, stride=2, padding=1)
        self.out = nn.Conv2d(2, 1, 1)

    def forward(self, x):
        x = F.relu(self.conv(x))
        x = self.up2(F.relu(self.up1(x)))
        x = F.interpolate(x, scale_factor=0.5, mode="bilinear", align_corners=True)
        x = self.up3(x)
        return torch.sigmoid(self.out(self.up4(x)))


class AlexNet(nn.Module):
    """AlexNet's layout at a 3x32x32 input and a few channels: strided conv, overlapping max pools,
    dropout, adaptive average pooling and a three-layer classifier."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 12, 5, stride=2, padding=2),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(3, stride=2, padding=1),
            nn.Conv2d(12, 16, 3, padding=1),
            nn.ReLU(inplace=True),
            nn.Conv2d(16, 16, 3, padding=1),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(3, stride=2, ceil_mode=True),
        )
        self.avgpool = nn.AdaptiveAvgPool2d((2, 2))
        self.classifier = nn.Sequential(
            nn.Dropout(),
            nn.Linear(16 * 2 * 2, 32),
            nn.ReLU(inplace=True),
            nn.Dropout(),
            nn.Linear(32, 32),
            nn.ReLU(inplace=True),
            nn.Linear(32, 10),
        )

    def forward(self, x):
        x = self.avgpool(self.features(x))
        return self.classifier(torch.flatten(x, 1))


class ViewNet(nn.Module):
    """Flattens with x.view(x.size(0), -1), which the exporter writes as Shape, Gather,
    Unsqueeze, Concat and Reshape; exported with a dynamic batch axis."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 3)
        self.fc = nn.Linear(4 * 3 * 3, 6)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv(x)), 2)
        return F.log_softmax(self.fc(x.view(x.size(0), -1)), dim=1)


class AvgPoolNet(nn.Module):
    """Average pooling with ceil_mode and count_include_pad=False, and with both defaults."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(2, 3, 3, padding=1)
        self.pool1 = nn.AvgPool2d(3, stride=2, padding=1, ceil_mode=True, count_include_pad=False)
        self.pool2 = nn.AvgPool2d(2, stride=2, padding=1)

    def forward(self, x):
        return self.pool2(self.pool1(self.conv(x)))


class Misc(nn.Module):
    """The other ops a CNN exports: instance and layer norm, GELU, reflection and constant padding,
    softmax, softplus, Gemm from addmm-free matmul, mean over axes, clamp, sqrt, exp, pow."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(2, 4, 3)
        self.inorm = nn.InstanceNorm2d(4, affine=True)
        self.lnorm = nn.LayerNorm(6)
        self.proj = nn.Parameter(torch.randn(6, 5))

    def forward(self, x):
        x = F.pad(x, (1, 1, 1, 1), mode="reflect")
        x = F.gelu(self.inorm(self.conv(x)))
        x = F.pad(x, (0, 1, 1, 0), value=0.5)
        x = self.lnorm(x)
        y = torch.matmul(x, self.proj)
        y = F.softplus(y) + torch.clamp(y, -0.5, 0.5).pow(2) + torch.sqrt(torch.exp(-y.abs()))
        return F.softmax(y.mean(dim=(2,)), dim=-1)


def perturb(model, seed):
    """Moves every parameter and running statistic off its initial value, reproducibly."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in model.parameters():
            p.add_(0.05 * torch.randn(p.shape, generator=g))
        for name, b in model.named_buffers():
            if name.endswith("running_mean"):
                b.copy_(0.1 * torch.randn(b.shape, generator=g))
            elif name.endswith("running_var"):
                b.copy_(0.5 + torch.rand(b.shape, generator=g))


# name, model class, input shapes of each data set, dynamic batch axis
MODELS = [
    ("lenet", LeNet, [(2, 1, 28, 28)], False),
    ("resnet_bn", ResNet, [(2, 3, 16, 16)], False),
    ("signal1d", Signal1d, [(3, 2, 64)], False),
    ("volume3d", Volume3d, [(2, 1, 8, 8, 8)], False),
    ("decoder", Decoder, [(1, 3, 6, 6)], False),
    ("alexnet_small", AlexNet, [(2, 3, 32, 32)], False),
    ("view_dynamic", ViewNet, [(2, 1, 8, 8), (5, 1, 8, 8)], True),
    ("avgpool_ceil", AvgPoolNet, [(2, 2, 9, 9)], False),
    ("misc", Misc, [(2, 2, 5, 5)], False),
]


def write_tensor(path, array, name):
    with open(path, "wb") as f:
        f.write(numpy_helper.from_array(array, name).SerializeToString())


def main():
    os.makedirs(OUT, exist_ok=True)
    manifest = []
    for i, (name, cls, shapes, dynamic) in enumerate(MODELS):
        torch.manual_seed(1000 + i)
        model = cls()
        perturb(model, 2000 + i)
        model.eval()
        inputs = [torch.randn(s, generator=torch.Generator().manual_seed(3000 + 10 * i + k)) for k, s in enumerate(shapes)]
        for k, x in enumerate(inputs):
            with torch.no_grad():
                y = model(x)
            write_tensor(os.path.join(OUT, f"{name}.input_{k}.pb"), x.numpy(), "input")
            write_tensor(os.path.join(OUT, f"{name}.output_{k}.pb"), y.numpy(), "output")
        for opset in OPSETS:
            path = os.path.join(OUT, f"{name}.op{opset}.onnx")
            torch.onnx.export(
                model,
                (inputs[0],),
                path,
                opset_version=opset,
                input_names=["input"],
                output_names=["output"],
                dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}} if dynamic else None,
            )
            onnx.checker.check_model(onnx.load(path))
        manifest.append({"name": name, "opsets": list(OPSETS), "sets": len(shapes), "dynamicBatch": dynamic})
    with open(os.path.join(OUT, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")
    total = sum(os.path.getsize(os.path.join(OUT, f)) for f in os.listdir(OUT))
    print(f"wrote {len(os.listdir(OUT))} files to {OUT} ({total / 1024:.0f} KiB)")


if __name__ == "__main__":
    main()
