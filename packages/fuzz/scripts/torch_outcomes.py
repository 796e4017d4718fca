"""Records what PyTorch does with each fuzz case.

Reads a case list (JSON, written by scripts/fixtures.ts), calls the PyTorch counterpart of each
Stride call, and writes, per case, whether PyTorch raised (and what) or what it returned (shapes,
dtypes, values). Stride names and options map to PyTorch's; an options key Stride does not know
has no PyTorch keyword either, so it raises, which is the expected outcome for a misspelled key.

    /usr/bin/python3 scripts/torch_outcomes.py cases.json outcomes.json
"""

import copy
import json
import math
import resource
import sys
import warnings

import numpy as np
import torch
import torch.nn.functional as F

# A call that would allocate gigabytes (a huge shape) fails with an allocation error instead of
# swapping the machine: that is PyTorch refusing, which is what Stride must do too.
resource.setrlimit(resource.RLIMIT_AS, (3 * 2**30, resource.RLIM_INFINITY))
torch.set_num_threads(1)
warnings.filterwarnings("ignore")

MAX_RECORDED = 4096  # values recorded per output; larger outputs keep shape and dtype only


class Undef:
    """JavaScript `undefined`: an omitted argument (the default) or an array hole."""

    def __repr__(self):
        return "undefined"


UNDEF = Undef()


class Opaque:
    """A JavaScript value with no Python counterpart (a function, a disposed tensor)."""

    def __init__(self, what, tensor=None):
        self.what = what
        # A disposed tensor's shape stays readable, as Stride's sizes do
        # (packages/core/src/ops/sizes.ts): the tensor it was, for those.
        self.tensor = tensor

    def __repr__(self):
        return self.what


class Typed:
    """A JavaScript typed array."""

    NUMPY = {
        "Float32Array": np.float32,
        "Float64Array": np.float64,
        "Int32Array": np.int32,
        "Uint8Array": np.uint8,
        "Int8Array": np.int8,
        "Int16Array": np.int16,
        "Uint16Array": np.uint16,
        "Uint32Array": np.uint32,
        "Uint8ClampedArray": np.uint8,
        "BigInt64Array": np.int64,
    }

    def __init__(self, kind, values):
        self.kind = kind
        self.values = values

    def __repr__(self):
        # As JavaScript shows it, and with no address, so that a regenerated fixture is the same.
        return f"{self.kind}({self.values!r})"

    def to_tensor(self):
        # torch.from_numpy rejects uint16 and uint32, as PyTorch 1.13 has no such dtypes.
        return torch.from_numpy(np.array(self.values, dtype=self.NUMPY[self.kind]))


class Unspecified(Exception):
    """PyTorch's result is platform-defined (NaN or infinity cast to an integer): not compared."""


class StrideRule(TypeError):
    """Raised where PyTorch has no such argument at all (unknown option, non-object options)."""


DTYPES = {"float32": torch.float32, "float64": torch.float64, "int32": torch.int32, "bool": torch.bool}


def num(v):
    if isinstance(v, str):
        return {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf, "-0": 0}[v]
    # JavaScript has one number type: an integral value is an int wherever Python cares.
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return v


def decode(a):
    k = a["k"]
    if k == "n":
        return num(a["v"])
    if k in ("s", "b"):
        return a["v"]
    if k == "null":
        return None
    if k in ("undef", "hole"):
        return UNDEF
    if k == "big":
        return int(a["v"])
    if k == "fn":
        return Opaque("function")
    if k == "a":
        return [decode(x) for x in a["items"]]
    if k == "o":
        return {key: decode(v) for key, v in a["entries"] if v["k"] != "undef"}
    if k == "typed":
        return Typed(a["type"], a["v"])
    if k == "mod":
        return torch.nn.ReLU()
    if k == "t":
        # In tensor data -0 stays -0.0 (it is only an int where a JavaScript number is one).
        data = [-0.0 if v == "-0" else num(v) for v in a["data"]]
        t = torch.tensor(data, dtype=torch.float64).reshape(a["shape"]).to(DTYPES[a["dtype"]])
        if a.get("disposed"):
            return Opaque("disposed tensor", t)
        if a.get("grad"):
            t.requires_grad_(True)
        return t
    raise ValueError(f"unknown argument kind {k}")


def d(v, default):
    return default if v is UNDEF else v


def opts(o, known, rename=None):
    """A Stride options object as PyTorch keyword arguments."""
    if o is UNDEF:
        return {}
    if not isinstance(o, dict):
        raise StrideRule(f"options must be an object, got {o!r}")
    out = {}
    for key, v in o.items():
        if key not in known:
            raise StrideRule(f"unexpected keyword argument '{key}'")
        snake = "".join("_" + c.lower() if c.isupper() else c for c in key)
        out[(rename or {}).get(key, snake)] = v
    return out


def dtype_of(v):
    if not isinstance(v, str) or v not in DTYPES:
        raise TypeError(f"dtype must be one of {list(DTYPES)}, got {v!r}")
    return DTYPES[v]


def torch_kwargs(kw):
    """Stride's dtype name as torch's, and the device checked and dropped (torch runs on the CPU)."""
    if "dtype" in kw:
        kw["dtype"] = dtype_of(kw["dtype"])
    dev = kw.pop("device", None)
    if dev is not None and dev not in ("cpu", "webgpu"):
        raise RuntimeError(f"unknown device {dev!r}")
    return kw

def create_kwargs(o, extra=()):
    return torch_kwargs(opts(o, ["dtype", "requiresGrad", "device", *extra]))


def boolean(v, name):
    if not isinstance(v, bool):
        raise TypeError(f"{name} must be a bool, got {v!r}")
    return v


def scalar_or_tensor(v, other):
    """Stride lifts numbers and booleans to tensors, as PyTorch's operators do."""
    if isinstance(v, (bool, int, float)) and not isinstance(v, torch.Tensor):
        if isinstance(other, torch.Tensor):
            return torch.tensor(v)
    return v


def binary(f):
    def run(a, b):
        a2 = scalar_or_tensor(a, b)
        b2 = scalar_or_tensor(b, a)
        if not isinstance(a2, torch.Tensor) and not isinstance(b2, torch.Tensor):
            a2 = scalar_or_tensor(a, torch.zeros(()))
            b2 = scalar_or_tensor(b, torch.zeros(()))
        return f(a2, b2)

    return run


def tuple_if_list(v):
    return tuple(v) if isinstance(v, list) else v


