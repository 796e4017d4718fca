#!/usr/bin/env python3
"""Reference trajectories for @stride/optimizers, computed with PyTorch.

    /usr/bin/python3 packages/optimizers/scripts/make_fixtures.py          # write fixtures
    /usr/bin/python3 packages/optimizers/scripts/make_fixtures.py --check  # compare with a rerun

Writes three files into ../fixtures (format in fixtures/README.md):

- optimizers.json: each optimizer configuration runs 10 steps on three parameters (shapes
  [2,3], [4] and []) from float32 starting values. Most cases feed a fixed sequence of float32
  gradients straight into `.grad` (some steps leave a gradient out, so per-parameter state and
  step counts diverge); a few compute the gradient of a small loss each step, and a few step a
  scheduler after every optimizer step. The parameters after every step are recorded twice:
  from a float64 run (the reference, replayed exactly by Stride in float64) and from a float32
  run (what a float32 replay should land close to). The float64 run's final `state_dict()` is
  recorded too, in Stride's named form, after checking that the named form loads back into a
  fresh PyTorch optimizer unchanged.
- schedulers.json: the learning rates (and cycled momenta) of each scheduler over its steps,
  some called with an argument (ReduceLROnPlateau's metrics, CosineAnnealingWarmRestarts's
  fractional epochs).
- clip.json: clip_grad_norm_ / clip_grad_value_ on a few gradients, in float64 and float32.

Everything is deterministic: every case seeds its own generator from its name.
"""

import os

# Single-threaded math keeps the last bits identical from run to run; set before torch loads.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import sys  # noqa: E402
import warnings  # noqa: E402
import zlib  # noqa: E402

import torch  # noqa: E402
from torch.nn.utils import clip_grad_norm_, clip_grad_value_  # noqa: E402
from torch.optim import lr_scheduler as S  # noqa: E402

torch.set_num_threads(1)
# The scheduler runs here never call optimizer.step(), and SequentialLR uses the deprecated
# step(epoch) internally: PyTorch warns about both, neither matters for the values.
warnings.filterwarnings("ignore", category=UserWarning)

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUT = os.path.normpath(os.path.join(HERE, "..", "fixtures"))
SOURCE = f"PyTorch {torch.__version__}, scripts/make_fixtures.py"

STEPS = 10
SHAPES = [[2, 3], [4], []]
# Steps (0-based) on which a parameter gets no gradient: PyTorch skips it, state and all.
MISSING = {1: {0}, 2: {3, 7}}

# ----------------------------------------------------------------------------------------
# Names: Stride's options are camelCase; PyTorch's are snake_case.
# ----------------------------------------------------------------------------------------

SPECIAL = {"tMax": "T_max", "t0": "T_0", "tMult": "T_mult"}


def snake(name):
    if name in SPECIAL:
        return SPECIAL[name]
    return "".join("_" + c.lower() if c.isupper() else c for c in name)


def torch_kwargs(options):
    return {snake(k): (tuple(v) if k == "betas" else v) for k, v in options.items()}


OPTIMIZERS = {
    "SGD": torch.optim.SGD,
    "Adam": torch.optim.Adam,
    "AdamW": torch.optim.AdamW,
    "RMSprop": torch.optim.RMSprop,
    "Adagrad": torch.optim.Adagrad,
    "Adadelta": torch.optim.Adadelta,
    "NAdam": torch.optim.NAdam,
    "RAdam": torch.optim.RAdam,
    "Adamax": torch.optim.Adamax,
}

