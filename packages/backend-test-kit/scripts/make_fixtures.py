#!/usr/bin/env python3
"""Golden fixtures for the Stride conformance suite, computed with PyTorch.

    /usr/bin/python3 packages/backend-test-kit/scripts/make_fixtures.py          # write fixtures
    /usr/bin/python3 packages/backend-test-kit/scripts/make_fixtures.py --only conv.json  # one file
    /usr/bin/python3 packages/backend-test-kit/scripts/make_fixtures.py --check  # sanity check

The output is deterministic: every case draws its tensors from its own torch.Generator,
seeded from the case name, so adding or removing a case never changes the others, and a
rerun writes byte-identical files. See fixtures/README.md for the file format.
"""

import os

# Single-threaded float64 math keeps the last bits of every reduction identical from run
# to run (and machine to machine); this has to be set before torch loads its BLAS.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import base64  # noqa: E402
import itertools  # noqa: E402
import json  # noqa: E402
import random  # noqa: E402
import sys  # noqa: E402
import warnings  # noqa: E402
import zlib  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

torch.set_num_threads(1)
# PyTorch warns that 'same' with an even kernel makes a padded copy; that is the point here.
warnings.filterwarnings("ignore", message="Using padding='same'")

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUT = os.path.normpath(os.path.join(HERE, "..", "fixtures"))
SOURCE = f"PyTorch {torch.__version__}, scripts/make_fixtures.py"
MAX_FILE_BYTES = 1_500_000

# ----------------------------------------------------------------------------------------
# Encoding
# ----------------------------------------------------------------------------------------

_NP_DTYPE = {"float32": "<f4", "int32": "<i4", "bool": "u1"}


def enc(t):
    """Tensor -> {shape, dtype, data}; float64 results are rounded to float32 only here."""
    t = t.detach()
    if t.dtype in (torch.float64, torch.float32):
        name, arr = "float32", t.to(torch.float32).numpy().astype("<f4")
    elif t.dtype in (torch.int64, torch.int32):
        t = t.to(torch.int64)
        assert t.numel() == 0 or (int(t.min()) >= -(2**31) and int(t.max()) < 2**31)
        name, arr = "int32", t.numpy().astype("<i4")
    elif t.dtype == torch.bool:
        name, arr = "bool", t.numpy().astype("u1")
    else:
        raise TypeError(f"unsupported dtype {t.dtype}")
    return {
        "shape": list(t.shape),
        "dtype": name,
        "data": base64.b64encode(np.ascontiguousarray(arr).tobytes()).decode("ascii"),
    }


def dec(d):
    raw = base64.b64decode(d["data"])
    arr = np.frombuffer(raw, dtype=_NP_DTYPE[d["dtype"]])
    n = int(np.prod(d["shape"], dtype=np.int64))
    assert arr.size == n, f"data holds {arr.size} elements, shape {d['shape']} needs {n}"
    return arr.reshape(d["shape"])


# ----------------------------------------------------------------------------------------
# Case machinery
# ----------------------------------------------------------------------------------------


def gen_for(name):
    return torch.Generator().manual_seed(zlib.crc32(name.encode("utf-8")))


def randn(shape, g, scale=1.0):
    return torch.randn(list(shape), generator=g, dtype=torch.float32) * scale


def rand(shape, g, lo=0.0, hi=1.0):
    return torch.rand(list(shape), generator=g, dtype=torch.float32) * (hi - lo) + lo


def randint(shape, g, lo, hi):
    return torch.randint(lo, hi, list(shape), generator=g, dtype=torch.int64).to(torch.int32)


def assert_distinct(t, what):
    # max/min/argmax/max-pool gradients are only well defined without ties.
    flat = t.flatten()
    assert flat.unique().numel() == flat.numel(), f"{what}: input has ties"


class Family:
    def __init__(self, filename):
        self.filename = filename
        self.cases = []
        self._names = set()

    def run(self, name, op, args, inputs, fn, diff=(), g=None, loss=False, grad_of="y"):
        """Evaluate fn in float64 on the float32 inputs and record outputs and VJPs.

        inputs: name -> float32 / int32 tensor (what gets stored).
        fn:     dict of float64 / int64 tensors -> dict of outputs.
        diff:   input names to differentiate with respect to (grads d<name>).
        loss:   scalar loss output: grads are of the scalar itself, no dy.
        """
        assert name not in self._names, f"duplicate case name {name!r}"
        self._names.add(name)
        if g is None:
            g = gen_for(name)
        leaves = {}
        for k, v in inputs.items():
            if v.dtype == torch.float32:
                t = v.to(torch.float64)
                if k in diff:
                    t.requires_grad_(True)
            elif v.dtype == torch.int32:
                t = v.to(torch.int64)  # PyTorch index ops want int64; stored as int32
            else:
                t = v.clone()
            leaves[k] = t
        outs = fn(leaves)
        grads = {}
        if diff:
            y = outs[grad_of]
            wrt = [leaves[k] for k in diff]
            if loss:
                assert y.dim() == 0
                gs = torch.autograd.grad(y, wrt, allow_unused=True)
            else:
                dy = randn(y.shape, g)
                grads["dy"] = enc(dy)
                gs = torch.autograd.grad(y, wrt, dy.to(torch.float64), allow_unused=True)
            for k, gr in zip(diff, gs):
                if gr is None:
                    gr = torch.zeros_like(leaves[k])
                grads["d" + k] = enc(gr)
        case = {
            "name": name,
            "op": op,
            "args": args,
            "inputs": {k: enc(v) for k, v in inputs.items()},
            "outputs": {k: enc(v) for k, v in outs.items()},
            "grads": grads,
        }
        self.cases.append(case)
        return case

    def dumps(self):
        # One case per line: compact, yet diffs of a regenerated file stay readable.
        lines = [json.dumps(c, separators=(",", ":"), ensure_ascii=True) for c in self.cases]
        head = json.dumps({"source": SOURCE}, separators=(",", ":"))[:-1]
        return head + ',"cases":[\n' + ",\n".join(lines) + "\n]}\n"


def covering(factors, valid, count, seed):
    """Greedy pairwise covering design over `factors` (name -> values).

    Picks at least `count` valid combinations: each step takes the candidate that covers the
    most not-yet-covered value pairs, breaking ties toward the least used values; once every
    pair is covered it starts over, so with a larger count every pair appears several times.
    Pairs that no valid combination contains (stride 2 with 'same') are simply not required.
    """
    names = list(factors)
    cands = []
    for vals in itertools.product(*(factors[n] for n in names)):
        c = dict(zip(names, vals))
        if valid(c):
            cands.append(c)
    random.Random(seed).shuffle(cands)

    def key(v):
        return json.dumps(v)

    cand_pairs = [
        frozenset((a, key(c[a]), b, key(c[b])) for a, b in itertools.combinations(names, 2))
        for c in cands
    ]
    all_pairs = frozenset().union(*cand_pairs)
    uncovered = set(all_pairs)
    usage = {}
    chosen_idx = []
    first_pass_done = None
    # `count` is a floor: the first pass always runs to full pair coverage.
    while len(chosen_idx) < count or (first_pass_done is None and uncovered):
        if not uncovered:
            if first_pass_done is None:
                first_pass_done = len(chosen_idx)
            uncovered = set(all_pairs)
        best, best_score = None, None
        for i, c in enumerate(cands):
            if i in chosen_idx:
                continue
            gain = len(cand_pairs[i] & uncovered)
            use = sum(usage.get((n, key(c[n])), 0) for n in names)
            score = (gain, -use)
            if best_score is None or score > best_score:
                best, best_score = i, score
        chosen_idx.append(best)
        uncovered -= cand_pairs[best]
        for n in names:
            usage[(n, key(cands[best][n]))] = usage.get((n, key(cands[best][n])), 0) + 1
    chosen = [cands[i] for i in chosen_idx]
    covered = frozenset().union(*(cand_pairs[i] for i in chosen_idx))
    assert covered == all_pairs, f"covering design misses {len(all_pairs - covered)} pairs"
    return chosen


def scalar_or_list(v):
    """(2, 2) -> 2, (1, 2) -> [1, 2]: uniform per-axis values are written as one number."""
    v = list(v)
    return v[0] if all(x == v[0] for x in v) else v


def fmt(v):
    if isinstance(v, (list, tuple)):
        return "[" + ",".join(str(x) for x in v) + "]"
    return str(v)


def shp(shape):
    return "x".join(str(s) for s in shape)


# ----------------------------------------------------------------------------------------
# Convolution
# ----------------------------------------------------------------------------------------

CONV_FN = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}


def _conv_kernel(kind, nd, rng):
    if nd == 1:
        return [rng.choice([1, 3, 3, 5])] if kind == "odd" else [rng.choice([2, 2, 4])]
    odd = [1, 3, 3, 5] if nd == 2 else [1, 3, 3]
    even = [2, 2, 4] if nd == 2 else [2, 2, 4]
    while True:
        if kind == "odd-square":
            k = [rng.choice(odd)] * nd
        elif kind == "even-square":
            k = [rng.choice(even)] * nd
        elif kind == "odd-rect":
            k = [rng.choice(odd) for _ in range(nd)]
        elif kind == "even-rect":
            k = [rng.choice(even) for _ in range(nd)]
        else:  # mixed parity across axes
            k = [rng.choice(odd + even) for _ in range(nd)]
        if kind.endswith("rect") and len(set(k)) == 1:
            continue
        if kind == "mixed" and len({x % 2 for x in k}) < 2:
            continue
        return k