def none_keeps(x, size, n):
    """PyTorch 2-d and 3-d take None for "keep this dim"; 1-d does not, Stride does."""
    if size is None:
        size = [None] * n
    if isinstance(size, list) and isinstance(x, torch.Tensor) and len(size) == n and x.dim() >= n:
        return tuple(x.shape[x.dim() - n + i] if v is None else v for i, v in enumerate(size))
    return tuple_if_list(size)


def long_if_int(t):
    if isinstance(t, torch.Tensor) and t.dtype == torch.int32:
        return t.long()
    return t


def all_dims(x, dim):
    if dim is UNDEF:
        return tuple(range(x.dim())) if isinstance(x, torch.Tensor) else ()
    return dim


def check_groups(kw):
    """PyTorch 1.13 keeps a conv's groups in 32 bits: a positive count whose low 32 bits are all
    0 becomes a division by zero that kills the process (SIGFPE) instead of an error. Such a count
    is far above any channel count, which PyTorch's divisibility rule refuses: that is recorded."""
    g = kw.get("groups")
    if isinstance(g, int) and not isinstance(g, bool) and g > 0 and g % 2**32 == 0:
        raise RuntimeError(f"groups {g} does not divide the input channels")


def conv(n):
    def run(x, w, o=UNDEF):
        kw = opts(o, ["bias", "stride", "padding", "dilation", "groups"])
        check_groups(kw)
        if isinstance(w, torch.Tensor) and n is None:
            fn = {3: F.conv1d, 4: F.conv2d, 5: F.conv3d}.get(w.dim())
            if fn is None:
                raise RuntimeError(f"weight of rank {w.dim()}")
        else:
            fn = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}[n or 2]
        pad = kw.get("padding")
        if isinstance(pad, list) and any(isinstance(p, list) for p in pad):
            # Stride's (before, after) pairs: pad explicitly, as PyTorch's convs are symmetric.
            flat = []
            for p in reversed(pad):
                flat += p if isinstance(p, list) else [p, p]
            x = F.pad(x, flat)
            kw["padding"] = 0
        return fn(x, w, **kw)

    return run


def pool(kind, n):
    fn = getattr(F, f"{kind}_pool{n}d")

    def run(x, o):
        if isinstance(o, (int, list)) and not isinstance(o, bool):
            return fn(x, o)
        if kind == "max":
            kw = opts(o, ["kernelSize", "stride", "padding", "dilation", "ceilMode", "returnIndices"])
        else:
            kw = opts(o, ["kernelSize", "stride", "padding", "ceilMode", "countIncludePad"])
        if "kernel_size" not in kw:
            raise TypeError("missing kernel_size")
        for key in ("ceil_mode", "return_indices", "count_include_pad"):
            if key in kw:
                boolean(kw[key], key)
        return fn(x, **kw)

    return run


def squeeze(x, dim=UNDEF):
    if dim is UNDEF:
        return torch.squeeze(x)
    if isinstance(dim, list):
        # PyTorch 2's tuple form: each named dim of size 1 goes.
        dims = sorted({x.dim() + v if isinstance(v, int) and v < 0 else v for v in dim})
        for v in dim:
            x.size(v)  # raises for a bad dim
        out = x
        for v in reversed(dims):
            out = out.squeeze(v)
        return out
    return torch.squeeze(x, dim)


def index(x, *specs):
    key = []
    for s in specs:
        if s is None or s is UNDEF:
            key.append(slice(None))
        elif isinstance(s, dict):
            kw = opts(s, ["start", "end", "step"])
            step = kw.get("step", 1)
            if not isinstance(step, int) or isinstance(step, bool) or step <= 0:
                raise ValueError("step must be a positive integer")
            key.append(slice(kw.get("start"), kw.get("end"), step))
        elif isinstance(s, int) and not isinstance(s, bool):
            key.append(s)
        else:
            raise IndexError(f"bad index {s!r}")
    if not isinstance(x, torch.Tensor):
        raise TypeError("input must be a tensor")
    return x[tuple(key)]


def slice_(x, dim, start=UNDEF, end=UNDEF, step=UNDEF):
    x.size(dim)
    step = d(step, 1)
    for v in (start, end, step):
        if v is not UNDEF and v is not None and (not isinstance(v, int) or isinstance(v, bool)):
            raise TypeError(f"slice bounds must be integers, got {v!r}")
    if step <= 0:
        raise ValueError("step must be positive")
    dim = dim + x.dim() if dim < 0 else dim
    key = (slice(None),) * dim + (slice(d(start, None), d(end, None), step),)
    return x[key]


def pad(x, padding, mode=UNDEF, value=UNDEF):
    mode = d(mode, "constant")
    if mode == "constant":
        return F.pad(x, padding, "constant", d(value, 0))
    if value is not UNDEF:
        return F.pad(x, padding, mode, value)
    if not isinstance(padding, list) or not isinstance(x, torch.Tensor):
        return F.pad(x, padding, mode)
    n = len(padding) // 2
    if len(padding) % 2 or n > x.dim() or n == 0:
        return F.pad(x, padding, mode)
    # PyTorch 1.13 pads non-constant modes only on [N, C, ...]-like inputs: fold the leading dims.
    lead = list(x.shape[: x.dim() - n])
    folded = x.reshape([1, int(np.prod(lead)) if lead else 1, *x.shape[x.dim() - n :]])
    out = F.pad(folded, padding, mode)
    return out.reshape([*lead, *out.shape[2:]])


def loss(fn, known, rename=None, target_long=False):
    def run(inp, target, o=UNDEF):
        kw = opts(o, known, rename)
        if target_long:
            target = long_if_int(target)
            # PyTorch cannot differentiate these losses by the class weights; Stride may, and
            # no gradient is compared here.
            if isinstance(kw.get("weight"), torch.Tensor):
                kw["weight"] = kw["weight"].detach()
        return fn(inp, target, **kw)

    return run


def bmm(a, b, ta=UNDEF, tb=UNDEF):
    ta = boolean(d(ta, False), "transposeA")
    tb = boolean(d(tb, False), "transposeB")
    if ta:
        a = a.transpose(1, 2) if isinstance(a, torch.Tensor) and a.dim() == 3 else _bad("a")
    if tb:
        b = b.transpose(1, 2) if isinstance(b, torch.Tensor) and b.dim() == 3 else _bad("b")
    if isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor) and a.dim() == b.dim() == 3:
        if a.shape[0] != b.shape[0] and 1 in (a.shape[0], b.shape[0]):
            # Stride's bmm broadcasts a batch of 1 (documented on `bmm` in
            # packages/core/src/ops/matmul.ts); torch.bmm does not, torch.matmul does.
            return torch.matmul(a, b)
    return torch.bmm(a, b)


def _bad(name):
    raise RuntimeError(f"{name} must be a 3-d tensor")