# Functions cannot go into JSON: LambdaLR's lrLambda and CyclicLR's scaleFn name one of these,
# and test/helpers.ts defines the same functions under the same names.
FUNCTIONS = {
    "pow 0.95": lambda e: 0.95 ** e,
    "warm-up": lambda e: (e + 1) / 5 if e < 5 else 0.9 ** (e - 4),
    "halve every 4": lambda e: 0.5 ** (e // 4),
    "inverse": lambda x: 1 / x,
    "slow inverse": lambda x: 1 / (1 + x / 10),
}


def function(names):
    return [FUNCTIONS[n] for n in names] if isinstance(names, list) else FUNCTIONS[names]

# ----------------------------------------------------------------------------------------
# Encoding: small tensors as plain numbers. Python writes the shortest repr that round-trips
# a double and JSON.parse reads it back to the same double, so nothing is lost.
# ----------------------------------------------------------------------------------------


def flat(t):
    return [float(v) for v in t.detach().to(torch.float64).flatten().tolist()]


def tensor_json(t):
    return {"shape": list(t.shape), "data": flat(t)}


def from_json(d, dtype):
    return torch.tensor(d["data"], dtype=dtype).reshape(d["shape"])


def number(v):
    """JSON has no infinities: they are written as the strings 'inf' and '-inf'."""
    if v == math.inf:
        return "inf"
    if v == -math.inf:
        return "-inf"
    return v


def gen_for(name):
    return torch.Generator().manual_seed(zlib.crc32(name.encode("utf-8")))


def randn(shape, g, scale=1.0):
    return torch.randn(list(shape), generator=g, dtype=torch.float32) * scale


# ----------------------------------------------------------------------------------------
# Optimizer state in Stride's named form, and back (the mapping fixtures/README.md documents)
# ----------------------------------------------------------------------------------------

# PyTorch-only switches that Stride neither has nor writes.
TORCH_ONLY_GROUP_KEYS = {"foreach", "differentiable", "capturable", "fused"}


def to_named(sd):
    """PyTorch optimizer.state_dict() -> {state: {'state.<i>.<key>': tensor}, paramGroups}."""
    state = {}
    for i, entry in sd["state"].items():
        for key, value in entry.items():
            if value is None:  # SGD without momentum keeps momentum_buffer = None
                continue
            if not isinstance(value, torch.Tensor):  # RMSprop counts steps in a Python int
                value = torch.tensor(float(value))
            state[f"state.{i}.{key}"] = value
    groups = []
    for g in sd["param_groups"]:
        groups.append({k: (list(v) if isinstance(v, tuple) else v) for k, v in g.items()
                       if k not in TORCH_ONLY_GROUP_KEYS})
    return {"state": state, "paramGroups": groups}


def from_named(named):
    """The inverse: what a Python script does with a Stride checkpoint's optimizer state."""
    state = {}
    for name, value in named["state"].items():
        _, i, key = name.split(".", 2)
        state.setdefault(int(i), {})[key] = value
    groups = [{k: (tuple(v) if k == "betas" else v) for k, v in g.items()}
              for g in named["paramGroups"]]
    return {"state": state, "param_groups": groups}


def comparable(sd):
    """A state dict with None entries (SGD without momentum), the ints of RMSprop's and Adadelta's
    step and the dtype of NAdam's mu_product normalised: PyTorch treats a missing
    momentum_buffer as None, counts with either, and load_state_dict casts every floating state
    but step to the parameter's dtype, mu_product (float32 when PyTorch makes it) included."""
    state = {}
    for i, entry in sd["state"].items():
        kept = {}
        for k, v in entry.items():
            if v is None:
                continue
            kept[k] = v if isinstance(v, torch.Tensor) else torch.tensor(float(v))
            if k == "mu_product":
                kept[k] = kept[k].to(torch.float64)
        if kept:
            state[i] = kept
    groups = [{k: v for k, v in g.items() if k not in TORCH_ONLY_GROUP_KEYS}
              for g in sd["param_groups"]]
    return state, groups


def same_state(a, b):
    (sa, ga), (sb, gb) = comparable(a), comparable(b)
    if ga != gb or sa.keys() != sb.keys():
        return False
    for i in sa:
        if sa[i].keys() != sb[i].keys():
            return False
        for k, va in sa[i].items():
            vb = sb[i][k]
            if va.dtype != vb.dtype or not torch.equal(va, vb):
                return False
    return True


# ----------------------------------------------------------------------------------------
# Optimizer trajectories
# ----------------------------------------------------------------------------------------


def make_scheduler(opt, spec):
    kind, options = spec["type"], dict(spec.get("options", {}))
    for key in ("lrLambda", "scaleFn"):
        if key in options:
            options[key] = function(options[key])
    if kind == "SequentialLR":
        subs = [make_scheduler(opt, s) for s in options.pop("schedulers")]
        return S.SequentialLR(opt, subs, **torch_kwargs(options))
    return getattr(S, kind)(opt, **torch_kwargs(options))


def build_optimizer(case, params):
    cls = OPTIMIZERS[case["optimizer"]]
    options = torch_kwargs(case["options"])
    if case["groups"] is None:
        return cls(params, **options)
    groups = [dict(params=[params[i] for i in g["params"]], **torch_kwargs(g["options"]))
              for g in case["groups"]]
    return cls(groups, **options)


def loss_of(params, loss):
    """A smooth non-quadratic loss, so gradients depend on where the parameters are."""
    total = 0
    for p, a, t, b in zip(params, loss["scales"], loss["targets"], loss["tilts"]):
        total = total + (a * (p - t) ** 2).sum() + (torch.tanh(p) * b).sum()
    return total


def run_optimizer(case, dtype):
    params = [from_json(p, dtype).requires_grad_(True) for p in case["params"]]
    opt = build_optimizer(case, params)
    sched = make_scheduler(opt, case["scheduler"]) if case["scheduler"] else None
    if case["mode"] == "loss":
        loss = {k: [from_json(t, dtype) for t in v] for k, v in case["loss"].items()}
    trajectory = []
    for step in range(STEPS):
        if case["mode"] == "grads":
            for p, g in zip(params, case["grads"][step]):
                p.grad = None if g is None else from_json(g, dtype)
        else:
            opt.zero_grad(set_to_none=True)
            loss_of(params, loss).backward()
        opt.step()
        if sched is not None:
            sched.step()
        trajectory.append([flat(p) for p in params])
    return trajectory, opt, params


def check_named_round_trip(case, opt, params):
    """The named form must load into a fresh PyTorch optimizer and give back the same state."""
    sd = opt.state_dict()
    named = to_named(sd)
    fresh = build_optimizer(case, [p.detach().clone().requires_grad_(True) for p in params])
    fresh.load_state_dict(from_named(named))
    back = fresh.state_dict()
    assert same_state(sd, back), f"{case['name']}: named state does not round-trip"
    return named


def optimizer_case(name, optimizer, options, groups=None, mode="grads", scheduler=None):
    g = gen_for(name)
    params = [randn(s, g) for s in SHAPES]
    case = {
        "name": name,
        "optimizer": optimizer,
        "options": options,
        "groups": groups,
        "mode": mode,
        "scheduler": scheduler,
        "params": [tensor_json(p) for p in params],
    }
    if mode == "grads":
        grads = []
        for step in range(STEPS):
            row = []
            for i, s in enumerate(SHAPES):
                gr = randn(s, g, 0.5 + step * 0.1)
                row.append(None if step in MISSING.get(i, ()) else tensor_json(gr))
            grads.append(row)
        case["grads"] = grads
    else:
        case["loss"] = {
            "scales": [tensor_json(randn(s, g).abs() + 0.1) for s in SHAPES],
            "targets": [tensor_json(randn(s, g)) for s in SHAPES],
            "tilts": [tensor_json(randn(s, g)) for s in SHAPES],
        }
    traj64, opt, params64 = run_optimizer(case, torch.float64)
    traj32, _, _ = run_optimizer(case, torch.float32)
    named = check_named_round_trip(case, opt, params64)
    case["float64"] = traj64
    case["float32"] = traj32
    case["stateDict"] = {
        "state": {k: tensor_json(v) for k, v in named["state"].items()},
        "paramGroups": named["paramGroups"],
    }
    return case


def optimizer_cases():
    c = optimizer_case
    two = [{"params": [0, 2], "options": {}}, {"params": [1], "options": {"lr": 0.02}}]
    return [
        c("SGD plain", "SGD", {"lr": 0.1}),
        c("SGD momentum", "SGD", {"lr": 0.05, "momentum": 0.9}),
        c("SGD momentum dampening", "SGD", {"lr": 0.05, "momentum": 0.8, "dampening": 0.3}),
        c("SGD nesterov", "SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True}),
        c("SGD weight decay", "SGD", {"lr": 0.1, "weightDecay": 0.05}),
        c("SGD momentum weight decay", "SGD", {"lr": 0.05, "momentum": 0.9, "weightDecay": 0.01}),
        c("SGD nesterov weight decay maximize", "SGD",
          {"lr": 0.05, "momentum": 0.7, "nesterov": True, "weightDecay": 0.02, "maximize": True}),
        c("SGD param groups", "SGD", {"lr": 0.1, "momentum": 0.5},
          [{"params": [0], "options": {"momentum": 0.9, "weightDecay": 0.1}},
           {"params": [1, 2], "options": {"lr": 0.01, "nesterov": True}}]),
        c("Adam default", "Adam", {}),
        c("Adam lr 0.1", "Adam", {"lr": 0.1}),
        c("Adam betas eps", "Adam", {"lr": 0.05, "betas": [0.8, 0.95], "eps": 1e-3}),
        c("Adam weight decay", "Adam", {"lr": 0.05, "weightDecay": 0.1}),
        c("Adam amsgrad", "Adam", {"lr": 0.05, "amsgrad": True}),
        c("Adam amsgrad weight decay maximize", "Adam",
          {"lr": 0.05, "amsgrad": True, "weightDecay": 0.05, "maximize": True}),
        c("Adam param groups", "Adam", {"lr": 0.1}, two),
        c("AdamW default", "AdamW", {}),
        c("AdamW lr 0.1 weight decay 0.1", "AdamW", {"lr": 0.1, "weightDecay": 0.1}),
        c("AdamW amsgrad", "AdamW", {"lr": 0.05, "amsgrad": True}),
        c("AdamW maximize betas", "AdamW", {"lr": 0.05, "betas": [0.5, 0.9], "maximize": True}),
        c("AdamW param groups", "AdamW", {"lr": 0.1},
          [{"params": [0, 1], "options": {"weightDecay": 0.5}}, {"params": [2], "options": {}}]),
        c("RMSprop default", "RMSprop", {}),
        c("RMSprop alpha eps", "RMSprop", {"lr": 0.05, "alpha": 0.9, "eps": 1e-4}),
        c("RMSprop centered", "RMSprop", {"lr": 0.01, "centered": True}),
        c("RMSprop momentum", "RMSprop", {"lr": 0.01, "momentum": 0.9}),
        c("RMSprop centered momentum weight decay", "RMSprop",
          {"lr": 0.01, "centered": True, "momentum": 0.5, "weightDecay": 0.1}),
        c("RMSprop maximize", "RMSprop", {"lr": 0.02, "alpha": 0.95, "maximize": True}),
        c("RMSprop param groups", "RMSprop", {"lr": 0.01},
          [{"params": [0], "options": {"momentum": 0.9}},
           {"params": [1, 2], "options": {"centered": True}}]),
        c("Adagrad default", "Adagrad", {}),
        c("Adagrad lr decay", "Adagrad", {"lr": 0.1, "lrDecay": 0.05}),
        c("Adagrad initial accumulator weight decay", "Adagrad",
          {"lr": 0.1, "initialAccumulatorValue": 0.5, "weightDecay": 0.1}),
        c("Adagrad eps maximize", "Adagrad", {"lr": 0.05, "eps": 1e-3, "maximize": True}),
        c("Adagrad param groups", "Adagrad", {"lr": 0.1}, two),
        c("SGD momentum on a loss", "SGD", {"lr": 0.05, "momentum": 0.9}, mode="loss"),
        c("Adam on a loss", "Adam", {"lr": 0.05}, mode="loss"),
        c("RMSprop centered on a loss", "RMSprop", {"lr": 0.01, "centered": True}, mode="loss"),
        c("SGD with StepLR", "SGD", {"lr": 0.1, "momentum": 0.9},
          scheduler={"type": "StepLR", "options": {"stepSize": 3, "gamma": 0.5}}),
        c("SGD with OneCycleLR", "SGD", {"lr": 0.1},
          scheduler={"type": "OneCycleLR", "options": {"maxLr": 0.2, "totalSteps": 12}}),
        c("Adam with OneCycleLR three phase", "Adam", {"lr": 0.1},
          scheduler={"type": "OneCycleLR",
                     "options": {"maxLr": 0.1, "totalSteps": 11, "threePhase": True}}),
        c("AdamW with warm-up then cosine", "AdamW", {"lr": 0.1},
          scheduler={"type": "SequentialLR", "options": {
              "schedulers": [
                  {"type": "LinearLR", "options": {"startFactor": 0.2, "totalIters": 3}},
                  {"type": "CosineAnnealingLR", "options": {"tMax": 7}},
              ],
              "milestones": [3]}}),
        c("Adadelta default", "Adadelta", {}),
        c("Adadelta rho eps weight decay", "Adadelta",
          {"lr": 0.5, "rho": 0.8, "eps": 1e-4, "weightDecay": 0.1}),
        c("Adadelta maximize", "Adadelta", {"rho": 0.95, "maximize": True}),
        c("Adadelta param groups", "Adadelta", {"lr": 1.0},
          [{"params": [0, 2], "options": {"weightDecay": 0.05}},
           {"params": [1], "options": {"lr": 0.5, "rho": 0.5}}]),
        c("Adadelta on a loss", "Adadelta", {}, mode="loss"),
        c("Adadelta with StepLR as in the MNIST example", "Adadelta", {"lr": 1.0},
          scheduler={"type": "StepLR", "options": {"stepSize": 1, "gamma": 0.7}}),
        c("NAdam default", "NAdam", {}),
        c("NAdam betas eps momentum decay", "NAdam",
          {"lr": 0.05, "betas": [0.8, 0.95], "eps": 1e-3, "momentumDecay": 0.1}),
        c("NAdam weight decay", "NAdam", {"lr": 0.05, "weightDecay": 0.1}),
        c("NAdam param groups", "NAdam", {"lr": 0.1},
          [{"params": [0], "options": {"momentumDecay": 0.02}},
           {"params": [1, 2], "options": {"lr": 0.02, "weightDecay": 0.01}}]),
        c("NAdam on a loss", "NAdam", {"lr": 0.05}, mode="loss"),
        c("RAdam default", "RAdam", {}),
        c("RAdam lr betas eps", "RAdam", {"lr": 0.05, "betas": [0.8, 0.99], "eps": 1e-4}),
        c("RAdam weight decay", "RAdam", {"lr": 0.05, "weightDecay": 0.1}),
        c("RAdam param groups", "RAdam", {"lr": 0.1},
          [{"params": [0, 1], "options": {"betas": [0.9, 0.9]}},
           {"params": [2], "options": {"lr": 0.02, "weightDecay": 0.05}}]),
        c("RAdam on a loss", "RAdam", {"lr": 0.05, "betas": [0.9, 0.95]}, mode="loss"),
        c("Adamax default", "Adamax", {}),
        c("Adamax lr betas eps", "Adamax", {"lr": 0.1, "betas": [0.8, 0.9], "eps": 1e-2}),
        c("Adamax weight decay maximize", "Adamax",
          {"lr": 0.05, "weightDecay": 0.1, "maximize": True}),
        c("Adamax param groups", "Adamax", {"lr": 0.1}, two),
        c("Adamax on a loss", "Adamax", {"lr": 0.05}, mode="loss"),
        c("SGD momentum with CyclicLR", "SGD", {"lr": 0.1, "momentum": 0.9},
          scheduler={"type": "CyclicLR",
                     "options": {"baseLr": 0.01, "maxLr": 0.1, "stepSizeUp": 3}}),
        c("Adamax with LambdaLR warm-up", "Adamax", {"lr": 0.1},
          scheduler={"type": "LambdaLR", "options": {"lrLambda": "warm-up"}}),
        c("RAdam with CosineAnnealingWarmRestarts", "RAdam", {"lr": 0.1},
          scheduler={"type": "CosineAnnealingWarmRestarts", "options": {"t0": 3, "tMult": 2}}),
    ]


# ----------------------------------------------------------------------------------------
# Schedulers
# ----------------------------------------------------------------------------------------

SCHEDULER_STATE_KEYS = ("last_epoch", "base_lrs", "_last_lr", "_step_count", "T_i", "T_cur",
                        "best", "num_bad_epochs", "cooldown_counter")


def scheduler_state(sd):
    """The counters and rates of a scheduler's state_dict (SequentialLR: and its children's)."""
    out = {k: number(sd[k]) if k == "best" else sd[k] for k in SCHEDULER_STATE_KEYS if k in sd}
    if "_schedulers" in sd:
        out["_schedulers"] = [scheduler_state(s) for s in sd["_schedulers"]]
    return out


def scheduler_case(name, scheduler, steps=30, optimizer="SGD", options=None, lrs=(0.1, 0.03),
                   args=None):
    """`args`, when given, are what each step is called with (None: no argument), one per step:
    ReduceLROnPlateau's metrics, CosineAnnealingWarmRestarts's epochs."""
    options = {"momentum": 0.9} if options is None and optimizer == "SGD" else (options or {})
    steps = len(args) if args is not None else steps
    params = [torch.zeros(1, requires_grad=True) for _ in lrs]
    cls = OPTIMIZERS[optimizer]
    opt = cls([{"params": [p], "lr": lr} for p, lr in zip(params, lrs)], **torch_kwargs(options))
    sched = make_scheduler(opt, scheduler)

    def momenta():
        out = []
        for g in opt.param_groups:
            out.append(g["betas"][0] if "betas" in g else g.get("momentum"))
        return out

    def last_lr():
        # PyTorch 1.13's ReduceLROnPlateau has no get_last_lr(); the groups hold the same rates.
        if hasattr(sched, "get_last_lr"):
            return sched.get_last_lr()
        return [g["lr"] for g in opt.param_groups]

    lr_rows, momentum_rows = [last_lr()], [momenta()]
    for i in range(steps):
        arg = args[i] if args is not None else None
        if arg is None:
            sched.step()
        else:
            sched.step(arg)
        lr_rows.append(last_lr())
        momentum_rows.append(momenta())
    state = scheduler_state(sched.state_dict())
    if scheduler["type"] == "CosineAnnealingWarmRestarts":
        # Its step() never counts _step_count (it stays 0); Stride counts its steps as for every
        # other scheduler.
        del state["_step_count"]
    case = {
        "name": name,
        "optimizer": optimizer,
        "options": options,
        "lrs": list(lrs),
        "scheduler": scheduler,
        "steps": steps,
        "lr": lr_rows,
        "momentum": momentum_rows,
        "stateDict": state,
    }
    if args is not None:
        case["args"] = args
    return case


def scheduler_cases():
    c = scheduler_case
    cos = {"type": "CosineAnnealingLR", "options": {"tMax": 25}}
    return [
        c("StepLR", {"type": "StepLR", "options": {"stepSize": 7, "gamma": 0.5}}),
        c("StepLR default gamma", {"type": "StepLR", "options": {"stepSize": 10}}),
        c("MultiStepLR", {"type": "MultiStepLR", "options": {"milestones": [5, 12, 20], "gamma": 0.3}}),
        c("MultiStepLR repeated milestone",
          {"type": "MultiStepLR", "options": {"milestones": [12, 4, 12]}}),
        c("ExponentialLR", {"type": "ExponentialLR", "options": {"gamma": 0.9}}),
        c("CosineAnnealingLR", {"type": "CosineAnnealingLR", "options": {"tMax": 30}}),
        c("CosineAnnealingLR past tMax",
          {"type": "CosineAnnealingLR", "options": {"tMax": 10, "etaMin": 0.001}}, steps=45),
        c("LinearLR default", {"type": "LinearLR"}),
        c("LinearLR warm-up", {"type": "LinearLR", "options": {"startFactor": 0.1, "totalIters": 10}}),
        c("LinearLR decay",
          {"type": "LinearLR", "options": {"startFactor": 1.0, "endFactor": 0.05, "totalIters": 20}}),
        c("OneCycleLR", {"type": "OneCycleLR", "options": {"maxLr": 0.1, "totalSteps": 31}}),
        c("OneCycleLR linear",
          {"type": "OneCycleLR", "options": {"maxLr": [0.5, 0.2], "totalSteps": 31,
                                             "annealStrategy": "linear"}}),
        c("OneCycleLR three phase",
          {"type": "OneCycleLR", "options": {"maxLr": 0.1, "totalSteps": 31, "threePhase": True}}),
        c("OneCycleLR epochs pct div factors",
          {"type": "OneCycleLR", "options": {"maxLr": 1.0, "epochs": 4, "stepsPerEpoch": 8,
                                             "pctStart": 0.25, "divFactor": 10.0,
                                             "finalDivFactor": 100.0, "baseMomentum": 0.8,
                                             "maxMomentum": 0.9}}),
        c("OneCycleLR Adam betas", {"type": "OneCycleLR", "options": {"maxLr": 0.01, "totalSteps": 31}},
          optimizer="Adam", options={"betas": [0.9, 0.99]}),
        c("OneCycleLR without momentum",
          {"type": "OneCycleLR", "options": {"maxLr": 0.1, "totalSteps": 31, "cycleMomentum": False}},
          optimizer="Adagrad"),
        c("SequentialLR warm-up then cosine", {"type": "SequentialLR", "options": {
            "schedulers": [{"type": "LinearLR", "options": {"startFactor": 0.1, "totalIters": 5}}, cos],
            "milestones": [5]}}),
        c("SequentialLR warm-up then exponential", {"type": "SequentialLR", "options": {
            "schedulers": [{"type": "LinearLR", "options": {"startFactor": 0.25, "totalIters": 4}},
                           {"type": "ExponentialLR", "options": {"gamma": 0.9}}],
            "milestones": [4]}}),
        c("SequentialLR three stages", {"type": "SequentialLR", "options": {
            "schedulers": [{"type": "LinearLR", "options": {"startFactor": 0.5, "totalIters": 3}},
                           {"type": "StepLR", "options": {"stepSize": 4, "gamma": 0.5}},
                           {"type": "CosineAnnealingLR", "options": {"tMax": 10, "etaMin": 0.001}}],
            "milestones": [3, 15]}}),
        c("LambdaLR", {"type": "LambdaLR", "options": {"lrLambda": "pow 0.95"}}),
        c("LambdaLR one function per group",
          {"type": "LambdaLR", "options": {"lrLambda": ["warm-up", "halve every 4"]}}),
        c("CosineAnnealingWarmRestarts",
          {"type": "CosineAnnealingWarmRestarts", "options": {"t0": 5, "etaMin": 0.001}}),
        c("CosineAnnealingWarmRestarts tMult 2",
          {"type": "CosineAnnealingWarmRestarts", "options": {"t0": 3, "tMult": 2}}, steps=40),
        # Fractional epochs (a step per quarter epoch), plain steps in between, and jumps back.
        c("CosineAnnealingWarmRestarts fractional epochs",
          {"type": "CosineAnnealingWarmRestarts", "options": {"t0": 2, "tMult": 2}},
          args=[i / 4 for i in range(1, 33)] + [None, None, None, 3.5, 1, 0.75, None, 14, 14.5]),
        c("CosineAnnealingWarmRestarts fractional epochs tMult 1",
          {"type": "CosineAnnealingWarmRestarts", "options": {"t0": 3, "etaMin": 0.01}},
          args=[i / 3 for i in range(1, 25)] + [None, None, 20.5]),
        c("CyclicLR triangular", {"type": "CyclicLR",
                                  "options": {"baseLr": 0.01, "maxLr": 0.1, "stepSizeUp": 4}}),
        c("CyclicLR triangular2 per group",
          {"type": "CyclicLR", "options": {"baseLr": [0.01, 0.001], "maxLr": [0.1, 0.05],
                                           "stepSizeUp": 3, "stepSizeDown": 5, "mode": "triangular2",
                                           "baseMomentum": 0.85, "maxMomentum": [0.95, 0.99]}},
          steps=40),
        c("CyclicLR exp_range", {"type": "CyclicLR", "options": {
            "baseLr": 0.01, "maxLr": 0.1, "stepSizeUp": 5, "mode": "exp_range", "gamma": 0.95}}),
        c("CyclicLR scaleFn by cycle", {"type": "CyclicLR", "options": {
            "baseLr": 0.01, "maxLr": 0.1, "stepSizeUp": 3, "scaleFn": "inverse"}}),
        c("CyclicLR scaleFn by iterations without momentum", {"type": "CyclicLR", "options": {
            "baseLr": 0.001, "maxLr": 0.01, "stepSizeUp": 2, "stepSizeDown": 4,
            "scaleFn": "slow inverse", "scaleMode": "iterations", "cycleMomentum": False}},
          optimizer="Adam"),
        # Improves, then stalls past patience (reduction), with bad steps in the cooldown
        # ignored, then stalls again.
        c("ReduceLROnPlateau min rel patience cooldown",
          {"type": "ReduceLROnPlateau", "options": {"factor": 0.5, "patience": 2, "cooldown": 2}},
          args=[1.0, 0.9, 0.95, 0.9, 0.89995, 0.92, 0.8, 0.85, 0.9, 0.95, 1.0, 1.1, 0.7, 0.7,
                0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7]),
        c("ReduceLROnPlateau max abs minLr eps",
          {"type": "ReduceLROnPlateau", "options": {
              "mode": "max", "factor": 0.3, "patience": 1, "cooldown": 1, "threshold": 0.05,
              "thresholdMode": "abs", "minLr": [0.02, 0.001], "eps": 0.005}},
          args=[0.5, 0.6, 0.62, 0.64, 0.7, 0.7, 0.71, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8]),
        c("ReduceLROnPlateau min abs patience 0",
          {"type": "ReduceLROnPlateau", "options": {
              "factor": 0.8, "patience": 0, "threshold": 0.1, "thresholdMode": "abs"}},
          args=[3.0, 2.0, 1.95, 1.8, 1.8, 1.0, 0.95, 0.5, 0.5, 0.45]),
        c("ReduceLROnPlateau max rel", {"type": "ReduceLROnPlateau", "options": {
            "mode": "max", "patience": 3, "minLr": 0.005}},
          args=[0.1, 0.2, 0.3, 0.3, 0.3, 0.3, 0.3, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4]),
    ]


# ----------------------------------------------------------------------------------------
# Gradient clipping
# ----------------------------------------------------------------------------------------


def clip_case(name, kind, args, missing=()):
    g = gen_for(name)
    shapes = [[3, 4], [5], []]
    grads = [randn(s, g, 2.0) for s in shapes]
    case = {"name": name, "kind": kind, "args": {k: number(v) for k, v in args.items()},
            "grads": [None if i in missing else tensor_json(gr) for i, gr in enumerate(grads)]}
    for dtype, key in ((torch.float64, "float64"), (torch.float32, "float32")):
        params = [torch.zeros(s, dtype=dtype, requires_grad=True) for s in shapes]
        for i, p in enumerate(params):
            p.grad = None if i in missing else grads[i].to(dtype)
        if kind == "clipGradNorm":
            total = clip_grad_norm_(params, args["maxNorm"], args.get("normType", 2.0))
            total_value = float(total)
        else:
            clip_grad_value_(params, args["clipValue"])
            total_value = None
        case[key] = {"total": number(total_value) if total_value is not None else None,
                     "grads": [None if p.grad is None else flat(p.grad) for p in params]}
    return case


def clip_cases():
    c = clip_case
    return [
        c("norm 2 clipped", "clipGradNorm", {"maxNorm": 1.0}),
        c("norm 2 not clipped", "clipGradNorm", {"maxNorm": 100.0}),
        c("norm 2 one gradient missing", "clipGradNorm", {"maxNorm": 2.0}, missing=(1,)),
        c("norm 1", "clipGradNorm", {"maxNorm": 5.0, "normType": 1.0}),
        c("norm 3", "clipGradNorm", {"maxNorm": 0.5, "normType": 3.0}),
        c("norm 0.5", "clipGradNorm", {"maxNorm": 50.0, "normType": 0.5}),
        c("norm inf", "clipGradNorm", {"maxNorm": 1.5, "normType": math.inf}),
        c("norm -inf", "clipGradNorm", {"maxNorm": 0.01, "normType": -math.inf}),
        c("norm 0", "clipGradNorm", {"maxNorm": 4.0, "normType": 0.0}),
        c("value 0.5", "clipGradValue", {"clipValue": 0.5}),
        c("value 2 one gradient missing", "clipGradValue", {"clipValue": 2.0}, missing=(0,)),
    ]


# ----------------------------------------------------------------------------------------


def dumps(cases):
    lines = [json.dumps(c, separators=(",", ":"), ensure_ascii=True) for c in cases]
    head = json.dumps({"source": SOURCE}, separators=(",", ":"))[:-1]
    return head + ',"cases":[\n' + ",\n".join(lines) + "\n]}\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true",
                    help="regenerate in memory and fail if a stored file differs")
    ap.add_argument("--out", default=DEFAULT_OUT, help="output folder (default: ../fixtures)")
    opts = ap.parse_args()
    files = {
        "optimizers.json": dumps(optimizer_cases()),
        "schedulers.json": dumps(scheduler_cases()),
        "clip.json": dumps(clip_cases()),
    }
    status = 0
    for name, text in files.items():
        path = os.path.join(opts.out, name)
        if opts.check:
            with open(path, encoding="utf-8") as f:
                same = f.read() == text
            print(f"{name}: {'up to date' if same else 'DIFFERS'}")
            status |= 0 if same else 1
        else:
            os.makedirs(opts.out, exist_ok=True)
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
            print(f"wrote {path} ({len(text)} bytes)")
    return status


if __name__ == "__main__":
    sys.exit(main())
