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


def read_idx(path, offset, shape, np):
    return np.fromfile(path, dtype=np.uint8, offset=offset).reshape(shape)


def mnist_to_accuracy(w, job, torch, np):
    """Time to train LeNet-5 on MNIST to the target test accuracy, with the recipe of Stride's
    row (src/runners/stride-mnist.ts): Adam, one-cycle schedule peaking at 0.003 (20% warm-up,
    PyTorch's defaults otherwise, which Stride's OneCycleLR follows), batch 64, one-pixel random
    shifts (zero padding of 1, then a random 28x28 crop per image), the test set evaluated every
    quarter epoch, stopping at the first evaluation at or above the target. Evaluation and
    loading are timed apart from training."""
    F = torch.nn.functional
    nn = torch.nn
    started = time.perf_counter()
    d = job["mnistDir"]
    train_x = torch.from_numpy(read_idx(os.path.join(d, "train-images-idx3-ubyte"), 16, (-1, 1, 28, 28), np).astype(np.float32) / 255)
    train_y = torch.from_numpy(read_idx(os.path.join(d, "train-labels-idx1-ubyte"), 8, (-1,), np).astype(np.int64))
    test_x = torch.from_numpy(read_idx(os.path.join(d, "t10k-images-idx3-ubyte"), 16, (-1, 1, 28, 28), np).astype(np.float32) / 255)
    test_y = torch.from_numpy(read_idx(os.path.join(d, "t10k-labels-idx1-ubyte"), 8, (-1,), np).astype(np.int64))
    load_s = time.perf_counter() - started

    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10),
    )
    batch, lr, evals_per_epoch = 64, 0.003, 4
    n = train_x.shape[0]
    steps_per_epoch = -(-n // batch)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    schedule = torch.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=lr, epochs=w["maxEpochs"], steps_per_epoch=steps_per_epoch, pct_start=0.2
    )
    eval_every = -(-steps_per_epoch // evals_per_epoch)
    generator = torch.Generator().manual_seed(0)
    span = torch.arange(28)

    def shift(x):
        b = x.shape[0]
        padded = F.pad(x, (1, 1, 1, 1))
        oy = torch.randint(0, 3, (b,), generator=generator)
        ox = torch.randint(0, 3, (b,), generator=generator)
        rows = (oy[:, None] + span)[:, :, None]
        cols = (ox[:, None] + span)[:, None, :]
        return padded[torch.arange(b)[:, None, None], 0, rows, cols].unsqueeze(1)

    def evaluate():
        model.eval()
        correct = 0
        with torch.no_grad():
            for i in range(0, test_x.shape[0], 1000):
                correct += (model(test_x[i:i + 1000]).argmax(1) == test_y[i:i + 1000]).sum().item()
        return correct / test_x.shape[0]

    train_s = eval_s = 0.0
    steps = 0
    accuracy = 0.0
    reached = False
    for epoch in range(w["maxEpochs"]):
        model.train()
        since = time.perf_counter()
        order = torch.randperm(n, generator=generator)
        for k in range(steps_per_epoch):
            idx = order[k * batch:(k + 1) * batch]
            with torch.enable_grad():
                loss = F.cross_entropy(model(shift(train_x[idx])), train_y[idx])
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
            schedule.step()
            steps += 1
            if (k + 1) % eval_every == 0 or k + 1 == steps_per_epoch:
                loss.item()
                train_s += time.perf_counter() - since
                t = time.perf_counter()
                accuracy = evaluate()
                eval_s += time.perf_counter() - t
                send({"type": "note", "text": "%.2f epochs, %.1f s: %.2f%%" % (steps / steps_per_epoch, train_s, accuracy * 100)})
                if accuracy >= w["target"]:
                    reached = True
                    break
                model.train()
                since = time.perf_counter()
        if reached:
            break
    ms = train_s * 1e3
    row = {
        "timing": {"medianMs": ms, "minMs": ms, "maxMs": ms, "samplesMs": [ms], "callsPerSample": 1},
        "extra": {
            "testAccuracy": accuracy,
            "epochs": round(steps / steps_per_epoch, 2),
            "steps": steps,
            "evalSeconds": round(eval_s, 2),
            "loadSeconds": round(load_s, 2),
            "wallSeconds": round(time.perf_counter() - started, 2),
        },
    }
    if reached:
        row["status"] = "ok"
    else:
        row.update(status="error", reason="reached %.2f%% (not %g%%) in %d epochs" % (accuracy * 100, w["target"] * 100, w["maxEpochs"]))
    return row


def unsupported(w, job):
    if w["kind"] == "mnist-to-accuracy" and not job.get("mnistDir"):
        return "no MNIST files given"
    if w["kind"] == "fma-ceiling":
        return "the FMA ceiling is measured by stride-cpu"
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
        reason = unsupported(w, job)
        if reason:
            row.update(status="unsupported", reason=reason)
            send({"type": "row", "row": row})
            continue
        try:
            if w["kind"] == "mnist-to-accuracy":
                row.update(mnist_to_accuracy(w, job, torch, np))
                send({"type": "row", "row": row})
                continue
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