def batch_norm(x, rm, rv, o=UNDEF):
    kw = opts(o, ["weight", "bias", "training", "momentum", "eps"])
    if "training" in kw:
        boolean(kw["training"], "training")
    rm = d(rm, None)
    rv = d(rv, None)
    rm2 = rm.clone() if isinstance(rm, torch.Tensor) else rm
    rv2 = rv.clone() if isinstance(rv, torch.Tensor) else rv
    out = F.batch_norm(x, rm2, rv2, **kw)
    return [out, rm2, rv2]


def adam_step(base, grad, m, v, p):
    if not isinstance(p, dict):
        raise TypeError("params must be an object")
    keys = ["beta1", "beta2", "stepSize", "biasCorrection2Sqrt", "eps"]
    for k in p:
        if k not in keys:
            raise TypeError(f"unknown key {k}")
    for k in keys:
        if k not in p or isinstance(p[k], bool) or not isinstance(p[k], (int, float)):
            raise TypeError(f"{k} must be a number")
        if not math.isfinite(p[k]):
            raise ValueError(f"{k} must be finite")
    # torch.optim.Adam's own rules for its hyper-parameters.
    if not 0 <= p["beta1"] < 1 or not 0 <= p["beta2"] < 1 or p["eps"] < 0:
        raise ValueError("invalid beta or eps")
    if p["biasCorrection2Sqrt"] <= 0:
        raise ValueError("invalid bias correction")
    ts = [base, grad, m, v]
    if not all(isinstance(t, torch.Tensor) for t in ts):
        raise TypeError("tensors expected")
    if any(t.shape != base.shape or t.dtype != base.dtype for t in ts) or not base.is_floating_point():
        raise RuntimeError("shape or dtype mismatch")
    with torch.no_grad():
        m2 = m * p["beta1"] + grad * (1 - p["beta1"])
        v2 = v * p["beta2"] + (grad * (1 - p["beta2"])) * grad
        param = base + (m2 * (-p["stepSize"])) / (v2.sqrt() / p["biasCorrection2Sqrt"] + p["eps"])
    return [param, m2, v2]


def reduce_(fn, float_only=False):
    def run(x, dim=UNDEF, keep=UNDEF):
        keep = boolean(d(keep, False), "keepDims")
        return fn(x, dim=all_dims(x, dim), keepdim=keep)

    return run


def var(fn):
    def run(x, dim=UNDEF, o=UNDEF):
        kw = opts(o, ["correction", "keepDims"], {"keepDims": "keepdim"})
        keep = boolean(kw.get("keepdim", False), "keepDims")
        c = kw.get("correction", 1)
        if isinstance(c, bool) or not isinstance(c, (int, float)):
            raise TypeError("correction must be a number")
        dims = all_dims(x, dim)
        if isinstance(c, int):
            return fn(x, dim=dims, correction=c, keepdim=keep)
        # A fractional correction, as PyTorch 2 allows it.
        n = x.numel() // max(1, torch.mean(x, dim=dims, keepdim=True).numel())
        v = torch.var(x, dim=dims, correction=0, keepdim=keep) * n / max(0, n - c)
        return v.sqrt() if fn is torch.std else v

    return run


def random_shape(fn):
    def run(shape, o=UNDEF):
        kw = create_kwargs(o, ["seed"])
        seed = kw.pop("seed", None)
        if seed is not None:
            kw["generator"] = torch.Generator().manual_seed(seed)
        return fn(shape, **kw)

    return run


def randint(low, high, shape, o=UNDEF):
    kw = create_kwargs(o, ["seed"])
    seed = kw.pop("seed", None)
    if seed is not None:
        kw["generator"] = torch.Generator().manual_seed(seed)
    return torch.randint(low, high, shape, **kw)


def tensor_(values, o=UNDEF):
    kw = create_kwargs(o, ["shape"])
    shape = kw.pop("shape", None)
    if isinstance(values, Typed):
        t = values.to_tensor()
        if shape is not None:
            t = t.reshape(shape) if t.numel() == int(np.prod(shape)) else _bad("shape")
        if "dtype" in kw:
            t = t.to(kw.pop("dtype"))
        if kw.get("requires_grad"):
            t.requires_grad_(True)
        return t
    if shape is not None:
        raise TypeError("shape is only used with a typed array")
    return torch.tensor(values, **kw)


def is_options(v):
    """What Stride takes for an options object where a number goes (isOptionsObject in core's
    ops/creation.ts): here a plain object; a disposed tensor too, but that fails either way."""
    return isinstance(v, dict)


def no_more(v):
    """Nothing after options given early: omitted or `{}` (PyTorch has no slot after its keywords)."""
    if v is not UNDEF and v != {}:
        raise TypeError(f"unexpected argument {v!r} after the options")


def arange(start, end=UNDEF, step=UNDEF, o=UNDEF):
    # Stride's options may follow any of the numbers, as keyword arguments would in PyTorch
    # (documented on `arange` in packages/core/src/ops/creation.ts): `arange(5, { dtype })`.
    if is_options(end) and (step is UNDEF or (type(step) is int and step == 1)):
        no_more(o)
        end, step, o = UNDEF, UNDEF, end
    elif is_options(step):
        no_more(o)
        step, o = UNDEF, step
    kw = create_kwargs(o)
    if end is UNDEF:
        return torch.arange(start, **kw) if step is UNDEF else torch.arange(0, start, step, **kw)
    return torch.arange(start, end, d(step, 1), **kw)


def full(shape, value, o=UNDEF):
    kw = create_kwargs(o)
    # Stride's `full` is float32 unless options.dtype says otherwise (bool for a boolean value),
    # as CreateOptions.dtype documents in packages/core/src/ops/creation.ts: JavaScript cannot
    # tell 2 from 2.0, so PyTorch's integer inference from the fill value is not copied.
    kw.setdefault("dtype", torch.bool if isinstance(value, bool) else torch.float32)
    return torch.full(shape, value, **kw)


def eye(n, m=UNDEF, o=UNDEF):
    # `eye(3, { dtype })`: the options may follow n, as a keyword argument would (documented on
    # `eye` in packages/core/src/ops/creation.ts).
    if is_options(m):
        no_more(o)
        m, o = UNDEF, m
    return torch.eye(n, d(m, n), **create_kwargs(o))


def manual_seed(seed):
    torch.Generator().manual_seed(seed)
    return []


def dropout(x, p=UNDEF, training=UNDEF):
    return F.dropout(x, d(p, 0.5), boolean(d(training, True), "training"))


