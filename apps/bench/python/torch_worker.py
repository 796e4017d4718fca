"""PyTorch on the CPU for the benchmark harness: `torch_worker.py <job.json>`.

Speaks the harness's protocol (src/protocol.ts): reads the job, writes one JSON message a line
to file descriptor 3, and each workload's first results (float32, NCHW, PyTorch's parameter
layouts, which are Stride's) to files for the check. Timing follows src/measure.ts.
"""

import json
import os
import platform
import re
import sys
import time


def send(message):
    os.write(3, (json.dumps(message) + "\n").encode())


def median(values):
    s = sorted(values)
    mid = len(s) // 2
    return s[mid] if len(s) % 2 else (s[mid - 1] + s[mid]) / 2


def measure(p, plan, after_first):
    now = time.perf_counter
    t = now()
    p["step"]()
    warmup = (now() - t) * 1e3
    after_first()
    start = now()
    t = now()
    p["step"]()
    once = (now() - t) * 1e3
    calls = max(1, -(-plan["minSampleMs"] // max(once, 1e-3)))
    calls = int(calls)
    samples = [once] if calls == 1 else []
    while len(samples) < plan["samples"] and (
        not samples or (now() - start) * 1e3 < plan["rowBudgetMs"]
    ):
        t = now()
        for _ in range(calls):
            p["step"]()
        samples.append((now() - t) * 1e3 / calls)
    return {
        "warmupMs": warmup,
        "medianMs": median(samples),
        "minMs": min(samples),
        "maxMs": max(samples),
        "samplesMs": samples,
        "callsPerSample": calls,
    }


def make_workloads(torch, np):
    F = torch.nn.functional

    def load(spec):
        dtype = np.int32 if spec["dtype"] == "int32" else np.float32
        data = np.fromfile(spec["file"], dtype=dtype).reshape(spec["shape"])
        t = torch.from_numpy(data)
        return t.long() if spec["dtype"] == "int32" else t

    def op_call(make, name):
        state = {}

        def step():
            state["y"] = make()

        return {"step": step, "outputs": lambda: {name: state["y"]}}

    def lenet_forward(x, p):
        y = F.max_pool2d(F.relu(F.conv2d(x, p["conv1.weight"], p["conv1.bias"], padding=2)), 2)
        y = F.max_pool2d(F.relu(F.conv2d(y, p["conv2.weight"], p["conv2.bias"])), 2)
        y = y.flatten(1)
        y = F.relu(F.linear(y, p["fc1.weight"], p["fc1.bias"]))
        y = F.relu(F.linear(y, p["fc2.weight"], p["fc2.bias"]))
        return F.linear(y, p["fc3.weight"], p["fc3.bias"])

    def prepare(w, specs):
        i = {s["name"]: load(s) for s in specs}
        kind = w["kind"]
        if kind == "matmul":
            return op_call(lambda: torch.matmul(i["a"], i["b"]), "c")
        if kind == "conv":
            c = w["conv"]
            stride, pad = [c["stride"]] * 2, [c["pad"]] * 2
            if w["pass"] == "forward":
                return op_call(lambda: F.conv2d(i["x"], i["w"], stride=stride, padding=pad), "y")
            # The kernels autograd itself calls, one gradient at a time.
            x_shape = torch.empty(c["n"], c["c"], c["h"], c["w"])
            w_shape = torch.empty(c["o"], c["c"], c["k"], c["k"])
            backward = torch.ops.aten.convolution_backward
            if w["pass"] == "input-grad":
                return op_call(
                    lambda: backward(
                        i["dy"], x_shape, i["w"], None, stride, pad, [1, 1], False, [0, 0], 1,
                        [True, False, False],
                    )[0],
                    "dx",
                )
            return op_call(
                lambda: backward(
                    i["dy"], i["x"], w_shape, None, stride, pad, [1, 1], False, [0, 0], 1,
                    [False, True, False],
                )[1],
                "dw",
            )
        if kind == "max-pool":
            return op_call(lambda: F.max_pool2d(i["x"], w["size"]), "y")
        params = {k: v for k, v in i.items() if "." in k}
        if kind == "lenet-infer":
            return op_call(lambda: lenet_forward(i["x"], params), "logits")
        if kind == "lenet-train":
            for p in params.values():
                p.requires_grad_(True)
            optimizer = torch.optim.SGD(list(params.values()), lr=w["lr"])
            state = {}

            def step():
                with torch.enable_grad():
                    optimizer.zero_grad(set_to_none=True)
                    loss = F.cross_entropy(lenet_forward(i["x"], params), i["y"])
                    loss.backward()
                    optimizer.step()
                state["loss"] = loss.item()

            def outputs():
                result = {"loss": torch.tensor([state["loss"]])}
                result.update({k: v.detach() for k, v in params.items()})
                return result

            return {"step": step, "outputs": outputs}
        if kind == "adds":
            a, b, count = i["a"], i["b"], w["count"]

            def adds():
                y = a
                for _ in range(count):
                    y = torch.add(y, b)
                return y

            return op_call(adds, "y")
        raise ValueError("unknown workload kind " + kind)

    return prepare


def unsupported(w):
    if w["kind"] == "mnist-to-accuracy":
        return "time to accuracy is measured for Stride only"
    return None


def main():
    job = json.load(open(sys.argv[1]))
    try:
        import numpy as np
        import torch
    except Exception as e:  # noqa: BLE001 - any import failure means no PyTorch here
        send({"type": "unavailable", "reason": "import torch failed: %s" % e})
        return
    torch.set_num_threads(job["threads"])
    # Single ops and inference need no autograd graph; the training step turns it back on.
    torch.set_grad_enabled(False)
    send({
        "type": "hello",
        "info": {
            "library": "torch " + torch.__version__,
            "threads": torch.get_num_threads(),
            "python": platform.python_version(),
        },
    })
    prepare = make_workloads(torch, np)
    for w in job["workloads"]:
        send({"type": "start", "workload": w["id"]})
        row = {"workload": w["id"], "runner": job["runner"]}
        reason = unsupported(w)
        if reason:
            row.update(status="unsupported", reason=reason)
            send({"type": "row", "row": row})
            continue
        try:
            p = prepare(w, job["inputs"].get(w["id"], []))
            out_dir = os.path.join(job["outputsDir"], w["id"])

            def write_outputs():
                os.makedirs(out_dir, exist_ok=True)
                for name, t in p["outputs"]().items():
                    t.detach().float().contiguous().numpy().tofile(os.path.join(out_dir, name + ".bin"))

            row.update(status="ok", timing=measure(p, job["plan"], write_outputs))
        except Exception as e:  # noqa: BLE001 - reported in the row, the run goes on
            message = str(e).split("\n")[0][:300]
            missing = re.search(r"not (yet )?(implemented|supported)|unsupported", message, re.I)
            row.update(status="unsupported" if missing else "error", reason=message)
        send({"type": "row", "row": row})


if __name__ == "__main__":
    main()