def _conv_instance(nd, c, rng, tuple_pads):
    max_len = {1: 9, 2: 9, 3: 7}[nd]
    spread = {1: 5, 2: 5, 3: 3}[nd]  # volumes stay small to keep conv.json compact
    s, d = c["stride"], c["dilation"]
    for attempt in range(1000):
        k = _conv_kernel(c["kernel"], nd, rng)
        if c["padding"] == "tuple":
            pad_arg = tuple_pads[rng.randrange(len(tuple_pads))]
            pads = list(pad_arg)
        elif c["padding"] == "valid":
            pad_arg, pads = "valid", [0] * nd
        elif c["padding"] == "same":
            pad_arg, pads = "same", None
        else:
            pad_arg, pads = c["padding"], [c["padding"]] * nd
        sizes = []
        ok = True
        for ax in range(nd):
            eff = d * (k[ax] - 1) + 1
            if pads is None:
                lo = max(2, eff // 2)  # 'same' is defined for any length; keep it non-trivial
            else:
                # prefer two output positions along strided axes; settle for one if the
                # dilated kernel leaves no room within the size limit
                lo = max(1, eff - 2 * pads[ax] + (s if s > 1 and attempt < 500 else 0))
            if lo > max_len:
                ok = False
                break
            sizes.append(rng.randint(lo, min(max_len, lo + spread)))
        if not ok:
            continue
        if nd > 1 and len(set(sizes)) == 1:
            continue  # non-square / non-cubic inputs
        return k, pad_arg, sizes
    raise RuntimeError(f"no instance for {c}")


def conv_family(fam, nd, count, seed, extras):
    if nd == 1:
        kernels = ["odd", "even"]
        tuple_pads = [[1], [3]]
    else:
        kernels = ["odd-square", "odd-rect", "even-square", "even-rect", "mixed"]
        tuple_pads = [[1, 2], [2, 0]] if nd == 2 else [[2, 0, 1], [0, 1, 2]]
    factors = {
        "stride": [1, 2, 3],
        "padding": [0, 1, 2, "same", "valid", "tuple"],
        "dilation": [1, 2],
        "groups": ["1", "2", "depthwise"],
        "kernel": kernels,
        "batch": ["1", "many"],
        "bias": [True, False],
    }
    # PyTorch refuses padding='same' with stride > 1 (the split would be ambiguous).
    combos = covering(factors, lambda c: not (c["padding"] == "same" and c["stride"] != 1), count, seed)
    rng = random.Random(seed)
    specs = []
    for c in combos:
        k, pad_arg, sizes = _conv_instance(nd, c, rng, tuple_pads)
        if c["groups"] == "1":
            groups = 1
            cin, cout = rng.randint(1, 4 if nd < 3 else 3), rng.randint(1, 5 if nd < 3 else 4)
        elif c["groups"] == "2":
            groups = 2
            cin = rng.choice([2, 4, 6] if nd < 3 else [2, 4])
            cout = rng.choice([2, 4, 6] if nd < 3 else [2, 4])
        else:  # depthwise: groups == in channels, out channels a multiple of them
            cin = rng.choice([3, 4] if nd < 3 else [3])
            groups = cin
            cout = cin * (2 if cin == 3 else 1)
        n = 1 if c["batch"] == "1" else rng.choice([2, 3] if nd < 3 else [2])
        specs.append(dict(n=n, cin=cin, cout=cout, groups=groups, k=k, sizes=sizes,
                          stride=[c["stride"]] * nd, padding=pad_arg,
                          dilation=[c["dilation"]] * nd, bias=c["bias"]))
    specs.extend(extras)
    op = f"conv{nd}d"
    for i, sp in enumerate(specs):
        x_shape = [sp["n"], sp["cin"]] + sp["sizes"]
        w_shape = [sp["cout"], sp["cin"] // sp["groups"]] + sp["k"]
        stride, dil = scalar_or_list(sp["stride"]), scalar_or_list(sp["dilation"])
        depthwise = " (depthwise)" if sp["groups"] == sp["cin"] > 1 else ""
        name = (f"{op} #{i:02d} x[{shp(x_shape)}] w[{shp(w_shape)}] stride={fmt(stride)} "
                f"padding={fmt(sp['padding'])} dilation={fmt(dil)} groups={sp['groups']}{depthwise} "
                + ("bias" if sp["bias"] else "no-bias"))
        g = gen_for(name)
        inputs = {"x": randn(x_shape, g), "w": randn(w_shape, g, 0.5)}
        if sp["bias"]:
            inputs["b"] = randn([sp["cout"]], g)
        args = {"stride": stride, "padding": sp["padding"], "dilation": dil, "groups": sp["groups"]}
        torch_pad = sp["padding"] if isinstance(sp["padding"], (int, str)) else tuple(sp["padding"])

        def fn(t, sp=sp, torch_pad=torch_pad):
            return {"y": CONV_FN[nd](t["x"], t["w"], t.get("b"), stride=tuple(sp["stride"]),
                                     padding=torch_pad, dilation=tuple(sp["dilation"]),
                                     groups=sp["groups"])}

        fam.run(name, op, args, inputs, fn, diff=list(inputs), g=g)


def conv_extras(nd):
    """Hand-picked corner cases the covering design does not aim for."""
    e = []
    one = [1] * nd

    def spec(n, cin, cout, groups, k, sizes, stride, padding, dilation, bias):
        return dict(n=n, cin=cin, cout=cout, groups=groups, k=k, sizes=sizes,
                    stride=stride, padding=padding, dilation=dilation, bias=bias)

    if nd == 1:
        # 'same' with an even kernel: PyTorch pads one more on the right.
        e.append(spec(2, 2, 3, 1, [4], [7], one, "same", one, True))
        e.append(spec(1, 3, 2, 1, [2], [5], one, "same", one, False))
        # even kernel but even dilation: total padding is even, so symmetric again
        e.append(spec(1, 2, 2, 1, [4], [8], one, "same", [2], True))
        # kernel covering the whole (padded) input: one output position
        e.append(spec(2, 3, 4, 1, [5], [5], one, 0, one, True))
        e.append(spec(1, 4, 4, 4, [3], [6], [2], 1, [3], True))
    elif nd == 2:
        e.append(spec(2, 2, 3, 1, [2, 4], [5, 7], one, "same", one, True))
        e.append(spec(1, 3, 2, 1, [4, 3], [6, 5], one, "same", one, False))
        e.append(spec(1, 2, 2, 1, [2, 2], [4, 5], one, "same", [1, 2], True))  # asym on H only
        e.append(spec(1, 4, 4, 4, [2, 3], [5, 6], one, "same", [2, 1], False))
        e.append(spec(2, 3, 4, 1, [3, 2], [6, 7], [1, 2], [1, 0], [2, 1], True))  # per-axis everything
        e.append(spec(1, 2, 6, 2, [1, 1], [4, 3], [2, 3], 0, one, True))  # 1x1 strided
        e.append(spec(2, 3, 2, 1, [3, 4], [3, 4], one, 0, one, False))  # kernel == input
        e.append(spec(1, 2, 3, 1, [3, 3], [2, 3], [3, 1], [2, 0], one, True))  # pad > input
    else:
        e.append(spec(1, 2, 3, 1, [2, 2, 2], [4, 5, 3], one, "same", one, True))
        e.append(spec(2, 2, 2, 1, [3, 4, 2], [5, 4, 4], one, "same", one, False))
        e.append(spec(1, 3, 3, 3, [2, 3, 2], [4, 5, 4], one, "same", [2, 1, 1], True))
        e.append(spec(1, 2, 4, 2, [3, 2, 1], [6, 5, 4], [1, 2, 3], [1, 0, 0], [2, 1, 1], True))
        e.append(spec(2, 2, 2, 1, [3, 4, 2], [3, 4, 2], one, 0, one, False))  # kernel == input
    return e


# ----------------------------------------------------------------------------------------
# Transposed convolution
# ----------------------------------------------------------------------------------------

CONV_T_FN = {1: F.conv_transpose1d, 2: F.conv_transpose2d, 3: F.conv_transpose3d}


def conv_t_out(L, k, s, p, op, d):
    return (L - 1) * s - 2 * p + d * (k - 1) + op + 1


def transpose_family(fam, count, seed):
    factors = {
        "nd": [1, 2, 3],
        "stride": [1, 2, 3],
        "padding": [0, 1, 2],
        "outputPadding": [0, 1, 2],
        "dilation": [1, 2],
        "groups": ["1", "2", "depthwise"],
        "batch": ["1", "many"],
        "bias": [True, False],
    }
    # PyTorch's rule: output padding smaller than the stride or the dilation.
    combos = covering(factors, lambda c: c["outputPadding"] < max(c["stride"], c["dilation"]),
                      count, seed)
    rng = random.Random(seed)
    specs = {1: [], 2: [], 3: []}
    for c in combos:
        nd, s, p, op, d = c["nd"], c["stride"], c["padding"], c["outputPadding"], c["dilation"]
        max_k = {1: 4, 2: 3, 3: 3}[nd]
        max_len = {1: 6, 2: 4, 3: 3}[nd]
        while True:
            k = [rng.randint(1, max_k) for _ in range(nd)]
            sizes = [rng.randint(1, max_len) for _ in range(nd)]
            outs = [conv_t_out(L, kk, s, p, op, d) for L, kk in zip(sizes, k)]
            if all(1 <= o <= 14 for o in outs) and (nd == 1 or len(set(sizes)) > 1):
                break
        if c["groups"] == "1":
            groups, cin, cout = 1, rng.randint(1, 3), rng.randint(1, 3)
        elif c["groups"] == "2":
            groups, cin, cout = 2, rng.choice([2, 4]), rng.choice([2, 4])
        else:  # depthwise: one group per input channel
            cin = rng.choice([2, 3])
            groups, cout = cin, cin * rng.choice([1, 2])
        n = 1 if c["batch"] == "1" else rng.choice([2, 3])
        specs[nd].append(dict(n=n, cin=cin, cout=cout, groups=groups, k=k, sizes=sizes,
                              stride=[s] * nd, padding=[p] * nd, outputPadding=[op] * nd,
                              dilation=[d] * nd, bias=c["bias"], batched=True))
    for nd in (1, 2, 3):
        transpose_cases(fam, nd, specs[nd] + transpose_extras(nd))


def transpose_cases(fam, nd, specs):
    op_name = f"convTranspose{nd}d"
    for i, sp in enumerate(specs):
        x_shape = ([sp["n"]] if sp["batched"] else []) + [sp["cin"]] + sp["sizes"]
        w_shape = [sp["cin"], sp["cout"] // sp["groups"]] + sp["k"]
        args = {key: scalar_or_list(sp[key]) for key in ("stride", "padding", "outputPadding",
                                                         "dilation")}
        args["groups"] = sp["groups"]
        name = (f"{op_name} #{i:02d} x[{shp(x_shape)}] w[{shp(w_shape)}] "
                + " ".join(f"{key}={fmt(v)}" for key, v in args.items()) + " "
                + ("bias" if sp["bias"] else "no-bias"))
        g = gen_for(name)
        inputs = {"x": randn(x_shape, g), "w": randn(w_shape, g, 0.5)}
        if sp["bias"]:
            inputs["b"] = randn([sp["cout"]], g)

        def fn(t, sp=sp):
            return {"y": CONV_T_FN[nd](t["x"], t["w"], t.get("b"), stride=tuple(sp["stride"]),
                                       padding=tuple(sp["padding"]),
                                       output_padding=tuple(sp["outputPadding"]),
                                       groups=sp["groups"], dilation=tuple(sp["dilation"]))}

        fam.run(name, op_name, args, inputs, fn, diff=list(inputs), g=g)


def transpose_extras(nd):
    """Corners the covering design does not aim for: per-axis values, output padding beyond the
    padding (a zero tail), padding that crops every reached position, an unbatched input."""
    def spec(n, cin, cout, groups, k, sizes, stride, padding, output_padding, dilation, bias,
             batched=True):
        return dict(n=n, cin=cin, cout=cout, groups=groups, k=k, sizes=sizes, stride=stride,
                    padding=padding, outputPadding=output_padding, dilation=dilation, bias=bias,
                    batched=batched)

    if nd == 1:
        return [spec(1, 2, 3, 1, [1], [1], [3], [1], [2], [1], True),
                spec(1, 2, 2, 1, [3], [4], [1], [1], [0], [1], False, batched=False)]
    if nd == 2:
        return [spec(2, 2, 3, 1, [3, 2], [3, 4], [2, 3], [0, 1], [1, 2], [1, 1], True),
                spec(1, 4, 2, 2, [2, 3], [3, 2], [1, 2], [2, 0], [0, 1], [2, 1], False)]
    return [spec(1, 2, 2, 1, [2, 1, 3], [2, 3, 2], [2, 1, 3], [0, 1, 1], [1, 0, 2], [1, 2, 1],
                 True, batched=False)]


# ----------------------------------------------------------------------------------------
# Resampling (interpolate)
# ----------------------------------------------------------------------------------------


def resample_family(fam):
    specs = [  # (x shape, mode, size, scaleFactor, alignCorners)
        ([2, 3, 5], "nearest", [8], None, None),
        ([1, 2, 7], "nearest", None, 1.7, None),
        ([2, 2, 9], "nearest", [4], None, None),
        ([2, 2, 3, 4], "nearest", None, 2, None),
        ([1, 3, 7, 5], "nearest", [3, 8], None, None),
        ([1, 2, 6, 5], "nearest", None, [0.5, 1.5], None),
        ([1, 2, 2, 3, 4], "nearest", None, [2, 1.5, 0.75], None),
        ([2, 3, 5], "linear", [9], None, False),
        ([2, 3, 5], "linear", [9], None, True),
        ([1, 2, 8], "linear", None, 0.6, False),
        ([1, 2, 4], "linear", None, 2.5, True),
        ([2, 2, 4, 3], "bilinear", None, 2, False),
        ([2, 2, 4, 3], "bilinear", None, 2, True),
        ([1, 3, 4, 6], "bilinear", [5, 9], None, False),
        ([1, 2, 8, 7], "bilinear", [3, 2], None, True),
        ([1, 2, 5, 6], "bilinear", None, [1.1, 0.75], False),
        ([1, 1, 5, 4], "bilinear", [1, 7], None, True),
        ([1, 2, 2, 3, 4], "trilinear", None, 2, False),
        ([1, 2, 3, 2, 4], "trilinear", [4, 3, 2], None, True),
        ([2, 1, 4, 4, 3], "trilinear", None, [0.5, 1.5, 1.3], False),
    ]
    for i, (shape, mode, size, scale, align) in enumerate(specs):
        args = {"size": size} if size is not None else {"scaleFactor": scale}
        args["mode"] = mode
        if align is not None:
            args["alignCorners"] = align
        name = f"interpolate #{i:02d} x[{shp(shape)}] " + " ".join(
            f"{k}={fmt(v).lower() if isinstance(v, bool) else fmt(v)}" for k, v in args.items())
        g = gen_for(name)

        def fn(t, size=size, scale=scale, mode=mode, align=align):
            return {"y": F.interpolate(t["x"], size=size, scale_factor=scale, mode=mode,
                                       align_corners=align)}

        fam.run(name, "interpolate", args, {"x": randn(shape, g)}, fn, diff=["x"], g=g)


# ----------------------------------------------------------------------------------------
# Pooling
# ----------------------------------------------------------------------------------------


def pool_out(L, k, s, p, d, ceil):
    """PyTorch's pooling output length (pooling_output_shape in ATen)."""
    num = L + 2 * p - d * (k - 1) - 1
    if num < 0:
        return 0
    o = (num + (s - 1 if ceil else 0)) // s + 1
    # ceil mode: the last window must start inside the input or the left padding
    if ceil and (o - 1) * s >= L + p:
        o -= 1
    return o


POOL_KERNELS = {
    1: {"small": [[2]], "odd": [[3]], "large": [[4], [5]]},
    2: {"square-even": [[2, 2]], "square-odd": [[3, 3]], "rect": [[2, 3], [3, 2], [2, 4], [4, 3]]},
    3: {"cube-even": [[2, 2, 2]], "cube-odd": [[3, 3, 3]], "rect": [[2, 3, 2], [3, 2, 2], [2, 2, 3]]},
}
POOL_TUPLE_PAD = {1: [[1]], 2: [[1, 0], [0, 1]], 3: [[1, 0, 1], [0, 1, 0]]}
POOL_TUPLE_STRIDE = {1: [[3]], 2: [[1, 2], [2, 1]], 3: [[1, 2, 1], [2, 1, 2]]}
POOL_TUPLE_DIL = {1: [[2]], 2: [[1, 2], [2, 1]], 3: [[1, 1, 2], [2, 1, 1]]}


def _pool_instance(nd, c, rng, is_max):
    max_len = {1: 9, 2: 8, 3: 6}[nd]
    for attempt in range(5000):
        k = list(rng.choice(POOL_KERNELS[nd][c["kernel"]]))
        if c["stride"] == "default":
            s_arg, s = None, list(k)
        elif c["stride"] == "tuple":
            s_arg = list(rng.choice(POOL_TUPLE_STRIDE[nd]))
            s = s_arg
        else:
            s_arg, s = c["stride"], [c["stride"]] * nd
        if c["padding"] == "tuple":
            p_arg = list(rng.choice(POOL_TUPLE_PAD[nd]))
            p = p_arg
        else:
            p_arg, p = c["padding"], [c["padding"]] * nd
        if is_max:
            if c["dilation"] == "tuple":
                d_arg = list(rng.choice(POOL_TUPLE_DIL[nd]))
                d = d_arg
            else:
                d_arg, d = c["dilation"], [c["dilation"]] * nd
        else:
            d_arg, d = None, [1] * nd
        # PyTorch: padding at most half the (undilated) kernel size
        if any(p[a] > k[a] // 2 for a in range(nd)):
            continue
        sizes = [rng.randint(2, max_len) for _ in range(nd)]
        if nd > 1 and len(set(sizes)) == 1:
            continue
        # avg_pool3d (unlike 1d/2d) rejects inputs smaller than the kernel even when the
        # padding would make room; stay inside what PyTorch accepts.
        if nd == 3 and not is_max and any(sizes[a] < k[a] for a in range(nd)):
            continue
        outs_floor = [pool_out(sizes[a], k[a], s[a], p[a], d[a], False) for a in range(nd)]
        outs_ceil = [pool_out(sizes[a], k[a], s[a], p[a], d[a], True) for a in range(nd)]
        if min(outs_floor) < 1 or min(outs_ceil) < 1:
            continue
        # make ceilMode cases actually produce a partial last window (impossible at stride 1)
        if c["ceilMode"] and outs_ceil == outs_floor and attempt < 2500:
            continue
        return k, s_arg, p_arg, d_arg, sizes
    raise RuntimeError(f"no pool instance for {c}")


def pool_family(fam, nd, kind, count, seed, extras):
    is_max = kind == "max"
    factors = {
        "kernel": list(POOL_KERNELS[nd]),
        "stride": ["default", 1, 2, "tuple"],
        "padding": [0, 1, "tuple"],
        "ceilMode": [False, True],
        "batch": ["1", "many"],
    }
    if is_max:
        factors["dilation"] = [1, 2, "tuple"]
    else:
        factors["countIncludePad"] = [True, False]
    combos = covering(factors, lambda c: True, count, seed)
    rng = random.Random(seed)
    specs = []
    for c in combos:
        k, s_arg, p_arg, d_arg, sizes = _pool_instance(nd, c, rng, is_max)
        # tuple-valued factors keep their array form even when 1-d, so the array spelling
        # of every argument gets exercised
        specs.append(dict(n=1 if c["batch"] == "1" else 2, c=rng.randint(1, 3), sizes=sizes,
                          kernelSize=scalar_or_list(k), stride=s_arg, padding=p_arg,
                          dilation=d_arg, ceilMode=c["ceilMode"],
                          countIncludePad=c.get("countIncludePad")))
    specs.extend(extras)
    op = f"{kind}Pool{nd}d"
    for i, sp in enumerate(specs):
        x_shape = [sp["n"], sp["c"]] + sp["sizes"]
        args = {"kernelSize": sp["kernelSize"]}
        if sp["stride"] is not None:
            args["stride"] = sp["stride"]
        args["padding"] = sp["padding"]
        if is_max:
            args["dilation"] = sp["dilation"]
        args["ceilMode"] = sp["ceilMode"]
        if not is_max:
            args["countIncludePad"] = sp["countIncludePad"]
        name = f"{op} #{i:02d} x[{shp(x_shape)}] " + " ".join(f"{k}={fmt(v)}" for k, v in args.items())
        if "stride" not in args:
            name += " stride=default"
        g = gen_for(name)
        x = randn(x_shape, g)
        if is_max:
            assert_distinct(x, name)

        def fn(t, sp=sp, args=args):
            kw = dict(kernel_size=sp["kernelSize"], stride=args.get("stride"),
                      padding=sp["padding"], ceil_mode=sp["ceilMode"])
            if is_max:
                f = {1: F.max_pool1d, 2: F.max_pool2d, 3: F.max_pool3d}[nd]
                y, idx = f(t["x"], dilation=sp["dilation"], return_indices=True, **kw)
                return {"y": y, "indices": idx}
            f = {1: F.avg_pool1d, 2: F.avg_pool2d, 3: F.avg_pool3d}[nd]
            return {"y": f(t["x"], count_include_pad=sp["countIncludePad"], **kw)}

        fam.run(name, op, args, {"x": x}, fn, diff=["x"], g=g)


def pool_extras(nd, is_max):
    e = []

    def spec(n, c, sizes, k, s, p, ceil, d=1, cip=True):
        return dict(n=n, c=c, sizes=sizes, kernelSize=k, stride=s, padding=p, ceilMode=ceil,
                    dilation=d if is_max else None, countIncludePad=None if is_max else cip)

    if nd == 1:
        # ceil mode: a window that would start in the right padding is dropped (L=4,k=2,s=3,p=1)
        e.append(spec(1, 2, [4], 2, 3, 1, True, 1, True))
        e.append(spec(1, 2, [4], 2, 3, 1, True, 1, False))
        # ceil mode: last window runs past the padded input (L=6,k=3,s=2,p=1 -> 4 windows)
        e.append(spec(1, 1, [6], 3, 2, 1, True, 1, True))
        e.append(spec(1, 1, [6], 3, 2, 1, True, 1, False))
        e.append(spec(2, 1, [7], 3, 2, 0, True, 1, True))
    elif nd == 2:
        e.append(spec(1, 2, [4, 5], [2, 2], [3, 3], 1, True, 1, True))
        e.append(spec(1, 2, [4, 5], [2, 2], [3, 3], 1, True, 1, False))
        e.append(spec(1, 1, [6, 7], [3, 3], 2, 1, True, 1, True))
        e.append(spec(1, 1, [6, 7], [3, 3], 2, 1, True, 1, False))
        e.append(spec(2, 1, [5, 7], [3, 2], [2, 3], [1, 1], True, 2, True))
    else:
        e.append(spec(1, 1, [4, 5, 6], 2, 3, 1, True, 1, True))
        e.append(spec(1, 1, [4, 5, 6], 2, 3, 1, True, 1, False))
        e.append(spec(1, 1, [6, 5, 4], [3, 3, 2], 2, [1, 1, 0], True, 1, True))
    return e


def adaptive_family(fam):
    cases = [
        ([1, 2, 6, 8], 2),  # divides evenly
        ([1, 2, 6, 8], [3, 4]),
        ([2, 1, 7, 9], 3),  # does not divide: bins overlap by one
        ([1, 3, 7, 9], [4, 5]),
        ([1, 2, 5, 7], [5, 7]),  # identity
        ([2, 2, 5, 6], 1),  # global average
        ([1, 2, 5, 6], [1, 4]),
        ([1, 1, 3, 4], [5, 6]),  # larger than input: bins repeat elements
        ([1, 2, 9, 5], [2, 3]),
    ]
    for i, (shape, out) in enumerate(cases):
        name = f"adaptiveAvgPool2d #{i:02d} x[{shp(shape)}] outputSize={fmt(out)}"
        g = gen_for(name)
        fam.run(name, "adaptiveAvgPool2d", {"outputSize": out}, {"x": randn(shape, g)},
                lambda t, out=out: {"y": F.adaptive_avg_pool2d(t["x"], out)}, diff=["x"], g=g)


# ----------------------------------------------------------------------------------------
# Batch norm
# ----------------------------------------------------------------------------------------


def norm_family(fam):
    shapes = [[4, 3, 3, 2], [2, 3, 5], [5, 4], [1, 2, 4, 3], [3, 2, 2, 5]]
    i = 0
    for shape in shapes:
        for training in (True, False):
            for affine in (True, False):
                if shape == [1, 2, 4, 3] and not affine:
                    continue
                momentum, eps = 0.1, 1e-5
                if shape == [3, 2, 2, 5]:
                    momentum, eps = 0.3, 1e-3  # make sure both args are honoured
                name = (f"batchNorm #{i:02d} x[{shp(shape)}] training={str(training).lower()} "
                        f"{'affine' if affine else 'no-affine'} momentum={momentum} eps={eps}")
                i += 1
                g = gen_for(name)
                c = shape[1]
                inputs = {"x": randn(shape, g, 2.0) + 0.5,
                          "runningMean": randn([c], g, 0.5),
                          "runningVar": rand([c], g, 0.5, 1.5)}
                if affine:
                    inputs["weight"] = randn([c], g)
                    inputs["bias"] = randn([c], g)

                def fn(t, training=training, momentum=momentum, eps=eps):
                    rm, rv = t["runningMean"].clone(), t["runningVar"].clone()
                    # In training mode PyTorch normalises with the biased batch variance but
                    # folds the *unbiased* one (n / (n - 1)) into running_var, in place.
                    y = F.batch_norm(t["x"], rm, rv, t.get("weight"), t.get("bias"),
                                     training=training, momentum=momentum, eps=eps)
                    return {"y": y, "newRunningMean": rm, "newRunningVar": rv}

                diff = ["x"] + (["weight", "bias"] if affine else [])
                fam.run(name, "batchNorm",
                        {"training": training, "momentum": momentum, "eps": eps},
                        inputs, fn, diff=diff, g=g)
    # Training with no running statistics at all: only batch statistics are used.
    name = f"batchNorm #{i:02d} x[2x3x4] training=true no-running-stats affine"
    g = gen_for(name)
    inputs = {"x": randn([2, 3, 4], g), "weight": randn([3], g), "bias": randn([3], g)}
    fam.run(name, "batchNorm", {"training": True, "momentum": 0.1, "eps": 1e-5}, inputs,
            lambda t: {"y": F.batch_norm(t["x"], None, None, t["weight"], t["bias"],
                                         training=True, momentum=0.1, eps=1e-5)},
            diff=["x", "weight", "bias"], g=g)


# ----------------------------------------------------------------------------------------
# Activations
# ----------------------------------------------------------------------------------------


def activation_family(fam):
    specs = [
        ("relu", {}, [3, 4, 5], lambda x: F.relu(x)),
        ("relu", {}, [2, 3, 4, 4], lambda x: F.relu(x)),
        ("leakyRelu", {"negativeSlope": 0.01}, [3, 4, 5], lambda x: F.leaky_relu(x, 0.01)),
        ("leakyRelu", {"negativeSlope": 0.2}, [2, 3, 3, 4], lambda x: F.leaky_relu(x, 0.2)),
        ("elu", {"alpha": 1.0}, [3, 4, 5], lambda x: F.elu(x, 1.0)),
        ("elu", {"alpha": 0.5}, [2, 3, 3, 4], lambda x: F.elu(x, 0.5)),
        ("gelu", {"approximate": "none"}, [3, 4, 5], lambda x: F.gelu(x)),
        ("gelu", {"approximate": "tanh"}, [3, 4, 5], lambda x: F.gelu(x, approximate="tanh")),
        ("gelu", {"approximate": "none"}, [2, 3, 2, 4], lambda x: F.gelu(x)),
        ("gelu", {"approximate": "tanh"}, [2, 3, 2, 4], lambda x: F.gelu(x, approximate="tanh")),
        ("sigmoid", {}, [3, 4, 5], torch.sigmoid),
        ("sigmoid", {}, [2, 2, 3, 3], torch.sigmoid),
        ("tanh", {}, [3, 4, 5], torch.tanh),
        ("tanh", {}, [2, 2, 3, 3], torch.tanh),
    ]
    for dim, shape in [(-1, [3, 5]), (0, [3, 5]), (1, [2, 4, 3]), (-1, [2, 4, 3]),
                       (-3, [2, 3, 2, 4]), (1, [2, 3, 2, 4]), (0, [6])]:
        specs.append(("softmax", {"dim": dim}, shape, lambda x, dim=dim: F.softmax(x, dim)))
        specs.append(("logSoftmax", {"dim": dim}, shape, lambda x, dim=dim: F.log_softmax(x, dim)))
    counters = {}
    for op, args, shape, f in specs:
        i = counters.get(op, 0)
        counters[op] = i + 1
        name = f"{op} #{i:02d} x[{shp(shape)}]" + "".join(f" {k}={fmt(v)}" for k, v in args.items())
        g = gen_for(name)
        # scale 3 so sigmoid/tanh/elu saturate and gelu sees its tails
        fam.run(name, op, args, {"x": randn(shape, g, 3.0)}, lambda t, f=f: {"y": f(t["x"])},
                diff=["x"], g=g)
    # large logits: a softmax that subtracts the max survives these, a naive one overflows
    for op, f in (("softmax", F.softmax), ("logSoftmax", F.log_softmax)):
        name = f"{op} #{counters[op]:02d} x[3x4] dim=1 large-logits"
        g = gen_for(name)
        fam.run(name, op, {"dim": 1}, {"x": randn([3, 4], g, 30.0) + 60.0},
                lambda t, f=f: {"y": f(t["x"], 1)}, diff=["x"], g=g)


# ----------------------------------------------------------------------------------------
# Losses
# ----------------------------------------------------------------------------------------


def _targets(g, shape, n_classes, ignore):
    t = randint(shape, g, 0, n_classes)
    if ignore:
        # put the ignore value at a couple of fixed positions, never all of them
        flat = t.flatten()
        flat[0] = -100
        if flat.numel() > 3:
            flat[flat.numel() // 2] = -100
        t = flat.reshape(shape)
    return t


def loss_family(fam):
    i = 0
    # crossEntropy: full cross of the interacting options on [N,C] logits; the 4-d layout
    # gets the same cross (the class axis is 1, spatial positions count as samples).
    for lshape, tshape in (([5, 4], [5]), ([2, 3, 3, 2], [2, 3, 2])):
        for reduction in ("mean", "sum", "none"):
            for ls in (0.0, 0.1):
                for weighted in (False, True):
                    for ignore in (False, True):
                        name = (f"crossEntropy #{i:02d} input[{shp(lshape)}] reduction={reduction} "
                                f"labelSmoothing={ls} {'weight' if weighted else 'no-weight'} "
                                f"{'some-ignored' if ignore else 'none-ignored'}")
                        i += 1
                        g = gen_for(name)
                        c = lshape[1]
                        inputs = {"input": randn(lshape, g, 2.0),
                                  "target": _targets(g, tshape, c, ignore)}
                        if weighted:
                            inputs["weight"] = rand([c], g, 0.2, 2.0)
                        args = {"reduction": reduction, "labelSmoothing": ls, "ignoreIndex": -100}

                        def fn(t, reduction=reduction, ls=ls):
                            return {"y": F.cross_entropy(t["input"], t["target"], weight=t.get("weight"),
                                                         ignore_index=-100, reduction=reduction,
                                                         label_smoothing=ls)}

                        fam.run(name, "crossEntropy", args, inputs, fn, diff=["input"], g=g,
                                loss=reduction != "none")
    # ignoreIndex equal to a real class id: those targets drop out of loss and normaliser
    for reduction, ls in (("mean", 0.0), ("mean", 0.1), ("sum", 0.1)):
        name = (f"crossEntropy #{i:02d} input[6x4] reduction={reduction} labelSmoothing={ls} "
                "weight ignoreIndex=1")
        i += 1
        g = gen_for(name)
        inputs = {"input": randn([6, 4], g, 2.0),
                  "target": torch.tensor([1, 0, 3, 1, 2, 0], dtype=torch.int32),
                  "weight": rand([4], g, 0.2, 2.0)}
        fam.run(name, "crossEntropy", {"reduction": reduction, "labelSmoothing": ls, "ignoreIndex": 1},
                inputs,
                lambda t, reduction=reduction, ls=ls: {"y": F.cross_entropy(
                    t["input"], t["target"], weight=t["weight"], ignore_index=1,
                    reduction=reduction, label_smoothing=ls)},
                diff=["input"], g=g, loss=True)

    i = 0
    for lshape, tshape in (([5, 4], [5]), ([2, 3, 2, 3], [2, 2, 3])):
        for reduction in ("mean", "sum", "none"):
            for weighted in (False, True):
                for ignore in (False, True):
                    if lshape[0] == 2 and weighted and not ignore:
                        continue
                    name = (f"nllLoss #{i:02d} input[{shp(lshape)}] reduction={reduction} "
                            f"{'weight' if weighted else 'no-weight'} "
                            f"{'some-ignored' if ignore else 'none-ignored'}")
                    i += 1
                    g = gen_for(name)
                    c = lshape[1]
                    inputs = {"input": torch.log_softmax(randn(lshape, g, 2.0), 1),
                              "target": _targets(g, tshape, c, ignore)}
                    if weighted:
                        inputs["weight"] = rand([c], g, 0.2, 2.0)

                    def fn(t, reduction=reduction):
                        return {"y": F.nll_loss(t["input"], t["target"], weight=t.get("weight"),
                                                ignore_index=-100, reduction=reduction)}

                    fam.run(name, "nllLoss", {"reduction": reduction, "ignoreIndex": -100}, inputs, fn,
                            diff=["input"], g=g, loss=reduction != "none")

    # Regression losses: the target is differentiable too in PyTorch, so dtarget is recorded.
    for op, f in (("mseLoss", F.mse_loss), ("l1Loss", F.l1_loss)):
        i = 0
        for shape in ([4, 3], [2, 3, 2, 2], [7]):
            for reduction in ("mean", "sum", "none"):
                name = f"{op} #{i:02d} input[{shp(shape)}] reduction={reduction}"
                i += 1
                g = gen_for(name)
                inputs = {"input": randn(shape, g), "target": randn(shape, g)}
                fam.run(name, op, {"reduction": reduction}, inputs,
                        lambda t, f=f, reduction=reduction: {
                            "y": f(t["input"], t["target"], reduction=reduction)},
                        diff=["input", "target"], g=g, loss=reduction != "none")

    i = 0
    for shape, pw_shape in (([4, 3], None), ([4, 3], [3]), ([2, 3, 4], None), ([2, 3, 4], [4]),
                            ([6], None)):
        for reduction in ("mean", "sum", "none"):
            name = (f"bceWithLogits #{i:02d} input[{shp(shape)}] reduction={reduction} "
                    + (f"posWeight[{shp(pw_shape)}]" if pw_shape else "no-posWeight"))
            i += 1
            g = gen_for(name)
            inputs = {"input": randn(shape, g, 3.0), "target": rand(shape, g)}
            if pw_shape:
                # broadcast against the input from the right, as PyTorch does
                inputs["posWeight"] = rand(pw_shape, g, 0.3, 3.0)
            fam.run(name, "bceWithLogits", {"reduction": reduction}, inputs,
                    lambda t, reduction=reduction: {"y": F.binary_cross_entropy_with_logits(
                        t["input"], t["target"], pos_weight=t.get("posWeight"), reduction=reduction)},
                    diff=["input", "target"], g=g, loss=reduction != "none")

    # crossEntropy against class probabilities: a float target of the input's shape, which
    # PyTorch differentiates too; 'mean' divides by the number of samples whatever the weights.
    i = 0
    for lshape, reduction, extras in (([5, 4], "mean", False), ([5, 4], "sum", False),
                                      ([5, 4], "none", False), ([5, 4], "mean", True),
                                      ([5, 4], "sum", True), ([5, 4], "none", True),
                                      ([2, 3, 2, 2], "mean", True), ([4], "sum", False)):
        ls = 0.1 if extras else 0.0
        name = (f"crossEntropy probabilities #{i:02d} input[{shp(lshape)}] reduction={reduction} "
                f"labelSmoothing={ls} {'weight' if extras else 'no-weight'}")
        i += 1
        g = gen_for(name)
        cdim = 1 if len(lshape) > 1 else 0
        inputs = {"input": randn(lshape, g, 2.0), "target": torch.softmax(randn(lshape, g), cdim)}
        if extras:
            inputs["weight"] = rand([lshape[cdim]], g, 0.2, 2.0)
        fam.run(name, "crossEntropy", {"reduction": reduction, "labelSmoothing": ls}, inputs,
                lambda t, reduction=reduction, ls=ls: {"y": F.cross_entropy(
                    t["input"], t["target"], weight=t.get("weight"), reduction=reduction,
                    label_smoothing=ls)},
                diff=["input", "target"], g=g, loss=reduction != "none")

    # bceLoss on probabilities away from 0 and 1 (PyTorch's target gradient is infinite there)
    i = 0
    for shape, reduction, w_shape in (([4, 3], "mean", None), ([4, 3], "sum", None),
                                      ([4, 3], "none", None), ([2, 3, 4], "mean", [4]),
                                      ([2, 3, 4], "none", [3, 1])):
        name = (f"bceLoss #{i:02d} input[{shp(shape)}] reduction={reduction} "
                + (f"weight[{shp(w_shape)}]" if w_shape else "no-weight"))
        i += 1
        g = gen_for(name)
        inputs = {"input": rand(shape, g, 0.02, 0.98), "target": rand(shape, g)}
        if w_shape:
            inputs["weight"] = rand(w_shape, g, 0.2, 2.0)
        fam.run(name, "bceLoss", {"reduction": reduction}, inputs,
                lambda t, reduction=reduction: {"y": F.binary_cross_entropy(
                    t["input"], t["target"], weight=t.get("weight"), reduction=reduction)},
                diff=["input", "target"], g=g, loss=reduction != "none")
    # ... and at exactly 0 and 1: each log clamped at -100, the input gradient w (x - t) / 1e-12
    name = f"bceLoss #{i:02d} input[6] at 0 and 1, reduction=sum"
    g = gen_for(name)
    inputs = {"input": torch.tensor([0.0, 1.0, 0.0, 1.0, 0.5, 0.25]),
              "target": torch.tensor([0.0, 1.0, 1.0, 0.0, 0.3, 1.0])}
    fam.run(name, "bceLoss", {"reduction": "sum"}, inputs,
            lambda t: {"y": F.binary_cross_entropy(t["input"], t["target"], reduction="sum")},
            diff=["input"], g=g, loss=True)

    # smoothL1Loss and huberLoss: differences of N(0, 2) cross both sides of beta (delta)
    # (beta 0 is l1Loss; delta must be > 0)
    for op, key, f, small in (("smoothL1Loss", "beta", F.smooth_l1_loss, 0.0),
                              ("huberLoss", "delta", F.huber_loss, 0.3)):
        i = 0
        for shape, reduction, param in (([4, 3], "mean", 1.0), ([4, 3], "sum", 0.5),
                                        ([4, 3], "none", 2.0), ([2, 3, 2], "mean", small)):
            name = f"{op} #{i:02d} input[{shp(shape)}] reduction={reduction} {key}={param}"
            i += 1
            g = gen_for(name)
            inputs = {"input": randn(shape, g), "target": randn(shape, g)}
            fam.run(name, op, {"reduction": reduction, key: param}, inputs,
                    lambda t, f=f, key=key, reduction=reduction, param=param: {
                        "y": f(t["input"], t["target"], reduction=reduction, **{key: param})},
                    diff=["input", "target"], g=g, loss=reduction != "none")

    # klDiv: log-probabilities against probabilities (or log-probabilities), every reduction;
    # 'mean' is PyTorch's default, which warns that it is not the KL divergence ('batchmean' is)
    warnings.filterwarnings("ignore", message="reduction: 'mean' divides the total loss")
    i = 0
    for reduction, log_target in (("mean", False), ("sum", False), ("none", False),
                                  ("batchmean", False), ("batchmean", True), ("none", True)):
        name = f"klDiv #{i:02d} input[3x4] reduction={reduction} logTarget={log_target}"
        i += 1
        g = gen_for(name)
        target = torch.softmax(randn([3, 4], g), 1)
        inputs = {"input": torch.log_softmax(randn([3, 4], g), 1),
                  "target": target.log() if log_target else target}
        fam.run(name, "klDiv", {"reduction": reduction, "logTarget": log_target}, inputs,
                lambda t, reduction=reduction, log_target=log_target: {"y": F.kl_div(
                    t["input"], t["target"], reduction=reduction, log_target=log_target)},
                diff=["input", "target"], g=g, loss=reduction != "none")
    # zero target probabilities contribute 0 (PyTorch's target gradient is NaN there, so only
    # the input's is recorded)
    name = f"klDiv #{i:02d} input[2x3] reduction=sum target with zeros"
    g = gen_for(name)
    inputs = {"input": torch.log_softmax(randn([2, 3], g), 1),
              "target": torch.tensor([[0.0, 0.4, 0.6], [0.5, 0.0, 0.5]])}
    fam.run(name, "klDiv", {"reduction": "sum", "logTarget": False}, inputs,
            lambda t: {"y": F.kl_div(t["input"], t["target"], reduction="sum")},
            diff=["input"], g=g, loss=True)


# ----------------------------------------------------------------------------------------
# Reductions
# ----------------------------------------------------------------------------------------


def dim_label(dim):
    return "all" if dim is None else fmt(dim)


def reduce_family(fam):
    def norm_dim(dim, nd):
        if dim is None:
            return list(range(nd))
        return [dim] if isinstance(dim, int) else list(dim)

    fns = {
        "sum": lambda x, d, k: torch.sum(x, dim=d, keepdim=k),
        "mean": lambda x, d, k: torch.mean(x, dim=d, keepdim=k),
        "max": lambda x, d, k: torch.amax(x, dim=d, keepdim=k),
        "min": lambda x, d, k: torch.amin(x, dim=d, keepdim=k),
        "logsumexp": lambda x, d, k: torch.logsumexp(x, dim=d, keepdim=k),
    }
    dims = [  # (shape, dim, keepDims)
        ([3, 4, 5], None, False),
        ([3, 4, 5], None, True),
        ([3, 4, 5], 1, False),
        ([3, 4, 5], -1, True),
        ([3, 4, 5], [0, 2], False),
        ([2, 3, 4, 5], [1, -1], True),
        ([2, 3, 4, 5], 0, False),
        ([7], 0, False),
    ]
    for op in ("sum", "mean", "max", "min", "logsumexp"):
        for i, (shape, dim, keep) in enumerate(dims):
            args = {} if dim is None else {"dim": dim}
            args["keepDims"] = keep
            name = f"{op} #{i:02d} x[{shp(shape)}] dim={dim_label(dim)} keepDims={str(keep).lower()}"
            g = gen_for(name)
            x = randn(shape, g, 2.0)
            if op in ("max", "min"):
                assert_distinct(x, name)
            fam.run(name, op, args, {"x": x},
                    lambda t, op=op, dim=dim, keep=keep, nd=len(shape): {
                        "y": fns[op](t["x"], norm_dim(dim, nd), keep)},
                    diff=["x"], g=g)
    var_dims = [
        ([3, 4, 5], None, False),
        ([3, 4, 5], 1, False),
        ([3, 4, 5], -1, True),
        ([2, 3, 4, 5], [0, 2, 3], True),
        ([6], 0, False),
    ]
    for op in ("var", "std"):
        i = 0
        for shape, dim, keep in var_dims:
            for correction in (0, 1):
                args = {} if dim is None else {"dim": dim}
                args["keepDims"] = keep
                args["correction"] = correction
                name = (f"{op} #{i:02d} x[{shp(shape)}] dim={dim_label(dim)} "
                        f"keepDims={str(keep).lower()} correction={correction}")
                i += 1
                g = gen_for(name)
                f = torch.var if op == "var" else torch.std
                fam.run(name, op, args, {"x": randn(shape, g, 2.0) + 1.0},
                        lambda t, f=f, dim=dim, keep=keep, correction=correction, nd=len(shape): {
                            "y": f(t["x"], dim=norm_dim(dim, nd), unbiased=bool(correction),
                                   keepdim=keep)},
                        diff=["x"], g=g)
    # argmax over the flattened tensor (no dim) returns a flat index, like PyTorch
    for i, (shape, dim, keep) in enumerate([([3, 4, 5], None, False), ([3, 4, 5], 1, False),
                                            ([3, 4, 5], -1, True), ([2, 3, 4], 0, True), ([9], 0, False)]):
        args = {} if dim is None else {"dim": dim}
        args["keepDims"] = keep
        name = f"argmax #{i:02d} x[{shp(shape)}] dim={dim_label(dim)} keepDims={str(keep).lower()}"
        g = gen_for(name)
        x = randn(shape, g)
        assert_distinct(x, name)
        fam.run(name, "argmax", args, {"x": x},
                lambda t, dim=dim, keep=keep: {"y": torch.argmax(t["x"], dim=dim, keepdim=keep)}, g=g)


# ----------------------------------------------------------------------------------------
# Matmul and pad
# ----------------------------------------------------------------------------------------


def matmul_family(fam):
    shapes = [
        ([4], [4]),  # dot -> scalar
        ([3], [3, 5]),  # vector-matrix
        ([4, 3], [3]),  # matrix-vector
        ([3, 4], [4, 5]),
        ([1, 1], [1, 1]),
        ([3, 1], [1, 4]),  # outer product
        ([2, 3, 4], [2, 4, 5]),  # batched
        ([2, 1, 3, 4], [5, 4, 2]),  # broadcast batch dims -> [2,5,3,2]
        ([1, 3, 4], [3, 4, 2]),  # batch of one broadcast
        ([2, 3, 4], [4, 5]),  # batched x matrix
        ([4, 5], [2, 5, 3]),  # matrix x batched
        ([3], [2, 3, 4]),  # vector x batched
        ([2, 3, 4], [4]),  # batched x vector
        ([3, 1, 2, 3], [1, 2, 3, 2]),  # both broadcast
    ]
    for i, (sa, sb) in enumerate(shapes):
        name = f"matmul #{i:02d} a[{shp(sa)}] b[{shp(sb)}]"
        g = gen_for(name)
        fam.run(name, "matmul", {}, {"a": randn(sa, g), "b": randn(sb, g)},
                lambda t: {"y": torch.matmul(t["a"], t["b"])}, diff=["a", "b"], g=g)


def pad_family(fam):
    specs = [
        ([2, 3, 5], [1, 2], "constant", 0.0),
        ([2, 3, 5], [2, 0], "constant", 1.5),
        ([2, 3, 5], [1, 1, 1, 0], "constant", 0.0),  # also pads the channel axis
        ([2, 3, 5], [-1, 2], "constant", 0.0),  # negative pads crop
        ([2, 3, 5], [2, 1], "reflect", None),
        ([2, 3, 5], [4, 3], "reflect", None),  # largest legal reflect pad: size - 1
        ([2, 3, 5], [3, 1], "replicate", None),
        ([2, 3, 5], [7, 0], "replicate", None),  # replicate may exceed the size
        ([1, 2, 4, 5], [1, 2, 0, 1], "constant", 0.0),
        ([1, 2, 4, 5], [1, 0], "constant", -2.0),  # only the last axis
        ([1, 2, 4, 5], [0, 1, 2, 1, 1, 0], "constant", 0.5),
        ([1, 2, 4, 5], [1, 2, 3, 0], "reflect", None),
        ([2, 1, 4, 3], [2, 2, 1, 3], "reflect", None),
        ([1, 2, 4, 5], [2, 2, 1, 3], "replicate", None),
        ([1, 2, 3, 4, 3], [1, 1, 0, 2, 1, 0], "constant", 0.0),
        ([1, 2, 3, 4, 3], [1, 2], "constant", 3.0),
        ([1, 2, 3, 4, 3], [1, 2, 2, 1, 1, 0], "reflect", None),
        ([1, 2, 3, 4, 3], [2, 0, 1, 1, 0, 2], "replicate", None),
    ]
    for i, (shape, pad, mode, value) in enumerate(specs):
        args = {"pad": pad, "mode": mode}
        if mode == "constant":
            args["value"] = value
        name = f"pad #{i:02d} x[{shp(shape)}] pad={fmt(pad)} mode={mode}" + (
            f" value={value}" if mode == "constant" else "")
        g = gen_for(name)
        fam.run(name, "pad", args, {"x": randn(shape, g)},
                lambda t, pad=pad, mode=mode, value=value: {"y": F.pad(
                    t["x"], pad, mode=mode, **({"value": value} if mode == "constant" else {}))},
                diff=["x"], g=g)


# ----------------------------------------------------------------------------------------
# Layer, group and instance norm; adaptive max pooling (normalization.json)
# ----------------------------------------------------------------------------------------


def normalization_family(fam):
    """Forward and every gradient of layerNorm, groupNorm, instanceNorm and adaptiveMaxPool1d/2d/3d."""

    def affine(g, shape, inputs, which):
        if "weight" in which:
            inputs["weight"] = 1 + 0.5 * randn(shape, g)
        if "bias" in which:
            inputs["bias"] = randn(shape, g, 0.5)

    # layerNorm over the last 1, 2 or 3 dims: shifted, scaled inputs so both statistics matter
    layer = [  # (x shape, normalizedShape, weight/bias given, eps)
        ([4, 5], 5, ("weight", "bias"), 1e-5),
        ([4, 5], 5, (), 1e-5),
        ([2, 3, 4], [3, 4], ("weight", "bias"), 1e-5),
        ([2, 3, 4], [3, 4], (), 1e-3),
        ([2, 3, 2, 4], [3, 2, 4], ("weight", "bias"), 1e-5),
        ([3, 2, 6], 6, ("weight",), 1e-5),
        ([6], [6], ("weight", "bias"), 1e-5),
    ]
    for i, (shape, ns, which, eps) in enumerate(layer):
        label = "affine" if which == ("weight", "bias") else "+".join(which) or "no-affine"
        name = f"layerNorm #{i:02d} x[{shp(shape)}] normalizedShape={fmt(ns)} {label} eps={eps}"
        g = gen_for(name)
        inputs = {"x": randn(shape, g, 2.0) + 1.0}
        nshape = [ns] if isinstance(ns, int) else ns
        affine(g, nshape, inputs, which)
        fam.run(name, "layerNorm", {"normalizedShape": ns, "eps": eps}, inputs,
                lambda t, nshape=nshape, eps=eps: {"y": F.layer_norm(
                    t["x"], nshape, t.get("weight"), t.get("bias"), eps)},
                diff=list(inputs), g=g)

    # groupNorm: one group (layer norm over [C, ...]), several, one per channel; 2-d to 4-d input
    group = [  # (x shape, numGroups, affine)
        ([2, 6, 3, 3], 1, True),
        ([2, 6, 3, 3], 2, True),
        ([2, 6, 3, 3], 3, False),
        ([2, 6, 3, 3], 6, True),
        ([3, 4, 5], 2, True),
        ([4, 6], 3, True),
    ]
    for i, (shape, groups, aff) in enumerate(group):
        name = (f"groupNorm #{i:02d} x[{shp(shape)}] numGroups={groups} "
                f"{'affine' if aff else 'no-affine'} eps=1e-05")
        g = gen_for(name)
        inputs = {"x": randn(shape, g, 2.0) + 1.0}
        if aff:
            affine(g, [shape[1]], inputs, ("weight", "bias"))
        fam.run(name, "groupNorm", {"numGroups": groups, "eps": 1e-5}, inputs,
                lambda t, groups=groups: {"y": F.group_norm(
                    t["x"], groups, t.get("weight"), t.get("bias"), 1e-5)},
                diff=list(inputs), g=g)

    # instanceNorm: input statistics with and without running ones to update, and the running
    # statistics in their place (PyTorch's evaluation mode when a layer tracks them)
    inst = [  # (x shape, running stats, useInputStats, affine, momentum, eps)
        ([2, 3, 6], False, True, False, 0.1, 1e-5),
        ([2, 3, 4, 5], False, True, True, 0.1, 1e-5),
        ([2, 2, 3, 3, 4], False, True, True, 0.1, 1e-5),
        ([2, 3, 4, 5], True, True, True, 0.1, 1e-5),
        ([3, 2, 7], True, True, False, 0.3, 1e-3),
        ([2, 3, 4, 4], True, False, True, 0.1, 1e-5),
        ([1, 2, 3, 2, 3], True, False, False, 0.1, 1e-5),
    ]
    for i, (shape, running, use_input, aff, momentum, eps) in enumerate(inst):
        name = (f"instanceNorm #{i:02d} x[{shp(shape)}] "
                f"{'running-stats' if running else 'no-running-stats'} "
                f"useInputStats={str(use_input).lower()} {'affine' if aff else 'no-affine'} "
                f"momentum={momentum} eps={eps}")
        g = gen_for(name)
        c = shape[1]
        inputs = {"x": randn(shape, g, 2.0) + 0.5}
        if running:
            inputs["runningMean"] = randn([c], g, 0.5)
            inputs["runningVar"] = rand([c], g, 0.5, 1.5)
        if aff:
            affine(g, [c], inputs, ("weight", "bias"))

        def fn(t, use_input=use_input, momentum=momentum, eps=eps):
            rm = t["runningMean"].clone() if "runningMean" in t else None
            rv = t["runningVar"].clone() if "runningVar" in t else None
            # PyTorch folds the batch average of the instance statistics (the unbiased
            # variances) into the running ones, in place.
            y = F.instance_norm(t["x"], rm, rv, t.get("weight"), t.get("bias"),
                                use_input_stats=use_input, momentum=momentum, eps=eps)
            out = {"y": y}
            if rm is not None:
                out.update(newRunningMean=rm, newRunningVar=rv)
            return out

        diff = ["x"] + (["weight", "bias"] if aff else [])
        fam.run(name, "instanceNorm", {"useInputStats": use_input, "momentum": momentum, "eps": eps},
                inputs, fn, diff=diff, g=g)

    # adaptiveMaxPool: sizes that divide (plain max pooling) and that do not (overlapping
    # windows, whose gradients add up where one element is the maximum of two windows)
    pools = [  # (dims, x shape, outputSize)
        (1, [2, 3, 8], 4),
        (1, [2, 3, 7], 3),
        (1, [1, 2, 5], 8),  # larger than the input: windows of one element, repeated
        (1, [3, 9], 4),  # unbatched [C, L]
        (2, [1, 2, 6, 8], [3, 4]),
        (2, [2, 2, 7, 9], [3, 4]),
        (2, [1, 3, 5, 7], 3),
        (2, [1, 2, 6, 7], [None, 4]),  # None keeps that size
        (3, [1, 2, 4, 6, 4], 2),
        (3, [1, 2, 5, 7, 6], [2, 3, 4]),
        (3, [2, 1, 3, 4, 5], [2, 3, 2]),
    ]
    counters = {}
    for nd, shape, out in pools:
        op = f"adaptiveMaxPool{nd}d"
        i = counters.get(op, 0)
        counters[op] = i + 1
        name = f"{op} #{i:02d} x[{shp(shape)}] outputSize={fmt(out).replace('None', 'null')}"
        g = gen_for(name)
        x = randn(shape, g)
        assert_distinct(x, name)
        f = {1: F.adaptive_max_pool1d, 2: F.adaptive_max_pool2d, 3: F.adaptive_max_pool3d}[nd]

        def fn(t, f=f, out=out):
            y, idx = f(t["x"], tuple(out) if isinstance(out, list) else out, return_indices=True)
            return {"y": y, "indices": idx}

        fam.run(name, op, {"outputSize": out}, {"x": x}, fn, diff=["x"], g=g)


# ----------------------------------------------------------------------------------------
# Indexing, running sums and sorting
# ----------------------------------------------------------------------------------------


def indexing_family(fam):
    for i, (shape, dim, index) in enumerate([
        ([4, 3], 0, [3, 0, 3]),  # a position picked twice: its gradient adds up
        ([2, 5, 3], 1, [4, 1]),
        ([2, 3, 4], -1, [0, 0, 3, 2, 1]),
        ([6], 0, [5, 2, 5]),
        ([3, 2, 2], 2, [1]),
    ]):
        name = f"indexSelect #{i:02d} x[{shp(shape)}] dim={dim} index={fmt(index)}"
        g = gen_for(name)
        fam.run(name, "indexSelect", {"dim": dim},
                {"x": randn(shape, g), "index": torch.tensor(index, dtype=torch.int32)},
                lambda t, dim=dim: {"y": torch.index_select(t["x"], dim, t["index"])},
                diff=["x"], g=g)

    # mask broadcast to x, x broadcast to the mask (out of place, as torch.masked_fill), and a
    # 0-d tensor value that gets a gradient too
    for i, (shape, mask_shape, value) in enumerate([
        ([3, 4], [3, 4], 0.5),
        ([2, 3, 4], [4], -2.0),
        ([4], [3, 4], 1.25),
        ([2, 1, 3], [1, 4, 1], "tensor"),
    ]):
        name = f"maskedFill #{i:02d} x[{shp(shape)}] mask[{shp(mask_shape)}] value={value}"
        g = gen_for(name)
        inputs = {"x": randn(shape, g), "mask": rand(mask_shape, g) < 0.5}
        diff = ["x"]
        args = {}
        if value == "tensor":
            inputs["value"] = randn([], g)
            diff.append("value")
        else:
            args["value"] = value
        fam.run(name, "maskedFill", args, inputs,
                lambda t, value=value: {"y": t["x"].masked_fill(
                    t["mask"], t["value"] if value == "tensor" else value)},
                diff=diff, g=g)

    for i, (shape, dim) in enumerate([([5], 0), ([3, 7], 1), ([3, 7], 0), ([2, 3, 9], -1),
                                      ([2, 17, 2], 1)]):
        name = f"cumsum #{i:02d} x[{shp(shape)}] dim={dim}"
        g = gen_for(name)
        fam.run(name, "cumsum", {"dim": dim}, {"x": randn(shape, g)},
                lambda t, dim=dim: {"y": torch.cumsum(t["x"], dim)}, diff=["x"], g=g)

    # Ties only with stable=True, where PyTorch defines their order (original order kept).
    for i, (shape, dim, descending, ties) in enumerate([
        ([7], 0, False, False),
        ([3, 5], 1, True, False),
        ([4, 3], 0, False, True),
        ([2, 3, 6], -1, True, True),
        ([2, 9, 2], 1, False, True),
        ([1, 5, 1], 1, True, False),
    ]):
        name = (f"sort #{i:02d} x[{shp(shape)}] dim={dim} descending={str(descending).lower()}"
                f"{' ties' if ties else ''}")
        g = gen_for(name)
        x = randint(shape, g, -2, 3).to(torch.float32) if ties else randn(shape, g)
        if not ties:
            assert_distinct(x, name)
        fam.run(name, "sort", {"dim": dim, "descending": descending, "stable": True}, {"x": x},
                lambda t, dim=dim, descending=descending: dict(zip(
                    ("y", "indices"),
                    torch.sort(t["x"], dim=dim, descending=descending, stable=True))),
                diff=["x"], g=g)

    # No ties: the order PyTorch gives tied values in topk is unspecified.
    for i, (shape, k, dim, largest) in enumerate([
        ([8], 3, 0, True),
        ([3, 6], 2, 1, False),
        ([5, 4], 5, 0, True),
        ([2, 4, 5], 1, -1, True),
        ([2, 7, 3], 4, 1, False),
    ]):
        name = f"topk #{i:02d} x[{shp(shape)}] k={k} dim={dim} largest={str(largest).lower()}"
        g = gen_for(name)
        x = randn(shape, g)
        assert_distinct(x, name)
        fam.run(name, "topk", {"k": k, "dim": dim, "largest": largest, "sorted": True}, {"x": x},
                lambda t, k=k, dim=dim, largest=largest: dict(zip(
                    ("y", "indices"), torch.topk(t["x"], k, dim=dim, largest=largest, sorted=True))),
                diff=["x"], g=g)


# ----------------------------------------------------------------------------------------
# Driver
# ----------------------------------------------------------------------------------------


def build():
    conv = Family("conv.json")
    conv_family(conv, 1, 30, 101, conv_extras(1))
    conv_family(conv, 2, 46, 102, conv_extras(2))
    conv_family(conv, 3, 34, 103, conv_extras(3))

    pool = Family("pool.json")
    for nd, n in ((1, 16), (2, 20), (3, 14)):
        pool_family(pool, nd, "max", n, 200 + nd, pool_extras(nd, True))
    for nd, n in ((1, 16), (2, 20), (3, 14)):
        pool_family(pool, nd, "avg", n, 300 + nd, pool_extras(nd, False))
    adaptive_family(pool)

    norm = Family("norm.json")
    norm_family(norm)
    act = Family("activation.json")
    activation_family(act)
    loss = Family("loss.json")
    loss_family(loss)
    red = Family("reduce.json")
    reduce_family(red)
    mm = Family("matmul.json")
    matmul_family(mm)
    pad = Family("pad.json")
    pad_family(pad)
    transpose = Family("transpose.json")
    transpose_family(transpose, 30, 401)
    resample = Family("resample.json")
    resample_family(resample)
    normalization = Family("normalization.json")
    normalization_family(normalization)
    indexing = Family("indexing.json")
    indexing_family(indexing)
    return [conv, pool, norm, act, loss, red, mm, pad, transpose, resample, normalization, indexing]


def write(out_dir, only=None):
    os.makedirs(out_dir, exist_ok=True)
    families = build()
    known = {fam.filename for fam in families}
    unknown = sorted(set(only or ()) - known)
    assert not unknown, f"--only: no family writes {unknown} (known: {sorted(known)})"
    for fam in families:
        if only and fam.filename not in only:
            continue
        text = fam.dumps()
        size = len(text.encode("ascii"))
        assert size < MAX_FILE_BYTES, f"{fam.filename} is {size} bytes"
        with open(os.path.join(out_dir, fam.filename), "w", encoding="ascii", newline="\n") as f:
            f.write(text)
        print(f"{fam.filename:16s} {len(fam.cases):4d} cases {size:9d} bytes")


def check(out_dir):
    """Decode every tensor, check shapes line up, and recompute one conv case."""
    files = sorted(f for f in os.listdir(out_dir) if f.endswith(".json"))
    names = set()
    for fn in files:
        with open(os.path.join(out_dir, fn), encoding="ascii") as f:
            doc = json.load(f)
        assert doc["source"] == SOURCE, f"{fn}: source {doc['source']!r}"
        for c in doc["cases"]:
            assert c["name"] not in names, f"duplicate name {c['name']!r}"
            names.add(c["name"])
            ins = {k: dec(v) for k, v in c["inputs"].items()}
            outs = {k: dec(v) for k, v in c["outputs"].items()}
            grads = {k: dec(v) for k, v in c["grads"].items()}
            if "dy" in grads:
                assert grads["dy"].shape == outs["y"].shape, c["name"]
            for k, v in grads.items():
                if k != "dy":
                    assert v.shape == ins[k[1:]].shape, f"{c['name']}: {k} {v.shape}"
            for arr in list(ins.values()) + list(outs.values()) + list(grads.values()):
                if arr.dtype.kind == "f":
                    assert np.isfinite(arr).all(), c["name"]
        print(f"{fn:16s} {len(doc['cases']):4d} cases ok")
    with open(os.path.join(out_dir, "conv.json"), encoding="ascii") as f:
        doc = json.load(f)
    c = next(c for c in doc["cases"] if c["op"] == "conv2d" and c["args"]["padding"] == "same"
             and "b" in c["inputs"])
    x = torch.from_numpy(dec(c["inputs"]["x"]).copy()).double()
    w = torch.from_numpy(dec(c["inputs"]["w"]).copy()).double()
    b = torch.from_numpy(dec(c["inputs"]["b"]).copy()).double()
    a = c["args"]
    y = F.conv2d(x, w, b, stride=a["stride"], padding=a["padding"], dilation=a["dilation"],
                 groups=a["groups"]).float().numpy()
    want = dec(c["outputs"]["y"])
    assert y.shape == want.shape, (y.shape, want.shape)
    assert np.array_equal(y, want), "recomputed conv2d differs"
    print(f"recomputed {c['name']!r}: y{list(y.shape)} identical")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true", help="only decode and sanity-check the existing files")
    ap.add_argument("--out", default=DEFAULT_OUT, help="output folder (default: ../fixtures)")
    ap.add_argument("--only", action="append", metavar="FILE",
                    help="write only this file (e.g. conv.json); repeatable")
    opts = ap.parse_args()
    if opts.check:
        check(opts.out)
    else:
        write(opts.out, opts.only)


if __name__ == "__main__":
    sys.exit(main())