def where(cond, a, b):
    if not isinstance(cond, torch.Tensor):
        raise TypeError("condition must be a tensor")
    a2 = scalar_or_tensor(a, cond)
    b2 = scalar_or_tensor(b, cond)
    if isinstance(a2, torch.Tensor) and isinstance(b2, torch.Tensor):
        dt = torch.result_type(a2, b2)
        a2, b2 = a2.to(dt), b2.to(dt)
    return torch.where(cond, a2, b2)


def cast(x, dtype):
    if (
        isinstance(x, torch.Tensor)
        and x.is_floating_point()
        and not dtype.is_floating_point
        and dtype != torch.bool
        and not torch.isfinite(x).all()
    ):
        raise Unspecified()
    return x.to(dtype)


def clamp(x, lo=UNDEF, hi=UNDEF):
    return torch.clamp(x, min=d(lo, None), max=d(hi, None))


def upcast(v):
    """float32 tensors (also inside options and lists) as float64."""
    if isinstance(v, torch.Tensor) and v.dtype == torch.float32:
        return v.detach().double()
    if isinstance(v, dict):
        return {key: upcast(x) for key, x in v.items()}
    if isinstance(v, list):
        return [upcast(x) for x in v]
    return v


def recast(got, want):
    """float64 values in the dtypes of PyTorch's own results."""
    if isinstance(want, torch.Tensor):
        return got.to(want.dtype)
    if isinstance(want, (list, tuple)):
        return [recast(g, w) for g, w in zip(got, want)]
    return want


def exact(f):
    """A standardisation's values computed in float64 and rounded to the input's dtype. PyTorch's
    float32 mean of equal values is off in the last bits, and dividing by sqrt(var + eps) scales
    that by up to 1/sqrt(eps) (about 300), past the comparison's tolerance, where the exact result
    is 0. PyTorch's own float32 call still decides errors, shapes and dtypes."""

    def run(*args):
        want = f(*args)
        return recast(f(*[upcast(a) for a in args]), want)

    return run


def channel_dropout(fn):
    def run(x, p=UNDEF, training=UNDEF):
        return fn(x, d(p, 0.5), boolean(d(training, True), "training"))

    return run


def conv_transpose(n):
    fn = {1: F.conv_transpose1d, 2: F.conv_transpose2d, 3: F.conv_transpose3d}[n]

    def run(x, w, o=UNDEF):
        kw = opts(o, ["bias", "stride", "padding", "outputPadding", "dilation", "groups"])
        check_groups(kw)
        return fn(x, w, **{k: tuple_if_list(v) for k, v in kw.items()})

    return run


def interpolate(x, o=UNDEF):
    kw = opts(o, ["size", "scaleFactor", "mode", "alignCorners"])
    if "align_corners" in kw:
        boolean(kw["align_corners"], "alignCorners")
    return F.interpolate(x, **{k: tuple_if_list(v) for k, v in kw.items()})


def layer_norm(x, shape, o=UNDEF):
    kw = opts(o, ["weight", "bias", "eps"])
    # One size stands for [size] (documented on layerNorm), as torch.nn.LayerNorm takes it.
    if isinstance(shape, int) and not isinstance(shape, bool):
        shape = [shape]
    return F.layer_norm(x, shape, **kw)


def instance_norm(x, o=UNDEF):
    kw = opts(
        o, ["runningMean", "runningVar", "weight", "bias", "useInputStats", "momentum", "eps"]
    )
    if "use_input_stats" in kw:
        boolean(kw["use_input_stats"], "useInputStats")
    rm = kw.pop("running_mean", None)
    rv = kw.pop("running_var", None)
    rm2 = rm.clone() if isinstance(rm, torch.Tensor) else rm
    rv2 = rv.clone() if isinstance(rv, torch.Tensor) else rv
    out = F.instance_norm(x, rm2, rv2, **kw)
    return [out, rm2, rv2]


def adaptive_max(n):
    fn = {1: F.adaptive_max_pool1d, 2: F.adaptive_max_pool2d, 3: F.adaptive_max_pool3d}[n]

    def run(x, size, o=UNDEF):
        kw = opts(o, ["returnIndices"])
        if "return_indices" in kw:
            boolean(kw["return_indices"], "returnIndices")
        return fn(x, none_keeps(x, size, n), **kw)

    return run


def readable(t):
    """A tensor whose sizes are asked for: a disposed one still has them (see Opaque)."""
    return t.tensor if isinstance(t, Opaque) and t.tensor is not None else t


def size_at(x, dim):
    x = readable(x)
    if not isinstance(x, torch.Tensor):
        raise TypeError("input must be a tensor")
    return torch.tensor(x.size(dim_arg(dim)))


def view_as(x, other):
    # Only other's shape is used (documented on viewAs), so a disposed other is as good.
    other = readable(other)
    if not isinstance(other, torch.Tensor):
        raise TypeError("other must be a tensor")
    return x.view_as(other)


def masked_fill(x, mask, value):
    if isinstance(mask, torch.Tensor) and mask.dtype != torch.bool:
        # PyTorch 1.13 still takes a uint8 or integer mask; Stride needs bool, as PyTorch 2 does.
        raise RuntimeError(f"mask must be bool, got {mask.dtype}")
    return torch.masked_fill(x, mask, value)


def sort_(x, o=UNDEF):
    kw = opts(o, ["dim", "descending", "stable"])
    for key in ("descending", "stable"):
        if key in kw:
            boolean(kw[key], key)
    # Stride's sort is always stable (documented on sort): PyTorch's stable=True.
    kw["stable"] = True
    return list(torch.sort(x, **kw))


def topk(x, k, o=UNDEF):
    kw = opts(o, ["dim", "largest", "sorted"])
    for key in ("largest", "sorted"):
        if key in kw:
            boolean(kw[key], key)
    values, indices = torch.topk(x, k, **kw)
    if x.dim() == 0:
        return [values, indices]
    # Stride returns the k values sorted, earlier ones first among equals (documented on topk);
    # PyTorch's order of ties, and with sorted=False of all k, is unspecified: a stable sort gives
    # the documented order.
    dim = kw.get("dim", -1)
    largest = kw.get("largest", True)
    values, indices = torch.sort(x, dim=dim, descending=largest, stable=True)
    return [values.narrow(dim, 0, k), indices.narrow(dim, 0, k)]


