#!/usr/bin/env python3
"""Golden fixtures for @stride/layers, computed with PyTorch.

    /usr/bin/python3 packages/layers/scripts/make_fixtures.py          # write fixtures
    /usr/bin/python3 packages/layers/scripts/make_fixtures.py --check  # sanity check

Each case builds one layer (or model) in PyTorch with fixed weights, runs it forward on a random
float32 input in float64 and backward from a random upstream gradient, and records the state
dict (PyTorch names), input, output, and the gradients of the input and of every parameter.
Tensors use the encoding of packages/backend-test-kit (whose encoder is imported from there):
{shape, dtype, data: base64 of little-endian bytes}; references are exact float64 results
rounded once to float32. Every case seeds its own generators from its name, so a rerun writes
byte-identical files and adding a case leaves the others untouched. See fixtures/README.md.
"""

import importlib.util
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
KIT_SCRIPT = os.path.normpath(
    os.path.join(HERE, "..", "..", "backend-test-kit", "scripts", "make_fixtures.py"))


def _load_kit():
    # Importing the kit's script also pins torch to one thread before it loads, which keeps
    # every float64 reduction bit-for-bit reproducible.
    spec = importlib.util.spec_from_file_location("stride_kit_fixtures", KIT_SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


kit = _load_kit()

import argparse  # noqa: E402
import json  # noqa: E402
import zlib  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

enc, dec, gen_for, randn, rand, randint = kit.enc, kit.dec, kit.gen_for, kit.randn, kit.rand, kit.randint

DEFAULT_OUT = os.path.normpath(os.path.join(HERE, "..", "fixtures"))
SOURCE = f"PyTorch {torch.__version__}, scripts/make_fixtures.py"
MAX_FILE_BYTES = 1_500_000

# ----------------------------------------------------------------------------------------
# Stride layer specs -> PyTorch modules
# ----------------------------------------------------------------------------------------


def tup(v):
    return tuple(v) if isinstance(v, list) else v


def conv_padding(p):
    return p if isinstance(p, str) else tup(p)


class LeNet5(nn.Module):
    """The usual PyTorch LeNet-5 (padding 2 on conv1, max pooling, ReLU)."""

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


class SignalNet(nn.Module):
    def __init__(self, in_channels=1, num_classes=2, channels=(16, 32, 64), kernel_size=9,
                 pool_size=4):
        super().__init__()
        layers = []
        c = in_channels
        for out in channels:
            layers += [nn.Conv1d(c, out, kernel_size, padding=(kernel_size - 1) // 2, bias=False),
                       nn.BatchNorm1d(out), nn.ReLU(), nn.MaxPool1d(pool_size)]
            c = out
        self.features = nn.Sequential(*layers)
        self.pool = nn.AdaptiveAvgPool1d(1)
        self.fc = nn.Linear(c, num_classes)

    def forward(self, x):
        return self.fc(torch.flatten(self.pool(self.features(x)), 1))


def build(layer, args, opts):
    """The PyTorch module for a Stride constructor call `new <layer>(...args, opts)`."""
    o = dict(opts)
    if layer == "Linear":
        return nn.Linear(args[0], args[1], bias=o.get("bias", True))
    if layer in ("Conv1d", "Conv2d", "Conv3d"):
        cls = getattr(nn, layer)
        return cls(args[0], args[1], tup(args[2]), stride=tup(o.get("stride", 1)),
                   padding=conv_padding(o.get("padding", 0)), dilation=tup(o.get("dilation", 1)),
                   groups=o.get("groups", 1), bias=o.get("bias", True))
    if layer in ("ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d"):
        return getattr(nn, layer)(args[0], args[1], tup(args[2]), stride=tup(o.get("stride", 1)),
                                  padding=tup(o.get("padding", 0)),
                                  output_padding=tup(o.get("outputPadding", 0)),
                                  groups=o.get("groups", 1), bias=o.get("bias", True),
                                  dilation=tup(o.get("dilation", 1)))
    if layer == "Upsample":
        return nn.Upsample(size=tup(o.get("size")), scale_factor=tup(o.get("scaleFactor")),
                           mode=o.get("mode", "nearest"), align_corners=o.get("alignCorners"))
    if layer.startswith("MaxPool"):
        cls = getattr(nn, layer)
        return cls(tup(args[0]), stride=tup(o.get("stride")), padding=tup(o.get("padding", 0)),
                   dilation=tup(o.get("dilation", 1)), ceil_mode=o.get("ceilMode", False))
    if layer.startswith("AvgPool"):
        cls = getattr(nn, layer)
        return cls(tup(args[0]), stride=tup(o.get("stride")), padding=tup(o.get("padding", 0)),
                   ceil_mode=o.get("ceilMode", False),
                   count_include_pad=o.get("countIncludePad", True))
    if layer.startswith("AdaptiveAvgPool"):
        return getattr(nn, layer)(tup(args[0]))
    if layer.startswith("BatchNorm"):
        return getattr(nn, layer)(args[0], eps=o.get("eps", 1e-5), momentum=o.get("momentum", 0.1),
                                  affine=o.get("affine", True),
                                  track_running_stats=o.get("trackRunningStats", True))
    if layer.startswith("InstanceNorm"):
        return getattr(nn, layer)(args[0], eps=o.get("eps", 1e-5), momentum=o.get("momentum", 0.1),
                                  affine=o.get("affine", False),
                                  track_running_stats=o.get("trackRunningStats", False))
    if layer == "LayerNorm":
        return nn.LayerNorm(args[0], eps=o.get("eps", 1e-5),
                            elementwise_affine=o.get("elementwiseAffine", True))
    if layer == "GroupNorm":
        return nn.GroupNorm(args[0], args[1], eps=o.get("eps", 1e-5), affine=o.get("affine", True))
    if layer.startswith("AdaptiveMaxPool"):
        return getattr(nn, layer)(tup(args[0]))
    if layer == "Flatten":
        return nn.Flatten(*args)
    if layer == "ReLU":
        return nn.ReLU()
    if layer == "LeakyReLU":
        return nn.LeakyReLU(*args)
    if layer == "ELU":
        return nn.ELU(*args)
    if layer == "GELU":
        return nn.GELU(approximate=o.get("approximate", "none"))
    if layer == "SiLU":
        return nn.SiLU()
    if layer == "Sigmoid":
        return nn.Sigmoid()
    if layer == "Tanh":
        return nn.Tanh()
    if layer == "Softmax":
        return nn.Softmax(args[0])
    if layer == "LogSoftmax":
        return nn.LogSoftmax(args[0])
    if layer == "Sequential":
        return nn.Sequential(*(build(*spec) for spec in args))
    if layer == "LeNet5":
        return LeNet5()
    if layer == "SignalNet":
        return SignalNet(channels=tuple(o["channels"]), kernel_size=o["kernelSize"],
                         pool_size=o["poolSize"])
    raise ValueError(f"unknown layer {layer}")


def set_state(module, g):
    """Replaces default values that would hide mistakes: the affine parameters and running
    statistics of the normalisation layers become non-trivial. Other parameters keep PyTorch's default
    initialisation (drawn from the seeded global generator), which keeps deep models' activations
    at a realistic scale."""
    with torch.no_grad():
        for m in module.modules():
            if isinstance(m, (nn.LayerNorm, nn.GroupNorm)) and m.weight is not None:
                m.weight.copy_(1 + 0.3 * randn(m.weight.shape, g))
                m.bias.copy_(0.3 * randn(m.bias.shape, g))
            # Instance norm never counts num_batches_tracked up: a 3 that stays 3 shows it.
            if isinstance(m, (nn.modules.batchnorm._BatchNorm, nn.modules.instancenorm._InstanceNorm)):
                if m.affine:
                    m.weight.copy_(1 + 0.3 * randn(m.weight.shape, g))
                    m.bias.copy_(0.3 * randn(m.bias.shape, g))
                if m.track_running_stats:
                    m.running_mean.copy_(0.3 * randn(m.running_mean.shape, g))
                    m.running_var.copy_(rand(m.running_var.shape, g, 0.5, 1.5))
                    m.num_batches_tracked.fill_(3)


def state_of(module):
    return {k: enc(v) for k, v in module.state_dict().items()}


# ----------------------------------------------------------------------------------------
# Cases
# ----------------------------------------------------------------------------------------


class Family:
    def __init__(self, filename):
        self.filename = filename
        self.cases = []
        self._names = set()

    def layer(self, name, layer, args, opts, shape, mode="train", x=None, record_state=False):
        """A layer case: forward on x, backward from a random dy."""
        self._add(name)
        g = gen_for(name)
        torch.manual_seed(zlib.crc32(name.encode("utf-8")))
        module = build(layer, args, opts)
        set_state(module, g)
        module.train(mode == "train")
        before = state_of(module)
        if x is None:
            x = randn(shape, g)
        module = module.double()
        x64 = x.to(torch.float64).requires_grad_(True)
        y = module(x64)
        dy = randn(y.shape, g)
        params = dict(module.named_parameters())
        grads = torch.autograd.grad(y, [x64, *params.values()], dy.to(torch.float64))
        case = {
            "name": name,
            "layer": layer,
            "args": args,
            "options": opts,
            "mode": mode,
            "state": before,
            "inputs": {"x": enc(x)},
            "outputs": {"y": enc(y)},
            "grads": {
                "dy": enc(dy),
                "inputs": {"x": enc(grads[0])},
                "params": {k: enc(v) for k, v in zip(params, grads[1:])},
            },
        }
        if record_state:
            case["stateAfter"] = state_of(module)
        self.cases.append(case)

    def loss(self, name, layer, opts, x, target, weights=None):
        """A loss case: forward on (input, target); backward from the scalar loss, or from a
        random dy for reduction 'none'."""
        self._add(name)
        g = gen_for(name + "/dy")
        weights = weights or {}
        kw = {"reduction": opts.get("reduction", "mean")}
        if layer == "CrossEntropyLoss":
            kw.update(ignore_index=opts.get("ignoreIndex", -100),
                      label_smoothing=opts.get("labelSmoothing", 0.0))
        if layer == "NLLLoss":
            kw.update(ignore_index=opts.get("ignoreIndex", -100))
        if layer == "SmoothL1Loss":
            kw.update(beta=opts.get("beta", 1.0))
        if layer == "HuberLoss":
            kw.update(delta=opts.get("delta", 1.0))
        if layer == "KLDivLoss":
            kw.update(log_target=opts.get("logTarget", False))
        if "weight" in weights:
            kw["weight"] = weights["weight"].to(torch.float64)
        if "pos_weight" in weights:
            kw["pos_weight"] = weights["pos_weight"].to(torch.float64)
        module = getattr(nn, layer)(**kw)
        x64 = x.to(torch.float64).requires_grad_(True)
        t = target.to(torch.int64) if target.dtype == torch.int32 else target.to(torch.float64)
        y = module(x64, t)
        out = {"name": name, "layer": layer, "args": [], "options": opts, "mode": "train",
               "state": {k: enc(v) for k, v in weights.items()},
               "inputs": {"x": enc(x), "target": enc(target)}, "outputs": {"y": enc(y)}}
        if y.dim() == 0:
            (gx,) = torch.autograd.grad(y, [x64])
            out["grads"] = {"inputs": {"x": enc(gx)}, "params": {}}
        else:
            dy = randn(y.shape, g)
            (gx,) = torch.autograd.grad(y, [x64], dy.to(torch.float64))
            out["grads"] = {"dy": enc(dy), "inputs": {"x": enc(gx)}, "params": {}}
        self.cases.append(out)

    def _add(self, name):
        assert name not in self._names, f"duplicate case name {name!r}"
        self._names.add(name)

    def dumps(self):
        lines = [json.dumps(c, separators=(",", ":"), ensure_ascii=True) for c in self.cases]
        head = json.dumps({"source": SOURCE}, separators=(",", ":"))[:-1]
        return head + ',"cases":[\n' + ",\n".join(lines) + "\n]}\n"


def linear_family(f):
    f.layer("linear", "Linear", [5, 3], {}, [4, 5])
    f.layer("linear_nobias_3d", "Linear", [6, 4], {"bias": False}, [2, 3, 6])


def conv_family(f):
    f.layer("conv1d_basic", "Conv1d", [3, 4, 3], {}, [2, 3, 10])
    f.layer("conv1d_stride_pad_dil_groups", "Conv1d", [4, 6, 3],
            {"stride": 2, "padding": 2, "dilation": 2, "groups": 2}, [2, 4, 15])
    f.layer("conv1d_same_nobias", "Conv1d", [2, 3, 4], {"padding": "same", "bias": False},
            [2, 2, 9])
    f.layer("conv2d_basic", "Conv2d", [3, 4, 3], {"padding": 1}, [2, 3, 7, 7])
    f.layer("conv2d_stride_dil_groups", "Conv2d", [4, 6, [3, 2]],
            {"stride": [2, 1], "padding": [1, 0], "dilation": [1, 2], "groups": 2}, [2, 4, 9, 8])
    f.layer("conv2d_depthwise_same", "Conv2d", [4, 4, 3], {"padding": "same", "groups": 4},
            [1, 4, 6, 6])
    f.layer("conv2d_valid_stride3", "Conv2d", [2, 3, [2, 4]], {"stride": 3, "padding": "valid"},
            [2, 2, 10, 11])
    f.layer("conv3d_basic", "Conv3d", [2, 3, 3], {"padding": 1}, [2, 2, 5, 5, 5])
    f.layer("conv3d_stride_dil_groups_nobias", "Conv3d", [4, 4, [2, 3, 3]],
            {"stride": [1, 2, 2], "dilation": [2, 1, 1], "groups": 2, "bias": False},
            [1, 4, 6, 7, 7])


def upsampling_family(f):
    f.layer("conv_transpose1d_basic", "ConvTranspose1d", [3, 4, 3], {}, [2, 3, 6])
    f.layer("conv_transpose1d_stride_pad_outpad_groups", "ConvTranspose1d", [4, 6, 3],
            {"stride": 2, "padding": 1, "outputPadding": 1, "groups": 2}, [2, 4, 5])
    f.layer("conv_transpose2d_stride2", "ConvTranspose2d", [3, 2, 4], {"stride": 2, "padding": 1},
            [2, 3, 4, 5])
    f.layer("conv_transpose2d_dil_outpad_nobias", "ConvTranspose2d", [2, 3, [3, 2]],
            {"stride": [2, 1], "padding": [0, 1], "outputPadding": [1, 0], "dilation": [1, 2],
             "bias": False}, [1, 2, 4, 3])
    f.layer("conv_transpose3d_groups", "ConvTranspose3d", [2, 4, [2, 3, 2]],
            {"stride": 2, "padding": [0, 1, 0], "outputPadding": 1, "groups": 2}, [1, 2, 2, 3, 2])
    f.layer("upsample_nearest_scale", "Upsample", [], {"scaleFactor": 2}, [1, 2, 3, 4])
    f.layer("upsample_nearest_size", "Upsample", [], {"size": [5, 3]}, [2, 1, 3, 4])
    f.layer("upsample_linear_scale", "Upsample", [], {"scaleFactor": 2.5, "mode": "linear"},
            [2, 3, 4])
    f.layer("upsample_bilinear_size", "Upsample", [], {"size": [5, 7], "mode": "bilinear"},
            [2, 2, 3, 4])
    f.layer("upsample_bilinear_align", "Upsample", [],
            {"scaleFactor": 1.5, "mode": "bilinear", "alignCorners": True}, [1, 2, 4, 4])
    f.layer("upsample_trilinear_size", "Upsample", [], {"size": [3, 4, 2], "mode": "trilinear"},
            [1, 1, 2, 3, 4])


def pool_family(f):
    f.layer("maxpool1d", "MaxPool1d", [3], {"stride": 2, "padding": 1}, [2, 3, 11])
    f.layer("maxpool2d", "MaxPool2d", [2], {}, [2, 3, 8, 8])
    f.layer("maxpool2d_ceil_dil", "MaxPool2d", [3],
            {"stride": 2, "padding": 1, "dilation": 2, "ceilMode": True}, [1, 2, 9, 10])
    f.layer("maxpool3d", "MaxPool3d", [2], {"stride": [1, 2, 2]}, [1, 2, 4, 6, 6])
    f.layer("avgpool1d_exclude_pad", "AvgPool1d", [4],
            {"stride": 2, "padding": 2, "countIncludePad": False}, [2, 3, 11])
    f.layer("avgpool2d_ceil", "AvgPool2d", [3], {"stride": 2, "padding": 1, "ceilMode": True},
            [2, 2, 8, 9])
    f.layer("avgpool3d", "AvgPool3d", [2], {}, [1, 2, 4, 4, 6])
    f.layer("adaptive1d_global", "AdaptiveAvgPool1d", [1], {}, [2, 3, 9])
    f.layer("adaptive2d_divisible", "AdaptiveAvgPool2d", [[2, 3]], {}, [2, 3, 8, 9])
    f.layer("adaptive2d_uneven", "AdaptiveAvgPool2d", [[3, 4]], {}, [2, 2, 7, 10])


def norm_family(f):
    for mode in ("train", "eval"):
        f.layer(f"bn1d_2d_{mode}", "BatchNorm1d", [4], {}, [6, 4], mode, record_state=True)
        f.layer(f"bn1d_3d_{mode}", "BatchNorm1d", [3], {"momentum": 0.2}, [4, 3, 5], mode,
                record_state=True)
        f.layer(f"bn2d_{mode}", "BatchNorm2d", [3], {}, [4, 3, 5, 5], mode, record_state=True)
        f.layer(f"bn3d_{mode}", "BatchNorm3d", [3], {"eps": 1e-3}, [2, 3, 3, 4, 4], mode,
                record_state=True)
    f.layer("bn2d_noaffine_train", "BatchNorm2d", [3], {"affine": False}, [4, 3, 4, 4], "train",
            record_state=True)
    f.layer("bn2d_notrack_eval", "BatchNorm2d", [3], {"trackRunningStats": False}, [4, 3, 4, 4],
            "eval", record_state=True)


def activation_family(f):
    shape = [3, 4, 5]
    f.layer("relu", "ReLU", [], {}, shape)
    f.layer("leaky_relu", "LeakyReLU", [0.2], {}, shape)
    f.layer("elu", "ELU", [0.7], {}, shape)
    f.layer("gelu", "GELU", [], {}, shape)
    f.layer("gelu_tanh", "GELU", [], {"approximate": "tanh"}, shape)
    f.layer("silu", "SiLU", [], {}, shape)
    f.layer("sigmoid", "Sigmoid", [], {}, shape)
    f.layer("tanh", "Tanh", [], {}, shape)
    f.layer("softmax", "Softmax", [1], {}, shape)
    f.layer("log_softmax", "LogSoftmax", [-1], {}, shape)
    f.layer("flatten", "Flatten", [], {}, [2, 3, 4, 5])
    f.layer("flatten_1_2", "Flatten", [1, 2], {}, [2, 3, 4, 5])


def container_family(f):
    # No conv bias in front of BatchNorm: its gradient is exactly zero there (the batch mean
    # absorbs it), which no relative tolerance can check.
    seq = [
        ["Conv2d", [2, 4, 3], {"padding": 1, "bias": False}],
        ["BatchNorm2d", [4], {}],
        ["ReLU", [], {}],
        ["MaxPool2d", [2], {}],
        ["Flatten", [], {}],
        ["Linear", [4 * 3 * 3, 5], {}],
    ]
    f.layer("sequential_train", "Sequential", seq, {}, [3, 2, 6, 6], "train", record_state=True)
    f.layer("sequential_eval", "Sequential", seq, {}, [3, 2, 6, 6], "eval", record_state=True)


def model_family(f):
    f.layer("lenet5", "LeNet5", [], {}, [4, 1, 28, 28])
    f.layer("signalnet_train", "SignalNet", [],
            {"channels": [4, 8], "kernelSize": 5, "poolSize": 2}, [3, 1, 32], "train",
            record_state=True)


def loss_family(f):
    def g(name):
        return gen_for(name)

    n = "cross_entropy"
    f.loss(n, "CrossEntropyLoss", {}, randn([5, 4], g(n)), randint([5], g(n + "t"), 0, 4))
    n = "cross_entropy_weight_smooth_ignore"
    t = randint([6], g(n + "t"), 0, 4)
    t[2] = 1
    f.loss(n, "CrossEntropyLoss", {"ignoreIndex": 1, "labelSmoothing": 0.1},
           randn([6, 4], g(n)), t, {"weight": rand([4], g(n + "w"), 0.5, 2.0)})
    n = "cross_entropy_spatial_sum"
    f.loss(n, "CrossEntropyLoss", {"reduction": "sum"}, randn([2, 3, 4, 4], g(n)),
           randint([2, 4, 4], g(n + "t"), 0, 3))
    n = "nll_weight"
    f.loss(n, "NLLLoss", {}, F.log_softmax(randn([5, 4], g(n)), 1),
           randint([5], g(n + "t"), 0, 4), {"weight": rand([4], g(n + "w"), 0.5, 2.0)})
    n = "nll_none"
    f.loss(n, "NLLLoss", {"reduction": "none"}, F.log_softmax(randn([5, 4], g(n)), 1),
           randint([5], g(n + "t"), 0, 4))
    for red in ("mean", "sum", "none"):
        n = f"mse_{red}"
        f.loss(n, "MSELoss", {"reduction": red}, randn([3, 4], g(n)), randn([3, 4], g(n + "t")))
        n = f"l1_{red}"
        f.loss(n, "L1Loss", {"reduction": red}, randn([3, 4], g(n)), randn([3, 4], g(n + "t")))
    n = "bce_with_logits"
    f.loss(n, "BCEWithLogitsLoss", {}, randn([4, 3], g(n), 2.0), rand([4, 3], g(n + "t")))
    n = "bce_with_logits_weight_pos_weight_sum"
    f.loss(n, "BCEWithLogitsLoss", {"reduction": "sum"}, randn([4, 3], g(n), 2.0),
           rand([4, 3], g(n + "t")),
           {"weight": rand([3], g(n + "w"), 0.5, 2.0), "pos_weight": rand([3], g(n + "p"), 0.5, 3.0)})
    n = "cross_entropy_probabilities_weight_smooth"
    f.loss(n, "CrossEntropyLoss", {"labelSmoothing": 0.2}, randn([5, 4], g(n)),
           F.softmax(randn([5, 4], g(n + "t")), 1), {"weight": rand([4], g(n + "w"), 0.5, 2.0)})
    n = "bce_weight"
    f.loss(n, "BCELoss", {}, rand([4, 3], g(n), 0.05, 0.95), rand([4, 3], g(n + "t")),
           {"weight": rand([3], g(n + "w"), 0.5, 2.0)})
    n = "smooth_l1_beta_sum"
    f.loss(n, "SmoothL1Loss", {"reduction": "sum", "beta": 0.5}, randn([3, 4], g(n)),
           randn([3, 4], g(n + "t")))
    n = "huber_delta_none"
    f.loss(n, "HuberLoss", {"reduction": "none", "delta": 0.7}, randn([3, 4], g(n)),
           randn([3, 4], g(n + "t")))
    n = "kl_div_batchmean_log_target"
    f.loss(n, "KLDivLoss", {"reduction": "batchmean", "logTarget": True},
           F.log_softmax(randn([4, 5], g(n)), 1), F.log_softmax(randn([4, 5], g(n + "t")), 1))


def normalization_family(f):
    f.layer("layernorm_last_dim", "LayerNorm", [5], {}, [4, 5])
    f.layer("layernorm_chw_eps", "LayerNorm", [[3, 4, 4]], {"eps": 1e-3}, [2, 3, 4, 4])
    f.layer("layernorm_no_affine", "LayerNorm", [[4, 5]], {"elementwiseAffine": False},
            [2, 3, 4, 5])
    f.layer("groupnorm", "GroupNorm", [2, 6], {}, [2, 6, 3, 3])
    f.layer("groupnorm_no_affine_1d", "GroupNorm", [3, 6], {"affine": False, "eps": 1e-3},
            [3, 6, 5])
    f.layer("instancenorm1d_default", "InstanceNorm1d", [3], {}, [2, 3, 6])
    f.layer("instancenorm1d_unbatched_track", "InstanceNorm1d", [3], {"trackRunningStats": True},
            [3, 6], record_state=True)
    for mode in ("train", "eval"):
        f.layer(f"instancenorm2d_affine_{mode}", "InstanceNorm2d", [3], {"affine": True},
                [2, 3, 4, 5], mode)
        f.layer(f"instancenorm2d_track_{mode}", "InstanceNorm2d", [3],
                {"affine": True, "trackRunningStats": True, "momentum": 0.2}, [2, 3, 4, 5], mode,
                record_state=True)
    f.layer("instancenorm3d_track_eval", "InstanceNorm3d", [2], {"trackRunningStats": True},
            [2, 2, 3, 3, 4], "eval", record_state=True)
    f.layer("adaptive_max1d", "AdaptiveMaxPool1d", [3], {}, [2, 3, 7])
    f.layer("adaptive_max2d_uneven", "AdaptiveMaxPool2d", [[3, 4]], {}, [2, 2, 7, 9])
    f.layer("adaptive_max2d_global", "AdaptiveMaxPool2d", [1], {}, [2, 3, 5, 5])
    f.layer("adaptive_max3d", "AdaptiveMaxPool3d", [2], {}, [1, 2, 5, 6, 4])


FAMILIES = [
    ("linear.json", linear_family),
    ("conv.json", conv_family),
    ("pool.json", pool_family),
    ("norm.json", norm_family),
    ("activation.json", activation_family),
    ("container.json", container_family),
    ("models.json", model_family),
    ("loss.json", loss_family),
    ("normalization.json", normalization_family),
    ("upsampling.json", upsampling_family),
]


def write(out_dir):
    os.makedirs(out_dir, exist_ok=True)
    for filename, fill in FAMILIES:
        fam = Family(filename)
        fill(fam)
        text = fam.dumps()
        size = len(text.encode("ascii"))
        assert size < MAX_FILE_BYTES, f"{filename} is {size} bytes"
        with open(os.path.join(out_dir, filename), "w", encoding="ascii", newline="\n") as fh:
            fh.write(text)
        print(f"{filename:16s} {len(fam.cases):4d} cases {size:9d} bytes")


def check(out_dir):
    """Decode every tensor and check that gradients line up with what they differentiate."""
    for filename, _ in FAMILIES:
        with open(os.path.join(out_dir, filename), encoding="ascii") as fh:
            doc = json.load(fh)
        assert doc["source"] == SOURCE, f"{filename}: source {doc['source']!r}"
        for c in doc["cases"]:
            state = {k: dec(v) for k, v in c["state"].items()}
            x = dec(c["inputs"]["x"])
            y = dec(c["outputs"]["y"])
            gr = c["grads"]
            assert dec(gr["inputs"]["x"]).shape == x.shape, c["name"]
            if "dy" in gr:
                assert dec(gr["dy"]).shape == y.shape, c["name"]
            for k, v in gr["params"].items():
                assert dec(v).shape == state[k].shape, f"{c['name']}: {k}"
            for arr in [x, y, *state.values()]:
                if arr.dtype.kind == "f":
                    assert np.isfinite(arr).all(), c["name"]
        print(f"{filename:16s} {len(doc['cases']):4d} cases ok")


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true",
                    help="only decode and sanity-check the existing files")
    ap.add_argument("--out", default=DEFAULT_OUT, help="output folder (default: ../fixtures)")
    opts = ap.parse_args()
    if opts.check:
        check(opts.out)
    else:
        write(opts.out)


if __name__ == "__main__":
    sys.exit(main())