OPS = {
    "relu": torch.relu,
    "silu": F.silu,
    "neg": torch.neg,
    "abs": torch.abs,
    "sign": torch.sign,
    "square": torch.square,
    "exp": torch.exp,
    "log": torch.log,
    "log1p": torch.log1p,
    "expm1": torch.expm1,
    "sqrt": torch.sqrt,
    "rsqrt": torch.rsqrt,
    "reciprocal": torch.reciprocal,
    "sin": torch.sin,
    "cos": torch.cos,
    "tan": torch.tan,
    "tanh": torch.tanh,
    "sigmoid": torch.sigmoid,
    "erf": torch.erf,
    "floor": torch.floor,
    "ceil": torch.ceil,
    "round": torch.round,
    "trunc": torch.trunc,
    "isnan": torch.isnan,
    "logicalNot": torch.logical_not,
    "leakyRelu": lambda x, s=UNDEF: F.leaky_relu(x, d(s, 0.01)),
    "elu": lambda x, a=UNDEF: F.elu(x, d(a, 1.0)),
    "gelu": lambda x, o=UNDEF: F.gelu(x, **opts(o, ["approximate"])),
    "softplus": lambda x, b=UNDEF, t=UNDEF: F.softplus(x, d(b, 1), d(t, 20)),
    "add": binary(torch.add),
    "sub": binary(torch.sub),
    "mul": binary(torch.mul),
    "div": binary(torch.div),
    "pow": binary(torch.pow),
    "remainder": binary(torch.remainder),
    "maximum": binary(torch.maximum),
    "minimum": binary(torch.minimum),
    "eq": binary(torch.eq),
    "ne": binary(torch.ne),
    "lt": binary(torch.lt),
    "le": binary(torch.le),
    "gt": binary(torch.gt),
    "ge": binary(torch.ge),
    "logicalAnd": binary(torch.logical_and),
    "logicalOr": binary(torch.logical_or),
    "logicalXor": binary(torch.logical_xor),
    "where": where,
    "clamp": clamp,
    "cast": lambda x, dt: cast(x, dtype_of(dt)),
    "conv1d": conv(1),
    "conv2d": conv(2),
    "conv3d": conv(3),
    "convNd": conv(None),
    "tensor": tensor_,
    "full": full,
    "zeros": lambda s, o=UNDEF: torch.zeros(s, **create_kwargs(o)),
    "ones": lambda s, o=UNDEF: torch.ones(s, **create_kwargs(o)),
    "fullLike": lambda t, v, o=UNDEF: torch.full_like(t, v, **create_kwargs(o)),
    "zerosLike": lambda t, o=UNDEF: torch.zeros_like(t, **create_kwargs(o)),
    "onesLike": lambda t, o=UNDEF: torch.ones_like(t, **create_kwargs(o)),
    "arange": arange,
    "linspace": lambda a, b, n, o=UNDEF: torch.linspace(a, b, n, **create_kwargs(o)),
    "eye": eye,
    "dropout": dropout,
    "gather": lambda x, dim, i: torch.gather(x, dim, long_if_int(i)),
    "scatterAdd": lambda x, dim, i, s: torch.scatter_add(x, dim, long_if_int(i), s),
    "oneHot": lambda i, n: F.one_hot(long_if_int(i), n),
    "reshape": lambda x, s: torch.reshape(x, s),
    "flatten": lambda x, a=UNDEF, b=UNDEF: torch.flatten(x, d(a, 0), d(b, -1)),
    "squeeze": squeeze,
    "unsqueeze": torch.unsqueeze,
    "permute": lambda x, dims: torch.permute(x, dims),
    "transpose": lambda x, a=UNDEF, b=UNDEF: torch.transpose(x, d(a, -2), d(b, -1)),
    "expand": lambda x, s: x.expand(s) if isinstance(x, torch.Tensor) else _bad("input"),
    "index": index,
    "slice": slice_,
    "flip": lambda x, dims: torch.flip(x, dims if isinstance(dims, list) else [dims]),
    "concat": lambda ts, dim=UNDEF: torch.cat(ts, d(dim, 0)),
    "stack": lambda ts, dim=UNDEF: torch.stack(ts, d(dim, 0)),
    "split": lambda x, s, dim=UNDEF: list(torch.split(x, s, d(dim, 0))),
    "chunk": lambda x, n, dim=UNDEF: list(torch.chunk(x, n, d(dim, 0))),
    "pad": pad,
    "crossEntropy": loss(
        F.cross_entropy, ["reduction", "weight", "ignoreIndex", "labelSmoothing"], target_long=True
    ),
    "nllLoss": loss(F.nll_loss, ["reduction", "weight", "ignoreIndex"], target_long=True),
    "mseLoss": loss(F.mse_loss, ["reduction"]),
    "l1Loss": loss(F.l1_loss, ["reduction"]),
    "bceWithLogits": loss(F.binary_cross_entropy_with_logits, ["reduction", "weight", "posWeight"]),
    "bceLoss": loss(F.binary_cross_entropy, ["reduction", "weight"]),
    "smoothL1Loss": loss(F.smooth_l1_loss, ["reduction", "beta"]),
    "huberLoss": loss(F.huber_loss, ["reduction", "delta"]),
    "klDiv": loss(F.kl_div, ["reduction", "logTarget"]),
    "convTranspose1d": conv_transpose(1),
    "convTranspose2d": conv_transpose(2),
    "convTranspose3d": conv_transpose(3),
    "interpolate": interpolate,
    "layerNorm": exact(layer_norm),
    "groupNorm": exact(
        lambda x, g, o=UNDEF: F.group_norm(x, g, **opts(o, ["weight", "bias", "eps"]))
    ),
    "instanceNorm": exact(instance_norm),
    "dropout1d": channel_dropout(F.dropout1d),
    "dropout2d": channel_dropout(F.dropout2d),
    "dropout3d": channel_dropout(F.dropout3d),
    "adaptiveMaxPool1d": adaptive_max(1),
    "adaptiveMaxPool2d": adaptive_max(2),
    "adaptiveMaxPool3d": adaptive_max(3),
    "numel": lambda x: torch.tensor(readable(x).numel()),
    "sizeAt": size_at,
    "viewAs": view_as,
    "maskedFill": masked_fill,
    "indexSelect": lambda x, dim, i: torch.index_select(x, dim, long_if_int(i)),
    "cumsum": lambda x, dim: torch.cumsum(x, dim),
    "sort": sort_,
    "topk": topk,
    "bmm": bmm,
    "matmul": torch.matmul,
    "linear": lambda x, w, b=UNDEF: F.linear(x, w, d(b, None)),
    "batchNorm": batch_norm,
    "adamStep": adam_step,
    "maxPool1d": pool("max", 1),
    "maxPool2d": pool("max", 2),
    "maxPool3d": pool("max", 3),
    "avgPool1d": pool("avg", 1),
    "avgPool2d": pool("avg", 2),
    "avgPool3d": pool("avg", 3),
    "adaptiveAvgPool1d": lambda x, s: F.adaptive_avg_pool1d(x, none_keeps(x, s, 1)),
    "adaptiveAvgPool2d": lambda x, s: F.adaptive_avg_pool2d(x, none_keeps(x, s, 2)),
    "adaptiveAvgPool3d": lambda x, s: F.adaptive_avg_pool3d(x, none_keeps(x, s, 3)),
    "manualSeed": manual_seed,
    "rand": random_shape(torch.rand),
    "randn": random_shape(torch.randn),
    "randint": randint,
    "sum": reduce_(torch.sum),
    "mean": reduce_(torch.mean),
    "max": reduce_(torch.amax),
    "min": reduce_(torch.amin),
    "argmax": lambda x, dim=UNDEF, k=UNDEF: torch.argmax(
        x, dim=d(dim, None), keepdim=boolean(d(k, False), "keepDims")
    ),
    "argmin": lambda x, dim=UNDEF, k=UNDEF: torch.argmin(
        x, dim=d(dim, None), keepdim=boolean(d(k, False), "keepDims")
    ),
    "variance": var(torch.var),
    "std": var(torch.std),
    "logsumexp": reduce_(torch.logsumexp),
    "softmax": lambda x, dim=UNDEF: torch.softmax(x, d(dim, -1)),
    "logSoftmax": lambda x, dim=UNDEF: torch.log_softmax(x, d(dim, -1)),
}

def layer(make, forward_args=1, in_float64=False):
    """A layer built from the leading arguments and called on the rest; `in_float64`: its values
    computed by a float64 copy of it (see `exact`)."""

    def run(*args):
        n = len(args) - forward_args
        module = make(*args[:n])
        if not in_float64:
            return module(*args[n:])
        twin = copy.deepcopy(module).double()
        want = module(*args[n:])
        return recast(twin(*[upcast(a) for a in args[n:]]), want)

    return run


def nn_opts(o, known, rename=None):
    return torch_kwargs(opts(o, known, rename))


def int_arg(v, name, minimum=1):
    # PyTorch's layer constructors take any int; Stride's range rules match what PyTorch then
    # fails on at forward time (or silently mis-sizes), so they are applied here.
    if isinstance(v, bool) or not isinstance(v, int) or v < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {v!r}")
    return v


def linear_layer(i, o, opt=UNDEF):
    kw = nn_opts(opt, ["bias", "dtype", "device"])
    if "bias" in kw:
        boolean(kw["bias"], "bias")
    return torch.nn.Linear(int_arg(i, "in"), int_arg(o, "out"), **kw)


def conv_layer(n):
    def make(i, o, k, opt=UNDEF):
        kw = nn_opts(opt, ["stride", "padding", "dilation", "groups", "bias", "dtype", "device"])
        if "bias" in kw:
            boolean(kw["bias"], "bias")
        cls = {1: torch.nn.Conv1d, 2: torch.nn.Conv2d}[n]
        return cls(int_arg(i, "in"), int_arg(o, "out"), tuple_if_list(k), **kw)

    return make


def pool_layer(kind):
    def make(k, opt=UNDEF):
        known = ["stride", "padding", "ceilMode"] + (
            ["dilation"] if kind == "max" else ["countIncludePad"]
        )
        kw = opts(opt, known)
        for key in ("ceil_mode", "count_include_pad"):
            if key in kw:
                boolean(kw[key], key)
        cls = torch.nn.MaxPool2d if kind == "max" else torch.nn.AvgPool2d
        return cls(k, **kw)

    return make


def batchnorm_layer(c, opt=UNDEF):
    kw = nn_opts(opt, ["eps", "momentum", "affine", "trackRunningStats", "dtype", "device"])
    for key in ("affine", "track_running_stats"):
        if key in kw:
            boolean(kw[key], key)
    return torch.nn.BatchNorm2d(int_arg(c, "numFeatures"), **kw)


def dim_arg(v):
    if isinstance(v, bool) or not isinstance(v, int):
        raise TypeError(f"dim must be an integer, got {v!r}")
    return v


def number_arg(v, name):
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        raise TypeError(f"{name} must be a finite number, got {v!r}")
    return v


def loss_layer(cls, known, target_long=False):
    def make(opt=UNDEF):
        kw = opts(opt, known)
        if "weight" in kw and isinstance(kw["weight"], torch.Tensor):
            kw["weight"] = kw["weight"].detach()
        module = cls(**kw)
        return (lambda a, b: module(a, long_if_int(b))) if target_long else module

    return make


def optimizer(cls, known, rename=None):
    def run(params, opt=UNDEF):
        kw = opts(opt, known, rename)
        if not isinstance(params, list):
            raise TypeError("params must be a list of tensors")
        for key, v in kw.items():
            if key in ("nesterov", "maximize", "amsgrad", "centered"):
                boolean(v, key)
            elif key == "betas":
                if not isinstance(v, list) or len(v) != 2:
                    raise TypeError("betas must be a pair")
                kw[key] = tuple(number_arg(b, "beta") for b in v)
            else:
                number_arg(v, key)
        cls(params, **kw)
        return []

    return run


def scheduler(make):
    def run(opt=UNDEF, last_epoch=UNDEF):
        p = torch.ones(2, requires_grad=True)
        sgd = torch.optim.SGD([p], lr=0.1)
        le = d(last_epoch, -1)
        if isinstance(le, int) and not isinstance(le, bool) and le != -1:
            # PyTorch needs the starting rate recorded to resume; Stride records it itself.
            sgd.param_groups[0]["initial_lr"] = 0.1
        sched = make(sgd, opt, le)
        sgd.step()
        sched.step()
        return torch.tensor(sched.get_last_lr(), dtype=torch.float32)

    return run


def sched_kwargs(o, known, rename, required=()):
    if o is UNDEF and not required:
        return {}
    kw = opts(o, known, rename)
    for r in required:
        if r not in kw:
            raise TypeError(f"missing {r}")
    for k, v in kw.items():
        if k == "milestones":
            if not isinstance(v, list) or not all(isinstance(m, int) and not isinstance(m, bool) for m in v):
                raise TypeError("milestones must be integers")
        else:
            number_arg(v, k)
    return kw


def conv_transpose_layer(n):
    def make(i, o, k, opt=UNDEF):
        kw = nn_opts(
            opt,
            ["stride", "padding", "outputPadding", "dilation", "groups", "bias", "dtype", "device"],
        )
        if "bias" in kw:
            boolean(kw["bias"], "bias")
        cls = {1: torch.nn.ConvTranspose1d, 2: torch.nn.ConvTranspose2d, 3: torch.nn.ConvTranspose3d}
        kw = {key: tuple_if_list(v) for key, v in kw.items()}
        return cls[n](int_arg(i, "in"), int_arg(o, "out"), tuple_if_list(k), **kw)

    return make


def upsample_layer(opt=UNDEF):
    kw = opts(opt, ["size", "scaleFactor", "mode", "alignCorners"])
    if "align_corners" in kw:
        boolean(kw["align_corners"], "alignCorners")
    return torch.nn.Upsample(**{key: tuple_if_list(v) for key, v in kw.items()})


def layernorm_layer(shape, opt=UNDEF):
    kw = nn_opts(opt, ["eps", "elementwiseAffine", "dtype", "device"])
    if "elementwise_affine" in kw:
        boolean(kw["elementwise_affine"], "elementwiseAffine")
    return torch.nn.LayerNorm(shape, **kw)


def groupnorm_layer(g, c, opt=UNDEF):
    kw = nn_opts(opt, ["eps", "affine", "dtype", "device"])
    if "affine" in kw:
        boolean(kw["affine"], "affine")
    return torch.nn.GroupNorm(int_arg(g, "numGroups"), int_arg(c, "numChannels"), **kw)


def instancenorm_layer(n):
    def make(c, opt=UNDEF):
        kw = nn_opts(opt, ["eps", "momentum", "affine", "trackRunningStats", "dtype", "device"])
        for key in ("affine", "track_running_stats"):
            if key in kw:
                boolean(kw[key], key)
        cls = {1: torch.nn.InstanceNorm1d, 2: torch.nn.InstanceNorm2d, 3: torch.nn.InstanceNorm3d}
        return cls[n](int_arg(c, "numFeatures"), **kw)

    return make


def adaptive_max_layer(n):
    def run(size, x):
        return adaptive_max(n)(x, size)

    return run


def iterable(v):
    """A JavaScript typed array iterates over its numbers, as a list does."""
    return list(v.values) if isinstance(v, Typed) else v


def module_list(mods=UNDEF):
    torch.nn.ModuleList(iterable(d(mods, None)))
    return []


def module_dict(mods=UNDEF):
    torch.nn.ModuleDict(iterable(d(mods, None)))
    return []


def js_function(f):
    """The replay's `() => 0` as a Python function; anything else stays what it is."""
    if isinstance(f, Opaque) and f.what == "function":
        return lambda *a: 0
    if isinstance(f, list):
        return [js_function(g) for g in f]
    return f


def plateau(opt=UNDEF, *metrics):
    p = torch.ones(2, requires_grad=True)
    sgd = torch.optim.SGD([p], lr=0.1)
    kw = opts(
        opt,
        ["mode", "factor", "patience", "threshold", "thresholdMode", "cooldown", "minLr", "eps"],
    )
    sched = LR.ReduceLROnPlateau(sgd, **kw)
    for m in metrics:
        sgd.step()
        sched.step(m)
    return torch.tensor([g["lr"] for g in sgd.param_groups], dtype=torch.float32)


def cyclic_kwargs(o):
    kw = opts(
        o,
        [
            "baseLr",
            "maxLr",
            "stepSizeUp",
            "stepSizeDown",
            "mode",
            "gamma",
            "scaleFn",
            "scaleMode",
            "cycleMomentum",
            "baseMomentum",
            "maxMomentum",
        ],
    )
    for r in ("base_lr", "max_lr"):
        if r not in kw:
            raise TypeError(f"missing {r}")
    if "scale_fn" in kw:
        kw["scale_fn"] = js_function(kw["scale_fn"])
    if "cycle_momentum" in kw:
        boolean(kw["cycle_momentum"], "cycleMomentum")
    return kw


LR = torch.optim.lr_scheduler

OPS.update(
    {
        "Linear": layer(linear_layer),
        "Conv1d": layer(conv_layer(1)),
        "Conv2d": layer(conv_layer(2)),
        "MaxPool2d": layer(pool_layer("max")),
        "AvgPool2d": layer(pool_layer("avg")),
        "BatchNorm2d": layer(batchnorm_layer),
        "Dropout": layer(lambda p=UNDEF: torch.nn.Dropout(number_arg(d(p, 0.5), "p"))),
        "Flatten": layer(lambda a=UNDEF, b=UNDEF: torch.nn.Flatten(d(a, 1), d(b, -1))),
        "Softmax": layer(lambda dim: torch.nn.Softmax(dim_arg(dim))),
        "LogSoftmax": layer(lambda dim: torch.nn.LogSoftmax(dim_arg(dim))),
        "LeakyReLU": layer(lambda s=UNDEF: torch.nn.LeakyReLU(number_arg(d(s, 0.01), "negativeSlope"))),
        "GELU": layer(lambda o=UNDEF: torch.nn.GELU(**opts(o, ["approximate"]))),
        "AdaptiveAvgPool2d": lambda s, x: F.adaptive_avg_pool2d(x, none_keeps(x, s, 2)),
        "CrossEntropyLoss": layer(
            loss_layer(
                torch.nn.CrossEntropyLoss,
                ["reduction", "weight", "ignoreIndex", "labelSmoothing"],
                target_long=True,
            ),
            2,
        ),
        "MSELoss": layer(loss_layer(torch.nn.MSELoss, ["reduction"]), 2),
        "ConvTranspose1d": layer(conv_transpose_layer(1)),
        "ConvTranspose2d": layer(conv_transpose_layer(2)),
        "ConvTranspose3d": layer(conv_transpose_layer(3)),
        "Upsample": layer(upsample_layer),
        "LayerNorm": layer(layernorm_layer, in_float64=True),
        "GroupNorm": layer(groupnorm_layer, in_float64=True),
        "InstanceNorm1d": layer(instancenorm_layer(1), in_float64=True),
        "InstanceNorm2d": layer(instancenorm_layer(2), in_float64=True),
        "InstanceNorm3d": layer(instancenorm_layer(3), in_float64=True),
        "Dropout1d": layer(lambda p=UNDEF: torch.nn.Dropout1d(number_arg(d(p, 0.5), "p"))),
        "Dropout2d": layer(lambda p=UNDEF: torch.nn.Dropout2d(number_arg(d(p, 0.5), "p"))),
        "Dropout3d": layer(lambda p=UNDEF: torch.nn.Dropout3d(number_arg(d(p, 0.5), "p"))),
        "AdaptiveMaxPool1d": adaptive_max_layer(1),
        "AdaptiveMaxPool2d": adaptive_max_layer(2),
        "AdaptiveMaxPool3d": adaptive_max_layer(3),
        "Identity": layer(lambda *a: torch.nn.Identity(*a)),
        "ModuleList": module_list,
        "ModuleDict": module_dict,
        "BCELoss": layer(loss_layer(torch.nn.BCELoss, ["reduction", "weight"]), 2),
        "SmoothL1Loss": layer(loss_layer(torch.nn.SmoothL1Loss, ["reduction", "beta"]), 2),
        "HuberLoss": layer(loss_layer(torch.nn.HuberLoss, ["reduction", "delta"]), 2),
        "KLDivLoss": layer(loss_layer(torch.nn.KLDivLoss, ["reduction", "logTarget"]), 2),
        "SGD": optimizer(
            torch.optim.SGD, ["lr", "momentum", "dampening", "weightDecay", "nesterov", "maximize"]
        ),
        "Adam": optimizer(torch.optim.Adam, ["lr", "betas", "eps", "weightDecay", "amsgrad", "maximize"]),
        "AdamW": optimizer(
            torch.optim.AdamW, ["lr", "betas", "eps", "weightDecay", "amsgrad", "maximize"]
        ),
        "RMSprop": optimizer(
            torch.optim.RMSprop,
            ["lr", "alpha", "eps", "weightDecay", "momentum", "centered", "maximize"],
        ),
        "Adadelta": optimizer(torch.optim.Adadelta, ["lr", "rho", "eps", "weightDecay", "maximize"]),
        "NAdam": optimizer(
            torch.optim.NAdam, ["lr", "betas", "eps", "weightDecay", "momentumDecay"]
        ),
        "RAdam": optimizer(torch.optim.RAdam, ["lr", "betas", "eps", "weightDecay"]),
        "Adamax": optimizer(
            torch.optim.Adamax, ["lr", "betas", "eps", "weightDecay", "maximize"]
        ),
        "StepLR": scheduler(
            lambda o, opt, le: LR.StepLR(
                o, **sched_kwargs(opt, ["stepSize", "gamma"], None, ["step_size"]), last_epoch=le
            )
        ),
        "ExponentialLR": scheduler(
            lambda o, opt, le: LR.ExponentialLR(
                o, **sched_kwargs(opt, ["gamma"], None, ["gamma"]), last_epoch=le
            )
        ),
        "MultiStepLR": scheduler(
            lambda o, opt, le: LR.MultiStepLR(
                o, **sched_kwargs(opt, ["milestones", "gamma"], None, ["milestones"]), last_epoch=le
            )
        ),
        "CosineAnnealingLR": scheduler(
            lambda o, opt, le: LR.CosineAnnealingLR(
                o,
                **sched_kwargs(opt, ["tMax", "etaMin"], {"tMax": "T_max"}, ["T_max"]),
                last_epoch=le,
            )
        ),
        "LinearLR": scheduler(
            lambda o, opt, le: LR.LinearLR(
                o, **sched_kwargs(opt, ["startFactor", "endFactor", "totalIters"], None), last_epoch=le
            )
        ),
        "LambdaLR": scheduler(lambda o, f, le: LR.LambdaLR(o, js_function(f), last_epoch=le)),
        "ReduceLROnPlateau": plateau,
        "CosineAnnealingWarmRestarts": scheduler(
            lambda o, opt, le: LR.CosineAnnealingWarmRestarts(
                o,
                **sched_kwargs(
                    opt, ["t0", "tMult", "etaMin"], {"t0": "T_0", "tMult": "T_mult"}, ["T_0"]
                ),
                last_epoch=le,
            )
        ),
        "CyclicLR": scheduler(
            lambda o, opt, le: LR.CyclicLR(o, **cyclic_kwargs(opt), last_epoch=le)
        ),
    }
)

# Tensor methods: the receiver first, as in Stride's cases.
for _m in [
    "reshape", "flatten", "squeeze", "unsqueeze", "transpose", "expand", "flip", "index",
    "sum", "mean", "max", "argmax", "softmax", "add", "mul", "pow", "clamp", "cast", "matmul",
]:
    OPS[f"Tensor.{_m}"] = OPS[_m]
OPS["Tensor.view"] = lambda x, *shape: x.view(*shape)
OPS["Tensor.permute"] = lambda x, *dims: x.permute(*dims)

# Outputs that are random draws (or made with random weights): only their shapes and dtypes
# can be compared.
RANDOM = {
    "rand",
    "randn",
    "randint",
    "Linear",
    "Conv1d",
    "Conv2d",
    "Dropout",
    "ConvTranspose1d",
    "ConvTranspose2d",
    "ConvTranspose3d",
    "Dropout1d",
    "Dropout2d",
    "Dropout3d",
}


def encode_value(v):
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, float):
        if math.isnan(v):
            return "NaN"
        if math.isinf(v):
            return "Infinity" if v > 0 else "-Infinity"
        if v == 0 and math.copysign(1, v) < 0:
            return "-0"
    return v


def encode_tensor(t, random):
    out = {"shape": list(t.shape), "dtype": str(t.dtype).replace("torch.", "")}
    if not random and t.numel() <= MAX_RECORDED:
        out["data"] = [encode_value(v) for v in t.detach().reshape(-1).tolist()]
    return out


def outputs(value):
    if isinstance(value, torch.Tensor):
        return [value]
    if value is None:
        return [None]
    if isinstance(value, (list, tuple)):
        return [t for v in value for t in outputs(v)]
    raise TypeError(f"unexpected result {type(value)}")


def is_random(case, args):
    if case["op"] in RANDOM:
        return True
    if case["op"] in ("dropout", "dropout1d", "dropout2d", "dropout3d"):
        p = args[1] if len(args) > 1 else UNDEF
        training = args[2] if len(args) > 2 else UNDEF
        return not (p in (0, 1) or training is False)
    return False


def outcome(case):
    f = OPS.get(case["op"])
    if f is None:
        return {"status": "none"}
    try:
        args = [decode(a) for a in case["args"]]
        while args and args[-1] is UNDEF:
            args.pop()
        random = is_random(case, args)
        value = f(*args)
        outs = outputs(value)
        return {
            "status": "ok",
            "out": [None if t is None else encode_tensor(t, random) for t in outs],
            **({"random": True} if random else {}),
        }
    except Unspecified:
        return {"status": "none"}
    except Exception as e:  # noqa: BLE001 - every exception is an outcome to record
        name = "TypeError" if isinstance(e, StrideRule) else type(e).__name__
        return {"status": "raised", "type": name, "message": str(e).split("\n")[0][:200]}


def main():
    src, dst = sys.argv[1], sys.argv[2]
    with open(src) as fh:
        cases = json.load(fh)
    result = [outcome(c) for c in cases]
    with open(dst, "w") as fh:
        json.dump({"torch": torch.__version__, "outcomes": result}, fh)


if __name__ == "__main__":
    main()
